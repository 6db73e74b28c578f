#!/usr/bin/env bash
# Requests/s of MCP `tools/list` on one core, measured with wrk, with `GET /healthz` on the same
# server in the same run as the baseline (the ratio is what to compare across machines).
#
#   bench/tools-list.sh [DURATION_SECONDS=10] [CONNECTIONS=32]
#   BODY='{"jsonrpc":"2.0","id":1,"method":"ping"}' bench/tools-list.sh   # another request
#
# Builds the release binary, starts `mcplatform serve` pinned to CPU 0 on a throwaway SQLite
# database, and runs wrk (apt-get install -y wrk) pinned to CPU 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-32}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

swift build -c release --product mcplatform >&2
BIN=$(swift build -c release --show-bin-path)/mcplatform
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT

"$BIN" org create bench --data-dir "$DATA" >/dev/null
"$BIN" server create bench --org bench --data-dir "$DATA" >/dev/null
taskset -c 0 "$BIN" serve --port "$PORT" --data-dir "$DATA" --log-level error &
SERVER=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

URL=http://127.0.0.1:$PORT/mcp/bench
SESSION=$(curl -fsi "$URL" -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' |
    tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
SCRIPT=$(mktemp --suffix=.lua)
cat >"$SCRIPT" <<LUA
wrk.method = "POST"
wrk.body = os.getenv("BODY") or '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = "$SESSION"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
LUA

run() { # run NAME WRK_ARGS… → prints "NAME requests/s p50 p99"
    local name=$1; shift
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" | awk -v name="$name" '
        /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {errors=$NF}
        END {printf "%-12s %10.0f req/s   p50 %-8s p99 %-8s non-2xx %s\n", name, rps, p50, p99, (errors==""?0:errors)}'
}
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s -s "$SCRIPT" "$URL" >/dev/null   # warm-up
echo "server on 1 core (taskset -c 0), wrk on another, $CONNECTIONS connections, ${DURATION}s each"
BASE=$(run healthz "http://127.0.0.1:$PORT/healthz")
LIST=$(run tools/list -s "$SCRIPT" "$URL")
echo "$BASE"
echo "$LIST"
awk -v a="$(echo "$LIST" | awk '{print $2}')" -v b="$(echo "$BASE" | awk '{print $2}')" \
    'BEGIN {printf "tools/list / healthz = %.2f\n", a / b}'
rm -f "$SCRIPT"
