#!/usr/bin/env bash
# Do MCP sessions leak? 10,000 sessions per round (bench/sessions-leak.py: initialize,
# tools/list, search_docs; half DELETEd, half abandoned; half with SSE answers), then the
# server's RSS, open fds, established TCP connections to its port and mcp_sessions rows,
# before, during, after each round and after an idle wait. See README.md.
#
#   bench/sessions-leak.sh [--sessions 10000] [--rounds 2] [--concurrency 32] [--idle 30] [--database postgres://…]
#
# A fresh SQLite data dir (or, with --database, a fresh database on that cluster), one server
# with one small documentation page, `mcplatform serve` pinned to CPU 0 and the client to CPU 1.
# Uses $MCPLATFORM_BIN or .build/release/mcplatform (copied first; never builds).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SESSIONS=10000 ROUNDS=2 CONCURRENCY=32 IDLE=30 DATABASE=
while [[ $# -gt 0 ]]; do
    case $1 in
        --sessions) SESSIONS=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --idle) IDLE=$2; shift ;;
        --database) DATABASE=$2; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
command -v ss >/dev/null || { echo "ss is missing: apt-get install -y iproute2" >&2; exit 1; }

bench_setup --no-corpus
bench_database sessions

mkdir -p "$WORK/docs"
printf '# Install the CLI\n\nRun `brew install acme`, then `acme --version`.\n' >"$WORK/docs/install.md"
"$BIN" org create bench "${DB_ARGS[@]}" >/dev/null
"$BIN" server create leak --org bench "${DB_ARGS[@]}" >/dev/null
"$BIN" ingest leak "$WORK/docs" "${DB_ARGS[@]}" >/dev/null
start_server "${DB_ARGS[@]}"

echo "sessions-leak: $SESSIONS sessions × $ROUNDS rounds, $CONCURRENCY at a time, on $([[ -n $DATABASE ]] && echo PostgreSQL || echo SQLite);" \
    "server on CPU 0, client on CPU 1; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run taskset -c 1 "$PY" "$BENCH/sessions-leak.py" --url "http://127.0.0.1:$PORT/mcp/leak" --pid "$SERVER_PID" --port "$PORT" \
    --database "$DB" --sessions "$SESSIONS" --rounds "$ROUNDS" --concurrency "$CONCURRENCY" --idle "$IDLE"
