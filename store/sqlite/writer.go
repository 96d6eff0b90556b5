package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/xraylocal/xraylocal"
)

// Group commit.
//
// With synchronous=FULL every commit waits for an fsync, which takes from tens of
// microseconds (a drive with a power-safe cache) to milliseconds. One fsync per request
// would cap writes at a few hundred to a few thousand per second whatever the CPU. So
// one goroutine, run, owns the write connection: it takes the first waiting write, then
// every other write already waiting (up to maxBatch), runs them one after another in one
// BEGIN IMMEDIATE transaction, commits once, and only then answers each of them. A write
// is acknowledged only after the commit that holds it returned.
//
// Each write of a batch is decided (DecidePut, DecideDelete) against the state left by
// the writes before it in the same transaction, exactly as if they had been committed one
// by one in that order. A refused write issues no statement at all, so it needs no
// savepoint to undo. A write is one statement, atomic on its own; if it fails with an
// error that SQLite confines to the statement (a constraint, a value too big), only that
// write fails. Any other failure, and a failed commit, fails every write of the batch:
// the transaction is rolled back and none of them happened.

// op is one write waiting for the writer.
type op struct {
	put   *xraylocal.PutRequest
	del   *xraylocal.DeleteRequest
	reset bool

	// state is queued until the writer takes the op into its transaction (taken) or the
	// waiter gives up first (abandoned); the one CompareAndSwap that wins decides.
	state atomic.Int32
	// done receives the op's result exactly once; buffered, so the writer never waits
	// for a waiter that left.
	done chan result
	res  result // the decision, sent once the batch is committed
}

const (
	queued int32 = iota
	taken
	abandoned
)

type result struct {
	policy xraylocal.ResourcePolicy
	err    error
}

// submit hands o to the writer and waits for its result. It returns ErrClosed when the
// store is closing, and ctx's error when ctx ends before the writer took o into a
// transaction; once taken, o's outcome is decided by the batch's commit, which submit
// waits for.
func (s *Store) submit(ctx context.Context, o *op) result {
	if err := ctx.Err(); err != nil {
		return result{err: wrap("wait for the writer", err)}
	}
	o.done = make(chan result, 1)
	select {
	case s.ops <- o:
	case <-s.closing:
		return result{err: ErrClosed}
	case <-ctx.Done():
		return result{err: wrap("wait for the writer", ctx.Err())}
	}
	select {
	case r := <-o.done:
		return r
	case <-ctx.Done():
		if o.state.CompareAndSwap(queued, abandoned) {
			return result{err: wrap("wait for the writer", ctx.Err())}
		}
		return <-o.done
	}
}

// run is the writer goroutine: it commits batches until Close, then commits the writes
// handed over during the drain and returns.
func (s *Store) run() {
	defer close(s.stopped)
	batch := make([]*op, 0, maxBatch)
	for {
		select {
		case o := <-s.ops:
			if s.beforeBatch != nil {
				s.beforeBatch()
			}
			batch = s.collect(append(batch[:0], o))
		case <-s.closing:
			// s.ops is unbuffered, so nothing is lost here: a sender either handed
			// its op over (and is answered below) or sees s.closing and gets ErrClosed.
			if batch = s.collect(batch[:0]); len(batch) == 0 {
				return
			}
		}
		s.commit(batch)
		clear(batch) // let answered ops be collected
	}
}

// collect adds to batch the writes already waiting, up to maxBatch, without blocking.
func (s *Store) collect(batch []*op) []*op {
	for len(batch) < maxBatch {
		select {
		case o := <-s.ops:
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// commit runs batch in one transaction and answers every op of it.
func (s *Store) commit(batch []*op) {
	err := s.writeBatch(batch)
	for _, o := range batch {
		r := o.res
		if err != nil {
			r = result{err: err}
		}
		o.done <- r
	}
}

// writeBatch decides and writes every op of batch in one transaction and commits it,
// leaving each op's answer in its res. It returns the error that failed the whole batch,
// with nothing written.
func (s *Store) writeBatch(batch []*op) (err error) {
	// The batch does not stop for one request's context: the others still want their
	// writes. The transaction is bounded by the busy timeout and the statements' own work.
	ctx := context.Background()
	t, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer t.rollback()
	defer func() {
		if err != nil {
			// The cache may hold writes that were rolled back.
			s.cache.drop()
		}
	}()
	if err := t.checkCache(ctx); err != nil {
		return err
	}
	for _, o := range batch {
		if !o.state.CompareAndSwap(queued, taken) {
			o.res = result{err: context.Canceled} // nobody waits for it any more
			continue
		}
		if err := t.apply(ctx, o); err != nil {
			return err
		}
	}
	if err := t.Commit(); err != nil {
		return wrap("commit", err)
	}
	s.commits.Add(1)
	return nil
}

// tx is a write transaction with the writer's prepared statements and cache bound to it.
type tx struct {
	*sql.Tx
	scope, version, upsert, del, reset *sql.Stmt
	cache                              *cache
}

// begin starts a write transaction; BEGIN IMMEDIATE (see writerParams) waits up to
// the busy timeout for the write lock. It returns an error wrapping xraylocal.ErrUnavailable
// when the lock stays taken.
func (s *Store) begin(ctx context.Context) (*tx, error) {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap("begin write transaction", err)
	}
	return &tx{
		Tx:      t,
		scope:   t.StmtContext(ctx, s.scopeStmt),
		version: t.StmtContext(ctx, s.versionStmt),
		upsert:  t.StmtContext(ctx, s.upsertStmt),
		del:     t.StmtContext(ctx, s.deleteStmt),
		reset:   t.StmtContext(ctx, s.resetStmt),
		cache:   &s.cache,
	}, nil
}

// rollback ends t if it was not committed; after a commit it does nothing.
func (t *tx) rollback() { _ = t.Rollback() }

// apply decides o against the state in t and, when allowed, writes it, leaving o's
// answer in o.res. It returns an error only when the transaction can no longer be
// trusted and the whole batch must fail.
func (t *tx) apply(ctx context.Context, o *op) error {
	var err error
	switch {
	case o.put != nil:
		o.res, err = t.put(ctx, *o.put)
	case o.del != nil:
		o.res, err = t.remove(ctx, *o.del)
	case o.reset:
		if _, err = t.reset.ExecContext(ctx); err == nil {
			t.cache.dropScopes()
		}
		err = wrap("remove every policy", err)
	}
	if err != nil && statementOnly(err) {
		o.res = result{err: err}
		return nil
	}
	return err
}

// put decides req with DecidePut and writes the result. It returns the answer for the
// client (the stored policy, or the decision's error with nothing written), or a
// database error.
func (t *tx) put(ctx context.Context, req xraylocal.PutRequest) (result, error) {
	policies, err := t.policies(ctx, req.Scope)
	if err != nil {
		return result{}, err
	}
	var current *xraylocal.ResourcePolicy
	if p, ok := policies[req.Name]; ok {
		current = &p
	}
	next, refused := xraylocal.DecidePut(req, current, len(policies))
	if refused != nil {
		return result{err: refused}, nil
	}
	// Answer with what List will return: microseconds, UTC.
	next.LastUpdated = fromMicros(toMicros(next.LastUpdated))
	if _, err := t.upsert.ExecContext(ctx, req.Account, req.Region, next.Name, next.Document,
		next.Revision, toMicros(next.LastUpdated)); err != nil {
		return result{}, wrap("write policy", err)
	}
	policies[req.Name] = next
	return result{policy: next}, nil
}

// remove decides req with DecideDelete and removes the policy. It returns the answer for
// the client (nil, or the decision's error with nothing removed), or a database error.
func (t *tx) remove(ctx context.Context, req xraylocal.DeleteRequest) (result, error) {
	policies, err := t.policies(ctx, req.Scope)
	if err != nil {
		return result{}, err
	}
	var current *xraylocal.ResourcePolicy
	if p, ok := policies[req.Name]; ok {
		current = &p
	}
	if refused := xraylocal.DecideDelete(req, current); refused != nil {
		return result{err: refused}, nil
	}
	if _, err := t.del.ExecContext(ctx, req.Account, req.Region, req.Name); err != nil {
		return result{}, wrap("remove policy", err)
	}
	delete(policies, req.Name)
	return result{}, nil
}

// The writer's cache.
//
// Deciding a write needs the policies of its scope: the one it names and their count.
// Reading them costs a statement per write, as much as the write itself, so the writer
// keeps the scopes it has read or written in memory, updated with each of its writes.
// That copy is right only while no other connection writes the file. At the start of
// each batch, holding the write lock, the writer reads PRAGMA data_version, which
// changes when another connection (another Store, another process, a sqlite3 shell)
// has committed since this connection's last transaction; the cache is then dropped.
// A failed batch drops it too, since it may hold writes that were rolled back.

// maxCachedScopes bounds the cache's memory: about 5 policies of up to 5 KiB per scope.
const maxCachedScopes = 4096

// cache is owned by the writer goroutine; nothing else touches it.
type cache struct {
	valid   bool  // version was read and scopes match the file as of then
	version int64 // PRAGMA data_version after the writer's last commit
	scopes  map[xraylocal.Scope]map[string]xraylocal.ResourcePolicy
	loads   int64 // scopes read from the file; tests check the cache is used
}

func (c *cache) drop() {
	c.valid = false
	c.dropScopes()
}

func (c *cache) dropScopes() { c.scopes = nil }

// checkCache drops the cache when another connection committed since the writer's last
// transaction. It returns an error saying what failed.
func (t *tx) checkCache(ctx context.Context) error {
	var version int64
	if err := t.version.QueryRowContext(ctx).Scan(&version); err != nil {
		return wrap("read data version", err)
	}
	if !t.cache.valid || version != t.cache.version {
		t.cache.dropScopes()
	}
	// Commits of this connection leave data_version as it is, so the value stays
	// right for the next batch unless someone else commits.
	t.cache.valid, t.cache.version = true, version
	return nil
}

// policies returns the policies of scope by name, from the cache or read from the file
// into it. The caller may change the map to match its writes. It returns an error
// saying what failed.
func (t *tx) policies(ctx context.Context, scope xraylocal.Scope) (map[string]xraylocal.ResourcePolicy, error) {
	if m, ok := t.cache.scopes[scope]; ok {
		return m, nil
	}
	rows, err := t.scope.QueryContext(ctx, scope.Account, scope.Region)
	if err != nil {
		return nil, wrap("read the scope's policies", err)
	}
	list, err := scanPolicies(rows)
	if err != nil {
		return nil, wrap("read the scope's policies", err)
	}
	m := make(map[string]xraylocal.ResourcePolicy, len(list))
	for _, p := range list {
		m[p.Name] = p
	}
	if t.cache.scopes == nil || len(t.cache.scopes) >= maxCachedScopes {
		t.cache.scopes = map[xraylocal.Scope]map[string]xraylocal.ResourcePolicy{}
	}
	t.cache.scopes[scope] = m
	t.cache.loads++
	return m, nil
}

// statementOnly reports whether err is a failure SQLite confines to the statement that
// caused it, rolling back that statement and leaving the transaction as it was (a
// constraint, a value too big or of the wrong type). After any other failure (I/O, disk
// full, out of memory) SQLite may have rolled back the whole transaction.
func statementOnly(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_RANGE:
		return true
	}
	return false
}
