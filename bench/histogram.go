package bench

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records durations in log-linear buckets, the layout of HdrHistogram: values
// below 2^subBits nanoseconds are exact, and every power of two above is cut into
// 2^subBits equal buckets, so a recorded value is known to within 1/2^subBits (0.8 %) of
// itself whatever its magnitude. Recording is two shifts and an increment, with no
// allocation, so each worker keeps its own and they are merged at the end.
//
// The zero value is not usable; call NewHistogram. A Histogram is not safe for
// concurrent use.
type Histogram struct {
	counts []int64
	n      int64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

const (
	subBits  = 7
	subCount = 1 << subBits
	// maxExp bounds the powers of two kept: values up to 2^(maxExp+subBits) ns (about 78
	// hours) are bucketed; longer ones count in the last bucket. Max stays exact.
	maxExp = 41
)

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{counts: make([]int64, (maxExp+1)*subCount)}
}

// bucketOf returns the index of the bucket holding v nanoseconds.
func bucketOf(v int64) int {
	if v < subCount {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	// exp is how far v must be shifted right to fall in [subCount, 2*subCount).
	exp := bits.Len64(uint64(v)) - subBits - 1
	if exp >= maxExp {
		return (maxExp+1)*subCount - 1
	}
	return (exp+1)*subCount + int(v>>exp) - subCount
}

// bucketBounds returns the smallest and largest value (ns) that fall in bucket i.
func bucketBounds(i int) (lo, hi int64) {
	if i < subCount {
		return int64(i), int64(i)
	}
	exp := i/subCount - 1
	lo = int64(subCount+i%subCount) << exp
	return lo, lo + (int64(1) << exp) - 1
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(int64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count returns how many values were recorded.
func (h *Histogram) Count() int64 { return h.n }

// Max returns the largest value recorded, exactly; 0 when empty.
func (h *Histogram) Max() time.Duration { return h.max }

// Min returns the smallest value recorded, exactly; 0 when empty.
func (h *Histogram) Min() time.Duration { return h.min }

// Mean returns the average of the values recorded; 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the value at or below which a fraction q (0..1) of the recorded values
// lie: the upper end of the bucket holding the value of rank ceil(q*n), as HdrHistogram
// reports it, never more than Max and never less than Min. It returns 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	// The rank is ceil(q*n); the small offset keeps 0.99*100 at 99 when the product
	// comes out as 99.00000000000001.
	rank := int64(math.Ceil(q*float64(h.n) - 1e-9))
	rank = min(max(rank, 1), h.n)
	var seen int64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			_, hi := bucketBounds(i)
			return min(max(time.Duration(hi), h.min), h.max)
		}
	}
	return h.max
}
