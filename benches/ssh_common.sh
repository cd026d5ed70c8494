# Sourced by benches/ssh.sh and benches/ssh_run.sh: what both do around their own test.
# `ssh_bench TEST MARKER` runs the `--ignored` test TEST (release, through a real sshd on
# loopback: tests/common/sshd.rs), reads its `MARKER ours plain ratio lo hi n reps` line
# into those variables, and prints the machine line and the table's head.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export REPS=${REPS:-5} SSH_BENCH_N=${SSH_BENCH_N:-50}

ssh_bench() {
  local test=$1 marker=$2 out line
  out=$(cargo test --release --locked --quiet --test "$test" -- --ignored --nocapture 2>&1) || {
    echo "$out" >&2
    exit 1
  }
  line=$(grep "^$marker " <<<"$out" || true)
  if [[ -z $line ]]; then
    echo "$out" >&2
    echo "bench: no measurement (skipped? it needs root and /usr/sbin/sshd)" >&2
    exit 1
  fi
  # shellcheck disable=SC2034 # read by the sourcing script
  read -r _ ours plain ratio lo hi n reps <<<"$line"
  echo "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(ssh -V 2>&1); $(date -u +%Y-%m-%d)"
  echo
  echo "| what | shisa | baseline (same run) | ratio |"
  echo "|---|---|---|---|"
}
