#!/usr/bin/env bash
# Release step (`make release`): build the kubectl plugin for this machine's platform, pack
# the archive krew installs, reproducibly, into dist/, check that it installs and runs, and
# write the krew manifest plugin-kubectl/krew/luneo-obs.yaml with the archive's sha256.
#
# The version is the workspace version of Cargo.toml (tag v<version>); the archive is
# uploaded to <repository>/releases/download/v<version>/ by whoever publishes the release.
# Only the platform built here is listed: build on each platform (or a CI matrix) and
# merge the platforms to publish more.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
version=$(cargo pkgid -p kubectl-luneo_obs | sed 's/.*[@#]//')
tag="v$version"
repository=$(sed -n 's/^repository = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) os=linux arch=amd64 ;;
  Linux/aarch64) os=linux arch=arm64 ;;
  Darwin/x86_64) os=darwin arch=amd64 ;;
  Darwin/arm64) os=darwin arch=arm64 ;;
  *) echo "release.sh: unsupported platform $(uname -s)/$(uname -m)" >&2; exit 2 ;;
esac
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

say "cargo build --release -p kubectl-luneo_obs ($tag, $os/$arch)"
cargo build --locked --release -p kubectl-luneo_obs
bin="$target_dir/release/kubectl-luneo_obs"

archive_name="kubectl-luneo_obs-$tag-$os-$arch.tar.gz"
mkdir -p dist
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$bin" "$stage/kubectl-luneo_obs"
# Reproducible archive: fixed order, mtime, owner; gzip without name or time stamp.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
  -C "$stage" -cf - kubectl-luneo_obs | gzip -9n > "dist/$archive_name"
sha=$(sha256sum "dist/$archive_name" | cut -d' ' -f1)
say "dist/$archive_name sha256 $sha ($(wc -c < "dist/$archive_name") bytes)"

# What krew does on install: unpack, then run `bin`.
mkdir "$stage/unpacked"
tar -xzf "dist/$archive_name" -C "$stage/unpacked"
reported=$("$stage/unpacked/kubectl-luneo_obs" version)
case "$reported" in
  *" $version "*) say "unpacked binary reports: $reported" ;;
  *) echo "release.sh: the packed binary reports '$reported', expected version $version" >&2; exit 1 ;;
esac

manifest=plugin-kubectl/krew/luneo-obs.yaml
cat > "$manifest" <<YAML
# krew plugin manifest, written by \`make release\` (scripts/release.sh): do not edit.
# Install from a local build: kubectl krew install --manifest=$manifest --archive=dist/$archive_name
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: luneo-obs
spec:
  version: "$tag"
  homepage: $repository
  shortDescription: Observability-as-code for Luneo's Prometheus stack
  description: |
    Generates and validates Luneo's observability manifests from one definitions file:
    PrometheusRules, Grafana dashboards, Alertmanager routing, runbooks and Argo CD
    Applications (kubectl luneo-obs generate | validate | explain | docs), and drives
    disaster-recovery silences on Alertmanager (kubectl luneo-obs dr start | status | end).
  platforms:
    - selector:
        matchLabels:
          os: $os
          arch: $arch
      uri: $repository/releases/download/$tag/$archive_name
      sha256: "$sha"
      bin: kubectl-luneo_obs
YAML
say "wrote $manifest"
