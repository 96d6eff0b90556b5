// Package pgtest gives tests a real PostgreSQL: the server named by XRAYLOCAL_TEST_POSTGRES,
// or a throwaway one it starts itself from the PostgreSQL binaries on the machine.
//
// A package's TestMain calls Main; its tests call NewDatabase for an empty database of
// their own, or StartServer for a server they may stop and start again (outage tests).
// A test that needs PostgreSQL fails when none can be started: a PostgreSQL store that is
// silently not tested is worse than a red build that says what to install.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable holding the DSN of an existing PostgreSQL server
// for tests. The role it names must be allowed to create databases.
const EnvDSN = "XRAYLOCAL_TEST_POSTGRES"

const installHint = "install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; or run scripts/postgres.sh start) " +
	"or set " + EnvDSN + " to the DSN of a server where the role may create databases"

// Server is a throwaway PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only.
type Server struct {
	bin     string // folder holding initdb and postgres
	dir     string // temporary folder: data/, the socket, the log
	port    int
	cred    *syscall.Credential // nil unless we run as root
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the running postmaster has exited
	version string
}

// StartServer starts a throwaway PostgreSQL for this test alone and stops it, removing its
// folder, when the test ends. Use it for tests that stop the server; NewDatabase is cheaper.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	s, err := startServer()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.close(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	countTest(tb, s.version)
	return s
}

// DSN returns the address of the server's "postgres" database as the superuser.
func (s *Server) DSN() string { return s.dsn("postgres") }

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Version is the server's version, e.g. "15.18".
func (s *Server) Version() string { return s.version }

func (s *Server) dsn(db string) string {
	return fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", s.Addr(), db)
}

// Stop shuts the server down (fast shutdown: open sessions are cut) and keeps its data, so
// Start can bring it back on the same port.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	if err := s.stop(); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
}

// Start starts a stopped server again on its port.
func (s *Server) Start(tb testing.TB) {
	tb.Helper()
	if err := s.start(); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
}

func startServer() (*Server, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root; Debian's postgresql package creates
		// this unprivileged user.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and PostgreSQL refuses to run as root, but there is no user \"postgres\" to run it as (%v); %s", err, installHint)
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("user postgres has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
		}
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}
	// Not t.TempDir: that folder sits inside a root-only parent the postgres user cannot enter.
	s.dir, err = os.MkdirTemp("", "xraylocal-pgtest-")
	if err != nil {
		return nil, err
	}
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			_ = os.RemoveAll(s.dir)
			return nil, err
		}
	}
	if err := s.initdb(); err != nil {
		_ = os.RemoveAll(s.dir)
		return nil, err
	}
	// Another process may take the free port between our check and the server's bind: try again.
	for attempt := 1; ; attempt++ {
		if s.port, err = freePort(); err == nil {
			err = s.start()
		}
		if err == nil {
			break
		}
		if attempt == 3 {
			_ = os.RemoveAll(s.dir)
			return nil, err
		}
	}
	conn, err := pgx.Connect(context.Background(), s.DSN())
	if err == nil {
		err = conn.QueryRow(context.Background(), "SHOW server_version").Scan(&s.version)
		_ = conn.Close(context.Background())
	}
	if err != nil {
		_ = s.close()
		return nil, fmt.Errorf("asking the server its version: %w", err)
	}
	s.version, _, _ = strings.Cut(s.version, " ")
	return s, nil
}

// debianBinaries is where Debian's postgresql package puts the server programs.
var debianBinaries = "/usr/lib/postgresql/*/bin"

// findBinaries returns the folder holding initdb and postgres: the one on PATH, else the
// newest under /usr/lib/postgresql (Debian installs them there, off PATH).
func findBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(debianBinaries)
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, dir := range dirs {
		_, err1 := os.Stat(filepath.Join(dir, "initdb"))
		_, err2 := os.Stat(filepath.Join(dir, "postgres"))
		if err1 == nil && err2 == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL cannot be started: no initdb and postgres on PATH or under /usr/lib/postgresql/*/bin; %s", installHint)
}

// majorOf returns the major version in /usr/lib/postgresql/<major>/bin, 0 when there is none.
func majorOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// command prepares one of the PostgreSQL programs to run in the server's folder, as the
// postgres user when we are root, with no PG* or locale settings of ours leaking in.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "HOME=" + s.dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}

func (s *Server) initdb() error {
	// --no-sync only skips initdb's final flush of a cluster that lives as long as a test
	// run; the server itself runs with fsync on. C locale: byte order, as production compares.
	cmd := s.command("initdb", "-D", filepath.Join(s.dir, "data"), "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("PostgreSQL cannot be started: initdb failed: %v\n%s\n%s", err, out, installHint)
	}
	return nil
}

func (s *Server) start() error {
	if s.cmd != nil {
		return errors.New("server already running")
	}
	logPath := filepath.Join(s.dir, "postgres.log")
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close() // the child holds its own descriptor
	cmd := s.command("postgres", "-D", filepath.Join(s.dir, "data"),
		"-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+s.dir,
		"-c", "fsync=on",
		"-c", "max_connections=300")
	cmd.Stdout, cmd.Stderr = log, log
	// If the test binary dies without running its cleanups (a timeout, a crash), the
	// server goes with it instead of outliving the run.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("PostgreSQL cannot be started: %v; %s", err, installHint)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited

	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.DSN())
		cancel()
		if err == nil {
			_ = conn.Close(context.Background())
			return nil
		}
		select {
		case <-exited:
			s.cmd = nil
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("PostgreSQL cannot be started: postgres exited at start:\n%s\n%s", lastLines(out, 20), installHint)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.stop()
			return fmt.Errorf("PostgreSQL did not accept connections within 60s: %v", err)
		}
	}
}

// stop asks for a fast shutdown and waits for it, forcing an immediate one if it hangs.
func (s *Server) stop() error {
	if s.cmd == nil {
		return nil
	}
	defer func() { s.cmd = nil }()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL} {
		_ = s.cmd.Process.Signal(sig)
		select {
		case <-s.exited:
			return nil
		case <-time.After(30 * time.Second):
		}
	}
	return fmt.Errorf("postgres (pid %d) did not exit", s.cmd.Process.Pid)
}

// close stops the server and removes its folder.
func (s *Server) close() error {
	err := s.stop()
	if err2 := os.RemoveAll(s.dir); err == nil {
		err = err2
	}
	return err
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
