package postgres

import "time"

// SetTryTimeout changes the bound on one try of s's operations, so tests of a silent
// database need not wait for the default.
func SetTryTimeout(s *Store, d time.Duration) { s.tryTimeout = d }
