package sigv4

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkVerify measures strict-mode Authenticate on a header-signed request as the
// server receives it (signing keys cached, body already read): the cost each X-Ray request
// pays for authentication. The budget is 20 µs per request.
//
//	go test -run '^$' -bench 'Verify|Sign' -benchmem -cpu 1 ./sigv4
func BenchmarkVerify(b *testing.B) {
	for _, size := range []int{128, 1024} {
		b.Run(fmt.Sprintf("header/body=%dB", size), func(b *testing.B) {
			body := bytes.Repeat([]byte("x"), size)
			req := httptest.NewRequest("POST", "http://localhost:4566/TraceSegments", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 md/GOOS#linux api/xray#1.36.25")
			req.Header.Set("Amz-Sdk-Invocation-Id", "a6f1b0a3-4a60-4e0f-9d9e-1c0b6f5e7c11")
			req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
			Sign(req, body, alice, "us-west-2", Service, t0)
			benchAuthenticate(b, req, body)
		})
	}
	b.Run("presigned/body=128B", func(b *testing.B) {
		body := bytes.Repeat([]byte("x"), 128)
		p := presign(b, alice, "us-west-2", t0, "300", string(body))
		req := httptest.NewRequest("POST", p.URL.String(), bytes.NewReader(body))
		req.Header = p.Header.Clone()
		benchAuthenticate(b, req, body)
	})
}

func benchAuthenticate(b *testing.B, req *http.Request, body []byte) {
	a := newAuth(b, ModeStrict, t0)
	if _, err := a.Authenticate(req, body); err != nil {
		b.Fatalf("benchmark request refused: %v", err)
	}
	b.ReportAllocs()
	cpu0, ok := processCPUTime()
	for b.Loop() {
		if _, err := a.Authenticate(req, body); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, ok)
}

// BenchmarkOpen measures open-mode Authenticate, which only parses the header.
func BenchmarkOpen(b *testing.B) {
	body := []byte(traceBody)
	req := httptest.NewRequest("POST", "http://localhost:4566/TraceSegments", bytes.NewReader(body))
	Sign(req, body, alice, "us-west-2", Service, t0)
	a := newAuth(b, ModeOpen, t0)
	b.ReportAllocs()
	cpu0, ok := processCPUTime()
	for b.Loop() {
		if _, err := a.Authenticate(req, body); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, ok)
}

// BenchmarkSign measures Sign, which the load generator calls for every request.
func BenchmarkSign(b *testing.B) {
	body := []byte(traceBody)
	req := httptest.NewRequest("POST", "http://localhost:4566/TraceSegments", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	b.ReportAllocs()
	cpu0, ok := processCPUTime()
	for b.Loop() {
		Sign(req, body, alice, "us-west-2", Service, t0)
	}
	reportCPU(b, cpu0, ok)
}

// reportCPU reports the process CPU time per operation since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := processCPUTime(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}
