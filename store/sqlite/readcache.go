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
// has read, and serves one again only while nothing was committed since: it asks a
// dedicated connection, watch, for PRAGMA data_version, which changes whenever another
// connection (this Store's writer, another Store, another process, a sqlite3 shell) has
// committed since watch last asked. A changed version drops every cached listing.
//
// Why a listing served from the cache holds every acknowledged write (rule L-4): a
// listing is cached under the version v that watch returned before the listing was
// read, so it holds at least every commit before v was read. It is served only to a
// List that read v again afterwards, which means no commit happened in between: it is
// the file's current state. A commit between reading v and reading the listing makes
// the cached listing newer than v, never older, and the next List sees a new version
// and reads the file again anyway.
//
// Every write of this Store commits through another connection, so a Put or Delete
// drops the cache too: under a mix of writes and lists the cache helps only the lists
// between two commits. The version costs a statement on one connection; the listings it
// saves cost a query on the read pool and a copy of every document.

// readCache is safe for concurrent use.
type readCache struct {
	mu      sync.Mutex
	watch   *sql.Conn // used under mu only
	version *sql.Stmt // PRAGMA data_version, prepared on watch
	valid   bool      // scopes were read at or after version v
	v       int64
	scopes  map[xraylocal.Scope][]xraylocal.ResourcePolicy
	// hits counts listings served from the cache; tests check the cache is used.
	hits int64
}

// openReadCache takes a connection of the read pool for the watch.
func openReadCache(ctx context.Context, r *sql.DB) (*readCache, error) {
	conn, err := r.Conn(ctx)
	if err != nil {
		return nil, wrap("open the readers' watch connection", err)
	}
	st, err := conn.PrepareContext(ctx, versionQuery)
	if err != nil {
		_ = conn.Close()
		return nil, wrap("prepare statement", err)
	}
	return &readCache{watch: conn, version: st}, nil
}

// close returns the watch connection to the pool.
func (c *readCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return wrap("close the readers' watch connection", errors.Join(c.version.Close(), c.watch.Close()))
}

// lookup reads the data version and returns the cached listing of scope if nothing was
// committed since it was read, and otherwise the version the caller's listing is to be
// stored under (see store).
func (c *readCache) lookup(ctx context.Context, scope xraylocal.Scope) (ps []xraylocal.ResourcePolicy, hit bool, v int64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// The statement takes microseconds and never waits: without ctx's cancellation the
	// driver skips the goroutine it would start to interrupt it.
	if err := c.version.QueryRowContext(context.WithoutCancel(ctx)).Scan(&v); err != nil {
		c.valid = false
		return nil, false, 0, err
	}
	if !c.valid || v != c.v || len(c.scopes) >= maxCachedScopes {
		c.valid, c.v = true, v
		clear(c.scopes)
	}
	if ps, ok := c.scopes[scope]; ok {
		c.hits++
		return slices.Clone(ps), true, v, nil
	}
	return nil, false, v, nil
}

// store keeps the listing of scope read after lookup returned version v, unless the
// version has changed since.
func (c *readCache) store(scope xraylocal.Scope, v int64, ps []xraylocal.ResourcePolicy) {
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
