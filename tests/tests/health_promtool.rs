//! The SLO health panel agrees with the alerts, judged by Prometheus's own engine.
//!
//! For every SLO of the Luneo definitions (one per alert and queue, on each cluster), the
//! series the alert reads are fed to `promtool test rules` at values just below, on and
//! just above the alert's threshold (for "no traffic": zero and a trickle of requests),
//! against the generated alert rules. The alert must be firing after its `for` exactly
//! when the health evaluation (the code the Grafana panel runs as WebAssembly) gives
//! the alert's severity for the value the panel's query returns. Annotations are left
//! out of the rules here (the promtool tests of tests/promtool/ check them); the firing
//! condition, `for` and labels are the generated ones. promtool is required.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use luneo_obs_core::generate::slos::{self, Comparison, SloDef};
use luneo_obs_core::health::{self, Status};
use serde::Deserialize;
use serde_json::{json, Value};

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `name{a="x", b=~"y"}` -> (name, labels); a regex matcher on one plain value counts as
/// that value (the panel's per-queue queries select one queue that way).
fn selector(s: &str) -> (String, BTreeMap<String, String>) {
    let s = s.trim();
    let (name, rest) = s.split_once('{').unwrap_or((s, "}"));
    let mut labels = BTreeMap::new();
    for m in rest
        .trim_end_matches('}')
        .split(", ")
        .filter(|m| !m.is_empty())
    {
        let (k, v) = m
            .split_once("=~")
            .or_else(|| m.split_once('='))
            .unwrap_or_else(|| panic!("matcher `{m}` in `{s}`"));
        let v = v.trim_matches('"');
        assert!(
            !v.contains('|') && !v.contains('*'),
            "matcher `{m}` is not a single value"
        );
        labels.insert(k.to_string(), v.to_string());
    }
    (name.to_string(), labels)
}

fn series(name: &str, labels: &BTreeMap<String, String>) -> String {
    let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", l.join(", "))
}

fn minutes(d: &str) -> u64 {
    luneo_obs_core::model::duration::parse(d).unwrap_or_else(|e| panic!("{e}")) / 60_000
}

/// One promtool test case for `slo` at `value` (in the query's unit), and the status the
/// health evaluation gives for what the panel's query returns at that point.
fn case(slo: &SloDef, value: f64, rule_labels: &BTreeMap<String, String>) -> (Value, Status) {
    let for_min = minutes(&slo.r#for);
    let eval = for_min + 2;
    let n = eval + 2;
    let (input, seen, mut labels) = if slo.comparison == Comparison::Equal {
        // `(sum(rate(<counter>[w])) or vector(0)) == 0`: a counter growing at `value`/s.
        let inner = slo
            .expr
            .split_once("rate(")
            .map(|x| x.1)
            .and_then(|x| x.split_once('['))
            .map(|x| x.0)
            .unwrap_or_else(|| panic!("{}", slo.expr));
        let (name, l) = selector(inner);
        let per_min = value * 60.0;
        (
            json!({"series": series(&name, &l), "values": format!("0+{per_min}x{n}")}),
            value,
            BTreeMap::new(),
        )
    } else {
        let (sel, factor) = match slo.expr.split_once(" * ") {
            Some((sel, f)) => (
                sel,
                f.parse::<f64>()
                    .unwrap_or_else(|e| panic!("{}: {e}", slo.expr)),
            ),
            None => (slo.expr.as_str(), 1.0),
        };
        let (name, l) = selector(sel);
        let stored = value / factor;
        // What Prometheus computes from the stored sample, and so what the panel gets.
        let seen = stored * factor;
        (
            json!({"series": series(&name, &l), "values": format!("{stored}+0x{n}")}),
            seen,
            l,
        )
    };
    let status = health::judge(slo, Some(seen)).status;
    labels.extend(rule_labels.clone());
    let firing = matches!(status, Status::Warning | Status::Critical);
    let exp: Vec<Value> = if firing {
        vec![json!({"exp_labels": labels})]
    } else {
        vec![]
    };
    let test = json!({
        "name": format!("{} at {value}", slo.id),
        "interval": "1m",
        "input_series": [input],
        "alert_rule_test": [{"eval_time": format!("{eval}m"), "alertname": slo.alert, "exp_alerts": exp}],
    });
    (test, status)
}

#[test]
fn health_status_and_promtool_alerts_agree_around_every_threshold() {
    let l = luneo_obs_core::load::load_embedded().unwrap_or_else(|d| panic!("{d:?}"));
    let generated = luneo_obs_core::generate(&Default::default());
    assert!(generated.ok, "{:#?}", generated.diagnostics);
    let dir = Scratch(
        std::env::temp_dir().join(format!("luneo-obs-health-promtool-{}", std::process::id())),
    );
    let _ = fs::remove_dir_all(&dir.0);
    fs::create_dir_all(&dir.0).unwrap();
    let mut checked = 0;
    let mut statuses = BTreeMap::new();
    for (path, text) in generated
        .files
        .iter()
        .filter(|(p, _)| p.ends_with("prometheus-rules.yaml"))
    {
        let doc = Value::deserialize(yaml_serde::Deserializer::from_str(text)).unwrap();
        let cluster = doc["metadata"]["labels"]["luneo.io/cluster"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}"))
            .to_string();
        // The alert groups as generated, without annotations, and without the guards the
        // panel does not evaluate (confirm window, low traffic: their own scenarios are in
        // tests/promtool/central/production.test.yaml). Each guard must be in the rule as the SLO
        // definition states it.
        let guards: BTreeMap<String, Vec<String>> = slos::slo_defs(&l, Some(&cluster))
            .unwrap_or_else(|d| panic!("{d:?}"))
            .into_iter()
            .map(|s| (s.alert, s.guards))
            .collect();
        let mut groups = doc["spec"]["groups"].clone();
        let mut rule_labels: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for g in groups.as_array_mut().unwrap() {
            for r in g["rules"].as_array_mut().unwrap() {
                if let Some(name) = r.get("alert").and_then(Value::as_str).map(str::to_string) {
                    let mut expr = r["expr"].as_str().unwrap_or_default().to_string();
                    for guard in guards.get(&name).into_iter().flatten() {
                        let clause = format!(" {guard}");
                        assert!(expr.contains(&clause), "{name}: `{guard}` not in `{expr}`");
                        expr = expr.replacen(&clause, "", 1);
                    }
                    r["expr"] = expr.into();
                    r.as_object_mut().unwrap().remove("annotations");
                    rule_labels.insert(name, serde_json::from_value(r["labels"].clone()).unwrap());
                }
            }
        }
        fs::write(
            dir.0.join(format!("{cluster}.rules.yaml")),
            yaml_serde::to_string(&json!({"groups": groups})).unwrap(),
        )
        .unwrap();
        let mut tests = Vec::new();
        for slo in slos::slo_defs(&l, Some(&cluster)).unwrap_or_else(|d| panic!("{d:?}")) {
            let t = slo.threshold_in_metric_unit;
            let eps = (t.abs() * 1e-6).max(1e-6);
            let values = if slo.comparison == Comparison::Equal {
                vec![0.0, 0.001]
            } else {
                vec![t - eps, t, t + eps]
            };
            for v in values {
                let (test, status) = case(&slo, v, &rule_labels[&slo.alert]);
                statuses.insert(format!("{} at {v}", slo.id), status.as_str());
                tests.push(test);
                checked += 1;
            }
        }
        let file = format!("{cluster}.health.test.yaml");
        let test_file = json!({"rule_files": [format!("{cluster}.rules.yaml")], "evaluation_interval": "1m", "tests": tests});
        fs::write(
            dir.0.join(&file),
            yaml_serde::to_string(&test_file).unwrap(),
        )
        .unwrap();
        let out = match Command::new("promtool")
            .args(["test", "rules", &file])
            .current_dir(&dir.0)
            .output()
        {
            Ok(o) => o,
            Err(e) => {
                panic!("cannot run promtool ({e}): run `make setup` (Debian package prometheus)")
            }
        };
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "promtool disagrees with the health evaluation on cluster {cluster}:\n{text}\nhealth statuses: {statuses:#?}");
    }
    // Primary: 5 threshold SLOs x 3 values + ApiUnavailable x 2; standby: the same 5
    // production SLOs x 3 + StandbyQueueGrowth's 2 queues x 3 + StandbyApiUnavailable x 2.
    assert_eq!(checked, 17 + 23, "{statuses:#?}");
    // Both outcomes were exercised: values above fire, values on or below do not.
    assert!(
        statuses.values().any(|s| *s == "critical")
            && statuses.values().any(|s| *s == "warning")
            && statuses.values().any(|s| *s == "ok")
    );
}
