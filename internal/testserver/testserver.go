// Package testserver builds the xraylocal binary once per test process and runs it as a
// real server process on 127.0.0.1, for tests that drive the server the way users do.
package testserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of an xraylocal binary built from this checkout, building it on
// first use (CGO_ENABLED=0, as released).
func Binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %v", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		// One folder for every test process's binary, named by its pid: each build removes
		// the binaries of processes that are gone, so runs leave nothing behind for long.
		dir := filepath.Join(os.TempDir(), "xraylocal-testbin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		removeStale(dir)
		binPath = filepath.Join(dir, fmt.Sprintf("xraylocal-%d", os.Getpid()))
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/xraylocal")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/xraylocal: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binPath
}

// removeStale removes the binaries in dir built by test processes that have ended.
func removeStale(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		pid, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "xraylocal-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Process is a running xraylocal server.
type Process struct {
	URL  string // http://127.0.0.1:PORT
	Addr string // 127.0.0.1:PORT
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the process's exit, once done is closed

	mu     sync.Mutex
	stderr strings.Builder
}

var listening = regexp.MustCompile(`listening on http://(\S+)`)

// Start runs `xraylocal serve --listen 127.0.0.1:0 ARGS...` with the environment env
// (added to this process's, less XRAYLOCAL_* variables) and waits until it is healthy.
// The process is stopped with SIGTERM when the test ends (and killed if it lingers).
func Start(tb testing.TB, env []string, args ...string) *Process {
	tb.Helper()
	bin := Binary(tb)
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "XRAYLOCAL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.stderr.Len() < 1<<20 {
			p.stderr.Write(b)
		}
		return len(b), nil
	})
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Stop(tb) })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { p.err = cmd.Wait(); close(p.done) }()
	select {
	case a := <-addr:
		p.Addr, p.URL = a, "http://"+a
	case <-p.done:
		tb.Fatalf("xraylocal exited before listening: %v\n%s", p.err, p.Stderr())
	case <-time.After(30 * time.Second):
		tb.Fatalf("xraylocal did not print its address within 30s\n%s", p.Stderr())
	}
	if err := p.WaitHealthy(10 * time.Second); err != nil {
		tb.Fatalf("%v\n%s", err, p.Stderr())
	}
	return p
}

// WaitHealthy polls /_xraylocal/health until it answers 200.
func (p *Process) WaitHealthy(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/_xraylocal/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("xraylocal at %s not healthy after %v (last error %v)", p.URL, timeout, err)
		case <-p.done:
			return fmt.Errorf("xraylocal exited: %v", p.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Stderr returns what the process logged so far (the first MiB).
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// PID returns the process id, for tests that read /proc/PID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill ends the process at once with SIGKILL, as a crash would, and waits for it.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Wait waits for the process to exit and returns its exit code, or fails the test after timeout.
func (p *Process) Wait(tb testing.TB, timeout time.Duration) int {
	tb.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		tb.Fatalf("xraylocal did not exit within %v", timeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

// Stop sends SIGTERM and waits up to 10 s before killing the process.
func (p *Process) Stop(tb testing.TB) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		tb.Errorf("xraylocal ignored SIGTERM for 10s and was killed")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
