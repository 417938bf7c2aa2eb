//! LIVE DRILL (issue 4): real Prometheus 2.42 and Alertmanager 0.25 on 127.0.0.1 with the
//! generated rules and Alertmanager configuration, a synthetic Luneo exporter the test
//! drives into each failure, and a local HTTP receiver standing in for Slack and PagerDuty.
//!
//! The topology is the one the generated overlays deploy: one Prometheus per cluster,
//! each loading its own overlay's rules, scraping its own cluster's targets (no series
//! carries a cluster label) and setting the external labels of its generated
//! `prometheus/values-<cluster>.yaml`; both send to the one Alertmanager.
//!
//! The only differences from production: `generate --time-scale 60` (every `for` and every
//! Alertmanager interval divided by 60: 5m -> 5s, group_wait 30s -> 500ms), scrape and
//! evaluation every second, the Secret files under a temp dir holding 127.0.0.1 URLs, and
//! PagerDuty's endpoint pointed at the local receiver. One test fixture is added: a
//! critical twin of RenderGpuSaturation (same rule, severity critical, threshold 99 %),
//! since the Luneo definitions declare no alert at two severities; it proves the
//! inhibition rule of the generated configuration.
//!
//! Proven: each of the six alerts reaches exactly its receivers with the right channel and
//! severity; every resolution is sent; a critical mutes its warning twin (and the warning
//! is delivered once the critical resolves); the Watchdog flows to its receiver and pages
//! nobody; `kubectl luneo-obs dr start` (the real binary) mutes the DR-expected alerts and
//! nothing else, twice creates no duplicate, and `dr end` restores delivery; the production
//! alerts also watch the standby and the DR window does not mute them (failover); an
//! outage of the primary API (no request at all) pages through ApiUnavailable. The latency
//! table (fault -> notification, next to the configured minimum) is printed: a measurement,
//! not an assertion. Run it on demand: `make drill`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use luneo_obs_core::{generate, GenerateRequest};
use luneo_obs_tests::live::{self, decode, get_json, wait_for, Exporter, Proc, Receiver, Seen};

const SCALE: u32 = 60;
const SCRAPE_S: f64 = 1.0;
const EVAL_S: f64 = 1.0;
const POLL: Duration = Duration::from_millis(100);

/// Expected receivers of each alert, by hand (the oracle): warning -> Slack #sre only,
/// critical -> Slack #incident and PagerDuty.
fn expected(alert: &str) -> (&'static str, BTreeSet<String>) {
    let warning = ["slack #sre"];
    let critical = ["slack #incident", "pagerduty"];
    let (sev, list): (&str, &[&str]) = match alert {
        "ApiErrorRate" | "ApiUnavailable" => ("critical", &critical),
        _ => ("warning", &warning),
    };
    (sev, list.iter().map(|s| s.to_string()).collect())
}

const SIX: [&str; 6] = [
    "ApiLatencyHigh",
    "ApiErrorRate",
    "QueueWaitThreshold",
    "RenderGpuSaturation",
    "StandbyApiUnavailable",
    "StandbyQueueGrowth",
];

fn cluster_of(alert: &str) -> &'static str {
    if alert.starts_with("Standby") {
        "standby"
    } else {
        "primary"
    }
}

/// The clusters, each with its own Prometheus (the per-cluster topology of the generated
/// overlays), and the rule files each loads.
const CLUSTERS: [(&str, &[&str]); 2] = [
    ("primary", &["rules-primary.yaml", "twin.yaml"]),
    ("standby", &["rules-standby.yaml"]),
];

struct Drill {
    dir: PathBuf,
    rx: Receiver,
    exp: Exporter,
    am_port: u16,
    /// cluster -> port of its Prometheus.
    prom_ports: BTreeMap<&'static str, u16>,
    plugin: PathBuf,
    // Killed (by PID) when the drill ends, whatever happens.
    _procs: Vec<Proc>,
}

fn tmpdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("luneo-obs-drill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn rule_groups(prometheus_rule: &str) -> serde_json::Value {
    let v: serde_json::Value = yaml_serde::from_str(prometheus_rule).unwrap();
    v["spec"]["groups"].clone()
}

impl Drill {
    fn start() -> Drill {
        let plugin = live::plugin_binary().unwrap_or_else(|e| panic!("{e}"));
        let dir = tmpdir();
        let rx = Receiver::start().unwrap();
        let exp = Exporter::start().unwrap();
        let am_port = live::free_port();
        let prom_ports: BTreeMap<&'static str, u16> = CLUSTERS
            .iter()
            .map(|(c, _)| (*c, live::free_port()))
            .collect();

        // The generated tree, drill-scaled.
        let g = generate(&GenerateRequest {
            definitions: None,
            time_scale: Some(SCALE),
        });
        assert!(g.ok, "{:?}", g.diagnostics);
        let file = |p: &str| {
            g.files
                .get(p)
                .cloned()
                .unwrap_or_else(|| panic!("{p} not generated"))
        };
        let overlays = "infrastructure/kubernetes/overlays";
        let primary = rule_groups(&file(&format!(
            "{overlays}/observability-primary/alerts/prometheus-rules.yaml"
        )));
        let standby = rule_groups(&file(&format!(
            "{overlays}/observability-secondary/alerts/prometheus-rules.yaml"
        )));
        // Prometheus starts with no rule and loads them once it has scraped (see
        // `load_rules`); the generated rules wait in rules/.
        for (name, groups) in [
            ("rules-primary.yaml", &primary),
            ("rules-standby.yaml", &standby),
        ] {
            write(&dir, name, r#"{"groups": []}"#);
            write(
                &dir.join("rules"),
                name,
                &serde_json::json!({ "groups": groups }).to_string(),
            );
        }
        // Fixture: the critical twin of RenderGpuSaturation (threshold 99 %).
        let gpu = primary
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .find(|r| r["alert"] == "RenderGpuSaturation")
            .unwrap();
        let mut twin = gpu.clone();
        let expr = gpu["expr"].as_str().unwrap();
        assert!(expr.ends_with("> 90"), "{expr}");
        twin["expr"] = expr.replace("> 90", "> 99").into();
        twin["labels"]["severity"] = "critical".into();
        write(&dir, "twin.yaml", r#"{"groups": []}"#);
        write(&dir.join("rules"), "twin.yaml", &serde_json::json!({ "groups": [{ "name": "drill-fixture.critical-twin", "rules": [twin] }] }).to_string());

        // Alertmanager: the generated config; Secrets as files under the temp dir.
        let secrets = dir.join("secrets");
        let mut am = file("alertmanager/alertmanager.yaml");
        assert_eq!(am.matches("/etc/alertmanager/secrets/").count(), 3, "{am}");
        am = am.replace(
            "/etc/alertmanager/secrets/",
            &format!("{}/", secrets.display()),
        );
        assert!(am.contains(luneo_obs_core::generate::alertmanager::PAGERDUTY_URL));
        am = am.replace(
            luneo_obs_core::generate::alertmanager::PAGERDUTY_URL,
            &format!("http://127.0.0.1:{}/pagerduty/v2/enqueue", rx.port),
        );
        write(
            &secrets,
            "alertmanager-luneo/slack-sre-url",
            &format!("http://127.0.0.1:{}/slack/sre", rx.port),
        );
        write(
            &secrets,
            "alertmanager-luneo/slack-incident-url",
            &format!("http://127.0.0.1:{}/slack/incident", rx.port),
        );
        write(
            &secrets,
            "alertmanager-luneo/pagerduty-routing-key",
            "drill-routing-key",
        );
        let am_cfg = write(&dir, "alertmanager.yaml", &am);
        // One Prometheus per cluster: its own rules, its own targets (no cluster label on
        // any series), and the external labels of the generated values of its cluster.
        let mut prom_cfgs = BTreeMap::new();
        for (cluster, rule_files) in CLUSTERS {
            let values: serde_json::Value =
                yaml_serde::from_str(&file(&format!("prometheus/values-{cluster}.yaml"))).unwrap();
            let external = &values["prometheus"]["prometheusSpec"]["externalLabels"];
            assert_eq!(external["cluster"], cluster, "{values}");
            let cfg = write(
                &dir,
                &format!("prometheus-{cluster}.yaml"),
                &format!(
                    "global: {{scrape_interval: 1s, evaluation_interval: 1s, external_labels: {external}}}\nrule_files: {}\nalerting:\n  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]}}]\nscrape_configs:\n  - job_name: luneo-api\n    metrics_path: /metrics/{cluster}\n    static_configs: [{{targets: ['127.0.0.1:{}']}}]\n",
                    serde_json::json!(rule_files),
                    exp.port
                ),
            );
            prom_cfgs.insert(cluster, cfg);
        }
        let s = |p: &Path| p.display().to_string();
        let mut procs = Vec::new();
        procs.push(
            live::spawn(
                "alertmanager",
                "prometheus-alertmanager",
                &[
                    format!("--config.file={}", s(&am_cfg)),
                    format!("--web.listen-address=127.0.0.1:{am_port}"),
                    format!("--storage.path={}", s(&dir.join("am-data"))),
                    "--cluster.listen-address=".into(),
                ],
                &dir.join("alertmanager.log"),
            )
            .unwrap_or_else(|e| panic!("{e}")),
        );
        for (cluster, cfg) in &prom_cfgs {
            let port = prom_ports[cluster];
            procs.push(
                live::spawn(
                    "prometheus",
                    "prometheus",
                    &[
                        format!("--config.file={}", s(cfg)),
                        format!("--web.listen-address=127.0.0.1:{port}"),
                        format!(
                            "--storage.tsdb.path={}",
                            s(&dir.join(format!("prom-data-{cluster}")))
                        ),
                        "--rules.alert.resend-delay=1s".into(),
                        "--web.enable-lifecycle".into(),
                    ],
                    &dir.join(format!("prometheus-{cluster}.log")),
                )
                .unwrap_or_else(|e| panic!("{e}")),
            );
        }
        let d = Drill {
            dir,
            rx,
            exp,
            am_port,
            prom_ports,
            plugin,
            _procs: procs,
        };
        let servers: Vec<(String, u16)> = std::iter::once(("alertmanager".to_string(), am_port))
            .chain(
                d.prom_ports
                    .iter()
                    .map(|(c, p)| (format!("prometheus-{c}"), *p)),
            )
            .collect();
        for (name, port) in servers {
            let ready = wait_for(Duration::from_secs(30), POLL, || {
                live::http("GET", port, "/-/ready", None)
                    .ok()
                    .filter(|(c, _)| *c == 200)
            });
            assert!(
                ready.is_some(),
                "{name} not ready on 127.0.0.1:{port}; log:\n{}",
                d.log(&name)
            );
        }
        d
    }

    /// Load the generated rules into the running Prometheus (copy, then `/-/reload`).
    ///
    /// Why not at start: the drill divides every `for` by 60 (5m -> 5s) but not Prometheus's
    /// own start-up, which takes a few seconds before the first scrapes. ApiUnavailable
    /// (`for: 5m` in production, against a restart gap of one or two 30s scrapes) would
    /// see those seconds without samples as 5 scaled minutes of outage and page. Loaded
    /// after the first scrapes, the rules see what a long-running Prometheus sees.
    fn load_rules(&self) {
        for (cluster, files) in CLUSTERS {
            for name in files {
                std::fs::copy(self.dir.join("rules").join(name), self.dir.join(name))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            let port = self.prom_ports[cluster];
            let r = live::http("POST", port, "/-/reload", None);
            assert!(
                r.as_ref().is_ok_and(|(c, _)| *c == 200),
                "Prometheus of {cluster} reload failed: {r:?}\n{}",
                self.log(&format!("prometheus-{cluster}"))
            );
            let loaded = wait_for(Duration::from_secs(10), POLL, || {
                let rules = get_json(port, "/api/v1/rules").ok()?;
                (rules["data"]["groups"].as_array()?.len() > 1).then_some(())
            });
            assert!(
                loaded.is_some(),
                "Prometheus of {cluster} did not load the rules"
            );
        }
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }

    /// An instant query to the Prometheus of `cluster`.
    fn query(&self, cluster: &str, q: &str) -> Vec<serde_json::Value> {
        let path = format!(
            "/api/v1/query?query={}",
            q.bytes()
                .map(|b| if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                })
                .collect::<String>()
        );
        get_json(self.prom_ports[cluster], &path)
            .ok()
            .and_then(|v| v["data"]["result"].as_array().cloned())
            .unwrap_or_default()
    }

    fn am_alerts(&self) -> Vec<serde_json::Value> {
        get_json(self.am_port, "/api/v2/alerts")
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
    }

    /// Decoded notifications that arrived at or after `since`.
    fn seen_since(&self, since: Duration) -> Vec<(Duration, Seen, live::Notification)> {
        self.rx
            .all()
            .into_iter()
            .filter(|n| n.at >= since)
            .filter_map(|n| decode(&n).map(|s| (n.at, s, n)))
            .collect()
    }

    /// First arrival of (alert, status) at each receiver since `since`.
    fn arrivals(&self, alert: &str, status: &str, since: Duration) -> BTreeMap<String, Duration> {
        let mut out = BTreeMap::new();
        for (at, s, _) in self.seen_since(since) {
            if s.alertname == alert && s.status == status {
                out.entry(s.receiver).or_insert(at);
            }
        }
        out
    }

    /// Wait until (alert, status) reached every receiver of `want` since `since`.
    fn wait_delivered(
        &self,
        alert: &str,
        status: &str,
        want: &BTreeSet<String>,
        since: Duration,
        limit: Duration,
    ) -> BTreeMap<String, Duration> {
        let got = wait_for(limit, POLL, || {
            let a = self.arrivals(alert, status, since);
            want.iter().all(|r| a.contains_key(r)).then_some(a)
        });
        got.unwrap_or_else(|| {
            panic!(
                "{alert} {status} did not reach {want:?} within {limit:?} (since {since:?}); got {:?}\nAlertmanager alerts: {}\nprometheus log tail: {}",
                self.arrivals(alert, status, since),
                serde_json::to_string(&self.am_alerts()).unwrap_or_default(),
                self.log("prometheus-primary").lines().rev().take(5).collect::<Vec<_>>().join("\n")
            )
        })
    }

    /// The Alertmanager alert `alert` of `cluster` at `severity` (the production alerts
    /// exist on both clusters).
    fn am_alert(&self, alert: &str, cluster: &str, severity: &str) -> Option<serde_json::Value> {
        self.am_alerts().into_iter().find(|a| {
            a["labels"]["alertname"] == alert
                && a["labels"]["cluster"] == cluster
                && a["labels"]["severity"] == severity
        })
    }

    fn plugin(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(&self.plugin)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", self.plugin.display()));
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn am_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.am_port)
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Configured minimum from fault to notification: for + scrape + evaluation + group_wait.
fn minimum(for_: &str, group_wait_ms: u64) -> f64 {
    let f = luneo_obs_core::model::duration::parse(for_).unwrap_or(0) as f64 / 1000.0;
    f + SCRAPE_S + EVAL_S + group_wait_ms as f64 / 1000.0
}

#[test]
fn live_drill_every_alert_reaches_exactly_its_receivers_and_dr_mode_mutes_only_the_expected_ones() {
    let d = Drill::start();
    let scaled = luneo_obs_core::generate::alertmanager::scaled(
        &luneo_obs_core::load::load_embedded().unwrap(),
        SCALE,
    );
    let group_wait = scaled
        .defs
        .spec
        .notifications
        .grouping
        .group_wait
        .parsed()
        .unwrap();
    let group_interval = Duration::from_millis(
        scaled
            .defs
            .spec
            .notifications
            .grouping
            .group_interval
            .parsed()
            .unwrap(),
    );
    let for_of: BTreeMap<String, String> = scaled
        .defs
        .spec
        .alerts
        .iter()
        .map(|a| (a.name.clone(), a.for_.to_string()))
        .collect();
    assert_eq!(
        scaled
            .defs
            .spec
            .alerts
            .iter()
            .filter(|a| a.dr_expected)
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec![
            "ApiUnavailable",
            "StandbyApiUnavailable",
            "StandbyQueueGrowth"
        ]
    );

    for (cluster, _) in CLUSTERS {
        let up = wait_for(Duration::from_secs(30), POLL, || {
            (d.query(cluster, "up{job=\"luneo-api\"} == 1").len() == 1).then_some(())
        });
        assert!(
            up.is_some(),
            "the Prometheus of {cluster} never scraped the exporter:\n{}",
            d.log(&format!("prometheus-{cluster}"))
        );
        // Per-cluster topology: no scraped series carries a cluster label.
        let labelled = d.query(cluster, "count({cluster!=\"\"})");
        assert!(
            labelled.is_empty(),
            "{cluster}: series with a cluster label: {labelled:?}"
        );
    }
    std::thread::sleep(Duration::from_secs(3)); // a few samples, so rates exist
                                                // The standby API has never served: its series does not exist (StandbyApiUnavailable's
                                                // fault is there from the first evaluation of the rules).
    d.load_rules();
    let t_standby_fault = d.rx.now();
    std::thread::sleep(Duration::from_secs(4)); // a little healthy history

    // ---- Phase 1: every fault at once; each alert must reach exactly its receivers.
    let t1 = d.rx.now();
    d.exp.set(|w| {
        w.slow_ok = 2000.0; // P95 ~ 0.97 s > 600 ms
        w.errors = 500.0; // 20 % 5xx > 5 %
        w.gpu = 95.0; // > 90 % (twin: > 99 %, silent)
        *w.queue_slope
            .get_mut(&("primary".into(), "luneo-ai".into()))
            .unwrap() = 5.0; // 300 jobs/min
                             // 30 jobs/min: above StandbyQueueGrowth's 5, below the 40 of QueueWaitThreshold,
                             // which watches the standby too (failover) and must stay silent here.
        *w.queue_slope
            .get_mut(&("standby".into(), "luneo-ai".into()))
            .unwrap() = 0.5;
    });
    let mut table = Vec::new();
    for alert in SIX {
        let (sev, want) = expected(alert);
        let arr = d.wait_delivered(
            alert,
            "firing",
            &want,
            t1.min(t_standby_fault),
            Duration::from_secs(90),
        );
        let injected = if alert == "StandbyApiUnavailable" {
            t_standby_fault
        } else {
            t1
        };
        let last = arr.values().max().copied().unwrap_or_default();
        table.push((
            alert.to_string(),
            sev,
            want.iter().cloned().collect::<Vec<_>>().join(" + "),
            secs(last.saturating_sub(injected)),
            minimum(&for_of[alert], group_wait),
        ));
    }
    std::thread::sleep(group_interval + Duration::from_secs(1)); // let any stray notification arrive
    let phase1 = d.seen_since(Duration::ZERO);
    let mut by_alert: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, s, n) in &phase1 {
        assert_ne!(
            s.alertname, "Watchdog",
            "the Watchdog must page nobody: {:?}",
            n.body
        );
        if s.status == "firing" {
            by_alert
                .entry(s.alertname.clone())
                .or_default()
                .insert(s.receiver.clone());
        }
        let (sev, _) = expected(&s.alertname);
        assert_eq!(
            (s.severity.as_str(), s.cluster.as_str()),
            (sev, cluster_of(&s.alertname)),
            "{s:?}"
        );
        // The right webhook for the channel, and the template's content.
        match s.receiver.as_str() {
            "slack #sre" => assert_eq!(n.path, "/slack/sre"),
            "slack #incident" => assert_eq!(n.path, "/slack/incident"),
            _ => {
                assert_eq!(n.body["routing_key"], "drill-routing-key");
                let details = &n.body["payload"]["custom_details"];
                for k in [
                    "summary",
                    "description",
                    "cluster",
                    "severity",
                    "runbook",
                    "dashboard",
                ] {
                    assert!(
                        details[k].as_str().is_some_and(|v| !v.is_empty()),
                        "PagerDuty detail {k} missing: {}",
                        n.body
                    );
                }
                assert!(
                    n.body["links"].to_string().contains("/docs/runbooks/"),
                    "{}",
                    n.body
                );
            }
        }
        if n.kind == "slack" && s.status == "firing" {
            let text = n.body["attachments"][0]["text"]
                .as_str()
                .unwrap_or_default();
            for needle in [
                "runbook: https://github.com/luneo/luneo-obs/blob/main/docs/runbooks/",
                "dashboard: https://grafana.luneo.io/d/",
                &format!("cluster: `{}`", s.cluster),
                &format!("severity: `{}`", s.severity),
            ] {
                assert!(text.contains(needle), "Slack text lacks {needle:?}: {text}");
            }
        }
    }
    for alert in SIX {
        assert_eq!(
            by_alert.get(alert).cloned().unwrap_or_default(),
            expected(alert).1,
            "{alert} must reach exactly its receivers"
        );
    }
    assert_eq!(
        by_alert.len(),
        6,
        "only the six alerts notify: {by_alert:?}"
    );

    // Watchdog: firing on both clusters, routed to its (null) receiver, paging nobody.
    let wd: Vec<_> = d
        .am_alerts()
        .into_iter()
        .filter(|a| a["labels"]["alertname"] == "Watchdog")
        .collect();
    let wd_clusters: BTreeSet<String> = wd
        .iter()
        .map(|a| a["labels"]["cluster"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        wd_clusters,
        ["primary", "standby"]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        "{wd:?}"
    );
    assert!(
        wd.iter()
            .all(|a| a["status"]["state"] == "active" && a["receivers"][0]["name"] == "null"),
        "{wd:?}"
    );

    // Per-cluster topology: every alert in Alertmanager came from its own cluster's
    // Prometheus (which saw no cluster label on any series) and carries that cluster.
    let mut by_cluster: BTreeMap<String, usize> = BTreeMap::new();
    for a in d.am_alerts() {
        let cluster = a["labels"]["cluster"].as_str().unwrap_or("").to_string();
        let port = d
            .prom_ports
            .get(cluster.as_str())
            .unwrap_or_else(|| panic!("alert without a known cluster: {a}"));
        assert!(
            a["generatorURL"]
                .as_str()
                .is_some_and(|u| u.contains(&format!(":{port}/"))),
            "{cluster}'s alert does not come from {cluster}'s Prometheus: {a}"
        );
        *by_cluster.entry(cluster).or_default() += 1;
    }
    assert_eq!(by_cluster.len(), 2, "{by_cluster:?}");

    // ---- Phase 2: clear every fault; every alert sends its resolution to its receivers.
    let t2 = d.rx.now();
    d.exp.set(|w| {
        w.slow_ok = 0.0;
        w.errors = 0.0;
        w.fast_ok = 2_000_000.0; // swamps the 5m windows with fast 200s
        w.gpu = 30.0;
        w.standby_api = Some(5.0);
        for (_, s) in w.queue_slope.iter_mut() {
            *s = if *s > 0.0 { -1000.0 } else { 0.0 }; // the backlogs drain to empty
        }
    });
    let mut resolved_at = BTreeMap::new();
    for alert in SIX {
        let arr = d.wait_delivered(
            alert,
            "resolved",
            &expected(alert).1,
            t2,
            Duration::from_secs(60),
        );
        resolved_at.insert(
            alert,
            secs(
                arr.values()
                    .max()
                    .copied()
                    .unwrap_or_default()
                    .saturating_sub(t2),
            ),
        );
    }
    // The standby stops serving again: StandbyApiUnavailable will fire once its 2m rate
    // window holds no increase (plus `for`), inside the DR window below.
    let t_flat = d.rx.now();
    d.exp.set(|w| {
        w.standby_api = Some(0.0);
        w.fast_ok = 20.0;
        for (_, s) in w.queue_slope.iter_mut() {
            *s = 0.0;
        }
    });

    // ---- Phase 3: DR window with the real CLI; DR-expected alerts muted, nothing else.
    let am = d.am_url();
    let (code, out, err) = d.plugin(&["dr", "start", "--duration", "10m", "--alertmanager", &am]);
    assert_eq!(code, 0, "{out}{err}");
    // ApiUnavailable (primary) and the two standby alerts.
    assert_eq!(out.matches("  created  ").count(), 3, "{out}");
    let (code, out2, err) = d.plugin(&["dr", "start", "--duration", "10m", "--alertmanager", &am]);
    assert_eq!(
        (
            code,
            out2.matches("  created  ").count(),
            out2.matches("  kept  ").count()
        ),
        (0, 0, 3),
        "second start must not duplicate: {out2}{err}"
    );
    let silences = get_json(d.am_port, "/api/v2/silences").unwrap();
    let dr_silences: Vec<_> = silences
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["status"]["state"] == "active"
                && s["createdBy"]
                    .as_str()
                    .unwrap_or("")
                    .contains("dr_mode=true")
        })
        .collect();
    assert_eq!(dr_silences.len(), 3, "{silences}");
    let (code, status, _) = d.plugin(&["dr", "status", "--alertmanager", &am]);
    assert!(
        code == 0 && status.matches("active").count() == 3,
        "{status}"
    );
    // Over-long window refused, nothing created.
    let (code, _, err) = d.plugin(&["dr", "start", "--duration", "5h", "--alertmanager", &am]);
    assert!(code == 1 && err.contains("dr/window-too-long"), "{err}");

    let t3 = d.rx.now();
    d.exp.set(|w| {
        *w.queue_slope
            .get_mut(&("standby".into(), "luneo-render".into()))
            .unwrap() = 50.0; // DR-expected (steep: a long flat history is in the deriv window)
        *w.queue_slope
            .get_mut(&("primary".into(), "luneo-render".into()))
            .unwrap() = 50.0; // not DR-expected (warning)
        w.errors = 1_000_000.0; // not DR-expected (critical)
    });
    let refire_errors = d.wait_delivered(
        "ApiErrorRate",
        "firing",
        &expected("ApiErrorRate").1,
        t3,
        Duration::from_secs(90),
    );
    let refire_queue = d.wait_delivered(
        "QueueWaitThreshold",
        "firing",
        &expected("QueueWaitThreshold").1,
        t3,
        Duration::from_secs(90),
    );
    let muted = wait_for(Duration::from_secs(60), POLL, || {
        d.am_alert("StandbyQueueGrowth", "standby", "warning")
            .filter(|a| {
                a["status"]["state"] == "suppressed"
                    && a["status"]["silencedBy"]
                        .as_array()
                        .is_some_and(|s| !s.is_empty())
            })
    });
    assert!(
        muted.is_some(),
        "StandbyQueueGrowth never fired under the DR silence: {:?}",
        d.am_alerts()
    );
    // The same growth on the standby also fires the production queue alert there (it
    // watches the standby for a failover), and the DR window does not mute it.
    let standby_production = wait_for(Duration::from_secs(60), POLL, || {
        d.am_alert("QueueWaitThreshold", "standby", "warning")
            .filter(|a| a["status"]["state"] == "active")
    });
    assert!(
        standby_production.is_some(),
        "QueueWaitThreshold never fired, unmuted, on the standby during the DR window: {:?}",
        d.am_alerts()
    );
    // Failover: the standby's production alert reaches the on-call like the primary's.
    let standby_delivered = wait_for(Duration::from_secs(60), POLL, || {
        d.seen_since(t3).into_iter().find(|(_, s, _)| {
            s.alertname == "QueueWaitThreshold"
                && s.cluster == "standby"
                && s.status == "firing"
                && expected("QueueWaitThreshold").1.contains(&s.receiver)
        })
    });
    assert!(
        standby_delivered.is_some(),
        "the standby's QueueWaitThreshold was not delivered during the DR window: {:?}",
        d.seen_since(t3)
            .iter()
            .map(|(_, s, _)| s)
            .collect::<Vec<_>>()
    );

    // ---- Phase 4 (inside the DR window, primary only): a critical mutes its warning twin.
    let t4 = d.rx.now();
    d.exp.set(|w| w.gpu = 100.0);
    let crit: BTreeSet<String> = ["slack #incident", "pagerduty"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let twin_arr = d.wait_delivered(
        "RenderGpuSaturation",
        "firing",
        &crit,
        t4,
        Duration::from_secs(60),
    );
    let twin_at = twin_arr.values().max().copied().unwrap_or_default();
    std::thread::sleep(2 * group_interval);
    assert!(
        !d.arrivals("RenderGpuSaturation", "firing", t4)
            .contains_key("slack #sre"),
        "the warning twin must be muted while the critical fires"
    );
    let inhibited = d
        .am_alert("RenderGpuSaturation", "primary", "warning")
        .unwrap();
    assert!(
        inhibited["status"]["inhibitedBy"]
            .as_array()
            .is_some_and(|v| !v.is_empty()),
        "{inhibited}"
    );
    let pd_twin: Vec<_> = d
        .seen_since(t4)
        .into_iter()
        .filter(|(_, s, _)| s.alertname == "RenderGpuSaturation" && s.receiver == "pagerduty")
        .collect();
    assert!(
        pd_twin.iter().all(|(_, s, _)| s.severity == "critical"),
        "PagerDuty severity is the alert's: {pd_twin:?}"
    );
    let t5 = d.rx.now();
    d.exp.set(|w| w.gpu = 95.0); // the critical resolves; the warning is no longer inhibited
    d.wait_delivered(
        "RenderGpuSaturation",
        "resolved",
        &crit,
        t5,
        Duration::from_secs(60),
    );
    let warn_after = d.wait_delivered(
        "RenderGpuSaturation",
        "firing",
        &expected("RenderGpuSaturation").1,
        t5,
        Duration::from_secs(60),
    );

    // ---- Phase 5: StandbyApiUnavailable fires under the DR silence, and is not delivered.
    let limit = Duration::from_secs(240);
    let muted_api = wait_for(limit, Duration::from_millis(500), || {
        d.am_alert("StandbyApiUnavailable", "standby", "warning")
            .filter(|a| {
                a["status"]["state"] == "suppressed"
                    && a["status"]["silencedBy"]
                        .as_array()
                        .is_some_and(|s| !s.is_empty())
            })
    });
    assert!(
        muted_api.is_some(),
        "StandbyApiUnavailable never fired under the DR silence"
    );
    let t_api_muted = d.rx.now();
    // Nothing else is silenced: every silenced alert is DR-expected on the standby.
    for a in d.am_alerts() {
        let silenced = a["status"]["silencedBy"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        let dr = (matches!(
            a["labels"]["alertname"].as_str(),
            Some("StandbyApiUnavailable" | "StandbyQueueGrowth")
        ) && a["labels"]["cluster"] == "standby")
            || (a["labels"]["alertname"] == "ApiUnavailable"
                && a["labels"]["cluster"] == "primary");
        assert_eq!(
            silenced, dr,
            "silence must match exactly the DR-expected alerts: {a}"
        );
    }
    for alert in ["StandbyApiUnavailable", "StandbyQueueGrowth"] {
        assert!(
            d.arrivals(alert, "firing", t3).is_empty(),
            "{alert} was delivered during the DR window"
        );
    }

    // ---- Phase 6: `dr end` expires exactly the DR silences and delivery resumes.
    let t6 = d.rx.now();
    let (code, out, err) = d.plugin(&["dr", "end", "--alertmanager", &am]);
    assert_eq!(
        (code, out.matches("  expired  ").count()),
        (0, 3),
        "{out}{err}"
    );
    let restored: Vec<_> = ["StandbyQueueGrowth", "StandbyApiUnavailable"]
        .iter()
        .map(|a| {
            (
                *a,
                d.wait_delivered(a, "firing", &expected(a).1, t6, Duration::from_secs(60)),
            )
        })
        .collect();
    let (code, status, _) = d.plugin(&["dr", "status", "--alertmanager", &am]);
    assert!(code == 0 && status.contains("no DR silence"), "{status}");

    // ---- Phase 7: outage. The primary API stops serving (every request counter flat):
    // the ratio alerts see nothing, ApiUnavailable pages once its 2m rate window holds no
    // increase (plus `for`).
    let t7 = d.rx.now();
    d.exp.set(|w| {
        w.fast_ok = 0.0;
        w.slow_ok = 0.0;
        w.errors = 0.0;
    });
    let outage = d.wait_delivered(
        "ApiUnavailable",
        "firing",
        &expected("ApiUnavailable").1,
        t7,
        Duration::from_secs(240),
    );

    // ---- The measurements.
    println!("\nlive drill (time scale 1/{SCALE}: scrape {SCRAPE_S}s, evaluation {EVAL_S}s, group_wait {group_wait}ms)");
    println!("measured: fault injected -> notification at its last receiver; config min: for + scrape + evaluation + group_wait");
    println!("(scrape and evaluation are upper bounds of the phase delays, so a measurement can land up to 2s under it)");
    println!(
        "{:<24} {:<9} {:<28} {:>10} {:>12}",
        "alert", "severity", "receivers", "measured", "config min"
    );
    for (a, sev, rcv, m, min) in &table {
        println!("{a:<24} {sev:<9} {rcv:<28} {m:>9.2}s {min:>11.2}s");
    }
    let twin_min = minimum(&for_of["RenderGpuSaturation"], group_wait);
    println!(
        "{:<24} {:<9} {:<28} {:>9.2}s {:>11.2}s  (fixture twin, gpu 100 %)",
        "RenderGpuSaturation",
        "critical",
        "slack #incident + pagerduty",
        secs(twin_at.saturating_sub(t4)),
        twin_min
    );
    println!(
        "resolution sent (fault cleared -> last receiver): {}",
        resolved_at
            .iter()
            .map(|(a, s)| format!("{a} {s:.2}s"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "during DR: ApiErrorRate {:.2}s, QueueWaitThreshold {:.2}s delivered; StandbyApiUnavailable muted {:.1}s after its traffic stopped (2m rate window + for)",
        secs(refire_errors.values().max().copied().unwrap_or_default().saturating_sub(t3)),
        secs(refire_queue.values().max().copied().unwrap_or_default().saturating_sub(t3)),
        secs(t_api_muted.saturating_sub(t_flat))
    );
    println!(
        "outage: ApiUnavailable delivered {:.1}s after the primary stopped serving (2m rate window + for)",
        secs(outage.values().max().copied().unwrap_or_default().saturating_sub(t7))
    );
    println!(
        "inhibited warning delivered {:.2}s after its critical twin resolved",
        secs(
            warn_after
                .values()
                .max()
                .copied()
                .unwrap_or_default()
                .saturating_sub(t5)
        )
    );
    for (a, arr) in restored {
        println!(
            "after dr end: {a} delivered {:.2}s later",
            secs(
                arr.values()
                    .max()
                    .copied()
                    .unwrap_or_default()
                    .saturating_sub(t6)
            )
        );
    }
    println!(
        "drill wall time {:.0}s, {} notifications received",
        secs(d.rx.now()),
        d.rx.all().len()
    );
}
