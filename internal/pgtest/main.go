package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// shared is the package's one server, started at the first NewDatabase and stopped by Main.
var shared struct {
	mu      sync.Mutex
	inMain  bool
	once    sync.Once
	err     error
	server  *Server // nil when EnvDSN names the server
	dsn     string  // the admin database
	admin   *pgxpool.Pool
	addr    string
	version string
	tests   map[string]bool // names of the tests that used PostgreSQL
	seq     atomic.Int64
}

// Main runs the package's tests (call it from TestMain), then prints how many of them ran
// against PostgreSQL and which server, stops the server it started, and exits.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	n, addr, version := len(shared.tests), shared.addr, shared.version
	shared.mu.Unlock()
	if shared.admin != nil {
		shared.admin.Close()
	}
	if shared.server != nil {
		if err := shared.server.close(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			code = 1
		}
	}
	if addr == "" {
		fmt.Printf("postgres: %d tests ran against PostgreSQL\n", n)
	} else {
		fmt.Printf("postgres: %d tests ran against PostgreSQL %s at %s\n", n, version, addr)
	}
	os.Exit(code)
}

// NewDatabase creates an empty database on the package's server and returns its DSN; the
// database is dropped when the test ends. The server is the one EnvDSN names, else a
// throwaway one started at the first call. Parallel tests each get their own database.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	shared.mu.Lock()
	inMain := shared.inMain
	shared.mu.Unlock()
	if !inMain {
		// Without Main nobody would stop the server this starts.
		tb.Fatal("pgtest: call pgtest.Main(m) from the package's TestMain before using NewDatabase")
	}
	shared.once.Do(startShared)
	if shared.err != nil {
		tb.Fatalf("pgtest: %v", shared.err)
	}
	// The process id keeps test runs that share one server from colliding.
	name := fmt.Sprintf("xraylocal_test_%d_%d", os.Getpid(), shared.seq.Add(1))
	ctx := context.Background()
	if _, err := shared.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		// FORCE: a store a test forgot to close must not keep the database alive.
		if _, err := shared.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	countTest(tb)
	dsn, err := withDatabase(shared.dsn, name)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return dsn
}

func startShared() {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		shared.dsn = dsn
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			shared.err = fmt.Errorf("%s: %w", EnvDSN, err)
			return
		}
		shared.addr = net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port))
	} else {
		s, err := startServer()
		if err != nil {
			shared.err = err
			return
		}
		shared.server, shared.dsn, shared.addr = s, s.DSN(), s.Addr()
	}
	pool, err := pgxpool.New(context.Background(), shared.dsn)
	if err == nil {
		err = pool.QueryRow(context.Background(), "SHOW server_version").Scan(&shared.version)
		if err != nil {
			pool.Close()
		}
	}
	if err != nil {
		shared.err = fmt.Errorf("PostgreSQL at %s cannot be reached: %w; %s", shared.addr, err, installHint)
		return
	}
	shared.admin = pool
	shared.version, _, _ = strings.Cut(shared.version, " ")
}

// withDatabase returns dsn naming database db instead, in either DSN form libpq knows.
func withDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s is not a valid URL: %w", EnvDSN, err)
		}
		u.Path, u.RawPath = "/"+db, ""
		return u.String(), nil
	}
	// keyword=value form: a later keyword overrides an earlier one.
	return dsn + " dbname=" + db, nil
}

func countTest(tb testing.TB) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.tests == nil {
		shared.tests = map[string]bool{}
	}
	shared.tests[tb.Name()] = true
}
