package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/bench"
)

// benchConfig is the bench command's configuration.
type benchConfig struct {
	run              bench.Config
	json, quiet      bool
	writeCredentials string
}

// parseBenchFlags reads the bench command's flags; each falls back to its environment
// variable (--endpoint is XRAYLOCAL_BENCH_ENDPOINT, and so on), then to its default.
func parseBenchFlags(args []string, getenv func(string) string, stderr io.Writer) (benchConfig, error) {
	var c benchConfig
	fs := flag.NewFlagSet("xraylocal bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) (string, string) {
		e := "XRAYLOCAL_BENCH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v := getenv(e); v != "" {
			def = v
		}
		return def, " (env " + e + ")"
	}
	var endpoint, mix, region, accessKey, secretKey string
	var workers, accounts, requests, duration, timeout, seed string
	for _, f := range []struct {
		p           *string
		name, def   string
		description string
	}{
		{&endpoint, "endpoint", "http://127.0.0.1:2000", "base URL of the X-Ray endpoint; every request goes there"},
		{&workers, "workers", strconv.Itoa(bench.DefaultWorkers), "requests in flight at once, over as many keep-alive connections"},
		{&duration, "duration", "", "how long to send, such as 15s (default 10s unless --requests is given)"},
		{&requests, "requests", "", "how many requests to send, instead of --duration"},
		{&mix, "mix", "put=1,list=1", "relative weights of the operations: put, list, delete"},
		{&region, "region", xraylocal.DefaultRegion, "region of the signatures' credential scope"},
		{&accessKey, "access-key", "", "sign every request with this access key (one account) instead of --accounts generated 12-digit keys"},
		{&secretKey, "secret-key", bench.DefaultSecret, "secret access key of every key"},
		{&accounts, "accounts", strconv.Itoa(bench.DefaultAccounts), "spread requests over this many accounts (12-digit access keys), each with at most 5 policy names"},
		{&timeout, "timeout", "10s", "give up on a request after this long (counted as ClientTimeout)"},
		{&seed, "seed", "1", "seed of the sequence of operations, accounts and names"},
	} {
		def, note := env(f.name, f.def)
		fs.StringVar(f.p, f.name, def, f.description+note)
	}
	jsonDef, jsonNote := env("json", "")
	fs.BoolVar(&c.json, "json", jsonDef == "true" || jsonDef == "1", "print the result as JSON"+jsonNote)
	quietDef, quietNote := env("quiet", "")
	fs.BoolVar(&c.quiet, "quiet", quietDef == "true" || quietDef == "1", "no progress lines on stderr"+quietNote)
	wcDef, wcNote := env("write-credentials", "")
	fs.StringVar(&c.writeCredentials, "write-credentials", wcDef,
		"write the run's access keys as a credentials file for `xraylocal serve --auth strict --credentials FILE`, then exit"+wcNote)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	var err error
	r := &c.run
	r.Endpoint, r.Region, r.AccessKey, r.SecretKey = endpoint, region, accessKey, secretKey
	if r.Mix, err = bench.ParseMix(mix); err != nil {
		return c, fmt.Errorf("--mix: %w", err)
	}
	if r.Workers, err = positiveInt("workers", workers); err != nil {
		return c, err
	}
	if r.Accounts, err = positiveInt("accounts", accounts); err != nil {
		return c, err
	}
	if accessKey != "" {
		if set(fs, "accounts") && r.Accounts > 1 {
			return c, errors.New("--access-key names one account; it cannot be combined with --accounts")
		}
		r.Accounts = 1
	}
	switch {
	case requests != "" && duration != "":
		return c, errors.New("give --duration or --requests, not both")
	case requests != "":
		n, err := positiveInt("requests", requests)
		if err != nil {
			return c, err
		}
		r.Requests = int64(n)
	default:
		if duration == "" {
			duration = "10s"
		}
		if r.Duration, err = positiveDuration("duration", duration); err != nil {
			return c, err
		}
	}
	if r.Timeout, err = positiveDuration("timeout", timeout); err != nil {
		return c, err
	}
	if r.Seed, err = strconv.ParseUint(seed, 10, 64); err != nil {
		return c, fmt.Errorf("--seed %q: want a non-negative integer", seed)
	}
	return c, nil
}

func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func positiveInt(name, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--%s %q: want a positive integer", name, s)
	}
	return n, nil
}

func positiveDuration(name, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--%s %q: want a positive duration such as 15s", name, s)
	}
	return d, nil
}

// benchCommand runs the load generator. Exit 0 when the run completed with at least one
// successful request, 1 when none succeeded (the endpoint is down or refuses everything),
// 2 on bad flags.
func benchCommand(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseBenchFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "xraylocal bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runBench(ctx, cfg, stdout, stderr)
}

func runBench(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) int {
	if cfg.writeCredentials != "" {
		if err := writeCredentials(cfg.writeCredentials, cfg.run); err != nil {
			fmt.Fprintln(stderr, "xraylocal bench:", err)
			return 1
		}
		return 0
	}
	if !cfg.quiet {
		cfg.run.Progress = stderr
	}
	res, err := bench.Run(ctx, cfg.run)
	if err != nil {
		fmt.Fprintln(stderr, "xraylocal bench:", err)
		return 2
	}
	if cfg.json {
		err = res.WriteJSON(stdout)
	} else {
		err = res.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "xraylocal bench:", err)
		return 1
	}
	if res.Requests > 0 && res.Errors == res.Requests {
		fmt.Fprintln(stderr, "xraylocal bench: every request failed")
		return 1
	}
	return 0
}

// writeCredentials writes the run's keys in the --credentials file format of serve.
func writeCredentials(path string, run bench.Config) error {
	doc := map[string]any{"credentials": run.Credentials(xraylocal.DefaultAccount)}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}
