package operations

import (
	"regexp/syntax"
	"unicode/utf8"
)

// asciiSet is a set of ASCII bytes, one bit each.
type asciiSet [2]uint64

func (s *asciiSet) has(b byte) bool { return b < utf8.RuneSelf && s[b/64]&(1<<(b%64)) != 0 }

// classMatcher matches what an anchored pattern of one character class repeated
// ("[\w+=,.@-]+" or "[a-z]*") matches, when the class holds only ASCII characters,
// without running the regular expression: PolicyName's pattern is checked on every
// resource-policy call. Any non-ASCII byte fails, as a non-ASCII character is outside
// such a class.
type classMatcher struct {
	set      asciiSet
	nonEmpty bool
}

func (m *classMatcher) match(b []byte) bool {
	if m.nonEmpty && len(b) == 0 {
		return false
	}
	for _, x := range b {
		if !m.set.has(x) {
			return false
		}
	}
	return true
}

// newClassMatcher returns a classMatcher for the anchored pattern, or nil when the
// pattern is not one ASCII class repeated, in which case the regular expression is used.
func newClassMatcher(anchored string) *classMatcher {
	re, err := syntax.Parse(anchored, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) != 3 ||
		re.Sub[0].Op != syntax.OpBeginText || re.Sub[2].Op != syntax.OpEndText {
		return nil
	}
	rep := re.Sub[1]
	if rep.Op == syntax.OpCapture && len(rep.Sub) == 1 {
		rep = rep.Sub[0]
	}
	if (rep.Op != syntax.OpPlus && rep.Op != syntax.OpStar) || len(rep.Sub) != 1 || rep.Sub[0].Op != syntax.OpCharClass {
		return nil
	}
	m := &classMatcher{nonEmpty: rep.Op == syntax.OpPlus}
	r := rep.Sub[0].Rune
	for i := 0; i+1 < len(r); i += 2 {
		if r[i+1] >= utf8.RuneSelf {
			return nil
		}
		for c := r[i]; c <= r[i+1]; c++ {
			m.set[c/64] |= 1 << (c % 64)
		}
	}
	return m
}
