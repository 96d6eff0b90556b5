package reliability

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal/internal/testserver"
)

// TestGracefulStop_InFlightRequestsSurvive stops a server on a SQLite file with SIGTERM
// (and SIGINT) while writes are in flight: one request whose body is still arriving when
// the signal comes, and 32 writers in a loop. The server stops accepting at once, finishes
// the requests it has, closes the store and exits 0; every write it acknowledged is there
// after a restart on the same file, and a request after the stop is refused, not left to
// hang.
func TestGracefulStop_InFlightRequestsSurvive(t *testing.T) {
	t.Parallel()
	for name, sig := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			gracefulStop(t, sig)
		})
	}
}

func gracefulStop(t *testing.T, sig syscall.Signal) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "xraylocal.db")
	p := testserver.Start(t, nil, "--store", db)
	c := newClient(p.URL)
	defer c.close()

	// A request whose headers and half its body have arrived: in flight at the signal.
	const slowAccount, slowName = "444444444400", "slow"
	slowDoc := policyDoc("Slow")
	slowBody := mustJSON(putInput(slowName, slowDoc, ""))
	slow, err := net.DialTimeout("tcp", p.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_ = slow.SetDeadline(time.Now().Add(20 * time.Second))
	half := len(slowBody) / 2
	fmt.Fprintf(slow, "POST /PutResourcePolicy HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		p.Addr, authorization(slowAccount), len(slowBody), slowBody[:half])

	// 32 writers, four per account (P-5 allows five).
	var writers []*writer
	var stop [2]atomic.Int64
	for i := range 32 {
		writers = append(writers, &writer{account: fmt.Sprintf("4444444444%02d", i/4+1), name: fmt.Sprintf("w%d", i%4), stop: &stop})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Go(func() { w.run(ctx, c, 1) })
	}
	// Let the writes flow, then signal.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if r := c.list(t, writers[0].account); len(r) == 4 || time.Now().After(deadline) {
			break
		}
	}
	time.Sleep(100 * time.Millisecond)
	stop[0].Store(time.Now().UnixNano())
	if err := p.Signal(sig); err != nil {
		t.Fatal(err)
	}
	stop[1].Store(time.Now().UnixNano())

	// The listener closes at once, while the slow request keeps the process alive.
	refused := false
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && !refused; time.Sleep(10 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err == nil {
			conn.Close()
			continue
		}
		refused = errors.Is(err, syscall.ECONNREFUSED)
	}
	if !refused {
		t.Errorf("new connections were still accepted 3s after %v", sig)
	}
	if err := p.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the server exited with a request in flight: %v\n%s", err, tail(p.Stderr()))
	}

	// The rest of the slow request's body: it is answered, and its write kept.
	if _, err := slow.Write(slowBody[half:]); err != nil {
		t.Fatalf("the server dropped the request in flight at %v: %v", sig, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight at %v: %v\n%s", sig, err, tail(p.Stderr()))
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the request in flight at %v: %d %s", sig, resp.StatusCode, raw)
	}

	waitStart := time.Now()
	if code := p.Wait(t, 5*time.Second); code != 0 {
		t.Errorf("exit code %d after %v, want 0\n%s", code, sig, tail(p.Stderr()))
	}
	t.Logf("exited %v after the last answer", time.Since(waitStart).Round(time.Millisecond))
	if !strings.Contains(p.Stderr(), "stopping: finishing the requests in flight") {
		t.Errorf("the server did not log its graceful stop:\n%s", tail(p.Stderr()))
	}
	wg.Wait()

	// After the stop: refused at once, not a hang.
	after := &http.Client{Timeout: 3 * time.Second}
	if _, err := after.Post(p.URL+"/ListResourcePolicies", "application/json", strings.NewReader("{}")); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a request after the stop: %v; want connection refused", err)
	}

	acks, spanned := 0, 0
	for _, w := range writers {
		if w.err != nil {
			t.Errorf("%s/%s: %v", w.account, w.name, w.err)
		}
		acks += w.acks
		spanned += w.spanned
	}
	t.Logf("%d writes acknowledged, %d of them sent before %v and answered after it", acks, spanned, sig)
	if acks == 0 {
		t.Fatal("no write was acknowledged: the test tested nothing")
	}

	// Restart on the same file: every acknowledged write is there.
	p2 := testserver.Start(t, nil, "--store", db)
	c2 := newClient(p2.URL)
	defer c2.close()
	if got := c2.list(t, slowAccount)[slowName]; resp.StatusCode == http.StatusOK && (got.PolicyRevisionId != "1" || got.PolicyDocument != slowDoc) {
		t.Errorf("the write in flight at %v was acknowledged but the store holds %+v", sig, got)
	}
	stored := map[string]map[string]wirePolicy{}
	for _, w := range writers {
		if stored[w.account] == nil {
			stored[w.account] = c2.list(t, w.account)
		}
		w.check(t, stored[w.account], "after the restart")
	}
}
