package reliability

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal/internal/testserver"
)

// TestGracefulStop_DuringStartup sends SIGTERM to servers at 50 moments of their first
// 150 ms, while the SQLite store is still opening. A stop request then is still a stop
// request (spec/interface.md: exit 0): the server may die of the signal before Go has
// installed its handler, but it must not report a failure.
func TestGracefulStop_DuringStartup(t *testing.T) {
	t.Parallel()
	bin := testserver.Binary(t)
	dir := t.TempDir()
	var failures []string
	for i := range 50 {
		delay := time.Duration(i) * 3 * time.Millisecond
		cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--store", "sqlite:"+filepath.Join(dir, fmt.Sprintf("%d.db", i)))
		cmd.Env = []string{"HOME=" + dir}
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("SIGTERM after %v: the server did not exit within 10s\n%s", delay, out.String())
		}
		var exit *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signaled():
			// Killed by the signal before the handler was installed: as any process.
		default:
			failures = append(failures, fmt.Sprintf("SIGTERM after %v: %v: %s", delay, err, strings.TrimSpace(out.String())))
		}
	}
	if len(failures) > 0 {
		t.Errorf("%d of 50 stops during startup failed, e.g.\n%s", len(failures), strings.Join(failures[:min(3, len(failures))], "\n"))
	}
}
