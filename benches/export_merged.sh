#!/usr/bin/env bash
# Exporting 50 runs of 200 steps each, merged into one document (issue 17's goal: < 1 s).
# Makes the runs with the real binary (headless, 200 trivial steps each), then times
# `shisa export` of all 50 in each format, median of 5.
#   SHISA_BIN=/path/to/shisa benches/export_merged.sh   # that binary (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benches/common.sh
source benches/common.sh
export SHISA_JOURNAL_DIR=$work/runs
for _ in $(seq 1 50); do
  "$shisa" run "$work/rb.yaml" --headless < /dev/null > /dev/null 2>&1
done
runs=("$SHISA_JOURNAL_DIR"/*)
records=$(cat "${runs[@]/%//journal.jsonl}" | wc -l)
echo "${#runs[@]} runs, $records journal records"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for args in "" "--lang ja" "--format json" "--format html" "--full"; do
  ms=$(for _ in 1 2 3 4 5; do
    s=$(date +%s%N)
    # shellcheck disable=SC2086
    "$shisa" export "${runs[@]}" $args > "$work/out"
    echo $(( ($(date +%s%N) - s) / 1000000 ))
  done | median)
  printf 'export %-14s %5d ms  (%d bytes)\n' "${args:-(md)}" "$ms" "$(wc -c < "$work/out")"
done
