// Command startup measures how long xraylocal takes from process start to healthy: it
// starts `BIN serve --listen 127.0.0.1:0 ARGS...` several times, and for each run measures
// from just before the fork to the first 200 answer of GET /_xraylocal/health, polled
// every 200 µs once the process printed its address. Each process is stopped with SIGTERM
// and waited for before the next starts.
//
//	go run ./bench/startup --bin bin/xraylocal --runs 21 --fresh-store
//	go run ./bench/startup --bin bin/xraylocal --runs 21 -- --store sqlite:/tmp/x.db
//
// --fresh-store gives every run a new SQLite file in a temporary folder (the first start
// of a machine, which creates the file and its schema); without it the ARGS choose.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/xraylocal", "the xraylocal binary")
	runs := flag.Int("runs", 21, "how many starts to measure")
	fresh := flag.Bool("fresh-store", false, "give each run a new SQLite file (--store sqlite:TMP/runN.db)")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "xraylocal-startup-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)

	var times []time.Duration
	for i := range *runs {
		args := append([]string{"serve", "--listen", "127.0.0.1:0"}, flag.Args()...)
		if *fresh {
			args = append(args, "--store", "sqlite:"+filepath.Join(tmp, fmt.Sprintf("run%d.db", i)))
		}
		d, err := once(*bin, args)
		if err != nil {
			fail(err)
		}
		times = append(times, d)
	}
	slices.Sort(times)
	fmt.Printf("start to healthy over %d runs: min %.1f ms, median %.1f ms, max %.1f ms\n",
		len(times), ms(times[0]), ms(times[len(times)/2]), ms(times[len(times)-1]))
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// once starts the server, waits for it to be healthy, stops it, and returns the time from
// start to healthy.
func once(bin string, args []string) (time.Duration, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	sc := bufio.NewScanner(out)
	url := ""
	for url == "" && sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		return 0, errors.New("the server exited without printing its address")
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/_xraylocal/health", nil)
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		if ctx.Err() != nil {
			return 0, fmt.Errorf("not healthy after 10 s: %v", err)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "startup:", err)
	os.Exit(1)
}
