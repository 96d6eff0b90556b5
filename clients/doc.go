// Package clients is xraylocal's client conformance suite: one list of scenarios
// (scenarios.json) run through four real AWS clients, the AWS SDK for Go v2, boto3, the AWS
// CLI and the AWS SDK for JavaScript v3, against a real xraylocal process. Its tests are
// the Go runner; the others live in python/, cli/ and js/ and print one JSON line per
// scenario, which the tests turn into subtests. docs/clients.md describes how to run it.
package clients
