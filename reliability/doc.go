// Package reliability holds xraylocal's reliability tests: acknowledged writes survive a
// crash and a graceful stop, the compare-and-set rules hold under concurrency through the
// HTTP server on every store, and hostile input never wins (no 5xx, no panic, no hang,
// bounded memory). The package has no code of its own; docs/reliability.md says what each
// test guarantees.
package reliability
