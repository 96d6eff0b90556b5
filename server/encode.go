package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"
)

// jsonAppender is a wire output that writes its own JSON, to the byte what encoding/json
// writes for it with HTML escaping off, without encoding/json's reflection. The answers
// of the operations that are called most implement it; writeJSON encodes the others with
// encoding/json. TestW1_AppendJSONMatchesEncodingJSON and FuzzAppendJSON compare the two.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// bodyBuffers recycles response bodies: a listing of five 5 KiB documents is 30 KiB.
var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody is the largest buffer put back in bodyBuffers, so that one large
// answer does not keep its memory for good.
const maxPooledBody = 64 << 10

// writeJSON writes a 200-class JSON response with its length.
func writeJSON(w http.ResponseWriter, status int, v any) {
	bp := bodyBuffers.Get().(*[]byte)
	body := (*bp)[:0]
	if a, ok := v.(jsonAppender); ok {
		body = append(a.appendJSON(body), '\n') // as json.Encoder ends a value
	} else {
		buf := bytes.NewBuffer(body)
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v) // the wire structs always encode
		body = buf.Bytes()
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if cap(body) <= maxPooledBody {
		*bp = body
		bodyBuffers.Put(bp)
	}
}

// plainASCII tells the bytes a JSON string holds as they are: ASCII but for '"', '\\'
// and the control characters.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a JSON string, escaped as encoding/json escapes it with
// HTML escaping off: '"', '\\' and control characters, invalid UTF-8 as U+FFFD, and
// U+2028 and U+2029, which JavaScript does not allow in a string literal.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0 // s[start:i] is still to be copied
	for i := 0; i < len(s); {
		c := s[i]
		if plainASCII[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}
