// Package sqlite is the embedded, durable Store (--store sqlite:PATH): one SQLite file
// in WAL mode, written through one connection that commits waiting writes together
// (group commit) and read through a pool of connections that run alongside it.
//
// Several processes may open the same file; SQLite's file locks make their writes take
// turns, so the rules that need atomicity (P-8) hold across processes too.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/xraylocal/xraylocal"
)

const (
	// defaultBusyTimeout is how long a write waits for another process's write lock, and a
	// connection for a checkpoint, before giving up with SQLITE_BUSY (answered 503).
	// A write transaction here lasts milliseconds, so this only runs out when another
	// process holds the file locked for long, e.g. a sqlite3 shell in a transaction.
	defaultBusyTimeout = 5 * time.Second

	// maxBatch bounds how many waiting writes one transaction commits. Larger batches
	// save fsyncs but make the first request of a batch wait for the others' work.
	maxBatch = 128
	// batchSizes is the number of multi-row statement sizes: 1, 2, 4, ... maxBatch.
	batchSizes = 8
)

// Store is an xraylocal.Store in a SQLite file. Its methods are safe for concurrent use.
// The zero value is not usable; call Open.
type Store struct {
	path        string
	busyTimeout time.Duration

	w *sql.DB // exactly one connection: the writer goroutine's
	r *sql.DB // read pool; WAL lets readers run while the writer writes

	scopeStmt   *sql.Stmt // on w
	versionStmt *sql.Stmt // on w
	resetStmt   *sql.Stmt // on w
	// upsertStmts[i] and deleteStmts[i] write 1<<i rows (see flush); on w.
	upsertStmts [batchSizes]*sql.Stmt
	deleteStmts [batchSizes]*sql.Stmt
	listStmt    *sql.Stmt // on r
	pingStmt    *sql.Stmt // on r
	// lists holds the listings last read, while nothing is committed (readcache.go).
	lists *readCache

	// ops is the queue of writes for the writer. A sender holds mu's read lock while it
	// sends and checks closed first, so once Close has set closed under the write lock
	// no send can follow, and the writer's drain empties ops for good.
	ops     chan *op
	mu      sync.RWMutex
	closed  bool
	closing chan struct{} // closed by Close after closed is set: the writer drains ops and stops
	stopped chan struct{} // closed by the writer goroutine when it has returned

	closeOnce sync.Once
	closeErr  error

	// commits counts the write transactions committed; tests compare it with the
	// number of requests to see group commit at work.
	commits atomic.Int64
	// cache is the writer goroutine's copy of the scopes it has read or written.
	cache cache
	// beforeBatch, when set before the first write, runs in the writer goroutine
	// after it took the first request of a batch and before it collects the rest.
	// Tests use it to hold the writer until requests queue up.
	beforeBatch func()
	// handOver, when set before the first write, runs in the writer goroutine after a
	// batch is committed and answered, and is to call give, which hands the batch's
	// listings to the readers' cache. Tests use it to commit from another connection
	// just before, and to know when the hand-over is done.
	handOver func(give func())
}

var _ xraylocal.Store = (*Store)(nil)

// Open opens the store in the SQLite file at path, creating the file and its parent
// folders when missing, and brings the schema up to date. It returns an error wrapping
// ErrNotADatabase for a file that is not a SQLite database, ErrForeignDatabase for
// another program's database, ErrSchemaTooNew for a file written by a newer xraylocal,
// xraylocal.ErrUnavailable when the file is locked or the disk fails, and otherwise an
// error saying what failed. On error nothing stays open.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, defaultBusyTimeout)
}

// open is Open with the busy timeout as a parameter, so tests can run out of it quickly.
func open(ctx context.Context, path string, busyTimeout time.Duration) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite store: empty path; use --store sqlite:PATH")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %s: %w", path, err)
	}
	if err := prepareFile(abs); err != nil {
		return nil, err
	}
	s := &Store{
		path:        abs,
		busyTimeout: busyTimeout,
		ops:         make(chan *op, maxBatch),
		closing:     make(chan struct{}),
		stopped:     make(chan struct{}),
	}
	if err := s.openDBs(ctx); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("%w (file %s)", err, abs)
	}
	go s.run()
	return s, nil
}

// prepareFile creates the parent folders of path and refuses a path that is a folder.
// It returns an error saying which.
func prepareFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sqlite store: create the folder of the database: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("sqlite store: %s is a folder, want a file path", path)
	}
	return nil
}

// openDBs opens both connection pools, checks the journal mode, migrates the schema and
// prepares the statements. It returns the first error; the caller closes what opened.
func (s *Store) openDBs(ctx context.Context) error {
	var err error
	if s.w, err = sql.Open("sqlite", dsn(s.path, writerParams(s.busyTimeout))); err != nil {
		return wrap("open writer", err)
	}
	// One connection, never closed for idleness: the writer goroutine is its only
	// user, and its prepared statements stay prepared.
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)

	var mode string
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return wrap("read journal mode", err)
	}
	if mode != "wal" {
		// WAL needs shared memory between processes, which some network file
		// systems lack; without it readers would block the writer.
		return fmt.Errorf("sqlite store: journal mode is %q, want \"wal\"; is the file on a network file system?", mode)
	}
	if err := migrate(ctx, s.w); err != nil {
		return err
	}
	// The file and its -wal are new entries in the folder; make the entries durable
	// too, or a power loss could lose the whole file with every commit in it.
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return wrap("sync the database folder", err)
	}

	if s.r, err = sql.Open("sqlite", dsn(s.path, readerParams(s.busyTimeout))); err != nil {
		return wrap("open readers", err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(readers)
	s.r.SetMaxIdleConns(readers)
	s.r.SetConnMaxLifetime(0)
	s.r.SetConnMaxIdleTime(0)

	for _, p := range []struct {
		db    *sql.DB
		stmt  **sql.Stmt
		query string
	}{
		{s.w, &s.scopeStmt, listQuery},
		{s.w, &s.versionStmt, versionQuery},
		{s.w, &s.resetStmt, resetQuery},
		{s.r, &s.listStmt, listQuery},
		{s.r, &s.pingStmt, pingQuery},
	} {
		if *p.stmt, err = p.db.PrepareContext(ctx, p.query); err != nil {
			return wrap("prepare statement", err)
		}
	}
	if s.lists, err = openReadCache(ctx, s.path, s.r); err != nil {
		return err
	}
	for i := range batchSizes {
		if s.upsertStmts[i], err = s.w.PrepareContext(ctx, upsertQuery(1<<i)); err != nil {
			return wrap("prepare statement", err)
		}
		if s.deleteStmts[i], err = s.w.PrepareContext(ctx, deleteQuery(1<<i)); err != nil {
			return wrap("prepare statement", err)
		}
	}
	return nil
}

// writerParams are the connection settings of the writer.
//
// synchronous=FULL: in WAL mode SQLite then fsyncs the WAL at every commit, so a
// transaction acknowledged to a client survives a process crash and the machine losing
// power. NORMAL would sync only at checkpoints: still safe against a process crash, but
// a power loss could take back the last acknowledged writes, and a client that was
// told "revision 3" must never see revision 2 again. Group commit (writer.go) pays for
// the fsync once per batch rather than once per request.
//
// fullfsync: on macOS fsync does not flush the drive's cache, F_FULLFSYNC does; other
// systems ignore the setting.
//
// journal_size_limit: a checkpoint starts the WAL over from its beginning but leaves the
// file as big as it once grew; the limit truncates it back to 64 MiB after a burst.
//
// _txlock=immediate makes every transaction of the writer BEGIN IMMEDIATE: it takes
// the file's write lock before its first read, so two writers (two processes, or two
// Stores on one file) never both read the same state and then both write (rule P-8).
// The second waits up to busyTimeout for the lock.
func writerParams(busyTimeout time.Duration) url.Values {
	return url.Values{
		"_pragma": {
			"busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")",
			"journal_mode(WAL)",
			"synchronous(FULL)",
			"fullfsync(1)",
			"journal_size_limit(67108864)",
		},
		"_txlock": {"immediate"},
	}
}

// readerParams are the connection settings of the read pool. query_only turns a write
// slipped into a read path into an error. synchronous matters to a reader only when it
// is the last connection to close and checkpoints the WAL into the file.
func readerParams(busyTimeout time.Duration) url.Values {
	return url.Values{
		"_pragma": {
			"busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")",
			"synchronous(FULL)",
			"fullfsync(1)",
			"query_only(1)",
		},
	}
}

// dsn is a SQLite URI for the file at the absolute path abs. The URI form carries any
// file name, even one with '?' or '#' in it, percent-encoded.
func dsn(abs string, params url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: params.Encode()}
	if u.Path != "" && u.Path[0] != '/' {
		u.Path = "/" + u.Path // a Windows drive letter: file:///C:/...
	}
	return u.String()
}

// syncDir fsyncs the folder dir, making the names of new files in it durable. Windows
// cannot sync a folder and makes names durable with the file itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

const (
	// versionQuery changes value whenever another connection, in this process or
	// another, has committed since this connection's previous transaction.
	versionQuery = `PRAGMA data_version`
	resetQuery   = `DELETE FROM policies`
	listQuery    = `SELECT name, document, revision, updated_unix_micros FROM policies
	WHERE account = ?1 AND region = ?2 ORDER BY name`
	// pingQuery reads the schema page, so it fails when the file cannot be read.
	pingQuery = `SELECT count(*) FROM sqlite_schema`

	upsertWidth = 6 // values per row of upsertQuery
	deleteWidth = 3 // values per row of deleteQuery
)

// upsertQuery stores n policies, each given as (account, region, name, document,
// revision, updated_unix_micros).
func upsertQuery(n int) string {
	return `INSERT INTO policies (account, region, name, document, revision, updated_unix_micros) VALUES ` +
		strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?), `, n), `, `) + `
	ON CONFLICT (account, region, name) DO UPDATE SET
		document = excluded.document,
		revision = excluded.revision,
		updated_unix_micros = excluded.updated_unix_micros`
}

// deleteQuery removes n policies, each given as (account, region, name).
func deleteQuery(n int) string {
	return `DELETE FROM policies WHERE (account, region, name) IN (VALUES ` +
		strings.TrimSuffix(strings.Repeat(`(?, ?, ?), `, n), `, `) + `)`
}

// PutResourcePolicy implements xraylocal.Store. The write joins the writer's next batch;
// it returns once that batch is committed and synced, with the stored policy (its
// LastUpdated in UTC, to the microsecond), or DecidePut's error with nothing written,
// ErrClosed after Close, ctx's error when ctx ended before the write was decided, or an
// error wrapping xraylocal.ErrUnavailable when the file is locked or the disk fails.
func (s *Store) PutResourcePolicy(ctx context.Context, req xraylocal.PutRequest) (xraylocal.ResourcePolicy, error) {
	r := s.submit(ctx, &op{put: &req})
	return r.policy, r.err
}

// DeleteResourcePolicy implements xraylocal.Store. It returns, once the batch holding the
// removal is committed, nil or DecideDelete's error with nothing removed, and otherwise
// fails as PutResourcePolicy does.
func (s *Store) DeleteResourcePolicy(ctx context.Context, req xraylocal.DeleteRequest) error {
	return s.submit(ctx, &op{del: &req}).err
}

// Reset implements xraylocal.Store: it removes every policy of every scope in one
// committed write, and fails as PutResourcePolicy does.
func (s *Store) Reset(ctx context.Context) error {
	return s.submit(ctx, &op{reset: true}).err
}

// ListResourcePolicies implements xraylocal.Store. It answers from the readers' cache
// when nothing was committed since the scope was last read (readcache.go), and
// otherwise with a single SELECT, its own read transaction in SQLite: it sees one
// snapshot holding every commit before it started. Either way the listing holds every
// acknowledged write (rule L-4), also those of other processes. It returns ErrClosed
// after Close, or an error saying what failed.
func (s *Store) ListResourcePolicies(ctx context.Context, scope xraylocal.Scope) ([]xraylocal.ResourcePolicy, error) {
	if s.isClosing() {
		return nil, ErrClosed
	}
	cached, hit, v, ok, err := s.lists.lookup(ctx, scope)
	switch {
	case err != nil:
		return nil, s.readError("read the file's version", err)
	case hit:
		return cached, nil
	}
	out, err := s.readList(ctx, scope)
	if err != nil {
		return nil, err
	}
	if ok {
		s.lists.keep(scope, v, out)
	}
	return out, nil
}

// readList reads the policies of scope from the file.
func (s *Store) readList(ctx context.Context, scope xraylocal.Scope) ([]xraylocal.ResourcePolicy, error) {
	rows, err := s.listStmt.QueryContext(ctx, scope.Account, scope.Region)
	if err != nil {
		return nil, s.readError("list policies", err)
	}
	out, err := scanPolicies(rows)
	if err != nil {
		return nil, s.readError("list policies", err)
	}
	return out, nil
}

// readError wraps the error of a read. A read that raced Close failed because the pool
// closed under it: that is ErrClosed, a 503 like any request during shutdown, not a
// failure of the database.
func (s *Store) readError(doing string, err error) error {
	if s.isClosing() {
		return ErrClosed
	}
	return wrap(doing, err)
}

// scanPolicies reads and closes rows of listQuery. It returns an empty, non-nil slice
// when there are none, or the first error.
func scanPolicies(rows *sql.Rows) ([]xraylocal.ResourcePolicy, error) {
	defer rows.Close()
	out := make([]xraylocal.ResourcePolicy, 0, xraylocal.MaxResourcePolicies)
	for rows.Next() {
		var p xraylocal.ResourcePolicy
		var micros int64
		if err := rows.Scan(&p.Name, &p.Document, &p.Revision, &micros); err != nil {
			return nil, err
		}
		p.LastUpdated = fromMicros(micros)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Ping implements xraylocal.Store: it reads the file's schema through the read pool. It
// returns ErrClosed after Close, or an error saying why the file cannot be read.
func (s *Store) Ping(ctx context.Context) error {
	if s.isClosing() {
		return ErrClosed
	}
	var n int
	if err := s.pingStmt.QueryRowContext(ctx).Scan(&n); err != nil {
		return s.readError("ping", err)
	}
	return nil
}

// Close implements xraylocal.Store. Writes queued before Close are committed and
// answered first; writes submitted after it get ErrClosed. Then the connections close,
// the last one checkpointing the WAL into the database file. Close returns the error of
// closing the connections; calling it again returns the same.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		<-s.stopped
		s.closeErr = s.closeDBs()
	})
	return s.closeErr
}

// closeDBs closes the statements and both pools, readers first so that the writer's
// connection is the last and checkpoints with synchronous=FULL. It returns the first error.
func (s *Store) closeDBs() error {
	var errs []error
	if s.lists != nil {
		errs = append(errs, s.lists.close())
	}
	stmts := []*sql.Stmt{s.listStmt, s.pingStmt, s.scopeStmt, s.versionStmt, s.resetStmt}
	stmts = append(append(stmts, s.upsertStmts[:]...), s.deleteStmts[:]...)
	for _, st := range stmts {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, db := range []*sql.DB{s.r, s.w} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return wrap("close", errors.Join(errs...))
}

func (s *Store) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// toMicros and fromMicros convert LastUpdated to and from the stored integer:
// microseconds since the Unix epoch, in UTC.
func toMicros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
