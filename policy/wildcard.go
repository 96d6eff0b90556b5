package policy

import (
	"strings"
	"unicode/utf8"
)

// IAM's wildcards: "*" matches any sequence of characters, "?" exactly one
// (IAM JSON policy elements reference: Action, Resource; condition operators
// StringLike and ArnLike). A pattern is compiled once into the pieces between its
// stars, so that matching never backtracks: the first piece must match the start
// of the text, the last piece its end, and every piece in between is found at its
// leftmost position after the previous one. Leftmost is always right for a glob,
// because whatever a later piece could match after a later occurrence it can also
// match after an earlier one. Pieces without "?" are found with Knuth-Morris-Pratt,
// so matching them costs O(len(text) + len(pattern)) steps whatever the input
// (rule V-12); a piece with "?" is tried at each start, costing at most
// O(len(text) × len(piece)).

// piece is the text between two stars of a pattern.
type piece struct {
	text string
	// qWild says whether every "?" byte of text is a wildcard (a pattern read
	// from policy text); it is ignored when aux holds a mask.
	qWild bool
	// wild says whether the piece has any wildcard; without one it is compared
	// as plain text.
	wild bool
	aux  *pieceAux // nil for most pieces, which keeps a compiled policy small
}

type pieceAux struct {
	// any marks the positions of text that are "?" wildcards, which match one
	// character (one UTF-8 sequence) of the subject, when some "?" bytes are
	// literal (from a policy variable or an escape) and others are not.
	any []bool
	// fail is the Knuth-Morris-Pratt failure table of text, for pieces without
	// wildcards that are searched for (those between two stars).
	fail []int
}

func (p *piece) mask() []bool {
	if p.aux == nil {
		return nil
	}
	return p.aux.any
}

func (p *piece) failTable() []int {
	if p.aux == nil {
		return nil
	}
	return p.aux.fail
}

func (p *piece) wildAt(j int) bool {
	if m := p.mask(); m != nil {
		return m[j]
	}
	return p.qWild && p.text[j] == '?'
}

func (p *piece) hasWild() bool { return p.wild }

func textPiece(text string) piece {
	return piece{text: text, qWild: true, wild: strings.IndexByte(text, '?') >= 0}
}

// pattern is a compiled wildcard pattern.
type pattern struct {
	// pieces are the texts around the stars; a pattern without a star has one piece
	// that must match the whole subject.
	pieces []piece
	star   bool
}

// splitPieces splits policy text at its stars into buf. Pieces are substrings of
// s, so splitting allocates nothing beyond buf's growth.
func splitPieces(s string, buf []piece) ([]piece, bool) {
	if buf == nil {
		buf = make([]piece, 0, strings.Count(s, "*")+1)
	}
	star := false
	for {
		i := strings.IndexByte(s, '*')
		if i < 0 {
			return append(buf, textPiece(s)), star
		}
		buf = append(buf, textPiece(s[:i]))
		s = s[i+1:]
		star = true
	}
}

// withFailTables gives each piece that will be searched for (every piece between
// the first and the last) its Knuth-Morris-Pratt table.
func withFailTables(pieces []piece, a *arena) {
	for i := 1; i < len(pieces)-1; i++ {
		if !pieces[i].hasWild() && len(pieces[i].text) > 1 {
			// A table for one byte would be [0]: the search needs none.
			if pieces[i].aux == nil {
				pieces[i].aux = &take(a.auxSlab(), 1)[0]
			}
			pieces[i].aux.fail = failureTableIn(pieces[i].text, a.intSlab())
		}
	}
}

// patternBuilder assembles a pattern from text in which "*" and "?" are
// wildcards and from literal text (policy variables' values and the ${*}, ${?}
// escapes, which IAM matches as the characters themselves).
type patternBuilder struct {
	pieces []piece
	cur    strings.Builder
	curAny []bool
	hasAny bool
	star   bool
}

func (b *patternBuilder) wild(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*':
			b.endPiece()
			b.star = true
		case '?':
			b.byte('?', true)
		default:
			b.byte(c, false)
		}
	}
}

func (b *patternBuilder) literal(s string) {
	for i := 0; i < len(s); i++ {
		b.byte(s[i], false)
	}
}

func (b *patternBuilder) byte(c byte, any bool) {
	b.cur.WriteByte(c)
	b.curAny = append(b.curAny, any)
	b.hasAny = b.hasAny || any
}

func (b *patternBuilder) endPiece() {
	p := piece{text: b.cur.String()}
	if b.hasAny {
		p.aux = &pieceAux{any: b.curAny}
		p.wild = true
	}
	b.pieces = append(b.pieces, p)
	b.cur = strings.Builder{}
	b.curAny = nil
	b.hasAny = false
}

func (b *patternBuilder) pattern() pattern {
	b.endPiece()
	withFailTables(b.pieces, nil)
	return pattern{pieces: b.pieces, star: b.star}
}

// compilePattern compiles s, in which "*" and "?" are wildcards.
func compilePattern(s string) pattern { return compilePatternIn(s, nil) }

// compilePatternIn compiles s with its pieces cut from a's slab.
func compilePatternIn(s string, a *arena) pattern {
	// One look at each byte finds the usual patterns: "*", and text without
	// wildcards (an operation name, most components of an ARN).
	stars, question := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			stars++
		case '?':
			question = true
		}
	}
	if stars == 0 {
		pieces := take(a.pieceSlab(), 1)
		pieces[0] = piece{text: s, qWild: true, wild: question}
		return pattern{pieces: pieces}
	}
	if len(s) == 1 {
		return anyPattern
	}
	// Split at the stars, as splitPieces does, knowing how many there are.
	pieces := take(a.pieceSlab(), stars+1)
	start, k := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '*' {
			pieces[k] = piece{text: s[start:i], qWild: true, wild: question && strings.IndexByte(s[start:i], '?') >= 0}
			k++
			start = i + 1
		}
	}
	pieces[k] = piece{text: s[start:], qWild: true, wild: question && strings.IndexByte(s[start:], '?') >= 0}
	withFailTables(pieces, a)
	return pattern{pieces: pieces, star: true}
}

// anyPattern is "*". Compiled patterns are never modified, so documents share it.
var anyPattern = pattern{pieces: []piece{textPiece(""), textPiece("")}, star: true}

// globMatch reports whether s matches the policy text pat without compiling pat
// onto the heap: for patterns built at evaluation time from policy variables.
func globMatch(pat, s string) bool {
	var buf [4]piece
	pieces, star := splitPieces(pat, buf[:0])
	return matchPieces(pieces, star, s, nil)
}

// failureTable returns the Knuth-Morris-Pratt failure function of s: fail[i] is
// the length of the longest proper prefix of s[:i+1] that is also its suffix.
func failureTable(s string) []int { return failureTableIn(s, nil) }

// failureTableIn is failureTable with the table cut from ints.
func failureTableIn(s string, ints *slab[int]) []int {
	if len(s) == 0 {
		return nil
	}
	fail := take(ints, len(s))
	k := 0
	for i := 1; i < len(s); i++ {
		for k > 0 && s[i] != s[k] {
			k = fail[k-1]
		}
		if s[i] == s[k] {
			k++
		}
		fail[i] = k
	}
	return fail
}

// counter counts the elementary steps of a match, so that tests can check the
// work done on adversarial patterns instead of timing it. A nil counter counts nothing.
type counter struct{ n int }

func (c *counter) step() {
	if c != nil {
		c.n++
	}
}

// match reports whether s matches the pattern.
func (p *pattern) match(s string) bool { return p.matchCounted(s, nil) }

func (p *pattern) matchCounted(s string, c *counter) bool {
	return matchPieces(p.pieces, p.star, s, c)
}

func matchPieces(pieces []piece, star bool, s string, c *counter) bool {
	if len(pieces) == 0 {
		return s == ""
	}
	first := &pieces[0]
	if !star {
		end, ok := first.matchAt(s, 0, len(s), c)
		return ok && end == len(s)
	}
	lo, ok := first.matchAt(s, 0, len(s), c)
	if !ok {
		return false
	}
	last := &pieces[len(pieces)-1]
	hi, ok := last.matchEnd(s, lo, c)
	if !ok {
		return false
	}
	for i := 1; i < len(pieces)-1; i++ {
		end, ok := pieces[i].find(s, lo, hi, c)
		if !ok {
			return false
		}
		lo = end
	}
	return true
}

// matchAt matches the piece against s starting at byte i, not reading past
// limit, and returns where the match ends.
func (p *piece) matchAt(s string, i, limit int, c *counter) (int, bool) {
	if !p.wild && c == nil {
		end := i + len(p.text)
		if end <= limit && s[i:end] == p.text {
			return end, true
		}
		return 0, false
	}
	for j := 0; j < len(p.text); j++ {
		c.step()
		if i >= limit {
			return 0, false
		}
		if p.wildAt(j) {
			_, w := utf8.DecodeRuneInString(s[i:limit])
			i += w
			continue
		}
		if s[i] != p.text[j] {
			return 0, false
		}
		i++
	}
	return i, true
}

// matchEnd matches the piece against the end of s, not reading before floor, and
// returns where the match starts.
func (p *piece) matchEnd(s string, floor int, c *counter) (int, bool) {
	if !p.wild && c == nil {
		start := len(s) - len(p.text)
		if start >= floor && s[start:] == p.text {
			return start, true
		}
		return 0, false
	}
	i := len(s)
	for j := len(p.text) - 1; j >= 0; j-- {
		c.step()
		if i <= floor {
			return 0, false
		}
		if p.wildAt(j) {
			_, w := utf8.DecodeLastRuneInString(s[floor:i])
			i -= w
			continue
		}
		if s[i-1] != p.text[j] {
			return 0, false
		}
		i--
	}
	return i, true
}

// find returns the end of the leftmost match of the piece within s[lo:hi].
func (p *piece) find(s string, lo, hi int, c *counter) (int, bool) {
	if len(p.text) == 0 {
		return lo, true
	}
	if !p.hasWild() {
		fail := p.failTable()
		if fail == nil && len(p.text) > 1 {
			fail = failureTable(p.text) // a piece of a pattern built at evaluation time
		}
		// Knuth-Morris-Pratt: each step either advances i or shrinks k, so the
		// loop takes at most 2·(hi-lo) steps.
		k := 0
		for i := lo; i < hi; {
			c.step()
			if s[i] == p.text[k] {
				i++
				k++
				if k == len(p.text) {
					return i, true
				}
			} else if k > 0 {
				k = fail[k-1]
			} else {
				i++
			}
		}
		return 0, false
	}
	for start := lo; start < hi; {
		if end, ok := p.matchAt(s, start, hi, c); ok {
			return end, true
		}
		_, w := utf8.DecodeRuneInString(s[start:hi])
		start += w
	}
	return 0, false
}

// isLiteral reports whether the pattern has no wildcards, so it matches exactly one string.
func (p *pattern) isLiteral() bool {
	return !p.star && len(p.pieces) == 1 && !p.pieces[0].hasWild()
}

// hasWildcard reports whether s holds "*" or "?".
func hasWildcard(s string) bool {
	return strings.IndexByte(s, '*') >= 0 || strings.IndexByte(s, '?') >= 0
}

// lowerASCII lower-cases ASCII letters only: IAM compares action names and
// condition keys case-insensitively, and both are ASCII.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
