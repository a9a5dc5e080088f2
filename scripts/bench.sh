#!/usr/bin/env bash
# make bench: prepares a benchmark database with 1,000,000 demo penalties
# (once), then runs every scripts/bench-*.sh. Each prints lines of the form
#   BENCH <name>: <figure> | baseline <figure> | ratio <r> (target <t>) <ok|MISSED>
# and the collected lines are written to .data/bench-results.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
: "${DATABASE_URL:?run through make bench (it sources .data/env)}"
command -v wrk >/dev/null || { [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
command -v wrk >/dev/null || { echo "bench: wrk is required (apt-get install wrk)"; exit 1; }

go build -o bin/portal ./cmd/portal
go build -o bin/flowchart ./cmd/flowchart
go build -o bin/baregin ./scripts/baregin

BENCH_PENALTIES=${BENCH_PENALTIES:-1000000}
base=${DATABASE_URL%%\?*}
query=""
[[ "$DATABASE_URL" == *\?* ]] && query="?${DATABASE_URL#*\?}"
export BENCH_DATABASE_URL="${base%/*}/gongshi_bench${query}"
psql "$DATABASE_URL" -qAtc "SELECT 1 FROM pg_database WHERE datname = 'gongshi_bench'" | grep -q 1 ||
	psql "$DATABASE_URL" -qc "CREATE DATABASE gongshi_bench"
DATABASE_URL=$BENCH_DATABASE_URL bin/portal migrate up >/dev/null
# Every benchmark row is public (demo --all-public), so the exports, the
# feed and the search rebuild all cover the full million. The data set is
# reloaded once its oldest decisions leave their publicity period.
have=$(psql "$BENCH_DATABASE_URL" -qAtc "SELECT count(*) FROM penalties
	WHERE status = 'published' AND publicity_until >= (now() AT TIME ZONE 'Asia/Shanghai')::date")
total=$(psql "$BENCH_DATABASE_URL" -qAtc "SELECT count(*) FROM penalties")
if [ "$have" -lt "$BENCH_PENALTIES" ] || [ "$total" -ne "$have" ]; then
	echo "bench: loading $BENCH_PENALTIES public demo penalties into gongshi_bench"
	psql "$BENCH_DATABASE_URL" -qc "TRUNCATE penalties, permits, changes, audit_log, list_versions, agencies RESTART IDENTITY CASCADE"
	start=$(date +%s.%N)
	DATABASE_URL=$BENCH_DATABASE_URL bin/portal demo --all-public --penalties "$BENCH_PENALTIES" --permits 10000
	end=$(date +%s.%N)
	awk -v n="$BENCH_PENALTIES" -v s="$start" -v e="$end" \
		'BEGIN { printf "BENCH demo load: %.0f rows/s (%d penalties in %.1f s) | target >= 50000 rows/s %s\n", n/(e-s), n, e-s, (n/(e-s) >= 50000 ? "ok" : "MISSED") }' |
		tee "$ROOT/.data/bench-load.txt"
	# Settle the new rows (hint bits, statistics) before anything is timed
	# against them, as autovacuum would soon after a real load.
	psql "$BENCH_DATABASE_URL" -qc "VACUUM (FREEZE, ANALYZE)"
fi

results="$ROOT/.data/bench-results.txt"
: >"$results"
[ -f "$ROOT/.data/bench-load.txt" ] && cat "$ROOT/.data/bench-load.txt" >>"$results"
for b in scripts/bench-*.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	bash "$b" | tee -a "$results"
done
echo
echo "== results (also in .data/bench-results.txt)"
grep '^BENCH' "$results" || echo "no figures"
