#!/usr/bin/env bash
# `shisa runs` over 1,000 run directories (issue 14's goal: < 200 ms).
# Makes four real runs with the binary (the demo completed, refused at its target, stopped at
# end of input; 200 trivial steps), copies them under 1,000 run ids (250 each, ids spread
# over a year), then times `shisa runs` (the newest 20) and `shisa runs --all`, median of 5.
#   SHISA_BIN=/path/to/shisa benches/runs.sh   # that binary (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benches/common.sh
source benches/common.sh
export SHISA_JOURNAL_DIR=$work/made
printf 'quarantine-2023-12\ndone\n' | "$shisa" run runbooks/demo.yaml --headless > /dev/null 2>&1 || true
"$shisa" run runbooks/demo.yaml --headless -p ou_id=r-7x2q < /dev/null > /dev/null 2>&1 || true
"$shisa" run runbooks/demo.yaml --headless < /dev/null > /dev/null 2>&1 || true
"$shisa" run "$work/rb.yaml" --headless < /dev/null > /dev/null 2>&1 || true
made=("$SHISA_JOURNAL_DIR"/*)
[[ ${#made[@]} -eq 4 ]] || { echo "expected 4 runs, got ${#made[@]}" >&2; exit 1; }
export SHISA_JOURNAL_DIR=$work/runs
mkdir -p "$SHISA_JOURNAL_DIR"
for n in $(seq 0 999); do
  id=$(date -u -d "@$((1700000000 + n * 31536))" +%Y%m%dT%H%M%SZ)-$(printf '%04x' "$n")
  cp -r "${made[$((n % 4))]}" "$SHISA_JOURNAL_DIR/$id"
done
runs=$(ls "$SHISA_JOURNAL_DIR" | wc -l)
bytes=$(cat "$SHISA_JOURNAL_DIR"/*/journal.jsonl | wc -c)
echo "$runs run directories, $bytes journal bytes"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for args in "" "--all" "--all --json"; do
  ms=$(for _ in 1 2 3 4 5; do
    s=$(date +%s%N)
    # shellcheck disable=SC2086
    "$shisa" runs $args > "$work/out"
    echo $(( ($(date +%s%N) - s) / 1000000 ))
  done | median)
  printf 'shisa runs %-12s %5d ms  (%d lines)\n' "${args:-(newest)}" "$ms" "$(wc -l < "$work/out")"
done
