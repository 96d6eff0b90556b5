package sigv4

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal"
)

// TestA2_OpenModeAccountAndRegion: open mode checks nothing and picks the account from the
// access key (listed key: its account; 12-digit key: itself; any other: the default) and
// the region from the credential scope, falling back to the defaults (rule A-2).
func TestA2_OpenModeAccountAndRegion(t *testing.T) {
	t.Parallel()
	other := Credentials{AccessKeyID: "AKIAOTHEREXAMPLE", SecretAccessKey: "whatever"}
	digits := Credentials{AccessKeyID: "123456789012", SecretAccessKey: "whatever"}
	// A listed key whose id is 12 digits maps to its listed account, not to itself.
	listedDigits := Credentials{AccessKeyID: "555566667777", SecretAccessKey: "s", AccountID: "888899990000"}
	sdkSigned := func(cred Credentials, region string, at time.Time) func(tb testing.TB) *http.Request {
		return func(tb testing.TB) *http.Request {
			req := newRequest(tb, "POST", "http://localhost:4566/TraceSegments", traceBody)
			sdkSign(tb, req, cred, region, at, sha256Hex([]byte(traceBody)))
			return req
		}
	}
	withAuth := func(header string) func(tb testing.TB) *http.Request {
		return func(tb testing.TB) *http.Request {
			req := newRequest(tb, "POST", "http://localhost:4566/TraceSegments", traceBody)
			req.Header.Set("Authorization", header)
			return req
		}
	}
	unsigned := func(tb testing.TB) *http.Request {
		return newRequest(tb, "POST", "http://localhost:4566/TraceSegments", traceBody)
	}
	caller := func(account, region, key, arn string) xraylocal.Caller {
		return xraylocal.Caller{Scope: xraylocal.Scope{Account: account, Region: region}, AccessKeyID: key, PrincipalARN: arn, SourceIP: "127.0.0.1"}
	}
	root := xraylocal.RootPrincipal
	tests := []struct {
		name           string
		defaultAccount string
		defaultRegion  string
		build          func(tb testing.TB) *http.Request
		want           xraylocal.Caller
	}{
		{name: "unsigned: default account and region", build: unsigned,
			want: caller("000000000000", "us-east-1", "", root("000000000000"))},
		{name: "unsigned: configured defaults", defaultAccount: "999988887777", defaultRegion: "eu-west-1", build: unsigned,
			want: caller("999988887777", "eu-west-1", "", root("999988887777"))},
		{name: "listed key: its account and principal, region from scope", build: sdkSigned(alice, "us-west-2", t0),
			want: caller(alice.AccountID, "us-west-2", alice.AccessKeyID, alice.PrincipalARN)},
		{name: "listed key without principal: its account's root", build: sdkSigned(bob, "ca-central-1", t0),
			want: caller(bob.AccountID, "ca-central-1", bob.AccessKeyID, root(bob.AccountID))},
		{name: "12-digit key: the account itself", build: sdkSigned(digits, "ap-south-1", t0),
			want: caller("123456789012", "ap-south-1", "123456789012", root("123456789012"))},
		{name: "listed 12-digit key: its listed account", build: sdkSigned(listedDigits, "us-east-2", t0),
			want: caller("888899990000", "us-east-2", "555566667777", root("888899990000"))},
		{name: "13-digit key: default account", build: sdkSigned(Credentials{AccessKeyID: "1234567890123", SecretAccessKey: "x"}, "us-east-2", t0),
			want: caller("000000000000", "us-east-2", "1234567890123", root("000000000000"))},
		{name: "other key: default account", build: sdkSigned(other, "eu-north-1", t0),
			want: caller("000000000000", "eu-north-1", other.AccessKeyID, root("000000000000"))},
		{name: "other key: configured default account", defaultAccount: "999988887777", build: sdkSigned(other, "eu-north-1", t0),
			want: caller("999988887777", "eu-north-1", other.AccessKeyID, root("999988887777"))},
		{name: "listed key with wrong secret: nothing is checked",
			build: sdkSigned(Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "wrong"}, "us-west-2", t0),
			want:  caller(alice.AccountID, "us-west-2", alice.AccessKeyID, alice.PrincipalARN)},
		{name: "signed a day ago: nothing is checked", build: sdkSigned(alice, "us-west-2", t0.Add(-24*time.Hour)),
			want: caller(alice.AccountID, "us-west-2", alice.AccessKeyID, alice.PrincipalARN)},
		{name: "temporary key without token: nothing is checked",
			build: sdkSigned(Credentials{AccessKeyID: temp.AccessKeyID, SecretAccessKey: temp.SecretAccessKey}, "us-west-2", t0),
			want:  caller(temp.AccountID, "us-west-2", temp.AccessKeyID, temp.PrincipalARN)},
		{name: "presigned: region and key from X-Amz-Credential",
			build: func(tb testing.TB) *http.Request { return presign(tb, digits, "me-south-1", t0, "60", "{}") },
			want:  caller("123456789012", "me-south-1", "123456789012", root("123456789012"))},
		{name: "region that is no region name: default region, account still from the key",
			build: withAuth("AWS4-HMAC-SHA256 Credential=123456789012/20261126/US_WEST/xray/aws4_request, SignedHeaders=host, Signature=00"),
			want:  caller("123456789012", "us-east-1", "123456789012", root("123456789012"))},
		{name: "hand-written header for another service: region still read",
			build: withAuth("AWS4-HMAC-SHA256 Credential=test/20200101/eu-south-2/s3/aws4_request,SignedHeaders=host,Signature=x"),
			want:  caller("000000000000", "eu-south-2", "test", root("000000000000"))},
		{name: "header and presigned query: the header decides",
			build: func(tb testing.TB) *http.Request {
				req := presign(tb, digits, "me-south-1", t0, "60", "{}")
				req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=210987654321/20261126/af-south-1/xray/aws4_request, SignedHeaders=host, Signature=00")
				return req
			},
			want: caller("210987654321", "af-south-1", "210987654321", root("210987654321"))},
		{name: "two Authorization headers: the first decides",
			build: func(tb testing.TB) *http.Request {
				req := withAuth("AWS4-HMAC-SHA256 Credential=210987654321/20261126/af-south-1/xray/aws4_request, SignedHeaders=host, Signature=00")(tb)
				req.Header.Add("Authorization", "AWS4-HMAC-SHA256 Credential=123456789012/20261126/eu-west-1/xray/aws4_request, SignedHeaders=host, Signature=00")
				return req
			},
			want: caller("210987654321", "af-south-1", "210987654321", root("210987654321"))},
		{name: "malformed header: defaults", build: withAuth("AWS4-HMAC-SHA256 garbage"),
			want: caller("000000000000", "us-east-1", "", root("000000000000"))},
		{name: "credential without scope: defaults",
			build: withAuth("AWS4-HMAC-SHA256 Credential=123456789012, SignedHeaders=host, Signature=00"),
			want:  caller("000000000000", "us-east-1", "", root("000000000000"))},
		{name: "other scheme: defaults", build: withAuth("Basic dXNlcjpwYXNz"),
			want: caller("000000000000", "us-east-1", "", root("000000000000"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := NewAuthenticator(Config{
				Mode: ModeOpen, DefaultAccount: tc.defaultAccount, DefaultRegion: tc.defaultRegion,
				Credentials: append([]Credentials{listedDigits}, testCredentials...),
				Now:         func() time.Time { return t0 },
			})
			if err != nil {
				t.Fatal(err)
			}
			got := roundTrip(t, tc.build(t))
			c, err := a.Authenticate(got.req, got.body)
			if err != nil {
				t.Fatalf("open mode refused a request: %v", err)
			}
			if diff := cmp.Diff(tc.want, c); diff != "" {
				t.Errorf("caller (-want +got):\n%s", diff)
			}
		})
	}
}

// TestA3_Principal: the caller's principal is the account's root unless the credentials
// name another principal for the key, in both modes (rule A-3).
func TestA3_Principal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cred Credentials
		want string
	}{
		{"IAM user named", alice, "arn:aws:iam::111122223333:user/alice"},
		{"none named: root", bob, "arn:aws:iam::222233334444:root"},
		{"assumed role named", temp, "arn:aws:sts::333344445555:assumed-role/deployer/session-1"},
	}
	for _, mode := range []Mode{ModeOpen, ModeStrict} {
		for _, tc := range tests {
			t.Run(string(mode)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				req := newRequest(t, "POST", "http://localhost:4566/PutResourcePolicy", `{}`)
				sdkSign(t, req, tc.cred, "us-east-1", t0, sha256Hex([]byte(`{}`)))
				got := roundTrip(t, req)
				c, err := newAuth(t, mode, t0).Authenticate(got.req, got.body)
				if err != nil {
					t.Fatal(err)
				}
				if c.PrincipalARN != tc.want || c.Account != tc.cred.AccountID {
					t.Errorf("principal, account = %s, %s; want %s, %s", c.PrincipalARN, c.Account, tc.want, tc.cred.AccountID)
				}
			})
		}
	}
}

func TestNewAuthenticatorErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"unknown mode", Config{Mode: "lax"}, `auth mode "lax": want open or strict`},
		{"default account not 12 digits", Config{DefaultAccount: "12345"}, `default account "12345" is not a 12-digit`},
		{"default region not a region name", Config{DefaultRegion: "US East"}, `default region "US East"`},
		{"strict without credentials", Config{Mode: ModeStrict}, "auth mode strict needs credentials"},
		{"duplicate keys", Config{Credentials: []Credentials{alice, bob, alice}}, "already listed at credentials[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewAuthenticator(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("NewAuthenticator error = %v, want one containing %q", err, tc.msg)
			}
		})
	}
	a, err := NewAuthenticator(Config{})
	if err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	if a.mode != ModeOpen || a.defaultAccount != xraylocal.DefaultAccount || a.defaultRegion != xraylocal.DefaultRegion {
		t.Errorf("zero Config gives mode %q, account %q, region %q; want open, %s, %s",
			a.mode, a.defaultAccount, a.defaultRegion, xraylocal.DefaultAccount, xraylocal.DefaultRegion)
	}
}
