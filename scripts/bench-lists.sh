#!/usr/bin/env bash
# List benchmarks: p50/p95 of every list shape of /api/v1/penalties and
# /api/v1/permits (each filter under the default order, each order
# unfiltered, the change lists with tombstones), read through the store as
# the API reads them (page and total), at the first page and 100 pages of
# 20 deep, with the plan check of every shape on the same set.
#
#   BENCH_DATABASE_URL  a loaded database (e.g. portal demo --all-public
#                       --penalties 1000000), migrated; read only
#   BENCH_RUNS          reads per figure (default 50)
#   BENCH_LISTS_SKIP    "plans" skips the plan check
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a loaded database}"
: "${DATABASE_URL:?the store tests need DATABASE_URL (scripts/services.sh writes it to .data/env)}"
export GONGSHI_LIST_DB=$BENCH_DATABASE_URL GONGSHI_BENCH_RUNS=${BENCH_RUNS:-50}
go test -count=1 -timeout 60m -run '^TestListLatencies$' -v ./internal/store/ | grep -vE '^(ok|=== RUN|--- PASS|PASS)'
if [[ " ${BENCH_LISTS_SKIP:-} " != *" plans "* ]]; then
	go test -count=1 -timeout 60m -run '^TestListPlans$' -v ./internal/store/ | grep -E 'shapes|sequential scan|^(ok|FAIL|---)' || true
fi
