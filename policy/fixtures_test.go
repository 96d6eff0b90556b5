package policy

import (
	"errors"
	"strings"
	"testing"
)

// stmt builds a statement from a valid base (Allow sns.amazonaws.com
// xray:PutTraceSegments on "*"). Each edit is `Key=<raw JSON>` to set a member
// (replacing the base's, or appending) or `-Key` to remove it.
func stmt(edits ...string) string {
	keys := []string{"Effect", "Principal", "Action", "Resource"}
	vals := map[string]string{
		"Effect":    `"Allow"`,
		"Principal": `{"Service":"sns.amazonaws.com"}`,
		"Action":    `"xray:PutTraceSegments"`,
		"Resource":  `"*"`,
	}
	for _, e := range edits {
		if k, ok := strings.CutPrefix(e, "-"); ok {
			delete(vals, k)
			continue
		}
		k, v, _ := strings.Cut(e, "=")
		if _, ok := vals[k]; !ok {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	var b strings.Builder
	b.WriteString("{")
	first := true
	for _, k := range keys {
		v, ok := vals[k]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(`"` + k + `":` + v)
	}
	b.WriteString("}")
	return b.String()
}

// doc wraps statements in a 2012-10-17 document.
func doc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// problemKey is the part of a Problem a rule test pins down.
type problemKey struct {
	Rule      string
	Statement int
	Element   string
}

func keysOf(ps []Problem) []problemKey {
	out := make([]problemKey, 0, len(ps))
	for _, p := range ps {
		out = append(out, problemKey{Rule: p.Rule, Statement: p.Statement, Element: p.Element})
	}
	return out
}

// problems parses document and returns its problems (nil when it is valid).
func problems(tb testing.TB, document string) []Problem {
	tb.Helper()
	pol, err := Parse(document)
	if err == nil {
		if pol == nil {
			tb.Fatal("Parse returned neither a policy nor an error")
		}
		return nil
	}
	var verr *ValidationError
	if !errors.As(err, &verr) {
		tb.Fatalf("Parse error is %T, want *ValidationError", err)
	}
	if len(verr.Problems) == 0 {
		tb.Fatal("ValidationError without problems")
	}
	return verr.Problems
}

// mustParse parses a document that must be valid.
func mustParse(tb testing.TB, document string) *Policy {
	tb.Helper()
	pol, err := Parse(document)
	if err != nil {
		tb.Fatalf("Parse(%s): %v", document, err)
	}
	return pol
}

// ctxOf builds a context from key, value pairs; a key given twice gets both values.
func ctxOf(kv ...string) Context {
	var c Context
	for i := 0; i+1 < len(kv); i += 2 {
		c.Add(kv[i], kv[i+1])
	}
	return c
}
