package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal/internal/testserver"
)

const (
	mib = 1 << 20
	// readHeaderTimeout is server.readHeaderTimeout, the time a client has to send its
	// request's headers.
	readHeaderTimeout = 10 * time.Second
)

// implemented are the operations xraylocal serves; every other operation of the model
// answers 501 NotImplemented to a well-formed request (rule W-6).
var implemented = map[string]bool{"/PutResourcePolicy": true, "/ListResourcePolicies": true, "/DeleteResourcePolicy": true}

// awsShaped checks an answer of xraylocal's handler: never a 5xx (but NotImplemented for an
// operation not built yet, W-6), always the X-Amzn-RequestId header (W-4), JSON, and for an
// error the X-Amzn-ErrorType header and a body {"__type": the same code, "message": text}
// (W-5). It returns nil when the answer is all that.
func awsShaped(method, path string, status int, h http.Header, body []byte) error {
	code := h.Get("X-Amzn-ErrorType")
	if status >= 500 && (status != http.StatusNotImplemented || code != "NotImplemented" || implemented[path]) {
		return fmt.Errorf("status %d %s", status, code)
	}
	if h.Get("X-Amzn-RequestId") == "" {
		return fmt.Errorf("status %d without X-Amzn-RequestId", status)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("status %d with Content-Type %q, want application/json", status, ct)
	}
	if method == http.MethodHead {
		return nil
	}
	if !json.Valid(body) {
		return fmt.Errorf("status %d with a body that is not JSON: %q", status, body)
	}
	if status == http.StatusOK {
		return nil
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	switch {
	case code == "":
		return fmt.Errorf("status %d without X-Amzn-ErrorType", status)
	case json.Unmarshal(body, &e) != nil:
		return fmt.Errorf("status %d with a body that is no error object: %q", status, body)
	case e.Type != code:
		return fmt.Errorf("status %d: __type %q differs from X-Amzn-ErrorType %q", status, e.Type, code)
	case e.Message == "":
		return fmt.Errorf("status %d %s without a message", status, code)
	}
	return nil
}

// hostile sends requests to one server and checks every answer.
type hostile struct {
	t *testing.T
	p *testserver.Process
	c *client

	mu   sync.Mutex
	seen map[int]int // answers by status, for the log
}

func (h *hostile) count(status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen[status]++
}

// do sends body to path with method through the Go client (content length known when
// sized, else chunked) with extra headers, checks the answer is AWS-shaped, and returns it.
func (h *hostile) do(method, path string, body io.Reader, header map[string]string) (reply, error) {
	req, err := http.NewRequest(method, h.c.url+path, body)
	if err != nil {
		return reply{}, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	r, err := h.c.send(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: no answer: %v", method, path, err)
	}
	h.count(r.status)
	if err := awsShaped(method, pathOnly(path), r.status, r.header, r.raw); err != nil {
		return r, fmt.Errorf("%s %s: %v", method, path, err)
	}
	return r, nil
}

// post sends a raw JSON body to an X-Ray path, as account, and expects an AWS-shaped answer.
func (h *hostile) post(account, path string, body []byte) reply {
	h.t.Helper()
	hdr := map[string]string{"Content-Type": "application/json"}
	if account != "" {
		hdr["Authorization"] = authorization(account)
	}
	r, err := h.do(http.MethodPost, path, bytes.NewReader(body), hdr)
	if err != nil {
		h.t.Errorf("body %s: %v", abbrev(body), err)
	}
	return r
}

// refused sends body and expects a 4xx answer with one of codes (any code when none given).
func (h *hostile) refused(account, path string, body []byte, codes ...string) {
	h.t.Helper()
	r := h.post(account, path, body)
	if r.status == 0 {
		return // post reported it
	}
	if r.status < 400 || r.status >= 500 || (len(codes) > 0 && !slices.Contains(codes, r.code)) {
		h.t.Errorf("body %s: %v; want a 4xx %v", abbrev(body), r, codes)
	}
}

// empty fails the test unless account holds no policy: hostile input stored nothing.
func (h *hostile) empty(account string) {
	h.t.Helper()
	if got := h.c.list(h.t, account); len(got) != 0 {
		h.t.Errorf("account %s holds %d policies after requests that should all be refused: %v", account, len(got), got)
	}
}

func pathOnly(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return p
}

// abbrev shortens a body for a failure message.
func abbrev(b []byte) string {
	if len(b) > 200 {
		return fmt.Sprintf("%q... (%d bytes)", b[:200], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// residentMemory returns the VmRSS and VmHWM (peak) of process pid, in bytes.
func residentMemory(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the server's memory: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/status: %s: %v", pid, line, err)
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 || peak == 0 {
		t.Fatalf("/proc/%d/status has no VmRSS or VmHWM", pid)
	}
	return rss, peak
}

// TestHostileInput sends one server what no client should: random, truncated and deeply
// nested bodies, invalid UTF-8 and NUL bytes, values of the wrong JSON type, bodies and
// headers over the limits, malformed HTTP, garbage methods and paths, and slow clients.
// Every answer of xraylocal is an AWS-shaped JSON error or success, never a 5xx; nothing
// refused is stored; the server stays healthy after each batch; its memory stays bounded;
// a client that dribbles its headers is cut off after ReadHeaderTimeout.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(seed(t)))
	p := testserver.Start(t, nil, "--store", "memory")
	c := newClient(p.URL)
	defer c.close()
	h := &hostile{t: t, p: p, c: c, seen: map[int]int{}}
	healthy(t, p, "start")
	rssBefore, peakBefore := residentMemory(t, p.PID())

	// Slow clients run beside the other batches: their connections must be cut after
	// ReadHeaderTimeout, and meanwhile the server serves everyone else.
	slow := make(chan error, 1)
	go func() {
		longest, err := slowClients(p.Addr)
		t.Logf("slow clients: the longest stayed connected %v", longest.Round(time.Millisecond))
		slow <- err
	}()

	batches := []struct {
		name string
		run  func(h *hostile, rng *rand.Rand)
	}{
		{"random bodies", randomBodies},
		{"truncated bodies", truncatedBodies},
		{"invalid strings", invalidStrings},
		{"wrong JSON types", wrongTypes},
		{"deep nesting", deepNesting},
		{"oversized bodies", oversizedBodies},
		{"oversized headers", oversizedHeaders},
		{"malformed HTTP", malformedHTTP},
		{"methods and paths", methodsAndPaths},
	}
	for _, b := range batches {
		start := time.Now()
		b.run(h, rng)
		healthy(t, p, b.name)
		t.Logf("%s: %v", b.name, time.Since(start).Round(time.Millisecond))
	}
	select {
	case err := <-slow:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(readHeaderTimeout + 10*time.Second):
		t.Error("the slow clients did not finish")
	}
	healthy(t, p, "slow clients")

	rssAfter, peakAfter := residentMemory(t, p.PID())
	t.Logf("server memory: VmRSS %d MiB -> %d MiB, peak %d MiB -> %d MiB",
		rssBefore>>20, rssAfter>>20, peakBefore>>20, peakAfter>>20)
	if grew := rssAfter - rssBefore; grew > 100*mib {
		t.Errorf("the server's resident memory grew by %d MiB, over 100 MiB", grew>>20)
	}
	if grew := peakAfter - peakBefore; grew > 200*mib {
		t.Errorf("the server's peak resident memory grew by %d MiB, over 200 MiB", grew>>20)
	}
	t.Logf("answers by status: %v", h.seen)
	if t.Failed() {
		t.Logf("server log:\n%s", tail(p.Stderr()))
	}
}

// TestHostileInput_LengthClaimsCostNothing opens connections that declare the largest body
// an operation takes (8 MiB for PutTraceSegments, 1 MiB for the others, rule W-8) and send
// 16 KiB of it, three times over. What the server holds must follow the bytes it was sent,
// not the bytes it was promised: 450 such connections may not raise its peak resident
// memory by 64 MiB (they promise 2.2 GiB).
func TestHostileInput_LengthClaimsCostNothing(t *testing.T) {
	t.Parallel()
	p := testserver.Start(t, nil, "--store", "memory")
	_, peakBefore := residentMemory(t, p.PID())
	const rounds, conns, sent = 3, 150, 16 << 10
	for round := range rounds {
		var open []net.Conn
		for i := range conns {
			path, length := "/TraceSegments", 8*mib
			if i%2 == 1 {
				path, length = "/PutResourcePolicy", mib
			}
			conn, err := net.DialTimeout("tcp", p.Addr, 5*time.Second)
			if err != nil {
				t.Fatalf("round %d, connection %d: %v", round, i, err)
			}
			open = append(open, conn)
			_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n{\"x\":\"%s", path, length, strings.Repeat("a", sent))
			if _, err := io.WriteString(conn, req); err != nil {
				t.Fatalf("round %d, connection %d: %v", round, i, err)
			}
		}
		time.Sleep(time.Second) // let the server read what was sent
		for _, conn := range open {
			conn.Close()
		}
	}
	healthy(t, p, "the length claims")
	_, peakAfter := residentMemory(t, p.PID())
	t.Logf("peak resident memory %d MiB -> %d MiB", peakBefore>>20, peakAfter>>20)
	if grew := peakAfter - peakBefore; grew > 64*mib {
		t.Errorf("%d connections that sent %d KiB each but declared up to 8 MiB raised the server's peak memory by %d MiB, over 64 MiB",
			rounds*conns, sent>>10, grew>>20)
	}
}
