// Command baseline is the bare floor xraylocal's throughput is compared with: a net/http
// server that answers PutResourcePolicy, ListResourcePolicies and DeleteResourcePolicy
// from a map under one mutex, with none of xraylocal's work (no signature check, no model
// checks, no policy validation, no durable store, no logs or metrics). It decodes and
// encodes the same JSON, so what separates the two is xraylocal's own work.
//
//	go run ./bench/baseline [--listen 127.0.0.1:0]
//
// Like xraylocal serve it prints "listening on http://ADDR" and answers
// GET /_xraylocal/health, so the same scripts drive both; it stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type policy struct {
	PolicyName       string
	PolicyDocument   string
	PolicyRevisionId string
	LastUpdatedTime  float64
}

// store keeps the policies by account (read from the access key of the signature, not
// checked), then by name.
type store struct {
	mu       sync.Mutex
	accounts map[string]map[string]*policy
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	s := &store{accounts: map[string]map[string]*policy{}}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
	fmt.Printf("baseline listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

// account is the access key of the request's SigV4 credential, or "default".
func account(r *http.Request) string {
	_, rest, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return "default"
	}
	key, _, _ := strings.Cut(rest, "/")
	return key
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct{ PolicyName, PolicyDocument string }
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeError(w, http.StatusBadRequest, "SerializationException")
			return
		}
	}
	acct := account(r)
	switch r.URL.Path {
	case "/_xraylocal/health":
		writeJSON(w, map[string]string{"status": "ok"})
	case "/PutResourcePolicy":
		s.mu.Lock()
		ps := s.accounts[acct]
		if ps == nil {
			ps = map[string]*policy{}
			s.accounts[acct] = ps
		}
		p := ps[in.PolicyName]
		rev := int64(1)
		if p != nil {
			rev, _ = strconv.ParseInt(p.PolicyRevisionId, 10, 64)
			rev++
		}
		p = &policy{PolicyName: in.PolicyName, PolicyDocument: in.PolicyDocument,
			PolicyRevisionId: strconv.FormatInt(rev, 10), LastUpdatedTime: float64(time.Now().UnixMicro()) / 1e6}
		ps[in.PolicyName] = p
		out := *p
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ResourcePolicy": out})
	case "/ListResourcePolicies":
		s.mu.Lock()
		out := make([]policy, 0, len(s.accounts[acct]))
		for _, p := range s.accounts[acct] {
			out = append(out, *p)
		}
		s.mu.Unlock()
		slices.SortFunc(out, func(a, b policy) int { return strings.Compare(a.PolicyName, b.PolicyName) })
		writeJSON(w, map[string]any{"ResourcePolicies": out})
	case "/DeleteResourcePolicy":
		s.mu.Lock()
		_, ok := s.accounts[acct][in.PolicyName]
		delete(s.accounts[acct], in.PolicyName)
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusBadRequest, "InvalidRequestException")
			return
		}
		writeJSON(w, struct{}{})
	default:
		writeError(w, http.StatusNotFound, "UnknownOperationException")
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v) // the values above always encode
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q}`, code)
}
