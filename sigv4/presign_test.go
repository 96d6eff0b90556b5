package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/xraylocal/xraylocal"
)

// presign builds a presigned X-Ray request with aws-sdk-go-v2's v4.Signer.PresignHTTP and
// returns the request a client would send with the URL: the body, and the headers the
// signer says were signed. expires is the X-Amz-Expires value; "" leaves it out.
func presign(tb testing.TB, cred Credentials, region string, at time.Time, expires, body string) *http.Request {
	tb.Helper()
	u := "https://xray.amazonaws.example/GetGroups"
	if expires != "" {
		u += "?X-Amz-Expires=" + url.QueryEscape(expires)
	}
	req := newRequest(tb, "POST", u, body)
	signedURL, signedHeaders, err := v4.NewSigner().PresignHTTP(context.Background(), awsCreds(cred), req,
		sha256Hex([]byte(body)), Service, region, at)
	if err != nil {
		tb.Fatalf("PresignHTTP: %v", err)
	}
	out, err := http.NewRequest("POST", signedURL, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, vs := range signedHeaders {
		if k != "Host" {
			out.Header[k] = vs
		}
	}
	if out.Header.Get("Authorization") != "" || out.URL.Query().Get("X-Amz-Signature") == "" {
		tb.Fatalf("test premise: a presigned URL carries its signature in the query: %s", signedURL)
	}
	return out
}

func TestPresigned(t *testing.T) {
	t.Parallel()
	dropParam := func(name string) func(*received) {
		return func(r *received) {
			q := r.req.URL.Query()
			q.Del(name)
			r.req.URL.RawQuery = q.Encode()
		}
	}
	tests := []struct {
		name    string
		cred    Credentials
		expires string
		now     time.Time
		edit    func(*received)
		code    xraylocal.ErrorCode // "" means accepted
		msg     string
	}{
		{name: "valid", cred: alice, expires: "300", now: t0.Add(time.Minute)},
		{name: "valid with session token in the query", cred: temp, expires: "60", now: t0},
		{name: "valid for 7 days, on the last second", cred: bob, expires: "604800", now: t0.Add(7 * 24 * time.Hour)},
		{name: "without X-Amz-Expires the 15-minute window applies", cred: alice, now: t0.Add(14 * time.Minute)},
		{name: "expired", cred: alice, expires: "300", now: t0.Add(301 * time.Second),
			code: xraylocal.InvalidSignatureException, msg: "Signature expired: 20261126T120000Z is now earlier than 20261126T120001Z"},
		{name: "expired without X-Amz-Expires", cred: alice, now: t0.Add(16 * time.Minute),
			code: xraylocal.InvalidSignatureException, msg: "The presigned URL expired at 20261126T121500Z (X-Amz-Expires=900)"},
		{name: "not yet current", cred: alice, expires: "300", now: t0.Add(-16 * time.Minute),
			code: xraylocal.InvalidSignatureException, msg: "Signature not yet current"},
		{name: "X-Amz-Expires zero", cred: alice, expires: "0", now: t0,
			code: xraylocal.IncompleteSignatureException, msg: "X-Amz-Expires must be a whole number of seconds from 1 to 604800"},
		{name: "X-Amz-Expires over 7 days", cred: alice, expires: "604801", now: t0,
			code: xraylocal.IncompleteSignatureException, msg: "got '604801'"},
		{name: "X-Amz-Expires not a number", cred: alice, expires: "5m", now: t0,
			code: xraylocal.IncompleteSignatureException, msg: "got '5m'"},
		{name: "missing X-Amz-Date", cred: alice, expires: "300", now: t0, edit: dropParam("X-Amz-Date"),
			code: xraylocal.IncompleteSignatureException, msg: "AWS query-string parameters must include 'X-Amz-Algorithm'"},
		{name: "missing X-Amz-Signature", cred: alice, expires: "300", now: t0, edit: dropParam("X-Amz-Signature"),
			code: xraylocal.IncompleteSignatureException, msg: "AWS query-string parameters must include"},
		{name: "missing session token", cred: temp, expires: "300", now: t0, edit: dropParam("X-Amz-Security-Token"),
			code: xraylocal.UnrecognizedClientException, msg: "send its session token"},
		{name: "host not signed", cred: alice, expires: "300", now: t0,
			edit: func(r *received) {
				q := r.req.URL.Query()
				q.Set("X-Amz-SignedHeaders", "content-type")
				r.req.URL.RawQuery = q.Encode()
			},
			code: xraylocal.IncompleteSignatureException, msg: "'Host' or ':authority' must be a 'SignedHeader'"},
		{name: "query parameter added", cred: alice, expires: "300", now: t0,
			edit: func(r *received) { r.req.URL.RawQuery += "&extra=1" },
			code: xraylocal.InvalidSignatureException, msg: "does not match the signature you provided"},
		{name: "X-Amz-Expires lengthened", cred: alice, expires: "300", now: t0,
			edit: func(r *received) {
				r.req.URL.RawQuery = strings.Replace(r.req.URL.RawQuery, "X-Amz-Expires=300", "X-Amz-Expires=3000", 1)
			},
			code: xraylocal.InvalidSignatureException, msg: "does not match the signature you provided"},
		{name: "body changed", cred: alice, expires: "300", now: t0,
			edit: func(r *received) { r.body = []byte(`{"GroupName":"x"}`) },
			code: xraylocal.InvalidSignatureException, msg: "does not match the signature you provided"},
		{name: "signed header changed", cred: alice, expires: "300", now: t0,
			edit: func(r *received) { r.req.Header.Set("Content-Type", "text/plain") },
			code: xraylocal.InvalidSignatureException, msg: "does not match the signature you provided"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := roundTrip(t, presign(t, tc.cred, "eu-west-3", t0, tc.expires, `{"NextToken":"abc"}`))
			if tc.edit != nil {
				tc.edit(&got)
			}
			caller, err := newAuth(t, ModeStrict, tc.now).Authenticate(got.req, got.body)
			if tc.code != "" {
				wantCode(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if caller.Region != "eu-west-3" || caller.Account != tc.cred.AccountID || caller.AccessKeyID != tc.cred.AccessKeyID {
				t.Errorf("caller = %+v, want region eu-west-3, account %s, key %s", caller, tc.cred.AccountID, tc.cred.AccessKeyID)
			}
		})
	}
}
