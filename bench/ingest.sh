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

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
ingest_measure 1x "$WORK/corpus-1x"
ingest_measure "${SCALE}x" "$WORK/corpus-${SCALE}x"

echo
echo "ingest on ${BACKEND}, $(nproc) cores, load average $LOAD_BEFORE before / $(cut -d' ' -f1-3 /proc/loadavg) after"
ingest_table "$WORK/rows"
