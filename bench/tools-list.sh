#!/usr/bin/env bash
# Requests/s of the MCP request path on one core, measured with wrk, with `GET /healthz` on the
# same server in the same run as the baseline (the ratio is what to compare across machines):
# `tools/list` and a trivial `tools/call` (`about`), each in a legacy session (Mcp-Session-Id)
# and stateless (2026-07-28: MCP-Protocol-Version, Mcp-Method, Mcp-Name headers, `_meta`).
#
#   bench/tools-list.sh [DURATION_SECONDS=10] [CONNECTIONS=32]
#   BODY='{"jsonrpc":"2.0","id":1,"method":"ping"}' bench/tools-list.sh   # another request (session)
#   BIN=/path/to/old/mcplatform bench/tools-list.sh                      # a given binary, no build
#
# Builds the release binary (unless BIN is set), starts `mcplatform serve` pinned to CPU 0 on a
# throwaway SQLite database, and runs wrk (apt-get install -y wrk) pinned to CPU 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-32}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

if [ -z "${BIN:-}" ]; then
    swift build -c release --product mcplatform >&2
    BIN=$(swift build -c release --show-bin-path)/mcplatform
fi
DATA=$(mktemp -d)
SCRIPTS=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA" "$SCRIPTS"' EXIT

"$BIN" org create bench --data-dir "$DATA" >/dev/null
"$BIN" server create bench --org bench --data-dir "$DATA" >/dev/null
taskset -c 0 "$BIN" serve --port "$PORT" --data-dir "$DATA" --log-level error &
SERVER=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

URL=http://127.0.0.1:$PORT/mcp/bench
SESSION=$(curl -fsi "$URL" -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' |
    tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"1"}}'

script() { # script FILE BODY [HEADER=VALUE…] → a wrk Lua script POSTing BODY with the headers
    local file=$SCRIPTS/$1 body=$2; shift 2
    {
        echo 'wrk.method = "POST"'
        echo "wrk.body = '$body'"
        echo 'wrk.headers["Content-Type"] = "application/json"'
        echo 'wrk.headers["Accept"] = "application/json, text/event-stream"'
        for header in "$@"; do echo "wrk.headers[\"${header%%=*}\"] = \"${header#*=}\""; done
    } >"$file"
    echo "$file"
}
LEGACY=("Mcp-Session-Id=$SESSION" "MCP-Protocol-Version=2025-11-25")
LIST_BODY='{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
LIST=$(script list.lua "${BODY:-$LIST_BODY}" "${LEGACY[@]}")
ABOUT=$(script about.lua '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"about","arguments":{}}}' "${LEGACY[@]}")
MODERN_LIST=$(script modern-list.lua "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{$META}}" \
    MCP-Protocol-Version=2026-07-28 Mcp-Method=tools/list)
MODERN_ABOUT=$(script modern-about.lua "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"about\",\"arguments\":{},$META}}" \
    MCP-Protocol-Version=2026-07-28 Mcp-Method=tools/call Mcp-Name=about)

run() { # run NAME WRK_ARGS… → prints "NAME requests/s p50 p99 non-2xx"
    local name=$1; shift
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" | awk -v name="$name" '
        /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {errors=$NF}
        END {printf "%-22s %10.0f req/s   p50 %-8s p99 %-8s non-2xx %s\n", name, rps, p50, p99, (errors==""?0:errors)}'
}
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s -s "$LIST" "$URL" >/dev/null   # warm-up
echo "server on 1 core (taskset -c 0), wrk on another, $CONNECTIONS connections, ${DURATION}s each"
BASE=$(run healthz "http://127.0.0.1:$PORT/healthz")
echo "$BASE"
for row in "tools/list:$LIST" "tools/list 2026-07-28:$MODERN_LIST" "about:$ABOUT" "about 2026-07-28:$MODERN_ABOUT"; do
    LINE=$(run "${row%%:*}" -s "${row#*:}" "$URL")
    echo "$LINE"
    awk -v name="${row%%:*}" -v a="$(echo "$LINE" | awk '{print $(NF-7)}')" -v b="$(echo "$BASE" | awk '{print $2}')" \
        'BEGIN {printf "  %s / healthz = %.2f\n", name, a / b}'
done
