package operations

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xraylocal/xraylocal"
)

// depthMargin is how much deeper than the model's deepest input JSON may nest, for
// unknown members (W-2), before Check refuses it. maxDepth bounds both the recursion
// and the work per byte, so hostile nesting costs neither stack nor more than linear time.
const (
	depthMargin = 32
	maxDepth    = maxModelDepth + depthMargin
)

// Check checks a request body for the operation: W-2 (JSON and JSON types, against the
// input shape) and then W-7 (the model's constraints). It returns nil when the body
// passes, a *xraylocal.Error with code SerializationException when the body is not a JSON
// object of the input shape's JSON types, and one with code InvalidRequestException when a
// constraint fails. Either message names the member path. Check never panics, whatever
// the body; it does not enforce MaxBodyBytes, which the caller does before reading.
func (op *Operation) Check(body []byte) error {
	var in *Shape
	if op != nil {
		in = op.Input
	}
	if err := check(in, body); err != nil {
		return err
	}
	return nil
}

// CheckMembers is Check that also returns, for each member of the input structure, the
// raw JSON the body gives it: the value of its last occurrence, indexed like
// op.Input.Members, nil when the member is absent or null. The values are slices of
// body, delimited by the same pass that checks them. members is nil when err is not.
func (op *Operation) CheckMembers(body []byte) (members [][]byte, err error) {
	var in *Shape
	if op != nil {
		in = op.Input
	}
	c := checker{data: body}
	if in != nil {
		c.members = make([][]byte, len(in.Members))
	}
	if err := c.check(in); err != nil {
		return nil, err
	}
	return c.members, nil
}

// check is Check returning the concrete error type (nil when the body passes).
func check(in *Shape, body []byte) *xraylocal.Error {
	c := checker{data: body}
	return c.check(in)
}

func (c *checker) check(in *Shape) *xraylocal.Error {
	if in == nil {
		in = emptyStructure
	}
	return c.run(in)
}

var emptyStructure = &Shape{Name: "Empty", Type: TypeStructure}

// segKind is the kind of one step of a member path.
type segKind uint8

const (
	segMember segKind = iota // a structure member: .Name
	segIndex                 // a list item: [i]
	segKey                   // a map value: ["key"]
)

// seg is one step of the path to the value being checked. A map key is kept as the
// offsets of its JSON string in the body, so that walking a map allocates nothing;
// it is decoded only to write an error message.
type seg struct {
	kind       segKind
	name       string
	index      int
	start, end int
}

// checker is one pass over a body. It stops at the first serialization error and
// remembers the first constraint error, which it reports only when the whole body turns
// out to be well-formed.
type checker struct {
	data []byte
	pos  int
	// path holds the first npath steps to the value being checked: an array, not a
	// slice, so that the checker stays on the stack. Only model members, items and map
	// values are steps, so npath never exceeds maxModelDepth.
	path  [maxModelDepth]seg
	npath int
	buf   []byte // scratch for strings with escapes
	// members, when not nil, receives the raw value of each member of the top-level
	// structure (see CheckMembers).
	members [][]byte
	first   *xraylocal.Error
	// syntax is set when the serialization error is one of JSON syntax (tests use it to
	// compare this scanner with encoding/json's).
	syntax bool
}

func (c *checker) push(s seg) {
	if c.npath < len(c.path) {
		c.path[c.npath] = s
	}
	c.npath++
}

func (c *checker) pop() { c.npath-- }

func (c *checker) run(in *Shape) *xraylocal.Error {
	c.skipWS()
	if c.pos == len(c.data) {
		// W-2: an empty body is {}.
		c.checkStructure(in, 0)
		return c.first
	}
	if c.data[c.pos] != '{' {
		if got := jsonKind(c.data[c.pos]); got != "" {
			return c.serialization("the request body must be a JSON object, got %s", got)
		}
		return c.syntaxError("invalid character %s at the start of the body", quoteChar(c.data[c.pos]))
	}
	if err := c.value(in, 1); err != nil {
		return err
	}
	c.skipWS()
	if c.pos != len(c.data) {
		return c.syntaxError("unexpected data after the JSON object at offset %d", c.pos)
	}
	return c.first
}

// value checks the JSON value at c.pos against s. depth is the nesting depth of the value
// if it is an object or array; the top-level object is at depth 1.
func (c *checker) value(s *Shape, depth int) *xraylocal.Error {
	if c.pos >= len(c.data) {
		return c.syntaxError("unexpected end of JSON input")
	}
	b := c.data[c.pos]
	switch s.Type {
	case TypeStructure:
		if b != '{' {
			return c.typeError(s)
		}
		return c.object(s, depth)
	case TypeMap:
		if b != '{' {
			return c.typeError(s)
		}
		return c.object(s, depth)
	case TypeList:
		if b != '[' {
			return c.typeError(s)
		}
		return c.list(s, depth)
	case TypeString:
		if b != '"' {
			return c.typeError(s)
		}
		needValue := c.first == nil && (s.HasMin || s.HasMax || s.re != nil || len(s.Enum) > 0)
		str, err := c.str(needValue)
		if err != nil {
			return err
		}
		if needValue {
			c.checkString(s, str, false)
		}
		return nil
	case TypeBlob:
		if b != '"' {
			return c.typeError(s)
		}
		str, err := c.str(true)
		if err != nil {
			return err
		}
		if _, err := base64.StdEncoding.DecodeString(string(str)); err != nil {
			return c.serialization("%s: expected a base64-encoded string: %v", c.pathString(), err)
		}
		return nil
	case TypeBoolean:
		switch b {
		case 't':
			return c.literal("true")
		case 'f':
			return c.literal("false")
		}
		return c.typeError(s)
	case TypeInteger, TypeLong:
		if b != '-' && (b < '0' || b > '9') {
			return c.typeError(s)
		}
		text, isInt, err := c.number()
		if err != nil {
			return err
		}
		if !isInt {
			return c.serialization("%s: expected %s, got %s", c.pathString(), expected(s), cut(text))
		}
		bits := 32
		if s.Type == TypeLong {
			bits = 64
		}
		v, perr := strconv.ParseInt(string(text), 10, bits)
		if perr != nil {
			return c.serialization("%s: %s is out of range for %s", c.pathString(), cut(text), expected(s))
		}
		c.checkRange(s, float64(v), text)
		return nil
	case TypeFloat, TypeDouble:
		bits := 64
		if s.Type == TypeFloat {
			bits = 32
		}
		if b == '"' {
			// restJson1 sends the three non-finite values as strings.
			str, err := c.str(true)
			if err != nil {
				return err
			}
			var v float64
			switch string(str) {
			case "NaN":
				v = math.NaN()
			case "Infinity":
				v = math.Inf(1)
			case "-Infinity":
				v = math.Inf(-1)
			default:
				return c.serialization("%s: expected %s, got a string", c.pathString(), expected(s))
			}
			c.checkRange(s, v, str)
			return nil
		}
		if b != '-' && (b < '0' || b > '9') {
			return c.typeError(s)
		}
		text, _, err := c.number()
		if err != nil {
			return err
		}
		v, perr := strconv.ParseFloat(string(text), bits)
		if perr != nil {
			return c.serialization("%s: %s is out of range for %s", c.pathString(), cut(text), expected(s))
		}
		c.checkRange(s, v, text)
		return nil
	case TypeTimestamp:
		if b != '-' && (b < '0' || b > '9') {
			return c.typeError(s)
		}
		text, _, err := c.number()
		if err != nil {
			return err
		}
		if _, perr := strconv.ParseFloat(string(text), 64); perr != nil {
			return c.serialization("%s: %s is out of range for a timestamp", c.pathString(), cut(text))
		}
		return nil
	}
	return c.serialization("%s: the model's type %s is not supported", c.pathString(), s.Type)
}

// object checks a JSON object (at c.pos, '{') as a structure or a map.
func (c *checker) object(s *Shape, depth int) *xraylocal.Error {
	if depth > maxDepth {
		return c.serialization("the request body is nested more than %d levels deep", maxDepth)
	}
	c.pos++
	var present uint64 // structure members set, by index
	entries := 0       // map entries
	c.skipWS()
	if c.pos < len(c.data) && c.data[c.pos] == '}' {
		c.pos++
	} else {
		for {
			c.skipWS()
			if c.pos >= len(c.data) || c.data[c.pos] != '"' {
				return c.unexpected("a member name")
			}
			keyStart := c.pos
			key, err := c.str(true)
			if err != nil {
				return err
			}
			keyEnd := c.pos
			c.skipWS()
			if c.pos >= len(c.data) || c.data[c.pos] != ':' {
				return c.unexpected("':'")
			}
			c.pos++
			c.skipWS()
			if s.Type == TypeMap {
				entries++
				if c.first == nil {
					c.checkString(s.Key, key, true)
				}
				c.push(seg{kind: segKey, start: keyStart, end: keyEnd})
				err = c.value(s.Value, depth+1)
				c.pop()
			} else if i := memberIndex(s, key); i < 0 {
				err = c.skip(depth + 1) // W-2: unknown members are ignored.
			} else {
				m := &s.Members[i]
				c.push(seg{kind: segMember, name: m.Name})
				start := c.pos
				if c.pos < len(c.data) && c.data[c.pos] == 'n' {
					// null is an absent member; the last occurrence of a name decides.
					err = c.literal("null")
					present &^= 1 << i
				} else {
					err = c.value(m.Shape, depth+1)
					present |= 1 << i
				}
				if depth == 1 && c.members != nil {
					c.members[i] = nil
					if present&(1<<i) != 0 {
						c.members[i] = c.data[start:c.pos]
					}
				}
				c.pop()
			}
			if err != nil {
				return err
			}
			more, err := c.next('}')
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
	}
	if s.Type == TypeMap {
		c.checkCount(s, entries, "entry", "entries")
	} else {
		c.checkStructure(s, present)
	}
	return nil
}

// memberIndex returns the index of the member named key, or -1. Names match exactly:
// JSON member names are case-sensitive.
func memberIndex(s *Shape, key []byte) int {
	for i := range s.Members {
		if s.Members[i].Name == string(key) {
			return i
		}
	}
	return -1
}

// checkStructure checks the required members and a union's one member, given the set of
// members present.
func (c *checker) checkStructure(s *Shape, present uint64) {
	if c.first != nil {
		return
	}
	for i := range s.Members {
		if m := &s.Members[i]; m.Required && present&(1<<i) == 0 {
			c.push(seg{kind: segMember, name: m.Name})
			c.constraint("required member is missing")
			c.pop()
			return
		}
	}
	if s.Union {
		n := 0
		for i := range s.Members {
			if present&(1<<i) != 0 {
				n++
			}
		}
		if n != 1 {
			names := make([]string, len(s.Members))
			for i := range s.Members {
				names[i] = s.Members[i].Name
			}
			c.constraint("must set exactly one of the members %s, got %d", strings.Join(names, ", "), n)
		}
	}
}

// list checks a JSON array (at c.pos, '[').
func (c *checker) list(s *Shape, depth int) *xraylocal.Error {
	if depth > maxDepth {
		return c.serialization("the request body is nested more than %d levels deep", maxDepth)
	}
	c.pos++
	n := 0
	c.skipWS()
	if c.pos < len(c.data) && c.data[c.pos] == ']' {
		c.pos++
	} else {
		for {
			c.skipWS()
			c.push(seg{kind: segIndex, index: n})
			err := c.value(s.Elem, depth+1)
			c.pop()
			if err != nil {
				return err
			}
			n++
			more, err := c.next(']')
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
	}
	c.checkCount(s, n, "item", "items")
	return nil
}

// skip checks that the JSON value at c.pos is well-formed, without a shape.
func (c *checker) skip(depth int) *xraylocal.Error {
	if c.pos >= len(c.data) {
		return c.syntaxError("unexpected end of JSON input")
	}
	switch b := c.data[c.pos]; {
	case b == '{' || b == '[':
		if depth > maxDepth {
			return c.serialization("the request body is nested more than %d levels deep", maxDepth)
		}
		closing := byte('}')
		if b == '[' {
			closing = ']'
		}
		c.pos++
		c.skipWS()
		if c.pos < len(c.data) && c.data[c.pos] == closing {
			c.pos++
			return nil
		}
		for {
			c.skipWS()
			if b == '{' {
				if c.pos >= len(c.data) || c.data[c.pos] != '"' {
					return c.unexpected("a member name")
				}
				if _, err := c.str(false); err != nil {
					return err
				}
				c.skipWS()
				if c.pos >= len(c.data) || c.data[c.pos] != ':' {
					return c.unexpected("':'")
				}
				c.pos++
				c.skipWS()
			}
			if err := c.skip(depth + 1); err != nil {
				return err
			}
			if more, err := c.next(closing); err != nil || !more {
				return err
			}
		}
	case b == '"':
		_, err := c.str(false)
		return err
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	case b == '-' || (b >= '0' && b <= '9'):
		_, _, err := c.number()
		return err
	}
	return c.unexpected("a JSON value")
}

func (c *checker) skipWS() {
	for c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

// literal consumes the JSON literal word (true, false or null) at c.pos.
func (c *checker) literal(word string) *xraylocal.Error {
	if len(c.data)-c.pos < len(word) || string(c.data[c.pos:c.pos+len(word)]) != word {
		return c.unexpected("a JSON value")
	}
	c.pos += len(word)
	return nil
}

// number consumes a JSON number at c.pos and returns its text and whether it is an
// integer literal (no fraction, no exponent). What follows it is the caller's to check.
func (c *checker) number() (text []byte, isInt bool, err *xraylocal.Error) {
	d := c.data
	i := c.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		c.pos = i
		return nil, false, c.unexpected("a digit")
	}
	isInt = true
	if i < len(d) && d[i] == '.' {
		isInt = false
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			c.pos = i
			return nil, false, c.unexpected("a digit")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isInt = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			c.pos = i
			return nil, false, c.unexpected("a digit")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	text = d[c.pos:i]
	c.pos = i
	return text, isInt, nil
}

// str consumes the JSON string at c.pos ('"'). With decode it returns the string's value
// (a slice of the body, or of c.buf when the string has escapes, valid until the next
// call); without, it only checks the string. Invalid UTF-8 is a serialization error:
// encoding/json would quietly replace it.
func (c *checker) str(decode bool) ([]byte, *xraylocal.Error) {
	d := c.data
	start := c.pos + 1
	i := start
	ascii := true
	escaped := false
	for {
		// Skip 8 bytes at a time while none of them is '"', '\\', a control character
		// or non-ASCII; this loop is most of the time Check takes on a PolicyDocument.
		for i+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[i:])
			q := x ^ (lsb * '"')
			bs := x ^ (lsb * '\\')
			if ((x-lsb*0x20)&^x|(q-lsb)&^q|(bs-lsb)&^bs|x)&msb != 0 {
				break
			}
			i += 8
		}
		if i >= len(d) {
			c.pos = i
			return nil, c.syntaxError("unexpected end of JSON input in a string")
		}
		b := d[i]
		if b == '"' {
			break
		}
		if b < 0x20 {
			c.pos = i
			return nil, c.syntaxError("invalid control character %s in a string", quoteChar(b))
		}
		if b >= utf8.RuneSelf {
			ascii = false
		}
		if b == '\\' {
			escaped = true
			i++
			if i >= len(d) {
				c.pos = i
				return nil, c.syntaxError("unexpected end of JSON input in a string")
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(d)-i < 5 || !isHex4(d[i+1:i+5]) {
					c.pos = i
					return nil, c.syntaxError("invalid \\u escape in a string")
				}
				i += 4
			default:
				c.pos = i
				return nil, c.syntaxError("invalid escape %s in a string", quoteChar(d[i]))
			}
		}
		i++
	}
	raw := d[start:i]
	c.pos = i + 1
	if !ascii && !utf8.Valid(raw) {
		return nil, c.serialization("%s: a string is not valid UTF-8", c.pathString())
	}
	if !decode || !escaped {
		return raw, nil
	}
	c.buf = unescape(c.buf[:0], raw)
	return c.buf, nil
}

// UnquoteString returns the value of data, one JSON string with its quotes, as
// encoding/json decodes it, with the scanner Check uses. It reports false when data is
// not exactly one JSON string, or holds invalid UTF-8 (which Check refuses).
func UnquoteString(data []byte) (string, bool) {
	if len(data) == 0 || data[0] != '"' {
		return "", false
	}
	c := checker{data: data}
	raw, err := c.str(false)
	switch {
	case err != nil || c.pos != len(data):
		return "", false
	case len(raw) == len(data)-2 && bytes.IndexByte(raw, '\\') < 0:
		return string(raw), true
	}
	return string(unescape(make([]byte, 0, len(raw)), raw)), true
}

// lsb and msb have the lowest and highest bit of every byte of a uint64 set, for
// testing 8 bytes at once: (x-lsb*n)&^x&msb is non-zero when a byte of x is below n (n <= 0x80).
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func isHex4(b []byte) bool {
	for _, x := range b[:4] {
		if !('0' <= x && x <= '9' || 'a' <= x && x <= 'f' || 'A' <= x && x <= 'F') {
			return false
		}
	}
	return true
}

func hex4(b []byte) rune {
	var r rune
	for _, x := range b[:4] {
		switch {
		case '0' <= x && x <= '9':
			x -= '0'
		case 'a' <= x && x <= 'f':
			x -= 'a' - 10
		default:
			x -= 'A' - 10
		}
		r = r<<4 | rune(x)
	}
	return r
}

// unescape appends the value of the raw contents of a JSON string, already checked by
// str, to dst. Lone surrogates become U+FFFD, as encoding/json decodes them.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		b := raw[i]
		if b != '\\' {
			dst = append(dst, b)
			i++
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+1:])
			i += 4
			if 0xD800 <= r && r < 0xDC00 && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if r2 := hex4(raw[i+3:]); 0xDC00 <= r2 && r2 < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					i += 6
				}
			}
			if 0xD800 <= r && r < 0xE000 {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, raw[i])
		}
		i++
	}
	return dst
}

// checkString records the first failed constraint of a string value; isKey says it is
// a map's key rather than a value.
func (c *checker) checkString(s *Shape, str []byte, isKey bool) {
	if c.first != nil {
		return
	}
	if isKey {
		defer func() {
			if c.first != nil {
				// Name the key, which the path does not hold.
				path := c.pathString()
				c.first.Message = path + ": key " + truncate(string(str)) + ":" + strings.TrimPrefix(c.first.Message, path+":")
			}
		}()
	}
	if s.HasMin || s.HasMax {
		n := utf8.RuneCount(str)
		if s.HasMin && float64(n) < s.Min {
			c.constraint("must be at least %s, got %d", plural(s.Min, "character", "characters"), n)
			return
		}
		if s.HasMax && float64(n) > s.Max {
			c.constraint("must be at most %s, got %d", plural(s.Max, "character", "characters"), n)
			return
		}
	}
	if s.re != nil && !s.matchPattern(str) {
		c.constraint("%s does not match the pattern %s", truncate(string(str)), s.Pattern)
		return
	}
	if len(s.Enum) > 0 {
		for _, e := range s.Enum {
			if e == string(str) {
				return
			}
		}
		c.constraint("%s is not one of %s", truncate(string(str)), strings.Join(s.Enum, ", "))
	}
}

// checkCount records a list's or map's size outside its bounds.
func (c *checker) checkCount(s *Shape, n int, one, many string) {
	if c.first != nil {
		return
	}
	if s.HasMin && float64(n) < s.Min {
		c.constraint("must have at least %s, got %d", plural(s.Min, one, many), n)
	} else if s.HasMax && float64(n) > s.Max {
		c.constraint("must have at most %s, got %d", plural(s.Max, one, many), n)
	}
}

// checkRange records a number outside its shape's range; NaN is outside every range.
func (c *checker) checkRange(s *Shape, v float64, text []byte) {
	if c.first != nil {
		return
	}
	if s.HasMin && !(v >= s.Min) {
		c.constraint("must be at least %s, got %s", fmtNum(s.Min), cut(text))
	} else if s.HasMax && !(v <= s.Max) {
		c.constraint("must be at most %s, got %s", fmtNum(s.Max), cut(text))
	}
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func plural(n float64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmtNum(n) + " " + many
}

// constraint records a W-7 failure at the current path, unless one is recorded already.
func (c *checker) constraint(format string, args ...any) {
	if c.first == nil {
		c.first = xraylocal.Errorf(xraylocal.InvalidRequestException, "%s: %s", c.pathString(), fmt.Sprintf(format, args...))
	}
}

func (c *checker) serialization(format string, args ...any) *xraylocal.Error {
	return xraylocal.Errorf(xraylocal.SerializationException, format, args...)
}

func (c *checker) syntaxError(format string, args ...any) *xraylocal.Error {
	c.syntax = true
	msg := fmt.Sprintf(format, args...)
	if c.npath > 0 {
		msg += " in " + c.pathString()
	}
	return xraylocal.Errorf(xraylocal.SerializationException, "the request body is not valid JSON: %s", msg)
}

// unexpected is the syntax error for the byte at c.pos when want was expected.
// next reads what follows a member or an item: ',' when more follow, or closing ('}' or
// ']') when the object or array ends.
func (c *checker) next(closing byte) (more bool, err *xraylocal.Error) {
	c.skipWS()
	if c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ',':
			c.pos++
			return true, nil
		case closing:
			c.pos++
			return false, nil
		}
	}
	return false, c.unexpected("',' or '" + string(closing) + "'")
}

func (c *checker) unexpected(want string) *xraylocal.Error {
	if c.pos >= len(c.data) {
		return c.syntaxError("unexpected end of JSON input, expected %s", want)
	}
	return c.syntaxError("invalid character %s at offset %d, expected %s", quoteChar(c.data[c.pos]), c.pos, want)
}

// typeError is the error for a value at c.pos of the wrong JSON type for s.
func (c *checker) typeError(s *Shape) *xraylocal.Error {
	got := jsonKind(c.data[c.pos])
	if got == "" {
		return c.unexpected("a JSON value")
	}
	if got == "null" {
		// A null inside a list or as a map value: the model's lists and maps are dense.
		if err := c.literal("null"); err != nil {
			return err
		}
	}
	return c.serialization("%s: expected %s, got %s", c.pathString(), expected(s), got)
}

// jsonKind names the JSON type of a value starting with b, or "" when no value starts so.
func jsonKind(b byte) string {
	switch {
	case b == '{':
		return "an object"
	case b == '[':
		return "an array"
	case b == '"':
		return "a string"
	case b == 't' || b == 'f':
		return "a boolean"
	case b == 'n':
		return "null"
	case b == '-' || (b >= '0' && b <= '9'):
		return "a number"
	}
	return ""
}

// expected says what JSON a shape's type takes.
func expected(s *Shape) string {
	switch s.Type {
	case TypeStructure, TypeMap:
		return "an object"
	case TypeList:
		return "an array"
	case TypeString:
		return "a string"
	case TypeBlob:
		return "a base64-encoded string"
	case TypeBoolean:
		return "a boolean (true or false)"
	case TypeInteger:
		return "an integer (32-bit)"
	case TypeLong:
		return "an integer (64-bit)"
	case TypeFloat, TypeDouble:
		return "a number"
	case TypeTimestamp:
		return "a timestamp in epoch seconds (a JSON number)"
	}
	return s.Type.String()
}

func quoteChar(b byte) string {
	if b >= 0x20 && b < utf8.RuneSelf {
		return strconv.QuoteRune(rune(b))
	}
	return fmt.Sprintf("0x%02x", b)
}

// truncate quotes s for a message, cut to 64 characters so that a huge value makes no
// huge message.
func truncate(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	n := 0
	for i := range s {
		if n == max {
			return strconv.Quote(s[:i]) + "..."
		}
		n++
	}
	return strconv.Quote(s)
}

// cut returns a number's text for a message, cut to 64 bytes.
func cut(text []byte) string {
	if len(text) > 64 {
		return string(text[:64]) + "..."
	}
	return string(text)
}

// pathString writes the path of the value being checked, e.g. SamplingRule.Attributes["k"]
// or SamplingStatisticsDocuments[2].RuleName; "request body" at the top level.
func (c *checker) pathString() string {
	if c.npath == 0 {
		return "request body"
	}
	var b strings.Builder
	for _, s := range c.path[:min(c.npath, len(c.path))] {
		switch s.kind {
		case segMember:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		case segIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case segKey:
			raw := c.data[s.start+1 : s.end-1]
			b.WriteByte('[')
			b.WriteString(truncate(string(unescape(nil, raw))))
			b.WriteByte(']')
		}
	}
	return b.String()
}
