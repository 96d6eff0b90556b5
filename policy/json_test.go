package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestJSONReader checks the policy package's JSON reader against encoding/json:
// both must accept and refuse the same texts, and decode strings alike.
func TestJSONReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
	}{
		{name: "object", in: `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`},
		{name: "whitespace everywhere", in: " \t\n{ \"a\" : [ 1 , 2 ] } \r\n"},
		{name: "empty containers", in: `{"a":{},"b":[]}`},
		{name: "numbers", in: `[0,-0,1.5,-2e10,3E+2,4e-3,123456789012]`},
		{name: "leading zero", in: `[01]`},
		{name: "bare minus", in: `[-]`},
		{name: "dot without digits", in: `[1.]`},
		{name: "exponent without digits", in: `[1e]`},
		{name: "plus sign", in: `[+1]`},
		{name: "hex", in: `[0x10]`},
		{name: "escapes", in: `["\"\\\/\b\f\n\r\t\u00e9\u20AC"]`},
		{name: "surrogate pair", in: `["\ud83d\ude00"]`},
		{name: "lone high surrogate", in: `["\ud83d"]`},
		{name: "lone low surrogate", in: `["\ude00x"]`},
		{name: "high surrogate then non-surrogate escape", in: `["\ud83d\u0041"]`},
		{name: "bad escape", in: `["\x"]`},
		{name: "short unicode escape", in: `["\u12"]`},
		{name: "control character", in: "[\"a\x01b\"]"},
		{name: "unterminated string", in: `["abc`},
		{name: "unterminated array", in: `[1,2`},
		{name: "unterminated object", in: `{"a":1`},
		{name: "trailing comma in array", in: `[1,]`},
		{name: "trailing comma in object", in: `{"a":1,}`},
		{name: "missing colon", in: `{"a" 1}`},
		{name: "unquoted key", in: `{a:1}`},
		{name: "two values", in: `1 2`},
		{name: "empty", in: ``},
		{name: "misspelled literal", in: `[tru]`},
		{name: "single quotes", in: `['a']`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseJSON(tt.in, new(jsonScratch))
			var want any
			wantErr := json.Unmarshal([]byte(tt.in), &want)
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("parseJSON error = %v, encoding/json error = %v", err, wantErr)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "not valid JSON: ") {
					t.Errorf("error %q does not say the text is not valid JSON", err)
				}
				return
			}
			if g, w := toAny(&got), want; !jsonEqual(g, w) {
				t.Errorf("parseJSON = %#v, encoding/json = %#v", g, w)
			}
		})
	}
}

// toAny converts a parsed value to encoding/json's untyped form.
func toAny(v *jsonValue) any {
	switch v.kind {
	case jsonNull:
		return nil
	case jsonBool:
		return v.text == "true"
	case jsonNumber:
		var f float64
		if err := json.Unmarshal([]byte(v.text), &f); err != nil {
			return "bad number " + v.text
		}
		return f
	case jsonString:
		return v.text
	case jsonArray:
		out := []any{}
		for i := range v.kids {
			out = append(out, toAny(&v.kids[i].value))
		}
		return out
	}
	out := map[string]any{}
	for i := range v.kids {
		out[v.kids[i].key] = toAny(&v.kids[i].value)
	}
	return out
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
