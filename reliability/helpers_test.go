package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal/internal/pgtest"
	"github.com/xraylocal/xraylocal/internal/testserver"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// policyDoc returns a valid document that cannot lock its author out (an Allow, rule P-6),
// made unique by tag so that a stored document tells which write put it there.
func policyDoc(tag string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"` + tag +
		`","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"xray:PutTraceSegments","Resource":"*"}]}`
}

// authorization is an Authorization header whose 12-digit access key picks account in the
// default open auth mode (rule A-2); the signature is not checked there.
func authorization(account string) string {
	return "AWS4-HMAC-SHA256 Credential=" + account +
		"/20260101/us-east-1/xray/aws4_request, SignedHeaders=host, Signature=00"
}

// client calls one xraylocal server over plain HTTP.
type client struct {
	url string
	hc  *http.Client
}

func newClient(url string) *client {
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: 30 * time.Second}
	return &client{url: url, hc: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// reply is one answer of the X-Ray API.
type reply struct {
	status int
	code   string // X-Amzn-ErrorType; empty on success
	header http.Header
	raw    []byte
}

// decode reads the reply's JSON body into v.
func (r reply) decode(v any) error {
	if err := json.Unmarshal(r.raw, v); err != nil {
		return fmt.Errorf("status %d, body %q is not the JSON expected: %v", r.status, r.raw, err)
	}
	return nil
}

func (r reply) String() string {
	return fmt.Sprintf("%d %s %s", r.status, r.code, bytes.TrimSpace(r.raw))
}

// call POSTs in as JSON to /op in account (empty: unsigned, account 000000000000). It
// returns an error only when no HTTP answer arrived: a test decides what a status means.
func (c *client) call(ctx context.Context, account, op string, in any) (reply, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return reply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/"+op, bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if account != "" {
		req.Header.Set("Authorization", authorization(account))
	}
	return c.send(req)
}

func (c *client) send(req *http.Request) (reply, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, code: resp.Header.Get("X-Amzn-ErrorType"), header: resp.Header, raw: raw}, nil
}

// putInput is PutResourcePolicy's request; an empty revision is left out.
func putInput(name, doc, revision string) map[string]any {
	in := map[string]any{"PolicyName": name, "PolicyDocument": doc}
	if revision != "" {
		in["PolicyRevisionId"] = revision
	}
	return in
}

// wirePolicy is a resource policy as the API returns it.
type wirePolicy struct {
	PolicyName       string
	PolicyDocument   string
	PolicyRevisionId string
	LastUpdatedTime  float64
}

// put calls PutResourcePolicy and, on a 200, returns the stored policy it reports.
func (c *client) put(ctx context.Context, account, name, doc, revision string) (reply, wirePolicy, error) {
	r, err := c.call(ctx, account, "PutResourcePolicy", putInput(name, doc, revision))
	if err != nil || r.status != http.StatusOK {
		return r, wirePolicy{}, err
	}
	var out struct{ ResourcePolicy wirePolicy }
	if err := r.decode(&out); err != nil {
		return r, wirePolicy{}, err
	}
	return r, out.ResourcePolicy, nil
}

// list returns account's policies by name, failing the test on any error.
func (c *client) list(t testing.TB, account string) map[string]wirePolicy {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.call(ctx, account, "ListResourcePolicies", map[string]any{})
	if err != nil {
		t.Fatalf("ListResourcePolicies in %s: %v", account, err)
	}
	var out struct{ ResourcePolicies []wirePolicy }
	if r.status != http.StatusOK {
		t.Fatalf("ListResourcePolicies in %s: %v", account, r)
	}
	if err := r.decode(&out); err != nil {
		t.Fatalf("ListResourcePolicies in %s: %v", account, err)
	}
	m := make(map[string]wirePolicy, len(out.ResourcePolicies))
	for _, p := range out.ResourcePolicies {
		if _, dup := m[p.PolicyName]; dup {
			t.Fatalf("ListResourcePolicies in %s lists %q twice", account, p.PolicyName)
		}
		m[p.PolicyName] = p
	}
	return m
}

// revision reads a revision id as the decimal number rule P-7 makes it.
func revision(t testing.TB, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || strconv.Itoa(n) != id {
		t.Fatalf("revision id %q is not a decimal number from 1 (rule P-7)", id)
	}
	return n
}

// healthy fails the test unless the server answers its health endpoint with 200.
func healthy(t testing.TB, p *testserver.Process, after string) {
	t.Helper()
	if err := p.WaitHealthy(5 * time.Second); err != nil {
		t.Fatalf("after %s: %v\n%s", after, err, tail(p.Stderr()))
	}
}

// tail returns the end of a server's log, for failure messages.
func tail(log string) string {
	const n = 4000
	if len(log) > n {
		return "...\n" + log[len(log)-n:]
	}
	return log
}

// seed returns the seed of a randomised test, XRAYLOCAL_RELIABILITY_SEED when set (to
// replay a failure), and logs it.
func seed(t testing.TB) int64 {
	t.Helper()
	s := time.Now().UnixNano()
	if v := os.Getenv("XRAYLOCAL_RELIABILITY_SEED"); v != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			t.Fatalf("XRAYLOCAL_RELIABILITY_SEED=%q: %v", v, err)
		}
		s = n
	}
	t.Logf("seed %d (XRAYLOCAL_RELIABILITY_SEED=%d replays it)", s, s)
	return s
}
