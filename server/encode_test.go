package server

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// encodingJSON is what writeJSON wrote before the outputs appended their own JSON, and
// what it still writes for the others.
func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// checkAppendJSON compares each output's appendJSON with encoding/json for policies
// made of the given strings.
func checkAppendJSON(t *testing.T, name, doc, rev string, micros int64) {
	t.Helper()
	p := resourcePolicyJSON{PolicyName: name, PolicyDocument: doc, PolicyRevisionId: rev,
		LastUpdatedTime: epochSeconds(time.UnixMicro(micros).UTC())}
	token := doc
	outputs := []jsonAppender{
		&putResourcePolicyOutput{ResourcePolicy: p},
		&listResourcePoliciesOutput{ResourcePolicies: []resourcePolicyJSON{p, p}},
		&listResourcePoliciesOutput{ResourcePolicies: []resourcePolicyJSON{}, NextToken: &token},
		&listResourcePoliciesOutput{},
		&deleteResourcePolicyOutput{},
	}
	for _, out := range outputs {
		want := encodingJSON(t, out)
		if got := out.appendJSON([]byte("prefix")); !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("%T.appendJSON = %q, encoding/json writes %q", out, got[len("prefix"):], want)
		}
	}
}

var appendJSONSeeds = []struct {
	name, doc, rev string
	micros         int64
}{
	{"p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"xray:*","Resource":"*"}]}`, "1", 1764158400123456},
	{"", "", "", 0},
	{"html <&> é", "tab\t nl\n cr\r bs\b ff\f nul\x00 \x1f del\x7f quote\" backslash\\ slash/", "17", -1},
	{"bad utf-8 \xff\xfe \xc3", "line separators \u2028\u2029 and \U0001F600", "9223372036854775807", 1<<62 - 1},
	{"\xed\xa0\x80 surrogate half", "truncated \xe2\x80", "0", -1764158400999999},
}

func TestW1_AppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range appendJSONSeeds {
		checkAppendJSON(t, s.name, s.doc, s.rev, s.micros)
	}
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range appendJSONSeeds {
		f.Add(s.name, s.doc, s.rev, s.micros)
	}
	f.Fuzz(func(t *testing.T, name, doc, rev string, micros int64) {
		checkAppendJSON(t, name, doc, rev, micros%(1<<50))
	})
}

// BenchmarkAppendJSONList encodes a listing of five copies of the SNS example policy.
func BenchmarkAppendJSONList(b *testing.B) {
	p := resourcePolicyJSON{PolicyName: "sns-active-tracing-1", PolicyDocument: appendJSONSeeds[0].doc + appendJSONSeeds[0].doc + appendJSONSeeds[0].doc + appendJSONSeeds[0].doc,
		PolicyRevisionId: "17", LastUpdatedTime: epochSeconds(time.UnixMicro(1764158400123456))}
	out := &listResourcePoliciesOutput{ResourcePolicies: []resourcePolicyJSON{p, p, p, p, p}}
	buf := out.appendJSON(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = out.appendJSON(buf[:0])
	}
}
