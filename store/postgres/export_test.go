package postgres

import "time"

// SetTryTimeout changes the bound on one try of s's operations, so tests of a silent
// database need not wait for the default; it returns the bound it replaced.
func SetTryTimeout(s *Store, d time.Duration) (previous time.Duration) {
	previous, s.tryTimeout = s.tryTimeout, d
	return previous
}
