#!/usr/bin/env bash
# Load: many concurrent MCP sessions across many tenants, mixed traffic (search_docs, read_page,
# walkthrough steps, support tickets, tools/list) for a fixed time against several
# `mcplatform serve` instances on one PostgreSQL database: errors per call kind (the goal is 0),
# p50/p99/max latency, and each instance's RSS, open fds and PostgreSQL backends every 30 s with a
# "memory flat" verdict. Exits non-zero when any request failed. See README.md.
#
#   bench/load.sh [--duration 600] [--sessions 1000] [--tenants 100] [--instances 2]
#                 [--think 3,12] [--database URL]
#
# Without --database, a throwaway cluster (scripts/start-postgres) is started and stopped on exit;
# with it, a database bench_load_<pid> on that cluster, dropped on exit. Set-up (organizations of
# 10 servers each, a disjoint slice of the Django docs and one published walkthrough per server)
# is timed apart from the load. The instances run on both CPUs, as does the client
# (bench/load.py), which sends each session's requests to the instances in turn.
# Uses $MCPLATFORM_BIN or .build/release/mcplatform (copied first; never builds).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=600 SESSIONS=1000 TENANTS=100 INSTANCES=2 THINK=3,12 DATABASE=
SERVERS_PER_ORG=10 PAGES_PER_TENANT=10 ADMIN_TOKEN=bench-load-admin-token-0123456789abcdef
while [[ $# -gt 0 ]]; do
    case $1 in
        --duration) DURATION=$2; shift ;;
        --sessions) SESSIONS=$2; shift ;;
        --tenants) TENANTS=$2; shift ;;
        --instances) INSTANCES=$2; shift ;;
        --think) THINK=$2; shift ;;
        --database) DATABASE=$2; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
command -v psql >/dev/null || { echo "psql is missing: apt-get install -y postgresql-15" >&2; exit 1; }

SETUP_STARTED=$(date +%s.%N)
bench_setup
OWN_CLUSTER=
if [[ -z $DATABASE ]]; then
    DATABASE=$("$REPO/scripts/start-postgres")
    OWN_CLUSTER=1
fi
bench_database load
on_exit() {
    pg_drop_db "$DATABASE" "$DB_NAME"
    [[ -z $OWN_CLUSTER ]] || "$REPO/scripts/stop-postgres" "$DATABASE" >/dev/null 2>&1
}
"$BIN" migrate "${DB_ARGS[@]}" >/dev/null

# A disjoint slice of the Django docs per tenant: page k of the sorted corpus goes to tenant k mod N.
copy_corpus "$WORK/corpus"
TENANT_SLUGS=()
for ((i = 1; i <= TENANTS; i++)); do TENANT_SLUGS+=("$(printf 't%03d' "$i")"); done
(cd "$WORK/corpus" && find . -name '*.html' | sort) | awk -v n="$TENANTS" -v most="$PAGES_PER_TENANT" '
    { tenant = (NR - 1) % n; if (count[tenant]++ < most) printf "t%03d %s\n", tenant + 1, $0 }' |
    while read -r slug page; do
        mkdir -p "$WORK/tenants/$slug/$(dirname "$page")"
        cp "$WORK/corpus/$page" "$WORK/tenants/$slug/$page"
    done
[[ -d $WORK/tenants/${TENANT_SLUGS[-1]} ]] || { echo "too many tenants for the corpus's pages" >&2; exit 1; }

# Organizations of SERVERS_PER_ORG servers each (below the default --max-servers-per-org of 20,
# as an operator with many customers has them: one organization per customer, a few servers each).
for ((org = 1; org <= (TENANTS + SERVERS_PER_ORG - 1) / SERVERS_PER_ORG; org++)); do
    "$BIN" org create "$(printf 'org%02d' "$org")" "${DB_ARGS[@]}" >/dev/null
done
setup_tenant() { # setup_tenant INDEX
    local slug=${TENANT_SLUGS[$1]} org
    org=$(printf 'org%02d' $(($1 / SERVERS_PER_ORG + 1)))
    "$BIN" server create "$slug" --org "$org" "${DB_ARGS[@]}" >/dev/null
    "$BIN" ingest "$slug" "$WORK/tenants/$slug" "${DB_ARGS[@]}" >"$WORK/ingest-$slug.log" 2>&1 ||
        { cat "$WORK/ingest-$slug.log" >&2; return 1; }
}
PIDS=()
for ((i = 0; i < TENANTS; i++)); do
    setup_tenant "$i" &
    PIDS+=($!)
    if ((${#PIDS[@]} == 4)); then for pid in "${PIDS[@]}"; do wait "$pid"; done; PIDS=(); fi
done
for pid in "${PIDS[@]}"; do wait "$pid"; done

SERVER_CPUS=0,1
PORTS=() INSTANCE_PIDS=()
for ((i = 0; i < INSTANCES; i++)); do
    start_server "${DB_ARGS[@]}" --admin-token "$ADMIN_TOKEN"
    PORTS+=("$PORT") INSTANCE_PIDS+=("$SERVER_PID")
done

# One published walkthrough per tenant, through the admin API (import, then publish).
API=http://127.0.0.1:${PORTS[0]}/api/v1
for slug in "${TENANT_SLUGS[@]}"; do
    cat >"$WORK/walkthrough.json" <<JSON
{"format_version": 1, "slug": "get-started", "title": "Get started with $slug", "type": "quickstart",
 "description": "Install the CLI, sign in and make a first call.", "estimated_minutes": 5,
 "steps": [
  {"title": "Install the CLI", "introduction": "", "context": "", "operations": "Run \`pip install $slug\`.", "content": "", "check": "\`$slug --version\` prints 1.x."},
  {"title": "Sign in", "introduction": "", "context": "", "operations": "", "content": "Run **$slug login**.", "check": ""},
  {"title": "First call", "introduction": "", "context": "", "operations": "Run \`$slug ping\`.", "content": "", "check": "It prints pong."}]}
JSON
    curl -fsS -o /dev/null "$API/servers/$slug/walkthroughs" -H "Authorization: Bearer $ADMIN_TOKEN" \
        -H 'content-type: application/json' --data-binary @"$WORK/walkthrough.json"
    curl -fsS -o /dev/null -X POST "$API/servers/$slug/walkthroughs/get-started/publish" -H "Authorization: Bearer $ADMIN_TOKEN"
done
PAGES=$(psql -X -qAt "$DB" -c "SELECT count(*) FROM doc_pages")
echo "set-up: $TENANTS tenants in $(( (TENANTS + SERVERS_PER_ORG - 1) / SERVERS_PER_ORG )) organizations, $PAGES pages," \
    "a published walkthrough each, $INSTANCES instances (ports ${PORTS[*]}) on PostgreSQL:" \
    "$(awk -v a="$SETUP_STARTED" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"

URLS=() ; for port in "${PORTS[@]}"; do URLS+=("http://127.0.0.1:$port"); done
run "$PY" "$BENCH/load.py" --urls "$(IFS=,; echo "${URLS[*]}")" --pids "$(IFS=,; echo "${INSTANCE_PIDS[*]}")" \
    --tenants "$(IFS=,; echo "${TENANT_SLUGS[*]}")" --database "$DB" --queries "$WORK/faq.json" \
    --duration "$DURATION" --sessions "$SESSIONS" --think "$THINK"
