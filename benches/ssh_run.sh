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
source "$(dirname "$0")/ssh_common.sh"
ssh_bench ssh_run_bench SSH_RUN_BENCH
echo "| a step \`on:\` a host (\`run: \"true\"\`), whole headless run of $n | $ours ms | $plain ms: \`ssh -o ControlPath=… host true\` | **${ratio}×** (${lo}–${hi} over $reps runs; goal ≤ 1.2×) |"
