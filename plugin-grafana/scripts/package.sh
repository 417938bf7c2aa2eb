#!/usr/bin/env bash
# Versioned zip of the built plugin, in the layout Grafana installs from
# (`<plugin-id>/plugin.json`, `<plugin-id>/module.js`, ...):
#   artifacts/luneo-slohealth-panel-<version>.zip (+ .sha256)
# Run `npm run build` first. Needs `zip` (Debian package zip; `make setup` installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
id="$(node -p "require('./src/plugin.json').id")"
version="$(node -p "require('./package.json').version")"
[ -f dist/module.js ] || { echo "error: dist/module.js missing: run npm run build" >&2; exit 1; }
grep -q "\"version\": \"$version\"" dist/plugin.json || { echo "error: dist/plugin.json is not version $version: rebuild" >&2; exit 1; }
command -v zip >/dev/null || { echo "error: zip not found (apt-get install zip)" >&2; exit 1; }
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -r dist "$stage/$id"
mkdir -p artifacts
out="artifacts/$id-$version.zip"
rm -f "$out"
# Sorted entries, no extra file attributes: the same dist gives the same archive listing.
(cd "$stage" && find "$id" -type f | LC_ALL=C sort | TZ=UTC zip -X -q -9 -@ "$OLDPWD/$out")
(cd artifacts && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")
echo "$out: $(stat -c %s "$out") bytes, sha256 $(cut -d' ' -f1 "$out.sha256")"
unzip -l "$out" | tail -n +4 | head -n -2
