#!/usr/bin/env bash
# Loops: a `for_each` over 200 items with 3 trivial steps each (600 steps) against the same
# floor as benches/bench.sh's per-step row (the same `bash -c` per step and two fsync'd
# journal lines), and against 600 flat steps run by shisa, alternating within each
# repetition; the ratios are medians of the per-repetition ratios, with their range.
#
#   benches/loop.sh                      # REPS=5
#   REPS=7 SHISA_BIN=target/release/shisa benches/loop.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -n ${SHISA_BIN:-} ]]; then
  shisa=$(realpath "$SHISA_BIN")
else
  cargo build --release --quiet
  shisa=$PWD/target/release/shisa
fi
export SHISA_JOURNAL_DIR=$work/runs NO_COLOR=1

python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
items = ",".join(f"n{i}" for i in range(200))
loop = f"""version: 1
name: loop
params:
  items: {{ list: true, pattern: '^n[0-9]+$', default: '{items}' }}
steps:
  - id: each
    for_each: {{ var: item, in: items }}
    steps:
"""
for k in range(3):
    loop += f"      - id: s{k}\n        kind: precheck\n        run: /bin/true\n"
open(f"{w}/loop.yaml", "w").write(loop)
flat = "version: 1\nname: flat\nsteps:\n"
for i in range(600):
    flat += f"  - id: s{i}\n    kind: precheck\n    run: /bin/true\n"
open(f"{w}/flat.yaml", "w").write(flat)
PY
cat >"$work/floor.pl" <<'PL'
use strict; use warnings; use IO::Handle;
my ($n, $path) = @ARGV;
open(my $j, '>>', $path) or die;
for my $i (1..$n) {
  print $j qq({"seq":$i,"kind":"command_started"}\n); $j->flush; $j->sync;
  system('bash', '-euo', 'pipefail', '-c', '/bin/true') == 0 or die;
  print $j qq({"seq":$i,"kind":"command_finished"}\n); $j->flush; $j->sync;
}
PL

now() { date +%s.%N; }
took() {
  local a b
  a=$(now)
  "$@" >/dev/null 2>&1 </dev/null || { echo "bench: \`$*\` failed" >&2; exit 1; }
  b=$(now)
  awk "BEGIN { print $b - $a }"
}
mid() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
lo() { printf '%s\n' "$@" | sort -g | head -1; }
hi() { printf '%s\n' "$@" | sort -g | tail -1; }
floor() { rm -f "$work/floor.jsonl"; perl "$work/floor.pl" 600 "$work/floor.jsonl"; }

rf=() rl=()
for ((i = 0; i < REPS; i++)); do
  f=$(took floor)
  l=$(took "$shisa" run "$work/loop.yaml" --headless)
  s=$(took "$shisa" run "$work/flat.yaml" --headless)
  rf+=("$(awk "BEGIN { print $l / $f }")")
  rl+=("$(awk "BEGIN { print $l / $s }")")
done
printf '| 3×200 loop vs the floor (600 × bash -c + 2 fsyncs) | %.2f× (%.2f–%.2f) |\n' \
  "$(mid "${rf[@]}")" "$(lo "${rf[@]}")" "$(hi "${rf[@]}")"
printf '| 3×200 loop vs 600 flat steps | %.2f× (%.2f–%.2f) |\n' \
  "$(mid "${rl[@]}")" "$(lo "${rl[@]}")" "$(hi "${rl[@]}")"
