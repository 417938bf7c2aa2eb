#!/usr/bin/env bash
# The main job (`make run`): generate, validate and show the result for the embedded
# Luneo definitions. Usage: scripts/run.sh PLUGIN OUT_DIR
set -euo pipefail
plugin=${1:?plugin binary}
out=${2:?output directory}
cd "$(dirname "$0")/.."
mkdir -p "$out"
rc=0

section() { printf '\n== %s\n' "$*"; }

section "kubectl luneo-obs version"
"$plugin" version

section "generate: manifests/ from the embedded Luneo definitions"
"$plugin" generate --out manifests
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if git diff --quiet -- manifests && [ -z "$(git ls-files --others --exclude-standard manifests)" ]; then
    echo "manifests/ is identical to the committed tree (deterministic output)"
  else
    echo "manifests/ changed compared to git:"; git status --short manifests
  fi
fi

section "validate: definitions and manifests/"
"$plugin" validate --manifests manifests || rc=$?

section "alerts"
"$plugin" explain

section "overlays built by kubectl kustomize"
for dir in manifests/infrastructure/kubernetes/overlays/*/; do
  name=$(basename "$dir")
  if ! kubectl kustomize "$dir" > "$out/$name.yaml" 2> "$out/$name.err"; then
    echo "$name: kustomize build FAILED:"; cat "$out/$name.err"; rc=1; continue
  fi
  python3 - "$out/$name.yaml" "$name" <<'PY'
import re, sys
path, name = sys.argv[1], sys.argv[2]
docs = [d for d in re.split(r'(?m)^---\s*$', open(path).read()) if d.strip()]
limit = 262144
print(f"{name}: {len(docs)} objects ({path})")
for d in docs:
    kind = re.search(r'(?m)^kind: (\S+)', d)
    meta = re.search(r'(?m)^metadata:\n(?:  .*\n)*?  name: (\S+)', d)
    size = len(d.encode())
    print(f"  {kind.group(1) if kind else '?':<16} {meta.group(1) if meta else '?':<40} {size:>8} bytes  ({100*size/limit:5.1f} % of the 262144-byte apply limit)")
PY
done

section "result"
if [ $rc -eq 0 ]; then echo "OK: manifests generated, validated and built (outputs in $out)"; else echo "FAILED (see above)"; fi
exit $rc
