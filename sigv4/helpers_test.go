package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal"
)

// t0 is the fixed time every test signs at and, unless it says otherwise, verifies at.
var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const traceBody = `{"TraceSegmentDocuments":["{\"name\":\"svc\",\"id\":\"70de5b6f19ff9a0a\",\"start_time\":1.478293361271E9}"]}`

var (
	// alice is a long-term key with a named principal.
	alice = Credentials{
		AccessKeyID: "AKIAALICEEXAMPLE0001", SecretAccessKey: "alice/secret+key/EXAMPLEKEY",
		AccountID: "111122223333", PrincipalARN: "arn:aws:iam::111122223333:user/alice",
	}
	// bob is a long-term key without a principal: he is his account's root (rule A-3).
	bob = Credentials{AccessKeyID: "AKIABOBEXAMPLE000002", SecretAccessKey: "bobsecret", AccountID: "222233334444"}
	// temp is a temporary credential, usable only with its session token.
	temp = Credentials{
		AccessKeyID: "ASIATEMPEXAMPLE00003", SecretAccessKey: "tempsecret", SessionToken: "FwoGZXIvYXdzEXAMPLETOKEN//+==",
		AccountID: "333344445555", PrincipalARN: "arn:aws:sts::333344445555:assumed-role/deployer/session-1",
	}
	testCredentials = []Credentials{alice, bob, temp}
)

func newAuth(tb testing.TB, mode Mode, now time.Time) *Authenticator {
	tb.Helper()
	a, err := NewAuthenticator(Config{Mode: mode, Credentials: testCredentials, Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatalf("NewAuthenticator: %v", err)
	}
	return a
}

// newRequest is an X-Ray request as a client builds it before signing.
func newRequest(tb testing.TB, method, url, body string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// received is a request as the server sees it, with its body.
type received struct {
	req  *http.Request
	body []byte
}

// roundTrip sends req over a real TCP connection and returns the request as Go's server
// received it, so that verification sees exactly what crossed the wire (Host moved to
// r.Host, header keys canonicalised, the path as sent).
func roundTrip(tb testing.TB, req *http.Request) received {
	tb.Helper()
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			tb.Errorf("reading body: %v", err)
		}
		got <- received{req: r.Clone(context.Background()), body: body}
	}))
	defer srv.Close()
	// Send to the test server but keep the Host the request was signed for.
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	req.Host = host
	req.URL.Scheme, req.URL.Host = "http", strings.TrimPrefix(srv.URL, "http://")
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("sending request: %v", err)
	}
	resp.Body.Close()
	return <-got
}

// bodyOf returns a request's body and puts it back, so the request can still be sent.
func bodyOf(tb testing.TB, req *http.Request) []byte {
	tb.Helper()
	if req.Body == nil {
		return nil
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// wantCode checks that err is an *xraylocal.Error of the given code whose message holds msg.
func wantCode(tb testing.TB, err error, code xraylocal.ErrorCode, msg string) {
	tb.Helper()
	var e *xraylocal.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v (%T), want *xraylocal.Error %s", err, err, code)
	}
	if e.Code != code {
		tb.Fatalf("code = %s, want %s (message: %s)", e.Code, code, e.Message)
	}
	if !strings.Contains(e.Message, msg) {
		tb.Fatalf("message = %q, want it to contain %q", e.Message, msg)
	}
	if s := e.Code.HTTPStatus(); s != http.StatusForbidden {
		tb.Fatalf("HTTP status of %s = %d, want 403", e.Code, s)
	}
}
