package policy

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal"
)

// benchDocument returns a document of just under the 5120-byte limit (rule P-2)
// that exercises every part of validation: principals of each form, action
// patterns, resource ARNs with variables, and conditions of every family.
func benchDocument(tb testing.TB) string {
	tb.Helper()
	var sts []string
	for i := 0; ; i++ {
		s := stmt(
			`Sid="Statement`+strconv.Itoa(i)+`"`,
			`Principal={"AWS":["123456789012","arn:aws:iam::210987654321:role/Deployer","arn:aws:sts::210987654321:assumed-role/Deployer/ci"],"Service":"sns.amazonaws.com"}`,
			`Action=["xray:PutTraceSegments","xray:Get*","xray:*Sampling*"]`,
			`Resource=["arn:aws:xray:*:${aws:PrincipalAccount}:group/*","arn:aws:xray:us-east-1:123456789012:sampling-rule/r?"]`,
			`Condition={"StringEquals":{"aws:SourceAccount":["123456789012","210987654321"]},"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic-*"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"NumericLessThan":{"aws:EpochTime":1900000000},"Bool":{"aws:SecureTransport":true}}`,
		)
		next := doc(append(sts, s)...)
		if len(next) > xraylocal.MaxPolicyDocumentBytes {
			break
		}
		sts = append(sts, s)
	}
	// Fill the rest with small statements.
	for i := 0; ; i++ {
		next := doc(append(sts, stmt(`Sid="Fill`+strconv.Itoa(i)+`"`))...)
		if len(next) > xraylocal.MaxPolicyDocumentBytes {
			break
		}
		sts = append(sts, stmt(`Sid="Fill`+strconv.Itoa(i)+`"`))
	}
	d := doc(sts...)
	if len(d) < 5000 {
		tb.Fatalf("benchmark document is %d bytes, want about 5 KB", len(d))
	}
	return d
}

// BenchmarkValidate parses and validates a ~5 KB document.
func BenchmarkValidate(b *testing.B) {
	d := benchDocument(b)
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	reportCPU(b, func() {
		if _, err := Parse(d); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkEvaluate decides one request against the ~5 KB document. The request
// passes every condition of the large statements, so each of them is evaluated
// in full, and is then checked against every small one.
func BenchmarkEvaluate(b *testing.B) {
	pol := mustParse(b, benchDocument(b))
	req := RequestFor(xraylocal.AccessRequest{
		Caller: xraylocal.Caller{
			Scope:        xraylocal.Scope{Account: "123456789012", Region: "us-east-1"},
			PrincipalARN: "arn:aws:sts::210987654321:assumed-role/Deployer/ci",
			SourceIP:     "10.1.2.3", SecureTransport: true,
		},
		Action: "xray:GetSamplingTargets", Resource: "arn:aws:xray:us-east-1:210987654321:group/app",
		Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	req.Context.Set("aws:SourceAccount", "210987654321")
	req.Context.Set("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic-orders")
	if got := pol.Evaluate(&req); got.Decision != Allow {
		b.Fatalf("decision = %s, want allow", got.Decision)
	}
	b.ReportAllocs()
	reportCPU(b, func() { pol.Evaluate(&req) })
}

func BenchmarkEngineCheck(b *testing.B) {
	d := benchDocument(b)
	ar := xraylocal.AccessRequest{
		Caller:   xraylocal.Caller{Scope: xraylocal.Scope{Account: "123456789012", Region: "us-east-1"}, PrincipalARN: "arn:aws:iam::123456789012:root", SourceIP: "127.0.0.1"},
		Action:   "xray:PutResourcePolicy",
		Resource: "*",
		Time:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Engine{}).CheckResourcePolicy(d, ar); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateDocumented decides one SNS request against the documented SNS
// active-tracing policy: the usual size of an X-Ray resource policy.
func BenchmarkEvaluateDocumented(b *testing.B) {
	pol := mustParse(b, `{"Version":"2012-10-17","Statement":[{"Sid":"SNSAccess","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":["xray:PutTraceSegments","xray:GetSamplingRules","xray:GetSamplingTargets"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"StringLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:orders-*"}}}]}`)
	who := Principal{Kind: PrincipalService, ID: "sns.amazonaws.com"}
	ctx := ctxOf("aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:orders-eu")
	SetPrincipalKeys(&ctx, who)
	req := Request{Principal: who, Action: "xray:GetSamplingTargets", Resource: "*", Context: ctx}
	if got := pol.Evaluate(&req); got.Decision != Allow {
		b.Fatalf("decision = %s, want allow", got.Decision)
	}
	b.ReportAllocs()
	reportCPU(b, func() { pol.Evaluate(&req) })
}

// BenchmarkJSONUnmarshalBaseline decodes the same ~5 KB document with
// encoding/json into untyped values. It validates nothing; it is here to put
// BenchmarkValidate's numbers in proportion on a machine whose speed varies
// (a shared CI runner).
func BenchmarkJSONUnmarshalBaseline(b *testing.B) {
	d := []byte(benchDocument(b))
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	reportCPU(b, func() {
		var v any
		if err := json.Unmarshal(d, &v); err != nil {
			b.Fatal(err)
		}
	})
}
