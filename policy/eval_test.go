package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func refs(r Result) []string {
	var out []string
	for _, s := range r.Statements {
		out = append(out, s.String())
	}
	return out
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	alice := Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::123456789012:user/alice"}
	sns := Principal{Kind: PrincipalService, ID: "sns.amazonaws.com"}
	tests := []struct {
		name      string
		doc       string
		principal Principal
		action    string
		resource  string
		want      Decision
		wantBy    []string
	}{
		{name: "allow matching service", doc: doc(stmt()), principal: sns, action: "xray:PutTraceSegments", want: Allow, wantBy: []string{"1"}},
		{name: "action is case-insensitive", doc: doc(stmt()), principal: sns, action: "XRAY:puttracesegments", want: Allow, wantBy: []string{"1"}},
		{name: "other action implicitly denied", doc: doc(stmt()), principal: sns, action: "xray:GetGroups", want: ImplicitDeny},
		{name: "other principal implicitly denied", doc: doc(stmt()), principal: alice, action: "xray:PutTraceSegments", want: ImplicitDeny},
		{name: "service principal name ignores case", doc: doc(stmt(`Principal={"Service":"SNS.amazonaws.com"}`)), principal: sns, action: "xray:PutTraceSegments", want: Allow, wantBy: []string{"1"}},
		{name: "explicit deny wins over allow", doc: doc(stmt(`Sid="A"`, `Principal="*"`, `Action="*"`), stmt(`Sid="D"`, `Effect="Deny"`, `Principal={"AWS":"123456789012"}`, `Action="xray:Get*"`)),
			principal: alice, action: "xray:GetGroups", want: Deny, wantBy: []string{"D"}},
		{name: "deny elsewhere leaves allow", doc: doc(stmt(`Sid="A"`, `Principal="*"`, `Action="*"`), stmt(`Sid="D"`, `Effect="Deny"`, `Principal={"AWS":"123456789012"}`, `Action="xray:Get*"`)),
			principal: alice, action: "xray:PutTraceSegments", want: Allow, wantBy: []string{"A"}},
		{name: "all applicable allows are named", doc: doc(stmt(`Principal="*"`, `Action="*"`), stmt(`Sid="S"`, `Principal={"AWS":"*"}`, `Action="xray:Put*"`)),
			principal: alice, action: "xray:PutTraceSegments", want: Allow, wantBy: []string{"1", "S"}},
		{name: "AWS star covers service principals", doc: doc(stmt(`Principal={"AWS":"*"}`)), principal: sns, action: "xray:PutTraceSegments", want: Allow, wantBy: []string{"1"}},
		{name: "account principal covers its users", doc: doc(stmt(`Principal={"AWS":"123456789012"}`)), principal: alice, action: "xray:PutTraceSegments", want: Allow, wantBy: []string{"1"}},
		{name: "account principal does not cover another account", doc: doc(stmt(`Principal={"AWS":"210987654321"}`)), principal: alice, action: "xray:PutTraceSegments", want: ImplicitDeny},
		{name: "account principal does not cover a service", doc: doc(stmt(`Principal={"AWS":"123456789012"}`)), principal: sns, action: "xray:PutTraceSegments", want: ImplicitDeny},
		{name: "user principal is exact", doc: doc(stmt(`Principal={"AWS":"arn:aws:iam::123456789012:user/alice2"}`)), principal: alice, action: "xray:PutTraceSegments", want: ImplicitDeny},
		{name: "anonymous matched only by everyone", doc: doc(stmt(`Principal="*"`)), principal: Principal{}, action: "xray:PutTraceSegments", want: Allow, wantBy: []string{"1"}},
		{name: "NotAction allows the rest", doc: doc(stmt(`Principal="*"`, `-Action`, `NotAction="xray:Delete*"`)), principal: alice, action: "xray:GetGroups", want: Allow, wantBy: []string{"1"}},
		{name: "NotAction excludes", doc: doc(stmt(`Principal="*"`, `-Action`, `NotAction="xray:Delete*"`)), principal: alice, action: "xray:DeleteGroup", want: ImplicitDeny},
		{name: "resource ARN pattern", doc: doc(stmt(`Principal="*"`, `Action="*"`, `Resource="arn:aws:xray:*:123456789012:group/*"`)), principal: alice, action: "xray:GetGroup",
			resource: "arn:aws:xray:us-east-1:123456789012:group/app/ID", want: Allow, wantBy: []string{"1"}},
		{name: "resource ARN is case-sensitive", doc: doc(stmt(`Principal="*"`, `Action="*"`, `Resource="arn:aws:xray:*:123456789012:Group/*"`)), principal: alice, action: "xray:GetGroup",
			resource: "arn:aws:xray:us-east-1:123456789012:group/app/ID", want: ImplicitDeny},
		{name: "resource ARN does not match star request", doc: doc(stmt(`Principal="*"`, `Action="*"`, `Resource="arn:aws:xray:*:*:*"`)), principal: alice, action: "xray:GetGroups", resource: "*", want: ImplicitDeny},
		{name: "NotResource", doc: doc(stmt(`Principal="*"`, `Action="*"`, `-Resource`, `NotResource="arn:aws:xray:*:*:sampling-rule/*"`)), principal: alice, action: "xray:GetGroup",
			resource: "arn:aws:xray:us-east-1:123456789012:group/app/ID", want: Allow, wantBy: []string{"1"}},
		{name: "resource with a variable", doc: doc(stmt(`Principal="*"`, `Action="*"`, `Resource="arn:aws:xray:*:${aws:PrincipalAccount}:group/*"`)), principal: alice, action: "xray:GetGroup",
			resource: "arn:aws:xray:us-east-1:123456789012:group/app/ID", want: Allow, wantBy: []string{"1"}},
		{name: "resource with a variable of another account", doc: doc(stmt(`Principal="*"`, `Action="*"`, `Resource="arn:aws:xray:*:${aws:PrincipalAccount}:group/*"`)), principal: alice, action: "xray:GetGroup",
			resource: "arn:aws:xray:us-east-1:210987654321:group/app/ID", want: ImplicitDeny},
		{name: "NotResource with an unresolvable variable does not apply", doc: doc(stmt(`Principal="*"`, `Action="*"`, `-Resource`, `NotResource="arn:aws:xray:*:${aws:SourceAccount}:group/*"`)), principal: alice, action: "xray:GetGroup",
			resource: "arn:aws:xray:us-east-1:123456789012:group/app/ID", want: ImplicitDeny},
		{name: "NotResource with a resolved variable", doc: doc(stmt(`Principal="*"`, `Action="*"`, `-Resource`, `NotResource="arn:aws:xray:*:${aws:PrincipalAccount}:sampling-rule/*"`)), principal: alice, action: "xray:GetGroup",
			resource: "arn:aws:xray:us-east-1:123456789012:group/app/ID", want: Allow, wantBy: []string{"1"}},
		{name: "resource with an unresolvable variable", doc: doc(stmt(`Principal="*"`, `Action="*"`, `Resource="arn:aws:xray:*:${aws:SourceAccount}:group/*"`)), principal: alice, action: "xray:GetGroup",
			resource: "arn:aws:xray:us-east-1:123456789012:group/app/ID", want: ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pol := mustParse(t, tt.doc)
			res := tt.resource
			if res == "" {
				res = "*"
			}
			var ctx Context
			SetPrincipalKeys(&ctx, tt.principal)
			got := pol.Evaluate(&Request{Principal: tt.principal, Action: tt.action, Resource: res, Context: ctx})
			if got.Decision != tt.want {
				t.Errorf("decision = %s, want %s", got.Decision, tt.want)
			}
			if diff := cmp.Diff(tt.wantBy, refs(got)); diff != "" {
				t.Errorf("deciding statements (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateSeveralPolicies(t *testing.T) {
	t.Parallel()
	allow := mustParse(t, doc(stmt(`Sid="Allow"`, `Principal="*"`, `Action="*"`)))
	deny := mustParse(t, doc(stmt(`Sid="Deny"`, `Effect="Deny"`, `Principal="*"`, `Action="xray:DeleteGroup"`)))
	req := func(action string) *Request {
		return &Request{Principal: Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::123456789012:root"}, Action: action, Resource: "*"}
	}
	got := Evaluate([]*Policy{allow, deny}, req("xray:DeleteGroup"))
	if got.Decision != Deny || len(got.Statements) != 1 || got.Statements[0].Policy != 1 || got.Statements[0].Sid != "Deny" {
		t.Errorf("delete: got %+v, want Deny by policy 1 statement Deny", got)
	}
	got = Evaluate([]*Policy{allow, deny}, req("xray:GetGroups"))
	if got.Decision != Allow || len(got.Statements) != 1 || got.Statements[0].Policy != 0 {
		t.Errorf("get: got %+v, want Allow by policy 0", got)
	}
	if got := Evaluate(nil, req("xray:GetGroups")); got.Decision != ImplicitDeny || got.Statements != nil {
		t.Errorf("no policies: got %+v, want ImplicitDeny", got)
	}
}

// The examples AWS documents for X-Ray resource policies (xray-spec notes §5.5,
// §5.6) must be valid and decide as AWS describes.
func TestDocumentedExamples(t *testing.T) {
	t.Parallel()
	// X-Ray Developer Guide, "Amazon SNS and AWS X-Ray" (the put-resource-policy CLI example).
	const snsPolicy = `{ "Version": "2012-10-17", "Statement": [ { "Sid": "SNSAccess", "Effect": "Allow", "Principal": { "Service": "sns.amazonaws.com" }, "Action": [ "xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets" ], "Resource": "*", "Condition": { "StringEquals": { "aws:SourceAccount": "111122223333" }, "StringLike": { "aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:my-topic-*" } } } ] }`
	// CloudWatch Logs User Guide, "Traces sent to X-Ray", and the policy the CDK's
	// XRayDeliveryDestination generates.
	const logsPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AWSLogDeliveryWrite20250319","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":"xray:PutTraceSegments","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:111122223333:delivery-source:*"},"ForAllValues:ArnLike":{"logs:LogGeneratingResourceArns":["arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/*"]}}}]}`
	sns := Principal{Kind: PrincipalService, ID: "sns.amazonaws.com"}
	logs := Principal{Kind: PrincipalService, ID: "delivery.logs.amazonaws.com"}
	tests := []struct {
		name      string
		doc       string
		principal Principal
		action    string
		ctx       []string
		want      Decision
	}{
		{name: "SNS topic of the account sends segments", doc: snsPolicy, principal: sns, action: "xray:PutTraceSegments",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:my-topic-orders"}, want: Allow},
		{name: "SNS topic reads sampling targets", doc: snsPolicy, principal: sns, action: "xray:GetSamplingTargets",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:my-topic-orders"}, want: Allow},
		{name: "SNS topic of another account", doc: snsPolicy, principal: sns, action: "xray:PutTraceSegments",
			ctx: []string{"aws:SourceAccount", "444455556666", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:my-topic-orders"}, want: ImplicitDeny},
		{name: "SNS other topic name", doc: snsPolicy, principal: sns, action: "xray:PutTraceSegments",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:billing"}, want: ImplicitDeny},
		{name: "SNS without source keys", doc: snsPolicy, principal: sns, action: "xray:PutTraceSegments", want: ImplicitDeny},
		{name: "SNS may not change the policy", doc: snsPolicy, principal: sns, action: "xray:PutResourcePolicy",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:my-topic-orders"}, want: ImplicitDeny},
		{name: "another service", doc: snsPolicy, principal: logs, action: "xray:PutTraceSegments",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:my-topic-orders"}, want: ImplicitDeny},
		{name: "log delivery of the account's runtimes", doc: logsPolicy, principal: logs, action: "xray:PutTraceSegments",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:logs:us-east-1:111122223333:delivery-source:rt",
				"logs:LogGeneratingResourceArns", "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/a",
				"logs:LogGeneratingResourceArns", "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/b"}, want: Allow},
		{name: "log delivery without generating resources", doc: logsPolicy, principal: logs, action: "xray:PutTraceSegments",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:logs:us-east-1:111122223333:delivery-source:rt"}, want: Allow},
		{name: "log delivery with one foreign generating resource", doc: logsPolicy, principal: logs, action: "xray:PutTraceSegments",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:logs:us-east-1:111122223333:delivery-source:rt",
				"logs:LogGeneratingResourceArns", "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/a",
				"logs:LogGeneratingResourceArns", "arn:aws:bedrock-agentcore:us-east-1:444455556666:runtime/x"}, want: ImplicitDeny},
		{name: "log delivery from a delivery of another kind", doc: logsPolicy, principal: logs, action: "xray:PutTraceSegments",
			ctx: []string{"aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:logs:us-east-1:111122223333:log-group:rt"}, want: ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pol := mustParse(t, tt.doc)
			ctx := ctxOf(tt.ctx...)
			SetPrincipalKeys(&ctx, tt.principal)
			got := pol.Evaluate(&Request{Principal: tt.principal, Action: tt.action, Resource: "*", Context: ctx})
			if got.Decision != tt.want {
				t.Errorf("decision = %s, want %s", got.Decision, tt.want)
			}
		})
	}
}

func TestEvaluateNilRequest(t *testing.T) {
	t.Parallel()
	pol := mustParse(t, doc(stmt(`Principal="*"`, `Action="*"`)))
	if got := Evaluate([]*Policy{pol, nil}, nil); got.Decision != Allow {
		t.Errorf("nil request against an allow-everything policy: %s, want allow", got.Decision)
	}
	pol = mustParse(t, doc(stmt()))
	if got := pol.Evaluate(nil); got.Decision != ImplicitDeny {
		t.Errorf("nil request against a service policy: %s, want implicit-deny", got.Decision)
	}
}
