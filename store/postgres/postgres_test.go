package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/internal/pgtest"
	"github.com/xraylocal/xraylocal/store/postgres"
	"github.com/xraylocal/xraylocal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	var dsns sync.Map // *postgres.Store -> its database's DSN, for Reopen
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) xraylocal.Store {
			dsn := pgtest.NewDatabase(t)
			s := open(t, dsn)
			dsns.Store(s, dsn)
			return s
		},
		Reopen: func(t *testing.T, s xraylocal.Store) xraylocal.Store {
			dsn, ok := dsns.Load(s)
			if !ok {
				t.Fatalf("reopen: %T was not opened by this harness", s)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			s2 := open(t, dsn.(string))
			dsns.Store(s2, dsn)
			return s2
		},
		// Another pool on the same database, as another server process would have.
		Second: func(t *testing.T, s xraylocal.Store) xraylocal.Store {
			dsn, ok := dsns.Load(s)
			if !ok {
				t.Fatalf("second: %T was not opened by this harness", s)
			}
			return open(t, dsn.(string))
		},
	})
}

var scope = xraylocal.Scope{Account: "111111111111", Region: "us-east-1"}

func str(s string) *string { return &s }

func TestMigrations_ConcurrentStart(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	const n = 8
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(context.Background(), dsn) })
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
		t.FailNow()
	}
	var versions []int
	queryRows(t, dsn, "SELECT version FROM xraylocal_schema_version ORDER BY version", func(scan func(...any) error) {
		var v int
		if err := scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	})
	if len(versions) != postgres.SchemaVersion || versions[len(versions)-1] != postgres.SchemaVersion {
		t.Fatalf("schema_version rows %v, want 1..%d each once", versions, postgres.SchemaVersion)
	}
	// Every store works on the one schema.
	for i, s := range stores {
		if _, err := s.PutResourcePolicy(context.Background(), xraylocal.PutRequest{Scope: scope, Name: fmt.Sprint("p", i%5), Document: "d"}); err != nil {
			t.Fatalf("put through store %d: %v", i, err)
		}
	}
}

func TestMigrations_NewerSchemaRefused(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := open(t, dsn)
	ctx := context.Background()
	if _, err := s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scope, Name: "p", Document: "d"}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	exec(t, dsn, fmt.Sprintf("INSERT INTO xraylocal_schema_version (version, name) VALUES (%d, '9999_from_the_future.sql')", postgres.SchemaVersion+1))

	s, err := postgres.Open(ctx, dsn)
	if err == nil {
		_ = s.Close()
		t.Fatal("open on a newer schema succeeded, want ErrSchemaTooNew")
	}
	if !errors.Is(err, postgres.ErrSchemaTooNew) || errors.Is(err, xraylocal.ErrUnavailable) {
		t.Fatalf("open on a newer schema: %v, want ErrSchemaTooNew", err)
	}
	t.Logf("refusal reads: %v", err)
	// The refusal changed nothing.
	var n int
	queryRows(t, dsn, "SELECT count(*) FROM xraylocal_resource_policies", func(scan func(...any) error) {
		if err := scan(&n); err != nil {
			t.Fatal(err)
		}
	})
	if n != 1 {
		t.Fatalf("%d policies after the refused open, want the 1 stored before", n)
	}
}

// A write while the database is down answers ErrUnavailable (503), not an internal
// failure, and the same store serves again once the database is back.
func TestUnavailable_WriteIs503AndRecovers(t *testing.T) {
	srv := pgtest.StartServer(t) // our own: this test stops it
	s := open(t, srv.DSN())
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	put := func(doc string) (xraylocal.ResourcePolicy, error) {
		return s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scope, Name: "p", Document: doc, Time: time.Now()})
	}
	if _, err := put("before"); err != nil {
		t.Fatal(err)
	}

	srv.Stop(t)
	start := time.Now()
	_, err := put("during")
	if !errors.Is(err, xraylocal.ErrUnavailable) || xraylocal.ErrorCodeOf(err) != xraylocal.ServiceUnavailableException {
		t.Fatalf("put with the database down: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("put with the database down took %v to fail", d)
	}
	if _, err := s.ListResourcePolicies(ctx, scope); !errors.Is(err, xraylocal.ErrUnavailable) {
		t.Fatalf("list with the database down: %v, want ErrUnavailable", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, xraylocal.ErrUnavailable) {
		t.Fatalf("ping with the database down: %v, want ErrUnavailable", err)
	}

	srv.Start(t)
	p, err := put("after")
	if err != nil {
		t.Fatalf("put once the database is back: %v", err)
	}
	if p.Revision != 2 {
		t.Fatalf("put once the database is back stored revision %d, want 2 (the write during the outage must not have happened)", p.Revision)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping once the database is back: %v", err)
	}
}

// Connections cut under the store (a failover, an idle timeout on a proxy) are retried:
// reads and writes that never reached COMMIT go through on a new connection.
func TestUnavailable_TerminatedConnectionsAreRetried(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := open(t, dsn)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	if _, err := s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scope, Name: "p", Document: "d"}); err != nil {
		t.Fatal(err)
	}
	terminate := func() {
		t.Helper()
		var n int
		queryRows(t, dsn, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
			func(scan func(...any) error) {
				if err := scan(&n); err != nil {
					t.Fatal(err)
				}
			})
		if n == 0 {
			t.Fatal("no connection of the store to terminate")
		}
	}
	terminate()
	if _, err := s.ListResourcePolicies(ctx, scope); err != nil {
		t.Fatalf("list after the connections were cut: %v", err)
	}
	terminate()
	if p, err := s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scope, Name: "p", Document: "d2"}); err != nil || p.Revision != 2 {
		t.Fatalf("put after the connections were cut: %+v, %v; want revision 2", p, err)
	}
}

// race runs n calls of op at once (op gets its index) and returns how many succeeded; a
// failure other than an *xraylocal.Error of code fails the test.
func race(t *testing.T, n int, code xraylocal.ErrorCode, op func(i int) error) (wins int) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = op(i) })
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case xraylocal.ErrorCodeOf(err) != code:
			t.Errorf("call %d: got %v, want success or %s", i, err, code)
		}
	}
	return wins
}

func exec(t *testing.T, dsn, sql string) {
	t.Helper()
	queryRows(t, dsn, sql, func(func(...any) error) {})
}

// queryRows runs sql on a connection of its own and calls each for every row.
func queryRows(t *testing.T, dsn, sql string, each func(scan func(...any) error)) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	for rows.Next() {
		each(rows.Scan)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// A database that does not answer (here: the scope's lock held elsewhere, as a stuck
// session would) gets a 503 within the bound on one try, not a request that hangs; and the
// write that timed out did not happen.
func TestUnavailable_NoAnswerIs503(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := open(t, dsn)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	put := func(doc string) (xraylocal.ResourcePolicy, error) {
		return s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scope, Name: "p", Document: doc, Time: time.Now()})
	}
	if _, err := put("before"); err != nil {
		t.Fatal(err)
	}

	holder, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	// The key the store locks for scope (account "/" region); a session lock, held until unlocked.
	const key = "hashtextextended($1::text || '/' || $2::text, 0)"
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock("+key+")", scope.Account, scope.Region); err != nil {
		t.Fatal(err)
	}
	// Short only for the write that waits: on a busy machine an ordinary try may take longer.
	normal := postgres.SetTryTimeout(s, 300*time.Millisecond)
	start := time.Now()
	_, err = put("during")
	postgres.SetTryTimeout(s, normal)
	if !errors.Is(err, xraylocal.ErrUnavailable) {
		t.Fatalf("put while the database does not answer: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("put while the database does not answer took %v, want about the 300ms bound", d)
	}
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock("+key+")", scope.Account, scope.Region); err != nil {
		t.Fatal(err)
	}
	p, err := put("after")
	if err != nil || p.Revision != 2 {
		t.Fatalf("put once the lock is free: %+v, %v; want revision 2 (the timed-out write must not have happened)", p, err)
	}
}

// Open on a database that cannot be reached says so with ErrUnavailable, quickly, so a
// server start fails with a clear message rather than hanging.
func TestOpen_UnreachableIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	start := time.Now()
	s, err := postgres.Open(context.Background(), "postgres://xraylocal:secret@"+addr+"/xraylocal?sslmode=disable")
	if err == nil {
		_ = s.Close()
		t.Fatal("open on a closed port succeeded")
	}
	if !errors.Is(err, xraylocal.ErrUnavailable) {
		t.Fatalf("open on a closed port: %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("the error shows the password: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("open on a closed port took %v to fail", d)
	}
}
