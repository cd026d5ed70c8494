#!/usr/bin/env bash
# shisa's benchmarks. Every figure is a ratio against a baseline measured in the same run,
# on the same machine, as the median of several repetitions.
#
#   benches/bench.sh            # all of them (installs ansible-core in a throwaway venv)
#   REPS=3 benches/bench.sh     # fewer repetitions
#   SKIP_ANSIBLE=1 benches/bench.sh
#   ONLY=watchers benches/bench.sh   # just the watchers row (to compare two builds quickly)
#   ONLY=perstep benches/bench.sh    # just the per-step rows
#   SHISA_BIN=/path/to/shisa benches/bench.sh   # measure that binary instead of building one
#   TMPDIR=/dev/shm benches/bench.sh  # journals on tmpfs: fsync costs nothing, so what is left
#                                     # is CPU and scheduling (the watchers row, on a busy disk)
#
# The journal's fsyncs go through the filesystem's own journal, which every process on that
# filesystem shares: on a machine where others write too, an fsync costs what their writes
# cost, and the per-step row measures them. Run it when the machine is quiet (`uptime`).
#
# Prints a Markdown table (paste it into the README's Performance section).
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
export SHISA_JOURNAL_DIR=$work/runs SHISA_SOCKET_DIR=$work/sock NO_COLOR=1
mkdir -p "$work/sock" && chmod 1777 "$work/sock"

now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
once() { # seconds for one run of a command
  local a b
  a=$(now)
  if ! "$@" >/dev/null 2>&1 </dev/null; then
    echo "bench: \`$*\` failed; a failed run is not a measurement" >&2
    exit 1
  fi
  b=$(now)
  calc "$b - $a"
}
# median of N timings of a command (seconds)
median() {
  local -a t=()
  for ((i = 0; i < REPS; i++)); do
    t+=("$(once "$@")")
  done
  printf '%s\n' "${t[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
# Runs a command and writes the user and system CPU seconds it and its children used to $1,
# to the microsecond (`/usr/bin/time` rounds to 10 ms, more than a watcher now uses).
cpu_to() {
  local out=$1
  shift
  # Python's own start-up counts as a child of it on some machines (~100 ms here), so the
  # figure is what the children used during the call, not since Python began.
  python3 -c 'import resource, subprocess, sys
a = resource.getrusage(resource.RUSAGE_CHILDREN)
code = subprocess.call(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.6f %.6f\n" % (r.ru_utime - a.ru_utime, r.ru_stime - a.ru_stime))
sys.exit(code)' "$out" "$@"
}
ms() { awk "BEGIN { printf \"%.1f\", $1 * 1000 }"; }
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }

if [[ ${ONLY:-} != watchers ]]; then

# --- 1. Per-step overhead: 200 trivial steps vs a floor that spawns the same bash -c and
#        fsyncs two journal lines per step.
python3 - "$work/200.yaml" <<'PY'
import sys
y = "version: 1\nname: two hundred\nsteps:\n"
for i in range(200):
    y += f"  - id: s{i}\n    kind: precheck\n    run: /bin/true\n"
open(sys.argv[1], "w").write(y)
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
floor() { rm -f "$work/floor.jsonl"; perl "$work/floor.pl" 200 "$work/floor.jsonl"; }
run200() { "$shisa" run "$work/200.yaml" --headless; }
# The floor and shisa alternate within each repetition, so a neighbour that slows the
# machine for a while slows both alike; the ratio is the median of the per-repetition
# ratios, shown with their range.
mid() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tf=() ts=() rs=()
for ((i = 0; i < REPS; i++)); do
  tf+=("$(once floor)")
  ts+=("$(once run200)")
  rs+=("$(calc "${ts[i]} / ${tf[i]}")")
done
t_floor=$(mid "${tf[@]}")
t_shisa=$(mid "${ts[@]}")
r_lo=$(printf '%s\n' "${rs[@]}" | sort -g | head -1)
r_hi=$(printf '%s\n' "${rs[@]}" | sort -g | tail -1)
row "200 trivial steps, headless" "$(ms "$t_shisa") ms ($(ms "$(calc "$t_shisa / 200")") ms/step)" \
    "$(ms "$t_floor") ms: bash -c + 2 fsync'd lines per step (perl)" \
    "**$(ratio "$(mid "${rs[@]}")" 1)×** ($(ratio "$r_lo" 1)–$(ratio "$r_hi" 1) over $REPS runs; goal ≤ 1.0×)"

if [[ -z ${SKIP_ANSIBLE:-} ]]; then
  if python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q ansible-core >/dev/null 2>&1; then
    {
      echo "- hosts: localhost"
      echo "  connection: local"
      echo "  gather_facts: false"
      echo "  tasks:"
      for i in $(seq 200); do echo "    - command: /bin/true"; done
    } >"$work/play.yml"
    ansible200() { ANSIBLE_NOCOLOR=1 "$work/venv/bin/ansible-playbook" -i localhost, -e ansible_python_interpreter="$work/venv/bin/python" "$work/play.yml"; }
    t_ansible=$(REPS=1 median ansible200)
    row "200 trivial steps vs ansible-core" "$(ms "$t_shisa") ms" "$(ms "$t_ansible") ms: 200 \`command: /bin/true\` tasks" \
        "**$(ratio "$t_shisa" "$t_ansible")×** (shisa / ansible)"
  else
    row "200 trivial steps vs ansible-core" "—" "pip install ansible-core failed" "n/a"
  fi
fi

if [[ ${ONLY:-} != perstep ]]; then

# --- 2. Output throughput: one step printing 200 MB, headless, vs tee | sha256sum.
# `yes` dies of SIGPIPE when head has enough; under pipefail that is not a failure here.
gen="{ yes 'the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz' || true; } | head -c 200000000"
cat >"$work/flood.yaml" <<YAML
version: 1
name: flood
steps:
  - id: flood
    kind: precheck
    run: |
      $gen
YAML
tee_sum() { bash -c "$gen" | tee "$work/tee.out" | sha256sum; }
flood() { "$shisa" run "$work/flood.yaml" --headless; }
t_tee=$(median tee_sum)
t_flood=$(median flood)
rss=$( { /usr/bin/time -f '%M' "$shisa" run "$work/flood.yaml" --headless >/dev/null; } 2>&1 | tail -1)
row "one step printing 200 MB, headless" "$(ms "$t_flood") ms, peak RSS $((rss / 1024)) MiB" \
    "$(ms "$t_tee") ms: same bytes through \`tee file \\| sha256sum\`" "**$(ratio "$t_flood" "$t_tee")×** (goal ≤ 1.5×, RSS < 64 MiB)"

# --- 3. shisa check on 10,000 steps vs parsing the same YAML with PyYAML.
python3 - "$work/10k.yaml" <<'PY'
import sys
y = ["version: 1", "name: ten thousand", "params:", "  flag: { pattern: '^[a-z-]+$', default: on-off }", "steps:"]
for i in range(10000):
    if i % 4 == 0:
        y += [f"  - id: snap{i}", "    kind: snapshot", f"    run: echo saved snap{i}", f"    capture: {{ s{i}: 'saved (\\S+)' }}"]
    elif i % 4 == 1:
        y += [f"  - id: act{i}", "    kind: action", "    target:", "      describe: echo \"$flag\"", "      must_match: '^on'",
              "    argv: [flagctl, flip, '{{ flag }}']", "    verify:", "      - run: flagctl get \"$flag\"",
              "    rollback:", f"      - argv: [flagctl, import, '{{{{ s{i-1} }}}}']"]
    else:
        y += [f"  - id: chk{i}", "    kind: precheck", "    run: 'true'"]
open(sys.argv[1], "w").write("\n".join(y) + "\n")
PY
check10k() { "$shisa" check "$work/10k.yaml"; }
t_check=$(median check10k)
py=python3
[[ -x $work/venv/bin/python ]] && py=$work/venv/bin/python
if $py -c 'import yaml' 2>/dev/null; then
  pyyaml() { $py -c 'import sys, yaml; yaml.load(open(sys.argv[1]), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))' "$work/10k.yaml"; }
  t_py=$(median pyyaml)
  row "\`shisa check\`, 10,000 steps ($(du -k "$work/10k.yaml" | cut -f1) KiB)" "$(ms "$t_check") ms" "$(ms "$t_py") ms: PyYAML load of the same file" \
      "**$(ratio "$t_check" "$t_py")×** (parse + validate + lint vs parse)"
else
  row "\`shisa check\`, 10,000 steps" "$(ms "$t_check") ms" "PyYAML not available" "n/a"
fi

# --- 3b. Startup to the TUI's first frame, in a real terminal (tmux), vs the same harness
#         showing one line printed by bash.
if command -v tmux >/dev/null; then
  first_screen() { # $1 = command, $2 = text that means "drawn"; prints seconds
    local sock=$work/tmux.sock a b
    tmux -S "$sock" kill-server 2>/dev/null || true
    a=$(now)
    tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 "$1; sleep 30"
    until tmux -S "$sock" capture-pane -p 2>/dev/null | grep -qF "$2"; do sleep 0.002; done
    b=$(now)
    tmux -S "$sock" kill-server 2>/dev/null || true
    calc "$b - $a"
  }
  samples() { for ((i = 0; i < REPS; i++)); do first_screen "$1" "$2"; done | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  t_tui=$(samples "cd $PWD && SHISA_JOURNAL_DIR=$work/runs $shisa run runbooks/demo.yaml" "shisa │")
  t_echo=$(samples "bash -c 'echo ready'" "ready")
  row "startup to the TUI's first frame (demo.yaml)" "$(ms "$t_tui") ms" "$(ms "$t_echo") ms: bash printing one line in the same tmux harness" \
      "**$(ratio "$t_tui" "$t_echo")×**"
fi

fi # ONLY=perstep
fi

if [[ ${ONLY:-} != perstep ]]; then
# --- 4. Twenty watchers: per-step overhead and event latency.
cat >"$work/watched.yaml" <<'YAML'
version: 1
name: watched
steps:
  - id: hold
    kind: manual
    instructions: start when the watchers are in
YAML
python3 - "$work/watched.yaml" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    for i in range(200):
        f.write(f"  - id: s{i}\n    kind: precheck\n    run: /bin/true\n")
PY
watched() { # $1 = number of watchers; prints the seconds the 200 steps took after `done`,
            # then the CPU seconds of the run's process and of all its watchers together
  local n=$1 fifo=$work/op.in
  rm -f "$fifo" "$work/op.out" "$work"/w*.cpu && mkfifo "$fifo"
  cpu_to "$work/op.cpu" "$shisa" run "$work/watched.yaml" --headless <"$fifo" >"$work/op.out" 2>&1 &
  local op=$!
  exec 9>"$fifo"
  # op.out starts empty: a stale one from the last run would already ask for `done`.
  until grep -q 'answer `done`' "$work/op.out" 2>/dev/null; do sleep 0.02; done
  local id; id=$(ls "$SHISA_SOCKET_DIR" | sed -n 's/\.sock$//p' | head -1)
  local pids=()
  for ((w = 0; w < n; w++)); do
    # Each line is stamped when it is read. The stamper flushes each line only until the
    # watcher is in (the wait below looks for it); after that it writes in blocks, so twenty
    # stampers do not add sixteen thousand writes of their own to what is measured.
    cpu_to "$work/w$w.cpu" "$shisa" watch "$id" --headless </dev/null |
      perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.6f %s", time, $_; $| = 0 if /hold/' >"$work/w$w.out" &
    pids+=($!)
  done
  for ((w = 0; w < n; w++)); do until grep -q 'hold' "$work/w$w.out" 2>/dev/null; do sleep 0.02; done; done
  local a b; a=$(now); echo done >&9; exec 9>&-; wait "$op"; b=$(now)
  wait "${pids[@]}" 2>/dev/null || true
  local cpu; cpu=$({ cat "$work"/w*.cpu 2>/dev/null || true; } | awk '{ s += $1 + $2 } END { print s + 0 }')
  echo "$(calc "$b - $a") $(awk '{ print $1 + $2 }' "$work/op.cpu") $cpu"
}
# Runs with and without watchers alternate, so a busy machine weighs on both alike; the
# ratio is the median of the per-pair ratios, with their range. Wall time on a shared or
# virtual machine moves with its load, so the CPU the run and its watchers used is shown too.
t0s=() t20s=() ratios=() c0s=() c20s=() cws=()
for ((r = 0; r < REPS; r++)); do
  read -r t c _ < <(watched 0); t0s+=("$t"); c0s+=("$c")
  read -r t c cw < <(watched 20); t20s+=("$t"); c20s+=("$c"); cws+=("$cw")
  ratios+=("$(ratio "${t20s[r]}" "${t0s[r]}")")
done
mid() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t0=$(mid "${t0s[@]}"); t20=$(mid "${t20s[@]}")
c0=$(mid "${c0s[@]}"); c20=$(mid "${c20s[@]}"); cw=$(mid "${cws[@]}")
spread=$(printf '%s\n' "${ratios[@]}" | sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {print lo "–" hi}')
# Latency: each record's journal time vs when a watcher printed it.
lat=$(perl -MTime::Local -ne '
  if (/^(\d+\.\d+) (\d\d):(\d\d):(\d\d)\.(\d\d\d)  /) {
    my ($recv, $h, $m, $s, $ms) = ($1, $2, $3, $4, $5);
    my @t = localtime(int $recv); my $day = timelocal(0, 0, 0, $t[3], $t[4], $t[5]);
    my $sent = $day + $h * 3600 + $m * 60 + $s + $ms / 1000;
    my $d = $recv - $sent; push @d, $d if $d > -1 && $d < 60;
  }
  END { @d = sort { $a <=> $b } @d; printf "%.1f %.1f", 1000 * $d[int(@d / 2)], 1000 * $d[int(@d * 0.99)] }' "$work"/w*.out)
row "200 steps with 20 watchers" "$(ms "$t20") ms; event latency p50 ${lat% *} ms, p99 ${lat#* } ms; CPU: the run $(ms "$c20") ms, each watcher $(ms "$(calc "$cw / 20")") ms" \
    "$(ms "$t0") ms: the same run with no watcher (CPU $(ms "$c0") ms)" "**$(mid "${ratios[@]}")×** ($spread over $REPS pairs; goal ≤ 1.10×)"
fi # ONLY=perstep

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(df -T "$work" | awk 'NR==2 {print $2}') under the journal; $(date -u +%Y-%m-%d)"
echo
echo "| what | shisa | baseline (same run) | ratio |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
