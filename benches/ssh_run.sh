#!/usr/bin/env bash
# `on:` through a whole run: `shisa run --headless` of N `run: "true"` steps on one host
# (the run's own ControlMaster opened on the first step, closed at the end), per step,
# against plain `ssh -o ControlPath=… host true` over an open master of the same sshd, in
# the same run (tests/ssh_run_bench.rs). Per-command transport alone: benches/ssh.sh.
#
#   benches/ssh_run.sh                  # needs root and openssh-server (as tests/ssh_*.rs do)
#   REPS=3 SSH_BENCH_N=40 benches/ssh_run.sh
#
# Prints a Markdown row like benches/bench.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."
export REPS=${REPS:-5} SSH_BENCH_N=${SSH_BENCH_N:-50}
out=$(cargo test --release --locked --quiet --test ssh_run_bench -- --ignored --nocapture 2>&1) || {
  echo "$out" >&2
  exit 1
}
line=$(grep '^SSH_RUN_BENCH ' <<<"$out" || true)
if [[ -z $line ]]; then
  echo "$out" >&2
  echo "bench: no measurement (skipped? it needs root and /usr/sbin/sshd)" >&2
  exit 1
fi
read -r _ ours plain ratio lo hi n reps <<<"$line"
echo "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(ssh -V 2>&1); $(date -u +%Y-%m-%d)"
echo
echo "| what | shisa | baseline (same run) | ratio |"
echo "|---|---|---|---|"
echo "| a step \`on:\` a host (\`run: \"true\"\`), whole headless run of $n | $ours ms | $plain ms: \`ssh -o ControlPath=… host true\` | **${ratio}×** (${lo}–${hi} over $reps runs; goal ≤ 1.2×) |"
