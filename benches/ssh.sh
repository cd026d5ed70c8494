#!/usr/bin/env bash
# The remote transport's per-command overhead: a `run: true` step's command as shisa spawns
# it on a host (src/remote: the request on stdin, the constant prelude, ssh's own log judged)
# against plain `ssh -o ControlPath=… host true` over the same ControlMaster, in the same
# run, through a real sshd on loopback (tests/common/sshd.rs). The two alternate within each
# repetition; the ratio is the median of the per-repetition ratios, shown with its range.
#
#   benches/ssh.sh                  # needs root and openssh-server (as tests/ssh_*.rs do)
#   REPS=3 SSH_BENCH_N=20 benches/ssh.sh
#
# Prints a Markdown row like benches/bench.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."
export REPS=${REPS:-5} SSH_BENCH_N=${SSH_BENCH_N:-50}
out=$(cargo test --release --locked --quiet --test ssh_bench -- --ignored --nocapture 2>&1) || {
  echo "$out" >&2
  exit 1
}
line=$(grep '^SSH_BENCH ' <<<"$out" || true)
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
echo "| one \`on:\` command (\`run: true\`) over ControlMaster | $ours ms | $plain ms: \`ssh -o ControlPath=… host true\` | **${ratio}×** (${lo}–${hi} over $reps × $n; goal ≤ 1.2×) |"
