# luneo-obs: `make help` lists the targets. The two commands of the README:
#   make run    build, generate, validate and show the result (embedded Luneo definitions)
#   make test   every test (installs what it needs first)
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
# Project-local tools (cargo install --root, pip --target); CI may point this at a cache.
export LUNEO_OBS_TOOLS ?= $(ROOT)/.tools
export PATH := $(LUNEO_OBS_TOOLS)/bin:$(LUNEO_OBS_TOOLS)/py/bin:$(PATH)
export CARGO_TARGET_DIR ?= $(ROOT)/target
export CARGO_TERM_COLOR ?= never
PLUGIN := $(CARGO_TARGET_DIR)/release/kubectl-luneo_obs
OUT ?= $(ROOT)/out

.PHONY: help
help: ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z0-9_-]+:.*## /{printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: setup
setup: ## install everything the project needs (idempotent)
	@scripts/setup.sh

.PHONY: setup-base
setup-base:
	@scripts/setup.sh base

# ---------------------------------------------------------------- build
# The kubectl plugin embeds the core's Extism module: build the module first (a build
# script may not run cargo itself on the same target directory).
.PHONY: core-wasm
core-wasm: setup-base ## build the core's Extism module (wasm32-wasip1) the plugin embeds
	cargo build -p luneo-obs-extism --target wasm32-wasip1 --profile wasm-release

.PHONY: build
build: core-wasm ## build the kubectl plugin (release)
	cargo build --release -p kubectl-luneo_obs

.PHONY: generate
generate: build ## regenerate manifests/, the definitions JSON Schema and the generated blocks of docs/
	$(PLUGIN) generate --out manifests
	$(PLUGIN) schema > definitions/luneo-obs.schema.json
	$(PLUGIN) docs --dir docs
	cargo run -q -p luneo-obs-core --example checks_md > docs/checks.md

.PHONY: check
check: build ## fail when manifests/ differs from what the definitions generate
	$(PLUGIN) generate --check --out manifests

.PHONY: validate
validate: build ## validate the definitions and manifests/
	$(PLUGIN) validate --manifests manifests

.PHONY: docs
docs: build ## refresh the generated blocks of docs/ (runbooks, observability page)
	$(PLUGIN) docs --dir docs

.PHONY: docs-check
docs-check: build ## fail when the generated blocks of docs/ are out of date
	$(PLUGIN) docs --check --dir docs

.PHONY: gitops-check
gitops-check: build ## the pull-request checks of .github/workflows/gitops-sync.yml
	LUNEO_OBS_PLUGIN=$(PLUGIN) scripts/gitops-check.sh

.PHONY: release
release: core-wasm ## build the release archive into dist/ and write the krew manifest (plugin-kubectl/krew/luneo-obs.yaml)
	@scripts/release.sh

# ---------------------------------------------------------------- main job
.PHONY: run
run: build ## main job: build, generate, validate and show the result
	@scripts/run.sh "$(PLUGIN)" "$(OUT)"

# ---------------------------------------------------------------- tests
.PHONY: lint
lint: core-wasm ## rustfmt, clippy (deny warnings), and the core built for both wasm targets
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p luneo-obs-extism --target wasm32-wasip1 -- -D warnings
	cargo clippy -p luneo-obs-wasm --target wasm32-unknown-unknown -- -D warnings
	cargo build -p luneo-obs-core --target wasm32-unknown-unknown
	cargo build -p luneo-obs-core --target wasm32-wasip1
	cargo build -p luneo-obs-core --no-default-features --target wasm32-unknown-unknown

.PHONY: test-rust
test-rust: core-wasm ## Rust tests: unit, CLI, corpus, golden, promtool, kustomize, live Prometheus/Alertmanager
	cargo test --release --no-fail-fast

# ---------------------------------------------------------------- browser core + Grafana panel
# The panel's module: crates/luneo-obs-wasm built by wasm-pack (health only) into
# plugin-grafana/src/wasm/pkg; the panel inlines it into dist/module.js.
PANEL_DIR := plugin-grafana
SCREENSHOT := $(PANEL_DIR)/browser-artifacts/slo-health.png

.PHONY: panel-wasm
panel-wasm: setup-base ## build the browser core (wasm-bindgen) into plugin-grafana/src/wasm/pkg; prints its sizes
	@scripts/setup.sh wasm
	$(PANEL_DIR)/scripts/build-wasm.sh

.PHONY: test-wasm
test-wasm: setup-base ## wasm-bindgen tests of the browser API (wasm-pack test --node)
	@scripts/setup.sh wasm
	wasm-pack --log-level warn test --node crates/luneo-obs-wasm

.PHONY: panel
panel: panel-wasm ## Grafana panel: npm install, typecheck, lint, jest (real wasm), build dist/
	@scripts/setup.sh node
	cd $(PANEL_DIR) && npm run typecheck && npm run lint && npx jest --ci && npm run build

.PHONY: test-browser
test-browser: panel ## the built panel in headless Chromium under Grafana's default and hardened CSPs; screenshots
	@scripts/setup.sh browser
	cd $(PANEL_DIR) && npm run harness:build && npm run test:browser
	@echo "screenshot: $(SCREENSHOT)"

.PHONY: panel-package
panel-package: panel ## versioned zip of the panel: plugin-grafana/artifacts/luneo-slohealth-panel-<version>.zip
	cd $(PANEL_DIR) && npm run package

.PHONY: test
test: setup lint test-rust test-wasm test-browser ## every test (the README's test command)
	@echo "all tests passed"

# ---------------------------------------------------------------- live drill
.PHONY: drill
drill: setup core-wasm ## live drill (~4 min): faults -> Prometheus -> Alertmanager -> Slack/PagerDuty stand-ins, DR silences, latency table
	cargo build --release -p kubectl-luneo_obs
	cargo test --release -p luneo-obs-tests --test drill -- --nocapture

# ---------------------------------------------------------------- measurements
.PHONY: bench
bench: build ## benchmarks: core load/generate/validate, and validate vs promtool side by side
	@scripts/setup.sh bench
	@scripts/bench.sh "$(PLUGIN)"

.PHONY: clean
clean: ## remove build outputs (keeps .tools)
	cargo clean
	rm -rf $(OUT)
