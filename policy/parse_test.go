package policy

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type ruleCase struct {
	name string
	doc  string
	want []problemKey // nil: the document is valid
}

func runRuleCases(t *testing.T, tests []ruleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := keysOf(problems(t, tt.doc))
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems of %s (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}

func TestV1_DocumentIsAnObjectWithKnownKeys(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "valid", doc: doc(stmt())},
		{name: "empty string", doc: "", want: []problemKey{{Rule: "V-1"}}},
		{name: "only whitespace", doc: " \n\t", want: []problemKey{{Rule: "V-1"}}},
		{name: "not JSON", doc: "Version: 2012-10-17", want: []problemKey{{Rule: "V-1"}}},
		{name: "truncated JSON", doc: `{"Version":"2012-10-17","Statement":[`, want: []problemKey{{Rule: "V-1"}}},
		{name: "trailing garbage", doc: doc(stmt()) + "x", want: []problemKey{{Rule: "V-1"}}},
		{name: "array", doc: `[` + stmt() + `]`, want: []problemKey{{Rule: "V-1"}}},
		{name: "string", doc: `"policy"`, want: []problemKey{{Rule: "V-1"}}},
		{name: "null", doc: `null`, want: []problemKey{{Rule: "V-1"}}},
		{name: "unknown key", doc: `{"Version":"2012-10-17","Statement":` + stmt() + `,"Extra":1}`, want: []problemKey{{Rule: "V-1"}}},
		{name: "key case matters", doc: `{"version":"2012-10-17","Statement":` + stmt() + `}`, want: []problemKey{{Rule: "V-1"}}},
		{name: "Id string", doc: `{"Id":"my-policy","Statement":` + stmt() + `}`},
		{name: "Id not a string", doc: `{"Id":7,"Statement":` + stmt() + `}`, want: []problemKey{{Rule: "V-1", Element: "Id"}}},
		{name: "duplicate key", doc: `{"Statement":` + stmt() + `,"Statement":` + stmt() + `}`, want: []problemKey{{Rule: "V-1"}}},
		{name: "too deep", doc: strings.Repeat("[", 40) + strings.Repeat("]", 40), want: []problemKey{{Rule: "V-1"}}},
		{name: "invalid UTF-8 in a string", doc: "{\"Id\":\"\xff\",\"Statement\":" + stmt() + "}", want: []problemKey{{Rule: "V-1"}}},
		{name: "escapes decode", doc: `{"Id":"\u00e9\ud83d\ude00\n","Statement":` + stmt() + `}`},
	})
}

func TestV2_Version(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "2012-10-17", doc: `{"Version":"2012-10-17","Statement":` + stmt() + `}`},
		{name: "2008-10-17", doc: `{"Version":"2008-10-17","Statement":` + stmt() + `}`},
		{name: "absent", doc: `{"Statement":` + stmt() + `}`},
		{name: "other date", doc: `{"Version":"2012-10-18","Statement":` + stmt() + `}`, want: []problemKey{{Rule: "V-2", Element: "Version"}}},
		{name: "number", doc: `{"Version":2012,"Statement":` + stmt() + `}`, want: []problemKey{{Rule: "V-2", Element: "Version"}}},
		{name: "empty", doc: `{"Version":"","Statement":` + stmt() + `}`, want: []problemKey{{Rule: "V-2", Element: "Version"}}},
	})
}

func TestV3_Statement(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "single object", doc: `{"Statement":` + stmt() + `}`},
		{name: "array of one", doc: doc(stmt())},
		{name: "missing", doc: `{"Version":"2012-10-17"}`, want: []problemKey{{Rule: "V-3", Element: "Statement"}}},
		{name: "empty array", doc: `{"Statement":[]}`, want: []problemKey{{Rule: "V-3", Element: "Statement"}}},
		{name: "string", doc: `{"Statement":"Allow"}`, want: []problemKey{{Rule: "V-3", Element: "Statement"}}},
		{name: "null", doc: `{"Statement":null}`, want: []problemKey{{Rule: "V-3", Element: "Statement"}}},
		{name: "array with a non-object", doc: doc(stmt(), `"x"`), want: []problemKey{{Rule: "V-3", Statement: 2}}},
	})
}

func TestV4_StatementKeysAndSids(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "Sid", doc: doc(stmt(`Sid="A"`))},
		{name: "unknown key", doc: doc(stmt(`Foo=1`)), want: []problemKey{{Rule: "V-4", Statement: 1}}},
		{name: "lower-case key", doc: doc(stmt(`effect="Allow"`)), want: []problemKey{{Rule: "V-4", Statement: 1}}},
		{name: "Sid not a string", doc: doc(stmt(`Sid=1`)), want: []problemKey{{Rule: "V-4", Statement: 1, Element: "Sid"}}},
		{name: "unique Sids", doc: doc(stmt(`Sid="A"`), stmt(`Sid="B"`))},
		{name: "duplicate Sids", doc: doc(stmt(`Sid="A"`), stmt(`Sid="A"`)), want: []problemKey{{Rule: "V-4", Statement: 2, Element: "Sid"}}},
		{name: "Sids differing in case are distinct", doc: doc(stmt(`Sid="A"`), stmt(`Sid="a"`))},
		{name: "duplicate member", doc: `{"Statement":{"Effect":"Allow","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}}`, want: []problemKey{{Rule: "V-4", Statement: 1}}},
	})
}

func TestV5_Effect(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "Allow", doc: doc(stmt(`Effect="Allow"`))},
		{name: "Deny", doc: doc(stmt(`Effect="Deny"`))},
		{name: "missing", doc: doc(stmt(`-Effect`)), want: []problemKey{{Rule: "V-5", Statement: 1, Element: "Effect"}}},
		{name: "lower case", doc: doc(stmt(`Effect="allow"`)), want: []problemKey{{Rule: "V-5", Statement: 1, Element: "Effect"}}},
		{name: "other word", doc: doc(stmt(`Effect="Permit"`)), want: []problemKey{{Rule: "V-5", Statement: 1, Element: "Effect"}}},
		{name: "boolean", doc: doc(stmt(`Effect=true`)), want: []problemKey{{Rule: "V-5", Statement: 1, Element: "Effect"}}},
	})
}

func TestV6_PrincipalOrNotPrincipal(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "Principal", doc: doc(stmt())},
		{name: "neither", doc: doc(stmt(`-Principal`)), want: []problemKey{{Rule: "V-6", Statement: 1}}},
		{name: "both", doc: doc(stmt(`Effect="Deny"`, `NotPrincipal={"AWS":"123456789012"}`)), want: []problemKey{{Rule: "V-6", Statement: 1}}},
		{name: "NotPrincipal with Deny", doc: doc(stmt(`-Principal`, `Effect="Deny"`, `NotPrincipal={"AWS":"123456789012"}`))},
		{name: "NotPrincipal with Allow", doc: doc(stmt(`-Principal`, `NotPrincipal={"AWS":"123456789012"}`)), want: []problemKey{{Rule: "V-6", Statement: 1, Element: "NotPrincipal"}}},
	})
}

func TestV7_PrincipalValues(t *testing.T) {
	t.Parallel()
	p := func(v string) string { return doc(stmt(`Principal=` + v)) }
	bad := func(el string) []problemKey { return []problemKey{{Rule: "V-7", Statement: 1, Element: el}} }
	runRuleCases(t, []ruleCase{
		{name: "star", doc: p(`"*"`)},
		{name: "AWS star", doc: p(`{"AWS":"*"}`)},
		{name: "account id", doc: p(`{"AWS":"123456789012"}`)},
		{name: "root ARN", doc: p(`{"AWS":"arn:aws:iam::123456789012:root"}`)},
		{name: "user ARN with path", doc: p(`{"AWS":"arn:aws:iam::123456789012:user/division/alice"}`)},
		{name: "role ARN", doc: p(`{"AWS":"arn:aws-cn:iam::123456789012:role/Admin"}`)},
		{name: "assumed-role ARN", doc: p(`{"AWS":"arn:aws:sts::123456789012:assumed-role/Admin/session"}`)},
		{name: "array of AWS principals", doc: p(`{"AWS":["123456789012","arn:aws:iam::210987654321:root"]}`)},
		{name: "service", doc: p(`{"Service":"sns.amazonaws.com"}`)},
		{name: "China service", doc: p(`{"Service":"sns.amazonaws.com.cn"}`)},
		{name: "federated and canonical", doc: p(`{"Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`)},
		{name: "plain string other than star", doc: p(`"123456789012"`), want: bad("Principal")},
		{name: "number", doc: p(`123456789012`), want: bad("Principal")},
		{name: "empty object", doc: p(`{}`), want: bad("Principal")},
		{name: "unknown key", doc: p(`{"User":"alice"}`), want: bad("Principal")},
		{name: "empty array", doc: p(`{"AWS":[]}`), want: bad("Principal.AWS")},
		{name: "short account id", doc: p(`{"AWS":"12345678901"}`), want: bad("Principal.AWS")},
		{name: "not an ARN", doc: p(`{"AWS":"alice"}`), want: bad("Principal.AWS")},
		{name: "wildcard in ARN", doc: p(`{"AWS":"arn:aws:iam::123456789012:user/*"}`), want: bad("Principal.AWS")},
		{name: "S3 ARN", doc: p(`{"AWS":"arn:aws:s3:::bucket"}`), want: bad("Principal.AWS")},
		{name: "group ARN", doc: p(`{"AWS":"arn:aws:iam::123456789012:group/devs"}`), want: bad("Principal.AWS")},
		{name: "ARN with region", doc: p(`{"AWS":"arn:aws:iam:us-east-1:123456789012:root"}`), want: bad("Principal.AWS")},
		{name: "assumed-role without session", doc: p(`{"AWS":"arn:aws:sts::123456789012:assumed-role/Admin"}`), want: bad("Principal.AWS")},
		{name: "service without suffix", doc: p(`{"Service":"sns"}`), want: bad("Principal.Service")},
		{name: "service with other domain", doc: p(`{"Service":"sns.example.com"}`), want: bad("Principal.Service")},
		{name: "number in array", doc: p(`{"Service":["sns.amazonaws.com",1]}`), want: bad("Principal.Service")},
		{name: "two problems", doc: p(`{"AWS":"x","Service":"y"}`), want: []problemKey{{Rule: "V-7", Statement: 1, Element: "Principal.AWS"}, {Rule: "V-7", Statement: 1, Element: "Principal.Service"}}},
	})
}

func TestV8_Actions(t *testing.T) {
	t.Parallel()
	a := func(v string) string { return doc(stmt(`Action=` + v)) }
	bad := []problemKey{{Rule: "V-8", Statement: 1, Element: "Action"}}
	runRuleCases(t, []ruleCase{
		{name: "star", doc: a(`"*"`)},
		{name: "xray star", doc: a(`"xray:*"`)},
		{name: "operation", doc: a(`"xray:PutResourcePolicy"`)},
		{name: "case-insensitive", doc: a(`"XRay:putresourcepolicy"`)},
		{name: "pattern matching operations", doc: a(`"xray:Get*"`)},
		{name: "question-mark pattern", doc: a(`"xray:GetGroup?"`)},
		{name: "array", doc: a(`["xray:PutTraceSegments","xray:GetSamplingRules"]`)},
		{name: "NotAction", doc: doc(stmt(`-Action`, `NotAction="xray:PutResourcePolicy"`))},
		{name: "another service", doc: a(`"s3:GetObject"`), want: bad},
		{name: "unknown operation", doc: a(`"xray:GetObject"`), want: bad},
		{name: "pattern matching nothing", doc: a(`"xray:Frob*"`), want: bad},
		{name: "service wildcard", doc: a(`"*:GetGroups"`), want: bad},
		{name: "no operation", doc: a(`"xray:"`), want: bad},
		{name: "no colon", doc: a(`"PutTraceSegments"`), want: bad},
		{name: "empty array", doc: a(`[]`), want: bad},
		{name: "object", doc: a(`{}`), want: bad},
		{name: "missing", doc: doc(stmt(`-Action`)), want: []problemKey{{Rule: "V-8", Statement: 1}}},
		{name: "both", doc: doc(stmt(`NotAction="xray:GetGroups"`)), want: []problemKey{{Rule: "V-8", Statement: 1}}},
		{name: "one bad among good", doc: a(`["xray:GetGroups","logs:PutLogEvents"]`), want: bad},
	})
}

func TestV8_MessageNamesStatementAndElement(t *testing.T) {
	t.Parallel()
	ps := problems(t, doc(stmt(), stmt(`Sid="SNSAccess"`, `Action="s3:GetObject"`)))
	if len(ps) != 1 {
		t.Fatalf("got %d problems, want 1: %v", len(ps), ps)
	}
	want := `statement 2 ("SNSAccess"): Action: "s3:GetObject" is not an X-Ray action`
	if got := ps[0].String(); !strings.HasPrefix(got, want) {
		t.Errorf("message = %q, want it to start with %q", got, want)
	}
}

func TestV8_OperationList(t *testing.T) {
	t.Parallel()
	ops := Operations()
	if len(ops) != 38 {
		t.Errorf("%d operations, the X-Ray model has 38", len(ops))
	}
	for i := 1; i < len(ops); i++ {
		if ops[i-1] >= ops[i] {
			t.Errorf("operations not sorted or not unique at %q, %q", ops[i-1], ops[i])
		}
	}
	for _, op := range []string{"PutResourcePolicy", "ListResourcePolicies", "DeleteResourcePolicy", "PutTraceSegments", "getsamplingrules"} {
		if !IsOperation(op) {
			t.Errorf("IsOperation(%q) = false", op)
		}
	}
	if IsOperation("GetObject") {
		t.Error("IsOperation(GetObject) = true")
	}
}

func TestV9_Resources(t *testing.T) {
	t.Parallel()
	r := func(v string) string { return doc(stmt(`Resource=` + v)) }
	bad := []problemKey{{Rule: "V-9", Statement: 1, Element: "Resource"}}
	runRuleCases(t, []ruleCase{
		{name: "star", doc: r(`"*"`)},
		{name: "group ARN", doc: r(`"arn:aws:xray:us-east-1:123456789012:group/default/abc"`)},
		{name: "wildcards", doc: r(`"arn:aws:xray:*:123456789012:sampling-rule/*"`)},
		{name: "service wildcard matching xray", doc: r(`"arn:aws:x*:*:*:*"`)},
		{name: "array", doc: r(`["arn:aws:xray:us-east-1:123456789012:group/a","arn:aws:xray:us-east-1:123456789012:group/b"]`)},
		{name: "NotResource", doc: doc(stmt(`-Resource`, `NotResource="arn:aws:xray:*:*:group/*"`))},
		{name: "missing", doc: doc(stmt(`-Resource`)), want: []problemKey{{Rule: "V-9", Statement: 1}}},
		{name: "both", doc: doc(stmt(`NotResource="*"`)), want: []problemKey{{Rule: "V-9", Statement: 1}}},
		{name: "S3 ARN", doc: r(`"arn:aws:s3:::bucket/*"`), want: bad},
		{name: "not an ARN", doc: r(`"group/default"`), want: bad},
		{name: "too few components", doc: r(`"arn:aws:xray:us-east-1:123456789012"`), want: bad},
		{name: "empty resource component", doc: r(`"arn:aws:xray:us-east-1:123456789012:"`), want: bad},
		{name: "empty partition", doc: r(`"arn::xray:us-east-1:123456789012:group/a"`), want: bad},
		{name: "empty string", doc: r(`""`), want: bad},
		{name: "empty array", doc: r(`[]`), want: bad},
		{name: "number", doc: r(`5`), want: bad},
	})
}

func TestV10_Conditions(t *testing.T) {
	t.Parallel()
	c := func(v string) string { return doc(stmt(`Condition=` + v)) }
	bad := func(el string) []problemKey { return []problemKey{{Rule: "V-10", Statement: 1, Element: el}} }
	runRuleCases(t, []ruleCase{
		{name: "empty Condition", doc: c(`{}`)},
		{name: "string operator", doc: c(`{"StringEquals":{"aws:SourceAccount":"123456789012"}}`)},
		{name: "number and boolean values for strings", doc: c(`{"StringEquals":{"k":[5,true,"x"]}}`)},
		{name: "every operator family", doc: c(`{
			"StringEquals":{"a":"x"},"StringNotEquals":{"a":"x"},"StringEqualsIgnoreCase":{"a":"x"},
			"StringNotEqualsIgnoreCase":{"a":"x"},"StringLike":{"a":"x*"},"StringNotLike":{"a":"x?"},
			"NumericEquals":{"n":1},"NumericNotEquals":{"n":"1.5"},"NumericLessThan":{"n":-2},
			"NumericLessThanEquals":{"n":1e3},"NumericGreaterThan":{"n":0},"NumericGreaterThanEquals":{"n":"7"},
			"DateEquals":{"d":"2026-01-02T03:04:05Z"},"DateNotEquals":{"d":1767322800},"DateLessThan":{"d":"2026-01-02"},
			"DateLessThanEquals":{"d":"2026-01-02T03:04:05.5+01:00"},"DateGreaterThan":{"d":"1767322800"},"DateGreaterThanEquals":{"d":"2026-01-02T03:04Z"},
			"Bool":{"b":true},"BinaryEquals":{"x":"QmluYXJ5"},"IpAddress":{"ip":["203.0.113.0/24","2001:db8::/32","198.51.100.7"]},
			"NotIpAddress":{"ip":"::1"},"ArnEquals":{"s":"arn:aws:sns:*:*:t"},"ArnLike":{"s":"*"},"ArnNotEquals":{"s":"arn:aws:sns:us-east-1:1:t"},
			"ArnNotLike":{"s":"arn:*"},"Null":{"k":"true"}}`)},
		{name: "IfExists and set qualifiers", doc: c(`{"StringEqualsIfExists":{"a":"x"},"ForAllValues:StringLike":{"t":"x*"},"ForAnyValue:NumericLessThanIfExists":{"n":1},"BoolIfExists":{"b":"FALSE"}}`)},
		{name: "Condition not an object", doc: c(`[]`), want: bad("Condition")},
		{name: "unknown operator", doc: c(`{"StringMatches":{"a":"x"}}`), want: bad("Condition")},
		{name: "operator case matters", doc: c(`{"stringequals":{"a":"x"}}`), want: bad("Condition")},
		{name: "unknown qualifier", doc: c(`{"ForSomeValues:StringEquals":{"a":"x"}}`), want: bad("Condition")},
		{name: "NullIfExists", doc: c(`{"NullIfExists":{"a":"true"}}`), want: bad("Condition")},
		{name: "operator block not an object", doc: c(`{"StringEquals":"x"}`), want: bad("Condition: StringEquals")},
		{name: "empty key", doc: c(`{"StringEquals":{"":"x"}}`), want: bad("Condition: StringEquals")},
		{name: "empty value array", doc: c(`{"StringEquals":{"a":[]}}`), want: bad(`Condition: StringEquals: "a"`)},
		{name: "null value", doc: c(`{"StringEquals":{"a":null}}`), want: bad(`Condition: StringEquals: "a"`)},
		{name: "object value", doc: c(`{"StringEquals":{"a":{"b":"c"}}}`), want: bad(`Condition: StringEquals: "a"`)},
		{name: "nested array", doc: c(`{"StringEquals":{"a":[["x"]]}}`), want: bad(`Condition: StringEquals: "a"`)},
		{name: "numeric not a number", doc: c(`{"NumericLessThan":{"n":"ten"}}`), want: bad(`Condition: NumericLessThan: "n"`)},
		{name: "numeric hex", doc: c(`{"NumericEquals":{"n":"0x10"}}`), want: bad(`Condition: NumericEquals: "n"`)},
		{name: "numeric boolean", doc: c(`{"NumericEquals":{"n":true}}`), want: bad(`Condition: NumericEquals: "n"`)},
		{name: "numeric NaN", doc: c(`{"NumericEquals":{"n":"NaN"}}`), want: bad(`Condition: NumericEquals: "n"`)},
		{name: "date not a date", doc: c(`{"DateGreaterThan":{"d":"yesterday"}}`), want: bad(`Condition: DateGreaterThan: "d"`)},
		{name: "date month 13", doc: c(`{"DateGreaterThan":{"d":"2026-13-01"}}`), want: bad(`Condition: DateGreaterThan: "d"`)},
		{name: "bool yes", doc: c(`{"Bool":{"b":"yes"}}`), want: bad(`Condition: Bool: "b"`)},
		{name: "bool number", doc: c(`{"Bool":{"b":1}}`), want: bad(`Condition: Bool: "b"`)},
		{name: "null not boolean", doc: c(`{"Null":{"k":"maybe"}}`), want: bad(`Condition: Null: "k"`)},
		{name: "binary not base64", doc: c(`{"BinaryEquals":{"x":"not base64!"}}`), want: bad(`Condition: BinaryEquals: "x"`)},
		{name: "ip not an address", doc: c(`{"IpAddress":{"ip":"203.0.113.300"}}`), want: bad(`Condition: IpAddress: "ip"`)},
		{name: "ip bad mask", doc: c(`{"IpAddress":{"ip":"203.0.113.0/33"}}`), want: bad(`Condition: IpAddress: "ip"`)},
		{name: "ip number", doc: c(`{"NotIpAddress":{"ip":1}}`), want: bad(`Condition: NotIpAddress: "ip"`)},
		{name: "two bad values, two problems", doc: c(`{"NumericEquals":{"n":["x","y"]}}`), want: []problemKey{
			{Rule: "V-10", Statement: 1, Element: `Condition: NumericEquals: "n"`}, {Rule: "V-10", Statement: 1, Element: `Condition: NumericEquals: "n"`}}},
		{name: "duplicate operator", doc: c(`{"Bool":{"b":true},"Bool":{"b":false}}`), want: bad("Condition")},
	})
}

func TestV11_PolicyVariables(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "in Resource", doc: doc(stmt(`Resource="arn:aws:xray:${aws:RequestedRegion}:${aws:PrincipalAccount}:group/*"`))},
		{name: "in a condition value", doc: doc(stmt(`Condition={"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}`))},
		{name: "with a default", doc: doc(stmt(`Condition={"StringLike":{"aws:SourceArn":"${aws:SourceArn, 'none'}"}}`))},
		{name: "escapes", doc: doc(stmt(`Condition={"StringLike":{"k":"a${*}b${?}c${$}"}}`))},
		{name: "unterminated in Resource", doc: doc(stmt(`Resource="arn:aws:xray:${aws:RequestedRegion:1:group/a"`)),
			want: []problemKey{{Rule: "V-11", Statement: 1, Element: "Resource"}}},
		{name: "unterminated in a condition", doc: doc(stmt(`Condition={"StringEquals":{"k":"${aws:username"}}`)),
			want: []problemKey{{Rule: "V-11", Statement: 1, Element: `Condition: StringEquals: "k"`}}},
		{name: "unquoted default", doc: doc(stmt(`Condition={"StringEquals":{"k":"${aws:username, none}"}}`)),
			want: []problemKey{{Rule: "V-11", Statement: 1, Element: `Condition: StringEquals: "k"`}}},
		{name: "empty key", doc: doc(stmt(`Condition={"StringEquals":{"k":"${}"}}`)),
			want: []problemKey{{Rule: "V-11", Statement: 1, Element: `Condition: StringEquals: "k"`}}},
		// Under 2008-10-17 IAM reads "${" as text, so nothing is unterminated.
		{name: "2008 version reads variables as text", doc: `{"Version":"2008-10-17","Statement":` + stmt(`Condition={"StringEquals":{"k":"${aws:username"}}`) + `}`},
	})
}

func TestReportsEveryProblem(t *testing.T) {
	t.Parallel()
	ps := problems(t, `{"Version":"1","Statement":[`+stmt(`Sid="A"`, `Effect="allow"`)+`,`+stmt(`Action="s3:*"`, `Resource="x"`)+`]}`)
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{
		`Version: "1" is not "2012-10-17" or "2008-10-17"`,
		`statement 1 ("A"): Effect: "allow" is not "Allow" or "Deny" (case-sensitive)`,
		`statement 2: Action: "s3:*" is not an X-Ray action; use "*" or xray:<Operation>`,
		`statement 2: Resource: "x" is not "*" or an X-Ray ARN (arn:<partition>:xray:<region>:<account>:<resource>)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	err := &ValidationError{Problems: ps}
	if got, want := err.Error(), want[0]+" (and 3 more problems)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestV12_LargeDocuments feeds documents far beyond the 5120-byte limit (the CLI
// reads up to 1 MiB) whose shapes are the expensive ones for a careless reader:
// many members in one object (duplicates found through a map, not by pairs),
// long value arrays, deep nesting at the limit.
func TestV12_LargeDocuments(t *testing.T) {
	t.Parallel()
	var keys []string
	for i := 0; i < 5000; i++ {
		keys = append(keys, `"k`+strconv.Itoa(i%2500)+`":"v"`)
	}
	manyKeys := doc(stmt(`Condition={"StringEquals":{` + strings.Join(keys, ",") + `}}`))
	if got := len(problems(t, manyKeys)); got != 2500 {
		t.Errorf("%d problems for 2,500 repeated keys, want 2500", got)
	}
	var values []string
	for i := 0; i < 20000; i++ {
		values = append(values, `"arn:aws:sns:*:`+strconv.Itoa(i)+`:*"`)
	}
	longArray := doc(stmt(`Condition={"ArnLike":{"aws:SourceArn":[` + strings.Join(values, ",") + `]}}`))
	pol := mustParse(t, longArray)
	var ctx Context
	ctx.Set("aws:SourceArn", "arn:aws:sns:us-east-1:19999:t")
	req := Request{Principal: Principal{Kind: PrincipalService, ID: "sns.amazonaws.com"}, Action: "xray:PutTraceSegments", Resource: "*", Context: ctx}
	if got := pol.Evaluate(&req).Decision; got != Allow {
		t.Errorf("the last of 20,000 values: %s, want allow", got)
	}
	// The document is level 0 and "X" level 1, so n objects put the number at level n+1.
	nested := func(n int) string {
		return `{"Statement":` + stmt() + `,"X":` + strings.Repeat(`{"a":`, n) + `1` + strings.Repeat(`}`, n) + `}`
	}
	if ps := problems(t, nested(maxJSONDepth-1)); len(ps) != 1 || !strings.Contains(ps[0].Message, `unknown key "X"`) {
		t.Errorf("nesting at the limit: problems %v, want only the unknown key", ps)
	}
	if ps := problems(t, nested(maxJSONDepth)); len(ps) != 1 || !strings.Contains(ps[0].Message, "nesting deeper than") {
		t.Errorf("nesting beyond the limit: problems %v, want the nesting refused", ps)
	}
}
