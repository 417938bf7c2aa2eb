//! The alerts proven by Prometheus's own engine.
//!
//! The rules come from the core in-process (`generate` on the embedded Luneo
//! definitions), in both topologies: `per-cluster` (the definitions as committed, one
//! Prometheus per cluster, series without a cluster label) and `central` (the same with
//! `clusterLabel: cluster`, a Thanos/Mimir ruler over every cluster's series).
//! `spec.groups` of each PrometheusRule is extracted into a plain rule file
//! (`<cluster>.rules.yaml`, what `promtool` accepts) in a scratch directory, next to a copy
//! of the topology's hand-written unit tests, `tests/promtool/<topology>/` (their
//! `rule_files` are relative to the test file). Then `promtool check rules` must accept every rule file and
//! `promtool test rules` must pass every test file. promtool is required: when it is
//! missing the tests fail and say how to install it.

// A test reports failure by panicking: the messages carry promtool's full multi-line
// output, which an `Err` returned from a test would print escaped on one line.
#![allow(clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use luneo_obs_tests::Topology;
use serde::Deserialize;
use serde_json::{json, Value};

/// A scratch directory removed on drop (also when an assertion fails).
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let n = SEQ.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "luneo-obs-promtool-{}-{tag}-{n}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A set of hand-written tests and the definitions whose rules they run on.
#[derive(Debug, Clone, Copy)]
enum Suite {
    /// The Luneo definitions in a topology.
    Topology(Topology),
    /// The Luneo definitions (one Prometheus per cluster) with the optional DCGM alerts of
    /// docs/definitions.md enabled.
    DcgmAlerts,
}

impl Suite {
    fn dir(self) -> &'static str {
        match self {
            Suite::Topology(t) => t.dir(),
            Suite::DcgmAlerts => "dcgm",
        }
    }

    fn definitions(self) -> Option<luneo_obs_core::source::Source> {
        match self {
            Suite::Topology(t) => t.definitions(),
            Suite::DcgmAlerts => Some(luneo_obs_core::source::Source {
                name: "definitions/luneo-dcgm-alerts.yaml".into(),
                text: luneo_obs_tests::dcgm_alerts_definitions(),
            }),
        }
    }
}

/// Hand-written promtool unit tests of a suite, checked in.
fn tests_dir(t: Suite) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("promtool")
        .join(t.dir())
}

/// Every YAML document of a file, as JSON values.
fn yaml_docs(name: &str, text: &str) -> Vec<Value> {
    yaml_serde::Deserializer::from_str(text)
        .map(|d| {
            Value::deserialize(d)
                .unwrap_or_else(|e| panic!("generated file {name} is not valid YAML: {e}"))
        })
        .collect()
}

/// The generated PrometheusRules as plain rule files: cluster name -> `{groups: [...]}`.
fn generated_rule_files(t: Suite) -> BTreeMap<String, Value> {
    let r = luneo_obs_core::generate(&luneo_obs_core::GenerateRequest {
        definitions: t.definitions(),
        ..Default::default()
    });
    assert!(
        r.ok,
        "the embedded definitions do not generate: {:#?}",
        r.diagnostics
    );
    let mut out = BTreeMap::new();
    for (path, text) in r
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".yaml") || p.ends_with(".yml"))
    {
        for doc in yaml_docs(path, text) {
            if doc["kind"] != "PrometheusRule" {
                continue;
            }
            let cluster = doc["metadata"]["labels"]["luneo.io/cluster"]
                .as_str()
                .unwrap_or_else(|| {
                    panic!("{path}: PrometheusRule without a luneo.io/cluster label")
                })
                .to_string();
            let groups = doc["spec"]["groups"].clone();
            assert!(
                groups.is_array(),
                "{path}: PrometheusRule without spec.groups"
            );
            // The alerts' PrometheusRule, then the SLOs' (alerts/slo-rules.yaml).
            let all = out
                .entry(cluster)
                .or_insert_with(|| json!({ "groups": [] }));
            if let (Some(a), Some(g)) = (all["groups"].as_array_mut(), groups.as_array()) {
                a.extend(g.iter().cloned());
            }
        }
    }
    out
}

/// Run promtool with `args` in `dir`; the full output on failure.
fn promtool(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = match Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "promtool is not installed (not found on PATH). Run `make setup` (installs Debian's \
             `prometheus` package, which provides promtool 2.42), then rerun the tests."
        ),
        Err(e) => panic!("cannot run promtool: {e}"),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!(
            "`promtool {}` failed ({}):\n{text}",
            args.join(" "),
            out.status
        ))
    }
}

/// A scratch directory holding `<cluster>.rules.yaml` for every cluster and a copy of
/// every hand-written test file.
fn workspace(t: Suite, tag: &str) -> (Scratch, BTreeMap<String, Value>) {
    let dir = Scratch::new(&format!("{}-{tag}", t.dir()));
    let rules = generated_rule_files(t);
    assert_eq!(
        rules.keys().map(String::as_str).collect::<Vec<_>>(),
        ["primary", "standby"],
        "the Luneo definitions must produce one PrometheusRule per cluster"
    );
    for (cluster, file) in &rules {
        let text = yaml_serde::to_string(file).unwrap_or_else(|e| panic!("{e}"));
        fs::write(dir.0.join(format!("{cluster}.rules.yaml")), text)
            .unwrap_or_else(|e| panic!("{e}"));
        // Each SLO's group alone (`<cluster>.slo.<name>.rules.yaml`): its tests need days
        // of history, evaluated minute by minute, and need no other group.
        for g in file["groups"].as_array().into_iter().flatten() {
            let name = g["name"].as_str().unwrap_or_default();
            if let Some(part) = slo_part(cluster, name) {
                let text = yaml_serde::to_string(&json!({ "groups": [g] }))
                    .unwrap_or_else(|e| panic!("{e}"));
                fs::write(dir.0.join(format!("{cluster}.{part}.rules.yaml")), text)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
    for f in test_files(t) {
        fs::copy(tests_dir(t).join(&f), dir.0.join(&f))
            .unwrap_or_else(|e| panic!("cannot copy {f}: {e}"));
    }
    (dir, rules)
}

/// `slo.<name>` for the rule group `luneo-obs.<cluster>.slo.<name>`.
fn slo_part<'a>(cluster: &str, group: &'a str) -> Option<&'a str> {
    group
        .strip_prefix(&format!("luneo-obs.{cluster}."))
        .filter(|p| p.starts_with("slo."))
}

fn test_files(t: Suite) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(tests_dir(t))
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", tests_dir(t).display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".test.yaml"))
        .collect();
    v.sort();
    v
}

/// `promtool test rules` on one hand-written file, after checking that its
/// `group_eval_order` names exactly the groups of the rule files it loads: promtool
/// ignores unknown names and runs unlisted groups in random order, which would make the
/// `for` boundary cases flaky (an alert evaluated before the record it reads lags one
/// evaluation) instead of failing clearly when groups are renamed.
fn run_test_file(t: Suite, name: &str) {
    let (dir, rules) = workspace(t, name.trim_end_matches(".test.yaml"));
    let shown = format!("tests/promtool/{}/{name}", t.dir());
    let text =
        fs::read_to_string(dir.0.join(name)).unwrap_or_else(|e| panic!("cannot read {shown}: {e}"));
    let spec: Value = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{shown}: {e}"));
    let mut loaded = BTreeSet::new();
    for f in spec["rule_files"].as_array().into_iter().flatten() {
        let f = f.as_str().unwrap_or_default();
        let stem = f
            .strip_suffix(".rules.yaml")
            .unwrap_or_else(|| panic!("{shown}: unexpected rule file {f}"));
        // `<cluster>.rules.yaml` (every group) or `<cluster>.slo.<name>.rules.yaml`.
        let (cluster, part) = match stem.split_once('.') {
            Some((c, p)) => (c, Some(p)),
            None => (stem, None),
        };
        let file = rules
            .get(cluster)
            .unwrap_or_else(|| panic!("{shown}: no generated rules for {f}"));
        let mut found = false;
        for g in file["groups"].as_array().into_iter().flatten() {
            let name = g["name"].as_str().unwrap_or_default();
            if part.is_none() || part == slo_part(cluster, name) {
                loaded.insert(name.to_string());
                found = true;
            }
        }
        assert!(found, "{shown}: no generated rule group for {f}");
    }
    let order: BTreeSet<String> = spec["group_eval_order"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| g.as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        order, loaded,
        "{shown}: group_eval_order must list exactly the generated rule groups (recording groups before alert groups)"
    );
    if let Err(e) = promtool(&dir.0, &["test", "rules", name]) {
        panic!("{e}");
    }
}

#[test]
fn generated_rules_pass_promtool_check_rules() {
    let mut failures = Vec::new();
    for t in Topology::ALL
        .map(Suite::Topology)
        .into_iter()
        .chain([Suite::DcgmAlerts])
    {
        let (dir, rules) = workspace(t, "check");
        for cluster in rules.keys() {
            let file = format!("{cluster}.rules.yaml");
            match promtool(&dir.0, &["check", "rules", &file]) {
                Ok(out) => assert!(
                    out.contains("SUCCESS"),
                    "unexpected promtool output for {} {file}:\n{out}",
                    t.dir()
                ),
                Err(e) => failures.push(format!("{}: {e}", t.dir())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_promtool_test_file_is_run_by_a_test() {
    assert_eq!(
        test_files(Suite::Topology(Topology::Central)),
        [
            "cross-cluster.test.yaml",
            "failover.test.yaml",
            "lag.test.yaml",
            "primary.test.yaml",
            "production.test.yaml",
            "standby.test.yaml"
        ],
        "add a #[test] in tests/tests/promtool.rs for each file of tests/promtool/central/"
    );
    assert_eq!(
        test_files(Suite::Topology(Topology::PerCluster)),
        [
            "primary.test.yaml",
            "slo-availability-fast.test.yaml",
            "slo-availability-slow.test.yaml",
            "slo-latency-queues.test.yaml",
            "standby.test.yaml"
        ],
        "add a #[test] in tests/tests/promtool.rs for each file of tests/promtool/per-cluster/"
    );
    assert_eq!(
        test_files(Suite::DcgmAlerts),
        ["primary.test.yaml"],
        "add a #[test] in tests/tests/promtool.rs for each file of tests/promtool/dcgm/"
    );
}

// ---- The optional DCGM alerts, as docs/definitions.md enables them.

#[test]
fn optional_dcgm_alerts_fire_per_gpu_of_the_render_pool() {
    run_test_file(Suite::DcgmAlerts, "primary.test.yaml");
}

// ---- One Prometheus per cluster (the Luneo definitions as committed).

#[test]
fn per_cluster_primary_alerts_read_their_own_unlabelled_series() {
    run_test_file(Suite::Topology(Topology::PerCluster), "primary.test.yaml");
}

#[test]
fn per_cluster_standby_alerts_read_their_own_unlabelled_series() {
    run_test_file(Suite::Topology(Topology::PerCluster), "standby.test.yaml");
}

// ---- SLO burn-rate alerts (one Prometheus per cluster).

#[test]
fn slo_fast_burn_pages_once_both_windows_agree_and_never_on_blips_or_night_traffic() {
    run_test_file(
        Suite::Topology(Topology::PerCluster),
        "slo-availability-fast.test.yaml",
    );
}

#[test]
fn slo_slow_burn_pages_just_above_six_times_and_not_just_below() {
    run_test_file(
        Suite::Topology(Topology::PerCluster),
        "slo-availability-slow.test.yaml",
    );
}

#[test]
fn slo_latency_reads_its_bucket_and_queue_slos_page_per_queue() {
    run_test_file(
        Suite::Topology(Topology::PerCluster),
        "slo-latency-queues.test.yaml",
    );
}

// ---- A central store: every series carries the cluster label.

#[test]
fn primary_alerts_hold_their_thresholds_for_boundaries_and_counter_resets() {
    run_test_file(Suite::Topology(Topology::Central), "primary.test.yaml");
}

#[test]
fn api_alerts_hold_through_blips_night_traffic_and_outages() {
    run_test_file(Suite::Topology(Topology::Central), "production.test.yaml");
}

#[test]
fn production_alerts_watch_the_standby_once_it_serves_customers() {
    run_test_file(Suite::Topology(Topology::Central), "failover.test.yaml");
}

#[test]
fn alerts_reading_other_groups_lag_one_evaluation_at_most() {
    run_test_file(Suite::Topology(Topology::Central), "lag.test.yaml");
}

#[test]
fn standby_alerts_fire_on_flat_or_missing_traffic_with_one_identity() {
    run_test_file(Suite::Topology(Topology::Central), "standby.test.yaml");
}

#[test]
fn one_clusters_data_never_fires_the_other_clusters_alerts() {
    run_test_file(
        Suite::Topology(Topology::Central),
        "cross-cluster.test.yaml",
    );
}
