#!/usr/bin/env bash
# Installs a program from a Debian package into the project's data
# directory, without root and without touching the system: the package and
# the libraries it needs that the system lacks are fetched with
# `apt-get download` and unpacked under .data/deb/NAME, and a wrapper
# .data/bin/PROGRAM runs it with those libraries.
#
#   scripts/install-deb.sh PACKAGE PROGRAM    prints the wrapper's path
#
# A PROGRAM already on PATH is used as it is. Used for pgbouncer and
# nginx by the scale test.
set -Eeuo pipefail

PKG=${1:?package}
PROG=${2:?program}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN_DIR="$ROOT/.data/bin"
DEST="$ROOT/.data/deb/$PKG"

log() { printf '[%s] %s\n' "$PKG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$PKG" "$*" >&2; exit 1; }

if p=$(command -v "$PROG" 2>/dev/null); then echo "$p"; exit 0; fi
for d in /usr/sbin /sbin; do
	if [ -x "$d/$PROG" ]; then echo "$d/$PROG"; exit 0; fi
done
if [ -x "$BIN_DIR/$PROG" ]; then echo "$BIN_DIR/$PROG"; exit 0; fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $PKG with your package manager"

mkdir -p "$BIN_DIR" "$DEST"
work=$(mktemp -d "$DEST/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The package and each dependency the system does not have installed.
deps=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$PKG" 2>/dev/null |
	awk '/^[a-z0-9]/ {print $1}' | sort -u)
want=()
for d in $deps; do
	if [ "$d" = "$PKG" ] || ! dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'install ok installed'; then
		apt-cache show "$d" >/dev/null 2>&1 && want+=("$d")
	fi
done
log "downloading ${want[*]}"
(cd "$work" && apt-get download "${want[@]}" >/dev/null) || die "apt-get download failed (run apt-get update?)"
for f in "$work"/*.deb; do dpkg-deb -x "$f" "$DEST"; done
exe=""
for d in usr/sbin usr/bin sbin bin; do
	if [ -x "$DEST/$d/$PROG" ]; then exe="$DEST/$d/$PROG"; break; fi
done
[ -n "$exe" ] || die "the package has no program $PROG"
libs=$(find "$DEST" -name '*.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd: -)
cat >"$BIN_DIR/$PROG" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$exe" "\$@"
WRAP
chmod +x "$BIN_DIR/$PROG"
"$BIN_DIR/$PROG" --version >/dev/null 2>&1 || "$BIN_DIR/$PROG" -v >/dev/null 2>&1 || die "$BIN_DIR/$PROG does not run"
log "installed $BIN_DIR/$PROG"
echo "$BIN_DIR/$PROG"
