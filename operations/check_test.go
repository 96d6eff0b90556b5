package operations

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xraylocal/xraylocal"
)

// result is what a test expects of Check: the error code ("" for success) and message.
type result struct {
	Code    xraylocal.ErrorCode
	Message string
}

func resultOf(err error) result {
	if err == nil {
		return result{}
	}
	var e *xraylocal.Error
	if !errors.As(err, &e) {
		return result{Code: "not an *xraylocal.Error", Message: err.Error()}
	}
	return result{Code: e.Code, Message: e.Message}
}

type checkCase struct {
	name string
	op   string
	body string
	want result
}

func ok() result { return result{} }

func serr(msg string) result {
	return result{Code: xraylocal.SerializationException, Message: msg}
}

func ireq(msg string) result {
	return result{Code: xraylocal.InvalidRequestException, Message: msg}
}

func runCheckCases(t *testing.T, tests []checkCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op, found := ByName(tt.op)
			if !found {
				t.Fatalf("no operation %q", tt.op)
			}
			got := resultOf(op.Check([]byte(tt.body)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s.Check(%s) (-want +got):\n%s", tt.op, abbrev(tt.body), diff)
			}
		})
	}
}

func abbrev(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

const validPut = `{"PolicyName":"p1","PolicyDocument":"{}"}`

func TestW2_EmptyBodyIsEmptyObject(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "empty body, no required members", op: "ListResourcePolicies", body: "", want: ok()},
		{name: "empty object, no required members", op: "ListResourcePolicies", body: "{}", want: ok()},
		{name: "white space only", op: "GetSamplingRules", body: " \r\n\t", want: ok()},
		{name: "empty body, required members", op: "PutResourcePolicy", body: "",
			want: ireq("PolicyName: required member is missing")},
		{name: "empty body is not null", op: "ListResourcePolicies", body: "null",
			want: serr("the request body must be a JSON object, got null")},
	})
}

func TestW2_UnknownMembersIgnored(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "unknown scalar", op: "PutResourcePolicy",
			body: `{"PolicyName":"p","PolicyDocument":"{}","Extra":1}`, want: ok()},
		{name: "unknown nested value", op: "PutResourcePolicy",
			body: `{"Extra":{"a":[1,2.5e3,"x",true,false,null,{"b":{}}]},"PolicyName":"p","PolicyDocument":"{}"}`, want: ok()},
		{name: "unknown member in a nested structure", op: "GetSamplingTargets",
			body: `{"SamplingStatisticsDocuments":[{"RuleName":"r","ClientID":"0123456789abcdef01234567","Timestamp":1,"RequestCount":1,"SampledCount":0,"Future":[{}]}]}`,
			want: ok()},
		{name: "names are case-sensitive", op: "PutResourcePolicy",
			body: `{"policyName":"p","PolicyDocument":"{}"}`, want: ireq("PolicyName: required member is missing")},
		{name: "unknown member must still be JSON", op: "PutResourcePolicy",
			body: `{"Extra":[1,],"PolicyName":"p","PolicyDocument":"{}"}`,
			want: serr("the request body is not valid JSON: invalid character ']' at offset 12, expected a JSON value")},
		{name: "null member is absent", op: "PutResourcePolicy",
			body: `{"PolicyName":"p","PolicyDocument":"{}","PolicyRevisionId":null,"BypassPolicyLockoutCheck":null}`, want: ok()},
	})
}

func TestW2_WrongTypeIsSerializationException(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "number for string", op: "PutResourcePolicy", body: `{"PolicyName":5,"PolicyDocument":"{}"}`,
			want: serr("PolicyName: expected a string, got a number")},
		{name: "object for string (policy document sent unencoded)", op: "PutResourcePolicy",
			body: `{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17"}}`,
			want: serr("PolicyDocument: expected a string, got an object")},
		{name: "string for boolean", op: "PutResourcePolicy", body: `{"PolicyName":"p","PolicyDocument":"{}","BypassPolicyLockoutCheck":"true"}`,
			want: serr("BypassPolicyLockoutCheck: expected a boolean (true or false), got a string")},
		{name: "number for boolean", op: "PutResourcePolicy", body: `{"PolicyName":"p","PolicyDocument":"{}","BypassPolicyLockoutCheck":1}`,
			want: serr("BypassPolicyLockoutCheck: expected a boolean (true or false), got a number")},
		{name: "string for list", op: "BatchGetTraces", body: `{"TraceIds":"1-5759e988-bd862e3fe1be46a994272793"}`,
			want: serr("TraceIds: expected an array, got a string")},
		{name: "object for list", op: "PutTraceSegments", body: `{"TraceSegmentDocuments":{}}`,
			want: serr("TraceSegmentDocuments: expected an array, got an object")},
		{name: "number in a list of strings", op: "BatchGetTraces", body: `{"TraceIds":["a",2]}`,
			want: serr("TraceIds[1]: expected a string, got a number")},
		{name: "null in a list", op: "BatchGetTraces", body: `{"TraceIds":["a",null]}`,
			want: serr("TraceIds[1]: expected a string, got null")},
		{name: "string for integer", op: "GetInsightEvents", body: `{"InsightId":"x","MaxResults":"10"}`,
			want: serr("MaxResults: expected an integer (32-bit), got a string")},
		{name: "fraction for integer", op: "GetInsightEvents", body: `{"InsightId":"x","MaxResults":10.5}`,
			want: serr(`MaxResults: expected an integer (32-bit), got 10.5`)},
		{name: "exponent for integer", op: "GetInsightEvents", body: `{"InsightId":"x","MaxResults":1e1}`,
			want: serr(`MaxResults: expected an integer (32-bit), got 1e1`)},
		{name: "integer beyond int32", op: "GetInsightEvents", body: `{"InsightId":"x","MaxResults":2147483648}`,
			want: serr(`MaxResults: 2147483648 is out of range for an integer (32-bit)`)},
		{name: "string for timestamp (W-3)", op: "GetServiceGraph", body: `{"StartTime":"2026-01-01T00:00:00Z","EndTime":1}`,
			want: serr("StartTime: expected a timestamp in epoch seconds (a JSON number), got a string")},
		{name: "timestamp beyond float64", op: "GetServiceGraph", body: `{"StartTime":1e400,"EndTime":1}`,
			want: serr("StartTime: 1e400 is out of range for a timestamp")},
		{name: "string for double", op: "CreateSamplingRule", body: `{"SamplingRule":{"FixedRate":"0.5"}}`,
			want: serr("SamplingRule.FixedRate: expected a number, got a string")},
		{name: "array for structure", op: "CreateSamplingRule", body: `{"SamplingRule":[]}`,
			want: serr("SamplingRule: expected an object, got an array")},
		{name: "string for map", op: "CreateSamplingRule", body: `{"SamplingRule":{"Attributes":"a=b"}}`,
			want: serr("SamplingRule.Attributes: expected an object, got a string")},
		{name: "number as map value", op: "CreateSamplingRule", body: `{"SamplingRule":{"Attributes":{"k":1}}}`,
			want: serr(`SamplingRule.Attributes["k"]: expected a string, got a number`)},
		{name: "deep in a list of structures", op: "PutTelemetryRecords",
			body: `{"TelemetryRecords":[{"Timestamp":1},{"Timestamp":2,"BackendConnectionErrors":{"OtherCount":"3"}}]}`,
			want: serr(`TelemetryRecords[1].BackendConnectionErrors.OtherCount: expected an integer (32-bit), got a string`)},
		{name: "type error wins over an earlier constraint error", op: "PutResourcePolicy",
			body: `{"PolicyName":"a b","PolicyDocument":"{}","BypassPolicyLockoutCheck":"no"}`,
			want: serr("BypassPolicyLockoutCheck: expected a boolean (true or false), got a string")},
		{name: "invalid UTF-8 in a value", op: "PutResourcePolicy", body: "{\"PolicyName\":\"p\",\"PolicyDocument\":\"\xff\"}",
			want: serr("PolicyDocument: a string is not valid UTF-8")},
		{name: "invalid UTF-8 in an unknown member name", op: "PutResourcePolicy", body: "{\"\xc3\x28\":1}",
			want: serr("request body: a string is not valid UTF-8")},
	})
}

func TestW2_NotJSON(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "array", op: "ListResourcePolicies", body: `[]`, want: serr("the request body must be a JSON object, got an array")},
		{name: "string", op: "ListResourcePolicies", body: `"{}"`, want: serr("the request body must be a JSON object, got a string")},
		{name: "number", op: "ListResourcePolicies", body: `0`, want: serr("the request body must be a JSON object, got a number")},
		{name: "form data", op: "ListResourcePolicies", body: `NextToken=abc`,
			want: serr("the request body is not valid JSON: invalid character 'N' at the start of the body")},
		{name: "truncated", op: "PutResourcePolicy", body: `{"PolicyName":"p"`,
			want: serr("the request body is not valid JSON: unexpected end of JSON input, expected ',' or '}'")},
		{name: "truncated string", op: "PutResourcePolicy", body: `{"PolicyName":"p`,
			want: serr("the request body is not valid JSON: unexpected end of JSON input in a string in PolicyName")},
		{name: "two objects", op: "ListResourcePolicies", body: `{}{}`,
			want: serr("the request body is not valid JSON: unexpected data after the JSON object at offset 2")},
		{name: "trailing comma", op: "ListResourcePolicies", body: `{"NextToken":"a",}`,
			want: serr("the request body is not valid JSON: invalid character '}' at offset 17, expected a member name")},
		{name: "single quotes", op: "ListResourcePolicies", body: `{'NextToken':'a'}`,
			want: serr("the request body is not valid JSON: invalid character '\\'' at offset 1, expected a member name")},
		{name: "leading zero", op: "GetInsightEvents", body: `{"InsightId":"x","MaxResults":01}`,
			want: serr("the request body is not valid JSON: invalid character '1' at offset 31, expected ',' or '}'")},
		{name: "bad escape", op: "ListResourcePolicies", body: `{"NextToken":"\x41"}`,
			want: serr("the request body is not valid JSON: invalid escape 'x' in a string in NextToken")},
		{name: "raw control character", op: "ListResourcePolicies", body: "{\"NextToken\":\"a\nb\"}",
			want: serr("the request body is not valid JSON: invalid control character 0x0a in a string in NextToken")},
		{name: "literal misspelt", op: "PutResourcePolicy", body: `{"BypassPolicyLockoutCheck":tru}`,
			want: serr("the request body is not valid JSON: invalid character 't' at offset 28, expected a JSON value in BypassPolicyLockoutCheck")},
		{name: "nested 100000 deep", op: "PutResourcePolicy", body: `{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}",
			want: serr("the request body is nested more than 36 levels deep")},
		{name: "nested objects 100000 deep, unterminated", op: "PutResourcePolicy", body: strings.Repeat(`{"a":`, 100000),
			want: serr("the request body is nested more than 36 levels deep")},
	})
}

func TestW7_Required(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "all present", op: "PutResourcePolicy", body: validPut, want: ok()},
		{name: "first missing", op: "PutResourcePolicy", body: `{"PolicyDocument":"{}"}`, want: ireq("PolicyName: required member is missing")},
		{name: "second missing", op: "PutResourcePolicy", body: `{"PolicyName":"p"}`, want: ireq("PolicyDocument: required member is missing")},
		{name: "null is missing", op: "PutResourcePolicy", body: `{"PolicyName":null,"PolicyDocument":"{}"}`,
			want: ireq("PolicyName: required member is missing")},
		{name: "last occurrence decides: null", op: "PutResourcePolicy", body: `{"PolicyName":"p","PolicyName":null,"PolicyDocument":"{}"}`,
			want: ireq("PolicyName: required member is missing")},
		{name: "last occurrence decides: set", op: "PutResourcePolicy", body: `{"PolicyName":null,"PolicyName":"p","PolicyDocument":"{}"}`,
			want: ok()},
		{name: "empty string is present (its length is another check)", op: "PutResourcePolicy", body: `{"PolicyName":"p","PolicyDocument":""}`,
			want: ok()},
		{name: "required in a nested structure", op: "CreateSamplingRule", body: `{"SamplingRule":{}}`,
			want: ireq("SamplingRule.ResourceARN: required member is missing")},
		{name: "required in a list of structures", op: "TagResource",
			body: `{"ResourceARN":"arn:aws:xray:us-east-1:123456789012:group/g/1","Tags":[{"Key":"a","Value":"b"},{"Key":"c"}]}`,
			want: ireq("Tags[1].Value: required member is missing")},
		{name: "several required", op: "StartTraceRetrieval", body: `{"TraceIds":[]}`, want: ireq("StartTime: required member is missing")},
	})
}

func TestW7_Length(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "1 character", op: "PutResourcePolicy", body: `{"PolicyName":"a","PolicyDocument":"{}"}`, want: ok()},
		{name: "empty", op: "PutResourcePolicy", body: `{"PolicyName":"","PolicyDocument":"{}"}`,
			want: ireq("PolicyName: must be at least 1 character, got 0")},
		{name: "128 characters", op: "PutResourcePolicy", body: `{"PolicyName":"` + strings.Repeat("a", 128) + `","PolicyDocument":"{}"}`, want: ok()},
		{name: "129 characters", op: "PutResourcePolicy", body: `{"PolicyName":"` + strings.Repeat("a", 129) + `","PolicyDocument":"{}"}`,
			want: ireq("PolicyName: must be at most 128 characters, got 129")},
		{name: "130 characters", op: "DeleteResourcePolicy", body: `{"PolicyName":"` + strings.Repeat("a", 130) + `"}`,
			want: ireq("PolicyName: must be at most 128 characters, got 130")},
		{name: "escapes count as the characters they stand for", op: "ListResourcePolicies", body: `{"NextToken":"` + strings.Repeat(`\u0041`, 100) + `"}`, want: ok()},
		{name: "code points, not bytes", op: "ListResourcePolicies", body: `{"NextToken":"` + strings.Repeat("é", 100) + `"}`, want: ok()},
		{name: "code points, 101", op: "ListResourcePolicies", body: `{"NextToken":"` + strings.Repeat("é", 101) + `"}`,
			want: ireq("NextToken: must be at most 100 characters, got 101")},
		{name: "surrogate pair is one code point", op: "ListResourcePolicies", body: `{"NextToken":"` + strings.Repeat(`\ud83d\ude00`, 100) + `"}`, want: ok()},
		{name: "exact length", op: "GetSamplingTargets",
			body: `{"SamplingStatisticsDocuments":[{"RuleName":"r","ClientID":"short","Timestamp":1,"RequestCount":1,"SampledCount":0}]}`,
			want: ireq("SamplingStatisticsDocuments[0].ClientID: must be at least 24 characters, got 5")},
		{name: "list at most 25", op: "GetSamplingTargets",
			body: `{"SamplingStatisticsDocuments":[` + strings.TrimSuffix(strings.Repeat(`{"RuleName":"r","ClientID":"0123456789abcdef01234567","Timestamp":1,"RequestCount":1,"SampledCount":0},`, 26), ",") + `]}`,
			want: ireq("SamplingStatisticsDocuments: must have at most 25 items, got 26")},
		{name: "list at least 1", op: "UpdateTraceSegmentDestination", body: `{}`, want: ok()},
		{name: "list at most 1", op: "GetInsightSummaries", body: `{"StartTime":1,"EndTime":2,"States":["ACTIVE","CLOSED"]}`,
			want: ireq("States: must have at most 1 item, got 2")},
		{name: "map at most 5", op: "CreateSamplingRule",
			body: `{"SamplingRule":{"ResourceARN":"*","Priority":1,"FixedRate":0.05,"ReservoirSize":1,"ServiceName":"*","ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","Version":1,"Attributes":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6"}}}`,
			want: ireq("SamplingRule.Attributes: must have at most 5 entries, got 6")},
		{name: "map key length", op: "CreateSamplingRule", body: `{"SamplingRule":{"Attributes":{"` + strings.Repeat("k", 33) + `":"v"}}}`,
			want: ireq(`SamplingRule.Attributes: key "` + strings.Repeat("k", 33) + `": must be at most 32 characters, got 33`)},
		{name: "map value length", op: "CreateSamplingRule", body: `{"SamplingRule":{"Attributes":{"k\"":""}}}`,
			want: ireq(`SamplingRule.Attributes["k\""]: must be at least 1 character, got 0`)},
		{name: "long values are cut in messages", op: "PutResourcePolicy", body: `{"PolicyName":"` + strings.Repeat("é", 100) + `","PolicyDocument":"{}"}`,
			want: ireq(`PolicyName: "` + strings.Repeat("é", 64) + `"... does not match the pattern [\w+=,.@-]+`)},
	})
}

func TestW7_Pattern(t *testing.T) {
	t.Parallel()
	put := func(name string) string { return `{"PolicyName":"` + name + `","PolicyDocument":"{}"}` }
	runCheckCases(t, []checkCase{
		{name: "every allowed character", op: "PutResourcePolicy", body: put("aZ09_+=,.@-"), want: ok()},
		{name: "space", op: "PutResourcePolicy", body: put("a b"), want: ireq(`PolicyName: "a b" does not match the pattern [\w+=,.@-]+`)},
		{name: "whole string must match, not a part", op: "PutResourcePolicy", body: put("ok/"),
			want: ireq(`PolicyName: "ok/" does not match the pattern [\w+=,.@-]+`)},
		{name: "é is not \\w (P-1: ASCII only)", op: "PutResourcePolicy", body: put("café"),
			want: ireq(`PolicyName: "café" does not match the pattern [\w+=,.@-]+`)},
		{name: "é escaped", op: "PutResourcePolicy", body: put(`caf\u00e9`),
			want: ireq(`PolicyName: "café" does not match the pattern [\w+=,.@-]+`)},
		{name: "Cyrillic letter", op: "DeleteResourcePolicy", body: `{"PolicyName":"аbc"}`,
			want: ireq(`PolicyName: "аbc" does not match the pattern [\w+=,.@-]+`)},
		{name: "digit outside ASCII", op: "PutResourcePolicy", body: put("p٣"),
			want: ireq(`PolicyName: "p٣" does not match the pattern [\w+=,.@-]+`)},
		{name: "newline", op: "PutResourcePolicy", body: put(`p\n`),
			want: ireq(`PolicyName: "p\n" does not match the pattern [\w+=,.@-]+`)},
		{name: "insight id", op: "GetInsight", body: `{"InsightId":"0d8b8b0e-6d4d-4a3a-9b1c-1d2e3f4a5b6c"}`, want: ok()},
		{name: "insight id not a UUID", op: "GetInsight", body: `{"InsightId":"nope"}`,
			want: ireq(`InsightId: "nope" does not match the pattern [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}`)},
		{name: "insight id with a suffix", op: "GetInsight", body: `{"InsightId":"0d8b8b0e-6d4d-4a3a-9b1c-1d2e3f4a5b6cX"}`,
			want: ireq(`InsightId: "0d8b8b0e-6d4d-4a3a-9b1c-1d2e3f4a5b6cX" does not match the pattern [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}`)},
	})
}

func TestW7_Enum(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "valid", op: "PutEncryptionConfig", body: `{"Type":"KMS"}`, want: ok()},
		{name: "case matters", op: "PutEncryptionConfig", body: `{"Type":"kms"}`, want: ireq(`Type: "kms" is not one of NONE, KMS`)},
		{name: "empty", op: "PutEncryptionConfig", body: `{"Type":""}`, want: ireq(`Type: "" is not one of NONE, KMS`)},
		{name: "in a list", op: "GetInsightSummaries", body: `{"StartTime":1,"EndTime":2,"States":["OPEN"]}`,
			want: ireq(`States[0]: "OPEN" is not one of ACTIVE, CLOSED`)},
		{name: "nested", op: "GetTraceSummaries", body: `{"StartTime":1,"EndTime":2,"SamplingStrategy":{"Name":"All"}}`,
			want: ireq(`SamplingStrategy.Name: "All" is not one of PartialScan, FixedRate`)},
	})
}

func TestW7_Range(t *testing.T) {
	t.Parallel()
	rule := func(fields string) string {
		return `{"SamplingRule":{"ResourceARN":"*","ReservoirSize":1,"ServiceName":"*","ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","Version":1,` + fields + `}}`
	}
	runCheckCases(t, []checkCase{
		{name: "integer within", op: "GetInsightEvents", body: `{"InsightId":"x","MaxResults":50}`,
			want: ireq(`InsightId: "x" does not match the pattern [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}`)},
		{name: "integer above max", op: "GetInsightEvents", body: `{"MaxResults":51,"InsightId":"x"}`, want: ireq("MaxResults: must be at most 50, got 51")},
		{name: "integer below min", op: "GetInsightEvents", body: `{"MaxResults":0,"InsightId":"x"}`, want: ireq("MaxResults: must be at least 1, got 0")},
		{name: "negative zero is zero", op: "GetInsightEvents", body: `{"MaxResults":-0,"InsightId":"x"}`, want: ireq("MaxResults: must be at least 1, got -0")},
		{name: "valid sampling rule", op: "CreateSamplingRule", body: rule(`"Priority":9999,"FixedRate":1`), want: ok()},
		{name: "double below min", op: "CreateSamplingRule", body: rule(`"Priority":1,"FixedRate":-0.01`),
			want: ireq("SamplingRule.FixedRate: must be at least 0, got -0.01")},
		{name: "double above max", op: "CreateSamplingRule", body: rule(`"Priority":1,"FixedRate":1.0000001`),
			want: ireq("SamplingRule.FixedRate: must be at most 1, got 1.0000001")},
		{name: "double in exponent form", op: "CreateSamplingRule", body: rule(`"Priority":1,"FixedRate":5E-2`), want: ok()},
		{name: "NaN is outside every range", op: "CreateSamplingRule", body: rule(`"Priority":1,"FixedRate":"NaN"`),
			want: ireq("SamplingRule.FixedRate: must be at least 0, got NaN")},
		{name: "Infinity above max", op: "CreateSamplingRule", body: rule(`"Priority":1,"FixedRate":"Infinity"`),
			want: ireq("SamplingRule.FixedRate: must be at most 1, got Infinity")},
		{name: "non-finite double without a range", op: "UpdateIndexingRule",
			body: `{"Name":"Default","Rule":{"Probabilistic":{"DesiredSamplingPercentage":"-Infinity"}}}`, want: ok()},
		{name: "integer above max", op: "CreateSamplingRule", body: rule(`"Priority":10000,"FixedRate":0`),
			want: ireq("SamplingRule.Priority: must be at most 9999, got 10000")},
		{name: "minimum only", op: "CreateSamplingRule", body: rule(`"Priority":1,"FixedRate":0,"ReservoirSize":-1`),
			want: ireq("SamplingRule.ReservoirSize: must be at least 0, got -1")},
	})
}

func TestW7_NestedMembers(t *testing.T) {
	t.Parallel()
	doc := func(rule, client string, count string) string {
		return `{"RuleName":"` + rule + `","ClientID":"` + client + `","Timestamp":1700000000.5,"RequestCount":` + count + `,"SampledCount":0}`
	}
	const client = "0123456789abcdef01234567"
	runCheckCases(t, []checkCase{
		{name: "sampling targets valid", op: "GetSamplingTargets",
			body: `{"SamplingStatisticsDocuments":[` + doc("a", client, "1") + `,` + doc("b", client, "2") + `]}`, want: ok()},
		{name: "sampling targets empty list", op: "GetSamplingTargets", body: `{"SamplingStatisticsDocuments":[]}`, want: ok()},
		{name: "second item's rule name too long", op: "GetSamplingTargets",
			body: `{"SamplingStatisticsDocuments":[` + doc("a", client, "1") + `,` + doc(strings.Repeat("r", 33), client, "2") + `]}`,
			want: ireq("SamplingStatisticsDocuments[1].RuleName: must be at most 32 characters, got 33")},
		{name: "third item's count negative", op: "GetSamplingTargets",
			body: `{"SamplingStatisticsDocuments":[` + doc("a", client, "1") + `,` + doc("b", client, "2") + `,` + doc("c", client, "-1") + `]}`,
			want: ireq("SamplingStatisticsDocuments[2].RequestCount: must be at least 0, got -1")},
		{name: "first constraint error in document order", op: "GetSamplingTargets",
			body: `{"SamplingStatisticsDocuments":[` + doc("a", "x", "1") + `,` + doc("", client, "2") + `]}`,
			want: ireq("SamplingStatisticsDocuments[0].ClientID: must be at least 24 characters, got 1")},
		{name: "telemetry records valid", op: "PutTelemetryRecords",
			body: `{"TelemetryRecords":[{"Timestamp":1700000000,"SegmentsReceivedCount":3,"BackendConnectionErrors":{"TimeoutCount":0}}],"EC2InstanceId":"i-0123456789abcdef0","Hostname":"h"}`,
			want: ok()},
		{name: "telemetry record missing timestamp", op: "PutTelemetryRecords",
			body: `{"TelemetryRecords":[{"Timestamp":1},{"SegmentsSentCount":1}]}`,
			want: ireq("TelemetryRecords[1].Timestamp: required member is missing")},
		{name: "telemetry instance id too long", op: "PutTelemetryRecords",
			body: `{"TelemetryRecords":[],"EC2InstanceId":"` + strings.Repeat("i", 21) + `"}`,
			want: ireq("EC2InstanceId: must be at most 20 characters, got 21")},
		{name: "union with its one member", op: "UpdateIndexingRule",
			body: `{"Name":"Default","Rule":{"Probabilistic":{"DesiredSamplingPercentage":50}}}`, want: ok()},
		{name: "union with no member", op: "UpdateIndexingRule", body: `{"Name":"Default","Rule":{}}`,
			want: ireq("Rule: must set exactly one of the members Probabilistic, got 0")},
		{name: "union member's required member", op: "UpdateIndexingRule", body: `{"Name":"Default","Rule":{"Probabilistic":{}}}`,
			want: ireq("Rule.Probabilistic.DesiredSamplingPercentage: required member is missing")},
	})
}

// TestW7_EmptyObjectEveryOperation sends {} to all 38 operations: it passes, or fails
// only because a required member is missing.
func TestW7_EmptyObjectEveryOperation(t *testing.T) {
	t.Parallel()
	for _, op := range All() {
		t.Run(op.Name, func(t *testing.T) {
			t.Parallel()
			var firstRequired string
			for _, m := range op.Input.Members {
				if m.Required {
					firstRequired = m.Name
					break
				}
			}
			want := result{}
			if firstRequired != "" {
				want = ireq(firstRequired + ": required member is missing")
			}
			for _, body := range []string{"{}", ""} {
				if diff := cmp.Diff(want, resultOf(op.Check([]byte(body)))); diff != "" {
					t.Errorf("Check(%q) (-want +got):\n%s", body, diff)
				}
			}
		})
	}
}

// TestCheckSyntheticShapes covers the types the X-Ray model has no input member of
// (long, float, blob) with shapes built here.
func TestCheckSyntheticShapes(t *testing.T) {
	t.Parallel()
	long := &Shape{Name: "L", Type: TypeLong, Min: -5, HasMin: true}
	float := &Shape{Name: "F", Type: TypeFloat}
	blob := &Shape{Name: "B", Type: TypeBlob}
	in := &Shape{Name: "In", Type: TypeStructure, Members: []Member{{Name: "L", Shape: long}, {Name: "F", Shape: float}, {Name: "B", Shape: blob}}}
	op := &Operation{Name: "Synthetic", Path: "/Synthetic", Method: "POST", MaxBodyBytes: 1 << 20, Input: in}
	tests := []struct {
		name string
		body string
		want result
	}{
		{name: "long beyond int32", body: `{"L":9007199254740993}`, want: ok()},
		{name: "long at int64 max", body: `{"L":9223372036854775807}`, want: ok()},
		{name: "long beyond int64", body: `{"L":9223372036854775808}`, want: serr("L: 9223372036854775808 is out of range for an integer (64-bit)")},
		{name: "long below min", body: `{"L":-6}`, want: ireq("L: must be at least -5, got -6")},
		{name: "float", body: `{"F":1.5e38}`, want: ok()},
		{name: "float beyond float32", body: `{"F":1e39}`, want: serr("F: 1e39 is out of range for a number")},
		{name: "blob", body: `{"B":"aGVsbG8="}`, want: ok()},
		{name: "blob not base64", body: `{"B":"hello!"}`, want: serr("B: expected a base64-encoded string: illegal base64 data at input byte 5")},
		{name: "blob as number", body: `{"B":1}`, want: serr("B: expected a base64-encoded string, got a number")},
		{name: "nil operation input is an empty structure", body: `{"x":1}`, want: ok()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, resultOf(op.Check([]byte(tt.body)))); diff != "" {
				t.Errorf("Check(%s) (-want +got):\n%s", tt.body, diff)
			}
		})
	}
	var none *Operation
	if err := none.Check([]byte(`{}`)); err != nil {
		t.Errorf("nil operation: Check({}) = %v, want nil", err)
	}
}
