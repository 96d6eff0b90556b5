package policy

// The JSON reader as it was before the parser read documents into a flat tape:
// it builds a tree of jsonValue. It is kept as the reference the tape reader is
// compared with (FuzzJSONTape) and as the reader of the tree parser
// (parse_oracle_test.go); TestJSONReader reads the tape through it (parseJSON
// below).

import (
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// jsonValue is one parsed JSON value. For strings, text is the decoded string;
// for numbers and booleans it is the JSON text as written ("5.0", "true").
type jsonValue struct {
	kind jsonKind
	text string
	// kids are an object's members, or an array's items (with empty keys): one
	// slice for both keeps a value small, and values are copied a lot.
	kids []jsonMember
}

type jsonMember struct {
	key   string
	value jsonValue
}

type treeReader struct {
	s   string
	pos int
	err error
	*treeScratch
}

// treeScratch is the memory of one document's JSON tree. Members and items of
// the containers being read are collected on the stacks, then copied into
// exactly sized slices cut from the slabs when the container closes. A Policy
// keeps nothing of the tree (only strings, which are the input's or their own),
// so once a document is parsed the memory is reset and reused for the next one.
type treeScratch struct {
	stack []jsonMember
	kids  growSlab[jsonMember]
}

// growSlab hands out slices from one block that is replaced by a block twice as
// large when full; after a few documents one block holds a whole tree.
type growSlab[T any] struct{ buf []T }

func (g *growSlab[T]) take(n int) []T {
	if cap(g.buf)-len(g.buf) < n {
		g.buf = make([]T, 0, max(2*cap(g.buf), 256, n))
	}
	start := len(g.buf)
	g.buf = g.buf[:start+n]
	return g.buf[start : start+n : start+n]
}

func (g *growSlab[T]) reset() {
	clear(g.buf)
	g.buf = g.buf[:0]
}

// parseJSONTree parses s as exactly one JSON value, whose memory comes from scratch.
// The value is valid until scratch is released.
func parseJSONTree(s string, scratch *treeScratch) (jsonValue, error) {
	r := &treeReader{s: s, treeScratch: scratch}
	r.space()
	v := r.value(0)
	if r.err == nil {
		r.space()
		if r.pos < len(r.s) {
			r.fail("unexpected %s after the end of the JSON value", r.describe())
		}
	}
	if r.err != nil {
		return jsonValue{}, r.err
	}
	return v, nil
}

func (r *treeReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("not valid JSON: "+format+" at byte %d", append(args, r.pos)...)
	}
}

func (r *treeReader) describe() string {
	if r.pos >= len(r.s) {
		return "end of input"
	}
	c, _ := utf8.DecodeRuneInString(r.s[r.pos:])
	return strconv.QuoteRune(c)
}

func (r *treeReader) space() {
	for r.pos < len(r.s) {
		switch r.s[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *treeReader) value(depth int) jsonValue {
	if depth > maxJSONDepth {
		r.fail("nesting deeper than %d levels", maxJSONDepth)
		return jsonValue{}
	}
	if r.pos >= len(r.s) {
		r.fail("unexpected end of input")
		return jsonValue{}
	}
	switch c := r.s[r.pos]; {
	case c == '{':
		return r.object(depth)
	case c == '[':
		return r.array(depth)
	case c == '"':
		return jsonValue{kind: jsonString, text: r.str()}
	case c == 't':
		return r.word("true", jsonBool)
	case c == 'f':
		return r.word("false", jsonBool)
	case c == 'n':
		return r.word("null", jsonNull)
	case c == '-' || ('0' <= c && c <= '9'):
		return r.number()
	default:
		r.fail("unexpected %s", r.describe())
		return jsonValue{}
	}
}

func (r *treeReader) word(w string, kind jsonKind) jsonValue {
	if len(r.s)-r.pos >= len(w) && r.s[r.pos:r.pos+len(w)] == w {
		r.pos += len(w)
		return jsonValue{kind: kind, text: w}
	}
	r.fail("unexpected %s", r.describe())
	return jsonValue{}
}

func (r *treeReader) number() jsonValue {
	start := r.pos
	if n := scanNumber(r.s[r.pos:]); n > 0 {
		r.pos += n
		return jsonValue{kind: jsonNumber, text: r.s[start:r.pos]}
	}
	r.fail("malformed number")
	return jsonValue{}
}

func (r *treeReader) str() string {
	r.pos++ // opening quote
	start := r.pos
	// Fast path: no escapes, so the string is a slice of the input.
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		if c == '"' {
			out := r.s[start:r.pos]
			r.pos++
			if !utf8.ValidString(out) {
				r.fail("string is not valid UTF-8")
			}
			return out
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			r.fail("control character in string")
			return ""
		}
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
			}
			return string(buf)
		case c < 0x20:
			r.fail("control character in string")
			return ""
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
				return ""
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
						return ""
					}
				}
			}
			buf = utf8.AppendRune(buf, rn)
		default:
			r.pos--
			r.fail("invalid escape \\%c in string", e)
			return ""
		}
	}
	r.fail("unterminated string")
	return ""
}

func (r *treeReader) hex4() (uint16, bool) {
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

func (r *treeReader) array(depth int) jsonValue {
	r.pos++
	v := jsonValue{kind: jsonArray}
	r.space()
	if r.pos < len(r.s) && r.s[r.pos] == ']' {
		r.pos++
		return v
	}
	start := len(r.stack)
	for r.err == nil {
		r.space()
		item := r.value(depth + 1)
		r.stack = append(r.stack, jsonMember{value: item})
		r.space()
		if r.pos >= len(r.s) {
			r.fail("unterminated array")
			break
		}
		if r.s[r.pos] == ',' {
			r.pos++
			continue
		}
		if r.s[r.pos] == ']' {
			r.pos++
			break
		}
		r.fail("expected ',' or ']' but found %s", r.describe())
	}
	v.kids = r.closeContainer(start)
	return v
}

func (r *treeReader) object(depth int) jsonValue {
	r.pos++
	v := jsonValue{kind: jsonObject}
	r.space()
	if r.pos < len(r.s) && r.s[r.pos] == '}' {
		r.pos++
		return v
	}
	start := len(r.stack)
	for r.err == nil {
		r.space()
		if r.pos >= len(r.s) || r.s[r.pos] != '"' {
			r.fail("expected a member name but found %s", r.describe())
			break
		}
		key := r.str()
		r.space()
		if r.pos >= len(r.s) || r.s[r.pos] != ':' {
			r.fail("expected ':' but found %s", r.describe())
			break
		}
		r.pos++
		r.space()
		val := r.value(depth + 1)
		if r.err != nil {
			break
		}
		r.stack = append(r.stack, jsonMember{key: key, value: val})
		r.space()
		if r.pos >= len(r.s) {
			r.fail("unterminated object")
			break
		}
		if r.s[r.pos] == ',' {
			r.pos++
			continue
		}
		if r.s[r.pos] == '}' {
			r.pos++
			break
		}
		r.fail("expected ',' or '}' but found %s", r.describe())
	}
	v.kids = r.closeContainer(start)
	return v
}

// closeContainer moves the kids a container collected on the stack since start
// into an exactly sized slice.
func (r *treeReader) closeContainer(start int) []jsonMember {
	kids := r.treeScratch.kids.take(len(r.stack) - start)
	copy(kids, r.stack[start:])
	clear(r.stack[start:])
	r.stack = r.stack[:start]
	return kids
}

// parseJSON reads s with the tape reader and returns the tape as a tree, so
// that TestJSONReader checks the reader the parser uses.
func parseJSON(s string, scratch *jsonScratch) (jsonValue, error) {
	t, err := readJSON(s, scratch)
	if err != nil {
		return jsonValue{}, err
	}
	return tapeTree(t, 0), nil
}

// tapeTree returns the value at node i of t as a tree.
func tapeTree(t *jsonTape, i int) jsonValue {
	v := jsonValue{kind: t.kind(i)}
	switch v.kind {
	case jsonArray:
		for k, c := 0, t.first(i); k < t.count(i); k, c = k+1, t.after(c) {
			v.kids = append(v.kids, jsonMember{value: tapeTree(t, c)})
		}
	case jsonObject:
		for k, c := 0, t.first(i); k < t.count(i); k, c = k+1, t.after(c+1) {
			v.kids = append(v.kids, jsonMember{key: t.text(c), value: tapeTree(t, c+1)})
		}
	default:
		v.text = t.text(i)
	}
	return v
}

// FuzzJSONTape compares the tape reader with the tree reader it replaced: the
// same error, at the same byte, for a text either refuses, and the same values
// in the same order for a text both accept. Its seeds are the documents of
// TestParseGolden.
func FuzzJSONTape(f *testing.F) {
	for _, d := range goldenDocuments(f) {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantErr := parseJSONTree(s, new(treeScratch))
		scratch := jsonScratchPool.Get().(*jsonScratch)
		defer scratch.release()
		tape, err := readJSON(s, scratch)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("tape reader error %v, tree reader error %v", err, wantErr)
		}
		if err != nil {
			return
		}
		if got := tapeTree(tape, 0); !reflect.DeepEqual(want, got) {
			t.Fatalf("tape and tree differ (-tree +tape):\n%s", cmp.Diff(want, got, cmp.AllowUnexported(jsonValue{}, jsonMember{})))
		}
		if len(tape.nodes) == 0 || tape.after(0) != len(tape.nodes) {
			t.Fatalf("the value spans nodes 0 to %d of %d", tape.after(0), len(tape.nodes))
		}
	})
}
