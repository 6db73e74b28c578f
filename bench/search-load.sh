#!/usr/bin/env bash
# MCP `search_docs` under concurrent load (bench/search-load.py) on the Django corpus, with
# `GET /healthz` from the same load generator as the client's own ceiling. See README.md.
#
#   bench/search-load.sh [--duration 10] [--concurrency 1,16,64] [--database postgres://…]
#
# Ingests the 526 Django pages into a fresh SQLite data dir (or, with --database, a fresh
# database created on that cluster, e.g. from scripts/start-postgres), starts `mcplatform
# serve` pinned to CPU 0 and the load generator pinned to CPU 1, all on 127.0.0.1.
# Uses $MCPLATFORM_BIN or .build/release/mcplatform (copied first; never builds).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=10 CONCURRENCY=1,16,64 DATABASE=
while [[ $# -gt 0 ]]; do
    case $1 in
        --duration) DURATION=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --database) DATABASE=$2; shift ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

bench_setup
BACKEND=$([[ -n $DATABASE ]] && echo PostgreSQL || echo SQLite)
bench_database load

copy_corpus "$WORK/docs"
"$BIN" org create bench "${DB_ARGS[@]}" >/dev/null
"$BIN" server create django --org bench "${DB_ARGS[@]}" >/dev/null
run "$BIN" ingest django "$WORK/docs" --version 3.2 "${DB_ARGS[@]}" 2>/dev/null >&2
start_server "${DB_ARGS[@]}"

echo "search_docs load: $(find "$WORK/docs" -type f | wc -l) Django pages on ${BACKEND};" \
    "server on CPU 0, load generator (Python asyncio + httpx) on CPU 1; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run taskset -c 1 "$PY" "$BENCH/search-load.py" "http://127.0.0.1:$PORT/mcp/django" \
    --duration "$DURATION" --concurrency "$CONCURRENCY" --server-pid "$SERVER_PID"
