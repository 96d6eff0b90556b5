package policy

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// globDP is an obviously correct reference matcher (dynamic programming over
// runes), used to check the linear matcher.
func globDP(pat, s string) bool {
	p, t := []rune(pat), []rune(s)
	// dp[j]: pattern p[:i] matches t[:j]
	dp := make([]bool, len(t)+1)
	dp[0] = true
	for i := 0; i < len(p); i++ {
		next := make([]bool, len(t)+1)
		switch p[i] {
		case '*':
			seen := false
			for j := 0; j <= len(t); j++ {
				seen = seen || dp[j]
				next[j] = seen
			}
		default:
			for j := 1; j <= len(t); j++ {
				next[j] = dp[j-1] && (p[i] == '?' || p[i] == t[j-1])
			}
		}
		dp = next
	}
	return dp[len(t)]
}

func TestPatternMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pattern string
		subject string
		want    bool
	}{
		{name: "empty matches empty", pattern: "", subject: "", want: true},
		{name: "empty does not match text", pattern: "", subject: "a", want: false},
		{name: "star matches empty", pattern: "*", subject: "", want: true},
		{name: "star matches anything", pattern: "*", subject: "arn:aws:xray:us-east-1:1:group/x", want: true},
		{name: "literal equal", pattern: "abc", subject: "abc", want: true},
		{name: "literal is case-sensitive", pattern: "abc", subject: "ABC", want: false},
		{name: "literal shorter subject", pattern: "abc", subject: "ab", want: false},
		{name: "literal longer subject", pattern: "abc", subject: "abcd", want: false},
		{name: "question mark one char", pattern: "a?c", subject: "abc", want: true},
		{name: "question mark not zero chars", pattern: "a?c", subject: "ac", want: false},
		{name: "question mark one multibyte char", pattern: "a?c", subject: "aéc", want: true},
		{name: "question mark not two chars", pattern: "a?c", subject: "abbc", want: false},
		{name: "prefix star", pattern: "Get*", subject: "GetGroups", want: true},
		{name: "suffix star", pattern: "*Groups", subject: "GetGroups", want: true},
		{name: "middle star", pattern: "G*s", subject: "GetGroups", want: true},
		{name: "prefix and suffix must not overlap", pattern: "ab*ba", subject: "aba", want: false},
		{name: "middle pieces in order", pattern: "*b*a*", subject: "ab", want: false},
		{name: "middle pieces found", pattern: "*a*b*", subject: "xaybz", want: true},
		{name: "repeated prefix chars", pattern: "*aab", subject: "aaab", want: true},
		{name: "kmp fallback", pattern: "*abab*", subject: "abaabab", want: true},
		{name: "question in middle piece", pattern: "*a?c*", subject: "xxabdaxcyy", want: true},
		{name: "question in middle piece absent", pattern: "*a?c*", subject: "xxabdaxdyy", want: false},
		{name: "question in suffix multibyte", pattern: "*?", subject: "é", want: true},
		{name: "two questions need two chars", pattern: "??", subject: "é", want: false},
		{name: "consecutive stars", pattern: "a**b", subject: "ab", want: true},
		{name: "star only between", pattern: "a*b*c", subject: "abbbc", want: true},
		{name: "pathological no match", pattern: "a*a*a*a*a*a*b", subject: strings.Repeat("a", 64), want: false},
		{name: "pathological match", pattern: "a*a*a*a*a*a*b", subject: strings.Repeat("a", 64) + "b", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := compilePattern(tt.pattern)
			if got := p.match(tt.subject); got != tt.want {
				t.Errorf("compilePattern(%q).match(%q) = %v, want %v", tt.pattern, tt.subject, got, tt.want)
			}
			if got := globMatch(tt.pattern, tt.subject); got != tt.want {
				t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.want)
			}
			if ref := globDP(tt.pattern, tt.subject); ref != tt.want {
				t.Errorf("reference matcher disagrees with the table for %q, %q: %v", tt.pattern, tt.subject, ref)
			}
		})
	}
}

// TestV12_WildcardWorkIsLinear checks the work done, not the time taken: on the
// patterns that make a backtracking matcher exponential or quadratic, the number
// of steps stays within a small multiple of len(pattern)+len(subject).
func TestV12_WildcardWorkIsLinear(t *testing.T) {
	t.Parallel()
	n := 5000
	tests := []struct {
		name    string
		pattern string
		subject string
	}{
		{name: "a*a*...*b against a^n", pattern: strings.Repeat("a*", 200) + "b", subject: strings.Repeat("a", n)},
		{name: "*a*a*...*b* against a^n", pattern: strings.Repeat("*a", 200) + "*b*", subject: strings.Repeat("a", n)},
		{name: "long literal piece against near misses", pattern: "*" + strings.Repeat("a", 1000) + "b*", subject: strings.Repeat("a", n)},
		{name: "periodic piece", pattern: "*" + strings.Repeat("ab", 500) + "c*", subject: strings.Repeat("ab", n/2)},
		{name: "star between long prefix and suffix", pattern: strings.Repeat("a", 1000) + "*" + strings.Repeat("a", 1000) + "b", subject: strings.Repeat("a", n)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := compilePattern(tt.pattern)
			var c counter
			got := p.matchCounted(tt.subject, &c)
			if want := globDP(tt.pattern, tt.subject); got != want {
				t.Fatalf("match = %v, reference = %v", got, want)
			}
			limit := 3 * (len(tt.pattern) + len(tt.subject))
			if c.n > limit {
				t.Errorf("took %d steps for pattern length %d and subject length %d; want at most %d", c.n, len(tt.pattern), len(tt.subject), limit)
			}
		})
	}
}

// TestV12_QuestionPieceWorkIsBounded documents the bound for a piece holding "?":
// at most len(subject) × len(piece) steps.
func TestV12_QuestionPieceWorkIsBounded(t *testing.T) {
	t.Parallel()
	piece := strings.Repeat("?", 20) + "b"
	subject := strings.Repeat("a", 2000)
	p := compilePattern("*" + piece + "*")
	var c counter
	if p.matchCounted(subject, &c) {
		t.Fatal("matched a subject without b")
	}
	if limit := len(subject) * len(piece); c.n > limit {
		t.Errorf("took %d steps; want at most %d", c.n, limit)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("a*b?c", "axxbyc")
	f.Add("*", "")
	f.Add("?", "é")
	f.Add("a*a*a*a*b", "aaaaaaaaaaaaaaaa")
	f.Add("*ab*ab*", "abab")
	f.Fuzz(func(t *testing.T, pat, s string) {
		if len(pat) > 64 || len(s) > 256 || !utf8.ValidString(pat) || !utf8.ValidString(s) {
			// The reference matcher is quadratic, and both sides are valid UTF-8 in
			// a parsed document.
			return
		}
		p := compilePattern(pat)
		var c counter
		got := p.matchCounted(s, &c)
		want := globDP(pat, s)
		if got != want {
			t.Fatalf("compilePattern(%q).match(%q) = %v, reference says %v", pat, s, got, want)
		}
		if g := globMatch(pat, s); g != want {
			t.Fatalf("globMatch(%q, %q) = %v, reference says %v", pat, s, g, want)
		}
		if limit := 4 * (len(pat) + 1) * (len(s) + 1); c.n > limit {
			t.Fatalf("took %d steps, over %d", c.n, limit)
		}
	})
}
