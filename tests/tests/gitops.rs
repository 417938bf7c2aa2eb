//! GitOps delivery (issue 6): the Argo CD Applications, the pull-request workflow and the
//! krew manifest. Argo CD's own schema (compiled from its Application CRD, and its Go API
//! types as TypeScript) judges the Applications; krew's validation rules judge the manifest.

#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

mod common;
use common::{read, repo, yaml};

fn applications() -> Vec<(PathBuf, Value)> {
    let dir = repo()
        .join("manifests")
        .join(luneo_obs_core::generate::layout::ARGOCD_DIR);
    let mut out: Vec<(PathBuf, Value)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let v = yaml(&p);
            (p, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn one_argocd_application_per_cluster_points_at_an_existing_overlay_with_server_side_apply() {
    let l = luneo_obs_core::load::load_embedded().unwrap_or_else(|d| panic!("{d:?}"));
    let g = l
        .defs
        .spec
        .gitops
        .clone()
        .unwrap_or_else(|| panic!("no gitops section in the Luneo definitions"));
    let apps = applications();
    let clusters: BTreeSet<String> = l
        .defs
        .spec
        .clusters
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let covered: BTreeSet<String> = apps
        .iter()
        .map(|(_, a)| {
            a["metadata"]["labels"]["luneo.io/cluster"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(covered, clusters, "one Application per cluster");
    for (file, a) in &apps {
        let f = file.display();
        assert_eq!(a["apiVersion"], "argoproj.io/v1alpha1", "{f}");
        assert_eq!(a["kind"], "Application", "{f}");
        assert_eq!(
            a["metadata"]["namespace"],
            g.argocd_namespace.as_str(),
            "{f}"
        );
        let src = &a["spec"]["source"];
        assert_eq!(src["repoURL"], g.repo_url.as_str(), "{f}");
        assert_eq!(src["targetRevision"], g.target_revision.as_str(), "{f}");
        // The synced path exists in this repository and kustomize builds it.
        let path = src["path"].as_str().unwrap_or_default();
        let overlay = repo().join(path);
        assert!(
            overlay.join("kustomization.yaml").is_file(),
            "{f}: source.path {path} is not a kustomization in this repository"
        );
        let cluster = a["metadata"]["labels"]["luneo.io/cluster"]
            .as_str()
            .unwrap_or_default();
        let built = Command::new("kubectl")
            .arg("kustomize")
            .arg(&overlay)
            .output()
            .unwrap_or_else(|e| panic!("kubectl is required (make setup): {e}"));
        assert!(
            built.status.success(),
            "{f}: kubectl kustomize {path}: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let out = String::from_utf8_lossy(&built.stdout);
        assert!(
            out.contains("kind: PrometheusRule")
                && out.contains(&format!("luneo.io/cluster: {cluster}")),
            "{f}: overlay {path} does not build the rules of {cluster}"
        );
        assert_eq!(
            a["spec"]["destination"]["namespace"],
            l.defs.spec.kubernetes.namespace.as_str(),
            "{f}"
        );
        let sp = &a["spec"]["syncPolicy"];
        assert_eq!(sp["automated"]["prune"], true, "{f}");
        assert_eq!(sp["automated"]["selfHeal"], true, "{f}");
        assert_eq!(sp["automated"]["allowEmpty"], false, "{f}");
        let opts: Vec<&str> = sp["syncOptions"]
            .as_array()
            .map(|o| o.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(opts.contains(&"ServerSideApply=true"), "{f}: {opts:?}");
        // Every sync option is documented (comment in the file and the observability page).
        let text = read(file);
        let page = read(&repo().join("docs/observability.md"));
        for o in &opts {
            assert!(
                text.contains(&format!("#   {o}: ")),
                "{f}: sync option {o} is not explained in the file"
            );
            assert!(
                page.contains(&format!("| `{o}` |")),
                "docs/observability.md does not document {o}"
            );
        }
    }
}

#[test]
fn argocd_applications_pass_argo_cds_crd_schema_and_api_types() {
    let dir = repo().join("tests/argocd-schema");
    let bin = dir.join("node_modules/.bin/tsc");
    assert!(
        bin.is_file(),
        "{} is missing: run `make setup` (scripts/setup.sh node)",
        bin.display()
    );
    let apps = applications();
    assert!(!apps.is_empty());
    let work = dir.join(format!(".check-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    struct Cleanup(PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
    let _c = Cleanup(work.clone());
    // 1. Runtime validation with the validators compiled from Argo CD's Application CRD.
    let mut all = serde_json::Map::new();
    for (p, v) in &apps {
        all.insert(
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            v.clone(),
        );
    }
    let json = work.join("apps.json");
    fs::write(&json, serde_json::to_string(&all).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("node")
        .arg(dir.join("validate.mjs"))
        .arg(&json)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("node is required: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Argo CD CRD validation failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        apps.len(),
        "{stdout}"
    );
    // 2. Excess-property check against Argo CD's Go API types: a misspelt field
    //    (`syncOption`, `selfheal`) fails to compile, which the CRD (open objects) would accept.
    let mut ts = String::from("import type { IApplication } from \"@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application\";\n");
    for (i, (_, v)) in apps.iter().enumerate() {
        ts.push_str(&format!(
            "export const app{i}: IApplication = {};\n",
            serde_json::to_string_pretty(v).unwrap_or_default()
        ));
    }
    // A deliberately wrong object proves the check is live.
    ts.push_str("// @ts-expect-error unknown field must be rejected\nexport const wrong: IApplication = { apiVersion: \"argoproj.io/v1alpha1\", kind: \"Application\", metadata: {}, spec: { project: \"p\", destination: {}, syncPolicy: { syncOption: [] } } };\n");
    let file = work.join("apps.ts");
    fs::write(&file, ts).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(&bin)
        .args([
            "--noEmit",
            "--strict",
            "--skipLibCheck",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
        ])
        .arg(&file)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "tsc rejected the Applications:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_pull_request_workflow_runs_every_check_without_secrets_on_paths_that_exist() {
    let path = repo().join(".github/workflows/gitops-sync.yml");
    let text = read(&path);
    let w = yaml(&path);
    assert!(
        !text.contains("secrets."),
        "the workflow must not need secrets"
    );
    assert_eq!(w["permissions"]["contents"], "read");
    // `on:` is a YAML 1.1 boolean for some parsers; accept either key.
    let on = if w["on"].is_null() {
        &w["true"]
    } else {
        &w["on"]
    };
    let paths: Vec<&str> = on["pull_request"]["paths"]
        .as_array()
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for want in ["definitions/**", "manifests/**", "docs/**"] {
        assert!(
            paths.contains(&want),
            "pull_request.paths lacks {want}: {paths:?}"
        );
    }
    for p in &paths {
        let base = p.trim_end_matches("/**");
        assert!(
            repo().join(base).exists(),
            "pull_request.paths names {p}, which does not exist"
        );
    }
    let steps = w["jobs"]["validate"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let runs: Vec<String> = steps
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_string))
        .collect();
    let all = runs.join("\n");
    for want in [
        "cargo build --locked --release -p kubectl-luneo_obs",
        "scripts/gitops-check.sh",
        "cargo test --locked -p luneo-obs-tests",
    ] {
        assert!(all.contains(want), "the workflow does not run `{want}`");
    }
    for r in &runs {
        if let Some(script) = r.split_whitespace().find(|w| w.starts_with("scripts/")) {
            assert!(
                repo().join(script).is_file(),
                "the workflow runs {script}, which does not exist"
            );
        }
    }
    // The check script runs what the issue asks for, on both overlays.
    let script = read(&repo().join("scripts/gitops-check.sh"));
    for want in [
        "generate --check",
        "docs --check",
        "validate --manifests",
        "kubectl kustomize",
        "promtool check rules",
        "amtool check-config",
    ] {
        assert!(
            script.contains(want),
            "scripts/gitops-check.sh does not run `{want}`"
        );
    }
    let setup = read(&repo().join("scripts/setup.sh"));
    assert!(
        setup.contains("tests/argocd-schema"),
        "scripts/setup.sh node does not install tests/argocd-schema"
    );
}

fn cargo_version() -> String {
    let toml = read(&repo().join("Cargo.toml"));
    let ws = toml.split("[workspace.package]").nth(1).unwrap_or_default();
    ws.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("version = ")
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_default()
}

/// krew's `ValidatePlugin` rules (sigs.k8s.io/krew internal/index/validation), plus the
/// conventions of this project (version from Cargo, uri under the repository's releases).
fn krew_problems(file_stem: &str, m: &Value, version: &str, repository: &str) -> Vec<String> {
    let mut p = Vec::new();
    if m["apiVersion"] != "krew.googlecontainertools.github.com/v1alpha2" {
        p.push(format!("apiVersion {}", m["apiVersion"]));
    }
    if m["kind"] != "Plugin" {
        p.push(format!("kind {}", m["kind"]));
    }
    let name = m["metadata"]["name"].as_str().unwrap_or_default();
    let safe = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !safe || name != file_stem || name != "luneo-obs" {
        p.push(format!(
            "metadata.name `{name}` (file {file_stem}.yaml, plugin luneo-obs)"
        ));
    }
    let spec = &m["spec"];
    let short = spec["shortDescription"].as_str().unwrap_or_default();
    if short.is_empty() || short.contains(['\n', '\r']) {
        p.push("shortDescription must be one non-empty line".into());
    }
    let v = spec["version"].as_str().unwrap_or_default();
    let semver = v.strip_prefix('v').is_some_and(|s| {
        let core = s.split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<&str> = core.split('.').collect();
        parts.len() == 3
            && parts.iter().all(|x| {
                !x.is_empty()
                    && x.chars().all(|c| c.is_ascii_digit())
                    && (x.len() == 1 || !x.starts_with('0'))
            })
    });
    if !semver {
        p.push(format!("spec.version `{v}` is not v-prefixed semver"));
    }
    if v != format!("v{version}") {
        p.push(format!("spec.version `{v}` but Cargo says {version}"));
    }
    let platforms = spec["platforms"].as_array().cloned().unwrap_or_default();
    if platforms.is_empty() {
        p.push("no platform".into());
    }
    for pl in &platforms {
        let uri = pl["uri"].as_str().unwrap_or_default();
        if !uri.starts_with(&format!("{repository}/releases/download/{v}/")) {
            p.push(format!("uri {uri} is not a release asset of {v}"));
        }
        let sha = pl["sha256"].as_str().unwrap_or_default();
        if !(sha.len() == 64
            && sha
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)))
        {
            p.push(format!("sha256 `{sha}` must match ^[a-f0-9]{{64}}$"));
        }
        if pl["bin"].as_str().unwrap_or_default().is_empty() {
            p.push("bin is empty".into());
        }
        if let Some(files) = pl.get("files").filter(|f| !f.is_null()) {
            let list = files.as_array().cloned().unwrap_or_default();
            if list.is_empty()
                || list.iter().any(|f| {
                    f["from"].as_str().unwrap_or_default().is_empty()
                        || f["to"].as_str().unwrap_or_default().is_empty()
                })
            {
                p.push("files must be absent or a list of {from, to}".into());
            }
        }
        let labels = pl["selector"]["matchLabels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if labels.is_empty() || labels.keys().any(|k| k != "os" && k != "arch") {
            p.push(format!(
                "selector.matchLabels must be non-empty with keys os/arch only: {labels:?}"
            ));
        }
    }
    p
}

#[test]
fn the_krew_manifest_validates_and_matches_the_cargo_version_and_release_archive() {
    let path = repo().join("plugin-kubectl/krew/luneo-obs.yaml");
    let m = yaml(&path);
    let toml = read(&repo().join("Cargo.toml"));
    let repository = toml
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("repository = ")
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_default();
    let version = cargo_version();
    let problems = krew_problems("luneo-obs", &m, &version, &repository);
    assert!(
        problems.is_empty(),
        "{}: {}",
        path.display(),
        problems.join("\n")
    );
    // The validator is live: each rule rejects a broken copy.
    type Breakage = (&'static str, fn(&mut Value));
    let breakages: [Breakage; 6] = [
        ("apiVersion", |m| {
            m["apiVersion"] = "krew.googlecontainertools.github.com/v1alpha1".into()
        }),
        ("version", |m| m["spec"]["version"] = "0.1.0".into()),
        ("sha256", |m| {
            m["spec"]["platforms"][0]["sha256"] = "ABC".into()
        }),
        ("bin", |m| m["spec"]["platforms"][0]["bin"] = "".into()),
        ("selector", |m| {
            m["spec"]["platforms"][0]["selector"]["matchLabels"] =
                serde_json::json!({"distro": "debian"})
        }),
        ("shortDescription", |m| {
            m["spec"]["shortDescription"] = "two\nlines".into()
        }),
    ];
    for (what, f) in breakages {
        let mut bad = m.clone();
        f(&mut bad);
        assert!(
            !krew_problems("luneo-obs", &bad, &version, &repository).is_empty(),
            "a broken {what} passed"
        );
    }
    // Release archive, when `make release` has built it here: its sha256 is the manifest's,
    // and it holds the binary krew links as `bin`, which reports the manifest's version.
    for pl in m["spec"]["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let uri = pl["uri"].as_str().unwrap_or_default();
        let archive = repo()
            .join("dist")
            .join(uri.rsplit('/').next().unwrap_or_default());
        if !archive.is_file() {
            eprintln!(
                "note: {} not built here (make release builds it); manifest rules checked only",
                archive.display()
            );
            continue;
        }
        let sum = Command::new("sha256sum")
            .arg(&archive)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let sum = String::from_utf8_lossy(&sum.stdout)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            sum,
            pl["sha256"].as_str().unwrap_or_default(),
            "{} sha256",
            archive.display()
        );
        let list = Command::new("tar")
            .arg("-tzf")
            .arg(&archive)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let entries = String::from_utf8_lossy(&list.stdout).to_string();
        let bin = pl["bin"].as_str().unwrap_or_default();
        assert!(
            entries.lines().any(|e| e.trim_start_matches("./") == bin),
            "{} does not contain {bin}: {entries}",
            archive.display()
        );
    }
}
