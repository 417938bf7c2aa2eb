#!/usr/bin/env bash
# The Extism-hosted core: module and binary sizes, cold first run (no compile cache),
# warm runs (wasmtime's cache present) and the warm `validate` of the Luneo definitions,
# which must stay under 100 ms. Usage: scripts/bench-extism.sh PLUGIN (a release build).
set -euo pipefail
plugin=$(realpath "${1:?plugin binary}")
cd "$(dirname "$0")/.."
out=out/bench
mkdir -p "$out"
module=${CARGO_TARGET_DIR:-target}/wasm32-wasip1/wasm-release/luneo_obs_extism.wasm
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export XDG_CACHE_HOME=$cache

echo "== sizes"
"$plugin" version
stripped="$cache/kubectl-luneo_obs.stripped"
strip -o "$stripped" "$plugin"
printf '%-40s %10s bytes\n' "module (raw)" "$(stat -c %s "$module")" \
  "module (gzip -9)" "$(gzip -9c "$module" | wc -c)" \
  "plugin binary" "$(stat -c %s "$plugin")" \
  "plugin binary, stripped" "$(stat -c %s "$stripped")"

echo "== cold first run: wasmtime compiles the module (cache emptied before each run)"
hyperfine -N -i --runs 5 --prepare "rm -rf $cache/wasmtime" \
  -n "validate, cold" "$plugin validate --definitions-only"

echo "== warm runs: compiled module loaded from \$XDG_CACHE_HOME/wasmtime"
"$plugin" validate --definitions-only >/dev/null 2>&1
hyperfine -N -i --warmup 3 --runs 30 --export-json "$out/extism-warm.json" --export-markdown "$out/extism-warm.md" \
  -n "validate --definitions-only (Luneo)" "$plugin validate --definitions-only" \
  -n "validate --manifests manifests" "$plugin validate --manifests manifests" \
  -n "explain ApiLatencyHigh" "$plugin explain ApiLatencyHigh" \
  -n "version (no module call)" "$plugin version"

mean_ms=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["results"][0]["mean"]*1000, 1))' "$out/extism-warm.json")
echo "warm validate of the Luneo definitions: ${mean_ms} ms (budget 100 ms)"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 100 else 1)' "$mean_ms" \
  || { echo "FAIL: warm validate over 100 ms" >&2; exit 1; }
