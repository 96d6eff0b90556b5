// Package server is the HTTP edge of xraylocal: the restJson1 X-Ray API (rules W-1..W-8),
// throttling (T-1), and the operator endpoints under /_xraylocal/. Each X-Ray request is
// routed through the generated table of operations, checked against the service model,
// authenticated, handed to the domain, and every error leaves through writeError.
package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/operations"
)

// Authenticator tells who sent a request (rules ). It returns an *xraylocal.Error
// with an authentication code (403) when the request may not proceed.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte) (xraylocal.Caller, error)
}

// Config holds a server's dependencies. Service, Store and Auth are required.
type Config struct {
	Service *xraylocal.Service
	Store   xraylocal.Store // for the health and reset endpoints
	Auth    Authenticator
	// Throttle maps operation names to requests per second (rule T-1); nil is off.
	Throttle map[string]float64
	Logger   *slog.Logger
	// Now and NewRequestID default to the clock and random UUIDs; tests inject them.
	Now          func() time.Time
	NewRequestID func() string
	// StoreName and Version are shown by the health endpoint.
	StoreName string
	Version   string
}

// Timeouts and limits of the HTTP server. Bodies are limited per operation (rule W-8).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// initialBodyBuffer is the most a request's declared Content-Length reserves before
	// its body arrives.
	initialBodyBuffer = 64 << 10
)

// Server serves the X-Ray API. Build it with New; serve with Listen and Serve, or use it as
// an http.Handler.
type Server struct {
	cfg      Config
	service  *xraylocal.Service
	log      *slog.Logger
	handlers map[string]handler
	throttle *throttle
	metrics  *metrics
	http     *http.Server
	ln       net.Listener
}

// New returns a server for cfg, or an error naming a missing dependency.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil || cfg.Store == nil || cfg.Auth == nil {
		return nil, errors.New("server: Service, Store and Auth are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = newUUID
	}
	s := &Server{cfg: cfg, service: cfg.Service, log: cfg.Logger, metrics: newMetrics()}
	s.handlers = s.operationHandlers()
	if len(cfg.Throttle) > 0 {
		s.throttle = newThrottle(cfg.Throttle, cfg.Now)
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Listen opens the listening socket and returns its address (the real port for ":0").
func (s *Server) Listen(addr string) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	return ln.Addr(), nil
}

// Serve serves on the socket Listen opened until Shutdown; it then returns nil.
func (s *Server) Serve() error {
	if s.ln == nil {
		return errors.New("server: Serve before Listen")
	}
	if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting connections and waits for the requests in flight, or ctx.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := s.cfg.NewRequestID()
	w.Header().Set("X-Amzn-RequestId", requestID) // rule W-4
	opName, code := "", xraylocal.ErrorCode("")
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			code = writeError(w, s.log, requestID, fmt.Errorf("panic: %v", p))
		}
		s.observe(r, requestID, opName, code, start)
	}()

	if strings.HasPrefix(r.URL.Path, operatorPrefix) {
		opName = "operator"
		code = s.serveOperator(w, r, requestID)
		return
	}
	op, ok := operations.ByPath(r.URL.Path)
	if !ok {
		code = writeError(w, s.log, requestID, xraylocal.Errorf(xraylocal.UnknownOperationException,
			"%s %s is not an X-Ray operation; X-Ray operations are POST requests to paths such as /PutResourcePolicy", r.Method, r.URL.Path))
		return
	}
	opName = op.Name
	out, err := s.call(r, op)
	if err != nil {
		code = writeError(w, s.log, requestID, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// call runs an X-Ray operation: method, body limit, authentication, throttling, the
// model's checks, then the handler. Nothing touches state before the checks pass (W-7).
func (s *Server) call(r *http.Request, op *operations.Operation) (any, error) {
	if r.Method != http.MethodPost {
		return nil, xraylocal.Errorf(xraylocal.MethodNotAllowedException,
			"%s uses POST, not %s", op.Name, r.Method)
	}
	body, err := readBody(r, op)
	if err != nil {
		return nil, err
	}
	caller, err := s.cfg.Auth.Authenticate(r, body)
	if err != nil {
		return nil, err
	}
	if s.throttle != nil && !s.throttle.allow(caller.Account, op.Name) {
		return nil, xraylocal.Errorf(xraylocal.ThrottledException,
			"rate exceeded: account %s may call %s %g times per second", caller.Account, op.Name, s.throttle.rates[op.Name])
	}
	members, err := op.CheckMembers(body)
	if err != nil {
		return nil, err
	}
	h, ok := s.handlers[op.Name]
	if !ok {
		return nil, xraylocal.Errorf(xraylocal.NotImplemented, "xraylocal does not implement the X-Ray operation %s yet", op.Name)
	}
	return h(context.WithValue(r.Context(), callerKey{}, caller), op.Input, members)
}

// readBody reads the request body within the operation's limit (rule W-8).
func readBody(r *http.Request, op *operations.Operation) ([]byte, error) {
	tooLarge := xraylocal.Errorf(xraylocal.RequestEntityTooLargeException,
		"the request body is larger than %d bytes, the limit for %s", op.MaxBodyBytes, op.Name)
	if r.ContentLength > op.MaxBodyBytes {
		return nil, tooLarge
	}
	// The declared length sizes the first buffer only up to initialBodyBuffer; beyond it
	// the buffer grows as bytes arrive. Memory then follows what a client sent, not what
	// it promised: connections that each declare 8 MiB and send a few bytes cost a few
	// bytes each, not 8 MiB (reliability.TestHostileInput_LengthClaimsCostNothing).
	if r.ContentLength >= 0 && r.ContentLength <= initialBodyBuffer {
		// net/http ends such a body after exactly ContentLength bytes, or fails it
		// with io.ErrUnexpectedEOF when the client sends fewer.
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, xraylocal.Errorf(xraylocal.SerializationException, "the request body could not be read: %v", err)
		}
		return body, nil
	}
	size := min(r.ContentLength, initialBodyBuffer)
	if size < 0 {
		size = 512
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	n, err := buf.ReadFrom(io.LimitReader(r.Body, op.MaxBodyBytes+1))
	switch {
	case n > op.MaxBodyBytes:
		return nil, tooLarge
	case err != nil:
		return nil, xraylocal.Errorf(xraylocal.SerializationException, "the request body could not be read: %v", err)
	}
	return buf.Bytes(), nil
}

// observe logs one line per request and records its metrics (code "" is success).
func (s *Server) observe(r *http.Request, requestID, opName string, code xraylocal.ErrorCode, start time.Time) {
	elapsed := time.Since(start)
	if opName == "" {
		opName = "unknown"
	}
	if opName != "operator" {
		s.metrics.requests.WithLabelValues(opName, string(code)).Inc()
		s.metrics.latency.WithLabelValues(opName).Observe(elapsed.Seconds())
	}
	ctx := r.Context()
	h := s.log.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	// A record without a program counter: Logger.LogAttrs would walk the stack for
	// one, which the line never shows.
	rec := slog.NewRecord(start.Add(elapsed), slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("request_id", requestID),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("operation", opName),
		slog.String("error", string(code)),
		slog.Duration("duration", elapsed),
		slog.String("remote", r.RemoteAddr))
	_ = h.Handle(ctx, rec) // a log line that cannot be written does not fail the request
}

const operatorPrefix = "/_xraylocal/"

// serveOperator answers the operator endpoints: health, reset and metrics.
func (s *Server) serveOperator(w http.ResponseWriter, r *http.Request, requestID string) xraylocal.ErrorCode {
	name := strings.TrimPrefix(r.URL.Path, operatorPrefix)
	method := map[string]string{"health": http.MethodGet, "reset": http.MethodPost, "metrics": http.MethodGet}[name]
	switch {
	case method == "":
		return writeError(w, s.log, requestID, xraylocal.Errorf(xraylocal.UnknownOperationException,
			"%s is not an xraylocal endpoint; there are %shealth, %sreset and %smetrics", r.URL.Path, operatorPrefix, operatorPrefix, operatorPrefix))
	case r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead):
		w.Header().Set("Allow", method)
		return writeError(w, s.log, requestID, xraylocal.Errorf(xraylocal.MethodNotAllowedException,
			"%s takes %s, not %s", r.URL.Path, method, r.Method))
	}
	switch name {
	case "health":
		if err := s.cfg.Store.Ping(r.Context()); err != nil {
			return writeError(w, s.log, requestID, fmt.Errorf("%w: %v", xraylocal.ErrUnavailable, err))
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "store": s.cfg.StoreName, "version": s.cfg.Version})
	case "reset":
		if err := s.cfg.Store.Reset(r.Context()); err != nil {
			return writeError(w, s.log, requestID, err)
		}
		if s.throttle != nil {
			s.throttle.reset() // a reset server is a fresh one: full buckets too
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	case "metrics":
		promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	}
	return ""
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
