#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

use super::{folder, kinds_for, render, Kind, TOP_ROUTES};
use crate::load;
use crate::model::Cluster;

/// The dashboard as JSON, to read it as Grafana does.
fn build(defs: &crate::model::Definitions, kind: Kind, c: &Cluster) -> Value {
    serde_json::to_value(super::build(defs, kind, c)).unwrap()
}

fn loaded(text: &str) -> crate::load::Loaded {
    load::load("defs.yaml", text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn cluster<'a>(l: &'a crate::load::Loaded, name: &str) -> &'a Cluster {
    l.defs
        .spec
        .clusters
        .iter()
        .find(|c| c.name == name)
        .unwrap()
}

fn panel<'a>(d: &'a Value, title: &str) -> &'a Value {
    d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == title)
        .unwrap_or_else(|| panic!("no panel {title}"))
}

fn red(p: &Value) -> f64 {
    p["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"]
        .as_f64()
        .unwrap()
}

/// The alert's threshold read straight from the YAML text (not through the model).
fn yaml_threshold(alert: &str) -> (f64, String) {
    let v: Value = yaml_serde::from_str(crate::source::EMBEDDED).unwrap();
    let a = v["spec"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == alert)
        .unwrap();
    (
        a["threshold"]["value"].as_f64().unwrap(),
        a["threshold"]["unit"].as_str().unwrap().to_string(),
    )
}

#[test]
fn panel_thresholds_are_the_alert_thresholds() {
    let l = loaded(crate::source::EMBEDDED);
    let p = cluster(&l, "primary");
    let s = cluster(&l, "standby");
    let api = build(&l.defs, Kind::Api, p);
    assert_eq!(yaml_threshold("ApiLatencyHigh"), (600.0, "ms".into()));
    assert_eq!(red(panel(&api, "P95 latency")), 600.0);
    assert_eq!(
        panel(&api, "P95 latency")["fieldConfig"]["defaults"]["unit"],
        "ms"
    );
    assert_eq!(
        red(panel(
            &api,
            &format!("Top {TOP_ROUTES} routes by P95 latency")
        )),
        600.0
    );
    assert_eq!(yaml_threshold("ApiErrorRate"), (5.0, "percent".into()));
    assert_eq!(red(panel(&api, "5xx ratio")), 0.05);
    assert_eq!(
        panel(&api, "5xx ratio")["fieldConfig"]["defaults"]["unit"],
        "percentunit"
    );
    let queues = build(&l.defs, Kind::Queues, p);
    assert_eq!(yaml_threshold("QueueWaitThreshold").0, 40.0);
    assert_eq!(
        red(panel(&queues, "Backlog growth per queue (jobs/min)")),
        40.0
    );
    assert_eq!(
        yaml_threshold("RenderGpuSaturation"),
        (90.0, "percent".into())
    );
    assert_eq!(red(panel(&queues, "Average GPU utilisation")), 90.0);
    let standby = build(&l.defs, Kind::Standby, s);
    assert_eq!(yaml_threshold("StandbyQueueGrowth").0, 5.0);
    assert_eq!(
        red(panel(&standby, "Backlog growth per queue (jobs/min)")),
        5.0
    );
    // The standby has no latency alert: it shows the production objective.
    assert_eq!(red(panel(&standby, "P95 latency")), 600.0);
}

#[test]
fn route_scoped_objectives_do_not_set_the_whole_api_panels() {
    let route_alert = "    - name: CheckoutLatency\n      slo: apiLatency\n      quantile: 0.99\n      threshold: { value: 2, unit: s }\n      routes: [/api/v1/checkout]\n      for: 5m\n      severity: warning\n      clusters: [primary]\n      summary: Checkout is slow.\n\n";
    let text = crate::source::EMBEDDED.replacen(
        "    - name: ApiLatencyHigh",
        &format!("{route_alert}    - name: ApiLatencyHigh"),
        1,
    );
    let l = loaded(&text);
    assert_eq!(l.defs.spec.alerts[0].name, "CheckoutLatency");
    let api = build(&l.defs, Kind::Api, cluster(&l, "primary"));
    assert_eq!(red(panel(&api, "P95 latency")), 600.0);
}

#[test]
fn latency_threshold_converts_from_seconds() {
    // The alert's threshold (the first one written; the api-latency SLO's stays on a
    // bucket boundary).
    let text = crate::source::EMBEDDED.replacen(
        "threshold: { value: 600, unit: ms }",
        "threshold: { value: 0.75, unit: s }",
        1,
    );
    let l = loaded(&text);
    let api = build(&l.defs, Kind::Api, cluster(&l, "primary"));
    assert_eq!(red(panel(&api, "P95 latency")), 750.0);
}

#[test]
fn settings_come_from_the_definitions_and_default_when_absent() {
    let l = loaded(crate::source::EMBEDDED);
    let s = build(&l.defs, Kind::Standby, cluster(&l, "standby"));
    assert_eq!(
        (s["refresh"].as_str(), s["time"]["from"].as_str()),
        (Some("1m"), Some("now-12h"))
    );
    let text = crate::source::EMBEDDED.replace(
        "    queues:\n      refresh: 30s\n      timeRange: 1h\n",
        "    queues:\n      refresh: 10s\n      timeRange: 3h\n      folder: Queues\n",
    );
    let l2 = loaded(&text);
    let q = build(&l2.defs, Kind::Queues, cluster(&l2, "primary"));
    assert_eq!(
        (q["refresh"].as_str(), q["time"]["from"].as_str()),
        (Some("10s"), Some("now-3h"))
    );
    assert_eq!(folder(&l2.defs, Kind::Queues), "Queues");
    assert_eq!(folder(&l2.defs, Kind::Api), "Luneo");
    // A definitions file written before spec.dashboards existed still loads.
    let start = crate::source::EMBEDDED
        .find("\n  # Grafana dashboards")
        .unwrap();
    let end = crate::source::EMBEDDED[start..]
        .find("      timeRange: 12h\n")
        .unwrap()
        + start
        + "      timeRange: 12h\n".len();
    let old = format!(
        "{}\n{}",
        &crate::source::EMBEDDED[..start],
        &crate::source::EMBEDDED[end..]
    );
    assert!(!old.contains("dashboards:"));
    let l3 = loaded(&old);
    assert_eq!(l3.defs.spec.dashboards, crate::model::Dashboards::default());
    assert_eq!(
        build(&l3.defs, Kind::Api, cluster(&l3, "primary"))["refresh"],
        "30s"
    );
}

#[test]
fn bad_settings_are_diagnosed_at_the_field() {
    for (from, to, code) in [
        (
            "refresh: 1m",
            "refresh: 2s",
            "definitions/dashboard-refresh",
        ),
        (
            "timeRange: 12h",
            "timeRange: 1h30m",
            "definitions/bad-duration",
        ),
        (
            "timeRange: 12h",
            "timeRange: soon",
            "definitions/bad-duration",
        ),
    ] {
        let text = crate::source::EMBEDDED.replace(from, to);
        let d = load::load("defs.yaml", &text)
            .err()
            .unwrap_or_else(|| panic!("{to} accepted"));
        let x = d
            .iter()
            .find(|x| x.code == code)
            .unwrap_or_else(|| panic!("{code}: {d:?}"));
        let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
        assert_eq!(x.line, line, "{}", x.render());
    }
}

#[test]
fn failover_copies_on_the_secondary_default_to_it() {
    let l = loaded(crate::source::EMBEDDED);
    assert_eq!(
        kinds_for(&l.defs, cluster(&l, "primary")),
        vec![Kind::Api, Kind::Queues, Kind::Slos]
    );
    assert_eq!(
        kinds_for(&l.defs, cluster(&l, "standby")),
        vec![Kind::Standby, Kind::Api, Kind::Queues, Kind::Slos]
    );
    // Without SLOs, no SLO dashboard.
    let mut none = l.clone();
    none.defs.spec.slos.clear();
    assert_eq!(
        kinds_for(&none.defs, cluster(&none, "primary")),
        vec![Kind::Api, Kind::Queues]
    );
    // With a cluster label (central store) the copy's `cluster` variable defaults to the
    // secondary; without one the dashboard only shows its own Prometheus.
    let mut central = l.clone();
    central.defs.spec.metrics.cluster_label = Some("cluster".into());
    let api = build(&central.defs, Kind::Api, cluster(&central, "standby"));
    let var = api["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "cluster")
        .unwrap();
    assert_eq!(var["current"]["value"], "standby");
    let own = build(&l.defs, Kind::Api, cluster(&l, "standby"));
    assert!(own["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["name"] != "cluster"));
}

#[test]
fn size_does_not_grow_with_queues() {
    let l = loaded(crate::source::EMBEDDED);
    let mut text = crate::source::EMBEDDED.to_string();
    let extra: String = (0..1000)
        .map(|i| format!("    - name: q{i}\n      bullmqName: luneo-q{i}\n"))
        .collect();
    text = text.replace("  alerts:\n", &format!("{extra}\n  alerts:\n"));
    let big = loaded(&text);
    assert_eq!(big.defs.spec.queues.len(), 1002);
    for kind in Kind::ALL {
        let c = if kind == Kind::Standby {
            "standby"
        } else {
            "primary"
        };
        assert_eq!(
            render(&super::build(&l.defs, kind, cluster(&l, c))),
            render(&super::build(&big.defs, kind, cluster(&big, c)))
        );
    }
}

#[test]
fn render_is_the_same_json_one_line_per_panel() {
    let l = loaded(crate::source::EMBEDDED);
    let typed = super::build(&l.defs, Kind::Queues, cluster(&l, "primary"));
    let d = serde_json::to_value(&typed).unwrap();
    let text = render(&typed);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), d);
    let panels = d["panels"].as_array().unwrap().len();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with('{') && l.contains("\"gridPos\":"))
            .count(),
        panels
    );
}
