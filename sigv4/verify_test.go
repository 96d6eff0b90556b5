package sigv4

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	smithycreds "github.com/aws/smithy-go/aws-http-auth/credentials"
	smithysigv4 "github.com/aws/smithy-go/aws-http-auth/sigv4"
	smithyv4 "github.com/aws/smithy-go/aws-http-auth/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal"
)

func awsCreds(c Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

// sdkSign signs req in its headers with aws-sdk-go-v2's v4 signer, the signer of the AWS SDK
// for Go's X-Ray client.
func sdkSign(tb testing.TB, req *http.Request, cred Credentials, region string, at time.Time, payloadHash string) {
	tb.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), awsCreds(cred), req, payloadHash, Service, region, at); err != nil {
		tb.Fatalf("aws-sdk-go-v2 SignHTTP: %v", err)
	}
}

// smithySign signs req with smithy-go's aws-http-auth signer.
func smithySign(tb testing.TB, req *http.Request, cred Credentials, region string, at time.Time, payloadHash []byte, opts ...smithyv4.SignerOption) {
	tb.Helper()
	err := smithysigv4.New(opts...).SignRequest(&smithysigv4.SignRequestInput{
		Request:     req,
		PayloadHash: payloadHash,
		Credentials: smithycreds.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken},
		Service:     Service,
		Region:      region,
		Time:        at,
	})
	if err != nil {
		tb.Fatalf("smithy SignRequest: %v", err)
	}
}

func addPayloadHashHeader(o *smithyv4.SignerOptions) { o.AddPayloadHashHeader = true }

// signedCase is a request really signed by an AWS signer, which strict mode must accept.
type signedCase struct {
	name string
	// build returns the request, signed, ready to send.
	build       func(tb testing.TB) *http.Request
	wantRegion  string
	wantAccount string
	wantKey     string
	wantARN     string
}

func signedCases() []signedCase {
	return []signedCase{
		{
			name: "aws-sdk-go-v2 header signature",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "https://xray.us-west-2.amazonaws.com/TraceSegments", traceBody)
				sdkSign(tb, req, alice, "us-west-2", t0, sha256Hex([]byte(traceBody)))
				return req
			},
			wantRegion: "us-west-2", wantAccount: "111122223333", wantKey: alice.AccessKeyID, wantARN: alice.PrincipalARN,
		},
		{
			name: "aws-sdk-go-v2 with session token",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "https://xray.eu-central-1.amazonaws.com/GetGroups", `{}`)
				sdkSign(tb, req, temp, "eu-central-1", t0, sha256Hex([]byte(`{}`)))
				return req
			},
			wantRegion: "eu-central-1", wantAccount: "333344445555", wantKey: temp.AccessKeyID, wantARN: temp.PrincipalARN,
		},
		{
			// A key listed without session_token accepts any token (decided; see
			// docs/authentication.md).
			name: "aws-sdk-go-v2 long-term key with a session token",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://localhost:4566/GetGroups", `{}`)
				withToken := bob
				withToken.SessionToken = "some-token"
				sdkSign(tb, req, withToken, "us-east-1", t0, sha256Hex([]byte(`{}`)))
				if req.Header.Get("X-Amz-Security-Token") != "some-token" {
					tb.Fatal("test premise: the SDK sends the session token")
				}
				return req
			},
			wantRegion: "us-east-1", wantAccount: "222233334444", wantKey: bob.AccessKeyID, wantARN: "arn:aws:iam::222233334444:root",
		},
		{
			name: "aws-sdk-go-v2 query string, repeated names, reserved characters",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://localhost:4566/ListResourcePolicies?b=2&a=1&a=0&x=%2F%20y~&empty=&flag", "")
				sdkSign(tb, req, bob, "us-east-1", t0, sha256Hex(nil))
				return req
			},
			wantRegion: "us-east-1", wantAccount: "222233334444", wantKey: bob.AccessKeyID, wantARN: "arn:aws:iam::222233334444:root",
		},
		{
			name: "aws-sdk-go-v2 path with characters that are escaped on the wire",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://localhost:4566/Trace%20Segments/a%2Fb/caf%C3%A9", traceBody)
				sdkSign(tb, req, alice, "us-west-2", t0, sha256Hex([]byte(traceBody)))
				return req
			},
			wantRegion: "us-west-2", wantAccount: "111122223333", wantKey: alice.AccessKeyID, wantARN: alice.PrincipalARN,
		},
		{
			name: "aws-sdk-go-v2 header values with runs of spaces and repeated headers",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://localhost:4566/TraceSegments", traceBody)
				req.Header.Set("X-Amz-Meta-Note", "  a   b    c  ")
				req.Header.Add("X-Custom", "one")
				req.Header.Add("X-Custom", "two  three")
				sdkSign(tb, req, alice, "ap-southeast-2", t0, sha256Hex([]byte(traceBody)))
				return req
			},
			wantRegion: "ap-southeast-2", wantAccount: "111122223333", wantKey: alice.AccessKeyID, wantARN: alice.PrincipalARN,
		},
		{
			name: "aws-sdk-go-v2 UNSIGNED-PAYLOAD",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://localhost:4566/TraceSegments", traceBody)
				req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
				sdkSign(tb, req, bob, "us-east-2", t0, unsignedPayload)
				return req
			},
			wantRegion: "us-east-2", wantAccount: "222233334444", wantKey: bob.AccessKeyID, wantARN: "arn:aws:iam::222233334444:root",
		},
		{
			name: "aws-sdk-go-v2 signed 14 minutes before the server's time",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://localhost:4566/TraceSegments", traceBody)
				sdkSign(tb, req, alice, "us-west-2", t0.Add(-14*time.Minute), sha256Hex([]byte(traceBody)))
				return req
			},
			wantRegion: "us-west-2", wantAccount: "111122223333", wantKey: alice.AccessKeyID, wantARN: alice.PrincipalARN,
		},
		{
			name: "smithy-go signer with X-Amz-Content-Sha256",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "https://xray.us-west-2.amazonaws.com/TraceSegments", traceBody)
				sum := sha256Sum([]byte(traceBody))
				smithySign(tb, req, alice, "us-west-2", t0, sum, addPayloadHashHeader)
				return req
			},
			wantRegion: "us-west-2", wantAccount: "111122223333", wantKey: alice.AccessKeyID, wantARN: alice.PrincipalARN,
		},
		{
			name: "smithy-go signer hashing a seekable body itself, no hash header",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://127.0.0.1:2000/GetSamplingRules?z=1&a=%3D", `{"NextToken":"x"}`)
				req.Body = seekBody{strings.NewReader(`{"NextToken":"x"}`)}
				smithySign(tb, req, bob, "sa-east-1", t0, nil)
				return req
			},
			wantRegion: "sa-east-1", wantAccount: "222233334444", wantKey: bob.AccessKeyID, wantARN: "arn:aws:iam::222233334444:root",
		},
		{
			name: "smithy-go signer with session token",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://localhost:4566/PutResourcePolicy", `{"PolicyName":"p"}`)
				smithySign(tb, req, temp, "us-east-1", t0, sha256Sum([]byte(`{"PolicyName":"p"}`)), addPayloadHashHeader)
				return req
			},
			wantRegion: "us-east-1", wantAccount: "333344445555", wantKey: temp.AccessKeyID, wantARN: temp.PrincipalARN,
		},
		{
			name: "this package's Sign",
			build: func(tb testing.TB) *http.Request {
				req := newRequest(tb, "POST", "http://localhost:4566/TraceSegments?x=1", traceBody)
				Sign(req, []byte(traceBody), alice, "us-west-1", Service, t0)
				return req
			},
			wantRegion: "us-west-1", wantAccount: "111122223333", wantKey: alice.AccessKeyID, wantARN: alice.PrincipalARN,
		},
	}
}

// seekBody is a request body smithy-go's signer can hash and rewind.
type seekBody struct{ *strings.Reader }

func (seekBody) Close() error { return nil }

func sha256Sum(b []byte) []byte {
	s := sha256Hex(b)
	out := make([]byte, 32)
	for i := range out {
		out[i] = fromHex(s[2*i])<<4 | fromHex(s[2*i+1])
	}
	return out
}

func fromHex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// TestA2_StrictAcceptsRequestsSignedByAWSSigners: requests signed by the AWS SDK signers
// pass strict mode, and the caller's account, region and principal follow rules.
func TestA2_StrictAcceptsRequestsSignedByAWSSigners(t *testing.T) {
	t.Parallel()
	a := newAuth(t, ModeStrict, t0)
	for _, tc := range signedCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := roundTrip(t, tc.build(t))
			caller, err := a.Authenticate(got.req, got.body)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			want := xraylocal.Caller{
				Scope:       xraylocal.Scope{Account: tc.wantAccount, Region: tc.wantRegion},
				AccessKeyID: tc.wantKey, PrincipalARN: tc.wantARN, SourceIP: "127.0.0.1",
			}
			if diff := cmp.Diff(want, caller); diff != "" {
				t.Errorf("caller (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStrictRejectsTampering: changing any signed part of a signed request after signing
// makes it fail with InvalidSignatureException.
func TestStrictRejectsTampering(t *testing.T) {
	t.Parallel()
	a := newAuth(t, ModeStrict, t0)
	tests := []struct {
		name   string
		tamper func(r *received)
		msg    string
	}{
		{"method", func(r *received) { r.req.Method = "PUT" }, "does not match the signature you provided"},
		{"path", func(r *received) { r.req.URL.Path, r.req.URL.RawPath = "/TraceSegmentz", "" }, "does not match the signature you provided"},
		{"signed header", func(r *received) { r.req.Header.Set("Content-Type", "text/plain") }, "does not match the signature you provided"},
		{"host", func(r *received) { r.req.Host = "evil.example.com" }, "does not match the signature you provided"},
		{"body (hash header present)", func(r *received) { r.body = append(r.body[:len(r.body)-1], ' ') }, "x-amz-content-sha256"},
		{"query value", func(r *received) { r.req.URL.RawQuery = "a=2" }, "does not match the signature you provided"},
		{"query added", func(r *received) { r.req.URL.RawQuery = "a=1&b=2" }, "does not match the signature you provided"},
		{"signature", func(r *received) {
			h := r.req.Header.Get("Authorization")
			last := h[len(h)-1]
			repl := byte('0')
			if last == '0' {
				repl = '1'
			}
			r.req.Header.Set("Authorization", h[:len(h)-1]+string(repl))
		}, "does not match the signature you provided"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := newRequest(t, "POST", "http://localhost:4566/TraceSegments?a=1", traceBody)
			req.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte(traceBody)))
			sdkSign(t, req, alice, "us-west-2", t0, sha256Hex([]byte(traceBody)))
			got := roundTrip(t, req)
			if _, err := a.Authenticate(got.req, got.body); err != nil {
				t.Fatalf("untampered request refused: %v", err)
			}
			tc.tamper(&got)
			_, err := a.Authenticate(got.req, got.body)
			wantCode(t, err, xraylocal.InvalidSignatureException, tc.msg)
		})
	}
}

// TestStrictRejectsTamperedBodyWithoutHashHeader: with no X-Amz-Content-Sha256 header the
// body's hash is part of the signature, so a changed body is a signature mismatch.
func TestStrictRejectsTamperedBodyWithoutHashHeader(t *testing.T) {
	t.Parallel()
	a := newAuth(t, ModeStrict, t0)
	req := newRequest(t, "POST", "http://localhost:4566/TraceSegments", traceBody)
	sdkSign(t, req, alice, "us-west-2", t0, sha256Hex([]byte(traceBody)))
	got := roundTrip(t, req)
	if got.req.Header.Get("X-Amz-Content-Sha256") != "" {
		t.Fatal("test premise: the request must not carry X-Amz-Content-Sha256")
	}
	if _, err := a.Authenticate(got.req, got.body); err != nil {
		t.Fatalf("untampered request refused: %v", err)
	}
	_, err := a.Authenticate(got.req, []byte(strings.Replace(string(got.body), "svc", "SVC", 1)))
	wantCode(t, err, xraylocal.InvalidSignatureException, "The Canonical String for this request should have been")
}

// TestStrictErrors: each way a request can fail authentication gets its AWS error code and
// a message that says what is wrong.
func TestStrictErrors(t *testing.T) {
	t.Parallel()
	signed := func(tb testing.TB, cred Credentials, region string, at time.Time) *http.Request {
		req := newRequest(tb, "POST", "http://localhost:4566/TraceSegments", traceBody)
		sdkSign(tb, req, cred, region, at, sha256Hex([]byte(traceBody)))
		return req
	}
	setAuth := func(old, new string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		}
	}
	tests := []struct {
		name   string
		cred   Credentials
		region string
		signAt time.Time
		now    time.Time
		edit   func(*http.Request) // applied to the signed request before it is sent
		code   xraylocal.ErrorCode
		msg    string
	}{
		{name: "unsigned", edit: func(r *http.Request) { r.Header.Del("Authorization") },
			code: xraylocal.MissingAuthenticationTokenException, msg: "Missing Authentication Token"},
		{name: "other scheme", edit: func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") },
			code: xraylocal.IncompleteSignatureException, msg: "Unsupported AWS 'algorithm': 'Bearer'"},
		{name: "no Credential", edit: setAuth("Credential=", "Cred="),
			code: xraylocal.IncompleteSignatureException, msg: "Authorization header requires 'Credential' parameter."},
		{name: "no SignedHeaders", edit: setAuth("SignedHeaders=", "Signed="),
			code: xraylocal.IncompleteSignatureException, msg: "Authorization header requires 'SignedHeaders' parameter."},
		{name: "no Signature", edit: setAuth("Signature=", "Sig="),
			code: xraylocal.IncompleteSignatureException, msg: "Authorization header requires 'Signature' parameter."},
		{name: "part without equal sign", edit: setAuth(", Signature=", ", garbage, Signature="),
			code: xraylocal.IncompleteSignatureException, msg: "'garbage' not a valid key=value pair"},
		{name: "credential without scope", edit: setAuth("/20261126/", "/"),
			code: xraylocal.IncompleteSignatureException, msg: "Credential must have the form"},
		{name: "host not signed", edit: setAuth("SignedHeaders=content-length;content-type;host;", "SignedHeaders=content-length;content-type;"),
			code: xraylocal.IncompleteSignatureException, msg: "'Host' or ':authority' must be a 'SignedHeader'"},
		{name: "no X-Amz-Date", edit: func(r *http.Request) { r.Header.Del("X-Amz-Date") },
			code: xraylocal.IncompleteSignatureException, msg: "requires existence of either a 'X-Amz-Date' or a 'Date' header"},
		{name: "X-Amz-Date not ISO 8601 basic", edit: func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-11-26T12:00:00Z") },
			code: xraylocal.IncompleteSignatureException, msg: "Date must be in ISO-8601 'basic format'"},
		{name: "two Authorization headers", edit: func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) },
			code: xraylocal.IncompleteSignatureException, msg: "2 Authorization headers"},
		{name: "header and query signature", edit: func(r *http.Request) { r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256" },
			code: xraylocal.IncompleteSignatureException, msg: "Only one auth mechanism allowed"},
		{name: "unknown access key", cred: Credentials{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"},
			code: xraylocal.UnrecognizedClientException, msg: "The security token included in the request is invalid: access key 'AKIAUNKNOWN' is not listed"},
		{name: "12-digit key not listed", cred: Credentials{AccessKeyID: "123456789012", SecretAccessKey: "x"},
			code: xraylocal.UnrecognizedClientException, msg: "'123456789012' is not listed"},
		{name: "temporary key without session token", cred: Credentials{AccessKeyID: temp.AccessKeyID, SecretAccessKey: temp.SecretAccessKey},
			code: xraylocal.UnrecognizedClientException, msg: "send its session token in X-Amz-Security-Token"},
		{name: "temporary key with wrong session token", cred: Credentials{AccessKeyID: temp.AccessKeyID, SecretAccessKey: temp.SecretAccessKey, SessionToken: "stolen"},
			code: xraylocal.UnrecognizedClientException, msg: "does not match the session token configured"},
		{name: "wrong secret", cred: Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "not-alices"},
			code: xraylocal.InvalidSignatureException, msg: "The request signature we calculated does not match the signature you provided"},
		{name: "wrong service in scope", edit: setAuth("/xray/", "/s3/"),
			code: xraylocal.InvalidSignatureException, msg: "Credential should be scoped to correct service: 'xray'"},
		{name: "invalid region in scope", region: "US_WEST",
			code: xraylocal.InvalidSignatureException, msg: "Credential should be scoped to a valid region, not 'US_WEST'"},
		{name: "scope date differs from X-Amz-Date", edit: setAuth("/20261126/", "/20261125/"),
			code: xraylocal.InvalidSignatureException, msg: "'20261125' != '20261126'"},
		{name: "signed 16 minutes ago", signAt: t0.Add(-16 * time.Minute),
			code: xraylocal.InvalidSignatureException, msg: "Signature expired: 20261126T114400Z is now earlier than 20261126T114500Z (20261126T120000Z - 15 min.)"},
		{name: "signed 16 minutes ahead", signAt: t0.Add(16 * time.Minute),
			code: xraylocal.InvalidSignatureException, msg: "Signature not yet current: 20261126T121600Z is still later than 20261126T121500Z (20261126T120000Z + 15 min.)"},
		{name: "content hash header not a hash", edit: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") },
			code: xraylocal.InvalidSignatureException, msg: "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cred, region, at, now := tc.cred, tc.region, tc.signAt, tc.now
			if cred.AccessKeyID == "" {
				cred = alice
			}
			if region == "" {
				region = "us-west-2"
			}
			if at.IsZero() {
				at = t0
			}
			if now.IsZero() {
				now = t0
			}
			req := signed(t, cred, region, at)
			if tc.edit != nil {
				tc.edit(req)
			}
			got := roundTrip(t, req)
			caller, err := newAuth(t, ModeStrict, now).Authenticate(got.req, got.body)
			if err == nil {
				t.Fatalf("accepted, caller %+v", caller)
			}
			wantCode(t, err, tc.code, tc.msg)
			if caller != (xraylocal.Caller{}) {
				t.Errorf("caller on error = %+v, want zero", caller)
			}
		})
	}
}

// headerRule signs the listed headers only.
type headerRule map[string]bool

func (r headerRule) IsSigned(h string) bool { return r[h] }

// TestDateHeader: a request may carry its time in Date instead of X-Amz-Date ("Handling
// dates in Signature Version 4"); the string to sign then has that time in ISO 8601 basic.
// smithy-go's signer is told to sign host and date only, and X-Amz-Date, which it always
// sets, is removed before sending, so only the Date header tells the time.
func TestDateHeader(t *testing.T) {
	t.Parallel()
	a := newAuth(t, ModeStrict, t0)
	req := newRequest(t, "POST", "http://localhost:4566/TraceSegments", traceBody)
	req.Header.Set("Date", t0.Format(http.TimeFormat))
	smithySign(t, req, alice, "us-west-2", t0, sha256Sum([]byte(traceBody)),
		func(o *smithyv4.SignerOptions) { o.HeaderRules = headerRule{"host": true, "date": true} })
	req.Header.Del("X-Amz-Date")
	if !strings.Contains(req.Header.Get("Authorization"), "SignedHeaders=date;host,") {
		t.Fatalf("test premise: only date and host signed: %s", req.Header.Get("Authorization"))
	}
	got := roundTrip(t, req)
	c, err := a.Authenticate(got.req, got.body)
	if err != nil {
		t.Fatalf("request dated by the Date header refused: %v", err)
	}
	if c.Account != alice.AccountID {
		t.Errorf("account = %s, want %s", c.Account, alice.AccountID)
	}

	got.req.Header.Set("Date", t0.Add(time.Second).Format(http.TimeFormat))
	_, err = a.Authenticate(got.req, got.body)
	wantCode(t, err, xraylocal.InvalidSignatureException, "does not match the signature you provided")

	got.req.Header.Set("Date", "yesterday")
	_, err = a.Authenticate(got.req, got.body)
	wantCode(t, err, xraylocal.IncompleteSignatureException, "Got 'yesterday' in Date")
}

// TestCallerTransport: SourceIP is the TCP peer without port; SecureTransport is true on TLS.
func TestCallerTransport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		remoteAddr string
		tls        bool
		wantIP     string
	}{
		{"IPv4", "192.0.2.10:51234", false, "192.0.2.10"},
		{"IPv6", "[2001:db8::7]:443", true, "2001:db8::7"},
		{"no port", "192.0.2.11", false, "192.0.2.11"},
		{"empty", "", true, ""},
	}
	for _, mode := range []Mode{ModeOpen, ModeStrict} {
		for _, tc := range tests {
			t.Run(string(mode)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				req := newRequest(t, "POST", "http://localhost:4566/TraceSegments", traceBody)
				Sign(req, []byte(traceBody), alice, "us-west-2", Service, t0)
				req.RemoteAddr = tc.remoteAddr
				if tc.tls {
					req.TLS = &tls.ConnectionState{}
				}
				c, err := newAuth(t, mode, t0).Authenticate(req, []byte(traceBody))
				if err != nil {
					t.Fatal(err)
				}
				if c.SourceIP != tc.wantIP || c.SecureTransport != tc.tls {
					t.Errorf("SourceIP, SecureTransport = %q, %v; want %q, %v", c.SourceIP, c.SecureTransport, tc.wantIP, tc.tls)
				}
			})
		}
	}
}
