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
	admin, server := shared.admin, shared.server
	shared.mu.Unlock()
	if admin != nil {
		admin.Close()
	}
	if server != nil {
		if err := server.close(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			code = 1
		}
	}
	line := fmt.Sprintf("postgres: %d tests ran against PostgreSQL", n)
	if version != "" {
		line += " " + version
	}
	if addr != "" {
		line += " at " + addr
	}
	fmt.Println(line)
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
	countTest(tb, "") // the version is known from startShared
	dsn, err := withDatabase(shared.dsn, name)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return dsn
}

func startShared() {
	var srv *Server
	dsn, addr := os.Getenv(EnvDSN), ""
	if dsn != "" {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			shared.err = fmt.Errorf("%s: %w", EnvDSN, err)
			return
		}
		addr = net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port))
	} else {
		var err error
		if srv, err = startServer(); err != nil {
			shared.err = err
			return
		}
		dsn, addr = srv.DSN(), srv.Addr()
	}
	var version string
	pool, err := pgxpool.New(context.Background(), dsn)
	if err == nil {
		if err = pool.QueryRow(context.Background(), "SHOW server_version").Scan(&version); err != nil {
			pool.Close()
		}
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.server, shared.dsn, shared.addr = srv, dsn, addr
	if err != nil {
		hint := installHint
		if srv == nil {
			hint = "is the server named by " + EnvDSN + " running? Unset " + EnvDSN + " to have the tests start a throwaway server instead (that needs PostgreSQL installed: apt-get install postgresql)"
		}
		shared.err = fmt.Errorf("PostgreSQL at %s cannot be reached: %w; %s", addr, err, hint)
		return
	}
	shared.admin = pool
	shared.version, _, _ = strings.Cut(version, " ") // "15.18 (Debian 15.18-0+deb12u1)"
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

// countTest records that a test ran against PostgreSQL, and the server's version when the
// package's shared server has not given one.
func countTest(tb testing.TB, version string) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.version == "" && version != "" {
		shared.version = version
	}
	if shared.tests == nil {
		shared.tests = map[string]bool{}
	}
	shared.tests[tb.Name()] = true
}
