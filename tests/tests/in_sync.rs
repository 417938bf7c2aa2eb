//! Checked-in generated files are exactly what the code produces (ruff-style "check"
//! mode): `manifests/` for the Luneo definitions, the definitions JSON Schema, and the
//! golden tree of the minimal corpus definitions. `make generate` rewrites the first two;
//! `UPDATE_GOLDEN=1 cargo test -p luneo-obs-tests --test in_sync` rewrites the goldens.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

mod common;
use common::repo;

use luneo_obs_core::{generate, GenerateRequest, Source};

fn read_tree(root: &Path) -> BTreeMap<String, String> {
    common::files_under(root, "")
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            (rel, fs::read_to_string(&p).unwrap_or_default())
        })
        .collect()
}

fn assert_tree_eq(dir: &Path, want: &BTreeMap<String, String>, fix: &str) {
    let have = read_tree(dir);
    let mut problems = Vec::new();
    for (k, v) in want {
        match have.get(k) {
            None => problems.push(format!("missing {k}")),
            Some(h) if h != v => problems.push(format!("differs {k}")),
            _ => {}
        }
    }
    for k in have.keys() {
        if !want.contains_key(k) {
            problems.push(format!("extra {k}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} is out of sync ({fix}):\n{}",
        dir.display(),
        problems.join("\n")
    );
}

#[test]
fn checked_in_manifests_equal_what_the_luneo_definitions_generate() {
    let r = generate(&GenerateRequest::default());
    assert!(r.ok, "{:?}", r.diagnostics);
    assert_tree_eq(
        &repo().join("manifests"),
        &r.files,
        "run `make generate` and commit",
    );
}

#[test]
fn checked_in_schema_equals_the_schema_of_the_rust_types() {
    let path = repo().join("definitions/luneo-obs.schema.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&path, luneo_obs_core::schema()).unwrap_or_else(|e| panic!("{e}"));
    }
    let have = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == luneo_obs_core::schema(),
        "definitions/luneo-obs.schema.json is out of sync: run `make generate`"
    );
    // The schema describes the real format: the top-level keys are required.
    let v: serde_json::Value = serde_json::from_str(&have).unwrap_or_default();
    for key in ["apiVersion", "kind", "metadata", "spec"] {
        assert!(
            v["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == key)),
            "schema does not require {key}"
        );
    }
}

#[test]
fn minimal_corpus_definitions_match_their_golden_tree() {
    let src = repo().join("crates/luneo-obs-core/tests/cases/ok/minimal.yaml");
    let text = fs::read_to_string(&src).unwrap_or_default();
    let r = generate(&GenerateRequest {
        definitions: Some(Source {
            name: "minimal.yaml".into(),
            text,
        }),
        ..Default::default()
    });
    assert!(r.ok, "{:?}", r.diagnostics);
    let golden = repo().join("tests/golden/minimal");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = fs::remove_dir_all(&golden);
        for (k, v) in &r.files {
            let p = golden.join(k);
            fs::create_dir_all(p.parent().unwrap_or(&golden)).unwrap_or_else(|e| panic!("{e}"));
            fs::write(p, v).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    assert_tree_eq(
        &golden,
        &r.files,
        "review the diff, then UPDATE_GOLDEN=1 cargo test -p luneo-obs-tests --test in_sync",
    );
}

#[test]
fn synthetic_definitions_for_benchmarks_generate_cleanly() {
    let text = luneo_obs_tests::synthetic_definitions(1000, 500);
    let r = generate(&GenerateRequest {
        definitions: Some(Source {
            name: "synthetic.yaml".into(),
            text,
        }),
        ..Default::default()
    });
    let errors: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.severity == luneo_obs_core::Severity::Error)
        .map(|d| d.render())
        .collect();
    assert!(r.ok, "{}", errors.join("\n"));
    let rules: String = r
        .files
        .iter()
        .filter(|(k, _)| luneo_obs_core::generate::layout::is_rules_file(k))
        .map(|(_, v)| v.as_str())
        .collect();
    assert!(
        rules.contains("luneo-ai-0998") && rules.contains("resource-499"),
        "queues and routes are in the rules"
    );
}
