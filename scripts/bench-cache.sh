#!/usr/bin/env bash
# Cached GET /api/v1/penalties/{id} vs a bare gin handler returning the
# same bytes: wrk with the same threads, connections and duration.
# Target: throughput >= 0.8x the baseline; p99 latency reported.
#
# The portal takes the day's dataset snapshots (1,000,000 penalties in
# every format: minutes of CPU) in the background after it starts. That is
# not the cached GET's cost, so the measurement waits (BENCH_SNAPSHOT_WAIT
# seconds at most, 900) until the day's snapshots exist; they are kept in
# .data/snapshots, so later runs the same day do not wait.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${BENCH_DATABASE_URL:?run through scripts/bench.sh}"
PORT=${BENCH_PORT:-18080}
BARE=${BENCH_BARE_PORT:-18081}
DUR=${BENCH_DURATION:-10s}
CONN=${BENCH_CONNECTIONS:-32}
PORTAL=${BENCH_PORTAL:-bin/portal} # another build, to compare before and after a change
tmp=$(mktemp -d)
# Wait for the servers to exit, so that their ports are free on return.
trap 'kill $(jobs -p) 2>/dev/null || true; wait; rm -rf "$tmp"' EXIT

# Measure only the servers started here, never one already on a port.
for p in "$PORT" "$BARE"; do
	! curl -s -o /dev/null "http://127.0.0.1:$p/" || { echo "bench-cache: port $p is already in use"; exit 1; }
done
alive() { kill -0 "$1" 2>/dev/null || { echo "bench-cache: $2 exited"; cat "$3"; exit 1; }; }

DATABASE_URL=$BENCH_DATABASE_URL PORTAL_ADDR=127.0.0.1:$PORT PORTAL_RATE_IP=100000000 PORTAL_LOG_LEVEL=error \
	"$PORTAL" serve --no-indexer >"$tmp/portal.log" 2>&1 &
portal=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
alive "$portal" "portal serve" "$tmp/portal.log"
day=$(TZ=Asia/Shanghai date +%F)
snapshots() { # how many datasets have today's snapshot
	local n=0 d
	for d in penalties permits powers; do
		curl -fs "http://127.0.0.1:$PORT/api/v1/datasets/$d/snapshots" | grep -q "\"$day\"" && n=$((n + 1))
	done
	echo "$n"
}
waited=0
while [ "$(snapshots)" -lt 3 ] && [ "$waited" -lt "${BENCH_SNAPSHOT_WAIT:-900}" ]; do
	[ "$waited" -eq 0 ] && echo "bench-cache: waiting for the day's dataset snapshots to be taken first" >&2
	alive "$portal" "portal serve" "$tmp/portal.log"
	sleep 5
	waited=$((waited + 5))
done
[ "$(snapshots)" -ge 3 ] || echo "bench-cache: warning: measuring while the day's snapshots are still being taken" >&2
id=$(psql "$BENCH_DATABASE_URL" -qAtc "SELECT id FROM penalties WHERE status = 'published' AND publicity_until >= current_date ORDER BY id DESC LIMIT 1")
url="http://127.0.0.1:$PORT/api/v1/penalties/$id"
curl -fs "$url" -o "$tmp/body" || { echo "bench-cache: GET $url failed"; cat "$tmp/portal.log"; exit 1; }
sleep 0.3
[ "$(curl -fs -o /dev/null -D - "$url" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}')" = hit ] ||
	echo "bench-cache: warning: the response was not served from the cache (is Redis up?)"
bin/baregin -addr "127.0.0.1:$BARE" -body "$tmp/body" >"$tmp/bare.log" 2>&1 &
bare=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$BARE/" >/dev/null && break; sleep 0.1; done
alive "$bare" baregin "$tmp/bare.log"

measure() { wrk -t2 -c"$CONN" -d"$DUR" --latency "$1" >"$2"; }
rps() { awk '/^Requests\/sec/ {print $2}' "$1"; }
p99() { awk '$1=="99%" {print $2}' "$1"; }
measure "http://127.0.0.1:$BARE/api/v1/penalties/$id" "$tmp/bare"
measure "$url" "$tmp/portal"
awk -v p="$(rps "$tmp/portal")" -v b="$(rps "$tmp/bare")" -v pp="$(p99 "$tmp/portal")" -v bp="$(p99 "$tmp/bare")" \
	'BEGIN { r = p / b; printf "BENCH cached GET /api/v1/penalties/{id}: %.0f req/s p99 %s | baseline bare gin %.0f req/s p99 %s | ratio %.2f (target >= 0.8) %s\n", p, pp, b, bp, r, (r >= 0.8 ? "ok" : "MISSED") }'
