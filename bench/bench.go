// Package bench is the load generator behind `xraylocal bench`: a fixed number of workers
// send SigV4-signed X-Ray requests over keep-alive connections to one endpoint, as an AWS
// SDK would, for a number of requests or a length of time, and report throughput, latency
// percentiles and errors by their X-Ray error code.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/sigv4"
)

// Config is one run of the load generator. Endpoint, Workers, Mix and one of Duration and
// Requests are required.
type Config struct {
	// Endpoint is the X-Ray endpoint's base URL, such as http://127.0.0.1:2000. Every
	// request goes there and nowhere else.
	Endpoint string
	// Workers is how many requests are in flight at once, each worker sending its next
	// request when the previous one was answered (a closed loop).
	Workers int
	// Duration bounds the run in time: no request starts after it; the ones in flight
	// finish. Requests bounds it in count. Exactly one of them is set.
	Duration time.Duration
	Requests int64
	// Mix weighs the operations sent.
	Mix Mix
	// Region is the region of the signatures' credential scope; "" is us-east-1.
	Region string
	// AccessKey and SecretKey sign every request when AccessKey is set, and Accounts is
	// then 1. Otherwise the requests are spread over Accounts access keys that are
	// 12-digit numbers, which xraylocal's open mode (rule A-2) takes as the account, all
	// signed with SecretKey.
	AccessKey string
	SecretKey string
	Accounts  int
	// Timeout bounds each request; 0 is 10 s. A request that runs out counts as an error.
	Timeout time.Duration
	// Progress, when not nil, receives a line of progress every ProgressEvery (0 is 1 s).
	Progress      io.Writer
	ProgressEvery time.Duration
	// Seed makes the sequence of operations, accounts and names repeatable.
	Seed uint64
}

// PoliciesPerAccount is how many policy names Puts and Deletes use in each account: the
// limit of resource policies per account and region (rule P-5), so that once each name
// exists a Put is an update and never runs into the limit.
const PoliciesPerAccount = xraylocal.MaxResourcePolicies

// Defaults of the command's flags.
const (
	DefaultWorkers  = 32
	DefaultAccounts = 16
	DefaultSecret   = "xraylocal-bench-secret-access-key"
)

// AccountKey returns the access key of the i-th account (0-based) when Config.AccessKey
// is empty: a 12-digit number, which xraylocal takes as the account id.
func AccountKey(i int) string { return fmt.Sprintf("1%011d", i+1) }

// PolicyName returns the j-th policy name (0-based) a run uses in every account.
func PolicyName(j int) string { return fmt.Sprintf("sns-active-tracing-%d", j+1) }

// PolicyDocument returns the resource policy Amazon SNS active tracing needs ("Amazon SNS
// and AWS X-Ray", X-Ray Developer Guide), as a user pastes it, about 600 bytes, for one
// topic of account.
func PolicyDocument(account, region, topic string) string {
	return `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "SNSAccess",
      "Effect": "Allow",
      "Principal": {
        "Service": "sns.amazonaws.com"
      },
      "Action": [
        "xray:PutTraceSegments",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets"
      ],
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "aws:SourceAccount": "` + account + `"
        },
        "StringLike": {
          "aws:SourceArn": "arn:aws:sns:` + region + `:` + account + `:` + topic + `"
        }
      }
    }
  ]
}`
}

// check returns the configuration with defaults filled in, or an error naming what is wrong.
func (c Config) check() (Config, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("endpoint %q: want a URL such as http://127.0.0.1:2000", c.Endpoint)
	}
	c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	switch {
	case c.Workers < 1:
		return c, fmt.Errorf("workers %d: want at least 1", c.Workers)
	case (c.Duration > 0) == (c.Requests > 0):
		return c, errors.New("give either a duration or a number of requests, both positive")
	case c.Duration < 0 || c.Requests < 0:
		return c, errors.New("duration and requests must not be negative")
	case c.Mix.total() == 0:
		return c, errors.New("the mix has no operation with a positive weight")
	case c.AccessKey != "" && c.Accounts > 1:
		return c, fmt.Errorf("an access key names one account; drop it to spread the load over %d accounts", c.Accounts)
	case c.AccessKey == "" && c.Accounts < 1:
		return c, fmt.Errorf("accounts %d: want at least 1", c.Accounts)
	}
	for _, w := range c.Mix {
		if w < 0 {
			return c, errors.New("the mix has a negative weight")
		}
	}
	if c.Region == "" {
		c.Region = xraylocal.DefaultRegion
	}
	if c.SecretKey == "" {
		c.SecretKey = DefaultSecret
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = time.Second
	}
	return c, nil
}

// Credentials returns the access keys a run with cfg signs with, for a server in strict
// mode (--credentials); account ids are the keys when those are 12 digits, else account.
func (c Config) Credentials(account string) []sigv4.Credentials {
	keys := []string{c.AccessKey}
	if c.AccessKey == "" {
		keys = keys[:0]
		for i := range max(c.Accounts, 1) {
			keys = append(keys, AccountKey(i))
		}
	}
	secret := c.SecretKey
	if secret == "" {
		secret = DefaultSecret
	}
	creds := make([]sigv4.Credentials, len(keys))
	for i, k := range keys {
		acct := account
		if len(k) == 12 && strings.Trim(k, "0123456789") == "" {
			acct = k
		}
		creds[i] = sigv4.Credentials{AccessKeyID: k, SecretAccessKey: secret, AccountID: acct}
	}
	return creds
}

// Result is what a run measured.
type Result struct {
	Endpoint string
	Workers  int
	Mix      Mix
	// Elapsed runs from the first request sent to the last answer received.
	Elapsed time.Duration
	// ClientCPU is the CPU time this process used during the run (0 where unknown): the
	// load generator's own share of a machine it shares with the server.
	ClientCPU time.Duration
	// Requests counts every request sent, answered or not; Errors those that were not
	// answered 2xx. Ops holds the same per operation.
	Requests int64
	Errors   int64
	// ErrorsByCode counts errors by their X-Ray error code (the X-Amzn-ErrorType header),
	// "HTTP <status>" for an error response without one, and for requests that got no
	// response at all: ClientTimeout, ConnectionRefused, ConnectionReset, TransportError.
	ErrorsByCode map[string]int64
	// FirstError holds, per code of a request without a response, the first such error.
	FirstError map[string]string
	// Latency holds the time from sending a request to having read its whole response,
	// of every request that got a response (errors included).
	Latency *Histogram
	Ops     [numOps]OpResult
}

// OpResult is one operation's share of a run.
type OpResult struct {
	Requests int64
	Errors   int64
	Latency  *Histogram
}

// Throughput returns the requests per second over the run.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Run sends the load cfg describes and returns what it measured. It returns an error, with
// nothing sent, when cfg is invalid. Cancelling ctx stops the run early as the end of its
// duration would: no new requests, the ones in flight finish.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	return newRunner(cfg).run(ctx), nil
}

// account is one account's signing key and its prepared request bodies.
type account struct {
	cred    sigv4.Credentials
	puts    [PoliciesPerAccount][]byte
	deletes [PoliciesPerAccount][]byte
}

type runner struct {
	cfg      Config
	dialer   net.Dialer
	tls      *tls.Config // for an https endpoint; nil for http
	host     string      // the endpoint's host:port, with the scheme's port when it has none
	urls     [numOps]*url.URL
	accounts []account
	total    int // of the mix's weights

	stop    atomic.Bool
	claimed atomic.Int64 // requests handed out, when bounded by count
	done    atomic.Int64 // requests finished
	failed  atomic.Int64 // of which errors
}

// listBody is the body an SDK sends for ListResourcePolicies without a NextToken.
var listBody = []byte("{}")

func newRunner(cfg Config) *runner {
	r := &runner{cfg: cfg, total: cfg.Mix.total(), dialer: net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}}
	for o := range numOps {
		r.urls[o], _ = url.Parse(cfg.Endpoint + "/" + opInfo[o].name) // check parsed the endpoint
	}
	u := r.urls[0]
	r.host = u.Host
	if u.Port() == "" {
		r.host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	if u.Scheme == "https" {
		r.tls = &tls.Config{ServerName: u.Hostname()}
	}
	for i, cred := range cfg.Credentials(xraylocal.DefaultAccount) {
		a := account{cred: cred}
		for j := range PoliciesPerAccount {
			name := PolicyName(j)
			doc := PolicyDocument(cred.AccountID, cfg.Region, fmt.Sprintf("orders-%d-%d", i+1, j+1))
			a.puts[j] = mustJSON(map[string]string{"PolicyName": name, "PolicyDocument": doc})
			a.deletes[j] = mustJSON(map[string]string{"PolicyName": name})
		}
		r.accounts = append(r.accounts, a)
	}
	return r
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always encode
	}
	return b
}

// tally is one worker's own counts, merged when the run ends.
type tally struct {
	total    OpResult
	ops      [numOps]OpResult
	byCode   map[string]int64
	firstErr map[string]string
}

func newTally() *tally {
	t := &tally{total: OpResult{Latency: NewHistogram()}, byCode: map[string]int64{}, firstErr: map[string]string{}}
	for o := range t.ops {
		t.ops[o].Latency = NewHistogram()
	}
	return t
}

func (r *runner) run(ctx context.Context) *Result {
	tallies := make([]*tally, r.cfg.Workers)
	var wg sync.WaitGroup
	cpu := processCPU()
	start := time.Now()
	finished := make(chan struct{})
	if r.cfg.Duration > 0 {
		t := time.AfterFunc(r.cfg.Duration, func() { r.stop.Store(true) })
		defer t.Stop()
	}
	go func() {
		select {
		case <-ctx.Done():
			r.stop.Store(true)
		case <-finished:
		}
	}()
	progressDone := make(chan struct{})
	if r.cfg.Progress != nil {
		go func() {
			defer close(progressDone)
			r.progress(start, finished)
		}()
	} else {
		close(progressDone)
	}
	for i := range tallies {
		tallies[i] = newTally()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(i, tallies[i])
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu = processCPU() - cpu
	close(finished)
	<-progressDone // no progress line after the run's end

	res := &Result{
		Endpoint: r.cfg.Endpoint, Workers: r.cfg.Workers, Mix: r.cfg.Mix, Elapsed: elapsed, ClientCPU: cpu,
		ErrorsByCode: map[string]int64{}, FirstError: map[string]string{}, Latency: NewHistogram(),
	}
	for o := range res.Ops {
		res.Ops[o].Latency = NewHistogram()
	}
	for _, t := range tallies {
		res.Requests += t.total.Requests
		res.Errors += t.total.Errors
		res.Latency.Merge(t.total.Latency)
		for o := range res.Ops {
			res.Ops[o].Requests += t.ops[o].Requests
			res.Ops[o].Errors += t.ops[o].Errors
			res.Ops[o].Latency.Merge(t.ops[o].Latency)
		}
		for c, n := range t.byCode {
			res.ErrorsByCode[c] += n
		}
		for c, m := range t.firstErr {
			if _, ok := res.FirstError[c]; !ok {
				res.FirstError[c] = m
			}
		}
	}
	return res
}

// next reports whether the worker should send another request.
func (r *runner) next() bool {
	if r.stop.Load() {
		return false
	}
	if r.cfg.Requests > 0 {
		return r.claimed.Add(1) <= r.cfg.Requests
	}
	return true
}

func (r *runner) worker(id int, t *tally) {
	rng := rand.New(rand.NewPCG(r.cfg.Seed, uint64(id)))
	c := &conn{r: r}
	defer c.close()
	for r.next() {
		op := r.cfg.Mix.pick(rng.IntN(r.total))
		a := &r.accounts[rng.IntN(len(r.accounts))]
		j := rng.IntN(PoliciesPerAccount)
		var body []byte
		switch op {
		case Put:
			body = a.puts[j]
		case List:
			body = listBody
		case Delete:
			body = a.deletes[j]
		}
		code, latency, errText := c.send(op, a, body)
		t.record(op, code, latency, errText)
		r.done.Add(1)
		if code != "" {
			r.failed.Add(1)
		}
	}
}

// conn is one worker's keep-alive connection to the endpoint. The worker writes each
// request and reads its whole response itself, one at a time, as an SDK's pooled
// connection serves one call at a time; no other goroutine stands between the two, so the
// load generator's own CPU time and scheduling delays stay out of the way of the server
// being measured. A connection that fails, or that the server closes, is dropped, and the
// next request dials a new one.
type conn struct {
	r  *runner
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

func (c *conn) dial() error {
	nc, err := c.r.dialer.Dial("tcp", c.r.host)
	if err != nil {
		return err
	}
	if c.r.tls != nil {
		nc = tls.Client(nc, c.r.tls)
	}
	c.nc = nc
	if c.br == nil {
		c.br, c.bw = bufio.NewReaderSize(nil, 8<<10), bufio.NewWriterSize(nil, 8<<10)
	}
	c.br.Reset(nc)
	c.bw.Reset(nc)
	return nil
}

// roundTrip sends req and returns its response, with the body read and closed.
func (c *conn) roundTrip(req *http.Request) (*http.Response, error) {
	if c.nc == nil {
		if err := c.dial(); err != nil {
			return nil, err
		}
	}
	c.nc.SetDeadline(time.Now().Add(c.r.cfg.Timeout))
	err := req.Write(c.bw)
	if err == nil {
		err = c.bw.Flush()
	}
	var resp *http.Response
	if err == nil {
		resp, err = http.ReadResponse(c.br, req)
	}
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if err != nil || resp.Close {
		c.close()
	}
	return resp, err
}

// send sends one signed request and reads its whole response. It returns the error code
// ("" for success), the latency (negative when there was no response), and the transport
// error's text when there was none.
func (c *conn) send(op Op, a *account, body []byte) (code string, latency time.Duration, errText string) {
	r := c.r
	req := &http.Request{
		Method: http.MethodPost, URL: r.urls[op], Host: r.urls[op].Host,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type": {"application/json"},
			"User-Agent":   {"xraylocal-bench"},
		},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
	}
	now := time.Now()
	sigv4.Sign(req, body, a.cred, r.cfg.Region, "xray", now)
	start := time.Now()
	resp, err := c.roundTrip(req)
	latency = time.Since(start)
	if err != nil {
		return transportCode(err), -1, err.Error()
	}
	if resp.StatusCode/100 == 2 {
		return "", latency, ""
	}
	return ErrorCode(resp), latency, ""
}

// ErrorCode returns the X-Ray error code of an error response: its X-Amzn-ErrorType header
// without the ":namespace" part AWS may append, or "HTTP <status>" when the header is missing.
func ErrorCode(resp *http.Response) string {
	code, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
	if code = strings.TrimSpace(code); code == "" {
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return code
}

// transportCode names a failure to get any response.
func transportCode(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "ClientTimeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "ConnectionRefused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "ConnectionReset"
	}
	return "TransportError"
}

func (t *tally) record(op Op, code string, latency time.Duration, errText string) {
	for _, s := range []*OpResult{&t.total, &t.ops[op]} {
		s.Requests++
		if code != "" {
			s.Errors++
		}
		if latency >= 0 {
			s.Latency.Record(latency)
		}
	}
	if code == "" {
		return
	}
	t.byCode[code]++
	if _, ok := t.firstErr[code]; errText != "" && !ok {
		t.firstErr[code] = errText
	}
}

// progress writes a line every ProgressEvery until finished is closed.
func (r *runner) progress(start time.Time, finished <-chan struct{}) {
	tick := time.NewTicker(r.cfg.ProgressEvery)
	defer tick.Stop()
	last, lastAt := int64(0), start
	for {
		select {
		case <-finished:
			return
		case now := <-tick.C:
			n, e := r.done.Load(), r.failed.Load()
			rate := float64(n-last) / now.Sub(lastAt).Seconds()
			fmt.Fprintf(r.cfg.Progress, "%6.1fs  %10d requests  %9.0f/s  %d errors\n",
				now.Sub(start).Seconds(), n, rate, e)
			last, lastAt = n, now
		}
	}
}
