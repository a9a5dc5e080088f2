#!/usr/bin/env bash
# Write throughput of two portal builds side by side: the demo load
# (`portal demo --all-public --penalties N`, rows per second of the whole
# command) and the ingest API (e2e/benchingest POSTing new penalties in
# batches to /api/v1/admin/penalties, records per second). "before" is
# BENCH_INGEST_BEFORE, built from a temporary git worktree; "after" is this
# tree. The builds take turns (before, after, before, after, …) so that
# noise on the machine falls on both, each run on a fresh database, and the
# best run of each counts. Target: after ≥ 0.9 × before for both figures.
#
# Each run: a fresh database gongshi_bench_ingest, `portal migrate up`, the
# timed demo load, `portal keys create --scope ingest`, then `portal serve
# --no-indexer` with a private Redis, and the timed ingest. The portal
# would first take the day's dataset snapshots of the freshly loaded
# database (minutes of CPU), which no ingest pays; the script holds their
# lease meanwhile, so the portal stands by as a second replica does.
#
#   BENCH_INGEST_BEFORE     git revision of the baseline (default fbb62d3^:
#                           before the tally triggers and the list indexes)
#   BENCH_INGEST_PENALTIES  penalties of the demo load (default 300000)
#   BENCH_INGEST_RECORDS    penalties posted through the API (default 20000)
#   BENCH_INGEST_BATCH      records per POST (default 500)
#   BENCH_INGEST_WORKERS    concurrent clients of the ingest (default 2)
#   BENCH_INGEST_ROUNDS     runs of each build (default 2)
#   BENCH_INGEST_PORT       the portal's port (default 18580)
#   BENCH_INGEST_REDIS_PORT the private Redis's port (default BENCH_INGEST_PORT+1)
#   DATABASE_URL            any database of the server, for its address
#
# Prints BENCH lines and writes them to .data/bench-ingest.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

BEFORE=${BENCH_INGEST_BEFORE:-fbb62d3^}
PENALTIES=${BENCH_INGEST_PENALTIES:-300000}
RECORDS=${BENCH_INGEST_RECORDS:-20000}
BATCH=${BENCH_INGEST_BATCH:-500}
WORKERS=${BENCH_INGEST_WORKERS:-2}
ROUNDS=${BENCH_INGEST_ROUNDS:-2}
PORT=${BENCH_INGEST_PORT:-18580}
RPORT=${BENCH_INGEST_REDIS_PORT:-$((PORT + 1))}
server=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gongshi?sslmode=disable}
server=${server%%\?*}
server=${server%/*}
db=gongshi_bench_ingest
permits=0 # the demo load's permits (its default number)
url="$server/$db?sslmode=disable"
# The snapshot worker's lease (store.SnapshotLease), an advisory lock.
snapshot_lease=$((0x676f6e6773686903))

for p in "$PORT" "$RPORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "bench-ingest: port $p is already in use (set BENCH_INGEST_PORT or BENCH_INGEST_REDIS_PORT)"
		exit 1
	fi
done

mkdir -p .data
tmp=$(mktemp -d)
tree="$ROOT/.data/bench-ingest-before-$$"
redis="" # the private Redis's PID
srv=""   # the portal's
lease="" # the psql holding the snapshot lease
stop() { # stop a process started here, and wait for it
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
release_lease() {
	[ -n "$lease" ] || return 0
	exec 4>&- # psql reads the end of its input and quits
	wait "$lease" 2>/dev/null || true
	lease=""
}
cleanup() {
	release_lease
	[ -z "$srv" ] || stop "$srv"
	[ -z "$redis" ] || stop "$redis"
	psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	if [ -d "$tree" ]; then
		git worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"
		git worktree prune
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
alive() { kill -0 "$1" 2>/dev/null || { echo "bench-ingest: $2 exited"; tail -20 "$3"; exit 1; }; }

rev=$(git rev-parse --verify --quiet "$BEFORE^{commit}") || { echo "bench-ingest: $BEFORE is not a commit"; exit 1; }
echo "bench-ingest: building before ($BEFORE = $(git log -1 --format='%h %s' "$rev")) and after (this tree)"
git worktree add --detach "$tree" "$rev" >/dev/null 2>&1
(cd "$tree" && go build -o "$tmp/portal-before" ./cmd/portal)
git worktree remove --force "$tree"
go build -o "$tmp/portal-after" ./cmd/portal
go build -o "$tmp/benchingest" ./e2e/benchingest

mkdir -p "$tmp/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp/redis" >"$tmp/redis.log" 2>&1 &
redis=$!
for _ in $(seq 50); do redis-cli -p "$RPORT" PING 2>/dev/null | grep -q PONG && break; sleep 0.1; done
alive "$redis" redis-server "$tmp/redis.log"

# run BUILD: one run of a build; appends "BUILD LOAD_RATE INGEST_RATE" to
# $tmp/rates.
run() {
	local build=$1 portal="$tmp/portal-$1" start secs rows load ingest key have want held
	PGOPTIONS="-c client_min_messages=warning" psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
	psql "$server/postgres" -qc "CREATE DATABASE $db" >/dev/null
	DATABASE_URL=$url "$portal" migrate up >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log"; exit 1; }
	# Dirty pages of earlier work are written now, not during the load.
	psql "$server/postgres" -qc CHECKPOINT >/dev/null 2>&1 || true

	start=$(date +%s.%N)
	DATABASE_URL=$url "$portal" demo --all-public --penalties "$PENALTIES" >"$tmp/demo.log" 2>&1 ||
		{ echo "bench-ingest: $build: portal demo failed"; tail -20 "$tmp/demo.log"; exit 1; }
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	have=$(psql "$url" -qAtc "SELECT count(*) FROM penalties")
	permits=$(psql "$url" -qAtc "SELECT count(*) FROM permits")
	rows=$((have + permits))
	[ "$have" -eq "$PENALTIES" ] || { echo "bench-ingest: $build: the demo load wrote $have penalties, not $PENALTIES"; exit 1; }
	load=$(echo "$rows / $secs" | bc -l)

	key=$(DATABASE_URL=$url "$portal" keys create --scope ingest --name "bench-ingest" 2>"$tmp/keys.log" | tail -1)
	[ -n "$key" ] || { echo "bench-ingest: $build: portal keys create printed no key"; cat "$tmp/keys.log"; exit 1; }

	mkfifo "$tmp/lease"
	PGAPPNAME=bench-ingest-lease psql "$url" -qAt <"$tmp/lease" >/dev/null 2>&1 &
	lease=$!
	exec 4>"$tmp/lease"
	rm "$tmp/lease"
	echo "SELECT pg_advisory_lock($snapshot_lease);" >&4
	held=0
	for _ in $(seq 100); do
		held=$(psql "$url" -qAtc "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
			WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'bench-ingest-lease'")
		[ "$held" -ge 1 ] && break
		sleep 0.1
	done
	[ "$held" -ge 1 ] || { echo "bench-ingest: could not take the snapshot lease"; exit 1; }
	redis-cli -p "$RPORT" FLUSHALL >/dev/null
	DATABASE_URL=$url REDIS_URL=redis://127.0.0.1:$RPORT/0 MEILI_URL=http://127.0.0.1:9 \
		PORTAL_ADDR=127.0.0.1:$PORT PORTAL_RATE_IP=100000000 PORTAL_RATE_KEY=100000000 PORTAL_LOG_LEVEL=error \
		PORTAL_SNAPSHOT_DIR="$tmp/snapshots" "$portal" serve --no-indexer >"$tmp/portal.log" 2>&1 &
	srv=$!
	for _ in $(seq 150); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
	alive "$srv" "portal serve ($build)" "$tmp/portal.log"
	"$tmp/benchingest" -base "http://127.0.0.1:$PORT" -key "$key" -records "$RECORDS" -batch "$BATCH" \
		-workers "$WORKERS" >"$tmp/ingest.log" 2>&1 ||
		{ echo "bench-ingest: $build: the ingest failed"; cat "$tmp/ingest.log"; tail -20 "$tmp/portal.log"; exit 1; }
	ingest=$(grep -o '[0-9.]* records/s' "$tmp/ingest.log" | cut -d' ' -f1)
	stop "$srv"
	srv=""
	release_lease
	want=$((PENALTIES + RECORDS))
	have=$(psql "$url" -qAtc "SELECT count(*) FROM penalties")
	[ "$have" -eq "$want" ] || { echo "bench-ingest: $build: $have penalties after the ingest, want $want"; exit 1; }
	printf 'bench-ingest: %-6s demo load %d rows in %.1f s: %.0f rows/s; ingest %s\n' "$build" "$rows" "$secs" "$load" \
		"$(sed -n 's/^benchingest: //p' "$tmp/ingest.log")"
	echo "$build $load $ingest" >>"$tmp/rates"
}

echo "bench-ingest: $ROUNDS rounds of $PENALTIES demo penalties and $RECORDS ingested in POSTs of $BATCH ($WORKERS workers);" \
	"$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$tmp/rates"
for _ in $(seq "$ROUNDS"); do
	run before
	run after
done

best() { awk -v b="$1" -v f="$2" '$1 == b && $f > m { m = $f } END { print m + 0 }' "$tmp/rates"; }
line() { # name unit before after
	awk -v n="$1" -v u="$2" -v b="$3" -v a="$4" 'BEGIN { r = (b > 0 ? a / b : 0)
		printf "BENCH %s: before %.0f %s, after %.0f %s, ratio %.2f (target >= 0.9) %s\n", n, b, u, a, u, r, (r >= 0.9 ? "ok" : "MISSED") }'
}
out="$ROOT/.data/bench-ingest.txt"
{
	line "demo load of $PENALTIES penalties and $permits permits" rows/s "$(best before 2)" "$(best after 2)"
	line "ingest API $RECORDS penalties in POSTs of $BATCH" records/s "$(best before 3)" "$(best after 3)"
} | tee "$out.new"
mv "$out.new" "$out"
echo "bench-ingest: best of $ROUNDS runs each; before is $BEFORE ($(git rev-parse --short "$rev")); $(date -u +%FT%TZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
