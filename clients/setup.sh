#!/usr/bin/env bash
# Makes sure the client conformance suite (go test ./clients) has its clients: boto3, the
# AWS CLI, Node.js with npm, and the pinned AWS SDK for JavaScript in clients/js/node_modules.
# Idempotent and quick when everything is there; on a fresh machine it installs what is
# missing from Debian's packages (PyPI is not reachable here, so no pip) and runs npm ci.
# Exits non-zero, saying what is missing, when something cannot be had.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'clients/setup.sh: %s\n' "$*"; }
die() { printf 'clients/setup.sh: %s\n' "$*" >&2; exit 1; }

# The same look-ups as clients_test.go: the PATH's python3, else Debian's.
have_boto3() {
	local py
	for py in python3 /usr/bin/python3; do
		command -v "$py" >/dev/null 2>&1 || continue
		BOTO3=$("$py" -c 'import boto3; print("boto3", boto3.__version__)' 2>/dev/null) && BOTO3="$BOTO3 ($py)" && return 0
	done
	return 1
}
have_aws() {
	local aws
	for aws in aws /usr/bin/aws; do
		command -v "$aws" >/dev/null 2>&1 || continue
		AWSCLI=$("$aws" --version 2>&1) && AWSCLI=${AWSCLI%% *} && return 0
	done
	return 1
}
have_node() { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; }

missing=()
have_boto3 || missing+=(python3-boto3)
have_aws || missing+=(awscli)
# Debian's npm depends on Debian's nodejs: ask for both only when node itself is missing.
if ! have_node; then
	if command -v node >/dev/null 2>&1; then missing+=(npm); else missing+=(nodejs npm); fi
fi

if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]} (Debian packages)"
	command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them; install boto3, the AWS CLI and Node.js 20+ with npm by hand"
	sudo=()
	[ "$(id -u)" = 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq || die "apt-get update failed; cannot install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
	have_boto3 || die "boto3 still cannot be imported by python3 or /usr/bin/python3"
	have_aws || die "the AWS CLI (aws --version) still does not run"
	have_node || die "node and npm are still missing"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $(node --version) is too old: @aws-sdk/client-xray in clients/js needs Node.js 20 or newer"

# npm ci when node_modules is missing or older than the lock file (npm ci writes
# node_modules/.package-lock.json, so its time is when the tree was last installed).
if [ ! -f js/node_modules/.package-lock.json ] || [ js/package-lock.json -nt js/node_modules/.package-lock.json ] ||
	[ js/package.json -nt js/node_modules/.package-lock.json ]; then
	say "npm ci in clients/js"
	(cd js && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in clients/js failed (is the npm registry reachable?)"
fi
say "ready: $BOTO3, $AWSCLI, node $(node --version), @aws-sdk/client-xray $(node -p 'require("./js/node_modules/@aws-sdk/client-xray/package.json").version')"
