package operations

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/xraylocal/xraylocal"
)

// FuzzCheck runs Check on any body for any operation (the name picks one; an unknown
// name picks one by its length) and compares its reading of JSON with encoding/json's:
// whatever encoding/json calls invalid, Check refuses as a SerializationException, and
// Check never calls a body invalid JSON that encoding/json accepts. Seeds are in
// testdata/fuzz/FuzzCheck.
func FuzzCheck(f *testing.F) {
	f.Add("PutResourcePolicy", []byte(validPut))
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		op, found := ByName(name)
		if !found {
			op = operations[len(name)%len(operations)]
		}
		c := checker{data: body}
		err := c.run(op.Input)
		if err != nil {
			if err.Code != xraylocal.SerializationException && err.Code != xraylocal.InvalidRequestException {
				t.Fatalf("%s: code %s, want SerializationException or InvalidRequestException", op.Name, err.Code)
			}
			if err.Message == "" {
				t.Fatalf("%s: empty message", op.Name)
			}
		}
		blank := len(bytes.TrimLeft(body, " \t\r\n")) == 0
		valid := json.Valid(body)
		if !valid && !blank && (err == nil || err.Code != xraylocal.SerializationException) {
			t.Fatalf("%s: encoding/json finds %q invalid, Check answers %v", op.Name, body, err)
		}
		if c.syntax && valid {
			t.Fatalf("%s: encoding/json finds %q valid, Check answers %v", op.Name, body, err)
		}
		if err == nil && !blank {
			var m map[string]any
			if uerr := json.Unmarshal(body, &m); uerr != nil || m == nil {
				t.Fatalf("%s: Check passes %q, which is no JSON object: %v", op.Name, body, uerr)
			}
			if !utf8.Valid(body) {
				t.Fatalf("%s: Check passes %q, which is not UTF-8", op.Name, body)
			}
		}
		again := check(op.Input, body)
		if (err == nil) != (again == nil) || (err != nil && *err != *again) {
			t.Fatalf("%s: two checks of %q differ: %v, then %v", op.Name, body, err, again)
		}
	})
}

// FuzzStringValue compares the value Check reads from a JSON string with the value
// encoding/json reads. Seeds are in testdata/fuzz/FuzzStringValue.
func FuzzStringValue(f *testing.F) {
	f.Add([]byte(`caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t`))
	f.Fuzz(func(t *testing.T, s []byte) {
		lit := append(append([]byte{'"'}, s...), '"')
		c := checker{data: lit}
		got, err := c.str(true)
		var want string
		uerr := json.Unmarshal(lit, &want)
		switch {
		case uerr != nil:
			if err == nil && c.pos == len(lit) {
				t.Fatalf("encoding/json refuses %q (%v), Check reads %q", lit, uerr, got)
			}
		case !utf8.Valid(s):
			if err == nil {
				t.Fatalf("Check reads %q, which is not UTF-8, as %q", lit, got)
			}
		case err != nil:
			t.Fatalf("encoding/json reads %q, Check refuses it: %v", lit, err)
		case c.pos != len(lit):
			t.Fatalf("Check read %q only to offset %d", lit, c.pos)
		case string(got) != want:
			t.Fatalf("%q: Check reads %q, encoding/json %q", lit, got, want)
		}
	})
}

// TestPatternFastPath checks that the class matcher used for PolicyName's pattern
// agrees with the regular expression it stands for, and is used only where it may be.
func TestPatternFastPath(t *testing.T) {
	t.Parallel()
	if shapePolicyName.class == nil {
		t.Error("PolicyName's pattern has no class matcher")
	}
	if shapeInsightId.class != nil {
		t.Error("InsightId's pattern, not one class repeated, has a class matcher")
	}
	tests := []struct {
		name    string
		pattern string
		fast    bool
	}{
		{name: "policy name", pattern: `[\w+=,.@-]+`, fast: true},
		{name: "star", pattern: `[a-c]*`, fast: true},
		{name: "case-insensitive", pattern: `(?i)[a-c]+`, fast: true},
		{name: "non-ASCII class", pattern: `[a-zé]+`},
		{name: "negated class", pattern: `[^a]+`},
		{name: "two parts", pattern: `[a-c]+x`},
		{name: "bounded repeat", pattern: `[a-c]{1,3}`},
		{name: "alternation", pattern: `[a-c]+|x`},
	}
	var inputs [][]byte
	inputs = append(inputs, nil, []byte("abc"), []byte("a b"), []byte("é"), []byte("\xff"), []byte("A=B"))
	for r := rune(0); r < 0x300; r++ {
		inputs = append(inputs, utf8.AppendRune([]byte("a"), r))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			re, err := compileForTest(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			m := newClassMatcher(re.String())
			if (m != nil) != tt.fast {
				t.Fatalf("class matcher for %s: %v, want %v", tt.pattern, m != nil, tt.fast)
			}
			if m == nil {
				return
			}
			for _, in := range inputs {
				if got, want := m.match(in), re.Match(in); got != want {
					t.Errorf("%s on %q: class matcher %v, regexp %v", tt.pattern, in, got, want)
				}
			}
		})
	}
}

func compileForTest(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + pattern + ")$")
}

// TestCheckEveryPrefix cuts valid bodies at every byte: each cut that is not valid JSON
// is a SerializationException, and none panics.
func TestCheckEveryPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, op, body string
	}{
		{name: "resource policy", op: "PutResourcePolicy", body: string(realisticPut)},
		{name: "sampling targets", op: "GetSamplingTargets",
			body: `{"SamplingStatisticsDocuments":[{"RuleName":"r","ClientID":"0123456789abcdef01234567","Timestamp":1.5e9,"RequestCount":-0,"SampledCount":0}]}`},
		{name: "sampling rule with a map", op: "CreateSamplingRule",
			body: `{"SamplingRule":{"Attributes":{"k\u00e9":"v\ud83d\ude00"},"FixedRate":"NaN"},"Tags":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op, _ := ByName(tt.op)
			if !json.Valid([]byte(tt.body)) {
				t.Fatalf("the whole body is not valid JSON")
			}
			for n := 1; n < len(tt.body); n++ {
				prefix := []byte(tt.body[:n])
				if json.Valid(prefix) {
					continue
				}
				got := resultOf(op.Check(prefix))
				if got.Code != xraylocal.SerializationException {
					t.Errorf("Check(%q) = %+v, want a SerializationException", prefix, got)
				}
			}
		})
	}
}
