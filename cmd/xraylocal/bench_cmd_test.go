package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/bench"
	"github.com/xraylocal/xraylocal/policy"
	"github.com/xraylocal/xraylocal/server"
	"github.com/xraylocal/xraylocal/sigv4"
	"github.com/xraylocal/xraylocal/store/memory"
)

func TestParseBenchFlags(t *testing.T) {
	t.Parallel()
	defaults := bench.Config{
		Endpoint: "http://127.0.0.1:2000", Workers: 32, Duration: 10 * time.Second,
		Mix: bench.Mix{bench.Put: 1, bench.List: 1}, Region: "us-east-1",
		SecretKey: bench.DefaultSecret, Accounts: 16, Timeout: 10 * time.Second, Seed: 1,
	}
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(*bench.Config)
		json    bool
		wantErr string
	}{
		{name: "defaults", want: func(*bench.Config) {}},
		{
			name: "everything",
			args: []string{"--endpoint", "http://127.0.0.1:9", "--workers", "4", "--requests", "1000",
				"--mix", "put=1,list=3,delete=1", "--region", "eu-west-1", "--secret-key", "s",
				"--accounts", "2", "--timeout", "1s", "--seed", "9", "--json"},
			json: true,
			want: func(c *bench.Config) {
				c.Endpoint, c.Workers, c.Duration, c.Requests = "http://127.0.0.1:9", 4, 0, 1000
				c.Mix = bench.Mix{bench.Put: 1, bench.List: 3, bench.Delete: 1}
				c.Region, c.SecretKey, c.Accounts, c.Timeout, c.Seed = "eu-west-1", "s", 2, time.Second, 9
			},
		},
		{
			name: "access key means one account",
			args: []string{"--access-key", "AKIDEXAMPLE", "--duration", "3s"},
			want: func(c *bench.Config) { c.AccessKey, c.Accounts, c.Duration = "AKIDEXAMPLE", 1, 3*time.Second },
		},
		{
			name: "environment",
			env:  map[string]string{"XRAYLOCAL_BENCH_WORKERS": "7", "XRAYLOCAL_BENCH_JSON": "true"},
			json: true,
			want: func(c *bench.Config) { c.Workers = 7 },
		},
		{
			name: "flag over environment",
			args: []string{"--workers", "3"},
			env:  map[string]string{"XRAYLOCAL_BENCH_WORKERS": "7"},
			want: func(c *bench.Config) { c.Workers = 3 },
		},
		{name: "both bounds", args: []string{"--duration", "1s", "--requests", "5"}, wantErr: "not both"},
		{name: "bad mix", args: []string{"--mix", "get=1"}, wantErr: "--mix"},
		{name: "zero workers", args: []string{"--workers", "0"}, wantErr: "--workers"},
		{name: "bad duration", args: []string{"--duration", "soon"}, wantErr: "--duration"},
		{name: "bad requests", args: []string{"--requests", "-4"}, wantErr: "--requests"},
		{name: "key and accounts", args: []string{"--access-key", "A", "--accounts", "3"}, wantErr: "--access-key"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseBenchFlags(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			tc.want(&want)
			if diff := cmp.Diff(want, got.run, cmp.Comparer(func(a, b bench.Mix) bool { return a == b })); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			if got.json != tc.json {
				t.Errorf("json = %v, want %v", got.json, tc.json)
			}
		})
	}
}

// benchServer runs an in-process xraylocal in open mode and returns its URL.
func benchServer(t *testing.T) string {
	t.Helper()
	auth, err := sigv4.NewAuthenticator(sigv4.Config{})
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	srv, err := server.New(server.Config{Service: &xraylocal.Service{Store: store, Policies: policy.Engine{}}, Store: store, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestBenchCommandJSON(t *testing.T) {
	t.Parallel()
	url := benchServer(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "--endpoint", url, "--workers", "4", "--requests", "200", "--accounts", "2", "--json", "--quiet"},
		nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	var s bench.Summary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("stdout is not the JSON summary: %v\n%s", err, stdout.String())
	}
	if s.Requests != 200 || s.Errors != 0 || s.Workers != 4 || s.Mix != "put=1,list=1" {
		t.Errorf("summary %+v, want 200 requests, no errors, 4 workers, mix put=1,list=1", s)
	}
	put, list := s.Operations["PutResourcePolicy"], s.Operations["ListResourcePolicies"]
	if put.Requests+list.Requests != 200 || put.Requests == 0 || list.Requests == 0 {
		t.Errorf("operations %+v, want Puts and Lists adding up to 200", s.Operations)
	}
	if stderr.Len() != 0 {
		t.Errorf("--quiet still wrote to stderr: %q", stderr.String())
	}
}

func TestBenchCommandText(t *testing.T) {
	t.Parallel()
	url := benchServer(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "--endpoint", url, "--workers", "2", "--requests", "50", "--mix", "list=1", "--quiet"},
		nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"50 in", "0 errors", "p99", "ListResourcePolicies"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestBenchCommandEveryRequestFails(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "--endpoint", "http://" + addr, "--requests", "4", "--workers", "1", "--quiet"}, nil, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1 when nothing answers; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "ConnectionRefused") {
		t.Errorf("report does not name ConnectionRefused:\n%s", stdout.String())
	}
}

func TestBenchCommandBadFlags(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run([]string{"bench", "--mix", "nope"}, nil, io.Discard, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "--mix") {
		t.Errorf("stderr does not name the flag: %q", stderr.String())
	}
}

func TestBenchWriteCredentials(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "creds.json")
	if code := run([]string{"bench", "--accounts", "3", "--secret-key", "sek", "--write-credentials", path}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// The file is one serve --credentials reads, and it lists the run's keys.
	creds, err := sigv4.LoadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range creds {
		keys = append(keys, c.AccessKeyID+"/"+c.AccountID+"/"+c.SecretAccessKey)
	}
	want := []string{"100000000001/100000000001/sek", "100000000002/100000000002/sek", "100000000003/100000000003/sek"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, %v; want 0600 (it holds secrets)", fi.Mode(), err)
	}
}

// The strict-mode run through the command: a server with the written credentials accepts
// every signed request.
func TestBenchAgainstStrictServer(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "creds.json")
	if code := run([]string{"bench", "--accounts", "2", "--write-credentials", path}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	creds, err := sigv4.LoadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := sigv4.NewAuthenticator(sigv4.Config{Mode: sigv4.ModeStrict, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	srv, err := server.New(server.Config{Service: &xraylocal.Service{Store: store, Policies: policy.Engine{}}, Store: store, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var stdout, stderr bytes.Buffer
	code := runBenchArgs(t, []string{"--endpoint", ts.URL, "--accounts", "2", "--requests", "40", "--workers", "2", "--json", "--quiet"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var s bench.Summary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Errors != 0 || s.Requests != 40 {
		t.Errorf("%d requests, errors %v; want 40 without errors", s.Requests, s.ErrorsByCode)
	}
}

func runBenchArgs(t *testing.T, args []string, stdout, stderr io.Writer) int {
	t.Helper()
	cfg, err := parseBenchFlags(args, func(string) string { return "" }, stderr)
	if err != nil {
		t.Fatal(err)
	}
	return runBench(context.Background(), cfg, stdout, stderr)
}
