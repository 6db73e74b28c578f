# Shared helpers for bench/ingest.sh and bench/search-load.sh (sourced, not run).
#
# Provides: BENCH, REPO, DOCS_ROOT, PY (bench/.venv's python, from requirements.txt),
# bench_setup (temp dir $WORK, a private copy of the binary in $BIN, the EXIT trap),
# run CMD… (a long child the traps can stop), copy_corpus DIR, free_port, start_server ARGS… (sets PORT, SERVER_PID; CPU 0,
# or the CPUs in $SERVER_CPUS; log in $WORK/serve-$PORT.log; several may run, the EXIT trap stops them all), stop_server [PID],
# pg_create_db URL NAME (prints the new database's URL), pg_drop_db URL NAME.
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
# list such as 0,1), healthy.
start_server() {
    PORT=$(free_port)
    taskset -c "${SERVER_CPUS:-0}" "$BIN" serve --host 127.0.0.1 --port "$PORT" --log-level error "$@" >"$WORK/serve-$PORT.log" 2>&1 &
    SERVER_PID=$!
    SERVER_PIDS+=("$SERVER_PID")
    for _ in $(seq 150); do
        curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
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
