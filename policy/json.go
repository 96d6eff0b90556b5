package policy

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader for policy documents. encoding/json would forget the order
// of object members (diagnostics follow the document's order) and would quietly
// keep the last of two members with the same name; this reader keeps every member
// in order (so the parser can report duplicates), bounds nesting, refuses invalid
// UTF-8, and runs in one pass over the input, so reading a document is linear in
// its size whatever it holds (rule V-12).
//
// It reads the document into a tape: one flat slice of nodes in document order,
// each value followed by what it holds, strings and numbers as offsets into the
// input. Nodes hold no pointers, so the tape costs the garbage collector nothing
// to scan, and it is recycled between documents; only a string with escapes is
// decoded into a string of its own.

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

func (k jsonKind) String() string {
	switch k {
	case jsonNull:
		return "null"
	case jsonBool:
		return "a boolean"
	case jsonNumber:
		return "a number"
	case jsonString:
		return "a string"
	case jsonArray:
		return "an array"
	default:
		return "an object"
	}
}

// jsonNode is one value on the tape. An object's node is followed by its
// members, each a string node for the name and then the value; an array's by
// its items.
//
// Offsets and counts are 32-bit, which keeps a node at 24 bytes; readJSON
// refuses a document too large for them.
type jsonNode struct {
	kind jsonKind
	// start and end delimit the value's text in the input: a string's without
	// its quotes, a number or literal as written ("5.0", "true").
	start, end int32
	// dec is, for a string with escapes, 1 + the index of its decoded text in
	// jsonTape.decoded; 0 otherwise.
	dec int32
	// n counts an object's members or an array's items.
	n int32
	// next is the index of the first node after the value and all it holds.
	next int32
}

// maxJSONSize is the largest document the tape's offsets can address.
const maxJSONSize = math.MaxInt32

// jsonTape is a parsed document. Node 0 is the document's value.
type jsonTape struct {
	s       string
	nodes   []jsonNode
	decoded []string
}

// kind returns the kind of node i.
func (t *jsonTape) kind(i int) jsonKind { return t.nodes[i].kind }

// text returns a string's decoded text, or the JSON text of a number or literal.
func (t *jsonTape) text(i int) string {
	n := &t.nodes[i]
	if n.dec > 0 {
		return t.decoded[n.dec-1]
	}
	return t.s[n.start:n.end]
}

// count returns the members of an object or the items of an array.
func (t *jsonTape) count(i int) int { return int(t.nodes[i].n) }

// first returns the first member (its name node) or item of container i.
func (t *jsonTape) first(i int) int { return i + 1 }

// after returns the node that follows the value at i and all it holds: the
// next item of an array, or the next member's name node of an object.
func (t *jsonTape) after(i int) int { return int(t.nodes[i].next) }

// maxJSONDepth bounds nesting. A policy needs four levels (document, Condition,
// operator, value array); anything much deeper is not a policy.
const maxJSONDepth = 16

// jsonScratch is the memory of one document's tape, recycled between parses:
// parsing is what the server does for every PutResourcePolicy. A Policy keeps
// nothing of the tape (only strings, which are the input's or their own).
type jsonScratch struct {
	tape jsonTape
}

var jsonScratchPool = sync.Pool{New: func() any { return new(jsonScratch) }}

// maxPooledScratch bounds what goes back to the pool, so that one large document
// read by the CLI does not keep its memory alive.
const maxPooledScratch = 4096

func (s *jsonScratch) release() {
	if cap(s.tape.nodes) > maxPooledScratch {
		return
	}
	s.tape.s = ""
	s.tape.nodes = s.tape.nodes[:0]
	clear(s.tape.decoded)
	s.tape.decoded = s.tape.decoded[:0]
	jsonScratchPool.Put(s)
}

type jsonReader struct {
	s   string
	pos int
	err error
	t   *jsonTape
	// nodes is the tape's nodes while reading, kept here rather than behind t
	// so that appending to it costs no indirection.
	nodes []jsonNode
}

// readJSON parses s as exactly one JSON value onto scratch's tape. The tape is
// valid until scratch is released.
func readJSON(s string, scratch *jsonScratch) (*jsonTape, error) {
	t := &scratch.tape
	t.s, t.nodes, t.decoded = s, t.nodes[:0], t.decoded[:0]
	if cap(t.nodes) == 0 {
		// About one node per 12 bytes of a typical policy.
		t.nodes = make([]jsonNode, 0, min(len(s)/12+16, maxPooledScratch))
	}
	if len(s) > maxJSONSize {
		return nil, errors.New("too large to read (more than " + strconv.Itoa(maxJSONSize) + " bytes)")
	}
	r := &jsonReader{s: s, t: t, nodes: t.nodes}
	r.space()
	r.value(0)
	if r.err == nil {
		r.space()
		if r.pos < len(r.s) {
			r.fail("unexpected %s after the end of the JSON value", r.describe())
		}
	}
	t.nodes = r.nodes
	if r.err != nil {
		return nil, r.err
	}
	return t, nil
}

func (r *jsonReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("not valid JSON: "+format+" at byte %d", append(args, r.pos)...)
	}
}

func (r *jsonReader) describe() string {
	if r.pos >= len(r.s) {
		return "end of input"
	}
	c, _ := utf8.DecodeRuneInString(r.s[r.pos:])
	return strconv.QuoteRune(c)
}

func (r *jsonReader) space() {
	for r.pos < len(r.s) {
		// Every JSON space is at most ' ': one comparison settles the usual
		// case, a byte that is not one.
		switch c := r.s[r.pos]; {
		case c > ' ':
			return
		case c == ' ', c == '\t', c == '\n', c == '\r':
			r.pos++
		default:
			return
		}
	}
}

// push appends a node for a value without children and returns its index.
func (r *jsonReader) push(kind jsonKind, start, end int) int {
	i := len(r.nodes)
	r.nodes = append(r.nodes, jsonNode{kind: kind, start: int32(start), end: int32(end), next: int32(i + 1)})
	return i
}

func (r *jsonReader) value(depth int) {
	if depth > maxJSONDepth {
		r.fail("nesting deeper than %d levels", maxJSONDepth)
		return
	}
	if r.pos >= len(r.s) {
		r.fail("unexpected end of input")
		return
	}
	switch c := r.s[r.pos]; {
	case c == '{':
		r.object(depth)
	case c == '[':
		r.array(depth)
	case c == '"':
		r.str()
	case c == 't':
		r.word("true", jsonBool)
	case c == 'f':
		r.word("false", jsonBool)
	case c == 'n':
		r.word("null", jsonNull)
	case c == '-' || ('0' <= c && c <= '9'):
		r.number()
	default:
		r.fail("unexpected %s", r.describe())
	}
}

func (r *jsonReader) word(w string, kind jsonKind) {
	if len(r.s)-r.pos >= len(w) && r.s[r.pos:r.pos+len(w)] == w {
		r.push(kind, r.pos, r.pos+len(w))
		r.pos += len(w)
		return
	}
	r.fail("unexpected %s", r.describe())
}

func (r *jsonReader) number() {
	if n := scanNumber(r.s[r.pos:]); n > 0 {
		r.push(jsonNumber, r.pos, r.pos+n)
		r.pos += n
		return
	}
	r.fail("malformed number")
}

// scanNumber returns the length of the JSON number at the start of s (RFC 8259
// section 6), or 0 when s does not start with one.
func scanNumber(s string) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return 0
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return 0
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return 0
		}
	}
	return i
}

// strSpecial marks the bytes a string's fast path must look at: the closing
// quote, the escape, control characters and the bytes of non-ASCII sequences.
var strSpecial = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

// firstSpecial returns the position (0 to 7, the first byte being the least
// significant) of the first of the eight bytes of x that is special for
// strSpecial: a byte of 0x80 or more, one below 0x20, a quote or a backslash;
// 8 when there is none. It uses the tests for a zero byte and for a byte below
// n of "Bit Twiddling Hacks": a borrow only ever runs upwards from a byte the
// test marks, so the lowest byte marked is exactly the first special one.
func firstSpecial(x uint64) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	marks := (x |
		(x-ones*0x20)&^x |
		(quote-ones)&^quote |
		(backslash-ones)&^backslash) & highs
	return bits.TrailingZeros64(marks) >> 3 // 64 >> 3 == 8 when nothing is marked
}

// str reads a string onto the tape. It pushes no node when the string is
// malformed (the reader has then failed).
func (r *jsonReader) str() {
	s := r.s
	start := r.pos + 1 // after the opening quote
	i := scanPlain(s, start)
	if i < len(s) && s[i] == '"' {
		// ASCII without escapes, the usual string: a slice of the input.
		r.pos = i + 1
		r.push(jsonString, start, i)
		return
	}
	r.pos = start
	r.strGeneral(start)
}

// scanPlain returns the position of the first byte of s from i on that is
// special for strSpecial, or len(s). It reads eight bytes at a time up to the
// first special one, then byte by byte near the end of the input. Slicing the
// eight bytes first leaves one bounds check instead of eight, and the compiler
// reads them as one load.
func scanPlain(s string, i int) int {
	for i+8 <= len(s) {
		b := s[i : i+8]
		k := firstSpecial(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
		i += k
		if k < 8 {
			return i
		}
	}
	for i < len(s) && !strSpecial[s[i]] {
		i++
	}
	return i
}

// strGeneral reads the string whose first byte is at start (r.pos) when it
// is not plain ASCII: it may hold non-ASCII text, escapes or a control
// character, or be unterminated.
func (r *jsonReader) strGeneral(start int) {
	// Without escapes the string is still a slice of the input. ASCII needs
	// no UTF-8 check; the first byte that is not sends the rest of the
	// string through one.
	ascii := true
	for s := r.s; r.pos < len(s); {
		i := scanPlain(s, r.pos)
		r.pos = i
		if i == len(s) {
			break
		}
		c := s[i]
		if c == '"' {
			end := r.pos
			r.pos++
			if !ascii && !utf8.ValidString(r.s[start:end]) {
				r.fail("string is not valid UTF-8")
				return
			}
			r.push(jsonString, start, end)
			return
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			r.fail("control character in string")
			return
		}
		ascii = false // the only special bytes left are those of non-ASCII sequences
		r.pos++
	}
	buf := []byte(r.s[start:r.pos])
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		switch {
		case c == '"':
			r.pos++
			if !utf8.Valid(buf) {
				r.fail("string is not valid UTF-8")
				return
			}
			i := r.push(jsonString, start, r.pos-1)
			r.t.decoded = append(r.t.decoded, string(buf))
			r.nodes[i].dec = int32(len(r.t.decoded))
			return
		case c < 0x20:
			r.fail("control character in string")
			return
		case c != '\\':
			buf = append(buf, c)
			r.pos++
			continue
		}
		r.pos++
		if r.pos >= len(r.s) {
			break
		}
		e := r.s[r.pos]
		r.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			u, ok := r.hex4()
			if !ok {
				return
			}
			rn := rune(u)
			if utf16.IsSurrogate(rn) {
				// A high surrogate must be followed by \u and a low one; a lone
				// surrogate becomes U+FFFD, as encoding/json decodes it.
				rn = utf8.RuneError
				if len(r.s)-r.pos >= 6 && r.s[r.pos] == '\\' && r.s[r.pos+1] == 'u' {
					save := r.pos
					r.pos += 2
					if lo, ok := r.hex4(); ok {
						if d := utf16.DecodeRune(rune(u), rune(lo)); d != utf8.RuneError {
							rn = d
						} else {
							r.pos = save
						}
					} else {
						return
					}
				}
			}
			buf = utf8.AppendRune(buf, rn)
		default:
			r.pos--
			r.fail("invalid escape \\%c in string", e)
			return
		}
	}
	r.fail("unterminated string")
}

func (r *jsonReader) hex4() (uint16, bool) {
	if len(r.s)-r.pos < 4 {
		r.fail("invalid \\u escape")
		return 0, false
	}
	var v uint16
	for _, c := range []byte(r.s[r.pos : r.pos+4]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			r.fail("invalid \\u escape")
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	r.pos += 4
	return v, true
}

// next reads the separator after an item of an array or a member of an object
// (what names it in messages): it reports true after a ',' and false after
// closing, or after failing on anything else.
func (r *jsonReader) next(closing byte, what string) bool {
	r.space()
	switch {
	case r.pos >= len(r.s):
		r.fail("unterminated %s", what)
	case r.s[r.pos] == ',':
		r.pos++
		return true
	case r.s[r.pos] == closing:
		r.pos++
	default:
		r.fail("expected ',' or '%c' but found %s", closing, r.describe())
	}
	return false
}

func (r *jsonReader) array(depth int) {
	r.pos++
	at := r.push(jsonArray, 0, 0)
	r.space()
	if r.pos < len(r.s) && r.s[r.pos] == ']' {
		r.pos++
		return
	}
	n := 0
	for r.err == nil {
		r.space()
		r.value(depth + 1)
		n++
		if !r.next(']', "array") {
			break
		}
	}
	r.nodes[at].n = int32(n)
	r.nodes[at].next = int32(len(r.nodes))
}

func (r *jsonReader) object(depth int) {
	r.pos++
	at := r.push(jsonObject, 0, 0)
	r.space()
	if r.pos < len(r.s) && r.s[r.pos] == '}' {
		r.pos++
		return
	}
	n := 0
	for r.err == nil {
		r.space()
		if r.pos >= len(r.s) || r.s[r.pos] != '"' {
			r.fail("expected a member name but found %s", r.describe())
			break
		}
		r.str()
		if r.err != nil {
			break
		}
		r.space()
		if r.pos >= len(r.s) || r.s[r.pos] != ':' {
			r.fail("expected ':' but found %s", r.describe())
			break
		}
		r.pos++
		r.space()
		r.value(depth + 1)
		if r.err != nil {
			break
		}
		n++
		if !r.next('}', "object") {
			break
		}
	}
	r.nodes[at].n = int32(n)
	r.nodes[at].next = int32(len(r.nodes))
}
