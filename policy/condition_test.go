package policy

import (
	"math"
	"strconv"
	"testing"
)

type condCase struct {
	name string
	cond string   // the Condition element
	ctx  []string // key, value pairs; a key repeated is multivalued
	want bool
}

// runCondCases evaluates each Condition in an Allow statement that matches
// everything else, so the decision is Allow exactly when the condition holds.
func runCondCases(t *testing.T, version string, tests []condCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := `{"Version":"` + version + `","Statement":` + stmt(`Principal="*"`, `Action="*"`, `Condition=`+tt.cond) + `}`
			pol := mustParse(t, d)
			req := Request{
				Principal: Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::123456789012:user/alice"},
				Action:    "xray:GetGroups",
				Resource:  "*",
				Context:   ctxOf(tt.ctx...),
			}
			got := pol.Evaluate(&req).Decision == Allow
			if got != tt.want {
				t.Errorf("condition %s with context %q: holds = %v, want %v", tt.cond, tt.ctx, got, tt.want)
			}
		})
	}
}

func TestConditionString(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "equals", cond: `{"StringEquals":{"k":"abc"}}`, ctx: []string{"k", "abc"}, want: true},
		{name: "equals is case-sensitive", cond: `{"StringEquals":{"k":"abc"}}`, ctx: []string{"k", "ABC"}, want: false},
		{name: "key name is case-insensitive", cond: `{"StringEquals":{"AWS:SourceAccount":"1"}}`, ctx: []string{"aws:sourceaccount", "1"}, want: true},
		{name: "values are OR'ed", cond: `{"StringEquals":{"k":["a","b"]}}`, ctx: []string{"k", "b"}, want: true},
		{name: "no value matches", cond: `{"StringEquals":{"k":["a","b"]}}`, ctx: []string{"k", "c"}, want: false},
		{name: "keys are AND'ed", cond: `{"StringEquals":{"k":"a","j":"b"}}`, ctx: []string{"k", "a", "j", "x"}, want: false},
		{name: "operators are AND'ed", cond: `{"StringEquals":{"k":"a"},"StringLike":{"j":"b*"}}`, ctx: []string{"k", "a", "j", "bee"}, want: true},
		{name: "operators are AND'ed, one fails", cond: `{"StringEquals":{"k":"a"},"StringLike":{"j":"b*"}}`, ctx: []string{"k", "a", "j", "cee"}, want: false},
		{name: "number compares as its JSON text", cond: `{"StringEquals":{"k":5}}`, ctx: []string{"k", "5"}, want: true},
		{name: "number JSON text is kept as written", cond: `{"StringEquals":{"k":5.0}}`, ctx: []string{"k", "5"}, want: false},
		{name: "boolean compares as its JSON text", cond: `{"StringEquals":{"k":true}}`, ctx: []string{"k", "true"}, want: true},
		{name: "missing key is false", cond: `{"StringEquals":{"k":"a"}}`, want: false},
		{name: "missing key with IfExists is true", cond: `{"StringEqualsIfExists":{"k":"a"}}`, want: true},
		{name: "present key with IfExists compares", cond: `{"StringEqualsIfExists":{"k":"a"}}`, ctx: []string{"k", "b"}, want: false},
		{name: "not equals", cond: `{"StringNotEquals":{"k":"a"}}`, ctx: []string{"k", "b"}, want: true},
		{name: "not equals matching", cond: `{"StringNotEquals":{"k":"a"}}`, ctx: []string{"k", "a"}, want: false},
		{name: "not equals holds when no value matches", cond: `{"StringNotEquals":{"k":["a","b"]}}`, ctx: []string{"k", "c"}, want: true},
		{name: "not equals fails when any value matches", cond: `{"StringNotEquals":{"k":["a","b"]}}`, ctx: []string{"k", "b"}, want: false},
		{name: "not equals with missing key is true", cond: `{"StringNotEquals":{"k":"a"}}`, want: true},
		{name: "ignore case", cond: `{"StringEqualsIgnoreCase":{"k":"AbC"}}`, ctx: []string{"k", "aBc"}, want: true},
		{name: "ignore case differs", cond: `{"StringEqualsIgnoreCase":{"k":"AbC"}}`, ctx: []string{"k", "abd"}, want: false},
		{name: "not equals ignore case", cond: `{"StringNotEqualsIgnoreCase":{"k":"AbC"}}`, ctx: []string{"k", "abc"}, want: false},
		{name: "like star", cond: `{"StringLike":{"k":"arn:aws:sns:*:123:topic-*"}}`, ctx: []string{"k", "arn:aws:sns:us-east-1:123:topic-a"}, want: true},
		{name: "like question", cond: `{"StringLike":{"k":"a?c"}}`, ctx: []string{"k", "abc"}, want: true},
		{name: "like is case-sensitive", cond: `{"StringLike":{"k":"a*"}}`, ctx: []string{"k", "Abc"}, want: false},
		{name: "not like", cond: `{"StringNotLike":{"k":"a*"}}`, ctx: []string{"k", "bcd"}, want: true},
		{name: "not like matching", cond: `{"StringNotLike":{"k":"a*"}}`, ctx: []string{"k", "abc"}, want: false},
		{name: "not like with missing key is true", cond: `{"StringNotLike":{"k":"a*"}}`, want: true},
		{name: "not like IfExists with missing key is true", cond: `{"StringNotLikeIfExists":{"k":"a*"}}`, want: true},
		{name: "multivalued key without qualifier, one matches", cond: `{"StringEquals":{"k":"a"}}`, ctx: []string{"k", "x", "k", "a"}, want: true},
		{name: "multivalued key negated, one matches", cond: `{"StringNotEquals":{"k":"a"}}`, ctx: []string{"k", "x", "k", "a"}, want: false},
	})
}

func TestConditionSetQualifiers(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "ForAllValues all in set", cond: `{"ForAllValues:StringEquals":{"t":["a","b","c"]}}`, ctx: []string{"t", "a", "t", "c"}, want: true},
		{name: "ForAllValues one outside set", cond: `{"ForAllValues:StringEquals":{"t":["a","b"]}}`, ctx: []string{"t", "a", "t", "z"}, want: false},
		{name: "ForAllValues on a missing key is true", cond: `{"ForAllValues:StringEquals":{"t":"a"}}`, want: true},
		{name: "ForAllValues on an empty set is true", cond: `{"ForAllValues:StringEquals":{"t":"a"}}`, ctx: nil, want: true},
		{name: "ForAnyValue one in set", cond: `{"ForAnyValue:StringEquals":{"t":["a","b"]}}`, ctx: []string{"t", "z", "t", "b"}, want: true},
		{name: "ForAnyValue none in set", cond: `{"ForAnyValue:StringEquals":{"t":["a","b"]}}`, ctx: []string{"t", "y", "t", "z"}, want: false},
		{name: "ForAnyValue on a missing key is false", cond: `{"ForAnyValue:StringEquals":{"t":"a"}}`, want: false},
		{name: "ForAnyValue IfExists on a missing key is true", cond: `{"ForAnyValue:StringEqualsIfExists":{"t":"a"}}`, want: true},
		{name: "ForAllValues negated: none in set", cond: `{"ForAllValues:StringNotEquals":{"t":["a","b"]}}`, ctx: []string{"t", "y", "t", "z"}, want: true},
		{name: "ForAllValues negated: one in set", cond: `{"ForAllValues:StringNotEquals":{"t":["a","b"]}}`, ctx: []string{"t", "a", "t", "z"}, want: false},
		{name: "ForAnyValue negated: one outside set", cond: `{"ForAnyValue:StringNotEquals":{"t":["a","b"]}}`, ctx: []string{"t", "a", "t", "z"}, want: true},
		{name: "ForAnyValue negated: all in set", cond: `{"ForAnyValue:StringNotEquals":{"t":["a","b"]}}`, ctx: []string{"t", "a", "t", "b"}, want: false},
		{name: "ForAllValues ArnLike", cond: `{"ForAllValues:ArnLike":{"r":"arn:aws:bedrock:*:123:agent/*"}}`, ctx: []string{"r", "arn:aws:bedrock:us-east-1:123:agent/a", "r", "arn:aws:bedrock:eu-west-1:123:agent/b"}, want: true},
		{name: "ForAllValues ArnLike one outside", cond: `{"ForAllValues:ArnLike":{"r":"arn:aws:bedrock:*:123:agent/*"}}`, ctx: []string{"r", "arn:aws:bedrock:us-east-1:123:agent/a", "r", "arn:aws:bedrock:us-east-1:999:agent/b"}, want: false},
	})
}

func TestConditionNumeric(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "equals", cond: `{"NumericEquals":{"n":10}}`, ctx: []string{"n", "10"}, want: true},
		{name: "equals across forms", cond: `{"NumericEquals":{"n":"10"}}`, ctx: []string{"n", "1.0e1"}, want: true},
		{name: "not equals", cond: `{"NumericNotEquals":{"n":10}}`, ctx: []string{"n", "11"}, want: true},
		{name: "not equals missing key", cond: `{"NumericNotEquals":{"n":10}}`, want: true},
		{name: "less than", cond: `{"NumericLessThan":{"n":10}}`, ctx: []string{"n", "9.5"}, want: true},
		{name: "less than equal edge", cond: `{"NumericLessThan":{"n":10}}`, ctx: []string{"n", "10"}, want: false},
		{name: "less than equals edge", cond: `{"NumericLessThanEquals":{"n":10}}`, ctx: []string{"n", "10"}, want: true},
		{name: "greater than", cond: `{"NumericGreaterThan":{"n":-1}}`, ctx: []string{"n", "0"}, want: true},
		{name: "greater than equals", cond: `{"NumericGreaterThanEquals":{"n":0}}`, ctx: []string{"n", "-0.1"}, want: false},
		{name: "request value not a number fails", cond: `{"NumericLessThan":{"n":10}}`, ctx: []string{"n", "five"}, want: false},
		{name: "request value not a number fails a negated operator too", cond: `{"NumericNotEquals":{"n":10}}`, ctx: []string{"n", "five"}, want: false},
		{name: "missing key", cond: `{"NumericLessThan":{"n":10}}`, want: false},
		{name: "IfExists missing key", cond: `{"NumericLessThanIfExists":{"n":10}}`, want: true},
	})
}

// TestParseNumberSmallIntegers checks that integers read without
// strconv.ParseFloat come out as it would read them, to the bit.
func TestParseNumberSmallIntegers(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"0", "-0", "7", "-7", "10", "1900000000", "123456789012345", "-123456789012345",
		"999999999999999", "9007199254740993", "1234567890123456", "1.5", "1e3", "-0.0",
	} {
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseNumber(s)
		if !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v (bits %x)", s, got, ok, want, math.Float64bits(want))
		}
	}
}

func TestConditionDate(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "less than", cond: `{"DateLessThan":{"aws:CurrentTime":"2026-06-01T00:00:00Z"}}`, ctx: []string{"aws:CurrentTime", "2026-05-31T23:59:59Z"}, want: true},
		{name: "less than, later", cond: `{"DateLessThan":{"aws:CurrentTime":"2026-06-01T00:00:00Z"}}`, ctx: []string{"aws:CurrentTime", "2026-06-01T00:00:01Z"}, want: false},
		{name: "time zones compare as instants", cond: `{"DateEquals":{"d":"2026-06-01T02:00:00+02:00"}}`, ctx: []string{"d", "2026-06-01T00:00:00Z"}, want: true},
		{name: "epoch seconds in policy", cond: `{"DateGreaterThanEquals":{"d":1767225600}}`, ctx: []string{"d", "2026-01-01T00:00:00Z"}, want: true},
		{name: "epoch seconds in request", cond: `{"DateGreaterThan":{"aws:EpochTime":"2026-01-01"}}`, ctx: []string{"aws:EpochTime", "1767225601"}, want: true},
		{name: "date only", cond: `{"DateLessThanEquals":{"d":"2026-01-01"}}`, ctx: []string{"d", "2026-01-01T00:00:00Z"}, want: true},
		{name: "not equals", cond: `{"DateNotEquals":{"d":"2026-01-01"}}`, ctx: []string{"d", "2026-01-02"}, want: true},
		{name: "greater than equal edge", cond: `{"DateGreaterThan":{"d":"2026-01-01"}}`, ctx: []string{"d", "2026-01-01"}, want: false},
		{name: "request value not a date", cond: `{"DateGreaterThan":{"d":"2026-01-01"}}`, ctx: []string{"d", "tomorrow"}, want: false},
	})
}

func TestConditionBool(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "true", cond: `{"Bool":{"aws:SecureTransport":"true"}}`, ctx: []string{"aws:SecureTransport", "true"}, want: true},
		{name: "JSON boolean", cond: `{"Bool":{"aws:SecureTransport":false}}`, ctx: []string{"aws:SecureTransport", "false"}, want: true},
		{name: "case-insensitive", cond: `{"Bool":{"aws:SecureTransport":"TRUE"}}`, ctx: []string{"aws:SecureTransport", "True"}, want: true},
		{name: "differs", cond: `{"Bool":{"aws:SecureTransport":"true"}}`, ctx: []string{"aws:SecureTransport", "false"}, want: false},
		{name: "request value not a boolean", cond: `{"Bool":{"b":"true"}}`, ctx: []string{"b", "yes"}, want: false},
		{name: "missing key", cond: `{"Bool":{"b":"false"}}`, want: false},
		{name: "IfExists missing key", cond: `{"BoolIfExists":{"b":"false"}}`, want: true},
	})
}

func TestConditionBinary(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "equal bytes", cond: `{"BinaryEquals":{"k":"QmluYXJ5"}}`, ctx: []string{"k", "Binary"}, want: true},
		{name: "different bytes", cond: `{"BinaryEquals":{"k":"QmluYXJ5"}}`, ctx: []string{"k", "binary"}, want: false},
		{name: "missing key", cond: `{"BinaryEquals":{"k":"QmluYXJ5"}}`, want: false},
	})
}

func TestConditionIPAddress(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "v4 in block", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx: []string{"aws:SourceIp", "203.0.113.77"}, want: true},
		{name: "v4 outside block", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx: []string{"aws:SourceIp", "203.0.114.1"}, want: false},
		{name: "address alone is /32", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.5"}}`, ctx: []string{"aws:SourceIp", "203.0.113.5"}, want: true},
		{name: "address alone is /32, neighbour", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.5"}}`, ctx: []string{"aws:SourceIp", "203.0.113.6"}, want: false},
		{name: "host bits in the block are ignored", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.9/24"}}`, ctx: []string{"aws:SourceIp", "203.0.113.200"}, want: true},
		{name: "v6 in block", cond: `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx: []string{"aws:SourceIp", "2001:db8:1::5"}, want: true},
		{name: "v6 address alone is /128", cond: `{"IpAddress":{"aws:SourceIp":"::1"}}`, ctx: []string{"aws:SourceIp", "::2"}, want: false},
		{name: "v4 request against v6 block", cond: `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx: []string{"aws:SourceIp", "192.0.2.1"}, want: false},
		{name: "v4-mapped v6 request against v4 block", cond: `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctx: []string{"aws:SourceIp", "::ffff:192.0.2.1"}, want: true},
		{name: "several blocks OR'ed", cond: `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]}}`, ctx: []string{"aws:SourceIp", "192.0.2.1"}, want: true},
		{name: "not in block", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: []string{"aws:SourceIp", "192.0.2.1"}, want: true},
		{name: "not in block, inside", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: []string{"aws:SourceIp", "10.1.2.3"}, want: false},
		{name: "not in block, missing key", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, want: true},
		{name: "request value not an address", cond: `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx: []string{"aws:SourceIp", "localhost"}, want: false},
		{name: "request value not an address, negated", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: []string{"aws:SourceIp", "localhost"}, want: false},
	})
}

func TestConditionARN(t *testing.T) {
	t.Parallel()
	const topic = "arn:aws:sns:us-east-1:123456789012:my-topic"
	runCondCases(t, Version2012, []condCase{
		{name: "equals exact", cond: `{"ArnEquals":{"aws:SourceArn":"` + topic + `"}}`, ctx: []string{"aws:SourceArn", topic}, want: true},
		{name: "equals takes wildcards too", cond: `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}`, ctx: []string{"aws:SourceArn", topic}, want: true},
		{name: "like", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-*:123456789012:my-*"}}`, ctx: []string{"aws:SourceArn", topic}, want: true},
		{name: "component wildcard does not cross a colon", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:my-topic:*"}}`, ctx: []string{"aws:SourceArn", topic}, want: false},
		{name: "last component takes colons", cond: `{"ArnLike":{"r":"arn:aws:logs:*:1:log-group:*"}}`, ctx: []string{"r", "arn:aws:logs:us-east-1:1:log-group:a:*"}, want: true},
		{name: "case-sensitive", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:MY-TOPIC"}}`, ctx: []string{"aws:SourceArn", topic}, want: false},
		{name: "star alone matches anything", cond: `{"ArnLike":{"aws:SourceArn":"*"}}`, ctx: []string{"aws:SourceArn", "not-an-arn"}, want: true},
		{name: "request value not an ARN", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, ctx: []string{"aws:SourceArn", "my-topic"}, want: false},
		{name: "not like", cond: `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:999999999999:*"}}`, ctx: []string{"aws:SourceArn", topic}, want: true},
		{name: "not equals matching", cond: `{"ArnNotEquals":{"aws:SourceArn":"` + topic + `"}}`, ctx: []string{"aws:SourceArn", topic}, want: false},
		{name: "not like missing key", cond: `{"ArnNotLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}`, want: true},
	})
}

func TestConditionNull(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "true and key missing", cond: `{"Null":{"k":"true"}}`, want: true},
		{name: "true and key present", cond: `{"Null":{"k":"true"}}`, ctx: []string{"k", "v"}, want: false},
		{name: "false and key present", cond: `{"Null":{"k":false}}`, ctx: []string{"k", "v"}, want: true},
		{name: "false and key missing", cond: `{"Null":{"k":"FALSE"}}`, want: false},
		{name: "true and false OR'ed", cond: `{"Null":{"k":["true","false"]}}`, want: true},
		{name: "present with an empty value is present", cond: `{"Null":{"k":"true"}}`, ctx: []string{"k", ""}, want: false},
	})
}

func TestConditionPolicyVariables(t *testing.T) {
	t.Parallel()
	runCondCases(t, Version2012, []condCase{
		{name: "substituted", cond: `{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}`, ctx: []string{"aws:SourceAccount", "123", "aws:PrincipalAccount", "123"}, want: true},
		{name: "substituted, differs", cond: `{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}`, ctx: []string{"aws:SourceAccount", "123", "aws:PrincipalAccount", "456"}, want: false},
		{name: "variable key is case-insensitive", cond: `{"StringEquals":{"k":"${AWS:PRINCIPALACCOUNT}"}}`, ctx: []string{"k", "1", "aws:PrincipalAccount", "1"}, want: true},
		{name: "missing variable fails", cond: `{"StringEquals":{"k":"${aws:username}"}}`, ctx: []string{"k", ""}, want: false},
		{name: "missing variable fails a negated operator too", cond: `{"StringNotEquals":{"k":"${aws:username}"}}`, ctx: []string{"k", "x"}, want: false},
		{name: "missing variable fails the condition even beside a matching value", cond: `{"StringEquals":{"k":["${aws:username}","x"]}}`, ctx: []string{"k", "x"}, want: false},
		{name: "missing variable fails ArnNotLike too", cond: `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:SourceAccount}:*"}}`, ctx: []string{"aws:SourceArn", "arn:aws:sns:us-east-1:1:t"}, want: false},
		{name: "missing condition key wins over a missing variable", cond: `{"StringNotEquals":{"k":"${aws:username}"}}`, want: true},
		{name: "default used", cond: `{"StringEquals":{"k":"${aws:username, 'nobody'}"}}`, ctx: []string{"k", "nobody"}, want: true},
		{name: "default ignored when present", cond: `{"StringEquals":{"k":"${aws:username, 'nobody'}"}}`, ctx: []string{"k", "nobody", "aws:username", "alice"}, want: false},
		{name: "variable inside a like pattern", cond: `{"StringLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:*"}}`, ctx: []string{"aws:SourceArn", "arn:aws:sns:us-east-1:123:t", "aws:PrincipalAccount", "123"}, want: true},
		{name: "variable value is literal in a like pattern", cond: `{"StringLike":{"k":"${v}"}}`, ctx: []string{"k", "abc", "v", "a*"}, want: false},
		{name: "variable value literal star matches itself", cond: `{"StringLike":{"k":"${v}"}}`, ctx: []string{"k", "a*", "v", "a*"}, want: true},
		{name: "escape star is literal", cond: `{"StringLike":{"k":"a${*}"}}`, ctx: []string{"k", "abc"}, want: false},
		{name: "escape star matches a star", cond: `{"StringLike":{"k":"a${*}"}}`, ctx: []string{"k", "a*"}, want: true},
		{name: "escape question and dollar", cond: `{"StringEquals":{"k":"${?}${$}"}}`, ctx: []string{"k", "?$"}, want: true},
		{name: "variable in an ARN pattern", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:*"}}`, ctx: []string{"aws:SourceArn", "arn:aws:sns:us-east-1:123:t", "aws:PrincipalAccount", "123"}, want: true},
	})
	// Under Version 2008-10-17 IAM does not substitute: "${...}" is plain text.
	runCondCases(t, Version2008, []condCase{
		{name: "2008 reads variables as text", cond: `{"StringEquals":{"k":"${aws:PrincipalAccount}"}}`, ctx: []string{"k", "${aws:PrincipalAccount}", "aws:PrincipalAccount", "1"}, want: true},
	})
}

// A key present with no values is an empty set: ForAllValues holds (no value
// contradicts it), ForAnyValue does not, and Null sees no value.
func TestConditionEmptySet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cond string
		want bool
	}{
		{name: "ForAllValues", cond: `{"ForAllValues:StringEquals":{"aws:TagKeys":"env"}}`, want: true},
		{name: "ForAnyValue", cond: `{"ForAnyValue:StringEquals":{"aws:TagKeys":"env"}}`, want: false},
		{name: "plain operator", cond: `{"StringEquals":{"aws:TagKeys":"env"}}`, want: false},
		{name: "Null true", cond: `{"Null":{"aws:TagKeys":"true"}}`, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pol := mustParse(t, doc(stmt(`Principal="*"`, `Action="*"`, `Condition=`+tt.cond)))
			var ctx Context
			ctx.Set("aws:TagKeys")
			if _, ok := ctx.Get("AWS:TAGKEYS"); !ok {
				t.Fatal("the empty key is missing from the context")
			}
			req := Request{Principal: Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::123456789012:root"}, Action: "xray:TagResource", Resource: "*", Context: ctx}
			if got := pol.Evaluate(&req).Decision == Allow; got != tt.want {
				t.Errorf("holds = %v, want %v", got, tt.want)
			}
		})
	}
}
