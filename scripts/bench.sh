#!/usr/bin/env bash
# `make bench`: the core in-process, then `kubectl luneo-obs validate` side by side with
# `promtool check rules` on the same rules (hyperfine). Usage: scripts/bench.sh PLUGIN
set -euo pipefail
plugin=${1:?plugin binary}
cd "$(dirname "$0")/.."
out=out/bench
mkdir -p "$out"
cargo bench -q -p luneo-obs-tests --bench core
cargo bench -q -p luneo-obs-tests --bench core -- --write "$PWD/$out"
echo
echo "== side by side (hyperfine, warm): what a user runs in CI"
for label in luneo synthetic; do
  defs=()
  [ "$label" = synthetic ] && defs=(-f "$out/synthetic.yaml")
  hyperfine -N --warmup 3 --min-runs 10 --max-runs 30 --export-markdown "$out/$label.md" \
    -n "kubectl luneo-obs validate ($label definitions, generates both overlays in memory)" \
    "$plugin ${defs[*]} validate --definitions-only" \
    -n "promtool check rules ($label, primary + standby rule files)" \
    "promtool check rules $out/$label-observability-primary.rules.yaml $out/$label-observability-secondary.rules.yaml"
done
echo "markdown tables in $out/"
