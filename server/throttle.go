package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xraylocal/xraylocal/operations"
)

// ParseThrottle reads the --throttle flag: comma-separated OPERATION=RATE pairs, RATE in
// requests per second (rule T-1). Operation names must be X-Ray operations of the model.
func ParseThrottle(spec string) (map[string]float64, error) {
	rates := map[string]float64{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("throttle %q: want OPERATION=RATE, e.g. PutResourcePolicy=5", item)
		}
		if _, known := operations.ByName(name); !known {
			return nil, fmt.Errorf("throttle %q: %q is not an X-Ray operation", item, name)
		}
		rate, err := strconv.ParseFloat(value, 64)
		if err != nil || !(rate > 0) || math.IsInf(rate, 0) {
			return nil, fmt.Errorf("throttle %q: the rate must be a positive number of requests per second", item)
		}
		rates[name] = rate
	}
	return rates, nil
}

// throttle is rule T-1: one token bucket per (account, operation), refilled at the
// operation's rate, holding at most max(1, rate) tokens.
type throttle struct {
	rates   map[string]float64
	now     func() time.Time
	mu      sync.Mutex
	buckets map[throttleKey]*bucket
}

type throttleKey struct{ account, operation string }

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the memory a stream of made-up account ids can take.
const maxBuckets = 100_000

func newThrottle(rates map[string]float64, now func() time.Time) *throttle {
	return &throttle{rates: rates, now: now, buckets: map[throttleKey]*bucket{}}
}

// allow takes a token for the request and reports whether there was one.
func (t *throttle) allow(account, operation string) bool {
	rate, limited := t.rates[operation]
	if !limited {
		return true
	}
	burst := math.Max(1, rate)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	k := throttleKey{account, operation}
	b := t.buckets[k]
	if b == nil {
		if len(t.buckets) >= maxBuckets {
			t.dropFull(now)
			if len(t.buckets) >= maxBuckets/2 {
				// Most buckets are still draining: more accounts at once than scans can
				// pay for. Forget them all (a forgotten account starts again from a full
				// bucket, as a new one does), so the next scan is maxBuckets/2 new
				// accounts away and scanning costs O(1) per request.
				clear(t.buckets)
			}
		}
		b = &bucket{tokens: burst, last: now}
		t.buckets[k] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(burst, b.tokens+elapsed*rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// reset refills every bucket, for /_xraylocal/reset.
func (t *throttle) reset() {
	t.mu.Lock()
	clear(t.buckets)
	t.mu.Unlock()
}

// dropFull forgets the buckets that have refilled: a new bucket starts full anyway.
func (t *throttle) dropFull(now time.Time) {
	for k, b := range t.buckets {
		rate := t.rates[k.operation]
		if b.tokens+now.Sub(b.last).Seconds()*rate >= math.Max(1, rate) {
			delete(t.buckets, k)
		}
	}
}
