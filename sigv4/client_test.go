package sigv4

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/xray"

	"github.com/xraylocal/xraylocal"
)

// authServer answers every request with {} once it authenticates, or with the AWS error
// shape (spec rule W-5) when it does not; it remembers the last caller.
type authServer struct {
	a      *Authenticator
	mu     sync.Mutex
	caller xraylocal.Caller
}

func (s *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c, err := s.a.Authenticate(r, body)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		var e *xraylocal.Error
		errors.As(err, &e)
		w.Header().Set("X-Amzn-ErrorType", string(e.Code))
		w.WriteHeader(e.Code.HTTPStatus())
		json.NewEncoder(w).Encode(map[string]string{"__type": string(e.Code), "message": e.Message})
		return
	}
	s.mu.Lock()
	s.caller = c
	s.mu.Unlock()
	io.WriteString(w, "{}")
}

// TestA2_XRayClient: the AWS SDK for Go's own X-Ray client, with its full middleware stack
// (content length, invocation-id headers, retries), is accepted in strict mode, and a
// client with the wrong secret gets InvalidSignatureException as its error code.
func TestA2_XRayClient(t *testing.T) {
	t.Parallel()
	a, err := NewAuthenticator(Config{Mode: ModeStrict, Credentials: testCredentials}) // real clock: the SDK signs with it
	if err != nil {
		t.Fatal(err)
	}
	s := &authServer{a: a}
	srv := httptest.NewServer(s)
	defer srv.Close()
	client := func(cred Credentials) *xray.Client {
		return xray.New(xray.Options{
			Region:       "eu-west-2",
			BaseEndpoint: aws.String(srv.URL),
			Credentials:  credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, cred.SessionToken),
			HTTPClient:   srv.Client(),
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, cred := range []Credentials{alice, temp} {
		if _, err := client(cred).PutTraceSegments(ctx, &xray.PutTraceSegmentsInput{TraceSegmentDocuments: []string{`{"name":"a"}`}}); err != nil {
			t.Fatalf("PutTraceSegments as %s: %v", cred.AccessKeyID, err)
		}
		s.mu.Lock()
		c := s.caller
		s.mu.Unlock()
		if c.Account != cred.AccountID || c.Region != "eu-west-2" || c.PrincipalARN != cred.PrincipalARN {
			t.Errorf("caller = %+v, want account %s, region eu-west-2, principal %s", c, cred.AccountID, cred.PrincipalARN)
		}
	}

	bad := alice
	bad.SecretAccessKey = "not-alices"
	_, err = client(bad).ListResourcePolicies(ctx, &xray.ListResourcePoliciesInput{})
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != string(xraylocal.InvalidSignatureException) {
		t.Fatalf("wrong secret: error = %v, want API error InvalidSignatureException", err)
	}
}
