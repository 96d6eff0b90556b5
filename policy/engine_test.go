package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xraylocal/xraylocal"
)

var lockoutTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// lockoutRequest is the request rule P-6 evaluates: the caller's own
// xray:PutResourcePolicy on "*".
func lockoutRequest(principalARN, sourceIP string) xraylocal.AccessRequest {
	return xraylocal.AccessRequest{
		Caller: xraylocal.Caller{
			Scope:        xraylocal.Scope{Account: "123456789012", Region: "eu-west-1"},
			PrincipalARN: principalARN,
			SourceIP:     sourceIP,
		},
		Action:   "xray:PutResourcePolicy",
		Resource: "*",
		Time:     lockoutTime,
	}
}

func TestP6_Lockout(t *testing.T) {
	t.Parallel()
	const (
		root  = "arn:aws:iam::123456789012:root"
		alice = "arn:aws:iam::123456789012:user/alice"
		other = "arn:aws:iam::210987654321:user/bob"
		sess  = "arn:aws:sts::123456789012:assumed-role/Admin/alice-session"
	)
	deny := func(edits ...string) string {
		return doc(stmt(append([]string{`Effect="Deny"`, `Principal="*"`, `Action="xray:*"`}, edits...)...))
	}
	tests := []struct {
		name   string
		doc    string
		caller string
		ip     string
		want   xraylocal.PolicyCheck
	}{
		{name: "deny everyone xray:* locks out", doc: deny(), caller: root,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny names the statement by Sid", doc: doc(stmt(), stmt(`Sid="NoWrites"`, `Effect="Deny"`, `Principal={"AWS":"*"}`, `Action="xray:Put*"`)), caller: alice,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"NoWrites"}}},
		{name: "deny * action locks out", doc: deny(`Action="*"`), caller: alice,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny PutResourcePolicy in any case locks out", doc: deny(`Action="XRAY:putResourcePolicy"`), caller: alice,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny GetSamplingRules does not lock out", doc: deny(`Action="xray:GetSamplingRules"`), caller: root},
		{name: "deny NotAction PutResourcePolicy does not lock out", doc: deny(`-Action`, `NotAction="xray:PutResourcePolicy"`), caller: root},
		{name: "deny NotAction of another action locks out", doc: deny(`-Action`, `NotAction="xray:GetGroups"`), caller: root,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny on source IP that matches the caller locks out", doc: deny(`Condition={"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), caller: alice, ip: "192.0.2.10",
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny on source IP that does not match does not lock out", doc: deny(`Condition={"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`), caller: alice, ip: "192.0.2.10"},
		{name: "deny NotIpAddress outside the caller's network locks out", doc: deny(`Condition={"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`), caller: alice, ip: "192.0.2.10",
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny on source IP when the caller has none does not lock out", doc: deny(`Condition={"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), caller: alice},
		{name: "deny on a group ARN resource does not lock out", doc: deny(`Resource="arn:aws:xray:*:*:group/*"`), caller: root},
		{name: "deny on NotResource of a group ARN locks out", doc: deny(`-Resource`, `NotResource="arn:aws:xray:*:*:group/*"`), caller: root,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny on NotResource star does not lock out", doc: deny(`-Resource`, `NotResource="*"`), caller: root},
		{name: "deny the caller's account id locks out its user", doc: deny(`Principal={"AWS":"123456789012"}`), caller: alice,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny the caller's account root ARN locks out its role session", doc: deny(`Principal={"AWS":"arn:aws:iam::123456789012:root"}`), caller: sess,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny another account does not lock out", doc: deny(`Principal={"AWS":"210987654321"}`), caller: alice},
		{name: "deny another user does not lock out", doc: deny(`Principal={"AWS":"arn:aws:iam::123456789012:user/carol"}`), caller: alice},
		{name: "deny the caller's user ARN locks out", doc: deny(`Principal={"AWS":"arn:aws:iam::123456789012:user/alice"}`), caller: alice,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny a role locks out its sessions", doc: deny(`Principal={"AWS":"arn:aws:iam::123456789012:role/Admin"}`), caller: sess,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny a service does not lock out a user", doc: deny(`Principal={"Service":"sns.amazonaws.com"}`), caller: root},
		{name: "deny NotPrincipal the caller does not lock out", doc: deny(`-Principal`, `NotPrincipal={"AWS":"arn:aws:iam::123456789012:user/alice"}`), caller: alice},
		{name: "deny NotPrincipal someone else locks out", doc: deny(`-Principal`, `NotPrincipal={"AWS":"210987654321"}`), caller: alice,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny on insecure transport locks out a plain HTTP caller", doc: deny(`Condition={"Bool":{"aws:SecureTransport":"false"}}`), caller: alice,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny in another region does not lock out", doc: deny(`Condition={"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`), caller: alice},
		{name: "deny by principal type Account locks out the root", doc: deny(`Condition={"StringEquals":{"aws:PrincipalType":"Account"}}`), caller: root,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"1"}}},
		{name: "deny before a time passed does not lock out", doc: deny(`Condition={"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`), caller: alice},
		{name: "two denies are both named", doc: doc(stmt(`Sid="A"`, `Effect="Deny"`, `Principal="*"`, `Action="*"`), stmt(`Effect="Deny"`, `Principal="*"`, `Action="xray:PutResourcePolicy"`)), caller: alice,
			want: xraylocal.PolicyCheck{LocksOut: true, DeniedBy: []string{"A", "2"}}},
		{name: "allow everyone never locks out", doc: doc(stmt(`Principal={"AWS":"*"}`, `Action=["xray:*","xray:PutResourcePolicy"]`)), caller: root},
		{name: "allow with a deny elsewhere on another action does not lock out", doc: doc(stmt(`Principal="*"`, `Action="*"`), stmt(`Effect="Deny"`, `Principal="*"`, `Action="xray:DeleteGroup"`)), caller: root},
		{name: "no applicable statement does not lock out", doc: doc(stmt()), caller: root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Engine{}.CheckResourcePolicy(tt.doc, lockoutRequest(tt.caller, tt.ip))
			if err != nil {
				t.Fatalf("CheckResourcePolicy: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("check of %s (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}

func TestP3_MalformedDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		doc      string
		contains string
	}{
		{name: "empty", doc: "", contains: "empty"},
		{name: "not JSON", doc: "{", contains: "not valid JSON"},
		{name: "another service", doc: doc(stmt(`Sid="SNSAccess"`, `Action="s3:GetObject"`)), contains: `statement 1 ("SNSAccess"): Action: "s3:GetObject" is not an X-Ray action`},
		{name: "several problems", doc: doc(stmt(`Effect="x"`), stmt(`Action="s3:*"`)), contains: "(and 1 more problem)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Engine{}.CheckResourcePolicy(tt.doc, lockoutRequest("arn:aws:iam::123456789012:root", ""))
			var xe *xraylocal.Error
			if !errors.As(err, &xe) {
				t.Fatalf("error %v is not an *xraylocal.Error", err)
			}
			if xe.Code != xraylocal.MalformedPolicyDocumentException {
				t.Errorf("code = %s, want MalformedPolicyDocumentException", xe.Code)
			}
			if !strings.Contains(xe.Message, tt.contains) {
				t.Errorf("message %q does not contain %q", xe.Message, tt.contains)
			}
		})
	}
}

func TestContextFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		caller xraylocal.Caller
		want   map[string][]string
	}{
		{
			name: "root over plain HTTP",
			caller: xraylocal.Caller{Scope: xraylocal.Scope{Account: "123456789012", Region: "us-east-1"},
				PrincipalARN: "arn:aws:iam::123456789012:root", SourceIP: "127.0.0.1"},
			want: map[string][]string{
				"aws:PrincipalArn": {"arn:aws:iam::123456789012:root"}, "aws:PrincipalAccount": {"123456789012"},
				"aws:PrincipalType": {"Account"}, "aws:userid": {"123456789012"}, "aws:PrincipalIsAWSService": {"false"},
				"aws:SourceIp": {"127.0.0.1"}, "aws:CurrentTime": {"2026-03-04T05:06:07Z"}, "aws:EpochTime": {"1772600767"},
				"aws:SecureTransport": {"false"}, "aws:RequestedRegion": {"us-east-1"},
			},
		},
		{
			name: "user over TLS",
			caller: xraylocal.Caller{Scope: xraylocal.Scope{Account: "123456789012", Region: "eu-west-1"},
				PrincipalARN: "arn:aws:iam::123456789012:user/team/alice", SecureTransport: true},
			want: map[string][]string{
				"aws:PrincipalArn": {"arn:aws:iam::123456789012:user/team/alice"}, "aws:PrincipalAccount": {"123456789012"},
				"aws:PrincipalType": {"User"}, "aws:username": {"alice"}, "aws:PrincipalIsAWSService": {"false"},
				"aws:CurrentTime": {"2026-03-04T05:06:07Z"}, "aws:EpochTime": {"1772600767"},
				"aws:SecureTransport": {"true"}, "aws:RequestedRegion": {"eu-west-1"},
			},
		},
		{
			name: "role session",
			caller: xraylocal.Caller{Scope: xraylocal.Scope{Account: "123456789012", Region: "eu-west-1"},
				PrincipalARN: "arn:aws:sts::123456789012:assumed-role/Admin/s"},
			want: map[string][]string{
				"aws:PrincipalArn": {"arn:aws:sts::123456789012:assumed-role/Admin/s"}, "aws:PrincipalAccount": {"123456789012"},
				"aws:PrincipalType": {"AssumedRole"}, "aws:PrincipalIsAWSService": {"false"},
				"aws:CurrentTime": {"2026-03-04T05:06:07Z"}, "aws:EpochTime": {"1772600767"},
				"aws:SecureTransport": {"false"}, "aws:RequestedRegion": {"eu-west-1"},
			},
		},
		{
			name:   "federated user",
			caller: xraylocal.Caller{PrincipalARN: "arn:aws:sts::123456789012:federated-user/bob"},
			want: map[string][]string{
				"aws:PrincipalArn": {"arn:aws:sts::123456789012:federated-user/bob"}, "aws:PrincipalAccount": {"123456789012"},
				"aws:PrincipalType": {"FederatedUser"}, "aws:PrincipalIsAWSService": {"false"},
				"aws:CurrentTime": {"2026-03-04T05:06:07Z"}, "aws:EpochTime": {"1772600767"}, "aws:SecureTransport": {"false"},
			},
		},
		{
			name:   "no principal ARN means the account root",
			caller: xraylocal.Caller{Scope: xraylocal.Scope{Account: "000000000000"}},
			want: map[string][]string{
				"aws:PrincipalArn": {"arn:aws:iam::000000000000:root"}, "aws:PrincipalAccount": {"000000000000"},
				"aws:PrincipalType": {"Account"}, "aws:userid": {"000000000000"}, "aws:PrincipalIsAWSService": {"false"},
				"aws:CurrentTime": {"2026-03-04T05:06:07Z"}, "aws:EpochTime": {"1772600767"}, "aws:SecureTransport": {"false"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ContextFor(tt.caller, lockoutTime)
			want := map[string][]string{}
			for k, v := range tt.want {
				want[strings.ToLower(k)] = v
			}
			if diff := cmp.Diff(want, ctx.keys()); diff != "" {
				t.Errorf("context (-want +got):\n%s", diff)
			}
			// The keys are built on first use; a change after that keeps them.
			changed := ContextFor(tt.caller, lockoutTime)
			changed.Set("aws:SourceAccount", "111122223333")
			want["aws:sourceaccount"] = []string{"111122223333"}
			if diff := cmp.Diff(want, changed.keys()); diff != "" {
				t.Errorf("context after Set (-want +got):\n%s", diff)
			}
		})
	}
}
