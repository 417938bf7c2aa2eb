//! The generated Alertmanager configuration judged by amtool 0.25: `amtool check-config`,
//! and the routing matrix `amtool config routes test --verify.receivers` for every alert of
//! the Luneo definitions, on every cluster it is deployed to, at every severity. The
//! expected receivers are written here by hand (issue 4): warning -> Slack #sre only,
//! critical -> Slack #incident and PagerDuty, info -> not notified, Watchdog -> null.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use luneo_obs_core::{generate, GenerateRequest};

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("luneo-obs-am-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn generated(path: &str) -> String {
    let r = generate(&GenerateRequest::default());
    assert!(r.ok, "{:?}", r.diagnostics);
    r.files
        .get(path)
        .cloned()
        .unwrap_or_else(|| panic!("{path} is not generated"))
}

fn amtool(args: &[&str]) -> (bool, String) {
    let out = Command::new("amtool")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("amtool is missing ({e}): run `make setup` (apt-get install prometheus-alertmanager)"));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn amtool_accepts_the_generated_config_and_the_helm_values_config() {
    let d = tmpdir("check");
    let plain = write(
        &d,
        "alertmanager.yaml",
        &generated("alertmanager/alertmanager.yaml"),
    );
    let (ok, out) = amtool(&["check-config", &plain]);
    assert!(ok && out.contains("SUCCESS"), "{out}");
    // The values file carries the same config under alertmanager.config.
    let values: serde_json::Value =
        yaml_serde::from_str(&generated("alertmanager/values.yaml")).unwrap();
    let cfg = yaml_serde::to_string(&values["alertmanager"]["config"]).unwrap();
    let from_values = write(&d, "from-values.yaml", &cfg);
    let (ok, out) = amtool(&["check-config", &from_values]);
    assert!(ok && out.contains("SUCCESS"), "{out}");
    let secrets = values["alertmanager"]["alertmanagerSpec"]["secrets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(secrets, vec![serde_json::json!("alertmanager-luneo")]);
    // Credentials only by reference, from the mounted Secret.
    for needle in [
        "api_url_file: /etc/alertmanager/secrets/alertmanager-luneo/",
        "routing_key_file: /etc/alertmanager/secrets/alertmanager-luneo/",
    ] {
        assert!(cfg.contains(needle), "{needle} missing:\n{cfg}");
    }
    assert!(
        !cfg.contains("api_url:") && !cfg.contains("routing_key:"),
        "{cfg}"
    );
}

/// The receivers a severity must reach, written by hand (the oracle, not the generator).
fn expected(severity: &str) -> &'static str {
    match severity {
        "critical" => "slack-incident,pagerduty",
        "warning" => "slack-sre",
        _ => "null",
    }
}

#[test]
fn routing_matrix_every_alert_at_every_severity_reaches_exactly_its_receivers() {
    let d = tmpdir("routes");
    let text = generated("alertmanager/alertmanager.yaml");
    let cfg = write(&d, "alertmanager.yaml", &text);
    // Receivers by name -> channel / integration, read from the generated config.
    let v: serde_json::Value = yaml_serde::from_str(&text).unwrap();
    let channel = |name: &str| {
        v["receivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(channel("slack-sre")["slack_configs"][0]["channel"], "#sre");
    assert_eq!(
        channel("slack-incident")["slack_configs"][0]["channel"],
        "#incident"
    );
    let pd = &channel("pagerduty")["pagerduty_configs"][0];
    assert!(
        pd["severity"]
            .as_str()
            .unwrap()
            .contains(".CommonLabels.severity"),
        "PagerDuty severity must come from the alert: {pd}"
    );
    assert!(
        channel("null").as_object().is_some_and(|o| o.len() == 1),
        "null receiver has no integration"
    );

    let defs = luneo_obs_core::load::load_embedded().unwrap();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for a in &defs.defs.spec.alerts {
        for cluster in &a.clusters {
            for sev in ["critical", "warning", "info"] {
                let want = expected(sev);
                let (ok, out) = amtool(&[
                    "config",
                    "routes",
                    "test",
                    &format!("--config.file={cfg}"),
                    &format!("--verify.receivers={want}"),
                    &format!("alertname={}", a.name),
                    &format!("cluster={cluster}"),
                    &format!("severity={sev}"),
                ]);
                let got = out.lines().next().unwrap_or("").trim().to_string();
                let declared = if a.severity.as_str() == sev {
                    " (declared)"
                } else {
                    ""
                };
                rows.push(format!(
                    "{:<24} {:<8} {:<9} -> {got}{declared}",
                    a.name, cluster, sev
                ));
                if !ok || got != want {
                    failures.push(format!(
                        "{} {cluster} {sev}: got {got}, want {want}: {out}",
                        a.name
                    ));
                }
            }
        }
    }
    for cluster in ["primary", "standby"] {
        let (ok, out) = amtool(&[
            "config",
            "routes",
            "test",
            &format!("--config.file={cfg}"),
            "--verify.receivers=null",
            "alertname=Watchdog",
            &format!("cluster={cluster}"),
            "severity=none",
        ]);
        rows.push(format!(
            "{:<24} {:<8} {:<9} -> {}",
            "Watchdog",
            cluster,
            "none",
            out.lines().next().unwrap_or("")
        ));
        if !ok {
            failures.push(format!("Watchdog {cluster}: {out}"));
        }
    }
    // The SLOs' burn-rate alerts: the page tier pages (critical), the ticket goes to #sre
    // (warning), with the labels the rules carry (`slo`, `tier`).
    for o in &defs.defs.spec.slos {
        for cluster in &o.clusters {
            for (tier, sev) in [("page", "critical"), ("ticket", "warning")] {
                let want = expected(sev);
                let (ok, out) = amtool(&[
                    "config",
                    "routes",
                    "test",
                    &format!("--config.file={cfg}"),
                    &format!("--verify.receivers={want}"),
                    &format!("alertname={}", o.alert_name()),
                    &format!("cluster={cluster}"),
                    &format!("severity={sev}"),
                    &format!("slo={}", o.name),
                    &format!("tier={tier}"),
                ]);
                let got = out.lines().next().unwrap_or("").trim().to_string();
                rows.push(format!(
                    "{:<24} {:<8} {:<9} -> {got} ({tier})",
                    o.alert_name(),
                    cluster,
                    sev
                ));
                if !ok || got != want {
                    failures.push(format!(
                        "{} {cluster} {tier}: got {got}, want {want}: {out}",
                        o.alert_name()
                    ));
                }
            }
        }
    }
    // An unknown severity (a typo) still reaches a human.
    let (ok, out) = amtool(&[
        "config",
        "routes",
        "test",
        &format!("--config.file={cfg}"),
        "--verify.receivers=slack-sre",
        "alertname=ApiErrorRate",
        "cluster=primary",
        "severity=crit",
    ]);
    if !ok {
        failures.push(format!("unknown severity: {out}"));
    }
    println!(
        "routing matrix (amtool config routes test --verify.receivers):\n{}",
        rows.join("\n")
    );
    assert_eq!(
        rows.len(),
        // 13 (alert, cluster) pairs: ApiLatencyHigh, ApiErrorRate, QueueWaitThreshold,
        // QueueStalled and RenderGpuSaturation on both clusters, ApiUnavailable on the
        // primary, the two standby alerts on the standby.
        13 * 3 + 2 + 3 * 2 * 2,
        "every alert x cluster x severity, the Watchdog per cluster, and the 3 SLOs' two tiers on both clusters"
    );
    assert!(
        failures.is_empty(),
        "routing failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_wrong_route_is_caught_by_the_oracle() {
    // The matrix can fail: a config that routes criticals to #sre only is rejected.
    let d = tmpdir("wrong");
    let text = generated("alertmanager/alertmanager.yaml")
        .replace("receiver: pagerduty", "receiver: slack-sre");
    let cfg = write(&d, "alertmanager.yaml", &text);
    let (ok, _) = amtool(&[
        "config",
        "routes",
        "test",
        &format!("--config.file={cfg}"),
        "--verify.receivers=slack-incident,pagerduty",
        "alertname=ApiErrorRate",
        "cluster=primary",
        "severity=critical",
    ]);
    assert!(!ok);
}

#[test]
fn validate_fails_on_a_secret_literal_in_a_generated_file() {
    let r = generate(&GenerateRequest::default());
    let mut files = r.files.clone();
    let cfg = files.get_mut("alertmanager/alertmanager.yaml").unwrap();
    *cfg = cfg.replace(
        "api_url_file: /etc/alertmanager/secrets/alertmanager-luneo/slack-sre-url",
        "api_url: https://hooks.slack.com/services/T000/B000/XXXXXXXX",
    );
    let v = luneo_obs_core::validate(&luneo_obs_core::ValidateRequest {
        definitions: None,
        manifests: Some(luneo_obs_core::ManifestTree {
            root: "manifests".into(),
            files,
        }),
    });
    assert!(!v.ok);
    let hit: Vec<_> = v
        .diagnostics
        .iter()
        .filter(|d| d.code == "secrets/literal")
        .collect();
    assert!(
        !hit.is_empty()
            && hit
                .iter()
                .all(|d| d.file == "manifests/alertmanager/alertmanager.yaml" && d.line > 1),
        "{:?}",
        v.diagnostics
    );
}
