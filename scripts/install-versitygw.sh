#!/usr/bin/env bash
# Installs the Versity S3 gateway (versitygw), the S3-compatible server
# the tests run the snapshot storage against, into .data/bin/versitygw.
#
#   scripts/install-versitygw.sh      prints the binary's path
#
# It builds the pinned version from the Go module proxy with `go install`
# (about 3 minutes on a 2-core machine, the first time), and does nothing
# when that version is already there. VERSITYGW_BIN, when set to an
# executable, is used instead and nothing is built.
set -Eeuo pipefail

VERSION=v1.8.0
MODULE=github.com/versity/versitygw/cmd/versitygw

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN_DIR="$ROOT/.data/bin"
BIN="$BIN_DIR/versitygw"
STAMP="$BIN_DIR/versitygw.version"

log() { printf '[versitygw] %s\n' "$*" >&2; }
die() { printf '[versitygw] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -n "${VERSITYGW_BIN:-}" ]; then
	[ -x "$VERSITYGW_BIN" ] || die "VERSITYGW_BIN=$VERSITYGW_BIN is not an executable file"
	echo "$VERSITYGW_BIN"
	exit 0
fi
if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null || true)" = "$VERSION" ]; then
	echo "$BIN"
	exit 0
fi
command -v go >/dev/null 2>&1 || die "go not found; install Go to build versitygw"
mkdir -p "$BIN_DIR"
work=$(mktemp -d "$BIN_DIR/.versitygw-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "building versitygw $VERSION with go install (about 3 minutes the first time; log: .data/versitygw-build.log)"
start=$(date +%s)
# GOFLAGS is cleared so that a -mod=vendor meant for this module does not
# apply to another; GOBIN keeps the binary out of the user's GOPATH.
if ! (cd "$work" && GOBIN="$work" GOFLAGS= go install "$MODULE@$VERSION") >"$ROOT/.data/versitygw-build.log" 2>&1; then
	tail -n 20 "$ROOT/.data/versitygw-build.log" >&2
	die "go install $MODULE@$VERSION failed (log: .data/versitygw-build.log)"
fi
mv -f "$work/versitygw" "$BIN"
echo "$VERSION" >"$STAMP"
log "installed .data/bin/versitygw $VERSION in $(($(date +%s) - start)) s"
echo "$BIN"
