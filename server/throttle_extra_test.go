package server

import (
	"fmt"
	"testing"
	"time"
)

// TestThrottleBucketsStayBounded: invented account ids (any 12-digit access key is an
// account, rule A-2) must not grow the buckets past maxBuckets, even when every bucket is
// still draining and none can be dropped as full. Past the bound, each new account used to
// scan every bucket under the lock and then add one more: 100,000 accounts in ten seconds at
// a rate of 0.1 made each further request cost a full scan (5 ms), for everyone.
func TestThrottleBucketsStayBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	th := newThrottle(map[string]float64{"ListResourcePolicies": 0.1}, func() time.Time { return now })
	const extra = 200
	for i := range maxBuckets + extra {
		th.allow(fmt.Sprintf("%012d", i), "ListResourcePolicies") // each drains its one token
	}
	if n := len(th.buckets); n > maxBuckets {
		t.Errorf("%d buckets after %d accounts, over maxBuckets %d", n, maxBuckets+extra, maxBuckets)
	}
	// A throttled account stays throttled while the buckets are within the bound.
	last := fmt.Sprintf("%012d", maxBuckets+extra-1)
	if th.allow(last, "ListResourcePolicies") {
		t.Errorf("account %s got a second token within its refill time", last)
	}
}
