package operations

import (
	"encoding/json"
	"testing"
)

// realisticPut is a PutResourcePolicy body of about 1 KB: an SNS and a CloudWatch Logs
// grant, as the SNS console and vended-traces delivery create them.
var realisticPut = func() []byte {
	doc := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"SNSAccess","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},` +
		`"Action":["xray:PutTraceSegments","xray:GetSamplingRules","xray:GetSamplingTargets"],"Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},` +
		`"StringLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:*"}}},` +
		`{"Sid":"LogsDelivery","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},` +
		`"Action":"xray:PutTraceSegments","Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},` +
		`"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:123456789012:delivery-source:*"}}},` +
		`{"Sid":"CrossAccountRead","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::210987654321:root",` +
		`"arn:aws:iam::210987654321:role/observability-reader"]},"Action":["xray:BatchGetTraces","xray:GetTraceSummaries"],` +
		`"Resource":"*"}]}`
	body, err := json.Marshal(map[string]any{
		"PolicyName":               "sns-and-logs-delivery.prod@team-observability",
		"PolicyDocument":           doc,
		"PolicyRevisionId":         "12",
		"BypassPolicyLockoutCheck": false,
	})
	if err != nil {
		panic(err)
	}
	return body
}()

func BenchmarkCheckPutResourcePolicy(b *testing.B) {
	op, _ := ByName("PutResourcePolicy")
	if err := op.Check(realisticPut); err != nil {
		b.Fatalf("Check: %v", err)
	}
	b.SetBytes(int64(len(realisticPut)))
	b.ReportAllocs()
	for b.Loop() {
		if err := op.Check(realisticPut); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRealisticPutSize(t *testing.T) {
	t.Parallel()
	if n := len(realisticPut); n < 900 || n > 1400 {
		t.Errorf("the benchmark body is %d bytes, want about 1 KB", n)
	}
}
