package sqlite

import (
	"context"
	"database/sql"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/xraylocal/xraylocal"
)

// Group commit.
//
// With synchronous=FULL every commit waits for an fsync, which takes from tens of
// microseconds (a drive with a power-safe cache) to milliseconds. One fsync per request
// would cap writes at a few hundred to a few thousand per second whatever the CPU. So
// one goroutine, run, owns the write connection: it takes the first waiting write, then
// every other write already waiting (up to maxBatch), decides them one after another in
// one BEGIN IMMEDIATE transaction, writes their result, commits once, and only then
// answers each of them. A write is acknowledged only after the commit that holds it
// returned.
//
// Each write of a batch is decided (DecidePut, DecideDelete) against the state left by
// the writes before it in the same batch, exactly as if they had been committed one by
// one in that order. The decisions are made on the writer's copy of the scopes involved
// (see cache below), and the batch's net changes are written at its end with a few
// multi-row statements (flush) rather than one statement per request. A refused write
// changes nothing, so no savepoint is needed to undo it. If any statement or the commit
// fails, the transaction is rolled back and every write of the batch gets the error:
// none of them happened.
//
// Close stops the writer once it has committed every write queued before Close; writes
// submitted after it get ErrClosed. A write whose context ends while it waits is dropped
// and answered with the context's error; once the writer has decided it, it waits for
// the commit.

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
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return result{err: ErrClosed}
	}
	// Queued, o is as good as taken unless ctx ends first: the writer drains ops
	// before it stops. ops is full only when maxBatch writes wait already.
	select {
	case s.ops <- o:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
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

// run is the writer goroutine: it commits batches until Close, then commits what is
// still queued and returns.
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
			// No send follows closing (see Store.ops): what is queued is all there
			// is, and is committed and answered before the writer stops.
			if batch = s.collect(batch[:0]); len(batch) == 0 {
				return
			}
		}
		s.commit(batch)
		clear(batch) // let answered ops be collected
		if len(s.ops) > 0 {
			// The requests just answered now wait for a processor to write their
			// responses, and the writer's own is where they were woken. With more
			// writes already waiting, the writer would go on to run the next batch
			// there first, and their clients would send their next requests a
			// batch's work later. It lets them go first (docs/performance.md has
			// the runs that measured it).
			runtime.Gosched()
		}
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

// commit runs batch in one transaction, answers every op of it, and then hands the
// listings of the scopes it changed to the readers' cache.
func (s *Store) commit(batch []*op) {
	ctx := context.Background()
	var changed changes
	err := s.writeBatch(ctx, batch, &changed)
	for _, o := range batch {
		r := o.res
		if err != nil {
			r = result{err: err}
		}
		o.done <- r
	}
	if err != nil || !changed.known {
		return
	}
	if s.handOver != nil {
		s.handOver(func() { s.giveListings(ctx, changed) })
		return
	}
	s.giveListings(ctx, changed)
}

// giveListings hands the listings of the scopes a committed batch changed to the
// readers' cache.
func (s *Store) giveListings(ctx context.Context, changed changes) {
	if listings := s.cache.listings(changed.scopes); listings != nil {
		s.lists.advance(ctx, changed.before, listings)
	}
}

// changes is what a committed batch changed, for the readers' cache: the scopes, when
// known, and the readers' version just before the commit.
type changes struct {
	known  bool
	before version
	scopes map[xraylocal.Scope]bool
}

// writeBatch decides and writes every op of batch in one transaction and commits it,
// leaving each op's answer in its res and what the commit changed in changed. It returns
// the error that failed the whole batch, with nothing written.
func (s *Store) writeBatch(ctx context.Context, batch []*op, changed *changes) (err error) {
	// The batch does not stop for one request's context: the others still want their
	// writes. The transaction is bounded by the busy timeout and the statements' own work.
	t, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer t.rollback()
	defer func() {
		if err != nil {
			// The cache holds the decisions of writes that were rolled back.
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
	if err := t.flush(ctx); err != nil {
		return err
	}
	// Read while the write lock is held: no other commit can come between this
	// version and the one the commit makes.
	before, tracked := s.lists.beforeCommit(ctx)
	if err := t.Commit(); err != nil {
		return wrap("commit", err)
	}
	s.commits.Add(1)
	if tracked && !t.reset {
		changed.known, changed.before, changed.scopes = true, before, map[xraylocal.Scope]bool{}
		for k := range t.writes {
			changed.scopes[k.Scope] = true
		}
	}
	return nil
}

// key names one policy.
type key struct {
	xraylocal.Scope
	name string
}

// tx is a write transaction of the writer, with the batch's pending changes.
type tx struct {
	*sql.Tx
	s     *Store
	cache *cache
	// writes holds the batch's net changes, written by flush: the policy to store
	// under each key, or nil to remove it.
	writes map[key]*xraylocal.ResourcePolicy
	// reset is set when the batch removed every policy: the scopes it changed are
	// then not known.
	reset bool
}

// begin starts a write transaction; BEGIN IMMEDIATE (see writerParams) waits up to
// the busy timeout for the write lock. It returns an error wrapping xraylocal.ErrUnavailable
// when the lock stays taken.
func (s *Store) begin(ctx context.Context) (*tx, error) {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap("begin write transaction", err)
	}
	return &tx{Tx: t, s: s, cache: &s.cache, writes: map[key]*xraylocal.ResourcePolicy{}}, nil
}

// rollback ends t if it was not committed; after a commit it does nothing.
func (t *tx) rollback() { _ = t.Rollback() }

// apply decides o against the batch's state so far, leaving o's answer in o.res. It
// returns an error only when the batch must fail.
func (t *tx) apply(ctx context.Context, o *op) error {
	var err error
	switch {
	case o.put != nil:
		o.res, err = t.put(ctx, *o.put)
	case o.del != nil:
		o.res, err = t.remove(ctx, *o.del)
	case o.reset:
		err = t.resetAll(ctx)
	}
	return err
}

// put decides req with DecidePut. It returns the answer for the client (the policy to
// store, or the decision's error with nothing changed), or a database error.
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
	policies[req.Name] = next
	t.writes[key{req.Scope, req.Name}] = &next
	return result{policy: next}, nil
}

// remove decides req with DecideDelete. It returns the answer for the client (nil, or
// the decision's error with nothing changed), or a database error.
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
	delete(policies, req.Name)
	t.writes[key{req.Scope, req.Name}] = nil
	return result{}, nil
}

// resetAll removes every policy at once; the batch's earlier changes go with them. It
// returns a database error.
func (t *tx) resetAll(ctx context.Context) error {
	if _, err := t.StmtContext(ctx, t.s.resetStmt).ExecContext(ctx); err != nil {
		return wrap("remove every policy", err)
	}
	clear(t.writes)
	t.cache.dropScopes()
	t.reset = true
	return nil
}

// flush writes the batch's net changes: the policies to store with multi-row upserts,
// the removed ones with multi-row deletes. It returns a database error.
func (t *tx) flush(ctx context.Context) error {
	var upserts, deletes []any
	for k, p := range t.writes {
		if p == nil {
			deletes = append(deletes, k.Account, k.Region, k.name)
			continue
		}
		upserts = append(upserts, k.Account, k.Region, k.name, p.Document, p.Revision, toMicros(p.LastUpdated))
	}
	if err := t.execRows(ctx, t.s.upsertStmts[:], upserts, upsertWidth); err != nil {
		return wrap("write policies", err)
	}
	if err := t.execRows(ctx, t.s.deleteStmts[:], deletes, deleteWidth); err != nil {
		return wrap("remove policies", err)
	}
	return nil
}

// execRows runs the rows in args, width values each, through stmts, where stmts[i]
// takes 1<<i rows: the largest chunks first, so n rows take at most log2(n)+1
// statements. It returns the first error.
func (t *tx) execRows(ctx context.Context, stmts []*sql.Stmt, args []any, width int) error {
	rows := len(args) / width
	for i := len(stmts) - 1; i >= 0; i-- {
		for n := 1 << i; rows >= n; rows -= n {
			if _, err := t.StmtContext(ctx, stmts[i]).ExecContext(ctx, args[:n*width]...); err != nil {
				return err
			}
			args = args[n*width:]
		}
	}
	return nil
}

// The writer's cache.
//
// Deciding a write needs the policies of its scope: the one it names and their count.
// Reading them costs a statement per write, so the writer keeps the scopes it has read
// or written in memory, updated with each of its decisions. That copy is right only
// while no other connection writes the file. At the start of each batch, holding the
// write lock, the writer reads PRAGMA data_version, which changes when another
// connection (another Store, another process, a sqlite3 shell) has committed since this
// connection's last transaction; the cache is then dropped. A failed batch drops it too,
// since it holds the decisions of writes that were rolled back.

// maxCachedScopes bounds the cache's memory: about 5 policies of up to 5 KiB per scope.
// It is checked between batches only: within one, a dropped scope would lose the
// batch's changes not yet flushed.
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
// transaction, or when it has grown too big. It returns an error saying what failed.
func (t *tx) checkCache(ctx context.Context) error {
	var version int64
	if err := t.StmtContext(ctx, t.s.versionStmt).QueryRowContext(ctx).Scan(&version); err != nil {
		return wrap("read data version", err)
	}
	if !t.cache.valid || version != t.cache.version || len(t.cache.scopes) > maxCachedScopes {
		t.cache.dropScopes()
	}
	// Commits of this connection leave data_version as it is, so the value stays
	// right for the next batch unless someone else commits.
	t.cache.valid, t.cache.version = true, version
	return nil
}

// listings returns the listings of scopes as ListResourcePolicies answers them, in
// name order, as new slices; nil when the cache does not hold one of them.
func (c *cache) listings(scopes map[xraylocal.Scope]bool) map[xraylocal.Scope][]xraylocal.ResourcePolicy {
	out := make(map[xraylocal.Scope][]xraylocal.ResourcePolicy, len(scopes))
	for scope := range scopes {
		m, ok := c.scopes[scope]
		if !ok {
			return nil
		}
		ps := make([]xraylocal.ResourcePolicy, 0, len(m))
		for _, p := range m {
			ps = append(ps, p)
		}
		// Byte order, as SQLite's BINARY collation sorts the names (rule L-2).
		slices.SortFunc(ps, func(a, b xraylocal.ResourcePolicy) int { return strings.Compare(a.Name, b.Name) })
		out[scope] = ps
	}
	return out
}

// policies returns the policies of scope by name, from the cache or read from the file
// into it. The caller changes the map with its decisions. It returns an error saying
// what failed.
func (t *tx) policies(ctx context.Context, scope xraylocal.Scope) (map[string]xraylocal.ResourcePolicy, error) {
	if m, ok := t.cache.scopes[scope]; ok {
		return m, nil
	}
	rows, err := t.StmtContext(ctx, t.s.scopeStmt).QueryContext(ctx, scope.Account, scope.Region)
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
	if t.cache.scopes == nil {
		t.cache.scopes = map[xraylocal.Scope]map[string]xraylocal.ResourcePolicy{}
	}
	t.cache.scopes[scope] = m
	t.cache.loads++
	return m, nil
}
