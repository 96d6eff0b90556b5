package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds arbitrary documents to Parse (seed corpus in
// testdata/fuzz/FuzzParse). Parsing must never panic, must be deterministic, must
// report a problem for every document it refuses, and a policy it accepts must
// evaluate without panicking.
func FuzzParse(f *testing.F) {
	f.Add(doc(stmt()))
	f.Add(`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"NotAction":"xray:Get*","NotResource":"arn:aws:xray:*:*:group/*"}}`)
	f.Fuzz(func(t *testing.T, document string) {
		pol, err := Parse(document)
		pol2, err2 := Parse(document)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Parse is not deterministic: %v, then %v", err, err2)
		}
		if err != nil {
			verr, ok := err.(*ValidationError)
			if !ok || len(verr.Problems) == 0 {
				t.Fatalf("refused without problems: %v", err)
			}
			if diff := cmp.Diff(verr.Problems, err2.(*ValidationError).Problems); diff != "" {
				t.Fatalf("problems differ between two parses:\n%s", diff)
			}
			for _, p := range verr.Problems {
				if p.Message == "" || p.Rule == "" {
					t.Fatalf("problem without rule or message: %+v", p)
				}
			}
			return
		}
		if pol == nil || pol2 == nil {
			t.Fatal("accepted without a policy")
		}
		requests := []Request{
			{Principal: Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::123456789012:root"}, Action: "xray:PutResourcePolicy", Resource: "*",
				Context: ctxOf("aws:SourceIp", "192.0.2.1", "aws:CurrentTime", "2026-01-01T00:00:00Z", "aws:PrincipalAccount", "123456789012")},
			{Principal: Principal{Kind: PrincipalService, ID: "sns.amazonaws.com"}, Action: "xray:PutTraceSegments", Resource: "arn:aws:xray:us-east-1:123456789012:group/a",
				Context: ctxOf("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:t", "k", "a", "k", "b")},
			{Principal: Principal{Kind: PrincipalAWS, ID: "not an arn"}, Action: "", Resource: ""},
		}
		for i := range requests {
			res := pol.Evaluate(&requests[i])
			if (res.Decision == ImplicitDeny) != (len(res.Statements) == 0) {
				t.Fatalf("decision %s with %d deciding statements", res.Decision, len(res.Statements))
			}
		}
	})
}
