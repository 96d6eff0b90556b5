package xraylocal_test

import (
	"fmt"
	"testing"

	"github.com/xraylocal/xraylocal"
)

// TestW5_HTTPStatusOfEachCode checks the status table against the service model
// (ThrottledException 429, ResourceNotFoundException 404, modelled errors 400) and the
// statuses xraylocal decided for protocol and authentication errors.
func TestW5_HTTPStatusOfEachCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[xraylocal.ErrorCode]int{
		xraylocal.ThrottledException:                  429,
		xraylocal.ResourceNotFoundException:           404,
		xraylocal.InvalidRequestException:             400,
		xraylocal.InvalidPolicyRevisionIdException:    400,
		xraylocal.LockoutPreventionException:          400,
		xraylocal.MalformedPolicyDocumentException:    400,
		xraylocal.PolicyCountLimitExceededException:   400,
		xraylocal.PolicySizeLimitExceededException:    400,
		xraylocal.RuleLimitExceededException:          400,
		xraylocal.TooManyTagsException:                400,
		xraylocal.SerializationException:              400,
		xraylocal.UnknownOperationException:           404,
		xraylocal.NotImplemented:                      501,
		xraylocal.MethodNotAllowedException:           405,
		xraylocal.RequestEntityTooLargeException:      413,
		xraylocal.InternalFailure:                     500,
		xraylocal.ServiceUnavailableException:         503,
		xraylocal.MissingAuthenticationTokenException: 403,
		xraylocal.IncompleteSignatureException:        403,
		xraylocal.UnrecognizedClientException:         403,
		xraylocal.InvalidSignatureException:           403,
	} {
		if got := code.HTTPStatus(); got != want {
			t.Errorf("%s: status %d, want %d", code, got, want)
		}
	}
}

func TestErrorCodeOf(t *testing.T) {
	t.Parallel()
	e := xraylocal.Errorf(xraylocal.LockoutPreventionException, "x %d", 1)
	for _, c := range []struct {
		err  error
		want xraylocal.ErrorCode
	}{
		{e, xraylocal.LockoutPreventionException},
		{fmt.Errorf("wrapped: %w", e), xraylocal.LockoutPreventionException},
		{fmt.Errorf("plain"), xraylocal.InternalFailure},
		{fmt.Errorf("down: %w", xraylocal.ErrUnavailable), xraylocal.ServiceUnavailableException},
	} {
		if got := xraylocal.ErrorCodeOf(c.err); got != c.want {
			t.Errorf("ErrorCodeOf(%v) = %s, want %s", c.err, got, c.want)
		}
	}
	if e.Message != "x 1" || e.Error() != "LockoutPreventionException: x 1" {
		t.Errorf("Errorf message %q, Error() %q", e.Message, e.Error())
	}
}
