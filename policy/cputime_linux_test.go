package policy

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// rusageThread is RUSAGE_THREAD (getrusage(2)): the calling thread's usage only.
const rusageThread = 1

// threadCPU returns the CPU time the calling OS thread has used.
func threadCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU runs the benchmark loop on one locked OS thread and reports, besides
// the wall time, the CPU time that thread used per operation ("cpu-ns/op"). On a
// machine shared with other work, wall time counts the waits for a core; CPU time
// counts only the work.
func reportCPU(b *testing.B, op func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU(b)
	n := 0
	for b.Loop() {
		op()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(threadCPU(b)-start)/float64(n), "cpu-ns/op")
	}
}
