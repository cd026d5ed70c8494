# What the benchmarks that run the real binary share; sourced, from the repository root.
# Sets `shisa` (SHISA_BIN, else a release build), `work` (a scratch directory removed on
# exit) and writes `$work/rb.yaml`, a runbook of 200 trivial steps.
if [[ -n ${SHISA_BIN:-} ]]; then
  shisa=$(realpath "$SHISA_BIN")
else
  cargo build --release --quiet
  shisa=$PWD/target/release/shisa
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "version: 1"
  echo "name: Two hundred steps"
  echo "steps:"
  for i in $(seq 1 200); do
    printf '  - id: s%d\n    kind: precheck\n    run: "true"\n' "$i"
  done
} > "$work/rb.yaml"
