#!/usr/bin/env bash
# Measures xraylocal against the bare baseline (bench/baseline) with `xraylocal bench`, as
# docs/performance.md reports it. Every server it starts listens on 127.0.0.1 and is
# stopped when the script ends.
#
#   bench/measure.sh throughput   Put, List and a half-and-half mix, baseline then xraylocal,
#                                 REPEAT times each; prints one line per run and the medians
#   bench/measure.sh rss          resident memory of xraylocal before and after MILLION requests
#   bench/measure.sh latency      Put and List latency at 1, 4, 8 and 32 workers (queueing vs service time)
#   bench/measure.sh startup      process start to healthy (go run ./bench/startup)
#   bench/measure.sh all          the three
#
# Environment: DURATION (5s), REPEAT (9), WORKERS (32), MILLION (1000000), MIXES (the
# throughput mixes, "put=1 list=1 put=1,list=1"), OUT (a new folder under /tmp) where each
# run's JSON result is kept. Needs go and jq.
#
# Many short runs rather than a few long ones: the speed of a virtual machine can change
# from one minute to the next, and a baseline run and the xraylocal run after it are
# compared; the closer in time, the more often both see the same machine.
set -euo pipefail

DURATION=${DURATION:-5s}
REPEAT=${REPEAT:-9}
WORKERS=${WORKERS:-32}
MILLION=${MILLION:-1000000}
MIXES=${MIXES:-put=1 list=1 put=1,list=1}
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d /tmp/xraylocal-measure-XXXXXX)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/xraylocal-measure-bin-XXXXXX)

command -v jq >/dev/null || { echo "measure.sh needs jq" >&2; exit 2; }

pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/xraylocal" ./cmd/xraylocal && go build -o "$work/baseline" ./bench/baseline)
xl="$work/xraylocal"

# start NAME CMD...: runs CMD in the background, waits for its "listening on" line, and
# sets URL and PID. Server logs (one line per request for xraylocal) go to /dev/null.
start() {
	local name=$1
	shift
	"$@" >"$work/$name.out" 2>/dev/null &
	PID=$!
	pids+=("$PID")
	for _ in $(seq 1 500); do
		URL=$(grep -o 'http://[0-9.:]*' "$work/$name.out" 2>/dev/null | head -1 || true)
		[ -n "$URL" ] && return 0
		sleep 0.01
	done
	echo "$name did not start" >&2
	exit 1
}

# stop PID: SIGTERM and wait.
stop() {
	kill -TERM "$1"
	wait "$1" 2>/dev/null || true
}

machine() {
	echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3-), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# cpu_ticks PID: user and system CPU time of the process so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)

# run NAME URL PID MIX REP: one bench run, its JSON kept as $OUT/NAME-MIX-REP.json with
# the server's CPU time per request added as server_cpu_us_per_request.
run() {
	local f="$OUT/$1-${4//[=,]/_}-$5.json" before after
	before=$(cpu_ticks "$3")
	"$xl" bench --endpoint "$2" --workers "$WORKERS" --duration "$DURATION" --mix "$4" --json --quiet >"$f.tmp"
	after=$(cpu_ticks "$3")
	jq --argjson t "$((after - before))" --argjson hz "$tick" \
		'. + {server_cpu_us_per_request: ($t / $hz * 1e6 / .requests)}' "$f.tmp" >"$f"
	rm "$f.tmp"
	jq -r --arg n "$1" --arg m "$4" '"\($n)\t\($m)\t\(.requests_per_second|floor) req/s\tp50 \(.latency_ms.p50*100|floor/100) ms\tp99 \(.latency_ms.p99*100|floor/100) ms\tmax \(.latency_ms.max*100|floor/100) ms\terrors \(.errors)\tCPU/request: server \(.server_cpu_us_per_request|floor) µs, load generator \(.client_cpu_us_per_request|floor) µs"' "$f"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

throughput() {
	machine
	start baseline "$work/baseline" --listen 127.0.0.1:0
	local base=$URL base_pid=$PID
	start xraylocal "$xl" serve --listen 127.0.0.1:0 --store "sqlite:$work/db/xraylocal.db"
	local xr=$URL xr_pid=$PID
	for mix in $MIXES; do
		for rep in $(seq 1 "$REPEAT"); do
			run baseline "$base" "$base_pid" "$mix" "$rep"
			run xraylocal "$xr" "$xr_pid" "$mix" "$rep"
		done
	done
	echo "medians over $REPEAT runs of $DURATION, $WORKERS workers:"
	for mix in $MIXES; do
		local m=${mix//[=,]/_} b x
		b=$(for f in "$OUT"/baseline-"$m"-*.json; do jq .requests_per_second "$f"; done | median)
		x=$(for f in "$OUT"/xraylocal-"$m"-*.json; do jq .requests_per_second "$f"; done | median)
		p50=$(for f in "$OUT"/xraylocal-"$m"-*.json; do jq .latency_ms.p50 "$f"; done | median)
		p99=$(for f in "$OUT"/xraylocal-"$m"-*.json; do jq .latency_ms.p99 "$f"; done | median)
		bp99=$(for f in "$OUT"/baseline-"$m"-*.json; do jq .latency_ms.p99 "$f"; done | median)
		# Each xraylocal run against the baseline run just before it.
		ratios=$(for rep in $(seq 1 "$REPEAT"); do
			jq -n --slurpfile x "$OUT/xraylocal-$m-$rep.json" --slurpfile b "$OUT/baseline-$m-$rep.json" \
				'$x[0].requests_per_second / $b[0].requests_per_second'
		done | sort -n | tr '\n' ' ')
		awk -v m="$mix" -v b="$b" -v x="$x" -v p50="$p50" -v p99="$p99" -v bp99="$bp99" -v r="$ratios" 'BEGIN {
			n = split(r, a, " ")
			printf "%-12s baseline %7.0f req/s (p99 %.2f ms)  xraylocal %7.0f req/s (p50 %.2f ms, p99 %.2f ms)  paired ratios: median %.2f (%.2f to %.2f)\n",
				m, b, bp99, x, p50, p99, a[int((n+1)/2)], a[1], a[n] }'
	done
	stop "$xr_pid"
	stop "$base_pid"
	machine
}

latency() {
	machine
	start xraylocal "$xl" serve --listen 127.0.0.1:0 --store "sqlite:$work/lat/xraylocal.db"
	local url=$URL pid=$PID
	# Create the policies first, so the Puts measured are updates as in the other runs.
	"$xl" bench --endpoint "$url" --requests 2000 --mix put=1 --quiet >/dev/null
	for w in 1 4 8 32; do
		for mix in put=1 list=1; do
			"$xl" bench --endpoint "$url" --workers "$w" --duration "$DURATION" --mix "$mix" --json --quiet >"$OUT/latency-$w-${mix//[=,]/_}.json"
			jq -r --arg w "$w" '"workers \($w)\t\(.mix)\t\(.requests_per_second|floor) req/s\tp50 \(.latency_ms.p50*100|floor/100) ms\tp90 \(.latency_ms.p90*100|floor/100) ms\tp99 \(.latency_ms.p99*100|floor/100) ms\tmax \(.latency_ms.max*100|floor/100) ms"' "$OUT/latency-$w-${mix//[=,]/_}.json"
		done
	done
	stop "$pid"
}

rss_of() { grep -E "^$2:" "/proc/$1/status" | awk '{print $2/1024 " MiB"}'; }

rss() {
	machine
	start xraylocal "$xl" serve --listen 127.0.0.1:0 --store "sqlite:$work/rss/xraylocal.db"
	echo "xraylocal after start: VmRSS $(rss_of "$PID" VmRSS)"
	"$xl" bench --endpoint "$URL" --workers "$WORKERS" --requests "$MILLION" --mix put=1,list=1 --json --quiet >"$OUT/rss-run.json"
	jq -r '"\(.requests) requests (put=1,list=1) in \(.elapsed_seconds|floor) s, \(.requests_per_second|floor) req/s, \(.errors) errors"' "$OUT/rss-run.json"
	echo "xraylocal after $MILLION requests: VmRSS $(rss_of "$PID" VmRSS), VmHWM (peak) $(rss_of "$PID" VmHWM)"
	sleep 5
	echo "xraylocal 5 s later: VmRSS $(rss_of "$PID" VmRSS)"
	stop "$PID"
}

startup() {
	machine
	(cd "$root" && go run ./bench/startup --bin "$xl" --runs 21 --fresh-store)
	local db="$work/startup/xraylocal.db"
	mkdir -p "$(dirname "$db")"
	(cd "$root" && go run ./bench/startup --bin "$xl" --runs 21 -- --store "sqlite:$db")
}

case "${1:-all}" in
throughput) throughput ;;
rss) rss ;;
latency) latency ;;
startup) startup ;;
all) throughput && latency && rss && startup ;;
*)
	echo "usage: bench/measure.sh throughput|latency|rss|startup|all" >&2
	exit 2
	;;
esac
echo "results in $OUT"
