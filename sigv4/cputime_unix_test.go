//go:build unix

package sigv4

import (
	"syscall"
	"time"
)

// processCPUTime is the CPU time (user + system) this process has used. Benchmarks report it
// per operation besides wall time, because on a shared machine wall time also counts the
// time other processes held the CPU.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
