#!/usr/bin/env bash
# A throwaway PostgreSQL for xraylocal's tests, on 127.0.0.1 only.
#
#   eval "$(scripts/postgres.sh start)"   # sets XRAYLOCAL_TEST_POSTGRES and XRAYLOCAL_TEST_POSTGRES_DIR
#   go test ./store/postgres
#   scripts/postgres.sh stop "$XRAYLOCAL_TEST_POSTGRES_DIR"
#
# start installs Debian's postgresql package when initdb is missing (as root), creates a
# cluster in a new folder under ${TMPDIR:-/tmp}, starts it on a free port and prints two
# export lines on stdout (everything else goes to stderr). stop DIR shuts that server down
# and removes DIR. As root, the server runs as the postgres user: PostgreSQL refuses root.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bin() {
	local p dir
	if p=$(command -v initdb 2>/dev/null); then
		dir=$(dirname "$(readlink -f "$p")")
		[ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
	fi
	# Debian keeps the server binaries off PATH; take the newest major version.
	for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -n -r); do
		[ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
	done
	return 1
}

# as_pg runs a command as the postgres user when we are root, else as ourselves.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start() {
	local bin dir port
	if ! bin=$(find_bin); then
		[ "$(id -u)" = 0 ] || die "PostgreSQL is not installed; install it (Debian/Ubuntu: sudo apt-get install postgresql) and run this again"
		echo "postgres.sh: installing PostgreSQL (apt-get install postgresql)" >&2
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >&2 ||
			die "apt-get install postgresql failed"
		bin=$(find_bin) || die "initdb still not found after installing postgresql"
	fi
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "running as root, but there is no postgres user to run PostgreSQL as (apt-get install postgresql creates it)"
	fi

	dir=$(mktemp -d "${TMPDIR:-/tmp}/xraylocal-pg.XXXXXX")
	[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
	# --no-sync only skips initdb's final flush; the server below runs with fsync on.
	if ! (cd "$dir" && as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C --no-sync) >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		rm -rf "$dir"
		die "initdb failed"
	fi

	# A port that looks free may be taken before postgres binds it: try a few.
	for _ in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # something listens there
		if (cd "$dir" && as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
			-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$dir' -c fsync=on -c max_connections=300" \
			start) >&2; then
			echo "export XRAYLOCAL_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
			echo "export XRAYLOCAL_TEST_POSTGRES_DIR='$dir'"
			echo "postgres.sh: PostgreSQL listening on 127.0.0.1:$port, data in $dir" >&2
			return 0
		fi
	done
	tail -n 20 "$dir/postgres.log" >&2 || true
	rm -rf "$dir"
	die "PostgreSQL did not start"
}

stop() {
	local dir=${1:-} bin
	[ -n "$dir" ] || die "usage: postgres.sh stop DIR (the XRAYLOCAL_TEST_POSTGRES_DIR that start printed)"
	# Only ever remove a folder that start made.
	case "$(basename "$dir")" in xraylocal-pg.*) ;; *) die "$dir was not made by postgres.sh start" ;; esac
	[ -f "$dir/data/PG_VERSION" ] || die "$dir holds no PostgreSQL cluster"
	bin=$(find_bin) || die "pg_ctl not found"
	if as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		(cd "$dir" && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop) >&2 || die "pg_ctl stop failed; data left in $dir"
	fi
	rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop "${2:-}" ;;
*) die "usage: postgres.sh start | postgres.sh stop DIR" ;;
esac
