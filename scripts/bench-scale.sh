#!/usr/bin/env bash
# Scale benchmark (make bench-scale): for each size of BENCH_SCALE_SIZES,
# a database of that many demo penalties (gongshi_bench_scale_N, loaded
# once with `portal demo --all-public`, reused while it holds N of them),
# a portal serving it with a private Redis, and e2e/benchscale measuring
# over loopback HTTP: p50/p95 of every public read uncached (each request
# bypasses the response cache) and the first request after a publish, then
# the cache's hit ratio of a mixed read load with one write a second. The
# table at the end compares the largest size with the smallest.
#
#   BENCH_SCALE_SIZES   penalties per database (default "1000000 5000000")
#   BENCH_SCALE_RUNS    requests per read and phase (default 50)
#   BENCH_SCALE_LOAD    length of the mixed load (default 60s)
#   BENCH_SCALE_PHASES  "reads,load" (default), "reads" or "load" (appends the
#                       hit ratios to an earlier run's figures)
#   BENCH_SCALE_MAX     time limit of one size's measuring (default 30m)
#   BENCH_SCALE_PORT    the portal's port (default 18480); Meilisearch's is +2
#   BENCH_SCALE_REDIS_PORT  the private Redis's port (default BENCH_SCALE_PORT+1)
#   BENCH_SNAPSHOT_WAIT seconds to wait for the day's snapshots (default 900)
#   PORTAL              the portal binary (default bin/portal, built)
#   MEILI_BIN           if set (and BENCH_SCALE_SEARCH is not "fallback"), a
#                       private Meilisearch serves the search page, indexed
#                       first (minutes per million); otherwise the search
#                       page is measured in its PostgreSQL fallback
#   DATABASE_URL        any database of the server, for its address
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZES=${BENCH_SCALE_SIZES:-1000000 5000000}
RUNS=${BENCH_SCALE_RUNS:-50}
LOAD=${BENCH_SCALE_LOAD:-60s}
MAX=${BENCH_SCALE_MAX:-30m}
PORT=${BENCH_SCALE_PORT:-18480}
RPORT=${BENCH_SCALE_REDIS_PORT:-$((PORT + 1))}
MPORT=$((PORT + 2))
server=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gongshi?sslmode=disable}
server=${server%%\?*}
server=${server%/*}
out=.data/bench-scale
mkdir -p "$out"
if [ -z "${PORTAL:-}" ]; then
	go build -o bin/portal ./cmd/portal
	go build -o bin/flowchart ./cmd/flowchart
	PORTAL=bin/portal
fi
go build -o "$out/benchscale" ./e2e/benchscale

for p in "$PORT" "$RPORT" "$MPORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "bench-scale: port $p is already in use (set BENCH_SCALE_PORT)"
		exit 1
	fi
done

pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}
trap cleanup EXIT
alive() { kill -0 "$1" 2>/dev/null || { echo "bench-scale: $2 exited"; tail -20 "$3"; exit 1; }; }

echo "bench-scale: sizes $SIZES; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for n in $SIZES; do
	db=gongshi_bench_scale_$n
	url="$server/$db?sslmode=disable"
	if ! psql "$server/postgres" -qAtc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
		psql "$server/postgres" -qc "CREATE DATABASE $db"
	fi
	have=$(psql "$url" -qAtc "SELECT count(*) FROM penalties WHERE status = 'published' AND publicity_until >= current_date" 2>/dev/null || echo 0)
	if [ "$have" -lt "$n" ]; then
		echo "bench-scale: loading $n penalties into $db (it holds $have public ones)"
		psql "$url" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public" 2>/dev/null
		start=$(date +%s.%N)
		DATABASE_URL=$url "$PORTAL" demo --all-public --penalties "$n" | grep -E 'penalties:|loaded in'
		secs=$(echo "$(date +%s.%N) - $start" | bc)
		printf 'bench-scale: load of %d penalties: %.1f s, %.0f rows/s (whole command)\n' "$n" "$secs" "$(echo "$n / $secs" | bc -l)"
	else
		echo "bench-scale: $db already holds $have public penalties; reused"
	fi
	# Statistics as autovacuum would leave them (it may be off on a test
	# server): without them the planner guesses a few hundred rows.
	if [ -z "$(psql "$url" -qAtc "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'penalties'")" ]; then
		psql "$url" -qc "VACUUM (ANALYZE) penalties, permits"
	fi
	# Every table, the small ones too: without statistics for agencies the
	# planner guesses many agencies per district and scans permits.
	psql "$url" -qc "ANALYZE"
	key=$(DATABASE_URL=$url "$PORTAL" keys create --scope ingest --name "bench-scale-$(date +%s%N)" | tail -1)
	[ -n "$key" ] || { echo "bench-scale: portal keys create printed no key"; exit 1; }

	tmp=$(mktemp -d)
	mkdir -p "/tmp/bench-scale-redis-$RPORT"
	redis-server --port "$RPORT" --save "" --appendonly no --dir "/tmp/bench-scale-redis-$RPORT" >"$tmp/redis.log" 2>&1 &
	pids+=($!)
	meili_url=http://127.0.0.1:9 # nothing listens: the search page answers from PostgreSQL
	search="PostgreSQL fallback (no MEILI_BIN)"
	if [ -n "${MEILI_BIN:-}" ] && [ "${BENCH_SCALE_SEARCH:-}" != fallback ]; then
		"$MEILI_BIN" --http-addr "127.0.0.1:$MPORT" --db-path "$out/meili-$n" --master-key bench-scale-master-key-0123456789 \
			--no-analytics >"$tmp/meili.log" 2>&1 &
		pids+=($!)
		meili_url=http://127.0.0.1:$MPORT
		search="private Meilisearch"
		for _ in $(seq 100); do curl -fs "$meili_url/health" >/dev/null && break; sleep 0.2; done
		alive "${pids[-1]}" meilisearch "$tmp/meili.log"
		# An index kept from an earlier run of this size is reused while
		# it holds at least n penalties (indexing 5M takes half an hour).
		docs=$(curl -fs -H "Authorization: Bearer bench-scale-master-key-0123456789" "$meili_url/indexes/penalties/stats" |
			sed -n 's/.*"numberOfDocuments":\([0-9]*\).*/\1/p')
		if [ "${docs:-0}" -ge "$n" ]; then
			echo "bench-scale: the private Meilisearch of $n already holds $docs penalties; reused"
		else
			echo "bench-scale: indexing $n penalties into the private Meilisearch (can take minutes)"
			DATABASE_URL=$url MEILI_URL=$meili_url MEILI_MASTER_KEY=bench-scale-master-key-0123456789 \
				"$PORTAL" index --rebuild | tail -1
		fi
	fi
	mkdir -p "$out/snapshots-$n"
	DATABASE_URL=$url REDIS_URL=redis://127.0.0.1:$RPORT/0 MEILI_URL=$meili_url \
		MEILI_MASTER_KEY=$([ "$search" = "private Meilisearch" ] && echo bench-scale-master-key-0123456789) \
		PORTAL_ADDR=127.0.0.1:$PORT PORTAL_RATE_IP=100000000 PORTAL_RATE_KEY=100000000 PORTAL_LOG_LEVEL=error \
		PORTAL_SNAPSHOT_DIR=$out/snapshots-$n "$PORTAL" serve --no-indexer >"$tmp/portal.log" 2>&1 &
	portal=$!
	pids+=("$portal")
	for _ in $(seq 150); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
	alive "$portal" "portal serve" "$tmp/portal.log"
	# The portal takes the day's dataset snapshots after it starts (minutes
	# of CPU at 1M rows); they are kept per size, so a later run the same
	# day measures at once.
	day=$(TZ=Asia/Shanghai date +%F)
	waited=0
	while [ "$waited" -lt "${BENCH_SNAPSHOT_WAIT:-900}" ]; do
		done_=0
		for d in penalties permits powers; do
			curl -fs "http://127.0.0.1:$PORT/api/v1/datasets/$d/snapshots" | grep -q "\"$day\"" && done_=$((done_ + 1))
		done
		[ "$done_" -ge 3 ] && break
		[ "$waited" -eq 0 ] && echo "bench-scale: waiting for the day's dataset snapshots to be taken first"
		alive "$portal" "portal serve" "$tmp/portal.log"
		sleep 5
		waited=$((waited + 5))
	done
	[ "$waited" -lt "${BENCH_SNAPSHOT_WAIT:-900}" ] || echo "bench-scale: warning: measuring while snapshots are still being taken"
	redis-cli -p "$RPORT" FLUSHALL >/dev/null
	echo "bench-scale: $n penalties, search page: $search; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	# Without Meilisearch the search page answers from PostgreSQL, reading
	# every record by design of that degraded mode: it is left out.
	"$out/benchscale" measure -base "http://127.0.0.1:$PORT" -key "$key" -size "$n" -runs "$RUNS" -load "$LOAD" \
		-phases "${BENCH_SCALE_PHASES:-reads,load}" -search="$([ "$search" = "private Meilisearch" ] && echo true || echo false)" \
		-max "$MAX" -out "$out/result-$n.tsv"
	results+=("$out/result-$n.tsv")
	cleanup
	rm -rf "$tmp"
done
echo
echo "bench-scale: $(date -u +%FT%TZ), sizes $SIZES, $RUNS requests per read; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$out/benchscale" report "${results[@]}" | tee "$out/report.txt"
