package reliability

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal/internal/pgtest"
	"github.com/xraylocal/xraylocal/internal/testserver"
)

// racers is how many requests race in each contest of TestP8_ConcurrencyOverHTTP.
const racers = 24

// race sends n requests at once, the i-th through clients[i%len(clients)], and returns
// their replies in order. A request that gets no HTTP answer fails the test.
func race(t *testing.T, clients []*client, n int, send func(ctx context.Context, c *client, i int) (reply, error)) []reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	replies := make([]reply, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			ready.Done()
			<-start
			replies[i], errs[i] = send(ctx, clients[i%len(clients)], i)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d of %d got no answer: %v", i, n, err)
		}
	}
	return replies
}

// winners returns the indexes of the replies that are 200, failing the test on any reply
// that is neither 200 nor 400 with the code loser.
func winners(t *testing.T, replies []reply, loser string) []int {
	t.Helper()
	var won []int
	for i, r := range replies {
		switch {
		case r.status == http.StatusOK:
			won = append(won, i)
		case r.status != http.StatusBadRequest || r.code != loser:
			t.Errorf("request %d: %v; want 200 or 400 %s", i, r, loser)
		}
	}
	return won
}

// TestP8_ConcurrencyOverHTTP checks rule P-8 through the HTTP server on every store: of
// concurrent writes that name the same expected revision exactly one succeeds, and
// concurrent creates never leave more than 5 policies (P-5). On the SQLite and PostgreSQL
// stores the requests are spread over two server processes sharing the store.
func TestP8_ConcurrencyOverHTTP(t *testing.T) {
	t.Parallel()
	stores := []struct {
		name      string
		dsn       func(t *testing.T) string
		processes int
	}{
		{name: "memory", dsn: func(*testing.T) string { return "memory" }, processes: 1},
		{name: "sqlite", dsn: func(t *testing.T) string {
			return "sqlite:" + filepath.Join(t.TempDir(), "xraylocal.db")
		}, processes: 2},
		{name: "postgres", dsn: postgresDSN, processes: 2},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			dsn := st.dsn(t)
			var clients []*client
			for range st.processes {
				p := testserver.Start(t, nil, "--store", dsn)
				c := newClient(p.URL)
				t.Cleanup(c.close)
				clients = append(clients, c)
			}
			t.Run("same expected revision", func(t *testing.T) { sameRevision(t, clients) })
			t.Run("create only", func(t *testing.T) { createOnly(t, clients) })
			t.Run("delete with revision", func(t *testing.T) { deleteRevision(t, clients) })
			t.Run("count limit", func(t *testing.T) { countLimit(t, clients) })
		})
	}
}

// postgresDSN returns a fresh database on the PostgreSQL server the project's tests use.
func postgresDSN(t *testing.T) string {
	t.Helper()
	if os.Getenv(pgtest.EnvDSN) == "" {
		t.Fatalf("%s is not set: run scripts/test.sh, which starts PostgreSQL and sets it, "+
			"or set it to the postgres:// DSN of a server where the role may create databases", pgtest.EnvDSN)
	}
	dsn := pgtest.NewDatabase(t)
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		t.Fatalf("%s must be a postgres:// URL, the form xraylocal serve --store takes", pgtest.EnvDSN)
	}
	return dsn
}

// sameRevision: racers Puts naming the current revision, five times over; exactly one wins
// each time, and the store holds the winner's document.
func sameRevision(t *testing.T, clients []*client) {
	const account, name = "222222222201", "contended"
	ctx := context.Background()
	r, p, err := clients[0].put(ctx, account, name, policyDoc("Start"), "0")
	if err != nil || r.status != http.StatusOK || p.PolicyRevisionId != "1" {
		t.Fatalf("create: %v %v %+v", err, r, p)
	}
	for rev := 1; rev <= 5; rev++ {
		doc := func(i int) string { return policyDoc(fmt.Sprintf("Rev%dRacer%d", rev, i)) }
		replies := race(t, clients, racers, func(ctx context.Context, c *client, i int) (reply, error) {
			r, _, err := c.put(ctx, account, name, doc(i), strconv.Itoa(rev))
			return r, err
		})
		won := winners(t, replies, "InvalidPolicyRevisionIdException")
		if len(won) != 1 {
			t.Fatalf("revision %d: %d of %d Puts succeeded, want exactly 1: %v", rev, len(won), racers, won)
		}
		var got struct{ ResourcePolicy wirePolicy }
		if err := replies[won[0]].decode(&got); err != nil {
			t.Fatal(err)
		}
		if want := strconv.Itoa(rev + 1); got.ResourcePolicy.PolicyRevisionId != want {
			t.Fatalf("revision %d: the winner got revision %s, want %s", rev, got.ResourcePolicy.PolicyRevisionId, want)
		}
		for _, c := range clients {
			stored := c.list(t, account)[name]
			if stored.PolicyRevisionId != strconv.Itoa(rev+1) || stored.PolicyDocument != doc(won[0]) {
				t.Fatalf("revision %d: %s holds revision %s %q; want the winner's revision %d %q",
					rev, c.url, stored.PolicyRevisionId, stored.PolicyDocument, rev+1, doc(won[0]))
			}
		}
	}
}

// createOnly: racers Puts of one new name with revision "0"; exactly one creates it.
func createOnly(t *testing.T, clients []*client) {
	const account, name = "222222222202", "created-once"
	replies := race(t, clients, racers, func(ctx context.Context, c *client, i int) (reply, error) {
		r, _, err := c.put(ctx, account, name, policyDoc(fmt.Sprintf("Racer%d", i)), "0")
		return r, err
	})
	won := winners(t, replies, "InvalidPolicyRevisionIdException")
	if len(won) != 1 {
		t.Fatalf("%d of %d creates succeeded, want exactly 1: %v", len(won), racers, won)
	}
	stored := clients[len(clients)-1].list(t, account)[name]
	if stored.PolicyRevisionId != "1" || stored.PolicyDocument != policyDoc(fmt.Sprintf("Racer%d", won[0])) {
		t.Fatalf("stored %+v; want the winner's document at revision 1", stored)
	}
}

// deleteRevision: racers Deletes naming the current revision; exactly one deletes it
// (rule D-2), the rest find no policy of that revision.
func deleteRevision(t *testing.T, clients []*client) {
	const account, name = "222222222203", "deleted-once"
	r, _, err := clients[0].put(context.Background(), account, name, policyDoc("Start"), "")
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("create: %v %v", err, r)
	}
	replies := race(t, clients, racers, func(ctx context.Context, c *client, i int) (reply, error) {
		return c.call(ctx, account, "DeleteResourcePolicy", map[string]any{"PolicyName": name, "PolicyRevisionId": "1"})
	})
	if won := winners(t, replies, "InvalidPolicyRevisionIdException"); len(won) != 1 {
		t.Fatalf("%d of %d deletes succeeded, want exactly 1: %v", len(won), racers, won)
	}
	if stored := clients[0].list(t, account); len(stored) != 0 {
		t.Fatalf("after the delete the account holds %v", stored)
	}
}

// countLimit: 40 Puts of 40 new names in one account; exactly 5 succeed (rules P-5, P-8),
// and those 5 are what the account holds.
func countLimit(t *testing.T, clients []*client) {
	const account, names = "222222222204", 40
	name := func(i int) string { return fmt.Sprintf("new-%02d", i) }
	replies := race(t, clients, names, func(ctx context.Context, c *client, i int) (reply, error) {
		r, _, err := c.put(ctx, account, name(i), policyDoc(fmt.Sprintf("Name%d", i)), "")
		return r, err
	})
	won := winners(t, replies, "PolicyCountLimitExceededException")
	if len(won) != 5 {
		t.Fatalf("%d of %d creates of new names succeeded, want exactly 5: %v", len(won), names, won)
	}
	for _, c := range clients {
		stored := c.list(t, account)
		var got, want []string
		for n, p := range stored {
			got = append(got, n+" "+p.PolicyDocument)
		}
		for _, i := range won {
			want = append(want, name(i)+" "+policyDoc(fmt.Sprintf("Name%d", i)))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("%s holds %d policies %v; want the 5 that succeeded %v", c.url, len(got), got, want)
		}
	}
}
