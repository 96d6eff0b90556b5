package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/policy"
	"github.com/xraylocal/xraylocal/server"
	"github.com/xraylocal/xraylocal/sigv4"
	"github.com/xraylocal/xraylocal/store/memory"
	"github.com/xraylocal/xraylocal/store/postgres"
	"github.com/xraylocal/xraylocal/store/sqlite"
)

// gcPercent and memoryLimit are the garbage collector's settings of a server, unless
// GOGC or GOMEMLIMIT set them. A server keeps only a few MiB alive, and Go's default
// (collect whenever the heap has doubled) then collects thousands of times a second
// under load: about 4 % of its CPU (docs/performance.md). Collecting when the heap has
// grown five-fold costs a few MiB more and a fraction of that; the soft limit makes the
// collector work harder again before the heap nears it.
const (
	gcPercent   = 400
	memoryLimit = 48 << 20
)

// tuneGC applies gcPercent and memoryLimit where the environment does not set them.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// serveConfig is the serve command's configuration, from flags and XRAYLOCAL_* variables.
type serveConfig struct {
	listen, store, region, account, auth, credentials, throttle, logFormat string
}

// defaultStore is the embedded store under the working directory.
var defaultStore = "sqlite:" + filepath.Join("xraylocal-data", "xraylocal.db")

// parseServeFlags reads flags; every flag falls back to its environment variable
// (--listen is XRAYLOCAL_LISTEN, and so on), then to its default.
func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("xraylocal serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, def, usage string) {
		env := "XRAYLOCAL_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+env+")")
	}
	str(&c.listen, "listen", "127.0.0.1:2000", "HTTP address of the X-Ray API; :0 picks a free port")
	str(&c.store, "store", defaultStore, "memory, sqlite:PATH, or postgres://...")
	str(&c.region, "region", xraylocal.DefaultRegion, "region of unsigned requests")
	str(&c.account, "account", xraylocal.DefaultAccount, "account of unsigned requests and of access keys that are not 12-digit numbers")
	str(&c.auth, "auth", "open", "open: signatures are read, not checked; strict: every request needs a valid SigV4 signature")
	str(&c.credentials, "credentials", "", "JSON file of access keys with their accounts and principals")
	str(&c.throttle, "throttle", "", "per-(account, operation) rate limits, e.g. PutResourcePolicy=5,ListResourcePolicies=10")
	str(&c.logFormat, "log-format", "text", "text or json: one structured line per request on stderr")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("--log-format %q: want text or json", c.logFormat)
	}
	return c, nil
}

func serveCommand(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseServeFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "xraylocal serve:", err)
		return 2
	}
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, stdout, stderr, nil); err != nil {
		fmt.Fprintln(stderr, "xraylocal serve:", err)
		return 1
	}
	return 0
}

// serve runs the server until ctx ends, then stops accepting, finishes the requests in
// flight, and closes the store. ready, when not nil, receives the listening address.
func serve(ctx context.Context, cfg serveConfig, stdout, stderr io.Writer, ready chan<- string) error {
	var logger *slog.Logger
	if cfg.logFormat == "json" {
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	auth, err := newAuthenticator(cfg)
	if err != nil {
		return err
	}
	var throttle map[string]float64
	if cfg.throttle != "" {
		if throttle, err = server.ParseThrottle(cfg.throttle); err != nil {
			return fmt.Errorf("--throttle: %w", err)
		}
	}
	store, err := openStore(ctx, cfg.store)
	if err != nil {
		if ctx.Err() != nil {
			return nil // a stop signal during start-up is a stop, not a failure
		}
		return err
	}
	defer store.Close()
	srv, err := server.New(server.Config{
		Service:   &xraylocal.Service{Store: store, Policies: policy.Engine{}},
		Store:     store,
		Auth:      auth,
		Throttle:  throttle,
		Logger:    logger,
		StoreName: storeName(cfg.store),
		Version:   version,
	})
	if err != nil {
		return err
	}
	addr, err := srv.Listen(cfg.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.listen, err)
	}
	fmt.Fprintf(stdout, "xraylocal %s listening on http://%s (store %s, auth %s, account %s, region %s)\n",
		version, addr, storeName(cfg.store), cfg.auth, cfg.account, cfg.region)
	if ready != nil {
		ready <- addr.String()
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("stopping: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("stopping: %w", err)
	}
	if err := <-served; err != nil {
		return err
	}
	return store.Close()
}

func newAuthenticator(cfg serveConfig) (*sigv4.Authenticator, error) {
	mode, err := sigv4.ParseMode(cfg.auth)
	if err != nil {
		return nil, fmt.Errorf("--auth: %w", err)
	}
	var creds []sigv4.Credentials
	if cfg.credentials != "" {
		if creds, err = sigv4.LoadCredentials(cfg.credentials); err != nil {
			return nil, fmt.Errorf("--credentials: %w", err)
		}
	}
	a, err := sigv4.NewAuthenticator(sigv4.Config{
		Mode: mode, DefaultAccount: cfg.account, DefaultRegion: cfg.region, Credentials: creds,
	})
	if err != nil {
		return nil, fmt.Errorf("--auth/--account/--region/--credentials: %w", err)
	}
	return a, nil
}

// openStore opens the store a --store DSN names.
func openStore(ctx context.Context, dsn string) (xraylocal.Store, error) {
	switch {
	case dsn == "memory":
		return memory.New(), nil
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("--store sqlite:PATH needs a file path, e.g. sqlite:./xraylocal-data/xraylocal.db")
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("--store %s: %w", dsn, err)
		}
		return s, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("--store %s: %w", storeName(dsn), err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("--store %q: want memory, sqlite:PATH or postgres://...", dsn)
}

// storeName is the DSN without a password, for logs and the health endpoint.
func storeName(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if user, _, ok := strings.Cut(rest[:at], ":"); ok {
				return dsn[:i+3] + user + ":xxxxx" + rest[at:]
			}
		}
	}
	return dsn
}
