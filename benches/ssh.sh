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
source "$(dirname "$0")/ssh_common.sh"
ssh_bench ssh_bench SSH_BENCH
echo "| one \`on:\` command (\`run: true\`) over ControlMaster | $ours ms | $plain ms: \`ssh -o ControlPath=… host true\` | **${ratio}×** (${lo}–${hi} over $reps × $n; goal ≤ 1.2×) |"
