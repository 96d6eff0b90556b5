package pgtest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ name, dsn, want string }{
		{"url", "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable", "postgres://u:p@127.0.0.1:5432/x?sslmode=disable"},
		{"url without database", "postgresql://127.0.0.1", "postgresql://127.0.0.1/x"},
		{"keyword form", "host=127.0.0.1 dbname=postgres", "host=127.0.0.1 dbname=postgres dbname=x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := withDatabase(tc.dsn, "x")
			if err != nil || got != tc.want {
				t.Fatalf("withDatabase(%q) = %q, %v; want %q", tc.dsn, got, err, tc.want)
			}
			// What matters is that the driver reads the new name.
			if cfg, err := pgx.ParseConfig(got); err != nil || cfg.Database != "x" {
				t.Fatalf("pgx reads %q as database %v (%v), want x", got, cfg, err)
			}
		})
	}
	if _, err := withDatabase("postgres://[::1", "x"); err == nil {
		t.Fatal("withDatabase accepted a malformed URL")
	}
}

// Without PostgreSQL the error must say how to install it: the tests fail with it, and a
// bare "not found" would leave the reader guessing.
func TestStartServer_MissingPostgreSQLSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	saved := debianBinaries
	debianBinaries = filepath.Join(t.TempDir(), "*", "bin")
	t.Cleanup(func() { debianBinaries = saved })
	s, err := startServer()
	if err == nil {
		_ = s.close()
		t.Fatal("startServer succeeded with no PostgreSQL binaries to be found")
	}
	if !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Fatalf("error %q does not say how to install PostgreSQL", err)
	}
}
