# Shared helpers of the bench/ scripts (sourced, not run).
#
# Provides: BENCH, REPO, DOCS_ROOT, PY (bench/.venv's python, from requirements.txt),
# bench_setup (temp dir $WORK, a private copy of the binary in $BIN, the EXIT trap),
# run CMD… (a long child the traps can stop), copy_corpus DIR, free_port, start_server ARGS… (sets PORT, SERVER_PID; CPU 0,
# or the CPUs in $SERVER_CPUS; log in $WORK/serve-$PORT.log; several may run, the EXIT trap stops them all), stop_server [PID],
# pg_create_db URL NAME (prints the new database's URL), pg_drop_db URL NAME, bench_database NAME,
# ingest_measure NAME FOLDER and ingest_table ROWS (ingest.sh's measurements), machine_line, load_average.
# The binary is $MCPLATFORM_BIN or .build/release/mcplatform; these scripts never build it.

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
DOCS_ROOT=/usr/share/doc/python-django-doc/html
SERVER_PID=
SERVER_PIDS=()
CHILD_PID=

# bench/.venv from bench/requirements.txt, recreated when that file or the Python changes.
bench_venv() {
    local venv=$BENCH/.venv want
    want=$({ cat "$BENCH/requirements.txt"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
    if [[ ! -x $venv/bin/python || $(cat "$venv/.requirements.sha256" 2>/dev/null) != "$want" ]]; then
        echo "setting up $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$BENCH/requirements.txt"
        echo "$want" >"$venv/.requirements.sha256"
    fi
    PY=$venv/bin/python
}

# bench_setup [--no-corpus]: --no-corpus for benchmarks that do not read the Django docs.
bench_setup() {
    local src=${MCPLATFORM_BIN:-$REPO/.build/release/mcplatform}
    [[ -x $src ]] || { echo "$src is missing: swift build -c release --product mcplatform" >&2; exit 1; }
    [[ ${1:-} == --no-corpus || -d $DOCS_ROOT ]] || { echo "the Django docs are missing: apt-get install -y python-django-doc" >&2; exit 1; }
    bench_venv
    WORK=$(mktemp -d)
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM # so that the EXIT trap runs
    BIN=$WORK/mcplatform
    cp "$src" "$BIN" # a rebuild during the run must not change the binary under us
}

# Runs on EXIT: a running child, the server, the script's own hook (if defined), the temp dir.
bench_cleanup() {
    if [[ -n $CHILD_PID ]]; then pkill -TERM -P "$CHILD_PID" 2>/dev/null || true; kill "$CHILD_PID" 2>/dev/null || true; fi
    for pid in "${SERVER_PIDS[@]}"; do stop_server "$pid"; done
    if declare -F on_exit >/dev/null; then on_exit || true; fi
    rm -rf "$WORK"
}

# run CMD…: in the background and waited for, so that INT/TERM reach the traps at once
# (bash delays traps until a foreground child exits).
run() {
    "$@" &
    CHILD_PID=$!
    wait "$CHILD_PID"
}

# The 526 non-FAQ pages the retrieval benchmark uses (bench/retrieval/README.md).
copy_corpus() {
    (cd "$BENCH/retrieval" && "$PY" dataset.py --root "$DOCS_ROOT" --out "$WORK/faq.json" --copy-corpus "$1" >/dev/null)
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server DB_ARGS… → `mcplatform serve` on 127.0.0.1:$PORT pinned to CPU 0 (or to $SERVER_CPUS, a taskset
# list such as 0,1), healthy. $SERVER_WRAP (an array, e.g. valgrind and its options) goes before the binary;
# $HEALTHY_WITHIN is how many seconds it may take (30).
start_server() {
    PORT=$(free_port)
    taskset -c "${SERVER_CPUS:-0}" ${SERVER_WRAP[@]+"${SERVER_WRAP[@]}"} "$BIN" serve --host 127.0.0.1 --port "$PORT" --log-level error "$@" >"$WORK/serve-$PORT.log" 2>&1 &
    SERVER_PID=$!
    SERVER_PIDS+=("$SERVER_PID")
    for _ in $(seq $((${HEALTHY_WITHIN:-30} * 5))); do
        curl -fs -m 5 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "mcplatform serve did not become healthy:" >&2
    tail -5 "$WORK/serve-$PORT.log" >&2
    exit 1
}

# stop_server [PID]: the given server, or the last one started.
stop_server() {
    local pid=${1:-$SERVER_PID}
    if [[ -n $pid ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        [[ $pid == "$SERVER_PID" ]] && SERVER_PID=
        local kept=() other
        for other in "${SERVER_PIDS[@]}"; do [[ $other == "$pid" ]] || kept+=("$other"); done
        SERVER_PIDS=("${kept[@]}")
    fi
    return 0
}

# A database per run on the cluster of URL (e.g. the one scripts/start-postgres printed).
pg_create_db() {
    psql -X -q -v ON_ERROR_STOP=1 "$1" -c "CREATE DATABASE \"$2\"" >/dev/null
    echo "${1%/*}/$2"
}

pg_drop_db() {
    psql -X -q "$1" -c "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)" >/dev/null 2>&1 || true
}

# bench_database NAME: the run's throwaway database, as DB_ARGS (the flags every command takes)
# and DB (the SQLite file, or the database URL): SQLite under $WORK/data, or with DATABASE set a
# database bench_NAME_<pid> on that cluster, dropped on exit.
bench_database() {
    DB_ARGS=(--data-dir "$WORK/data")
    DB=$WORK/data/mcplatform.sqlite
    if [[ -n ${DATABASE:-} ]]; then
        DB_NAME=bench_$1_$$
        on_exit() { pg_drop_db "$DATABASE" "$DB_NAME"; }
        DB=$(pg_create_db "$DATABASE" "$DB_NAME")
        DB_ARGS+=(--database "$DB")
    fi
}

# The database's size in bytes: the SQLite data dir, or the PostgreSQL database.
db_bytes() {
    if [[ -n $DB_URL ]]; then psql -X -tA "$DB_URL" -c 'SELECT pg_database_size(current_database())'
    else du -sb "$DATA_DIR" | cut -f1; fi
}

# ingest_measure NAME FOLDER (ingest.sh, run): ingest FOLDER into a fresh database (SQLite in $WORK/data-NAME, or
# on the cluster of $DATABASE: its name joins DB_NAMES), ingest it again, then ROUNDS of search_docs latency;
# appends "name pages bytes ingest_s rss_kb index_bytes reingest_s p50 p99 serve_rss_kb errors queries" to $WORK/rows.
ingest_measure() {
    local name=$1 folder=$2 before after
    DATA_DIR=$WORK/data-$name DB_URL=
    local args=(--data-dir "$DATA_DIR")
    if [[ -n ${DATABASE:-} ]]; then
        DB_NAMES+=("bench_ingest_$$_$name")
        DB_URL=$(pg_create_db "$DATABASE" "bench_ingest_$$_$name")
        args+=(--database "$DB_URL")
    fi
    "$BIN" org create bench "${args[@]}" >/dev/null
    "$BIN" server create django --org bench "${args[@]}" >/dev/null
    before=$(db_bytes)

    echo "$name: ingesting $(find "$folder" -type f | wc -l) pages" >&2
    run /usr/bin/time -f '%e %M' -o "$WORK/time" "$BIN" ingest django "$folder" --version 3.2 "${args[@]}" \
        >"$WORK/ingest.out" 2>"$WORK/ingest.err" || { cat "$WORK/ingest.out" "$WORK/ingest.err" >&2; exit 1; }
    read -r ingest_s rss_kb <"$WORK/time"
    pages=$(sed -nE 's/.*: ([0-9]+) indexed, .*/\1/p' "$WORK/ingest.out")
    after=$(db_bytes)

    run /usr/bin/time -f '%e' -o "$WORK/time" "$BIN" ingest django "$folder" --version 3.2 "${args[@]}" \
        >"$WORK/ingest.out" 2>/dev/null
    grep -q ' 0 indexed, ' "$WORK/ingest.out" || echo "$name: re-ingest indexed pages again: $(cat "$WORK/ingest.out")" >&2
    reingest_s=$(tail -1 "$WORK/time")

    echo "$name: search_docs latency (${ROUNDS} rounds)" >&2
    start_server "${args[@]}"
    run taskset -c 1 "$PY" "$BENCH/search-load.py" "http://127.0.0.1:$PORT/mcp/django" --rounds "$ROUNDS" >"$WORK/latency"
    read -r p50 p99 queries errors <"$WORK/latency"
    serve_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
    stop_server
    echo "$name $pages $(du -sb "$folder" | cut -f1) $ingest_s $rss_kb $((after - before)) $reingest_s $p50 $p99 $serve_kb $errors $queries" >>"$WORK/rows"
}

# ingest_table ROWS: the table of ingest_measure's rows; with two rows, a last row of the second / the first.
ingest_table() {
    awk '
        function row(c, p, mb, s, pps, mbs, rss, idx, re, p50, p99, srss, err) {
            printf "%-7s | %6s | %9s | %8s | %7s | %5s | %12s | %8s | %11s | %7s | %7s | %13s | %s\n",
                c, p, mb, s, pps, mbs, rss, idx, re, p50, p99, srss, err
        }
        BEGIN { row("corpus", "pages", "corpus MB", "ingest s", "pages/s", "MB/s", "peak RSS MiB", "index MB",
                    "re-ingest s", "p50 ms", "p99 ms", "serve RSS MiB", "query errors") }
        { n++; for (i = 1; i <= NF; i++) v[n, i] = $i
          row($1, $2, sprintf("%.1f", $3 / 1e6), sprintf("%.1f", $4), sprintf("%.0f", $2 / $4), sprintf("%.2f", $3 / 1e6 / $4),
              sprintf("%.0f", $5 / 1024), sprintf("%.1f", $6 / 1e6), sprintf("%.2f", $7), sprintf("%.2f", $8), sprintf("%.2f", $9),
              sprintf("%.0f", $10 / 1024), $11 "/" $12) }
        END { if (n < 2) exit
              row(v[2, 1] "/" v[1, 1], sprintf("%.1fx", v[2, 2] / v[1, 2]), sprintf("%.1fx", v[2, 3] / v[1, 3]),
                  sprintf("%.1fx", v[2, 4] / v[1, 4]), sprintf("%.2fx", (v[2, 2] / v[2, 4]) / (v[1, 2] / v[1, 4])),
                  sprintf("%.2fx", (v[2, 3] / v[2, 4]) / (v[1, 3] / v[1, 4])), sprintf("%.1fx", v[2, 5] / v[1, 5]),
                  sprintf("%.1fx", v[2, 6] / v[1, 6]), sprintf("%.1fx", v[2, 7] / v[1, 7]), sprintf("%.1fx", v[2, 8] / v[1, 8]),
                  sprintf("%.1fx", v[2, 9] / v[1, 9]), sprintf("%.1fx", v[2, 10] / v[1, 10]), "") }
    ' "$1"
}

# One line about this machine: cores, CPU model, memory, kernel.
machine_line() {
    echo "$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort -u | paste -sd/)," \
        "$(awk '/^MemTotal:/ {printf "%.0f", $2 / 1048576}' /proc/meminfo) GiB RAM), Linux $(uname -r)"
}

load_average() {
    cut -d' ' -f1-3 /proc/loadavg
}
