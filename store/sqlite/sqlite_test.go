package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/store/storetest"
)

var (
	scopeA = xraylocal.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB = xraylocal.Scope{Account: "222222222222", Region: "eu-west-1"}
	t0     = time.Date(2026, 11, 26, 12, 0, 0, 123456000, time.UTC)
)

func str(s string) *string { return &s }

func put(scope xraylocal.Scope, name, doc string, expected *string) xraylocal.PutRequest {
	return xraylocal.PutRequest{Scope: scope, Name: name, Document: doc, ExpectedRevision: expected, Time: t0}
}

// openTest opens the store at path and closes it at the end of the test.
func openTest(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "xraylocal.db")
}

func list(t testing.TB, s xraylocal.Store, scope xraylocal.Scope) []xraylocal.ResourcePolicy {
	t.Helper()
	got, err := s.ListResourcePolicies(context.Background(), scope)
	if err != nil {
		t.Fatalf("list %v: %v", scope, err)
	}
	return got
}

// rawDB opens path with the driver directly, bypassing Store, to prepare or inspect files.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) xraylocal.Store {
			// Folders that do not exist yet: Open creates them.
			s, err := Open(context.Background(), filepath.Join(t.TempDir(), "sub", "dir", "xraylocal.db"))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		},
		Reopen: func(t *testing.T, s xraylocal.Store) xraylocal.Store {
			path := s.(*Store).path
			if err := s.Close(); err != nil {
				t.Fatalf("close before reopen: %v", err)
			}
			s2, err := Open(context.Background(), path)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			return s2
		},
		Second: func(t *testing.T, s xraylocal.Store) xraylocal.Store {
			s2, err := Open(context.Background(), s.(*Store).path)
			if err != nil {
				t.Fatalf("open a second store on the file: %v", err)
			}
			return s2
		},
	})
}

func TestOpen_NewerSchemaRefused(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	s := openTest(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	s, err := Open(context.Background(), path)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a file with a newer schema succeeded, want ErrSchemaTooNew")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open: %v, want ErrSchemaTooNew", err)
	}
	if want := fmt.Sprintf("schema version %d", schemaVersion+1); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the file's version (%q)", err, want)
	}
}

func TestOpen_NotADatabase(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	content := []byte(strings.Repeat("this is a text file, not a database\n", 200))
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a text file succeeded")
	}
	if !errors.Is(err, ErrNotADatabase) {
		t.Fatalf("Open: %v, want ErrNotADatabase", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	got, rerr := os.ReadFile(path)
	if rerr != nil || string(got) != string(content) {
		t.Errorf("the file changed after the failed Open (%v)", rerr)
	}
}

func TestOpen_ForeignDatabaseRefused(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	db := rawDB(t, path)
	if _, err := db.Exec(`CREATE TABLE users (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of another program's database succeeded")
	}
	if !errors.Is(err, ErrForeignDatabase) {
		t.Fatalf("Open: %v, want ErrForeignDatabase", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'policies'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("policies table in the foreign database: %d, %v; want none", n, err)
	}
}

func TestOpen_Folder(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), t.TempDir())
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a folder succeeded")
	}
}

// TestOpen_FileAndPragmas checks the settings durability rests on, as the file reports them.
func TestOpen_FileAndPragmas(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a?b#c d.db") // characters a URI must escape
	s := openTest(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	for _, c := range []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.w, "journal_mode", "wal"},
		{s.w, "synchronous", "2"}, // FULL
		{s.w, "busy_timeout", strconv.FormatInt(defaultBusyTimeout.Milliseconds(), 10)},
		{s.w, "journal_size_limit", "67108864"},
		{s.w, "user_version", strconv.Itoa(schemaVersion)},
		{s.w, "application_id", strconv.Itoa(applicationID)},
		{s.r, "synchronous", "2"},
		{s.r, "query_only", "1"},
	} {
		var got string
		if err := c.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", c.pragma, err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s = %q, want %q", c.pragma, got, c.want)
		}
	}
}

// holdWriter makes the writer of s stop before its first batch until n requests have
// started and had time to queue behind it; release lets it go. It must be called
// before the first write.
func holdWriter(s *Store, started *atomic.Int64, n int64) (release func()) {
	ch := make(chan struct{})
	var once sync.Once
	s.beforeBatch = func() {
		once.Do(func() {
			<-ch
			for started.Load() < n {
				time.Sleep(time.Millisecond)
			}
			// The goroutines have called Put; give them time to block on the hand-over.
			time.Sleep(50 * time.Millisecond)
		})
	}
	return func() { close(ch) }
}

func TestGroupCommit_BatchesUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := openTest(t, newPath(t))
	ctx := context.Background()
	const n = 64
	var started atomic.Int64
	release := holdWriter(s, &started, n)

	revs := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			var p xraylocal.ResourcePolicy
			p, errs[i] = s.PutResourcePolicy(ctx, put(scopeA, "p", fmt.Sprintf("writer %d", i), nil))
			revs[i] = p.Revision
		}()
	}
	release()
	wg.Wait()

	// Every Put got its own decision against the state left by the ones before it,
	// also within a batch: the revisions are 1..n, each once.
	seen := map[int64]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		if revs[i] < 1 || revs[i] > n || seen[revs[i]] {
			t.Fatalf("put %d got revision %d; revisions so far %v", i, revs[i], seen)
		}
		seen[revs[i]] = true
	}
	commits := s.commits.Load()
	t.Logf("%d puts in %d commits", n, commits)
	if commits >= n {
		t.Fatalf("%d puts took %d commits, want fewer commits than puts", n, commits)
	}
	if got := list(t, s, scopeA); len(got) != 1 || got[0].Revision != n {
		t.Fatalf("after the puts: %+v, want p at revision %d", got, n)
	}
}

// TestGroupCommit_DecisionsWithinOneBatch: creates and same-revision updates queued
// into one batch are decided one after another, as P-8 demands.
func TestGroupCommit_DecisionsWithinOneBatch(t *testing.T) {
	t.Parallel()
	s := openTest(t, newPath(t))
	ctx := context.Background()
	if _, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "d", nil)); err != nil {
		t.Fatal(err)
	}
	const n = 40
	var started atomic.Int64
	release := holdWriter(s, &started, n)
	before := s.commits.Load()

	var wins, creates atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			if i%2 == 0 {
				_, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "update", str("1")))
				if err == nil {
					wins.Add(1)
				} else if xraylocal.ErrorCodeOf(err) != xraylocal.InvalidPolicyRevisionIdException {
					t.Errorf("update: %v", err)
				}
				return
			}
			_, err := s.PutResourcePolicy(ctx, put(scopeA, fmt.Sprintf("new%02d", i), "d", nil))
			if err == nil {
				creates.Add(1)
			} else if xraylocal.ErrorCodeOf(err) != xraylocal.PolicyCountLimitExceededException {
				t.Errorf("create: %v", err)
			}
		}()
	}
	release()
	wg.Wait()
	if wins.Load() != 1 || creates.Load() != xraylocal.MaxResourcePolicies-1 {
		t.Errorf("%d updates with revision 1 and %d creates succeeded, want 1 and %d",
			wins.Load(), creates.Load(), xraylocal.MaxResourcePolicies-1)
	}
	if got := list(t, s, scopeA); len(got) != xraylocal.MaxResourcePolicies {
		t.Errorf("%d policies in the scope, want %d", len(got), xraylocal.MaxResourcePolicies)
	}
	t.Logf("%d writes in %d commits", n, s.commits.Load()-before)
}

func TestCloseThenPut(t *testing.T) {
	t.Parallel()
	s := openTest(t, newPath(t))
	ctx := context.Background()
	if _, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "d", nil)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	_, errPut := s.PutResourcePolicy(ctx, put(scopeA, "p", "d", nil))
	_, errList := s.ListResourcePolicies(ctx, scopeA)
	for name, err := range map[string]error{
		"put":    errPut,
		"list":   errList,
		"delete": s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "p"}),
		"reset":  s.Reset(ctx),
		"ping":   s.Ping(ctx),
	} {
		if !errors.Is(err, ErrClosed) || !errors.Is(err, xraylocal.ErrUnavailable) {
			t.Errorf("%s after close: %v, want ErrClosed wrapping ErrUnavailable", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// TestCloseWhileWriting: Puts and reads racing Close never hang or panic; each succeeds
// or gets ErrClosed, and every acknowledged write is in the file afterwards.
func TestCloseWhileWriting(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	s := openTest(t, path)
	const writers = 16
	acked := make([]int64, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scope := xraylocal.Scope{Account: fmt.Sprintf("%012d", i), Region: "us-east-1"}
			for {
				p, err := s.PutResourcePolicy(context.Background(), put(scope, "p", "d", nil))
				if err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("writer %d: %v, want success or ErrClosed", i, err)
					}
					return
				}
				acked[i] = p.Revision
			}
		}()
	}
	// Readers too: a List or Ping racing Close gets ErrClosed, never another error.
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var err error
				if i%2 == 0 {
					_, err = s.ListResourcePolicies(context.Background(), scopeA)
				} else {
					err = s.Ping(context.Background())
				}
				if err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("reader %d: %v, want success or ErrClosed", i, err)
					}
					return
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("writers still blocked 10s after Close")
	}
	s = openTest(t, path)
	for i := range writers {
		scope := xraylocal.Scope{Account: fmt.Sprintf("%012d", i), Region: "us-east-1"}
		got := list(t, s, scope)
		var rev int64
		if len(got) == 1 {
			rev = got[0].Revision
		}
		if rev != acked[i] {
			t.Errorf("writer %d: revision %d in the file, %d acknowledged", i, rev, acked[i])
		}
	}
}

// TestContextEndsWhileQueued: a write whose context ends before the writer took it
// returns the context's error and writes nothing.
func TestContextEndsWhileQueued(t *testing.T) {
	t.Parallel()
	s := openTest(t, newPath(t))
	hold := make(chan struct{})
	var once sync.Once
	s.beforeBatch = func() { once.Do(func() { <-hold }) }

	first := make(chan error, 1)
	go func() {
		_, err := s.PutResourcePolicy(context.Background(), put(scopeA, "first", "d", nil))
		first <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.PutResourcePolicy(ctx, put(scopeA, "second", "d", nil))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("put with an ended context: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("put returned %v after its context ended", d)
	}
	close(hold)
	if err := <-first; err != nil {
		t.Fatalf("held put: %v", err)
	}
	if got := list(t, s, scopeA); len(got) != 1 || got[0].Name != "first" {
		t.Fatalf("policies %+v, want only first", got)
	}
}

// TestBusyIsUnavailable: a write lock held by another connection beyond the busy timeout
// is answered as ErrUnavailable (503), while reads go on (WAL).
func TestBusyIsUnavailable(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	s, err := open(context.Background(), path, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "d", nil)); err != nil {
		t.Fatal(err)
	}

	other, err := rawDB(t, path).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	_, err = s.PutResourcePolicy(ctx, put(scopeA, "p", "d2", nil))
	if !errors.Is(err, xraylocal.ErrUnavailable) || xraylocal.ErrorCodeOf(err) != xraylocal.ServiceUnavailableException {
		t.Fatalf("put while another connection holds the write lock: %v, want ErrUnavailable", err)
	}
	if got := list(t, s, scopeA); len(got) != 1 || got[0].Document != "d" {
		t.Fatalf("list while locked: %+v, want p with d", got)
	}
	if _, err := other.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if p, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "d2", nil)); err != nil || p.Revision != 2 {
		t.Fatalf("put after the lock was released: %+v, %v; want revision 2", p, err)
	}
}

// TestDurableAfterKill: writes acknowledged before the process is killed (SIGKILL, no
// Close, no checkpoint) are in the file. The test runs itself as the child process.
func TestDurableAfterKill(t *testing.T) {
	if path := os.Getenv("XRAYLOCAL_SQLITE_KILL_CHILD"); path != "" {
		killChild(path)
		return
	}
	t.Parallel()
	path := newPath(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurableAfterKill$")
	cmd.Env = append(os.Environ(), "XRAYLOCAL_SQLITE_KILL_CHILD="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var last int64
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rev, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
			last = rev
		}
		if last >= 100 {
			break
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if last < 100 {
		t.Fatalf("child acknowledged only %d writes before it ended", last)
	}
	s := openTest(t, path)
	got := list(t, s, scopeA)
	if len(got) != 1 || got[0].Revision < last {
		t.Fatalf("after kill: %+v, want p at revision %d or later", got, last)
	}
}

// killChild writes forever, printing each acknowledged revision, until it is killed.
func killChild(path string) {
	s, err := Open(context.Background(), path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for {
		p, err := s.PutResourcePolicy(context.Background(), put(scopeA, "p", "d", nil))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(p.Revision)
	}
}

func BenchmarkPutParallel(b *testing.B) {
	s := openTest(b, newPath(b))
	ctx := context.Background()
	var next atomic.Int64
	// 16 goroutines per GOMAXPROCS: 32 writers on a 2-core machine, as with 32 clients.
	b.SetParallelism(16)
	before := s.commits.Load()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		// Each goroutine writes its own scope, so the count limit never refuses.
		scope := xraylocal.Scope{Account: fmt.Sprintf("%012d", next.Add(1)), Region: "us-east-1"}
		req := put(scope, "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"xray:*","Resource":"*"}]}`, nil)
		for pb.Next() {
			if _, err := s.PutResourcePolicy(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
	if c := s.commits.Load() - before; c > 0 {
		b.ReportMetric(float64(b.N)/float64(c), "puts/commit")
	}
}

// BenchmarkPutSerial is one writer waiting for each Put: one commit, one fsync per Put,
// the rate group commit improves on.
func BenchmarkPutSerial(b *testing.B) {
	s := openTest(b, newPath(b))
	ctx := context.Background()
	req := put(scopeA, "p", `{"Version":"2012-10-17","Statement":[]}`, nil)
	b.ResetTimer()
	for range b.N {
		if _, err := s.PutResourcePolicy(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
}

func BenchmarkList(b *testing.B) {
	s := openTest(b, newPath(b))
	ctx := context.Background()
	for i := range xraylocal.MaxResourcePolicies {
		if _, err := s.PutResourcePolicy(ctx, put(scopeA, fmt.Sprintf("p%d", i), `{"Version":"2012-10-17","Statement":[]}`, nil)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if got, err := s.ListResourcePolicies(ctx, scopeA); err != nil || len(got) != xraylocal.MaxResourcePolicies {
				b.Errorf("list: %d policies, %v", len(got), err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lists/s")
}

// TestWriterCache: the writer decides from its cache while nobody else writes the file,
// and reads the file again as soon as another connection has committed.
func TestWriterCache(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	s := openTest(t, path)
	ctx := context.Background()
	for i := range 20 {
		if _, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "d", nil)); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	if loads := s.cache.loads; loads != 1 {
		t.Errorf("20 puts in one scope read it from the file %d times, want 1", loads)
	}

	// Another connection changes the policy behind the writer's back.
	db := rawDB(t, path)
	if _, err := db.Exec(`UPDATE policies SET revision = 100, document = 'outside'`); err != nil {
		t.Fatal(err)
	}
	p, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "d", str("100")))
	if err != nil || p.Revision != 101 {
		t.Fatalf("put after an outside write: %+v, %v; want revision 101", p, err)
	}
	if _, err := db.Exec(`DELETE FROM policies`); err != nil {
		t.Fatal(err)
	}
	err = s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "p"})
	if xraylocal.ErrorCodeOf(err) != xraylocal.InvalidRequestException {
		t.Fatalf("delete after an outside delete: %v, want InvalidRequestException", err)
	}
}

// TestL4_ReadCache: Lists are served from the readers' cache while nothing commits, and
// see at once a commit of this store's writer, of another connection, or of a reset
// (rule L-4).
func TestL4_ReadCache(t *testing.T) {
	t.Parallel()
	for _, source := range []string{"wal-index", "data_version"} {
		t.Run(source, func(t *testing.T) {
			t.Parallel()
			testReadCache(t, source)
		})
	}
}

func testReadCache(t *testing.T, source string) {
	path := newPath(t)
	s := openTest(t, path)
	ctx := context.Background()
	switch got := fmt.Sprintf("%T", s.lists.source); {
	case source == "data_version":
		dv, err := openDataVersion(ctx, s.r)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.lists.close(); err != nil {
			t.Fatal(err)
		}
		s.lists = &readCache{source: dv}
	case runtime.GOOS == "linux" && got != "*sqlite.walIndexVersion":
		t.Fatalf("the readers' cache reads its version with %s, want the WAL-index", got)
	}
	if _, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "d1", nil)); err != nil {
		t.Fatal(err)
	}
	names := func(ps []xraylocal.ResourcePolicy) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name+"="+p.Document)
		}
		return out
	}
	check := func(step string, want ...string) {
		t.Helper()
		if diff := cmp.Diff(want, names(list(t, s, scopeA))); diff != "" {
			t.Errorf("%s: listing differs (-want +got):\n%s", step, diff)
		}
	}
	check("first list", "p=d1")
	hits := s.lists.hits
	for range 10 {
		check("repeated list", "p=d1")
	}
	if got := s.lists.hits - hits; got != 10 {
		t.Errorf("10 lists with no commit between them: %d served from the cache, want 10", got)
	}

	// A listing handed out is the caller's: changing it does not change the cache.
	list(t, s, scopeA)[0].Document = "changed by the caller"
	check("after the caller changed its copy", "p=d1")

	if _, err := s.PutResourcePolicy(ctx, put(scopeA, "q", "d2", nil)); err != nil {
		t.Fatal(err)
	}
	check("after a put", "p=d1", "q=d2")

	db := rawDB(t, path)
	if _, err := db.Exec(`UPDATE policies SET document = 'outside' WHERE name = 'p'`); err != nil {
		t.Fatal(err)
	}
	check("after another connection's update", "p=outside", "q=d2")

	if err := s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "q"}); err != nil {
		t.Fatal(err)
	}
	check("after a delete", "p=outside")
	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	check("after a reset")
}

// TestL4_ReadCacheAfterOwnCommits: after a commit of its own writer, the readers' cache
// serves the new listings of the scopes it changed and keeps the others', without
// reading the file; after another connection's commit it reads the file again, even
// one that came between the writer's commit and the hand-over.
func TestL4_ReadCacheAfterOwnCommits(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	s := openTest(t, path)
	if _, ok := s.lists.source.(commitCounter); !ok {
		if runtime.GOOS == "linux" {
			t.Fatalf("the readers' cache reads its version with %T, which does not count commits", s.lists.source)
		}
		t.Skipf("the version source %T does not count commits here", s.lists.source)
	}
	// The writer answers a batch before it hands the listings over; the test waits for
	// the hand-over after each write, so that its next List finds it done. Another
	// connection commits just before the hand-over of commit number interfereAt (0:
	// none). The hook is set before the first write, as the writer reads it without a
	// lock.
	db := rawDB(t, path)
	var interfereAt atomic.Int64
	handedOver := make(chan struct{}, 1)
	s.handOver = func(give func()) {
		if s.commits.Load() == interfereAt.Load() {
			res, err := db.Exec(`UPDATE policies SET document = 'outside' WHERE name IN ('b', 'p')`)
			if err != nil {
				t.Error(err)
			} else if n, _ := res.RowsAffected(); n != 2 {
				t.Errorf("the other connection's update changed %d rows, want 2", n)
			}
		}
		give()
		handedOver <- struct{}{}
	}
	ctx := context.Background()
	write := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		<-handedOver
	}
	putPolicy := func(scope xraylocal.Scope, name, doc string) {
		t.Helper()
		_, err := s.PutResourcePolicy(ctx, put(scope, name, doc, nil))
		write(err)
	}
	docs := func(scope xraylocal.Scope) []string {
		var out []string
		for _, p := range list(t, s, scope) {
			out = append(out, fmt.Sprintf("%s=%s@%d", p.Name, p.Document, p.Revision))
		}
		return out
	}
	check := func(step string, scope xraylocal.Scope, wantHit bool, want ...string) {
		t.Helper()
		hits := s.lists.hits
		if diff := cmp.Diff(want, docs(scope)); diff != "" {
			t.Errorf("%s: listing of %v differs (-want +got):\n%s", step, scope, diff)
		}
		if hit := s.lists.hits > hits; hit != wantHit {
			t.Errorf("%s: listing of %v served from the cache: %v, want %v", step, scope, hit, wantHit)
		}
	}
	putPolicy(scopeA, "p", "d1")
	putPolicy(scopeB, "p", "d1")
	check("first list of A", scopeA, true, "p=d1@1")
	check("first list of B", scopeB, true, "p=d1@1")

	putPolicy(scopeA, "b", "d2")
	check("A after a put to A", scopeA, true, "b=d2@1", "p=d1@1")
	check("B after a put to A", scopeB, true, "p=d1@1")
	write(s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "p"}))
	check("A after a delete from A", scopeA, true, "b=d2@1")

	// Another connection commits between the writer's commit and the hand-over.
	interfereAt.Store(s.commits.Load() + 1)
	putPolicy(scopeA, "c", "d3")
	check("A after a put and another connection's update", scopeA, false, "b=outside@1", "c=d3@1")
	check("B after a put and another connection's update", scopeB, false, "p=outside@1")

	// A reset's commit hands nothing over.
	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	check("A after a reset", scopeA, false)
}

// TestGroupCommit_OneBatchInOrder runs batches in a chosen order through the writer's
// own code: each write is decided against the ones before it, and only the batch's net
// changes reach the file.
func TestGroupCommit_OneBatchInOrder(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	s := openTest(t, path)
	del := func(name string, expected *string) *op {
		return &op{del: &xraylocal.DeleteRequest{Scope: scopeA, Name: name, ExpectedRevision: expected}}
	}
	putOp := func(name, doc string, expected *string) *op {
		req := put(scopeA, name, doc, expected)
		return &op{put: &req}
	}
	// run commits ops as one batch, as the writer goroutine would; it is idle, as no
	// other write is in flight.
	run := func(ops ...*op) []result {
		t.Helper()
		before := s.commits.Load()
		for _, o := range ops {
			o.done = make(chan result, 1)
		}
		s.commit(ops)
		if got := s.commits.Load() - before; got != 1 {
			t.Fatalf("batch of %d took %d commits, want 1", len(ops), got)
		}
		var out []result
		for _, o := range ops {
			out = append(out, <-o.done)
		}
		return out
	}
	res := run(
		putOp("a", "a1", nil),      // revision 1
		putOp("a", "a2", str("1")), // revision 2
		del("a", str("1")),         // stale: refused
		del("a", str("2")),         // removed
		putOp("a", "a3", str("0")), // created again: revision 1 (P-9)
		putOp("b", "b1", nil),      // revision 1
		del("c", nil),              // missing: refused
		putOp("b", "b2", nil),      // revision 2
		del("b", nil),              // removed
	)
	wantRev := []int64{1, 2, 0, 0, 1, 1, 0, 2, 0}
	wantCode := []xraylocal.ErrorCode{"", "", xraylocal.InvalidPolicyRevisionIdException, "", "", "",
		xraylocal.InvalidRequestException, "", ""}
	for i, r := range res {
		code := xraylocal.ErrorCode("")
		if r.err != nil {
			code = xraylocal.ErrorCodeOf(r.err)
		}
		if r.policy.Revision != wantRev[i] || code != wantCode[i] {
			t.Errorf("op %d: revision %d, error %v; want revision %d, code %q", i, r.policy.Revision, r.err, wantRev[i], wantCode[i])
		}
	}
	want := []xraylocal.ResourcePolicy{{Name: "a", Document: "a3", Revision: 1, LastUpdated: t0}}
	if d := cmp.Diff(want, list(t, s, scopeA)); d != "" {
		t.Errorf("after the batch (-want +got):\n%s", d)
	}

	// A reset in a batch removes what came before it in the batch too.
	run(putOp("x", "d", nil), &op{reset: true}, putOp("y", "d", nil))
	if got := list(t, s, scopeA); len(got) != 1 || got[0].Name != "y" || got[0].Revision != 1 {
		t.Errorf("after put, reset, put: %+v, want only y at revision 1", got)
	}

	// More rows than the largest multi-row statement: 300 creates in 60 scopes, then
	// deletes of all of them, each in one batch.
	var puts, dels []*op
	for i := range 300 {
		scope := xraylocal.Scope{Account: fmt.Sprintf("%012d", i/5), Region: "us-west-2"}
		req := put(scope, fmt.Sprintf("p%d", i%5), fmt.Sprintf("doc %d", i), nil)
		puts = append(puts, &op{put: &req})
		dels = append(dels, &op{del: &xraylocal.DeleteRequest{Scope: scope, Name: req.Name}})
	}
	for i, r := range run(puts...) {
		if r.err != nil {
			t.Fatalf("create %d: %v", i, r.err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, path)
	for i := range 60 {
		scope := xraylocal.Scope{Account: fmt.Sprintf("%012d", i), Region: "us-west-2"}
		if got := list(t, s, scope); len(got) != 5 || got[4].Document != fmt.Sprintf("doc %d", i*5+4) {
			t.Fatalf("scope %d after reopen: %+v, want 5 policies", i, got)
		}
	}
	for i, r := range run(dels...) {
		if r.err != nil {
			t.Fatalf("delete %d: %v", i, r.err)
		}
	}
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM policies`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d policies left, %v; want only y", n, err)
	}
}

// TestP8_TwoProcesses: two processes, each with its own Store on one file, increment one
// policy with compare-and-set Puts (List, then Put with the listed revision). With P-8
// holding across processes no increment is lost: every acknowledged revision is unique
// and the final revision counts them all. The test runs itself as the children.
func TestP8_TwoProcesses(t *testing.T) {
	if path := os.Getenv("XRAYLOCAL_SQLITE_CAS_CHILD"); path != "" {
		casChild(path)
		return
	}
	t.Parallel()
	path := newPath(t)
	s := openTest(t, path)
	if _, err := s.PutResourcePolicy(context.Background(), put(scopeA, "p", "d", nil)); err != nil {
		t.Fatal(err)
	}
	const children = 2
	outs := make([][]byte, children)
	errs := make([]error, children)
	var wg sync.WaitGroup
	for i := range children {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The children stop with the test, and within a minute whatever happens.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestP8_TwoProcesses$")
			cmd.Env = append(os.Environ(), "XRAYLOCAL_SQLITE_CAS_CHILD="+path)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			outs[i], errs[i] = cmd.Output()
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%w: %s", errs[i], stderr.String())
			}
		}()
	}
	wg.Wait()
	seen := map[int64]int{}
	for i := range children {
		if errs[i] != nil {
			t.Fatalf("child %d: %v", i, errs[i])
		}
		n := 0
		for _, line := range strings.Fields(string(outs[i])) {
			rev, err := strconv.ParseInt(line, 10, 64)
			if err != nil {
				continue // the test framework's PASS line
			}
			if j, dup := seen[rev]; dup {
				t.Errorf("revision %d acknowledged to child %d and child %d", rev, j, i)
			}
			seen[rev] = i
			n++
		}
		if n != casIncrements {
			t.Errorf("child %d printed %d increments, want %d", i, n, casIncrements)
		}
	}
	got := list(t, s, scopeA)
	if want := int64(1 + children*casIncrements); len(got) != 1 || got[0].Revision != want {
		t.Fatalf("after both children: %+v, want p at revision %d", got, want)
	}
}

const casIncrements = 40

// casChild makes casIncrements compare-and-set increments of p, printing each revision it
// was acknowledged, retrying when the other process got there first.
func casChild(path string) {
	s, err := Open(context.Background(), path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer s.Close()
	ctx := context.Background()
	for done, tries := 0, 0; done < casIncrements; tries++ {
		if tries == 100*casIncrements {
			// A store that never shows the other child's increment would loop forever.
			fmt.Fprintln(os.Stderr, "no progress after", tries, "tries:", done, "increments")
			os.Exit(2)
		}
		got, err := s.ListResourcePolicies(ctx, scopeA)
		if err != nil || len(got) != 1 {
			fmt.Fprintln(os.Stderr, "list:", got, err)
			os.Exit(2)
		}
		p, err := s.PutResourcePolicy(ctx, put(scopeA, "p", "d", str(got[0].RevisionID())))
		switch {
		case err == nil:
			fmt.Println(p.Revision)
			done++
		case xraylocal.ErrorCodeOf(err) != xraylocal.InvalidPolicyRevisionIdException:
			fmt.Fprintln(os.Stderr, "put:", err)
			os.Exit(2)
		}
	}
}

// TestOpen_ConcurrentOnNewFile: stores opening one new file at once (as servers started
// together do) take turns creating the schema; all of them open.
func TestOpen_ConcurrentOnNewFile(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	const n = 6
	errs := make([]error, n)
	stores := make([]*Store, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(context.Background(), path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	if t.Failed() {
		return
	}
	if _, err := stores[0].PutResourcePolicy(context.Background(), put(scopeA, "p", "d", nil)); err != nil {
		t.Fatal(err)
	}
	if got := list(t, stores[n-1], scopeA); len(got) != 1 {
		t.Fatalf("last store lists %+v, want the policy put through the first", got)
	}
}
