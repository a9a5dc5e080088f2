#!/usr/bin/env bash
# Benchmarks of the open-data exports and the credit-center feed (issue 4),
# each a ratio against a baseline measured in the same run:
#
#   csv   GET /api/v1/datasets/penalties/download?format=csv of the public penalties
#         <= 1.5 x psql "\copy (<the export's query>) to stdout csv" of the same rows,
#         and the server's peak RSS <= 64 MiB (printed beside the RSS of the same
#         server idle, before the first request: what the process costs without
#         any export);
#   feed  pulling every penalty change from /api/v1/feeds/penalties in pages of 5,000
#         <= 1.5 x that COPY time.
#
# scripts/bench.sh runs it with BENCH_DATABASE_URL (1,000,000 demo penalties).
# Alone, it loads BENCH_ROWS (1000000) penalties into gongshi_bench_export once.
# Prints "BENCH <name>: <figure> | baseline <figure> | ratio <r> (target <t>) <ok|MISSED>".
# Needs DATABASE_URL, psql, curl, /usr/bin/time and go. BENCH_RUNS (3): the median counts.
#
# The server under test is the real handler — server.New with the store,
# the public read path and the credit feed, as `portal serve` wires them —
# run from the server package's test binary (TestBenchServe, rate limits
# lifted) under /usr/bin/time -v for its peak RSS.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA="$ROOT/.data/bench-export"
RUNS=${BENCH_RUNS:-3}

log() { printf '[bench-export] %s\n' "$*" >&2; }
die() { printf '[bench-export] ERROR: %s\n' "$*" >&2; exit 1; }

for c in psql curl go awk pgrep; do command -v "$c" >/dev/null || die "$c is required"; done
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is required: apt-get install time"
: "${DATABASE_URL:?set DATABASE_URL (make bench sources .data/env)}"

mkdir -p "$DATA"
log "building the harness (the server package's test binary)"
(cd "$ROOT" && go test -c -o "$DATA/server.test" ./server)
harness() { "$DATA/server.test" -test.count 1 -test.run "^$1\$" -test.timeout 0; }

if [ -n "${BENCH_DATABASE_URL:-}" ]; then
	BENCH_DB=$BENCH_DATABASE_URL
else
	base=${DATABASE_URL%%\?*}
	query=""
	[[ "$DATABASE_URL" == *\?* ]] && query="?${DATABASE_URL#*\?}"
	BENCH_DB="${base%/*}/gongshi_bench_export${query}"
	psql -X "$DATABASE_URL" -qAtc "SELECT 1 FROM pg_database WHERE datname = 'gongshi_bench_export'" | grep -q 1 ||
		psql -X "$DATABASE_URL" -qc "CREATE DATABASE gongshi_bench_export"
	log "loading ${BENCH_ROWS:-1000000} penalties into gongshi_bench_export (once)"
	GONGSHI_BENCH_DB=$BENCH_DB GONGSHI_BENCH_ROWS=${BENCH_ROWS:-1000000} harness TestBenchLoad >/dev/null
fi
GONGSHI_BENCH_DB=$BENCH_DB GONGSHI_BENCH_KEYFILE="$DATA/feed.key" harness TestBenchKey >/dev/null

public=$(psql -X -qAt "$BENCH_DB" -c "SELECT count(*) FROM penalties WHERE status = 'published'
	AND publicity_until >= (now() AT TIME ZONE 'Asia/Shanghai')::date")
changes=$(psql -X -qAt "$BENCH_DB" -c "SELECT count(*) FROM changes WHERE entity = 'penalty'")
log "$public public penalties, $changes penalty change-log entries"

# now: seconds since the epoch with nanoseconds.
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# The baseline reads exactly what the export reads: the same columns, joins,
# filter and order (internal/store/export.go: penaltyExportColumns).
COPY_SQL="SELECT p.decision_no, p.party_name, p.party_kind, p.credit_code, p.business_reg_no, p.org_code,
	p.tax_reg_no, p.institution_no, p.social_org_no, p.legal_rep, p.legal_rep_id_type, p.legal_rep_id_no, p.id_type,
	p.id_no, p.violation_type, p.facts, p.basis, p.categories, p.content, (p.fine_yuan * 100)::bigint,
	(p.confiscated_yuan * 100)::bigint, p.licence_affected, p.decision_date, p.valid_until, p.publicity_until,
	a.name, a.credit_code, p.source_name, p.source_code, p.remarks, coalesce(p.stage::text, ''), p.publicity_class
	FROM penalties p JOIN agencies a ON a.id = p.agency_id
	WHERE p.status = 'published' AND p.publicity_until >= (now() AT TIME ZONE 'Asia/Shanghai')::date
	ORDER BY p.id"
COPY_SQL=$(printf '%s' "$COPY_SQL" | tr '\n\t' '  ')

# elapsed CMD...: runs CMD, prints its wall time in seconds.
elapsed() {
	local t0
	t0=$(now)
	"$@" >/dev/null
	awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b-a}'
}
copy_run() { psql -X -q "$BENCH_DB" -c "\\copy ($COPY_SQL) to stdout csv" >/dev/null; }

port=$(awk 'BEGIN {srand(); print 20000 + int(rand() * 20000)}')
URL="http://127.0.0.1:$port"
log "starting the server on $URL"
GONGSHI_BENCH_DB=$BENCH_DB GONGSHI_BENCH_ADDR="127.0.0.1:$port" \
	/usr/bin/time -v -o "$DATA/server.time" "$DATA/server.test" -test.run '^TestBenchServe$' -test.count 1 -test.timeout 0 \
	>"$DATA/server.log" 2>&1 &
time_pid=$!
stop_server() {
	local child
	child=$(pgrep -P "$time_pid" 2>/dev/null || true)
	[ -n "$child" ] && kill -INT "$child" 2>/dev/null || true
	wait "$time_pid" 2>/dev/null || true
}
trap stop_server EXIT
for _ in $(seq 100); do
	curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null && break
	sleep 0.2
done
curl -fsS -o /dev/null "$URL/healthz" || { cat "$DATA/server.log" >&2; die "the server did not start"; }
IDLE_KB=$(awk '/^VmHWM/ {print $2}' "/proc/$(pgrep -P "$time_pid")/status" 2>/dev/null || echo 0)

csv_run() {
	local out
	out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' "$URL/api/v1/datasets/penalties/download?format=csv")
	[ "${out%% *}" = 200 ] || die "download answered $out"
}
feed_run() {
	local line entries
	line=$(GONGSHI_BENCH_URL=$URL GONGSHI_BENCH_KEYFILE="$DATA/feed.key" harness TestBenchFeedPull | grep '^feed_entries=')
	entries=$(printf '%s' "$line" | sed -E 's/.*feed_entries=([0-9]+).*/\1/')
	[ "$entries" = "$changes" ] || die "the feed delivered $entries entries, the change log holds $changes"
}

# Each run measures the baseline right before what it is compared with, so
# a machine whose load drifts affects both alike; the median ratio counts.
csv_ratios=() feed_ratios=() copy_times=() csv_times=() feed_times=()
for i in $(seq "$RUNS"); do
	c1=$(elapsed copy_run)
	d=$(elapsed csv_run)
	c2=$(elapsed copy_run)
	f=$(elapsed feed_run)
	copy_times+=("$c1" "$c2") csv_times+=("$d") feed_times+=("$f")
	csv_ratios+=("$(awk -v a="$d" -v b="$c1" 'BEGIN {printf "%.2f", a/b}')")
	feed_ratios+=("$(awk -v a="$f" -v b="$c2" 'BEGIN {printf "%.2f", a/b}')")
	log "run $i: copy $c1 s, csv $d s (x${csv_ratios[-1]}); copy $c2 s, feed $f s (x${feed_ratios[-1]})"
done
COPY_S=$(printf '%s\n' "${copy_times[@]}" | median)
CSV_S=$(printf '%s\n' "${csv_times[@]}" | median)
FEED_S=$(printf '%s\n' "${feed_times[@]}" | median)
csv_ratio=$(printf '%s\n' "${csv_ratios[@]}" | median)
feed_ratio=$(printf '%s\n' "${feed_ratios[@]}" | median)

# The peak of the server process itself (VmHWM): /usr/bin/time's maximum
# counts its children too, and the test binary builds the flowchart
# command (go build) as it starts.
RSS_KB=$(awk '/^VmHWM/ {print $2}' "/proc/$(pgrep -P "$time_pid")/status")
stop_server
trap - EXIT

# bench NAME FIGURE BASELINE RATIO TARGET: one result line; MISSED when
# RATIO > TARGET (reported, not fatal: scripts/bench.sh runs every bench).
bench() {
	local v=ok
	awk -v r="$4" -v t="$5" 'BEGIN {exit !(r <= t)}' || v=MISSED
	printf 'BENCH %s: %s | baseline %s | ratio %s (target <= %s) %s\n' "$1" "$2" "$3" "$4" "$5" "$v"
}
rss_ratio=$(awk -v k="$RSS_KB" 'BEGIN {printf "%.2f", k/(64*1024)}')
rss_mib=$(awk -v k="$RSS_KB" 'BEGIN {printf "%.1f", k/1024}')
idle_mib=$(awk -v k="$IDLE_KB" 'BEGIN {printf "%.1f", k/1024}')
bench "csv download of $public penalties" "${CSV_S} s" "psql \\copy ${COPY_S} s" "$csv_ratio" 1.5
bench "feed pull of $changes changes (pages of 5000)" "${FEED_S} s" "psql \\copy ${COPY_S} s" "$feed_ratio" 1.5
bench "export server peak RSS (idle ${idle_mib} MiB)" "${rss_mib} MiB" "64 MiB" "$rss_ratio" 1
