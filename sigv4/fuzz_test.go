package sigv4

import (
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal"
)

// FuzzParseAuthorization: no Authorization header makes the parser or Authenticate panic;
// the parser fails only with IncompleteSignatureException; what it accepts is complete,
// signs host, and reads back the same when written out again; open mode never refuses;
// strict mode refuses only with one of the four authentication errors.
// Seed corpus: testdata/fuzz/FuzzParseAuthorization.
func FuzzParseAuthorization(f *testing.F) {
	open := newAuth(f, ModeOpen, t0)
	strict := newAuth(f, ModeStrict, t0)
	authErrors := []xraylocal.ErrorCode{
		xraylocal.MissingAuthenticationTokenException, xraylocal.IncompleteSignatureException,
		xraylocal.UnrecognizedClientException, xraylocal.InvalidSignatureException,
	}
	f.Fuzz(func(t *testing.T, header string) {
		cl, err := parseAuthorization(header)
		if err != nil {
			var e *xraylocal.Error
			if !errors.As(err, &e) || e.Code != xraylocal.IncompleteSignatureException {
				t.Fatalf("parse error = %v, want IncompleteSignatureException", err)
			}
		} else {
			c := cl.Credential
			if c.AccessKeyID == "" || c.Date == "" || c.Region == "" || c.Service == "" || cl.Signature == "" || cl.SignedHeaders == "" {
				t.Fatalf("accepted an incomplete header %q: %+v", header, cl)
			}
			names := strings.Split(cl.SignedHeaders, ";")
			if !slices.Contains(names, "host") && !slices.Contains(names, ":authority") {
				t.Fatalf("accepted %q, which does not sign host", header)
			}
			again := algorithm + " Credential=" + c.AccessKeyID + "/" + c.scope() +
				", SignedHeaders=" + cl.SignedHeaders + ", Signature=" + cl.Signature
			cl2, err := parseAuthorization(again)
			if err != nil {
				t.Fatalf("written out again as %q, no longer parses: %v", again, err)
			}
			if diff := cmp.Diff(cl, cl2); diff != "" {
				t.Fatalf("written out again as %q, reads differently (-first +again):\n%s", again, diff)
			}
		}

		req := httptest.NewRequest("POST", "http://localhost:4566/TraceSegments", strings.NewReader("{}"))
		req.Header["Authorization"] = []string{header}
		req.Header.Set("X-Amz-Date", t0.Format(amzDateLayout))
		c, err := open.Authenticate(req, []byte("{}"))
		if err != nil || c.Account == "" || c.Region == "" || c.PrincipalARN == "" {
			t.Fatalf("open mode: caller %+v, error %v; want a caller and no error", c, err)
		}
		_, err = strict.Authenticate(req, []byte("{}"))
		var e *xraylocal.Error
		if err == nil {
			t.Fatalf("strict mode accepted %q, which no listed key signed", header)
		}
		if !errors.As(err, &e) || !slices.Contains(authErrors, e.Code) {
			t.Fatalf("strict mode: error %v, want one of %v", err, authErrors)
		}
	})
}

// FuzzAuthenticate: whatever a request carries in the headers and query that authentication
// reads, Authenticate does not panic; open mode always gives a caller with a 12-digit account
// and a region name; strict mode refuses with one of the four authentication errors.
// Seed corpus: testdata/fuzz/FuzzAuthenticate.
func FuzzAuthenticate(f *testing.F) {
	open := newAuth(f, ModeOpen, t0)
	strict := newAuth(f, ModeStrict, t0)
	f.Fuzz(func(t *testing.T, authorization, amzDate, date, rawQuery, contentSHA256, token string) {
		req := httptest.NewRequest("POST", "http://localhost:4566/TraceSegments", strings.NewReader("{}"))
		req.URL.RawQuery = rawQuery
		for k, v := range map[string]string{
			"Authorization": authorization, "X-Amz-Date": amzDate, "Date": date,
			"X-Amz-Content-Sha256": contentSHA256, "X-Amz-Security-Token": token,
		} {
			if v != "" {
				req.Header[k] = []string{v}
			}
		}
		c, err := open.Authenticate(req, []byte("{}"))
		if err != nil || !accountIDPattern.MatchString(c.Account) || !validRegion(c.Region) {
			t.Fatalf("open mode: caller %+v, error %v", c, err)
		}
		_, err = strict.Authenticate(req, []byte("{}"))
		var e *xraylocal.Error
		if err == nil {
			t.Fatal("strict mode accepted a request no listed key signed")
		}
		if !errors.As(err, &e) || e.Code.HTTPStatus() != 403 {
			t.Fatalf("strict mode: error %v, want an authentication error (403)", err)
		}
	})
}
