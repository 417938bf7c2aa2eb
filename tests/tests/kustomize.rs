//! Both overlays, as `kubectl kustomize` builds them from a freshly generated tree:
//! every object is where the GitOps tree expects it, the dashboards reach Grafana's
//! sidecar (label, folder, one dashboard per ConfigMap), and the PrometheusRules taken out
//! of the built output pass `promtool check rules` and the hand-written promtool tests of
//! tests/promtool/ (so kustomize's transformations did not change a rule).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use luneo_obs_tests::overlays::{build_overlays, generate, run, Built, Scratch};
use serde_json::Value;

fn built() -> (Scratch, Vec<Built>) {
    let dir = Scratch::new("kustomize");
    let files = generate(None);
    let b = build_overlays(dir.path(), &files);
    (dir, b)
}

fn defs() -> luneo_obs_core::model::Definitions {
    luneo_obs_core::load::load_embedded()
        .unwrap_or_else(|d| panic!("{d:?}"))
        .defs
}

#[test]
fn both_overlays_build_with_kustomize_into_the_expected_objects() {
    let (_dir, built) = built();
    let d = defs();
    let k = &d.spec.kubernetes;
    let names: Vec<&str> = built.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["observability-primary", "observability-secondary"]);
    for b in &built {
        let cluster = b.cluster();
        // Kinds and names: one PrometheusRule, the dashboards this overlay carries.
        let mut kinds: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for o in &b.objects {
            kinds
                .entry(o["kind"].as_str().unwrap_or("?").to_string())
                .or_default()
                .push(o["metadata"]["name"].as_str().unwrap_or("?").to_string());
            assert_eq!(
                o["metadata"]["namespace"],
                k.namespace.as_str(),
                "{}: namespace",
                b.name
            );
            assert_eq!(
                o["metadata"]["labels"]["app.kubernetes.io/part-of"], "luneo-obs",
                "{}: kustomize labels",
                b.name
            );
        }
        let want_dash: Vec<&str> = if b.name == "observability-primary" {
            vec![
                "luneo-api-dashboard",
                "luneo-queues-dashboard",
                "luneo-slos-dashboard",
            ]
        } else {
            vec![
                "luneo-api-dashboard",
                "luneo-queues-dashboard",
                "luneo-slos-dashboard",
                "luneo-standby-dashboard",
            ]
        };
        // The alerts' PrometheusRule and the SLOs' (Luneo has SLOs on both clusters).
        assert_eq!(
            kinds.get("PrometheusRule").map(Vec::len),
            Some(2),
            "{}: {kinds:?}",
            b.name
        );
        let mut cms = kinds.get("ConfigMap").cloned().unwrap_or_default();
        cms.sort();
        assert_eq!(cms, want_dash, "{}", b.name);
        assert_eq!(kinds.len(), 2, "{}: unexpected kinds {kinds:?}", b.name);
        // The sidecar contract: label, folder annotation, exactly one *.json per ConfigMap.
        for o in b.objects.iter().filter(|o| o["kind"] == "ConfigMap") {
            let name = o["metadata"]["name"].as_str().unwrap_or("?");
            assert_eq!(
                o["metadata"]["labels"][k.dashboard_label.key.as_str()],
                k.dashboard_label.value.as_str(),
                "{name}: sidecar label"
            );
            assert_eq!(
                o["metadata"]["annotations"][k.dashboard_folder_annotation.as_str()],
                k.dashboard_folder.as_str(),
                "{name}: folder"
            );
            let keys: Vec<&String> = o["data"]
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            assert_eq!(keys.len(), 1, "{name}: one dashboard per ConfigMap");
            assert!(keys[0].ends_with(".json"), "{name}: {keys:?}");
        }
        // One Prometheus per cluster (the Luneo definitions): no dashboard has a cluster
        // variable (no series carries the label) and the health panel shows the overlay's
        // cluster. A central store: the variable defaults to the overlay's cluster.
        for (name, dash) in b.dashboards() {
            let var = dash["templating"]["list"]
                .as_array()
                .and_then(|l| l.iter().find(|v| v["name"] == "cluster"));
            match (&d.spec.metrics.cluster_label, var) {
                (None, None) => {
                    let health = dash["panels"]
                        .as_array()
                        .and_then(|l| l.iter().find(|p| p["type"] == "luneo-slohealth-panel"))
                        .unwrap_or_else(|| panic!("{name}: no health panel"));
                    assert_eq!(
                        health["options"]["cluster"],
                        cluster.as_str(),
                        "{}/{name}",
                        b.name
                    );
                }
                (Some(_), Some(var)) => assert_eq!(
                    var["current"]["value"],
                    cluster.as_str(),
                    "{}/{name}",
                    b.name
                ),
                (label, var) => panic!("{name}: cluster label {label:?} but variable {var:?}"),
            }
        }
        // The ruleSelector labels survive kustomize (kube-prometheus-stack ignores the rules otherwise).
        let pr = b
            .objects
            .iter()
            .find(|o| o["kind"] == "PrometheusRule")
            .unwrap_or_else(|| panic!("no rule"));
        for (key, value) in &k.rule_selector {
            assert_eq!(
                pr["metadata"]["labels"][key.as_str()],
                value.as_str(),
                "{}: ruleSelector label {key}",
                b.name
            );
        }
    }
}

#[test]
fn rules_from_the_built_overlays_pass_promtool_check_and_the_promtool_tests() {
    let (dir, built) = built();
    let work = dir.path().join("promtool");
    fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    let mut rule_files = BTreeSet::new();
    for b in &built {
        let file = format!("{}.rules.yaml", b.cluster());
        let text = yaml_serde::to_string(&b.rule_file()).unwrap_or_else(|e| panic!("{e}"));
        fs::write(work.join(&file), text).unwrap_or_else(|e| panic!("{e}"));
        let out = run("promtool", &["check", "rules", &file], &work)
            .unwrap_or_else(|e| panic!("{}: {e}", b.name));
        assert!(out.contains("SUCCESS"), "{}: {out}", b.name);
        rule_files.insert(file);
        // Each SLO group alone, as tests/tests/promtool.rs writes them.
        let groups = b.rule_file()["groups"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for g in groups {
            let name = g["name"].as_str().unwrap_or_default().to_string();
            let prefix = format!("luneo-obs.{}.", b.cluster());
            if let Some(part) = name.strip_prefix(&prefix).filter(|p| p.starts_with("slo.")) {
                rule_files.insert(format!("{}.{part}.rules.yaml", b.cluster()));
            }
        }
    }
    // The hand-written unit tests of the committed topology (one Prometheus per cluster),
    // against the rules kustomize built.
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("promtool")
        .join(luneo_obs_tests::Topology::PerCluster.dir());
    let mut ran = 0;
    for entry in fs::read_dir(&tests).unwrap_or_else(|e| panic!("{}: {e}", tests.display())) {
        let p = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let Some(name) = p
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| n.ends_with(".test.yaml"))
            .map(str::to_string)
        else {
            continue;
        };
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{e}"));
        let doc: Value = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        for f in doc["rule_files"].as_array().into_iter().flatten() {
            assert!(
                rule_files.contains(f.as_str().unwrap_or_default()),
                "{name} reads {f}, which no overlay builds"
            );
        }
        // The SLO scenarios replay a day of history minute by minute (about a minute of
        // promtool each): tests/tests/promtool.rs runs them on the same groups, generated
        // in-process, which the manifests tree holds byte for byte (in_sync.rs).
        if name.starts_with("slo-") {
            continue;
        }
        fs::write(work.join(&name), text).unwrap_or_else(|e| panic!("{e}"));
        run("promtool", &["test", "rules", &name], &work)
            .unwrap_or_else(|e| panic!("{name} against the kustomize-built rules:\n{e}"));
        ran += 1;
    }
    assert!(ran >= 1, "no promtool test file in {}", tests.display());
}
