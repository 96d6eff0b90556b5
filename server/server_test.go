package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/policy"
	"github.com/xraylocal/xraylocal/server"
	"github.com/xraylocal/xraylocal/sigv4"
	"github.com/xraylocal/xraylocal/store/memory"
)

const snsPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"SNSAccess","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":["xray:PutTraceSegments","xray:GetSamplingRules","xray:GetSamplingTargets"],"Resource":"*"}]}`

// fakeClock is a settable clock shared by the server and the throttle.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	url   string
	store xraylocal.Store
	clock *fakeClock
}

type options struct {
	store    xraylocal.Store
	throttle map[string]float64
	logger   *slog.Logger
}

func start(t *testing.T, o options) *fixture {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 250000000, time.UTC)}
	if o.store == nil {
		o.store = memory.New()
	}
	auth, err := sigv4.NewAuthenticator(sigv4.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{
		Service:  &xraylocal.Service{Store: o.store, Policies: policy.Engine{}, Now: clock.Now},
		Store:    o.store,
		Auth:     auth,
		Throttle: o.throttle,
		Logger:   o.logger,
		Now:      clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{url: ts.URL, store: o.store, clock: clock}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, method, path, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func putBody(name, doc string) string {
	b, _ := json.Marshal(map[string]any{"PolicyName": name, "PolicyDocument": doc})
	return string(b)
}

// wantError checks the restJson1 error shape of rule W-5.
func wantError(t *testing.T, r response, status int, code xraylocal.ErrorCode) {
	t.Helper()
	if r.status != status || r.header.Get("X-Amzn-ErrorType") != string(code) {
		t.Fatalf("got %d %q (%s), want %d %s", r.status, r.header.Get("X-Amzn-ErrorType"), r.body, status, code)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatalf("error body %q is not a JSON object of strings: %v", r.body, err)
	}
	if body["__type"] != string(code) || body["message"] == "" || body["Message"] != body["message"] {
		t.Errorf("error body = %v, want __type %s and the same non-empty message and Message", body, code)
	}
}

func TestW1_SuccessIsJSON200(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	r := f.do(t, "POST", "/PutResourcePolicy", putBody("sns", snsPolicy))
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q %s, want 200 application/json", r.status, r.header.Get("Content-Type"), r.body)
	}
	var out struct{ ResourcePolicy map[string]any }
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"PolicyName": "sns", "PolicyDocument": snsPolicy, "PolicyRevisionId": "1", "LastUpdatedTime": 1795694400.25}
	if d := cmp.Diff(want, out.ResourcePolicy); d != "" {
		t.Errorf("ResourcePolicy (-want +got):\n%s", d)
	}
}

func TestW2_EmptyBodyMeansEmptyObject(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	for _, body := range []string{"", " \r\n\t"} { // JSON whitespace alone is empty too
		r := f.do(t, "POST", "/ListResourcePolicies", body)
		if r.status != 200 || strings.TrimSpace(r.body) != `{"ResourcePolicies":[]}` {
			t.Fatalf("body %q: got %d %s, want 200 {\"ResourcePolicies\":[]}", body, r.status, r.body)
		}
	}
}

func TestW2_BadJSONIsSerializationException(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	for _, body := range []string{`{`, `[]`, `nonsense`, `{"PolicyName":5,"PolicyDocument":"{}"}`, `{"PolicyName":"a","PolicyDocument":"{}","BypassPolicyLockoutCheck":"yes"}`} {
		wantError(t, f.do(t, "POST", "/PutResourcePolicy", body), 400, xraylocal.SerializationException)
	}
	wantNoPolicies(t, f)
}

func TestW2_UnknownMembersIgnored(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	r := f.do(t, "POST", "/PutResourcePolicy", `{"PolicyName":"a","PolicyDocument":`+quote(snsPolicy)+`,"Surprise":{"x":[1]}}`)
	if r.status != 200 {
		t.Fatalf("got %d %s, want 200", r.status, r.body)
	}
}

// TestW2_MemberNamesMatchExactly: a member whose name differs only by case is an unknown
// member, ignored as AWS ignores it, and never overrides the real one after the checks.
func TestW2_MemberNamesMatchExactly(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	r := f.do(t, "POST", "/PutResourcePolicy", `{"PolicyName":"ok","PolicyDocument":`+quote(snsPolicy)+`,"policyname":"a b","POLICYDOCUMENT":"x"}`)
	if r.status != 200 || !strings.Contains(r.body, `"PolicyName":"ok"`) {
		t.Fatalf("got %d %s, want 200 for policy \"ok\"", r.status, r.body)
	}
	ps, _ := f.store.ListResourcePolicies(context.Background(), xraylocal.Scope{Account: xraylocal.DefaultAccount, Region: xraylocal.DefaultRegion})
	if len(ps) != 1 || ps[0].Name != "ok" || ps[0].Document != snsPolicy {
		t.Fatalf("stored %+v, want only policy ok with its document", ps)
	}
}

func TestW3_TimestampIsEpochSecondsNumber(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	r := f.do(t, "POST", "/PutResourcePolicy", putBody("sns", snsPolicy))
	if !regexp.MustCompile(`"LastUpdatedTime":1795694400\.25[,}]`).MatchString(r.body) {
		t.Fatalf("body %s: want LastUpdatedTime as the JSON number 1795694400.25", r.body)
	}
}

func TestW4_EveryResponseHasARequestID(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/ListResourcePolicies", "{}"},
		{"POST", "/ListResourcePolicies", "{}"},
		{"POST", "/PutResourcePolicy", "{}"},
		{"POST", "/NoSuchOperation", "{}"},
		{"GET", "/_xraylocal/health", ""},
	} {
		id := f.do(t, c.method, c.path, c.body).header.Get("X-Amzn-RequestId")
		if !uuid.MatchString(id) || seen[id] {
			t.Errorf("%s %s: X-Amzn-RequestId %q, want a fresh UUID", c.method, c.path, id)
		}
		seen[id] = true
	}
}

func TestW5_ErrorWireShape(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	r := f.do(t, "POST", "/PutResourcePolicy", putBody("p", `{"Version":"2012-10-17"}`))
	wantError(t, r, 400, xraylocal.MalformedPolicyDocumentException)
	var body map[string]any
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 3 {
		t.Errorf("error body %v: want exactly __type, message and Message", body)
	}
	if !strings.Contains(body["message"].(string), "Statement") {
		t.Errorf("message %q does not say what to fix (the missing Statement)", body["message"])
	}
	wantError(t, f.do(t, "POST", "/ListResourcePolicies", `{"NextToken":""}`), 400, xraylocal.InvalidRequestException)
}

func TestW6_UnknownPathIs404(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	for _, path := range []string{"/", "/putresourcepolicy", "/PutResourcePolicy/x", "/_xraylocal/nope"} {
		wantError(t, f.do(t, "POST", path, "{}"), 404, xraylocal.UnknownOperationException)
	}
}

func TestW6_NotBuiltOperationIs501(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	r := f.do(t, "POST", "/Groups", "{}")
	wantError(t, r, 501, xraylocal.NotImplemented)
	if !strings.Contains(r.body, "GetGroups") {
		t.Errorf("body %s does not name the operation GetGroups", r.body)
	}
}

func TestW6_WrongMethodIs405(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	r := f.do(t, "GET", "/ListResourcePolicies", "")
	wantError(t, r, 405, xraylocal.MethodNotAllowedException)
	if r.header.Get("Allow") != "POST" {
		t.Errorf("Allow = %q, want POST", r.header.Get("Allow"))
	}
	wantError(t, f.do(t, "POST", "/_xraylocal/health", ""), 405, xraylocal.MethodNotAllowedException)
}

func TestW7_ConstraintsCheckedBeforeState(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	for _, c := range []struct{ name, body, member string }{
		{"missing name", `{"PolicyDocument":` + quote(snsPolicy) + `}`, "PolicyName"},
		{"missing document", `{"PolicyName":"a"}`, "PolicyDocument"},
		{"empty name", putBody("", snsPolicy), "PolicyName"},
		{"long name", putBody(strings.Repeat("a", 129), snsPolicy), "PolicyName"},
		{"bad character", putBody("a b", snsPolicy), "PolicyName"},
		{"non-ASCII letter", putBody("é", snsPolicy), "PolicyName"},
	} {
		r := f.do(t, "POST", "/PutResourcePolicy", c.body)
		wantError(t, r, 400, xraylocal.InvalidRequestException)
		if !strings.Contains(r.body, c.member) {
			t.Errorf("%s: message %s does not name %s", c.name, r.body, c.member)
		}
	}
	wantNoPolicies(t, f)
	// The longest allowed name and every allowed character pass.
	if r := f.do(t, "POST", "/PutResourcePolicy", putBody(strings.Repeat("a", 122)+"+=,.@-", snsPolicy)); r.status != 200 {
		t.Fatalf("a valid 128-character name: got %d %s", r.status, r.body)
	}
}

func TestW8_BodyLimit(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	big := `{"PolicyName":"a","PolicyDocument":"` + strings.Repeat("x", 1<<20) + `"}`
	wantError(t, f.do(t, "POST", "/PutResourcePolicy", big), 413, xraylocal.RequestEntityTooLargeException)
	wantNoPolicies(t, f)
	// PutTraceSegments may carry 8 MiB: a 2 MiB body passes the limit and reaches the
	// (not yet built) operation.
	segs := `{"TraceSegmentDocuments":["` + strings.Repeat("x", 2<<20) + `"]}`
	wantError(t, f.do(t, "POST", "/TraceSegments", segs), 501, xraylocal.NotImplemented)
}

func TestT1_ThrottlePerAccountAndOperation(t *testing.T) {
	t.Parallel()
	f := start(t, options{throttle: map[string]float64{"PutResourcePolicy": 2}})
	put := func(name string) response { return f.do(t, "POST", "/PutResourcePolicy", putBody(name, snsPolicy)) }
	for _, name := range []string{"a", "b"} { // the burst is the rate
		if r := put(name); r.status != 200 {
			t.Fatalf("put %s within the burst: %d %s", name, r.status, r.body)
		}
	}
	wantError(t, put("c"), 429, xraylocal.ThrottledException)
	if r := f.do(t, "POST", "/ListResourcePolicies", "{}"); r.status != 200 { // other operations are not limited
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var out struct{ ResourcePolicies []struct{ PolicyName string } }
	_ = json.Unmarshal([]byte(f.do(t, "POST", "/ListResourcePolicies", "{}").body), &out)
	if len(out.ResourcePolicies) != 2 {
		t.Fatalf("after a throttled put: %d policies, want 2 (nothing stored)", len(out.ResourcePolicies))
	}
	f.clock.Advance(500 * time.Millisecond) // one token back at 2/s
	if r := put("c"); r.status != 200 {
		t.Fatalf("put after refill: %d %s", r.status, r.body)
	}
	wantError(t, put("d"), 429, xraylocal.ThrottledException)
	// A reset refills the buckets.
	if r := f.do(t, "POST", "/_xraylocal/reset", ""); r.status != 200 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if r := put("d"); r.status != 200 {
		t.Fatalf("put after reset: %d %s", r.status, r.body)
	}
}

func TestServer_ParseThrottle(t *testing.T) {
	t.Parallel()
	got, err := server.ParseThrottle("PutResourcePolicy=5, ListResourcePolicies=0.5")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]float64{"PutResourcePolicy": 5, "ListResourcePolicies": 0.5}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	for _, bad := range []string{"PutResourcePolicy", "Nope=1", "PutResourcePolicy=0", "PutResourcePolicy=-1", "PutResourcePolicy=x", "PutResourcePolicy=Inf"} {
		if _, err := server.ParseThrottle(bad); err == nil {
			t.Errorf("ParseThrottle(%q) succeeded, want an error", bad)
		}
	}
}

func TestOperator_HealthResetMetrics(t *testing.T) {
	t.Parallel()
	f := start(t, options{})
	r := f.do(t, "GET", "/_xraylocal/health", "")
	if r.status != 200 || !strings.Contains(r.body, `"status":"ok"`) {
		t.Fatalf("health: %d %s", r.status, r.body)
	}
	f.do(t, "POST", "/PutResourcePolicy", putBody("a", snsPolicy))
	f.do(t, "POST", "/PutResourcePolicy", "{}")
	if r := f.do(t, "POST", "/_xraylocal/reset", ""); r.status != 200 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	wantNoPolicies(t, f)
	m := f.do(t, "GET", "/_xraylocal/metrics", "").body
	for _, want := range []string{
		`xraylocal_requests_total{code="",operation="PutResourcePolicy"} 1`,
		`xraylocal_requests_total{code="InvalidRequestException",operation="PutResourcePolicy"} 1`,
		`xraylocal_request_duration_seconds_count{operation="PutResourcePolicy"} 2`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// failingStore fails every call the way a broken database would.
type failingStore struct {
	xraylocal.Store
	err   error
	panic bool
}

func (s failingStore) ListResourcePolicies(context.Context, xraylocal.Scope) ([]xraylocal.ResourcePolicy, error) {
	if s.panic {
		panic("store bug")
	}
	return nil, s.err
}
func (s failingStore) Ping(context.Context) error { return s.err }

func TestServer_InternalErrorsAreHidden(t *testing.T) {
	t.Parallel()
	secret := errors.New("disk /var/secret/path is on fire")
	for _, c := range []struct {
		name   string
		store  failingStore
		status int
		code   xraylocal.ErrorCode
	}{
		{"plain error", failingStore{err: secret}, 500, xraylocal.InternalFailure},
		{"unavailable", failingStore{err: errors.Join(xraylocal.ErrUnavailable, secret)}, 503, xraylocal.ServiceUnavailableException},
		{"panic", failingStore{panic: true}, 500, xraylocal.InternalFailure},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, options{store: c.store})
			r := f.do(t, "POST", "/ListResourcePolicies", "{}")
			wantError(t, r, c.status, c.code)
			if strings.Contains(r.body, "secret") || strings.Contains(r.body, "store bug") {
				t.Errorf("body %s reveals the internal error", r.body)
			}
			if r := f.do(t, "GET", "/_xraylocal/health", ""); c.store.err != nil && r.status != 503 {
				t.Errorf("health with a failing store: %d, want 503", r.status)
			}
		})
	}
}

func wantNoPolicies(t *testing.T, f *fixture) {
	t.Helper()
	ps, err := f.store.ListResourcePolicies(context.Background(), xraylocal.Scope{Account: xraylocal.DefaultAccount, Region: xraylocal.DefaultRegion})
	if err != nil || len(ps) != 0 {
		t.Fatalf("stored policies: %v, %v; want none", ps, err)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// lockedBuffer is a log destination shared by the server's goroutines and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServer_OneLogLinePerRequest: every request leaves one structured line with its
// request id, operation, error code, duration and time.
func TestServer_OneLogLinePerRequest(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	f := start(t, options{logger: slog.New(slog.NewJSONHandler(&out, nil))})
	ok := f.do(t, http.MethodPost, "/ListResourcePolicies", `{}`)
	bad := f.do(t, http.MethodPost, "/DeleteResourcePolicy", `{"PolicyName":"missing"}`)

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines for 2 requests:\n%s", len(lines), out.String())
	}
	for i, want := range []struct {
		resp      response
		operation string
		code      string
	}{{ok, "ListResourcePolicies", ""}, {bad, "DeleteResourcePolicy", "InvalidRequestException"}} {
		var line map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &line); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i, err, lines[i])
		}
		if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(line["time"])); err != nil {
			t.Errorf("line %d: time %v: %v", i, line["time"], err)
		}
		if d, ok := line["duration"].(float64); !ok || d <= 0 {
			t.Errorf("line %d: duration %v, want a positive number of nanoseconds", i, line["duration"])
		}
		for k, v := range map[string]string{
			"level": "INFO", "msg": "request", "method": http.MethodPost, "operation": want.operation,
			"path": "/" + want.operation, "error": want.code, "request_id": want.resp.header.Get("X-Amzn-RequestId"),
		} {
			if line[k] != v {
				t.Errorf("line %d: %s = %v, want %q", i, k, line[k], v)
			}
		}
		if remote, _ := line["remote"].(string); !strings.HasPrefix(remote, "127.0.0.1:") {
			t.Errorf("line %d: remote = %q, want the client's 127.0.0.1 address", i, remote)
		}
	}
}
