package reliability

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/policy"
	"github.com/xraylocal/xraylocal/server"
	"github.com/xraylocal/xraylocal/sigv4"
	"github.com/xraylocal/xraylocal/store/memory"
)

// newMemoryServer returns the server xraylocal serve --store memory runs, as a handler.
func newMemoryServer(tb testing.TB) *server.Server {
	tb.Helper()
	store := memory.New()
	auth, err := sigv4.NewAuthenticator(sigv4.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := server.New(server.Config{
		Service: &xraylocal.Service{Store: store, Policies: policy.Engine{}},
		Store:   store,
		Auth:    auth,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// validHeaderValue reports whether net/http's server would let v through as a header
// value (no control bytes but tab).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzServer_Request sends any method, path, Authorization header and body to the HTTP
// edge over a memory store, one server for the whole run so that state builds up. The
// server never panics and never answers 5xx (but 501 NotImplemented for an operation not
// built yet, rule W-6); every answer but the metrics page is AWS-shaped JSON (W-4, W-5).
// Requests net/http would refuse before any handler runs (an invalid method or URL, a
// control byte in a header) are skipped. Seed corpus: testdata/fuzz/FuzzServer_Request.
func FuzzServer_Request(f *testing.F) {
	f.Add("POST", "/PutResourcePolicy", "", []byte(`{"PolicyName":"p","PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"xray:GetGroup\",\"Resource\":\"*\"}}"}`))
	s := newMemoryServer(f)
	f.Fuzz(func(t *testing.T, method, path, authorization string, body []byte) {
		req, err := http.NewRequest(method, "http://127.0.0.1:2000"+path, bytes.NewReader(body))
		if err != nil || !validHeaderValue(authorization) {
			return // net/http's server never hands such a request to a handler
		}
		req.RemoteAddr = "192.0.2.1:4321"
		req.RequestURI = req.URL.RequestURI()
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)

		status, h, out := rec.Code, rec.Header(), rec.Body.Bytes()
		if req.URL.Path == "/_xraylocal/metrics" && status == http.StatusOK {
			if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
				t.Fatalf("%s %s: metrics with Content-Type %q", method, path, h.Get("Content-Type"))
			}
			return
		}
		if err := awsShaped(method, req.URL.Path, status, h, out); err != nil {
			t.Fatalf("%s %q (Authorization %q) body %q: %v", method, path, authorization, body, err)
		}
	})
}
