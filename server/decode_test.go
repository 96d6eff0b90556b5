package server

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal/operations"
)

func TestW2_DecodeExactNestedAndDoubles(t *testing.T) {
	t.Parallel()
	type inner struct {
		Name string  `json:"Name"`
		Rate float64 `json:"Rate"`
	}
	type input struct {
		Top   *string           `json:"Top"`
		Items []inner           `json:"Items"`
		Tags  map[string]string `json:"Tags"`
		Ptr   *inner            `json:"Ptr"`
		Blob  []byte            `json:"Blob"`
	}
	var got input
	body := `{"top":"no","Top":"yes","Items":[{"name":"no","Name":"a","Rate":"NaN"},{"Name":"b","Rate":"-Infinity","RATE":1}],` +
		`"Tags":{"k":"v"},"Ptr":{"Rate":"Infinity"},"Blob":"aGk="}`
	if err := decodeValue([]byte(body), reflect.ValueOf(&got).Elem()); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.Items[0].Rate) || !math.IsInf(got.Items[1].Rate, -1) || !math.IsInf(got.Ptr.Rate, 1) {
		t.Errorf("doubles: %v %v %v, want NaN, -Inf, +Inf", got.Items[0].Rate, got.Items[1].Rate, got.Ptr.Rate)
	}
	got.Items[0].Rate, got.Items[1].Rate, got.Ptr.Rate = 0, 0, 0
	yes := "yes"
	want := input{Top: &yes, Items: []inner{{Name: "a"}, {Name: "b"}}, Tags: map[string]string{"k": "v"}, Ptr: &inner{}, Blob: []byte("hi")}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if err := decodeValue([]byte(`{"Top":5}`), reflect.ValueOf(&got).Elem()); err == nil {
		t.Errorf("a number for a string member decoded without error")
	}
}

// decodeViaMap is decodeMembers' meaning for the flat wire inputs: the body as a map of
// raw members, then each field from the member of exactly its name, by encoding/json.
func decodeViaMap(body []byte, v any) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return err
	}
	rv := reflect.ValueOf(v).Elem()
	for name, i := range fieldsOf(rv.Type()) {
		if raw, ok := members[name]; ok {
			if err := json.Unmarshal(raw, rv.Field(i).Addr().Interface()); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkDecodeMembers decodes a body that passed the operation's checks both ways: from
// the members operations.CheckMembers delimited, and by encoding/json.
func checkDecodeMembers[In any](t *testing.T, opName string, body []byte) {
	t.Helper()
	op, ok := operations.ByName(opName)
	if !ok {
		t.Fatalf("no operation %s", opName)
	}
	members, err := op.CheckMembers(body)
	if len(body) == 0 || err != nil {
		return
	}
	var got, want In
	var errWant error
	if strings.Trim(string(body), " \t\r\n") != "" { // W-2: a body of only whitespace is {}
		errWant = decodeViaMap(body, &want)
	}
	errGot := decodeMembers(op.Input, members, &got)
	if (errGot != nil) != (errWant != nil) {
		t.Fatalf("%s %q: decodeMembers error %v, encoding/json error %v", opName, body, errGot, errWant)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s %q: decodeMembers differs from encoding/json (-want +got):\n%s", opName, body, d)
	}
}

var decodeSeeds = []string{
	`{"PolicyName":"p","PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[]}","PolicyRevisionId":"3","BypassPolicyLockoutCheck":true}`,
	` { "PolicyName" : "a" , "PolicyName" : "b" , "PolicyRevisionId" : "1" , "PolicyRevisionId" : null } `,
	`{"Policy\u004eame":"escaped name","policyname":"case","Extra":{"PolicyName":"nested","x":[1,{"y":"}]"}]},"PolicyDocument":"d"}`,
	`{"PolicyName":"tab\t","PolicyDocument":"é \u00e9 \ud83d\ude00 \ud800","BypassPolicyLockoutCheck":false,"BypassPolicyLockoutCheck":null}`,
	`{"NextToken":"t","NextToken":"u"}`,
	`{}`,
	" \t\r\n",
}

func FuzzDecodeMembers(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeMembers[putResourcePolicyInput](t, "PutResourcePolicy", body)
		checkDecodeMembers[listResourcePoliciesInput](t, "ListResourcePolicies", body)
		checkDecodeMembers[deleteResourcePolicyInput](t, "DeleteResourcePolicy", body)
	})
}

// BenchmarkDecodeMembersPut decodes a PutResourcePolicy body with the SNS example policy
// from the members the model's checks delimited (the checks themselves are not timed).
func BenchmarkDecodeMembersPut(b *testing.B) {
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"SNSAccess","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":["xray:PutTraceSegments","xray:GetSamplingRules","xray:GetSamplingTargets"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"StringLike":{"aws:SourceArn":"arn:aws:sns:us-west-2:123456789012:*"}}}]}`
	body, err := json.Marshal(map[string]any{"PolicyName": "sns", "PolicyDocument": doc, "PolicyRevisionId": "12"})
	if err != nil {
		b.Fatal(err)
	}
	op, _ := operations.ByName("PutResourcePolicy")
	members, err := op.CheckMembers(body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var in putResourcePolicyInput
		if err := decodeMembers(op.Input, members, &in); err != nil {
			b.Fatal(err)
		}
	}
}
