// Package postgres is a Store on PostgreSQL, for several xraylocal servers sharing one
// state (--store postgres://...). Writes serialise per (account, region) on a
// transaction-scoped advisory lock, so the rules that need one atomic step (P-8) hold
// across processes; reads see every committed write (L-4).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/xraylocal/xraylocal"
)

// Store is an xraylocal.Store on a PostgreSQL database. Open returns one; it is safe for
// concurrent use, also by several processes on the same database. Its methods return an
// error wrapping xraylocal.ErrUnavailable when the database cannot be reached, breaks the
// connection on every try, or does not answer in time.
type Store struct {
	pool       *pgxpool.Pool
	tryTimeout time.Duration // bound on one try of an operation
}

var _ xraylocal.Store = (*Store)(nil)

// How often an operation is tried when the connection is lost or the database asks for a
// retry, and the first pause between tries (doubled each time).
const (
	maxAttempts  = 4
	firstBackoff = 25 * time.Millisecond
)

// defaultTryTimeout bounds one try of an operation. A database that stops answering
// without closing the connection (a paused VM, a dropped route) would otherwise hold a
// request until TCP gives up, many minutes later; with the bound the client gets a 503.
const defaultTryTimeout = 10 * time.Second

// errNoAnswer marks a try that the database did not answer within the bound.
var errNoAnswer = errors.New("the database did not answer in time")

// Open connects to the database dsn names (a postgres:// URL or keyword=value string) and
// brings its schema up to date. It fails with an error wrapping xraylocal.ErrUnavailable
// when the database cannot be reached, and with ErrSchemaTooNew when a newer xraylocal
// has migrated it.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err) // pgconn redacts the password
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without a bound, a database behind a dropped route holds each request until the
		// client gives up; with it the client gets a 503 it can retry.
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, tryTimeout: defaultTryTimeout}
	// Migrating twice is harmless (the second finds the steps applied), so a lost
	// connection is retried like a read.
	if err := s.retry(ctx, func(ctx context.Context) error { return migrate(ctx, pool) }); err != nil {
		pool.Close()
		if errors.Is(err, ErrSchemaTooNew) {
			return nil, err
		}
		return nil, fail("connect and apply schema migrations", err)
	}
	return s, nil
}

// PutResourcePolicy implements xraylocal.Store.
func (s *Store) PutResourcePolicy(ctx context.Context, req xraylocal.PutRequest) (xraylocal.ResourcePolicy, error) {
	var out xraylocal.ResourcePolicy
	err := s.write(ctx, req.Scope, func(ctx context.Context, tx pgx.Tx) error {
		current, err := getPolicy(ctx, tx, req.Scope, req.Name)
		if err != nil {
			return err
		}
		var count int
		if err := tx.QueryRow(ctx,
			"SELECT count(*) FROM xraylocal_resource_policies WHERE account = $1 AND region = $2",
			req.Account, req.Region).Scan(&count); err != nil {
			return err
		}
		next, err := xraylocal.DecidePut(req, current, count)
		if err != nil {
			return refusal{err}
		}
		// RETURNING: the caller gets the time as stored, to the microsecond, so what Put
		// answers and what List later shows are the same.
		if err := tx.QueryRow(ctx, `
			INSERT INTO xraylocal_resource_policies (account, region, name, document, revision, last_updated)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (account, region, name) DO UPDATE
			SET document = excluded.document, revision = excluded.revision, last_updated = excluded.last_updated
			RETURNING last_updated`,
			req.Account, req.Region, next.Name, []byte(next.Document), next.Revision, next.LastUpdated,
		).Scan(&next.LastUpdated); err != nil {
			return err
		}
		next.LastUpdated = next.LastUpdated.UTC()
		out = next
		return nil
	})
	if err != nil {
		return xraylocal.ResourcePolicy{}, err
	}
	return out, nil
}

// DeleteResourcePolicy implements xraylocal.Store.
func (s *Store) DeleteResourcePolicy(ctx context.Context, req xraylocal.DeleteRequest) error {
	return s.write(ctx, req.Scope, func(ctx context.Context, tx pgx.Tx) error {
		current, err := getPolicy(ctx, tx, req.Scope, req.Name)
		if err != nil {
			return err
		}
		if err := xraylocal.DecideDelete(req, current); err != nil {
			return refusal{err}
		}
		_, err = tx.Exec(ctx,
			"DELETE FROM xraylocal_resource_policies WHERE account = $1 AND region = $2 AND name = $3",
			req.Account, req.Region, req.Name)
		return err
	})
}

// ListResourcePolicies implements xraylocal.Store. It reads without a lock: each statement
// sees every transaction committed before it began, so every acknowledged Put (L-4).
func (s *Store) ListResourcePolicies(ctx context.Context, scope xraylocal.Scope) ([]xraylocal.ResourcePolicy, error) {
	var out []xraylocal.ResourcePolicy
	err := s.retry(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `
			SELECT name, document, revision, last_updated FROM xraylocal_resource_policies
			WHERE account = $1 AND region = $2 ORDER BY name`, scope.Account, scope.Region)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanPolicy)
		return err
	})
	if err != nil {
		return nil, fail("list resource policies", err)
	}
	if out == nil {
		out = []xraylocal.ResourcePolicy{} // rule L-1: an empty list, not null
	}
	return out, nil
}

// Reset implements xraylocal.Store.
func (s *Store) Reset(ctx context.Context) error {
	err := s.retry(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, "TRUNCATE xraylocal_resource_policies")
		return err
	})
	return fail("reset", err)
}

// Ping implements xraylocal.Store: nil when a connection to the database works.
func (s *Store) Ping(ctx context.Context) error {
	return fail("ping", s.retry(ctx, func(ctx context.Context) error { return s.pool.Ping(ctx) }))
}

// Close implements xraylocal.Store. Every acknowledged write was committed before it was
// acknowledged, so closing loses nothing.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// refusal carries the decision of DecidePut or DecideDelete out of the transaction, which
// it rolls back; it is returned to the caller as it is, never retried.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }

// write runs fn in a transaction that first takes the scope's lock, and commits. Writers
// of one scope take turns on the lock, in every process, so each reads what the one before
// it committed and the decision and its write are one step (rule P-8). Writers of other
// scopes do not wait (a hash collision only makes two scopes share a lock).
func (s *Store) write(ctx context.Context, scope xraylocal.Scope, fn func(context.Context, pgx.Tx) error) error {
	err := s.retry(ctx, func(ctx context.Context) error { return tryWrite(ctx, s.pool, scope, fn) })
	var r refusal
	if errors.As(err, &r) {
		return r.err
	}
	return fail("write", err)
}

// errMaybeCommitted marks a write whose COMMIT was sent but never answered: it may have
// committed, so it is not tried again; the client gets a 503 and decides.
var errMaybeCommitted = errors.New("the connection broke while committing")

func tryWrite(ctx context.Context, pool *pgxpool.Pool, scope xraylocal.Scope, fn func(context.Context, pgx.Tx) error) error {
	// READ COMMITTED, whatever the database's default: each statement then reads a snapshot
	// taken after the lock was granted. Under REPEATABLE READ the snapshot would predate the
	// lock, and two creates could both count four policies.
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer func() {
		// Its own bound: ctx may be over, and a rollback must not hang on a silent database.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rctx)
	}()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0))",
		scope.Account, scope.Region); err != nil {
		return err
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	// A failure before this point rolled everything back, so retry may try again.
	err = tx.Commit(ctx)
	if err != nil && lostConnection(err) && !pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %w", errMaybeCommitted, err)
	}
	return err
}

// retry runs op, bounding each try by tryTimeout, and tries again while the connection is
// lost or the database asks for a retry; but not when the database did not answer in time
// (it is busy or gone, and more load will not help) nor after a write that may have
// committed.
func (s *Store) retry(ctx context.Context, op func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		tctx, cancel := context.WithTimeout(ctx, s.tryTimeout)
		err := noAnswer(ctx, tctx, op(tctx), s.tryTimeout)
		cancel()
		if err == nil || ctx.Err() != nil || attempt == maxAttempts ||
			errors.Is(err, errNoAnswer) || errors.Is(err, errMaybeCommitted) ||
			!(lostConnection(err) || retryable(err)) {
			return err
		}
		if !pause(ctx, attempt) {
			return err
		}
	}
}

// noAnswer marks err with errNoAnswer when the try's own bound ended it, not the caller.
func noAnswer(parent, try context.Context, err error, bound time.Duration) error {
	if err != nil && parent.Err() == nil && errors.Is(try.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w within %v: %w", errNoAnswer, bound, err)
	}
	return err
}

// pause waits before try attempt+1; false when ctx ended first.
func pause(ctx context.Context, attempt int) bool {
	t := time.NewTimer(firstBackoff << (attempt - 1))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// fail wraps a database error for the edge: ErrUnavailable (503) when the database is out of
// reach or silent, so the client retries; anything else stays an internal failure.
func fail(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case lostConnection(err) || retryable(err):
		return fmt.Errorf("postgres: %s: %w: %w", op, xraylocal.ErrUnavailable, err)
	default:
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
}

// lostConnection reports whether err means the database could not be reached or the
// connection broke: a network error, no answer in time, or a server that is shutting down,
// starting up or full. It goes by error types and SQLSTATE codes, never by message text.
func lostConnection(err error) bool {
	if errors.Is(err, errNoAnswer) || errors.Is(err, errMaybeCommitted) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller gave up; not the database's doing
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", // admin_shutdown: the server is stopping, or pg_terminate_backend
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now: starting up or shutting down
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err)
}

// retryable reports whether the database aborted the transaction and asked for it to be
// run again. With the scope lock this should not happen, but an operator's settings (a
// deadlock with a maintenance job, a serializable default) must not turn into a 500.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

func getPolicy(ctx context.Context, tx pgx.Tx, scope xraylocal.Scope, name string) (*xraylocal.ResourcePolicy, error) {
	rows, err := tx.Query(ctx, `
		SELECT name, document, revision, last_updated FROM xraylocal_resource_policies
		WHERE account = $1 AND region = $2 AND name = $3`, scope.Account, scope.Region, name)
	if err != nil {
		return nil, err
	}
	p, err := pgx.CollectOneRow(rows, scanPolicy)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func scanPolicy(row pgx.CollectableRow) (xraylocal.ResourcePolicy, error) {
	var p xraylocal.ResourcePolicy
	var doc []byte
	if err := row.Scan(&p.Name, &doc, &p.Revision, &p.LastUpdated); err != nil {
		return p, err
	}
	p.Document = string(doc)
	p.LastUpdated = p.LastUpdated.UTC()
	return p, nil
}
