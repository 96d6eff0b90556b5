package bench_test

// Benchmarks of one request through xraylocal's HTTP handler (server.Server.ServeHTTP) on
// the durable SQLite store, without a network: what the server costs per request, apart
// from the load generator and the TCP loopback. The parse, validate and evaluate
// benchmarks of the policy engine live in policy/, SigV4 verification in sigv4/.
//
//	go test -run '^$' -bench . -benchtime 5s ./bench/
//	go test -run '^$' -bench PutParallel -cpuprofile /tmp/put.cpu ./bench/

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/bench"
	"github.com/xraylocal/xraylocal/policy"
	"github.com/xraylocal/xraylocal/server"
	"github.com/xraylocal/xraylocal/sigv4"
	"github.com/xraylocal/xraylocal/store/sqlite"
)

// benchAccounts is how many accounts the benchmarks' requests are spread over, as the
// load generator's default.
const benchAccounts = bench.DefaultAccounts

// newSQLiteServer returns a server on a fresh SQLite file in mode, knowing the benchmark's keys.
func newSQLiteServer(b *testing.B, mode sigv4.Mode) *server.Server {
	b.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "xraylocal.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	auth, err := sigv4.NewAuthenticator(sigv4.Config{Mode: mode, Credentials: benchConfig().Credentials(xraylocal.DefaultAccount)})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Config{
		Service: &xraylocal.Service{Store: store, Policies: policy.Engine{}},
		Store:   store,
		Auth:    auth,
	})
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

func benchConfig() bench.Config {
	return bench.Config{Accounts: benchAccounts, SecretKey: bench.DefaultSecret}
}

// signedRequest is a request signed once, replayed with a fresh body reader each time.
type signedRequest struct {
	path   string
	body   []byte
	header http.Header
}

func sign(b *testing.B, cred sigv4.Credentials, op, body string) signedRequest {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:2000/"+op, bytes.NewReader([]byte(body)))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sigv4.Sign(req, []byte(body), cred, "us-east-1", "xray", time.Now())
	return signedRequest{path: "/" + op, body: []byte(body), header: req.Header}
}

// serve runs one replay of sr through srv and fails b unless it got 200.
func (sr signedRequest) serve(b *testing.B, srv *server.Server) {
	req := httptest.NewRequest(http.MethodPost, sr.path, bytes.NewReader(sr.body))
	req.Host = "127.0.0.1:2000"
	req.RemoteAddr = "127.0.0.1:40000"
	for k, v := range sr.header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Errorf("%s: %d %s", sr.path, w.Code, w.Body.String())
	}
}

// putRequests returns the signed Puts of every account and policy name.
func putRequests(b *testing.B) []signedRequest {
	var rs []signedRequest
	for _, cred := range benchConfig().Credentials(xraylocal.DefaultAccount) {
		for j := range bench.PoliciesPerAccount {
			doc := bench.PolicyDocument(cred.AccountID, "us-east-1", "orders-"+strconv.Itoa(j))
			body := `{"PolicyName":"` + bench.PolicyName(j) + `","PolicyDocument":` + strconv.Quote(doc) + `}`
			rs = append(rs, sign(b, cred, "PutResourcePolicy", body))
		}
	}
	return rs
}

// benchmarkPut sends Puts from 32 goroutines on a 2-core machine (16 per GOMAXPROCS), as
// the load generator's 32 workers do, so that group commit sees the same concurrency.
func benchmarkPut(b *testing.B, mode sigv4.Mode) {
	srv := newSQLiteServer(b, mode)
	puts := putRequests(b)
	var next atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			puts[int(next.Add(1))%len(puts)].serve(b, srv)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkHandlerPutParallel: PutResourcePolicy (update of one of 5 names in one of 16
// accounts, the ~600-byte SNS policy) through the handler, open auth, SQLite store.
func BenchmarkHandlerPutParallel(b *testing.B) { benchmarkPut(b, sigv4.ModeOpen) }

// BenchmarkHandlerPutParallelStrict is the same with every signature verified.
func BenchmarkHandlerPutParallelStrict(b *testing.B) { benchmarkPut(b, sigv4.ModeStrict) }

// BenchmarkHandlerPutSerial sends one Put at a time: each waits for its own commit and
// fsync, the latency of a lone client.
func BenchmarkHandlerPutSerial(b *testing.B) {
	srv := newSQLiteServer(b, sigv4.ModeOpen)
	puts := putRequests(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		puts[i%len(puts)].serve(b, srv)
		i++
	}
}

// BenchmarkHandlerListParallel: ListResourcePolicies of accounts holding 5 policies each.
func BenchmarkHandlerListParallel(b *testing.B) {
	srv := newSQLiteServer(b, sigv4.ModeOpen)
	for _, p := range putRequests(b) {
		p.serve(b, srv)
	}
	var lists []signedRequest
	for _, cred := range benchConfig().Credentials(xraylocal.DefaultAccount) {
		lists = append(lists, sign(b, cred, "ListResourcePolicies", "{}"))
	}
	var next atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			lists[int(next.Add(1))%len(lists)].serve(b, srv)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// benchmarkOverHTTP drives a server on a real 127.0.0.1 listener with the load generator's
// 32 workers in the same process, the whole path of `xraylocal bench` against `xraylocal
// serve` (less the server's log lines), so that one CPU profile shows client and server.
func benchmarkOverHTTP(b *testing.B, mix bench.Mix) {
	srv := newSQLiteServer(b, sigv4.ModeOpen)
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	b.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		if err := <-served; err != nil {
			b.Error(err)
		}
	})
	cfg := benchConfig()
	cfg.Endpoint, cfg.Workers, cfg.Mix = "http://"+addr.String(), bench.DefaultWorkers, mix
	// Create every policy first, so that the measured Puts are updates and Lists see 5.
	warm := cfg
	warm.Requests, warm.Mix = int64(2*benchAccounts*bench.PoliciesPerAccount*10), bench.Mix{bench.Put: 1}
	if _, err := bench.Run(context.Background(), warm); err != nil {
		b.Fatal(err)
	}
	cfg.Requests = int64(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	res, err := bench.Run(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if res.Errors != 0 {
		b.Fatalf("errors: %v %v", res.ErrorsByCode, res.FirstError)
	}
	b.ReportMetric(res.Throughput(), "req/s")
	b.ReportMetric(float64(res.Latency.Quantile(0.99))/1e6, "p99-ms")
}

func BenchmarkHTTPPut(b *testing.B)  { benchmarkOverHTTP(b, bench.Mix{bench.Put: 1}) }
func BenchmarkHTTPList(b *testing.B) { benchmarkOverHTTP(b, bench.Mix{bench.List: 1}) }
