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
func (s *Store) writeBatch(batch []*op) error {
	// The batch does not stop for one request's context: the others still want their
	// writes. The transaction is bounded by the busy timeout and the statements' own work.
	ctx := context.Background()
	t, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer t.rollback()
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

// tx is a write transaction with the writer's prepared statements bound to it.
type tx struct {
	*sql.Tx
	get, upsert, del, reset *sql.Stmt
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
		Tx:     t,
		get:    t.StmtContext(ctx, s.getStmt),
		upsert: t.StmtContext(ctx, s.upsertStmt),
		del:    t.StmtContext(ctx, s.deleteStmt),
		reset:  t.StmtContext(ctx, s.resetStmt),
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
		_, err = t.reset.ExecContext(ctx)
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
	current, count, err := t.current(ctx, req.Scope, req.Name)
	if err != nil {
		return result{}, err
	}
	next, refused := xraylocal.DecidePut(req, current, count)
	if refused != nil {
		return result{err: refused}, nil
	}
	// Answer with what List will return: microseconds, UTC.
	next.LastUpdated = fromMicros(toMicros(next.LastUpdated))
	if _, err := t.upsert.ExecContext(ctx, req.Account, req.Region, next.Name, next.Document,
		next.Revision, toMicros(next.LastUpdated)); err != nil {
		return result{}, wrap("write policy", err)
	}
	return result{policy: next}, nil
}

// remove decides req with DecideDelete and removes the policy. It returns the answer for
// the client (nil, or the decision's error with nothing removed), or a database error.
func (t *tx) remove(ctx context.Context, req xraylocal.DeleteRequest) (result, error) {
	current, _, err := t.current(ctx, req.Scope, req.Name)
	if err != nil {
		return result{}, err
	}
	if refused := xraylocal.DecideDelete(req, current); refused != nil {
		return result{err: refused}, nil
	}
	if _, err := t.del.ExecContext(ctx, req.Account, req.Region, req.Name); err != nil {
		return result{}, wrap("remove policy", err)
	}
	return result{}, nil
}

// current returns the policy name of scope (nil when there is none) and the number of
// policies in scope, or an error saying what failed.
func (t *tx) current(ctx context.Context, scope xraylocal.Scope, name string) (*xraylocal.ResourcePolicy, int, error) {
	var (
		count    int
		document sql.NullString
		revision sql.NullInt64
		micros   sql.NullInt64
	)
	if err := t.get.QueryRowContext(ctx, scope.Account, scope.Region, name).
		Scan(&count, &document, &revision, &micros); err != nil {
		return nil, 0, wrap("read current policy", err)
	}
	if !revision.Valid {
		return nil, count, nil
	}
	return &xraylocal.ResourcePolicy{
		Name: name, Document: document.String, Revision: revision.Int64,
		LastUpdated: fromMicros(micros.Int64),
	}, count, nil
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
