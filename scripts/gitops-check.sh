#!/usr/bin/env bash
# The checks the gitops-sync pull-request workflow runs (.github/workflows/gitops-sync.yml),
# runnable locally with `make gitops-check`. Offline, no secret: it reads the repository only.
#
#   1. manifests/ is exactly what the definitions generate (`generate --check`);
#   2. docs/ (runbooks, observability page) is in sync with the definitions (`docs --check`);
#   3. the definitions and manifests validate (`validate`);
#   4. every overlay builds with kustomize, and its rules pass `promtool check rules`;
#   5. the Alertmanager configuration passes `amtool check-config`.
#
# The plugin is `kubectl luneo-obs` (kubectl-luneo_obs on PATH), or $LUNEO_OBS_PLUGIN.
set -euo pipefail
cd "$(dirname "$0")/.."

lo() {
  if [ -n "${LUNEO_OBS_PLUGIN:-}" ]; then "$LUNEO_OBS_PLUGIN" "$@"; else kubectl luneo-obs "$@"; fi
}
step() { printf '==> %s\n' "$*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "kubectl luneo-obs generate --check"
lo generate --check --out manifests
step "kubectl luneo-obs docs --check"
lo docs --check --dir docs
step "kubectl luneo-obs validate"
lo validate --manifests manifests

overlays=(manifests/infrastructure/kubernetes/overlays/*/)
[ -d "${overlays[0]}" ] || { echo "no overlay under manifests/infrastructure/kubernetes/overlays" >&2; exit 1; }
for overlay in "${overlays[@]}"; do
  name=$(basename "$overlay")
  step "kubectl kustomize $overlay"
  kubectl kustomize "$overlay" > "$tmp/$name.yaml"
  # promtool reads rule groups, not a PrometheusRule: keep `spec:`'s body, one level up
  # (spec is the last top-level key of the generated file).
  for file in prometheus-rules slo-rules; do
    [ -f "$overlay/alerts/$file.yaml" ] || continue
    sed -n '/^spec:$/,$p' "$overlay/alerts/$file.yaml" | tail -n +2 | sed 's/^  //' > "$tmp/$name.$file.yaml"
    step "promtool check rules ($name, $file)"
    promtool check rules "$tmp/$name.$file.yaml"
  done
done

step "amtool check-config"
amtool check-config manifests/alertmanager/alertmanager.yaml
echo "gitops checks passed"
