package reliability

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xraylocal/xraylocal/internal/testserver"
)

// writer owns one policy name in one account and writes it again and again with the
// revision it last saw acknowledged, so every write it sends must succeed.
type writer struct {
	account, name string
	acked         int    // the latest revision a 200 acknowledged (0: none yet)
	ackedDoc      string // the document of that write
	inflight      string // the document of the write sent last and not answered, if any
	seq           int    // writes sent, for unique documents
	acks          int    // writes acknowledged in this round
	err           error  // why the writer stopped, when it was not the crash
	// unknown counts the writes cut off by a crash; committed, those the store kept anyway.
	unknown, committed int
	// stop, when set, holds the times (UnixNano) just before and just after a stop signal
	// was sent; spanned counts the acknowledged writes sent before and answered after it.
	stop    *[2]atomic.Int64
	spanned int
}

// run writes until the server stops answering or ctx ends.
func (w *writer) run(ctx context.Context, c *client, round int) {
	for ctx.Err() == nil {
		w.seq++
		doc := policyDoc(fmt.Sprintf("R%dW%s%sS%d", round, w.account[9:], w.name, w.seq))
		expected := "0" // create only (rule P-4)
		if w.acked > 0 {
			expected = strconv.Itoa(w.acked)
		}
		w.inflight = doc
		sent := time.Now().UnixNano()
		r, got, err := c.put(ctx, w.account, w.name, doc, expected)
		answered := time.Now().UnixNano()
		switch {
		case err != nil && r.status == 0:
			return // the connection failed: the crash (or ctx) stopped us
		case err != nil:
			w.err = err
			return
		case r.status != http.StatusOK:
			w.err = fmt.Errorf("Put %s with revision %s: %v", w.name, expected, r)
			return
		case got.PolicyRevisionId != strconv.Itoa(w.acked+1) || got.PolicyDocument != doc:
			w.err = fmt.Errorf("Put %s with revision %s answered revision %s and document %q; want revision %d and the document sent",
				w.name, expected, got.PolicyRevisionId, got.PolicyDocument, w.acked+1)
			return
		}
		w.acked, w.ackedDoc, w.inflight = w.acked+1, doc, ""
		w.acks++
		if w.stop != nil {
			if before, after := w.stop[0].Load(), w.stop[1].Load(); after != 0 && sent < before && answered > after {
				w.spanned++
			}
		}
	}
}

// check compares what the store holds with what w was told, then takes the stored state
// as w's own. A write that was in flight at the crash may or may not have been committed;
// an acknowledged one must have been.
func (w *writer) check(t *testing.T, stored map[string]wirePolicy, when string) {
	t.Helper()
	p, ok := stored[w.name]
	if !ok {
		if w.acked > 0 {
			t.Errorf("%s: %s/%s lost: acknowledged at revision %d, now absent", when, w.account, w.name, w.acked)
		}
		w.inflight = ""
		return
	}
	rev := revision(t, p.PolicyRevisionId)
	switch {
	case rev < w.acked:
		t.Errorf("%s: %s/%s went back from acknowledged revision %d to %d", when, w.account, w.name, w.acked, rev)
	case rev == w.acked && p.PolicyDocument != w.ackedDoc:
		t.Errorf("%s: %s/%s at acknowledged revision %d holds %q, want %q", when, w.account, w.name, rev, p.PolicyDocument, w.ackedDoc)
	case rev == w.acked+1 && (w.inflight == "" || p.PolicyDocument != w.inflight):
		t.Errorf("%s: %s/%s at revision %d holds %q; the only write that could be there unacknowledged is %q",
			when, w.account, w.name, rev, p.PolicyDocument, w.inflight)
	case rev > w.acked+1:
		t.Errorf("%s: %s/%s at revision %d, but only revision %d was acknowledged and one write was in flight",
			when, w.account, w.name, rev, w.acked)
	}
	if w.inflight != "" {
		w.unknown++
		if rev == w.acked+1 {
			w.committed++
		}
	}
	w.acked, w.ackedDoc, w.inflight = rev, p.PolicyDocument, ""
}

// TestCrash_NoAcknowledgedWriteLost kills a server with SIGKILL while 16 writers are busy,
// at a random moment, and restarts it on the same store, five times: every write that was
// acknowledged with a 200 must be there, and no revision may go back. The SQLite store
// acknowledges a write only after the commit that holds it (synchronous=FULL, WAL); the
// PostgreSQL store after COMMIT.
func TestCrash_NoAcknowledgedWriteLost(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		crashRounds(t, "sqlite:"+filepath.Join(t.TempDir(), "xraylocal.db"), nil)
	})
	// PostgreSQL keeps what it committed; this checks that xraylocal answers only after
	// the commit, and that a transaction cut off by the kill leaves nothing behind.
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := postgresDSN(t)
		crashRounds(t, dsn, func(t *testing.T) { waitForNoSessions(t, dsn) })
	})
}

// waitForNoSessions waits until no other session is connected to the database of dsn.
// A killed server's sessions end when PostgreSQL notices the closed connections; one
// that had sent COMMIT finishes it first. Until then a write in flight at the kill may
// still land, after the restarted server has read the state.
func waitForNoSessions(t *testing.T, dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to see the killed server's sessions: %v", err)
	}
	defer conn.Close(context.Background())
	for {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
		switch {
		case err != nil:
			t.Fatalf("count the killed server's sessions: %v", err)
		case n == 0:
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// crashRounds runs the rounds of TestCrash_NoAcknowledgedWriteLost on the store db.
// settle, when not nil, runs after each kill and before the restart.
func crashRounds(t *testing.T, db string, settle func(*testing.T)) {
	const (
		rounds   = 5
		accounts = 4
		perAcct  = 4 // at most 5 policies per account (rule P-5)
	)
	rng := rand.New(rand.NewSource(seed(t)))

	var writers []*writer
	var accountIDs []string
	for a := range accounts {
		acct := fmt.Sprintf("1111111111%02d", a+1)
		accountIDs = append(accountIDs, acct)
		for n := range perAcct {
			writers = append(writers, &writer{account: acct, name: fmt.Sprintf("crash-%d", n)})
		}
	}
	verify := func(c *client, when string) {
		t.Helper()
		for _, acct := range accountIDs {
			stored := c.list(t, acct)
			if len(stored) > perAcct {
				t.Errorf("%s: account %s holds %d policies, want at most %d: %v", when, acct, len(stored), perAcct, stored)
			}
			for _, w := range writers {
				if w.account == acct {
					w.check(t, stored, when)
				}
			}
		}
	}

	testserver.Binary(t) // the first build is slow on a busy machine; the rounds are timed after it
	deadline := time.Now().Add(20 * time.Second)
	round := 1
	for ; round <= rounds && time.Now().Before(deadline); round++ {
		p := testserver.Start(t, nil, "--store", db)
		c := newClient(p.URL)
		verify(c, fmt.Sprintf("round %d, after restart", round))
		if t.Failed() {
			t.Fatalf("server log:\n%s", tail(p.Stderr()))
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var wg sync.WaitGroup
		for _, w := range writers {
			w.acks, w.err = 0, nil
			wg.Go(func() { w.run(ctx, c, round) })
		}
		crashAfter := 300*time.Millisecond + time.Duration(rng.Int63n(int64(600*time.Millisecond)))
		time.Sleep(crashAfter)
		p.Kill()
		wg.Wait()
		cancel()
		c.close()
		if settle != nil {
			settle(t)
		}

		acks := 0
		for _, w := range writers {
			if w.err != nil {
				t.Errorf("round %d: %s/%s: %v", round, w.account, w.name, w.err)
			}
			acks += w.acks
		}
		t.Logf("round %d: killed after %v, %d writes acknowledged", round, crashAfter, acks)
		if acks == 0 {
			t.Fatalf("round %d: no write was acknowledged before the kill: the round tested nothing\n%s", round, tail(p.Stderr()))
		}
	}
	if round <= 2 {
		t.Fatalf("only %d rounds ran in 20s", round-1)
	}
	p := testserver.Start(t, nil, "--store", db)
	c := newClient(p.URL)
	defer c.close()
	verify(c, "after the last restart")
	total, unknown, committed := 0, 0, 0
	for _, w := range writers {
		total, unknown, committed = total+w.acked, unknown+w.unknown, committed+w.committed
	}
	t.Logf("%d writes stored; %d cut off by a kill, of which %d were committed before it", total, unknown, committed)
	if total == 0 {
		t.Fatal("nothing was written")
	}
}
