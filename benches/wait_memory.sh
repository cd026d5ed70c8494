#!/usr/bin/env bash
# A long `wait_until` keeps shisa's memory flat: a check polled every 10 ms that never holds,
# for DEADLINE seconds (default 60: about 3,000 polls — the polls of a 2-hour wait at one a
# second would be 7,200), with shisa's resident memory sampled every second. Prints the
# samples' first, middle and last values and the number of polls journaled.
#
#   benches/wait_memory.sh
#   DEADLINE=120 SHISA_BIN=target/release/shisa benches/wait_memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DEADLINE=${DEADLINE:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -n ${SHISA_BIN:-} ]]; then
  shisa=$(realpath "$SHISA_BIN")
else
  cargo build --release --quiet
  shisa=$PWD/target/release/shisa
fi
export SHISA_JOURNAL_DIR=$work/runs NO_COLOR=1
cat >"$work/wait.yaml" <<EOF
version: 1
name: long wait
steps:
  - id: wait
    kind: precheck
    run: echo yellow
    wait_until: { every: 10ms, deadline: ${DEADLINE}s }
    expect: { stdout_equals: green }
EOF
"$shisa" run "$work/wait.yaml" --headless <<<"abort" >/dev/null 2>&1 &
pid=$!
samples=()
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [[ -n $rss ]] && samples+=("$rss")
  sleep 1
done
wait "$pid" || true
n=${#samples[@]}
polls=$(grep -c '"kind":"command_finished"' "$work"/runs/*/journal.jsonl)
echo "| wait_until for ${DEADLINE} s at 10 ms: ${polls} polls | RSS ${samples[0]} KiB at 1 s, ${samples[$((n / 2))]} KiB at $((n / 2)) s, ${samples[$((n - 1))]} KiB at $((n - 1)) s |"
