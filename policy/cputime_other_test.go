//go:build !linux

package policy

import "testing"

// reportCPU runs the benchmark loop. Thread CPU time is read with Linux's
// getrusage(RUSAGE_THREAD) only, so elsewhere just the wall time is reported.
func reportCPU(b *testing.B, op func()) {
	for b.Loop() {
		op()
	}
}
