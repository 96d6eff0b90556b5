package reliability

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/xraylocal/xraylocal/operations"
)

// validPut is a PutResourcePolicy body that succeeds.
var validPut = mustJSON(putInput("valid", policyDoc("Valid"), ""))

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// randomBodies: random bytes, mutated valid bodies and random JSON tokens, to random
// X-Ray operations, from 8 clients at once.
func randomBodies(h *hostile, rng *rand.Rand) {
	ops := operations.All()
	tokens := []string{"{", "}", "[", "]", `"`, ":", ",", `\`, `\u`, `\ud800`, "0", "-1", "1e999", ".5",
		"true", "null", " ", "\x00", "\xff", `"PolicyName"`, `"PolicyDocument"`, `"PolicyRevisionId"`,
		`"BypassPolicyLockoutCheck"`, `"NextToken"`, `"TraceSegmentDocuments"`, `"a"`, `"*"`}
	const n = 600
	bodies := make([][]byte, n)
	paths := make([]string, n)
	for i := range bodies {
		paths[i] = ops[rng.Intn(len(ops))].Path
		if rng.Intn(3) == 0 {
			paths[i] = []string{"/PutResourcePolicy", "/ListResourcePolicies", "/DeleteResourcePolicy"}[rng.Intn(3)]
		}
		switch rng.Intn(3) {
		case 0:
			b := make([]byte, rng.Intn(2048))
			rng.Read(b)
			bodies[i] = b
		case 1:
			b := bytes.Clone(validPut)
			for range 1 + rng.Intn(4) {
				j := rng.Intn(len(b))
				switch rng.Intn(3) {
				case 0:
					b[j] = byte(rng.Intn(256))
				case 1:
					b = append(b[:j], b[j+1:]...)
				default:
					b = append(b[:j], append([]byte{byte(rng.Intn(256))}, b[j:]...)...)
				}
			}
			bodies[i] = b
		default:
			var b []byte
			for range rng.Intn(40) {
				b = append(b, tokens[rng.Intn(len(tokens))]...)
			}
			bodies[i] = b
		}
	}
	parallel(8, n, func(i int) { h.post("", paths[i], bodies[i]) })
}

// parallel runs f(0..n-1) on workers goroutines.
func parallel(workers, n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// truncatedBodies: every proper prefix of a valid Put is refused, and none is stored.
func truncatedBodies(h *hostile, _ *rand.Rand) {
	const account = "333333333301"
	parallel(8, len(validPut), func(i int) {
		h.refused(account, "/PutResourcePolicy", validPut[:i], "SerializationException", "InvalidRequestException")
	})
	h.empty(account)
	if r := h.post(account, "/PutResourcePolicy", validPut); r.status != http.StatusOK {
		h.t.Errorf("the whole body: %v; want 200 (the prefixes were refused for being prefixes)", r)
	}
}

// invalidStrings: NUL bytes, invalid UTF-8, lone surrogates and non-ASCII in the
// members PolicyName and PolicyRevisionId are refused; in a document, what is accepted is
// stored byte for byte (P-7).
func invalidStrings(h *hostile, _ *rand.Rand) {
	const account = "333333333302"
	doc, _ := json.Marshal(policyDoc("Strings"))
	body := func(name, rev string) []byte {
		b := `{"PolicyName":"` + name + `","PolicyDocument":` + string(doc)
		if rev != "" {
			b += `,"PolicyRevisionId":"` + rev + `"`
		}
		return []byte(b + "}")
	}
	names := []string{"a\x00b", `a\u0000b`, "\x00", "\xff\xfe", "a\xc0\xafb", "\xed\xa0\x80", `\ud800`, `\udc00x`,
		`\ud800\udc00`, "é", "a b", "a/b", "a\nb", `a\nb`, "a\x7f", `a\"b`, `\\`, strings.Repeat("a", 129),
		strings.Repeat("é", 65), "", "name\x00" + strings.Repeat("a", 1000)}
	for _, n := range names {
		h.refused(account, "/PutResourcePolicy", body(n, ""), "SerializationException", "InvalidRequestException")
		h.refused(account, "/DeleteResourcePolicy", []byte(`{"PolicyName":"`+n+`"}`), "SerializationException", "InvalidRequestException")
	}
	for _, rev := range []string{"\x00", `\u0000`, "1\x00", `1\u0000`, "\xff", "01", "-1", "1e3", " 1", "１", "0x1", "99999999999999999999999"} {
		h.refused(account, "/PutResourcePolicy", body("strings", rev),
			"SerializationException", "InvalidRequestException", "InvalidPolicyRevisionIdException")
	}
	for _, tok := range []string{"\x00", "\xff", "%00", "\xed\xa0\x80"} {
		h.refused(account, "/ListResourcePolicies", []byte(`{"NextToken":"`+tok+`"}`), "SerializationException", "InvalidRequestException")
	}
	h.empty(account)

	// Documents with odd strings: refused, or stored exactly as sent.
	docs := []string{
		`{"Version":"2012-10-17","Statement":[{"Sid":"a\u0000b","Effect":"Allow","Principal":"*","Action":"xray:GetGroup","Resource":"*"}]}`,
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"a\x00b\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"xray:GetGroup\",\"Resource\":\"*\"}]}",
		`{"Version":"2012-10-17","Statement":[{"Sid":"\ud800","Effect":"Allow","Principal":"*","Action":"xray:GetGroup","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"é","Effect":"Allow","Principal":"*","Action":"xray:GetGroup","Resource":"arn:aws:xray:*:*:group/\u0000"}]}`,
		"\x00", "\ufeff{}", `{"Version":"2012-10-17","Statement":[]}`,
	}
	for i, d := range docs {
		name := fmt.Sprintf("doc-%d", i)
		b := mustJSON(putInput(name, d, ""))
		r := h.post("333333333303", "/PutResourcePolicy", b)
		if r.status != http.StatusOK {
			if r.status != 0 && (r.status < 400 || r.status >= 500) {
				h.t.Errorf("document %q: %v", d, r)
			}
			continue
		}
		stored := h.c.list(h.t, "333333333303")[name]
		if stored.PolicyDocument != d {
			h.t.Errorf("document %q stored as %q", d, stored.PolicyDocument)
		}
	}
	// A raw NUL and invalid UTF-8 inside the JSON string of the document.
	for _, raw := range []string{"\x00", "\xff", "\xed\xa0\x80"} {
		b := []byte(`{"PolicyName":"raw","PolicyDocument":"{\"Statement\":\"` + raw + `\"}"}`)
		h.refused("333333333304", "/PutResourcePolicy", b, "SerializationException")
	}
	h.empty("333333333304")
}

// wrongTypes: members of the wrong JSON type, bodies that are no JSON object, and
// duplicate members that try to slip an invalid value past the checks (W-2, W-7).
func wrongTypes(h *hostile, _ *rand.Rand) {
	const account = "333333333305"
	doc := string(mustJSON(policyDoc("Types")))
	bodies := []string{
		`{"PolicyName":123,"PolicyDocument":` + doc + `}`,
		`{"PolicyName":1.5,"PolicyDocument":` + doc + `}`,
		`{"PolicyName":-0,"PolicyDocument":` + doc + `}`,
		`{"PolicyName":1e999999,"PolicyDocument":` + doc + `}`,
		`{"PolicyName":true,"PolicyDocument":` + doc + `}`,
		`{"PolicyName":[],"PolicyDocument":` + doc + `}`,
		`{"PolicyName":["a"],"PolicyDocument":` + doc + `}`,
		`{"PolicyName":{"a":"b"},"PolicyDocument":` + doc + `}`,
		`{"PolicyName":null,"PolicyDocument":` + doc + `}`,
		`{"PolicyName":"types","PolicyDocument":123}`,
		`{"PolicyName":"types","PolicyDocument":{"Statement":[]}}`,
		`{"PolicyName":"types","PolicyDocument":[` + doc + `]}`,
		`{"PolicyName":"types","PolicyDocument":null}`,
		`{"PolicyName":"types","PolicyDocument":` + doc + `,"PolicyRevisionId":1}`,
		`{"PolicyName":"types","PolicyDocument":` + doc + `,"PolicyRevisionId":1e999999}`,
		`{"PolicyName":"types","PolicyDocument":` + doc + `,"PolicyRevisionId":["1"]}`,
		`{"PolicyName":"types","PolicyDocument":` + doc + `,"BypassPolicyLockoutCheck":"true"}`,
		`{"PolicyName":"types","PolicyDocument":` + doc + `,"BypassPolicyLockoutCheck":1}`,
		`{"PolicyName":"types","PolicyDocument":` + doc + `,"BypassPolicyLockoutCheck":{}}`,
		`{"PolicyName":"ok","PolicyName":"bad name!","PolicyDocument":` + doc + `}`,
		`{"PolicyName":"bad name!","PolicyName":"ok","PolicyDocument":` + doc + `}`,
		`{"PolicyName":"ok","PolicyName":123,"PolicyDocument":` + doc + `}`,
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"PolicyDocument":"{}"}`,
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"PolicyDocument":123}`,
		`[]`, `"PolicyName"`, `123`, `null`, `true`, `{}{}`, `{} x`, `{"PolicyName":"ok"}garbage`,
		`{"PolicyName":"ok",}`, `{"PolicyName":"ok" "PolicyDocument":` + doc + `}`, `{'PolicyName':'ok'}`,
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"x":01}`,
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"x":NaN}`,
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"x":"\x01"}`,
		"\xef\xbb\xbf" + `{"PolicyName":"ok","PolicyDocument":` + doc + `}`,
	}
	for _, b := range bodies {
		h.refused(account, "/PutResourcePolicy", []byte(b), "SerializationException", "InvalidRequestException",
			"MalformedPolicyDocumentException")
	}
	h.empty(account)

	// Accepted: an unknown member holding any valid JSON is ignored (W-2), and of duplicate
	// members, each checked, the last counts (as in encoding/json).
	const accepting = "333333333309"
	for i, b := range []string{
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"x":1e99999999999999999999}`,
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"x":-` + strings.Repeat("9", 100000) + `.5e-99999}`,
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"x":{"PolicyName":"bad name!","":[null,true,{}]}}`,
		`{"PolicyName":"ok","PolicyDocument":"{}","PolicyDocument":` + doc + `}`,
		`{"PolicyName":"ok","PolicyDocument":` + doc + `,"PolicyRevisionId":null}`,
	} {
		r := h.post(accepting, "/PutResourcePolicy", []byte(b))
		var got struct{ ResourcePolicy wirePolicy }
		if r.status != http.StatusOK || r.decode(&got) != nil {
			h.t.Errorf("body %s: %v; want 200", abbrev([]byte(b)), r)
			continue
		}
		if p := got.ResourcePolicy; p.PolicyName != "ok" || p.PolicyDocument != policyDoc("Types") || p.PolicyRevisionId != fmt.Sprint(i+1) {
			h.t.Errorf("body %s stored %+v; want ok, the valid document, revision %d", abbrev([]byte(b)), p, i+1)
		}
	}

	for _, b := range []string{`{"NextToken":123}`, `{"NextToken":""}`, `{"NextToken":"` + strings.Repeat("a", 101) + `"}`, `[]`, `{"NextToken":"x"}`} {
		h.refused(account, "/ListResourcePolicies", []byte(b), "SerializationException", "InvalidRequestException")
	}
	h.empty(account)
}

// nested returns depth opening brackets of open, then depth closing ones.
func nested(open, close string, depth int) string {
	return strings.Repeat(open, depth) + strings.Repeat(close, depth)
}

// deepNesting: JSON nested 100,000 deep, in an unknown member, in a known one, at the top,
// to several operations; and documents nested as deep as their size limit allows.
func deepNesting(h *hostile, _ *rand.Rand) {
	const account, depth = "333333333306", 100_000
	arrays := nested("[", "]", depth)
	objects := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
	doc := string(mustJSON(policyDoc("Deep")))
	bodies := []string{
		`{"X":` + arrays + `}`,
		`{"X":` + objects + `}`,
		`{"PolicyName":` + arrays + `,"PolicyDocument":` + doc + `}`,
		`{"PolicyName":"deep","PolicyDocument":` + doc + `,"X":` + arrays + `}`,
		`{"PolicyName":"deep","PolicyDocument":` + objects + `}`,
		arrays,
		strings.Repeat("[", depth), // never closed
		strings.Repeat(`{"a":`, depth),
	}
	paths := []string{"/PutResourcePolicy", "/ListResourcePolicies", "/DeleteResourcePolicy", "/GetGroup", "/TraceSegments"}
	parallel(4, len(bodies)*len(paths), func(i int) {
		h.refused(account, paths[i%len(paths)], []byte(bodies[i/len(paths)]), "SerializationException", "InvalidRequestException")
	})
	// A document is a JSON string holding JSON: 2,500 levels fit in 5,120 bytes (P-2);
	// deeper ones are over the size limit.
	for _, d := range []string{nested("[", "]", 2500), strings.Repeat(`{"a":`, 800) + "1" + strings.Repeat("}", 800),
		`{"Statement":` + nested("[", "]", 2000) + `}`, `{"Version":"2012-10-17","Statement":[{"Condition":` + nested("[", "]", 2000) + `}]}`} {
		h.refused(account, "/PutResourcePolicy", mustJSON(putInput("deep", d, "")), "MalformedPolicyDocumentException")
	}
	h.refused(account, "/PutResourcePolicy", mustJSON(putInput("deep", arrays, "")), "PolicySizeLimitExceededException")
	h.empty(account)
}

// padded returns a PutResourcePolicy body of exactly size bytes whose PolicyName is
// invalid, so that a body within the limit is refused by the checks (not by its size).
func padded(size int) []byte {
	head := []byte(`{"PolicyName":"not valid!","PolicyDocument":"{}","Pad":"`)
	b := make([]byte, 0, size)
	b = append(b, head...)
	b = append(b, bytes.Repeat([]byte("a"), size-len(head)-2)...)
	return append(b, `"}`...)
}

// unsized hides a reader's length from net/http, so the client sends it chunked.
type unsized struct{ io.Reader }

// oversizedBodies: bodies at and over the 1 MiB limit (W-8), sized and chunked, with a
// Content-Length that lies, many at once; PutTraceSegments's own limit of 8 MiB.
func oversizedBodies(h *hostile, _ *rand.Rand) {
	const account = "333333333307"
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": authorization(account)}
	expect := func(what string, r reply, err error, status int, code string) {
		h.t.Helper()
		switch {
		case err != nil:
			h.t.Errorf("%s: %v", what, err)
		case r.status != status || r.code != code:
			h.t.Errorf("%s: %v; want %d %s", what, r, status, code)
		}
	}
	at, over := padded(mib), padded(mib+1)
	r, err := h.do("POST", "/PutResourcePolicy", bytes.NewReader(at), hdr)
	expect("1 MiB with Content-Length", r, err, 400, "InvalidRequestException")
	r, err = h.do("POST", "/PutResourcePolicy", unsized{bytes.NewReader(at)}, hdr)
	expect("1 MiB chunked", r, err, 400, "InvalidRequestException")
	parallel(16, 32, func(i int) {
		var body io.Reader = bytes.NewReader(over)
		what := "1 MiB + 1 with Content-Length"
		if i%2 == 1 {
			body, what = unsized{bytes.NewReader(over)}, "1 MiB + 1 chunked"
		}
		r, err := h.do("POST", []string{"/PutResourcePolicy", "/ListResourcePolicies", "/DeleteResourcePolicy", "/GetGroup"}[i%4], body, hdr)
		expect(what, r, err, 413, "RequestEntityTooLargeException")
	})
	// 64 MiB chunked: the server stops reading after the limit.
	r, err = h.do("POST", "/PutResourcePolicy", unsized{io.LimitReader(zeros{}, 64*mib)}, hdr)
	expect("64 MiB chunked", r, err, 413, "RequestEntityTooLargeException")

	// Lies about the length, on a raw connection.
	head := "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	for _, tc := range []struct {
		name, req string
		status    int
		code      string
	}{
		{"Content-Length of 1 TiB, no body", head + "Content-Length: 1099511627776\r\n\r\n", 413, "RequestEntityTooLargeException"},
		{"Content-Length of 1 MiB + 1, short body", head + "Content-Length: 1048577\r\n\r\n{}", 413, "RequestEntityTooLargeException"},
		{"Content-Length of 1 MiB, then close", head + "Content-Length: 1048576\r\n\r\n{\"PolicyName\":", 400, "SerializationException"},
		{"chunked, then close", head + "Transfer-Encoding: chunked\r\n\r\n100000\r\n{}", 400, "SerializationException"},
		{"chunk size of 16 TiB, then close", head + "Transfer-Encoding: chunked\r\n\r\nfffffffffff\r\n{}", 400, "SerializationException"},
		{"chunk size overflowing", head + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n{}\r\n0\r\n\r\n", 400, "SerializationException"},
	} {
		res := rawExchange(h.p.Addr, []byte(tc.req), rawOptions{closeWrite: true}, 5*time.Second)
		switch {
		case res.err != nil:
			h.t.Errorf("%s: no answer: %v", tc.name, res.err)
		default:
			if err := awsShaped("POST", "/PutResourcePolicy", res.resp.StatusCode, res.resp.Header, res.body); err != nil {
				h.t.Errorf("%s: %v", tc.name, err)
			} else if res.resp.StatusCode != tc.status || res.resp.Header.Get("X-Amzn-ErrorType") != tc.code {
				h.t.Errorf("%s: %d %s %q; want %d %s", tc.name, res.resp.StatusCode, res.resp.Header.Get("X-Amzn-ErrorType"), res.body, tc.status, tc.code)
			}
		}
	}

	// PutTraceSegments takes up to 8 MiB (W-8): 1 MiB + 1 passes the size check (and the
	// operation is not built yet); 8 MiB + 1 does not.
	segs := func(size int) []byte {
		head := `{"TraceSegmentDocuments":["`
		return []byte(head + strings.Repeat("a", size-len(head)-3) + `"]}`)
	}
	r, err = h.do("POST", "/TraceSegments", bytes.NewReader(segs(mib+1)), hdr)
	expect("PutTraceSegments 1 MiB + 1", r, err, 501, "NotImplemented")
	r, err = h.do("POST", "/TraceSegments", bytes.NewReader(segs(8*mib+1)), hdr)
	expect("PutTraceSegments 8 MiB + 1", r, err, 413, "RequestEntityTooLargeException")
	h.empty(account)
}

// zeros reads as endless '0' bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

// rawResult is what a server answered on a raw TCP connection.
type rawResult struct {
	resp   *http.Response
	body   []byte
	err    error // no answer could be read
	closed bool  // the server closed the connection after its answer
}

// rawOptions say how rawExchange treats the connection.
type rawOptions struct {
	closeWrite bool // half-close after writing: the request ends there
	checkClose bool // after the answer, see whether the server closes the connection
}

// rawExchange writes data on a new connection (while reading, so a server that answers
// before reading everything is heard) and reads one answer, all within timeout.
func rawExchange(addr string, data []byte, opt rawOptions, timeout time.Duration) rawResult {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return rawResult{err: err}
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		if _, err := conn.Write(data); err == nil && opt.closeWrite {
			_ = conn.(*net.TCPConn).CloseWrite()
		}
	}()
	defer func() { conn.Close(); <-wrote }()
	br := bufio.NewReader(conn)
	method, _, _ := strings.Cut(string(data[:min(len(data), 16)]), " ")
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return rawResult{err: err}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, mib))
	resp.Body.Close()
	if err != nil {
		return rawResult{resp: resp, err: err}
	}
	res := rawResult{resp: resp, body: body}
	if opt.checkClose {
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := br.ReadByte()
		var ne net.Error
		res.closed = err != nil && !(errors.As(err, &ne) && ne.Timeout())
	}
	return res
}

// oversizedHeaders: headers over the 64 KiB limit are refused by Go's HTTP server before
// xraylocal sees the request (431, plain text, connection closed); headers under it reach
// xraylocal and are answered as usual.
func oversizedHeaders(h *hostile, _ *rand.Rand) {
	head := "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
	many := strings.Repeat("X-Filler: "+strings.Repeat("f", 30)+"\r\n", 2500)
	for _, tc := range []struct {
		name, headers string
		status        int
	}{
		{"one header of 70 KiB", "X-Big: " + strings.Repeat("b", 70<<10) + "\r\n", 431},
		{"2,500 headers, 100 KB", many, 431},
		{"an Authorization header of 1 MiB", "Authorization: AWS4-HMAC-SHA256 Credential=" + strings.Repeat("c", mib) + "\r\n", 431},
		{"one header of 60 KiB", "X-Big: " + strings.Repeat("b", 60<<10) + "\r\n", 400},
		{"an Authorization header of 60 KiB", "Authorization: AWS4-HMAC-SHA256 Credential=" + strings.Repeat("c/", 30<<10) + ", SignedHeaders=host, Signature=0\r\n", 400},
		{"two Authorization headers", "Authorization: " + authorization("333333333308") + "\r\nAuthorization: x\r\n", 400},
	} {
		res := rawExchange(h.p.Addr, []byte(head+tc.headers+"\r\n{}"), rawOptions{checkClose: tc.status == 431}, 10*time.Second)
		switch {
		case res.err != nil:
			h.t.Errorf("%s: no answer: %v", tc.name, res.err)
		case res.resp.StatusCode != tc.status:
			h.t.Errorf("%s: status %d %q; want %d", tc.name, res.resp.StatusCode, res.body, tc.status)
		case tc.status == 431:
			checkFraming(h, tc.name, res)
		default:
			h.count(res.resp.StatusCode)
			if err := awsShaped("POST", "/PutResourcePolicy", res.resp.StatusCode, res.resp.Header, res.body); err != nil {
				h.t.Errorf("%s: %v", tc.name, err)
			}
		}
	}
}

// checkFraming checks an answer Go's HTTP server gives on its own to a request it cannot
// parse: it never reached xraylocal (no request id), and the connection is closed.
func checkFraming(h *hostile, name string, res rawResult) {
	h.t.Helper()
	h.count(res.resp.StatusCode)
	if id := res.resp.Header.Get("X-Amzn-RequestId"); id != "" {
		h.t.Errorf("%s: answered by xraylocal (request id %s) with %d %q, not by the HTTP layer", name, id, res.resp.StatusCode, res.body)
	}
	if !res.closed {
		h.t.Errorf("%s: the connection stayed open after %d", name, res.resp.StatusCode)
	}
}

// malformedHTTP: requests Go's HTTP server refuses before any handler runs. It answers
// each in plain text and closes the connection; these are the only answers of the server
// that are not AWS-shaped JSON, and the only 5xx (501 for a transfer coding it does not
// implement, 505 for an HTTP version it does not speak), as HTTP/1.1 (RFC 9112) prescribes.
func malformedHTTP(h *hostile, _ *rand.Rand) {
	for _, tc := range []struct {
		name, req string
		status    int
	}{
		{"HTTP/3.0", "POST /PutResourcePolicy HTTP/3.0\r\nHost: x\r\n\r\n", 505},
		{"HTTP/0.9", "GET /PutResourcePolicy HTTP/0.9\r\n\r\n", 505},
		{"Transfer-Encoding gzip", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"Transfer-Encoding identity", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 501},
		{"space in the method", "GE T /PutResourcePolicy HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"NUL in the method", "PO\x00ST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"bad percent escape", "POST /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"no leading slash", "POST PutResourcePolicy HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"Content-Length abc", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
		{"Content-Length -1", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
		{"two Content-Lengths", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}", 400},
		{"no Host", "POST /PutResourcePolicy HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 400},
		{"control byte in Host", "POST /PutResourcePolicy HTTP/1.1\r\nHost: \x01\r\n\r\n", 400},
		{"NUL in a header name", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nX\x00: y\r\n\r\n", 400},
		{"NUL in a header value", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400},
		{"header without colon", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", 400},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n", 400},
		{"Expect other than 100-continue", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nExpect: 100-continue-x\r\nContent-Length: 2\r\n\r\n{}", 417},
		// Not malformed, but answered by Go's server too (its global OPTIONS handler).
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
	} {
		res := rawExchange(h.p.Addr, []byte(tc.req), rawOptions{checkClose: true}, 5*time.Second)
		switch {
		case res.err != nil:
			h.t.Errorf("%s: no answer: %v", tc.name, res.err)
		case res.resp.StatusCode != tc.status:
			h.t.Errorf("%s: status %d %q; want %d", tc.name, res.resp.StatusCode, res.body, tc.status)
		default:
			checkFraming(h, tc.name, res)
		}
	}
	// Requests Go's server parses, however odd, reach xraylocal and get AWS-shaped answers.
	for _, tc := range []struct{ name, req string }{
		{"absolute URI", "POST http://elsewhere/PutResourcePolicy HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"},
		{"asterisk", "POST * HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"},
		{"CONNECT", "CONNECT x:80 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
		{"HTTP/1.0 without Host", "POST /ListResourcePolicies HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}"},
		{"Content-Length and chunked", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
		{"obsolete line folding", "POST /ListResourcePolicies HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"},
		{"bad chunk", "POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n"},
		{"presigned garbage", "POST /ListResourcePolicies?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%ff%00&X-Amz-Signature= HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"},
		{"bytes over 0x7f in headers", "POST /ListResourcePolicies HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=\xff\xfe/20260101/us-east-1/xray/aws4_request, SignedHeaders=host, Signature=00\r\nX-Amz-Date: \xff\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"},
	} {
		res := rawExchange(h.p.Addr, []byte(tc.req), rawOptions{closeWrite: true}, 5*time.Second)
		if res.err != nil {
			h.t.Errorf("%s: no answer: %v", tc.name, res.err)
			continue
		}
		h.count(res.resp.StatusCode)
		if err := awsShaped(res.resp.Request.Method, "", res.resp.StatusCode, res.resp.Header, res.body); err != nil {
			h.t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// methodsAndPaths: every method with garbage paths and every operation's path. The
// operator endpoints' own methods are left out (reset would wipe the store; metrics is
// Prometheus text).
func methodsAndPaths(h *hostile, _ *rand.Rand) {
	methods := []string{"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "post", "FOO", "M-SEARCH",
		"PROPFIND", strings.Repeat("X", 1000), "POST"}
	paths := []string{"/", "/PutResourcePolicy/", "/putresourcepolicy", "//PutResourcePolicy", "/PutResourcePolicy%00",
		"/PutResourcePolicy%2F", "/a/../PutResourcePolicy", "/./PutResourcePolicy", "/PutResourcePolicy;x", "/%E2%80%AE",
		"/%ff", "/_xraylocal", "/_xraylocal/", "/_xraylocal/nope", "/_xraylocal/health/", "/_xraylocal/../PutResourcePolicy",
		"/" + strings.Repeat("p", 8000), "/PutResourcePolicy?%zz=%zz&&&=", "/PutResourcePolicy#frag",
		"/PutResourcePolicy?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=/////&X-Amz-SignedHeaders=&X-Amz-Signature=z"}
	for _, op := range operations.All() {
		paths = append(paths, op.Path)
	}
	type job struct{ method, path string }
	var jobs []job
	for _, m := range methods {
		for _, p := range paths {
			if m == "POST" && !strings.HasPrefix(p, "/_xraylocal") {
				continue // POSTs to the operations are the other batches' business
			}
			jobs = append(jobs, job{m, p})
		}
	}
	jobs = append(jobs, job{"POST", "/_xraylocal/health"}, job{"PUT", "/_xraylocal/reset"}, job{"DELETE", "/_xraylocal/metrics"})
	parallel(8, len(jobs), func(i int) {
		j := jobs[i]
		if _, err := h.do(j.method, j.path, strings.NewReader("{}"), nil); err != nil {
			h.t.Error(err)
		}
	})
}

// slowClients opens connections that send their headers a byte at a time, and others that
// send nothing, and checks that the server closes each within ReadHeaderTimeout (plus a
// margin), and not much earlier. It returns the longest time a connection stayed open and
// the first problem found.
func slowClients(addr string) (time.Duration, error) {
	const conns = 20
	errs := make(chan error, conns)
	var mu sync.Mutex
	var longest time.Duration
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			start := time.Now()
			closed := make(chan time.Duration, 1)
			go func() {
				_ = conn.SetReadDeadline(start.Add(readHeaderTimeout + 5*time.Second))
				_, _ = io.Copy(io.Discard, conn)
				closed <- time.Since(start)
			}()
			headers := []byte("POST /PutResourcePolicy HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Slow: 1\r\n", 1000))
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			var took time.Duration
		dribble:
			for n := 0; ; n++ {
				select {
				case took = <-closed:
					break dribble
				case <-tick.C:
					if i%2 == 0 && n < len(headers) { // odd connections send nothing at all
						_, _ = conn.Write(headers[n : n+1])
					}
				}
			}
			mu.Lock()
			longest = max(longest, took)
			mu.Unlock()
			switch {
			case took >= readHeaderTimeout+4*time.Second:
				errs <- fmt.Errorf("slow client %d: the server kept the connection open %v, over ReadHeaderTimeout %v", i, took, readHeaderTimeout)
			case took < readHeaderTimeout-time.Second:
				errs <- fmt.Errorf("slow client %d: the server closed the connection after %v, before ReadHeaderTimeout %v", i, took, readHeaderTimeout)
			}
		})
	}
	wg.Wait()
	close(errs)
	return longest, <-errs
}
