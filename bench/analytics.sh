#!/usr/bin/env bash
# Analytics costs, two parts (see README.md):
#  capture — `search_docs` load on two servers over the same Django index, one recording every
#            MCP request (default), one with --analytics-capture false, taking turns
#            (analytics-load.py): req/s, p50, p99 and the ratio; the events recorded; then how
#            fast the analytics processor turns them (doubled up to --backlog) into usage sessions.
#  scale   — a synthetic history of --events MCP events for one organization with 10 servers
#            over 90 days (analytics-gen.py), daily rollups left to the server: time to roll
#            them up after start, then the analytics pages and the admin API's overview
#            (analytics-pages.py) against an empty server of the same organization.
#
#   bench/analytics.sh [--only capture|scale] [--duration 5] [--rounds 3] [--concurrency 1,16]
#                      [--backlog 200000] [--events 10000000] [--requests 20] [--database postgres://…]
#
# Servers pinned to CPU 0, load generators and the event generator to CPU 1, all on 127.0.0.1.
# Uses $MCPLATFORM_BIN or .build/release/mcplatform (copied first; never builds).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ONLY= DURATION=5 ROUNDS=3 CONCURRENCY=1,16 EVENTS=10000000 REQUESTS=20 BACKLOG=200000 DATABASE=
PAGES="analytics?days=30,analytics?days=90" API_PAGES="analytics?days=30,analytics?days=90" GLOBAL_PAGES="/operator/analytics?days=30"
while [[ $# -gt 0 ]]; do
    case $1 in
        --only) ONLY=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --events) EVENTS=$2; shift ;;
        --requests) REQUESTS=$2; shift ;;
        --backlog) BACKLOG=$2; shift ;;
        --database) DATABASE=$2; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

bench_setup
BACKEND=$([[ -n $DATABASE ]] && echo PostgreSQL || echo SQLite)
PG_DATABASES=()
on_exit() { for name in "${PG_DATABASES[@]}"; do pg_drop_db "$DATABASE" "$name"; done; }
PASSWORD=bench-password-$$ ADMIN_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')

# db_args NAME: the storage flags of a fresh database NAME (a data dir, plus a database on the cluster).
db_args() {
    mkdir -p "$WORK/$1"
    DB_ARGS=(--data-dir "$WORK/$1")
    if [[ -n $DATABASE ]]; then
        PG_DATABASES+=("bench_${1}_$$")
        DB_ARGS+=(--database "$(pg_create_db "$DATABASE" "bench_${1}_$$")")
    fi
}

# sql NAME QUERY: runs QUERY on database NAME, prints the rows.
sql() {
    if [[ -n $DATABASE ]]; then
        psql -X -q -A -t -v ON_ERROR_STOP=1 "${DATABASE%/*}/bench_${1}_$$" -c "$2"
    else
        sqlite3 -cmd ".timeout 10000" "$WORK/$1/mcplatform.sqlite" "$2"
    fi
}

db_size_mb() {
    if [[ -n $DATABASE ]]; then
        echo "$(($(sql "$1" "SELECT pg_database_size(current_database())") / 1000000)) MB (pg_database_size)"
    else
        echo "$(($(du -sb "$WORK/$1" | cut -f1) / 1000000)) MB (du -sb of the data dir)"
    fi
}

now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# wait_for NAME QUERY VALUE [TIMEOUT]: polls QUERY every 0.1 s until it prints VALUE.
wait_for() {
    local deadline=$((SECONDS + ${4:-3600}))
    until [[ $(sql "$1" "$2" 2>/dev/null) == "$3" ]]; do
        ((SECONDS < deadline)) || { echo "timed out waiting for $2 = $3 (now $(sql "$1" "$2"))" >&2; exit 1; }
        sleep 0.1
    done
}

capture_part() {
    echo "== capture overhead: search_docs on ${BACKEND}, 526 Django pages; load average $(loadavg)"
    copy_corpus "$WORK/docs"
    db_args capture
    local capture=("${DB_ARGS[@]}")
    "$BIN" org create bench "${capture[@]}" >/dev/null
    "$BIN" server create django --org bench "${capture[@]}" >/dev/null
    run "$BIN" ingest django "$WORK/docs" --version 3.2 "${capture[@]}" 2>/dev/null >&2
    local off=(--data-dir "$WORK/nocapture")
    cp -a "$WORK/capture" "$WORK/nocapture"
    if [[ -n $DATABASE ]]; then
        PG_DATABASES+=("bench_nocapture_$$")
        psql -X -q -v ON_ERROR_STOP=1 "$DATABASE" -c "CREATE DATABASE bench_nocapture_$$ TEMPLATE bench_capture_$$" >/dev/null
        off+=(--database "${DATABASE%/*}/bench_nocapture_$$")
    fi

    start_server "${capture[@]}"
    local capture_port=$PORT capture_pid=$SERVER_PID
    start_server "${off[@]}" --analytics-capture false
    local off_port=$PORT off_pid=$SERVER_PID
    run taskset -c 1 "$PY" "$BENCH/analytics-load.py" --capture "http://127.0.0.1:$capture_port/mcp/django" "$capture_pid" \
        --no-capture "http://127.0.0.1:$off_port/mcp/django" "$off_pid" \
        --concurrency "$CONCURRENCY" --rounds "$ROUNDS" --duration "$DURATION"
    sleep 2 # the event buffer is flushed every second
    echo "mcp_events rows: capture $(sql capture "SELECT count(*) FROM mcp_events"), no capture $(sql nocapture "SELECT count(*) FROM mcp_events")" \
        "(search_docs: $(sql capture "SELECT count(*) FROM mcp_events WHERE tool = 'search_docs'")); load average $(loadavg)"
    stop_server "$off_pid"
    stop_server "$capture_pid"

    # Processing: every recorded event unprocessed again, doubled (as new participants: the
    # copies get suffixed session ids) until there are at least --backlog, then the server
    # restarted with a 1 s interval.
    sql capture "UPDATE mcp_events SET analytics_session_id = NULL, resolution = NULL, resolution_reason = NULL" >/dev/null
    local columns="server_id, session_id, participant, end_user_id, method, tool, summary, query_key, result_count, pages, outcome, error_code, latency_us, created_at"
    local rest=${columns#server_id, session_id, participant, } copy=0
    while (($(sql capture "SELECT count(*) FROM mcp_events") < BACKLOG)); do
        copy=$((copy + 1))
        sql capture "INSERT INTO mcp_events ($columns) SELECT server_id, session_id || '~$copy', participant || '~$copy', $rest
            FROM mcp_events ORDER BY id" >/dev/null
    done
    sql capture "DELETE FROM analytics_sessions" >/dev/null
    # The stopped server still holds the processing lease (60 s): free it, as its expiry would.
    sql capture "UPDATE analytics_leases SET holder = NULL, expires_at = 0" >/dev/null
    local backlog started healthy seconds
    backlog=$(sql capture "SELECT count(*) FROM mcp_events WHERE analytics_session_id IS NULL")
    started=$(now)
    start_server "${capture[@]}" --analytics-interval-seconds 1
    healthy=$(since "$started")
    wait_for capture "SELECT count(*) FROM mcp_events WHERE analytics_session_id IS NULL" 0 600
    seconds=$(since "$started")
    echo "processing: ${backlog} events into $(sql capture "SELECT count(*) FROM analytics_sessions") usage sessions in ${seconds} s" \
        "from launch (healthy after ${healthy} s; polled every 0.1 s): $(python3 -c "print(f'{$backlog / $seconds:.0f}')") events/s;" \
        "load average $(loadavg)"
    stop_server
}

scale_part() {
    echo "== analytics at ${EVENTS} events on ${BACKEND}: 1 organization, 10 servers, 90 days; load average $(loadavg)"
    db_args scale
    local scale=("${DB_ARGS[@]}") servers=()
    "$BIN" org create acme "${scale[@]}" >/dev/null
    for i in $(seq -f "%02g" 0 9); do
        "$BIN" server create "s$i" --org acme "${scale[@]}" >/dev/null
        servers+=("s$i")
    done
    "$BIN" server create empty --org acme "${scale[@]}" >/dev/null
    MCPLATFORM_USER_PASSWORD=$PASSWORD "$BIN" user create bench@example.com --name Bench --operator "${scale[@]}" >/dev/null
    local target started seconds
    if [[ -n $DATABASE ]]; then target=(--database "${DATABASE%/*}/bench_scale_$$"); else target=(--sqlite "$WORK/scale/mcplatform.sqlite"); fi
    started=$(now)
    run taskset -c 1 "$PY" "$BENCH/analytics-gen.py" "${target[@]}" --org acme --servers "$(IFS=,; echo "${servers[*]}")" \
        --events "$EVENTS" --member bench@example.com 2>/dev/null
    echo "generator: $(since "$started") s; database $(db_size_mb scale); load average $(loadavg)"

    # The days the processor rolls up: from each server's creation day to the last finished day
    # whose searches are settled (AnalyticsProcessor.rollUpDays).
    local created last_day expected healthy
    created=$(sql scale "SELECT min(created_at) FROM mcp_servers WHERE slug <> 'empty'")
    last_day=$((($(date +%s%3N) - 660000) / 86400000 - 1))
    expected=$((10 * (last_day - created / 86400000 + 1)))
    started=$(now)
    start_server "${scale[@]}" --analytics-interval-seconds 1 --admin-token "$ADMIN_TOKEN"
    healthy=$(since "$started")
    wait_for scale "SELECT count(*) FROM analytics_days" "$expected"
    seconds=$(since "$started")
    echo "rollup: ${expected} server-days in ${seconds} s from launch (healthy after ${healthy} s); load average $(loadavg)"

    local page_args=()
    for page in ${PAGES//,/ }; do page_args+=(--page "$page"); done
    for page in ${API_PAGES//,/ }; do page_args+=(--api-page "$page"); done
    for page in ${GLOBAL_PAGES//,/ }; do page_args+=(--global-page "$page"); done
    run taskset -c 1 "$PY" "$BENCH/analytics-pages.py" "http://127.0.0.1:$PORT" --email bench@example.com --password "$PASSWORD" \
        --org acme --server s00 --baseline empty --requests "$REQUESTS" --admin-token "$ADMIN_TOKEN" "${page_args[@]}"
    echo "load average $(loadavg)"
    stop_server
}

echo "analytics benchmark on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u '+%Y-%m-%d %H:%M UTC')"
[[ $ONLY == scale ]] || capture_part
[[ $ONLY == capture ]] || scale_part
