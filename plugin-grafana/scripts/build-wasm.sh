#!/usr/bin/env bash
# Build the browser core (crates/luneo-obs-wasm) into plugin-grafana/src/wasm/pkg with
# wasm-pack (target web: the panel passes the bytes itself, see src/core/wasm.ts).
# Needs wasm-pack and wasm-bindgen-cli (same version as the wasm-bindgen crate) on PATH:
# `make setup` installs both under .tools/bin. wasm-opt is off (Cargo.toml metadata).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="${LUNEO_OBS_TOOLS:-$root/.tools}/bin:$PATH"
out="$root/plugin-grafana/src/wasm/pkg"
for tool in wasm-pack wasm-bindgen; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found: run \`make setup\`" >&2; exit 1; }
done
want="$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' "$root/crates/luneo-obs-wasm/Cargo.toml")"
have="$(wasm-bindgen --version | awk '{print $2}')"
[ "$want" = "$have" ] || { echo "error: wasm-bindgen-cli $have, the crate pins $want: run \`make setup\`" >&2; exit 1; }
cd "$root"
wasm-pack --log-level warn build crates/luneo-obs-wasm --release --target web --no-pack --out-dir "$out" -- --no-default-features
raw=$(stat -c %s "$out/luneo_obs_wasm_bg.wasm")
gz=$(gzip -9c "$out/luneo_obs_wasm_bg.wasm" | wc -c)
echo "luneo_obs_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip -9"
