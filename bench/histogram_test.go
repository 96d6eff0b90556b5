package bench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsTileTheRange(t *testing.T) {
	t.Parallel()
	// Every bucket starts one past where the previous ended, and bucketOf maps both ends
	// of a bucket back to it: no value falls between buckets or into two.
	prevHi := int64(-1)
	for i := range (maxExp + 1) * subCount {
		lo, hi := bucketBounds(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, prevHi+1)
		}
		if hi < lo {
			t.Fatalf("bucket %d is [%d, %d]", i, lo, hi)
		}
		if got := bucketOf(lo); got != i {
			t.Fatalf("bucketOf(%d) = %d, want %d", lo, got, i)
		}
		if got := bucketOf(hi); got != i {
			t.Fatalf("bucketOf(%d) = %d, want %d", hi, got, i)
		}
		// The bucket's width is within 1/subCount of its values.
		if float64(hi-lo) > float64(lo)/subCount {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d of its start", i, lo, hi, subCount)
		}
		prevHi = hi
	}
	if got, want := bucketOf(1<<62), (maxExp+1)*subCount-1; got != want {
		t.Errorf("bucketOf(2^62) = %d, want the last bucket %d", got, want)
	}
	if got := bucketOf(-5); got != 0 {
		t.Errorf("bucketOf(-5) = %d, want 0", got)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var values []time.Duration
	h := NewHistogram()
	for range 100_000 {
		// Log-uniform from 1 µs to 1 s, like latencies spread over orders of magnitude.
		d := time.Duration(1000 * float64(int64(1)<<rng.IntN(20)) * (1 + rng.Float64()))
		values = append(values, d)
		h.Record(d)
	}
	slices.Sort(values)
	if h.Count() != int64(len(values)) {
		t.Fatalf("Count = %d, want %d", h.Count(), len(values))
	}
	if h.Min() != values[0] || h.Max() != values[len(values)-1] {
		t.Errorf("Min, Max = %v, %v; want %v, %v", h.Min(), h.Max(), values[0], values[len(values)-1])
	}
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
		exact := values[int(q*float64(len(values)))-1]
		got := h.Quantile(q)
		// The bucket's upper end: never below the exact value, at most 1/128 above it.
		if got < exact || float64(got-exact) > float64(exact)/subCount {
			t.Errorf("Quantile(%v) = %v, exact %v: off by more than 1/%d", q, got, exact, subCount)
		}
	}
	if got := h.Quantile(1); got != h.Max() {
		t.Errorf("Quantile(1) = %v, want Max %v", got, h.Max())
	}
	var sum time.Duration
	for _, v := range values {
		sum += v
	}
	if got, want := h.Mean(), sum/time.Duration(len(values)); got != want {
		t.Errorf("Mean = %v, want %v", got, want)
	}
}

func TestHistogramSmallValuesAreExact(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	for v := range 100 {
		h.Record(time.Duration(v + 1)) // 1..100 ns
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.01, 1}, {0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestHistogramMerge(t *testing.T) {
	t.Parallel()
	a, b, all := NewHistogram(), NewHistogram(), NewHistogram()
	for i := range 1000 {
		d := time.Duration(i*i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(b)
	a.Merge(NewHistogram()) // an empty one changes nothing
	if a.Count() != all.Count() || a.Min() != all.Min() || a.Max() != all.Max() || a.Mean() != all.Mean() {
		t.Errorf("merged count/min/max/mean = %d/%v/%v/%v, want %d/%v/%v/%v",
			a.Count(), a.Min(), a.Max(), a.Mean(), all.Count(), all.Min(), all.Max(), all.Mean())
	}
	for _, q := range []float64{0.1, 0.5, 0.99} {
		if a.Quantile(q) != all.Quantile(q) {
			t.Errorf("merged Quantile(%v) = %v, want %v", q, a.Quantile(q), all.Quantile(q))
		}
	}
	empty := NewHistogram()
	empty.Merge(b)
	if empty.Min() != b.Min() {
		t.Errorf("empty.Merge(b).Min = %v, want %v", empty.Min(), b.Min())
	}
}

func TestHistogramEmpty(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	if h.Quantile(0.5) != 0 || h.Max() != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Errorf("empty histogram: Quantile %v, Max %v, Mean %v, Count %d; want zeros",
			h.Quantile(0.5), h.Max(), h.Mean(), h.Count())
	}
	h.Record(-time.Second)
	if h.Max() != 0 || h.Quantile(1) != 0 {
		t.Errorf("a negative duration: Max %v, Quantile(1) %v; want 0 (counted as zero)", h.Max(), h.Quantile(1))
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	d := 1234567 * time.Nanosecond
	for b.Loop() {
		h.Record(d)
		d += 7919
	}
}
