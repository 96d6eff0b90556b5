#!/usr/bin/env bash
# xraylocal's one test command. On a fresh machine it installs and starts everything the
# tests need (PostgreSQL, the client suite's boto3, AWS CLI and JavaScript SDK), then runs
# every test: formatting, vet, a static build, go test -race over the whole module (the
# PostgreSQL tests against a throwaway server it starts), each fuzz target briefly, and the
# client conformance suite. A missing tool is a failure, never a skip.
#
#   scripts/test.sh            everything
#   FUZZTIME=30s scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mkdir -p .tmp
FUZZTIME=${FUZZTIME:-8s}

step() { printf '\n== %s\n' "$*"; }
die() { echo "test.sh: $*" >&2; exit 1; }

step "tools"
command -v go >/dev/null || die "Go is not installed: xraylocal needs Go 1.26 or newer (https://go.dev/dl/)"
go version

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
[ -z "$unformatted" ] || die "gofmt would change these files (run gofmt -w):"$'\n'"$unformatted"
go vet ./...

step "static build (CGO_ENABLED=0)"
CGO_ENABLED=0 go build -o bin/xraylocal ./cmd/xraylocal
./bin/xraylocal version

step "PostgreSQL"
eval "$(scripts/postgres.sh start)"
[ -n "${XRAYLOCAL_TEST_POSTGRES:-}" ] || die "scripts/postgres.sh did not start PostgreSQL"
trap 'scripts/postgres.sh stop "$XRAYLOCAL_TEST_POSTGRES_DIR" >/dev/null 2>&1 || true' EXIT
export XRAYLOCAL_TEST_POSTGRES

step "client suite set-up"
clients/setup.sh

step "go test -race ./..."
set +e
go test -race -count=1 -timeout 20m -json ./... > .tmp/gotest.json
go run ./internal/cmd/testreport -require store/postgres -require e2e -require clients < .tmp/gotest.json | tee .tmp/report.txt
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] || die "go test failed"

step "fuzz targets, ${FUZZTIME} each"
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r file; do
	pkg=./$(dirname "${file#./}")
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
		echo "fuzz $pkg $target"
		for try in 1 2; do
			if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" > ".tmp/fuzz-$target.log" 2>&1; then
				break
			fi
			cat ".tmp/fuzz-$target.log"
			# A finding is written under testdata/fuzz/<target>/ and always fails the run. A
			# failure that wrote no input (the fuzzing engine's own trouble on a loaded
			# machine, such as a worker that did not answer in time) is tried once more.
			if [ -n "$(git status --porcelain -- "$pkg/testdata/fuzz/$target")" ] || [ "$try" = 2 ]; then
				die "fuzz target $target in $pkg failed"
			fi
			echo "fuzz $target failed without writing an input; trying once more"
		done
	done
done

step "all tests passed"
grep '^tests: ' .tmp/report.txt
