#!/usr/bin/env bash
# Ingestion throughput, peak memory, index size and query latency growth: the Django corpus
# (526 pages, ~19 MB) and a synthetic corpus SCALE× larger made from it (synth-corpus.py),
# each into a fresh database, in one run. See README.md.
#
#   bench/ingest.sh [--scale 20] [--rounds 10] [--database postgres://…]
#
# Per corpus: `mcplatform ingest` under /usr/bin/time (wall time, peak RSS of the ingest
# process), the database's growth during ingest (SQLite: the data dir; PostgreSQL:
# pg_database_size of a database created for the run on the --database cluster, e.g. from
# scripts/start-postgres), a second ingest of the unchanged folder (incremental), then
# `mcplatform serve` (CPU 0) and the 26 Django FAQ questions as search_docs calls at
# concurrency 1 (client on CPU 1), each ROUNDS times after a warm-up round: p50, p99.
# The last row is SCALE× / 1×. Uses $MCPLATFORM_BIN or .build/release/mcplatform (copied first).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCALE=20 ROUNDS=10 DATABASE=
while [[ $# -gt 0 ]]; do
    case $1 in
        --scale) SCALE=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --database) DATABASE=$2; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing: apt-get install -y time" >&2; exit 1; }

bench_setup
BACKEND=$([[ -n $DATABASE ]] && echo PostgreSQL || echo SQLite)
DB_NAMES=()
on_exit() { for name in "${DB_NAMES[@]}"; do pg_drop_db "$DATABASE" "$name"; done; }

echo "preparing the corpora (1x: the Django pages; ${SCALE}x: synth-corpus.py)" >&2
copy_corpus "$WORK/corpus-1x"
run "$PY" "$BENCH/synth-corpus.py" "$WORK/corpus-1x" "$WORK/corpus-${SCALE}x" --copies "$SCALE"

# The database's size in bytes: the SQLite data dir, or the PostgreSQL database.
db_bytes() {
    if [[ -n $DB_URL ]]; then psql -X -tA "$DB_URL" -c 'SELECT pg_database_size(current_database())'
    else du -sb "$DATA_DIR" | cut -f1; fi
}

# measure NAME FOLDER → appends "name pages bytes ingest_s rss_kb index_bytes reingest_s p50 p99 serve_rss_kb errors queries"
measure() {
    local name=$1 folder=$2 before after
    DATA_DIR=$WORK/data-$name DB_URL=
    local args=(--data-dir "$DATA_DIR")
    if [[ -n $DATABASE ]]; then
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

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
measure 1x "$WORK/corpus-1x"
measure "${SCALE}x" "$WORK/corpus-${SCALE}x"

echo
echo "ingest on ${BACKEND}, $(nproc) cores, load average $LOAD_BEFORE before / $(cut -d' ' -f1-3 /proc/loadavg) after"
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
    END { row(v[2, 1] "/" v[1, 1], sprintf("%.1fx", v[2, 2] / v[1, 2]), sprintf("%.1fx", v[2, 3] / v[1, 3]),
              sprintf("%.1fx", v[2, 4] / v[1, 4]), sprintf("%.2fx", (v[2, 2] / v[2, 4]) / (v[1, 2] / v[1, 4])),
              sprintf("%.2fx", (v[2, 3] / v[2, 4]) / (v[1, 3] / v[1, 4])), sprintf("%.1fx", v[2, 5] / v[1, 5]),
              sprintf("%.1fx", v[2, 6] / v[1, 6]), sprintf("%.1fx", v[2, 7] / v[1, 7]), sprintf("%.1fx", v[2, 8] / v[1, 8]),
              sprintf("%.1fx", v[2, 9] / v[1, 9]), sprintf("%.1fx", v[2, 10] / v[1, 10]), "") }
' "$WORK/rows"
