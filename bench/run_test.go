package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/bench"
	"github.com/xraylocal/xraylocal/policy"
	"github.com/xraylocal/xraylocal/server"
	"github.com/xraylocal/xraylocal/sigv4"
	"github.com/xraylocal/xraylocal/store/memory"
)

// startServer runs an xraylocal server in strict mode that knows the keys of cfg, so a
// request the load generator signs wrongly fails with a signature error. It returns the
// server's URL and a count of the requests it answered, by path.
func startServer(t *testing.T, cfg bench.Config) (string, func() map[string]int) {
	t.Helper()
	auth, err := sigv4.NewAuthenticator(sigv4.Config{Mode: sigv4.ModeStrict, Credentials: cfg.Credentials(xraylocal.DefaultAccount)})
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	srv, err := server.New(server.Config{
		Service: &xraylocal.Service{Store: store, Policies: policy.Engine{}},
		Store:   store,
		Auth:    auth,
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(seen)
	}
}

func TestRunAgainstServer(t *testing.T) {
	t.Parallel()
	cfg := bench.Config{
		Workers:  8,
		Requests: 600,
		Mix:      bench.Mix{bench.Put: 2, bench.List: 1, bench.Delete: 1},
		Accounts: 3,
		Seed:     7,
	}
	url, seen := startServer(t, cfg)
	cfg.Endpoint = url
	var progress bytes.Buffer
	cfg.Progress, cfg.ProgressEvery = &syncWriter{w: &progress}, time.Millisecond
	res, err := bench.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}

	// Every request was sent once, and the totals are the sums of the parts.
	if res.Requests != cfg.Requests {
		t.Errorf("Requests = %d, want %d", res.Requests, cfg.Requests)
	}
	server := seen()
	sentByPath := map[string]int{}
	var opSum, opErrs int64
	for o, op := range res.Ops {
		opSum += op.Requests
		opErrs += op.Errors
		if op.Latency.Count() != op.Requests {
			t.Errorf("%s: %d latencies for %d requests", bench.Op(o), op.Latency.Count(), op.Requests)
		}
		if op.Requests > 0 {
			sentByPath["/"+bench.Op(o).String()] = int(op.Requests)
		}
	}
	if diff := cmp.Diff(sentByPath, server); diff != "" {
		t.Errorf("requests by operation, sent (-) vs received by the server (+):\n%s", diff)
	}
	if opSum != res.Requests || opErrs != res.Errors {
		t.Errorf("operations sum to %d requests, %d errors; totals %d, %d", opSum, opErrs, res.Requests, res.Errors)
	}
	var byCode int64
	for _, n := range res.ErrorsByCode {
		byCode += n
	}
	if byCode != res.Errors {
		t.Errorf("ErrorsByCode %v sums to %d, want Errors %d", res.ErrorsByCode, byCode, res.Errors)
	}
	if res.Latency.Count() != res.Requests {
		t.Errorf("%d latencies recorded for %d requests", res.Latency.Count(), res.Requests)
	}
	if runtime.GOOS == "linux" && res.ClientCPU <= 0 {
		t.Errorf("ClientCPU = %v, want the CPU time of the run", res.ClientCPU)
	}

	// Puts update at most 5 names per account and Lists cannot fail: with valid
	// signatures the only errors are Deletes of a policy already deleted (rule D-3).
	if res.Ops[bench.Put].Errors != 0 || res.Ops[bench.List].Errors != 0 {
		t.Errorf("Put errors %d, List errors %d, want 0 (errors: %v)", res.Ops[bench.Put].Errors, res.Ops[bench.List].Errors, res.ErrorsByCode)
	}
	for code := range res.ErrorsByCode {
		if code != string(xraylocal.InvalidRequestException) {
			t.Errorf("error code %q, want only InvalidRequestException", code)
		}
	}
	if res.Ops[bench.Delete].Requests == 0 || res.Ops[bench.Delete].Errors == 0 {
		t.Errorf("Deletes %d with %d errors; with seed 7 some Deletes find nothing", res.Ops[bench.Delete].Requests, res.Ops[bench.Delete].Errors)
	}
	if !strings.Contains(progress.String(), "requests") {
		t.Errorf("no progress line written; got %q", progress.String())
	}

	// The report carries the same numbers.
	var s bench.Summary
	var out bytes.Buffer
	if err := res.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Requests != res.Requests || s.Operations["PutResourcePolicy"].Requests != res.Ops[bench.Put].Requests ||
		s.ErrorsByCode["InvalidRequestException"] != res.Errors {
		t.Errorf("JSON summary %+v does not match the result", s)
	}
}

func TestRunSignsForStrictMode(t *testing.T) {
	t.Parallel()
	// A server that knows other keys than the ones the run signs with refuses everything:
	// the signature is what the server checks.
	known := bench.Config{AccessKey: "AKIDKNOWN", SecretKey: "right-secret", Accounts: 1}
	url, _ := startServer(t, known)
	for _, tc := range []struct {
		name      string
		key, sec  string
		wantCode  string
		wantError bool
	}{
		{name: "right key", key: "AKIDKNOWN", sec: "right-secret"},
		{name: "wrong secret", key: "AKIDKNOWN", sec: "wrong-secret", wantCode: "InvalidSignatureException", wantError: true},
		{name: "unknown key", key: "AKIDOTHER", sec: "right-secret", wantCode: "UnrecognizedClientException", wantError: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := bench.Run(context.Background(), bench.Config{
				Endpoint: url, Workers: 2, Requests: 10, Mix: bench.Mix{bench.Put: 1, bench.List: 1},
				AccessKey: tc.key, SecretKey: tc.sec, Accounts: 1,
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			if tc.wantError {
				want[tc.wantCode] = 10
			}
			if diff := cmp.Diff(want, res.ErrorsByCode); diff != "" {
				t.Errorf("errors by code (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunClassifiesErrors(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 4 {
		case 0:
			w.WriteHeader(http.StatusOK)
		case 1:
			// AWS may append the error's namespace to the code.
			w.Header().Set("X-Amzn-ErrorType", "ThrottledException:http://internal.amazon.com/coral/com.amazonaws.xray/")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusBadGateway) // no code: a proxy's answer
		case 3:
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close() // no response at all
		}
	}))
	defer ts.Close()
	res, err := bench.Run(context.Background(), bench.Config{
		Endpoint: ts.URL, Workers: 1, Requests: 40, Mix: bench.Mix{bench.List: 1}, Accounts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"ThrottledException": 10, "HTTP 502": 10, "ConnectionReset": 10}
	if diff := cmp.Diff(want, res.ErrorsByCode); diff != "" {
		t.Errorf("errors by code (-want +got):\n%s", diff)
	}
	if res.Errors != 30 || res.Requests != 40 {
		t.Errorf("Requests, Errors = %d, %d; want 40, 30", res.Requests, res.Errors)
	}
	// Requests without a response have no latency.
	if res.Latency.Count() != 30 {
		t.Errorf("%d latencies recorded, want 30 (the answered requests)", res.Latency.Count())
	}
	if res.FirstError["ConnectionReset"] == "" {
		t.Errorf("FirstError has no ConnectionReset message: %v", res.FirstError)
	}
}

// Each worker keeps one connection while the server keeps it open, dials again when the
// server closes it, and reads whole responses however they are framed.
func TestRunKeepsAndRenewsConnections(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch n.Add(1) % 3 {
		case 0:
			w.Header().Set("Connection", "close") // the server ends the connection
			w.Write([]byte("{}"))
		case 1:
			w.Write([]byte("{"))
			w.(http.Flusher).Flush() // chunked
			w.Write([]byte("}"))
		case 2:
			w.Write([]byte("{}")) // Content-Length
		}
	}))
	var conns atomic.Int64
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	res, err := bench.Run(context.Background(), bench.Config{
		Endpoint: ts.URL, Workers: 1, Requests: 30, Mix: bench.Mix{bench.List: 1}, Accounts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Requests != 30 {
		t.Errorf("Requests, Errors = %d, %d (%v); want 30, 0", res.Requests, res.Errors, res.ErrorsByCode)
	}
	// One connection to start with, and a new one after each of the 10 closes but the last.
	if got := conns.Load(); got != 10 {
		t.Errorf("%d connections, want 10", got)
	}
}

func TestRunConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	res, err := bench.Run(context.Background(), bench.Config{
		Endpoint: "http://" + addr, Workers: 2, Requests: 6, Mix: bench.Mix{bench.Put: 1}, Accounts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"ConnectionRefused": 6}, res.ErrorsByCode); diff != "" {
		t.Errorf("errors by code (-want +got):\n%s", diff)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	url, _ := startServer(t, bench.Config{Accounts: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A run of an hour returns at once when its context is already done.
	res, err := bench.Run(ctx, bench.Config{Endpoint: url, Workers: 4, Duration: time.Hour, Mix: bench.Mix{bench.List: 1}, Accounts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 {
		t.Errorf("requests in flight at cancellation failed: %v", res.ErrorsByCode)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	good := bench.Config{Endpoint: "http://127.0.0.1:1", Workers: 1, Requests: 1, Mix: bench.Mix{bench.Put: 1}, Accounts: 1}
	for _, tc := range []struct {
		name   string
		change func(*bench.Config)
	}{
		{"no endpoint", func(c *bench.Config) { c.Endpoint = "" }},
		{"not http", func(c *bench.Config) { c.Endpoint = "ftp://127.0.0.1" }},
		{"no workers", func(c *bench.Config) { c.Workers = 0 }},
		{"neither bound", func(c *bench.Config) { c.Requests = 0 }},
		{"both bounds", func(c *bench.Config) { c.Duration = time.Second }},
		{"empty mix", func(c *bench.Config) { c.Mix = bench.Mix{} }},
		{"key and accounts", func(c *bench.Config) { c.AccessKey, c.Accounts = "AKID", 2 }},
		{"no accounts", func(c *bench.Config) { c.Accounts = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tc.change(&cfg)
			if _, err := bench.Run(context.Background(), cfg); err == nil {
				t.Errorf("Run accepted %+v", cfg)
			}
		})
	}
}

func TestPolicyDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc := bench.PolicyDocument("123456789012", "us-east-1", "orders-1-1")
	if n := len(doc); n < 500 || n > 700 {
		t.Errorf("document is %d bytes, want about 600", n)
	}
	check, err := policy.Engine{}.CheckResourcePolicy(doc, xraylocal.AccessRequest{
		Caller: xraylocal.Caller{Scope: xraylocal.Scope{Account: "123456789012", Region: "us-east-1"},
			PrincipalARN: xraylocal.RootPrincipal("123456789012")},
		Action: "xray:PutResourcePolicy", Resource: "*", Time: time.Now(),
	})
	if err != nil || check.LocksOut {
		t.Errorf("CheckResourcePolicy = %+v, %v; want valid and no lockout", check, err)
	}
}

// syncWriter lets the progress goroutine and the test share a buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// BenchmarkLoadGenerator measures the load generator's own cost per request against a
// handler that does nothing, so that its share of a shared machine is known.
func BenchmarkLoadGenerator(b *testing.B) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	defer ts.Close()
	b.ReportAllocs()
	res, err := bench.Run(context.Background(), bench.Config{
		Endpoint: ts.URL, Workers: bench.DefaultWorkers, Requests: int64(b.N),
		Mix: bench.Mix{bench.Put: 1, bench.List: 1}, Accounts: bench.DefaultAccounts,
	})
	if err != nil || res.Errors != 0 {
		b.Fatalf("%v, errors %v", err, res.ErrorsByCode)
	}
}
