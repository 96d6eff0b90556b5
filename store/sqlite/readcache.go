package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"

	"github.com/xraylocal/xraylocal"
)

// The readers' cache.
//
// A listing is read far more often than it changes, and reading it through SQLite costs
// a query and a copy of every document. So ListResourcePolicies keeps the listings it
// has read, and serves one again only while nothing was committed since. What tells it
// is a version of the file that changes with every commit of any connection: this
// Store's writer, another Store, another process, a sqlite3 shell. A changed version
// drops every cached listing.
//
// Why a listing served from the cache holds every acknowledged write (rule L-4): a
// listing is cached under the version v read before the listing was read, so it holds
// at least every commit before v. It is served only to a List that read v again
// afterwards, which means no commit happened in between: it is the file's current
// state. A commit between reading v and reading the listing makes the cached listing
// newer than v, never older, and the next List sees a new version and reads the file
// again anyway.
//
// Every write of this Store commits too, and its writer knows what it changed: the
// scopes of its batch, whose listings after the commit its own cache holds (writer.go).
// So after each commit it hands them over (advance), and the cache moves to the new
// version with the other scopes' listings kept, when the version source can tell that
// the new version is the old one plus exactly that commit (commitCounter). Why that
// keeps rule L-4: a listing cached at the old version holds the file's state of its
// scope then, or a later one (see above); one commit later, the scopes it did not touch
// are as they were, and the ones it touched are as the writer wrote them. Under a mix
// of writes and lists, lists then read the file only after another connection's commit.
//
// The version comes from one of two sources:
//   - walIndexVersion (walindex_unix.go): the header of the WAL-index, SQLite's shared
//     memory in the -shm file, mapped read-only. SQLite changes it with every commit
//     (its transaction counter and frame count are in it) and compares it itself to
//     tell a reader whether anything changed. Reading it is a few loads from memory.
//   - dataVersion: PRAGMA data_version on a dedicated connection, which changes when
//     another connection has committed since the previous call. It is the documented
//     interface, but every call is a read transaction, with the two fcntl calls of
//     SQLite's read lock: some 20 µs under load, a sixth of a List. Used where the
//     WAL-index cannot be mapped.

// version identifies the state of the file: equal versions, no commit in between. It
// holds the WAL-index header, or PRAGMA data_version in its first two words.
type version [walIndexHeaderWords]uint32

// versionSource reads the current version. ok is false when there is no stable
// version to read (a commit is writing the WAL-index header): the caller then reads
// the file and caches nothing.
type versionSource interface {
	current(ctx context.Context) (v version, ok bool, err error)
	close() error
}

// commitCounter is a version source that counts commits.
type commitCounter interface {
	// oneCommitApart reports whether the state at version after is the state at
	// version before plus exactly one commit.
	oneCommitApart(before, after version) bool
}

// readCache is safe for concurrent use.
type readCache struct {
	source versionSource

	mu     sync.Mutex
	valid  bool // scopes were read at or after version v
	v      version
	scopes map[xraylocal.Scope][]xraylocal.ResourcePolicy
	// hits counts listings served from the cache; tests check the cache is used.
	hits int64
}

// openReadCache returns the cache of the file at path, reading its version from the
// WAL-index where it can be mapped, and with PRAGMA data_version on a connection of
// the read pool r otherwise.
func openReadCache(ctx context.Context, path string, r *sql.DB) (*readCache, error) {
	if src, err := openWALIndex(path); err == nil {
		return &readCache{source: src}, nil
	}
	src, err := openDataVersion(ctx, r)
	if err != nil {
		return nil, err
	}
	return &readCache{source: src}, nil
}

func (c *readCache) close() error { return c.source.close() }

// lookup reads the version and returns the cached listing of scope if nothing was
// committed since it was read. Otherwise it returns the version the caller's listing
// is to be kept under (see keep), with ok false when there is none.
func (c *readCache) lookup(ctx context.Context, scope xraylocal.Scope) (ps []xraylocal.ResourcePolicy, hit bool, v version, ok bool, err error) {
	v, ok, err = c.source.current(ctx)
	if err != nil {
		return nil, false, v, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok || !c.valid || v != c.v || len(c.scopes) >= maxCachedScopes {
		c.valid, c.v = ok, v
		clear(c.scopes)
		return nil, false, v, ok, nil
	}
	if ps, found := c.scopes[scope]; found {
		c.hits++
		return slices.Clone(ps), true, v, true, nil
	}
	return nil, false, v, true, nil
}

// keep caches the listing of scope read after lookup returned version v, unless the
// version has changed since.
func (c *readCache) keep(scope xraylocal.Scope, v version, ps []xraylocal.ResourcePolicy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || v != c.v {
		return
	}
	if c.scopes == nil {
		c.scopes = map[xraylocal.Scope][]xraylocal.ResourcePolicy{}
	}
	c.scopes[scope] = slices.Clone(ps)
}

// beforeCommit returns the version to hand to advance after the commit, read by the
// writer while it holds the write lock, so that no other commit can come between. ok is
// false when the source does not count commits, or has no stable version to read.
func (c *readCache) beforeCommit(ctx context.Context) (v version, ok bool) {
	if _, counts := c.source.(commitCounter); !counts {
		return v, false
	}
	v, ok, err := c.source.current(ctx)
	return v, ok && err == nil
}

// advance is told by the writer, once its commit has returned, the version before the
// commit and the new listing of every scope the commit changed. When the file's version
// now is exactly one commit after before, the cache moves to it: it keeps the other
// scopes' listings when it was at before (or already at the new version, moved there
// by a List), starts afresh otherwise, and takes the changed scopes' listings. Else it
// is left as it is, for the next List to find the version changed. The cache keeps the
// listings; the caller must not change them.
func (c *readCache) advance(ctx context.Context, before version, changed map[xraylocal.Scope][]xraylocal.ResourcePolicy) {
	counter, counts := c.source.(commitCounter)
	if !counts {
		return
	}
	after, ok, err := c.source.current(ctx)
	if err != nil || !ok || !counter.oneCommitApart(before, after) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || (c.v != before && c.v != after) || len(c.scopes)+len(changed) > maxCachedScopes {
		clear(c.scopes)
	}
	c.valid, c.v = true, after
	if c.scopes == nil {
		c.scopes = map[xraylocal.Scope][]xraylocal.ResourcePolicy{}
	}
	for scope, ps := range changed {
		c.scopes[scope] = ps
	}
}

// dataVersion reads PRAGMA data_version on a connection of its own.
type dataVersion struct {
	mu   sync.Mutex
	conn *sql.Conn // used under mu only
	stmt *sql.Stmt // PRAGMA data_version, prepared on conn
}

// openDataVersion takes a connection of the read pool r for PRAGMA data_version.
func openDataVersion(ctx context.Context, r *sql.DB) (*dataVersion, error) {
	conn, err := r.Conn(ctx)
	if err != nil {
		return nil, wrap("open the readers' version connection", err)
	}
	st, err := conn.PrepareContext(ctx, versionQuery)
	if err != nil {
		_ = conn.Close()
		return nil, wrap("prepare statement", err)
	}
	return &dataVersion{conn: conn, stmt: st}, nil
}

func (d *dataVersion) current(ctx context.Context) (version, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n int64
	// The statement takes microseconds and never waits: without ctx's cancellation the
	// driver skips the goroutine it would start to interrupt it.
	if err := d.stmt.QueryRowContext(context.WithoutCancel(ctx)).Scan(&n); err != nil {
		return version{}, false, err
	}
	return version{uint32(n), uint32(uint64(n) >> 32)}, true, nil
}

// close returns the connection to the pool.
func (d *dataVersion) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return wrap("close the readers' version connection", errors.Join(d.stmt.Close(), d.conn.Close()))
}
