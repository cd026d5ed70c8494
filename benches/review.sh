#!/usr/bin/env bash
# `shisa review` on a 1,000-step runbook (issue 15's goal: under 2 s), against `shisa check`
# (load, parse, lint: the floor any command on that file pays) and `shisa plan` on the same
# file, in the same run; median of REPS (default 5).
#
# The runbook: 20 phases of 50 steps, each phase a precheck, a snapshot that captures a
# value, 45 changes (each with a typed target, a verify check and a rollback that reads
# the phase's capture), a manual step with two answers and a verify step that runs on one
# of them; the last step of each phase is a checkpoint. CHECKPOINTS=0 leaves the
# checkpoints out: every failure then undoes every earlier change (the worst case, 900
# changes deep).
#   SHISA_BIN=/path/to/shisa benches/review.sh   # that binary (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n ${SHISA_BIN:-} ]]; then
  shisa=$(realpath "$SHISA_BIN")
else
  cargo build --release --quiet
  shisa=$PWD/target/release/shisa
fi
reps=${REPS:-5}
checkpoints=${CHECKPOINTS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rb=$work/thousand.yaml
{
  echo "version: 1"
  echo "name: A thousand steps"
  echo "params:"
  echo "  stage: { choices: [staging, production], default: staging }"
  echo "steps:"
  for p in $(seq 1 20); do
    printf '  - id: p%d-ready\n    kind: precheck\n    run: svcctl whoami\n    expect: { stdout_contains: ops }\n' "$p"
    printf '  - id: p%d-save\n    kind: snapshot\n    run: svcctl export\n    capture: { snap%d: %s }\n' "$p" "$p" "'saved (\\S+)'"
    for c in $(seq 1 45); do
      printf '  - id: p%d-c%d\n    kind: action\n' "$p" "$c"
      printf '    target: { describe: svcctl describe c%d, capture: %s, must_match: %s }\n' "$c" "'Name: (\\S+)'" "'^svc-'"
      printf '    run: svcctl set c%d on\n' "$c"
      printf '    verify: [ { run: svcctl get c%d, expect: { stdout_equals: "on" } } ]\n' "$c"
      printf '    rollback: [ { run: svcctl restore "$snap%d" c%d } ]\n' "$p" "$c"
    done
    printf '  - id: p%d-look\n    kind: manual\n    instructions: Look at the dashboard.\n    choices: { good: Looks good, odd: Looks odd }\n' "$p"
    printf '  - id: p%d-extra\n    kind: verify\n    when: { choice: p%d-look, equals: odd }\n    run: svcctl deep-check\n' "$p" "$p"
    printf '  - id: p%d-done\n    kind: verify\n    run: svcctl health\n    expect: { stdout_equals: green }\n' "$p"
    if [[ $checkpoints == 1 ]]; then
      printf '    checkpoint: phase %d is verified\n' "$p"
    fi
  done
} > "$rb"
steps=$(grep -c '^  - id:' "$rb")
"$shisa" check "$rb" > /dev/null
# Each rep times check, plan and review back to back, so the three see the same load; the
# ratio is taken per rep and its spread printed beside the medians.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_once() {
  s=$(date +%s%N)
  "$shisa" "$@" > "$work/out" 2>&1 || true
  echo $(( ($(date +%s%N) - s) / 1000000 ))
}
for _ in $(seq 1 "$reps"); do
  c=$(time_once check "$rb")
  p=$(time_once plan "$rb")
  r=$(time_once review "$rb")
  echo "$c $p $r"
done > "$work/times"
check=$(cut -d' ' -f1 "$work/times" | median)
plan=$(cut -d' ' -f2 "$work/times" | median)
review=$(cut -d' ' -f3 "$work/times" | median)
spread=$(awk '{ r = $3 / ($1 > 0 ? $1 : 1); if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r; if (NR == 1 || $3 < rlo) rlo = $3; if (NR == 1 || $3 > rhi) rhi = $3 } END { printf "review %d–%d ms, review / check %.1f–%.1fx over the reps", rlo, rhi, lo, hi }' "$work/times")
lines=$(wc -l < "$work/out")
rows=$(grep -c '^| [0-9]' "$work/out" || true)
paths=$(grep -o '[0-9]* path(s) followed' "$work/out" | cut -d' ' -f1)
echo "$steps steps, checkpoints=$checkpoints, median of $reps (load $(cut -d' ' -f1 /proc/loadavg))"
printf 'shisa check   %6d ms\n' "$check"
printf 'shisa plan    %6d ms\n' "$plan"
printf 'shisa review  %6d ms  (%d lines, %d failure rows, %s paths)\n' "$review" "$lines" "$rows" "$paths"
awk -v r="$review" -v c="$check" 'BEGIN { printf "review / check: %.1fx (medians); goal: review under 2000 ms: %s\n", r / (c > 0 ? c : 1), (r < 2000 ? "met" : "NOT met") }'
echo "spread: $spread"
