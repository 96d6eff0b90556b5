package main

import (
	"io"
	"math"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestServeFlags: every flag falls back to its XRAYLOCAL_* variable, then to its default,
// and a flag on the command line wins over the variable (spec/interface.md).
func TestServeFlags(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"XRAYLOCAL_LISTEN":      "127.0.0.1:0",
		"XRAYLOCAL_STORE":       "memory",
		"XRAYLOCAL_REGION":      "eu-west-1",
		"XRAYLOCAL_ACCOUNT":     "123456789012",
		"XRAYLOCAL_AUTH":        "strict",
		"XRAYLOCAL_CREDENTIALS": "/etc/creds.json",
		"XRAYLOCAL_THROTTLE":    "PutResourcePolicy=5",
		"XRAYLOCAL_LOG_FORMAT":  "json",
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want serveConfig
	}{
		{"defaults", nil, nil, serveConfig{listen: "127.0.0.1:2000", store: defaultStore, region: "us-east-1",
			account: "000000000000", auth: "open", logFormat: "text"}},
		{"environment", nil, env, serveConfig{listen: "127.0.0.1:0", store: "memory", region: "eu-west-1", account: "123456789012",
			auth: "strict", credentials: "/etc/creds.json", throttle: "PutResourcePolicy=5", logFormat: "json"}},
		{"flags win", []string{"--listen", ":9999", "--store=sqlite:x.db", "--log-format", "text"}, env,
			serveConfig{listen: ":9999", store: "sqlite:x.db", region: "eu-west-1", account: "123456789012",
				auth: "strict", credentials: "/etc/creds.json", throttle: "PutResourcePolicy=5", logFormat: "text"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseServeFlags(c.args, func(k string) string { return c.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, got, cmp.AllowUnexported(serveConfig{})); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	for _, bad := range [][]string{{"--log-format", "xml"}, {"--nope"}, {"extra"}} {
		if _, err := parseServeFlags(bad, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("parseServeFlags(%q) succeeded, want an error", bad)
		}
	}
}

func TestStoreNameHidesPassword(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://alice:s3cret@db:5432/x?sslmode=disable": "postgres://alice:xxxxx@db:5432/x?sslmode=disable",
		"postgres://alice@db/x":                             "postgres://alice@db/x",
		"sqlite:data/x.db":                                  "sqlite:data/x.db",
		"memory":                                            "memory",
	} {
		if got := storeName(in); got != want {
			t.Errorf("storeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenStoreRejectsUnknownDSN(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{"mysql://x", "sqlite:", "", "Memory"} {
		if s, err := openStore(t.Context(), dsn); err == nil {
			s.Close()
			t.Errorf("openStore(%q) succeeded, want an error", dsn)
		}
	}
}

// TestTuneGC: a server collects garbage less often than Go's default, unless GOGC or
// GOMEMLIMIT say otherwise.
func TestTuneGC(t *testing.T) {
	restorePercent, restoreLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(restorePercent); debug.SetMemoryLimit(restoreLimit) })

	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC percent with GOGC unset: %d, want %d", got, gcPercent)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != memoryLimit {
		t.Errorf("memory limit with GOMEMLIMIT unset: %d, want %d", got, memoryLimit)
	}

	tuneGC(func(k string) string { return map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent with GOGC set: %d, want it left at 100", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("memory limit with GOMEMLIMIT set: %d, want it left alone", got)
	}
}
