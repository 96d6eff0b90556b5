package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/internal/pgtest"
)

// The wire form of the COMMIT pgx sends at the end of a transaction (a simple Query
// message: 'Q', length 11, "commit" and its NUL), and of the server's answer to it (a
// CommandComplete: 'C', length 11, "COMMIT" and its NUL).
var (
	commitMessage  = []byte("Q\x00\x00\x00\x0bcommit\x00")
	commitComplete = []byte("C\x00\x00\x00\x0bCOMMIT\x00")
)

// cutProxy forwards connections to a PostgreSQL server. Once armed, it passes the next
// COMMIT on to the server and closes that connection's client side at once: the server
// commits, and the client never learns it. committed receives when the server has answered
// that COMMIT, so the test knows the transaction is done.
type cutProxy struct {
	ln        net.Listener
	armed     atomic.Bool
	cuts      atomic.Int32
	committed chan struct{}
	wg        sync.WaitGroup
}

func startCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, committed: make(chan struct{}, 1)}
	var mu sync.Mutex
	var conns []net.Conn
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, client, server)
			mu.Unlock()
			p.pipe(client, server)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) pipe(client, server net.Conn) {
	var cut atomic.Bool
	p.wg.Add(2)
	go func() { // client to server
		defer p.wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				chunk := buf[:n]
				now := p.armed.Load() && bytes.Contains(chunk, commitMessage) && p.armed.CompareAndSwap(true, false)
				if now {
					cut.Store(true) // before the COMMIT goes out, so its answer is never passed back
					p.cuts.Add(1)
				}
				if _, err := server.Write(chunk); err != nil {
					break
				}
				if now {
					client.Close()
					return // the server side stays open until its answer is in
				}
			}
			if err != nil {
				break
			}
		}
		server.Close()
	}()
	go func() { // server to client
		defer p.wg.Done()
		buf := make([]byte, 64<<10)
		var after []byte
		for {
			n, err := server.Read(buf)
			if n > 0 {
				if cut.Load() {
					if after = append(after, buf[:n]...); bytes.Contains(after, commitComplete) {
						p.committed <- struct{}{}
						server.Close()
						return
					}
				} else if _, err := client.Write(buf[:n]); err != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		client.Close()
	}()
}

// A write whose COMMIT reached the database but whose answer was lost may have committed:
// the store must answer ErrUnavailable and not try it again. Tried again, this Put would
// find its own write and fail with InvalidPolicyRevisionIdException (or, without an
// expected revision, be applied twice).
func TestUnavailable_CommitAnswerLostIsNotRetried(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startCutProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	s := open(t, u.String())
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	if _, err := s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scope, Name: "p", Document: "v1"}); err != nil {
		t.Fatal(err)
	}

	proxy.armed.Store(true)
	_, err = s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scope, Name: "p", Document: "v2", ExpectedRevision: str("1")})
	if proxy.cuts.Load() != 1 {
		t.Fatalf("the proxy cut %d commits, want 1 (did the store's COMMIT change form?)", proxy.cuts.Load())
	}
	if !errors.Is(err, xraylocal.ErrUnavailable) {
		t.Fatalf("put whose commit answer was lost: %v, want ErrUnavailable", err)
	}
	select {
	case <-proxy.committed:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not answer the COMMIT within 30s")
	}

	direct := open(t, dsn)
	t.Cleanup(func() { _ = direct.Close() })
	got, err := direct.ListResourcePolicies(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Document != "v2" || got[0].Revision != 2 {
		t.Fatalf("after the lost answer the database holds %+v, want p at revision 2 with v2 (committed once)", got)
	}
	// The store recovers on a new connection.
	if p, err := s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scope, Name: "p", Document: "v3", ExpectedRevision: str("2")}); err != nil || p.Revision != 3 {
		t.Fatalf("put after the cut: %+v, %v; want revision 3", p, err)
	}
}
