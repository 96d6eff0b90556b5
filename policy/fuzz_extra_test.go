package policy

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzARN checks ARN matching (rule V-9's Resource and the ArnLike / ArnNotLike condition
// operators, V-10) and principal ARNs (V-7) on any input, through the package's own entry
// points: a document holding the pattern is parsed and evaluated against a request holding
// the value. Whatever the input, nothing panics; a pattern is matched the way a plain
// reference matches it (each of the six colon-delimited components on its own, the sixth
// being the rest; "*" any run of characters, "?" one character; ${aws:username} the
// variable's value, taken literally); ArnNotLike is ArnLike's opposite when the pattern's
// variables have values; and what
// ParsePrincipal accepts it reads back the same. Seed corpus: testdata/fuzz/FuzzARN.
func FuzzARN(f *testing.F) {
	f.Add("arn:aws:xray:*:123456789012:group/*", "arn:aws:xray:us-east-1:123456789012:group/a/b", "alice")
	f.Fuzz(func(t *testing.T, pat, value, username string) {
		var ctx Context
		ctx.Set("aws:username", username)
		ctx.Set("aws:SourceArn", value)
		principal := Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::123456789012:root"}
		want, checkable := arnReference(pat, value, username)

		decide := func(document, resource string) (Decision, bool) {
			pol, err := Parse(document)
			if err != nil {
				return 0, false
			}
			return pol.Evaluate(&Request{Principal: principal, Action: "xray:GetGroup", Resource: resource, Context: ctx}).Decision, true
		}
		quoted, _ := json.Marshal(pat)
		statement := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"xray:GetGroup",`

		if d, ok := decide(statement+`"Resource":`+string(quoted)+`}}`, value); ok && checkable && (d == Allow) != want {
			t.Fatalf("Resource %q on %q (aws:username %q): %v, reference match %v", pat, value, username, d, want)
		}
		like, okLike := decide(statement+`"Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":`+string(quoted)+`}}}}`, "*")
		notLike, okNotLike := decide(statement+`"Resource":"*","Condition":{"ArnNotLike":{"aws:SourceArn":`+string(quoted)+`}}}}`, "*")
		if okLike && checkable && (like == Allow) != want {
			t.Fatalf("ArnLike %q on %q (aws:username %q): %v, reference match %v", pat, value, username, like, want)
		}
		// A variable the request has no value for makes both operators false (IAM User
		// Guide, "Policy variables": the element does not match).
		if okLike && okNotLike && variablesResolve(pat) && (like == Allow) == (notLike == Allow) {
			t.Fatalf("ArnLike %q on %q: %v, ArnNotLike: %v", pat, value, like, notLike)
		}

		for _, s := range []string{pat, value} {
			pr, err := ParsePrincipal(s)
			if err != nil {
				continue
			}
			switch {
			case pr.Kind == PrincipalAWS && !strings.HasPrefix(pr.ID, "arn:"):
				t.Fatalf("ParsePrincipal(%q) = %q, which is no ARN", s, pr.ID)
			case pr.Kind == PrincipalService && pr.ID != s:
				t.Fatalf("ParsePrincipal(%q) = service %q", s, pr.ID)
			case pr.Kind != PrincipalAWS && pr.Kind != PrincipalService:
				t.Fatalf("ParsePrincipal(%q) = kind %d", s, pr.Kind)
			}
			if again, err := ParsePrincipal(pr.ID); err != nil || again != pr {
				t.Fatalf("ParsePrincipal(%q) = %+v, and of that %+v, %v", s, pr, again, err)
			}
		}
	})
}

// variablesResolve reports whether every policy variable in pat has a value in FuzzARN's
// request context: it names none but ${aws:username} and the escapes ${*}, ${?}, ${$}.
func variablesResolve(pat string) bool {
	for _, v := range []string{"${aws:username}", "${*}", "${?}", "${$}"} {
		pat = strings.ReplaceAll(pat, v, "")
	}
	return !strings.Contains(pat, "${")
}

// char is one character of a pattern; lit marks one that came from a variable's value and
// so matches only itself.
type char struct {
	r   rune
	lit bool
}

// arnReference matches value against ARN pattern pat the slow, obvious way, with
// ${aws:username} standing for username. It reports false for checkable when the
// pattern uses other variables or escapes, or the input is too long or not UTF-8.
func arnReference(pat, value, username string) (match, checkable bool) {
	if len(pat) > 64 || len(value) > 256 || len(username) > 32 ||
		!utf8.ValidString(pat) || !utf8.ValidString(value) || !utf8.ValidString(username) {
		return false, false
	}
	// The pattern's own colons split it into components; the variable's do not.
	var comps [][]char
	cur := []char{}
	for rest := pat; rest != ""; {
		if strings.HasPrefix(rest, "${") {
			if !strings.HasPrefix(rest, "${aws:username}") {
				return false, false
			}
			for _, r := range username {
				cur = append(cur, char{r, true})
			}
			rest = rest[len("${aws:username}"):]
			continue
		}
		r, n := utf8.DecodeRuneInString(rest)
		rest = rest[n:]
		if r == ':' && len(comps) < 5 {
			comps = append(comps, cur)
			cur = []char{}
			continue
		}
		cur = append(cur, char{r, false})
	}
	comps = append(comps, cur)
	if len(comps) < 6 {
		var whole []char
		for i, c := range comps {
			if i > 0 {
				whole = append(whole, char{':', false})
			}
			whole = append(whole, c...)
		}
		return globReference(whole, value), true
	}
	vs := strings.SplitN(value, ":", 6)
	if len(vs) < 6 {
		return false, true
	}
	for i := range comps {
		if !globReference(comps[i], vs[i]) {
			return false, true
		}
	}
	return true, true
}

// globReference matches s against p, where a "*" that is not literal is any run of
// characters and a "?" one character, by dynamic programming over runes.
func globReference(p []char, s string) bool {
	r := []rune(s)
	dp := make([]bool, len(r)+1) // dp[j]: p[:i] matches r[:j]
	dp[0] = true
	for i := range p {
		next := make([]bool, len(r)+1)
		for j := range next {
			switch {
			case p[i].r == '*' && !p[i].lit:
				next[j] = dp[j] || (j > 0 && next[j-1])
			case j > 0:
				next[j] = dp[j-1] && ((p[i].r == '?' && !p[i].lit) || p[i].r == r[j-1])
			}
		}
		dp = next
	}
	return dp[len(r)]
}
