#!/usr/bin/env bash
# What the shared request limits cost: MCP `tools/list` requests/s, p50 and p99 on a server
# without limits vs one with both limits (per client and per server) set so high that nothing
# is refused, so each request pays the two token-bucket round trips to the database and
# nothing else changes. Rounds alternate between the two servers within one run; the ratio is
# the number to compare across machines.
#
#   bench/rate-limit.sh [--duration 10] [--rounds 3] [--connections 32] [--database URL]
#
# One legacy session per server, shared by wrk's connections: every request of a run takes
# from the same two bucket rows (the worst case for row contention on PostgreSQL).
# wrk (apt-get install -y wrk) on CPU 1, `mcplatform serve` on CPU 0 (bench/lib.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=10 ROUNDS=3 CONNECTIONS=32 DATABASE=
while [[ $# -gt 0 ]]; do
    case $1 in
        --duration) DURATION=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --connections) CONNECTIONS=$2; shift ;;
        --database) DATABASE=$2; shift ;;
        *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
    shift
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
bench_setup --no-corpus

bench_database rate
"$BIN" migrate "${DB_ARGS[@]}" >/dev/null
"$BIN" org create bench "${DB_ARGS[@]}" >/dev/null
"$BIN" server create free --org bench "${DB_ARGS[@]}" >/dev/null
"$BIN" server create limited --org bench "${DB_ARGS[@]}" >/dev/null
SETTINGS="UPDATE mcp_servers SET settings = '{\"clientRequestsPerMinute\":100000000,\"serverRequestsPerMinute\":100000000}' WHERE slug = 'limited'"
if [[ -n $DATABASE ]]; then psql -X -q "$DB" -c "$SETTINGS"; else sqlite3 "$DB" "$SETTINGS"; fi

start_server "${DB_ARGS[@]}"
BASE=http://127.0.0.1:$PORT/mcp

script_for() { # script_for SLUG → a wrk Lua script with a fresh session of that server
    local session script=$WORK/$1.lua
    session=$(curl -fsi "$BASE/$1" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' |
        tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
    cat >"$script" <<LUA
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = "$session"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
LUA
    echo "$script"
}
FREE=$(script_for free)
LIMITED=$(script_for limited)

measure() { # measure SLUG SCRIPT → "requests/s p50 p99 non-2xx"
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" "$BASE/$1" | awk '
        /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {errors=$NF}
        END {printf "%.0f %s %s %s\n", rps, p50, p99, (errors==""?0:errors)}'
}
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s -s "$FREE" "$BASE/free" >/dev/null
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s -s "$LIMITED" "$BASE/limited" >/dev/null

echo "backend: $([[ -n $DATABASE ]] && echo PostgreSQL || echo SQLite); $CONNECTIONS connections, ${DURATION}s per run, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| round | no limit req/s | p50 | p99 | both limits req/s | p50 | p99 | non-2xx | ratio |\n|---|---|---|---|---|---|---|---|---|\n'
SUM_FREE=0 SUM_LIMITED=0
for round in $(seq "$ROUNDS"); do
    read -r f_rps f_p50 f_p99 f_err < <(measure free "$FREE")
    read -r l_rps l_p50 l_p99 l_err < <(measure limited "$LIMITED")
    SUM_FREE=$((SUM_FREE + f_rps)) SUM_LIMITED=$((SUM_LIMITED + l_rps))
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$round" "$f_rps" "$f_p50" "$f_p99" "$l_rps" "$l_p50" "$l_p99" \
        "$((f_err + l_err))" "$(awk -v a="$l_rps" -v b="$f_rps" 'BEGIN {printf "%.2f", a / b}')"
done
awk -v a="$SUM_LIMITED" -v b="$SUM_FREE" 'BEGIN {printf "both limits / no limit, all rounds: %.2f of the requests/s\n", a / b}'
