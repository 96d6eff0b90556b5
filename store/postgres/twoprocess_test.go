package postgres_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/internal/pgtest"
	"github.com/xraylocal/xraylocal/internal/testserver"
)

// snsPolicy is a valid document that cannot lock its author out (an Allow, rule P-6).
const snsPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"SNSAccess","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"xray:PutTraceSegments","Resource":"*"}]}`

// response is one answer of the X-Ray API: its status, its error code (empty on success)
// and its body.
type response struct {
	status int
	code   xraylocal.ErrorCode
	body   map[string]any
}

// post sends an unsigned JSON request to an xraylocal server (account 000000000000,
// us-east-1, rule A-2).
func post(url, op string, in map[string]any) (response, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return response{}, err
	}
	resp, err := http.Post(url+"/"+op, "application/json", bytes.NewReader(b))
	if err != nil {
		return response{}, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s: %w", op, err)
	}
	r := response{status: resp.StatusCode, code: xraylocal.ErrorCode(resp.Header.Get("X-Amzn-ErrorType"))}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		return response{}, fmt.Errorf("%s answered %d with a body that is not JSON: %q", op, resp.StatusCode, raw)
	}
	return r, nil
}

// call is post for the test's own goroutine: it fails the test on a transport error.
func call(t *testing.T, url, op string, in map[string]any) response {
	t.Helper()
	r, err := post(url, op, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// err returns nil for a 200, the answer as an *xraylocal.Error when its status is the one
// its code goes with, and a plain error (an internal failure to ErrorCodeOf) otherwise.
func (r response) err() error {
	switch {
	case r.status == 200:
		return nil
	case r.code != "" && r.status == r.code.HTTPStatus():
		return &xraylocal.Error{Code: r.code, Message: fmt.Sprint(r.body["message"])}
	default:
		return fmt.Errorf("HTTP %d %q %v", r.status, r.code, r.body)
	}
}

// putVia returns a race op that sends PutResourcePolicy through the servers in turn.
func putVia(servers []string, in func(i int) map[string]any) func(i int) error {
	return func(i int) error {
		r, err := post(servers[i%len(servers)], "PutResourcePolicy", in(i))
		if err != nil {
			return err
		}
		return r.err()
	}
}

// listed returns the policies ListResourcePolicies answers, failing the test on an error
// or an answer of another shape.
func listed(t *testing.T, url string) []map[string]any {
	t.Helper()
	r := call(t, url, "ListResourcePolicies", map[string]any{})
	list, ok := r.body["ResourcePolicies"].([]any)
	if r.status != 200 || !ok {
		t.Fatalf("ListResourcePolicies: %d %s %v", r.status, r.code, r.body)
	}
	out := make([]map[string]any, len(list))
	for i, p := range list {
		if out[i], ok = p.(map[string]any); !ok {
			t.Fatalf("ListResourcePolicies: entry %d is %T, want an object", i, p)
		}
	}
	return out
}

// urlDSN returns a fresh database's DSN in the URL form --store takes.
func urlDSN(t *testing.T) string {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		t.Fatalf("%s must be a postgres:// URL for tests that pass it to xraylocal serve --store", pgtest.EnvDSN)
	}
	return dsn
}

// TestP8_TwoProcessesOneDatabase races Puts through two xraylocal server processes on one
// database, over HTTP, as two replicas behind a load balancer would see them.
func TestP8_TwoProcessesOneDatabase(t *testing.T) {
	dsn := urlDSN(t)
	servers := [2]string{
		testserver.Start(t, nil, "--store", dsn).URL,
		testserver.Start(t, nil, "--store", dsn).URL,
	}

	t.Run("SameExpectedRevisionOneWins", func(t *testing.T) {
		if r := call(t, servers[0], "PutResourcePolicy", map[string]any{"PolicyName": "p", "PolicyDocument": snsPolicy}); r.status != 200 {
			t.Fatalf("create: %d %s %v", r.status, r.code, r.body)
		}
		const n = 24
		wins := race(t, n, xraylocal.InvalidPolicyRevisionIdException, putVia(servers[:], func(int) map[string]any {
			return map[string]any{"PolicyName": "p", "PolicyDocument": snsPolicy, "PolicyRevisionId": "1"}
		}))
		if wins != 1 {
			t.Fatalf("%d of %d puts with the same PolicyRevisionId succeeded, want exactly 1", wins, n)
		}
		for i, url := range servers {
			if got := listed(t, url); len(got) != 1 || got[0]["PolicyName"] != "p" || got[0]["PolicyRevisionId"] != "2" {
				t.Fatalf("server %d lists %v, want policy p at revision 2", i, got)
			}
		}
	})

	t.Run("CreatesNeverExceedLimit", func(t *testing.T) {
		const n = 30
		wins := race(t, n, xraylocal.PolicyCountLimitExceededException, putVia(servers[:], func(i int) map[string]any {
			return map[string]any{"PolicyName": fmt.Sprintf("new%02d", i), "PolicyDocument": snsPolicy}
		}))
		// "p" from the subtest before holds one of the five places.
		if want := xraylocal.MaxResourcePolicies - 1; wins != want {
			t.Fatalf("%d of %d creates succeeded beside the existing policy, want %d", wins, n, want)
		}
		for i, url := range servers {
			if got := listed(t, url); len(got) != xraylocal.MaxResourcePolicies {
				t.Fatalf("server %d lists %v, want %d policies", i, got, xraylocal.MaxResourcePolicies)
			}
		}
	})
}

// TestUnavailable_ServerAnswers503 checks the whole path of an outage: a server on
// PostgreSQL answers 503 ServiceUnavailableException while the database is down, and
// serves again once it is back, without a restart.
func TestUnavailable_ServerAnswers503(t *testing.T) {
	db := pgtest.StartServer(t) // our own: this test stops it
	url := testserver.Start(t, nil, "--store", db.DSN()).URL
	put := func(name string) response {
		return call(t, url, "PutResourcePolicy", map[string]any{"PolicyName": name, "PolicyDocument": snsPolicy})
	}
	if r := put("before"); r.status != 200 {
		t.Fatalf("put: %d %s %v", r.status, r.code, r.body)
	}
	db.Stop(t)
	if r := put("during"); r.status != 503 || r.code != xraylocal.ServiceUnavailableException {
		t.Fatalf("put with the database down: %d %s %v, want 503 %s", r.status, r.code, r.body, xraylocal.ServiceUnavailableException)
	}
	if resp, err := http.Get(url + "/_xraylocal/health"); err != nil || resp.StatusCode != 503 {
		t.Fatalf("health with the database down: %v, %v; want 503", resp, err)
	} else {
		resp.Body.Close()
	}
	db.Start(t)
	if r := put("after"); r.status != 200 {
		t.Fatalf("put once the database is back: %d %s %v", r.status, r.code, r.body)
	}
	var names []string
	for _, p := range listed(t, url) {
		names = append(names, fmt.Sprint(p["PolicyName"]))
	}
	if got := strings.Join(names, ","); got != "after,before" {
		t.Fatalf("after the outage the server lists %q, want \"after,before\"", got)
	}
}
