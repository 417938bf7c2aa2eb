//! PrometheusRule generation: recording rules for the expensive expressions (shared with
//! the dashboards) and the alerts of each cluster.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::load::Loaded;
use crate::model::duration;
use crate::model::{fmt_num, Alert, Cluster, ClusterRole, Definitions, SloKind, Unit};

/// One rule as Prometheus (and the Prometheus Operator) reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alert: Option<String>,
    pub expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none", default)]
    pub for_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub keep_firing_for: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub interval: Option<String>,
    pub rules: Vec<Rule>,
}

/// Where a generated rule comes from in the definitions (for diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub group: usize,
    pub rule: usize,
    /// Path in the definitions document (`spec.alerts[2]`, `spec.metrics.http`).
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct ClusterRules {
    pub cluster: String,
    pub groups: Vec<RuleGroup>,
    pub origins: Vec<Origin>,
}

/// Names of the recording rules, shared by alerts, dashboards and the health panel.
pub struct RecordNames {
    pub route_le_bucket_rate: String,
    pub route_requests_rate: String,
    pub route_5xx_rate: String,
    pub error_ratio: String,
    pub waiting_deriv: String,
    pub gpu_avg: String,
}

/// Rate window of the recording rules: 5m, or 4x the scrape interval when that is longer.
pub fn rate_window(defs: &Definitions) -> String {
    let scrape = duration::parse(&defs.spec.metrics.scrape_interval).unwrap_or(30_000);
    duration::format((4 * scrape).max(300_000))
}

pub fn record_names(defs: &Definitions) -> RecordNames {
    let m = &defs.spec.metrics;
    let w = rate_window(defs);
    let h = &m.http.histogram;
    RecordNames {
        route_le_bucket_rate: format!("route_le:{h}_bucket:rate{w}"),
        route_requests_rate: format!("route:{h}_count:rate{w}"),
        route_5xx_rate: format!("route:{h}_count_5xx:rate{w}"),
        error_ratio: format!("cluster:{h}_count:ratio_5xx_rate{w}"),
        waiting_deriv: format!(
            "queue:{}_{}:deriv{w}",
            m.queues.job_count,
            m.queues.waiting_state.replace('-', "_")
        ),
        gpu_avg: format!("cluster:{}:avg", m.gpu.metric),
    }
}

/// `p95`, `p99`, `p99_9` for a quantile.
pub fn quantile_tag(q: f64) -> String {
    let pct = fmt_num((q * 1000.0).round() / 10.0);
    format!("p{}", pct.replace('.', "_"))
}

pub fn quantile_record(defs: &Definitions, q: f64) -> String {
    format!(
        "cluster:{}:{}_rate{}",
        defs.spec.metrics.http.histogram,
        quantile_tag(q),
        rate_window(defs)
    )
}

/// Builds label selectors from the contract's selector, the cluster and extra matchers.
pub struct Sel<'a> {
    defs: &'a Definitions,
    cluster: &'a str,
}

impl<'a> Sel<'a> {
    pub fn new(defs: &'a Definitions, cluster: &'a str) -> Self {
        Sel { defs, cluster }
    }

    fn inner(s: &Option<String>) -> Vec<String> {
        match s {
            Some(s) => {
                let t = s
                    .trim()
                    .trim_start_matches('{')
                    .trim_end_matches('}')
                    .trim();
                if t.is_empty() {
                    vec![]
                } else {
                    vec![t.to_string()]
                }
            }
            None => vec![],
        }
    }

    /// `metric{contract selector, cluster="x", extra...}`
    pub fn select(&self, metric: &str, contract: &Option<String>, extra: &[String]) -> String {
        let mut parts = Self::inner(contract);
        if let Some(cl) = &self.defs.spec.metrics.cluster_label {
            parts.push(format!("{cl}=\"{}\"", self.cluster));
        }
        parts.extend(extra.iter().cloned());
        if parts.is_empty() {
            metric.to_string()
        } else {
            format!("{metric}{{{}}}", parts.join(", "))
        }
    }

    /// Only the cluster matcher (for recorded series).
    pub fn recorded(&self, metric: &str, extra: &[String]) -> String {
        self.select(metric, &None, extra)
    }

    /// `by (cluster, labels...)`: the cluster label is kept whenever it exists.
    pub fn by(&self, labels: &[&str]) -> String {
        let mut all: Vec<&str> = Vec::new();
        if let Some(cl) = &self.defs.spec.metrics.cluster_label {
            all.push(cl);
        }
        all.extend(labels.iter().copied());
        format!("by ({})", all.join(", "))
    }
}

pub fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

pub fn runbook_url(defs: &Definitions, alert: &str) -> String {
    format!("{}/{}.md", defs.spec.links.runbook_base_url, kebab(alert))
}

/// Uid of the dashboard an alert links to.
pub fn dashboard_uid_for(defs: &Definitions, alert: &Alert, cluster: &Cluster) -> &'static str {
    let _ = defs;
    if cluster.role == ClusterRole::Secondary {
        return "luneo-standby";
    }
    match alert.slo {
        SloKind::QueueBacklogGrowth | SloKind::GpuUtilisation => "luneo-queues",
        _ => "luneo-api",
    }
}

fn queue_regex(defs: &Definitions, names: &[String]) -> String {
    let mut v: Vec<&str> = names
        .iter()
        .filter_map(|n| {
            defs.spec
                .queues
                .iter()
                .find(|q| &q.name == n)
                .map(|q| q.bullmq_name.as_str())
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v.join("|")
}

/// Threshold converted to the unit the expression computes in.
pub fn threshold_in_metric_unit(defs: &Definitions, a: &Alert) -> Option<f64> {
    let t = a.threshold.as_ref()?;
    let target = match a.slo {
        SloKind::ApiLatency => defs.spec.metrics.http.unit,
        SloKind::ApiErrorRatio => Unit::Ratio,
        SloKind::QueueBacklogGrowth => Unit::JobsPerMinute,
        SloKind::GpuUtilisation => defs.spec.metrics.gpu.unit,
        SloKind::ApiNoTraffic | SloKind::Custom => t.unit,
    };
    t.unit.convert(t.value, target)
}

fn fmt_threshold(a: &Alert) -> String {
    match &a.threshold {
        Some(t) => {
            let sym = t.unit.symbol();
            if sym.is_empty() {
                fmt_num(t.value)
            } else if sym == "%" {
                format!("{} %", fmt_num(t.value))
            } else {
                format!("{} {sym}", fmt_num(t.value))
            }
        }
        None => String::new(),
    }
}

/// Escape a literal for an RE2 regex inside a PromQL double-quoted string.
pub fn regex_literal(v: &str) -> String {
    let mut out = String::new();
    for ch in v.chars() {
        if "\\.+*?()|[]{}^$".contains(ch) {
            out.push_str("\\\\");
        } else if ch == '"' {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// `route=~"a|b"` for a route-scoped alert, sorted and deduplicated.
fn route_matcher(defs: &Definitions, routes: &[String]) -> String {
    let mut v: Vec<String> = routes.iter().map(|r| regex_literal(r)).collect();
    v.sort();
    v.dedup();
    format!(
        "{}=~\"{}\"",
        defs.spec.metrics.http.route_label,
        v.join("|")
    )
}

/// The alert expression for one cluster.
pub fn alert_expr(defs: &Definitions, a: &Alert, cluster: &str) -> String {
    let s = Sel::new(defs, cluster);
    let r = record_names(defs);
    let m = &defs.spec.metrics;
    let thr = threshold_in_metric_unit(defs, a)
        .map(fmt_num)
        .unwrap_or_default();
    match a.slo {
        SloKind::ApiLatency => match &a.routes {
            None => format!(
                "{} > {thr}",
                s.recorded(&quantile_record(defs, a.quantile.unwrap_or(0.95)), &[])
            ),
            Some(routes) => format!(
                "histogram_quantile({}, sum {} ({})) > {thr}",
                fmt_num(a.quantile.unwrap_or(0.95)),
                s.by(&[&m.http.route_label, "le"]),
                s.recorded(&r.route_le_bucket_rate, &[route_matcher(defs, routes)])
            ),
        },
        SloKind::ApiErrorRatio => match &a.routes {
            None => format!("{} > {thr}", s.recorded(&r.error_ratio, &[])),
            Some(routes) => {
                let rm = [route_matcher(defs, routes)];
                format!(
                    "(sum {by} ({e}) or sum {by} ({q}) * 0) / sum {by} ({q}) > {thr}",
                    by = s.by(&[&m.http.route_label]),
                    e = s.recorded(&r.route_5xx_rate, &rm),
                    q = s.recorded(&r.route_requests_rate, &rm)
                )
            }
        },
        SloKind::GpuUtilisation => format!("{} > {thr}", s.recorded(&r.gpu_avg, &[])),
        SloKind::QueueBacklogGrowth => {
            let w = a.window.clone().unwrap_or_else(|| "5m".into());
            let re = queue_regex(defs, a.queues.as_deref().unwrap_or(&[]));
            let q = &m.queues;
            let matchers = vec![
                format!("{}=\"{}\"", q.state_label, q.waiting_state),
                format!("{}=~\"{re}\"", q.queue_label),
            ];
            if w == rate_window(defs) {
                format!("{} * 60 > {thr}", s.recorded(&r.waiting_deriv, &matchers))
            } else {
                format!(
                    "max {} (deriv({}[{w}])) * 60 > {thr}",
                    s.by(&[&q.queue_label, &q.state_label]),
                    s.select(&q.job_count, &None, &matchers)
                )
            }
        }
        SloKind::ApiNoTraffic => {
            let scrape = duration::parse(&m.scrape_interval).unwrap_or(30_000);
            let w = a
                .window
                .clone()
                .unwrap_or_else(|| duration::format(4 * scrape));
            let sel = s.select(
                &format!("{}_count", m.http.histogram),
                &m.http.selector,
                &[],
            );
            // One alert identity for both cases: `or vector(0)` turns a missing series into 0,
            // and both branches carry no labels, so `for` is not reset when it switches.
            format!("(sum(rate({sel}[{w}])) or vector(0)) == 0")
        }
        SloKind::Custom => {
            let e = a.expr.clone().unwrap_or_default();
            match &a.threshold {
                Some(t) => format!("({e}) > {}", fmt_num(t.value)),
                None => e,
            }
        }
    }
}

fn description(defs: &Definitions, a: &Alert, cluster: &str) -> String {
    let thr = fmt_threshold(a);
    let m = &defs.spec.metrics;
    match a.slo {
        SloKind::ApiLatency => {
            let q = fmt_num(a.quantile.unwrap_or(0.95) * 100.0);
            let value = if m.http.unit == Unit::Seconds { "{{ $value | humanizeDuration }}".to_string() } else { "{{ $value | printf \"%.0f\" }} ms".to_string() };
            let on = if a.routes.is_some() { format!(" route {{{{ $labels.{} }}}}", m.http.route_label) } else { String::new() };
            format!("P{q} latency of the API{on} on cluster {cluster} is {value}, above the {thr} objective for {}.", a.for_)
        }
        SloKind::ApiErrorRatio => {
            let on = if a.routes.is_some() { format!(" on route {{{{ $labels.{} }}}}", m.http.route_label) } else { String::new() };
            format!("{{{{ $value | humanizePercentage }}}} of the API responses{on} on cluster {cluster} are 5xx (threshold {thr}).")
        }
        SloKind::GpuUtilisation => {
            let value = if m.gpu.unit == Unit::Percent { "{{ $value | printf \"%.1f\" }} %" } else { "{{ $value | humanizePercentage }}" };
            format!("Average GPU utilisation on cluster {cluster} is {value}, above {thr} for {}.", a.for_)
        }
        SloKind::QueueBacklogGrowth => format!(
            "The waiting backlog of queue {{{{ $labels.{} }}}} on cluster {cluster} grows by {{{{ $value | printf \"%.1f\" }}}} jobs/min (threshold {thr}).",
            m.queues.queue_label
        ),
        SloKind::ApiNoTraffic => format!("The API on cluster {cluster} has not served any request for {} (flat request counter or no series at all).", a.for_),
        SloKind::Custom => format!("{} on cluster {cluster}: {{{{ $value }}}}{}.", a.name, if thr.is_empty() { String::new() } else { format!(" (threshold {thr})") }),
    }
}

/// Build all rule groups of one cluster.
pub fn cluster_rules(l: &Loaded, cluster: &Cluster) -> ClusterRules {
    let defs = &l.defs;
    let m = &defs.spec.metrics;
    let s = Sel::new(defs, &cluster.name);
    let r = record_names(defs);
    let w = rate_window(defs);
    let mut groups: Vec<RuleGroup> = Vec::new();
    let mut origins = Vec::new();
    let rec = |name: &str, expr: String| Rule {
        record: Some(name.to_string()),
        expr,
        ..Default::default()
    };

    // API recording rules.
    let h = &m.http;
    let mut api = vec![
        rec(
            &r.route_le_bucket_rate,
            format!(
                "sum {} (rate({}[{w}]))",
                s.by(&[&h.route_label, "le"]),
                s.select(&format!("{}_bucket", h.histogram), &h.selector, &[])
            ),
        ),
        rec(
            &r.route_requests_rate,
            format!(
                "sum {} (rate({}[{w}]))",
                s.by(&[&h.route_label]),
                s.select(&format!("{}_count", h.histogram), &h.selector, &[])
            ),
        ),
        rec(
            &r.route_5xx_rate,
            format!(
                "sum {} (rate({}[{w}]))",
                s.by(&[&h.route_label]),
                s.select(
                    &format!("{}_count", h.histogram),
                    &h.selector,
                    &[format!("{}=~\"5..\"", h.status_label)]
                )
            ),
        ),
        rec(
            &r.error_ratio,
            format!(
                "(sum {by} ({e}) or sum {by} ({q}) * 0) / sum {by} ({q})",
                by = s.by(&[]),
                e = s.recorded(&r.route_5xx_rate, &[]),
                q = s.recorded(&r.route_requests_rate, &[])
            ),
        ),
    ];
    let mut quantiles: Vec<f64> = defs
        .spec
        .alerts
        .iter()
        .filter(|a| a.slo == SloKind::ApiLatency)
        .filter_map(|a| a.quantile)
        .collect();
    if quantiles.is_empty() {
        quantiles.push(0.95);
    }
    quantiles.sort_by(f64::total_cmp);
    quantiles.dedup();
    for q in quantiles {
        api.push(rec(
            &quantile_record(defs, q),
            format!(
                "histogram_quantile({}, sum {} ({}))",
                fmt_num(q),
                s.by(&["le"]),
                s.recorded(&r.route_le_bucket_rate, &[])
            ),
        ));
    }
    let api_len = api.len();
    groups.push(RuleGroup {
        name: format!("luneo-obs.{}.api.rules", cluster.name),
        interval: None,
        rules: api,
    });
    for i in 0..api_len {
        origins.push(Origin {
            group: 0,
            rule: i,
            path: "spec.metrics.http".into(),
        });
    }

    // Queue recording rules.
    let q = &m.queues;
    let waiting = vec![format!("{}=\"{}\"", q.state_label, q.waiting_state)];
    groups.push(RuleGroup {
        name: format!("luneo-obs.{}.queues.rules", cluster.name),
        interval: None,
        rules: vec![rec(
            &r.waiting_deriv,
            // BullMQ exports queue-level gauges from every replica: take the max, never the sum.
            format!(
                "max {} (deriv({}[{w}]))",
                s.by(&[&q.queue_label, &q.state_label]),
                s.select(&q.job_count, &None, &waiting)
            ),
        )],
    });
    origins.push(Origin {
        group: 1,
        rule: 0,
        path: "spec.metrics.queues".into(),
    });

    // GPU recording rules.
    let g = &m.gpu;
    let mut gpu = Vec::new();
    if let Some(src) = &g.source {
        gpu.push(rec(
            &g.metric,
            s.select(&src.dcgm_exporter.metric, &None, &[]),
        ));
        origins.push(Origin {
            group: 2,
            rule: 0,
            path: "spec.metrics.gpu.source".into(),
        });
    }
    gpu.push(rec(
        &r.gpu_avg,
        format!(
            "avg {} ({})",
            s.by(&[]),
            s.select(&g.metric, &g.selector, &[])
        ),
    ));
    origins.push(Origin {
        group: 2,
        rule: gpu.len() - 1,
        path: "spec.metrics.gpu".into(),
    });
    groups.push(RuleGroup {
        name: format!("luneo-obs.{}.gpu.rules", cluster.name),
        interval: None,
        rules: gpu,
    });

    // Alerts deployed to this cluster.
    let mut alerts = Vec::new();
    for (i, a) in defs.spec.alerts.iter().enumerate() {
        if !a.clusters.iter().any(|c| c == &cluster.name) {
            continue;
        }
        let mut labels = a.labels.clone();
        labels.insert("severity".to_string(), a.severity.as_str().to_string());
        labels.insert("cluster".to_string(), cluster.name.clone());
        let mut ann = BTreeMap::new();
        ann.insert("summary".to_string(), a.summary.trim().to_string());
        let desc = a
            .description
            .clone()
            .unwrap_or_else(|| description(defs, a, &cluster.name));
        ann.insert("description".to_string(), desc);
        ann.insert("runbook_url".to_string(), runbook_url(defs, &a.name));
        ann.insert(
            "dashboard_url".to_string(),
            format!(
                "{}/d/{}?var-cluster={}",
                defs.spec.links.grafana_url,
                dashboard_uid_for(defs, a, cluster),
                cluster.name
            ),
        );
        origins.push(Origin {
            group: 3,
            rule: alerts.len(),
            path: format!("spec.alerts[{i}]"),
        });
        alerts.push(Rule {
            alert: Some(a.name.clone()),
            expr: alert_expr(defs, a, &cluster.name),
            for_: Some(a.for_.clone()),
            labels,
            annotations: ann,
            ..Default::default()
        });
    }
    groups.push(RuleGroup {
        name: format!("luneo-obs.{}.alerts", cluster.name),
        interval: None,
        rules: alerts,
    });
    // The always-firing Watchdog (dead-man's switch), its own small group.
    origins.push(Origin {
        group: groups.len(),
        rule: 0,
        path: "spec.notifications.watchdog".into(),
    });
    groups.push(watchdog_group(defs, cluster));
    ClusterRules {
        cluster: cluster.name.clone(),
        groups,
        origins,
    }
}

/// The Watchdog group of a cluster: an always-firing alert with severity `none`, routed to
/// the dead-man's switch (kube-prometheus' convention).
pub fn watchdog_group(defs: &Definitions, cluster: &Cluster) -> RuleGroup {
    let w = &defs.spec.notifications.watchdog;
    let mut labels = BTreeMap::new();
    labels.insert("severity".to_string(), "none".to_string());
    labels.insert("cluster".to_string(), cluster.name.clone());
    let mut ann = BTreeMap::new();
    ann.insert(
        "summary".to_string(),
        "An alert that always fires, to prove the alerting pipeline works.".to_string(),
    );
    ann.insert(
        "description".to_string(),
        format!(
            "This alert fires permanently on cluster {}. Alertmanager routes it to the dead-man's switch; if it stops arriving, Prometheus, its rules or the path to Alertmanager is broken.",
            cluster.name
        ),
    );
    ann.insert("runbook_url".to_string(), runbook_url(defs, &w.alert_name));
    RuleGroup {
        name: format!("luneo-obs.{}.watchdog", cluster.name),
        interval: None,
        rules: vec![Rule {
            alert: Some(w.alert_name.clone()),
            expr: "vector(1)".into(),
            labels,
            annotations: ann,
            ..Default::default()
        }],
    }
}

/// The PrometheusRule object of a cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRule {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: PrometheusRuleSpec,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrometheusRuleSpec {
    pub groups: Vec<RuleGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub annotations: BTreeMap<String, String>,
}

pub fn prometheus_rule(defs: &Definitions, cr: &ClusterRules) -> PrometheusRule {
    let mut labels = defs.spec.kubernetes.rule_selector.clone();
    labels.insert("app.kubernetes.io/name".into(), "luneo-obs".into());
    labels.insert("app.kubernetes.io/managed-by".into(), "luneo-obs".into());
    labels.insert("luneo.io/cluster".into(), cr.cluster.clone());
    PrometheusRule {
        api_version: "monitoring.coreos.com/v1".into(),
        kind: "PrometheusRule".into(),
        metadata: ObjectMeta {
            name: format!("{}-obs-{}", defs.metadata.name, cr.cluster),
            namespace: Some(defs.spec.kubernetes.namespace.clone()),
            labels,
            annotations: BTreeMap::new(),
        },
        spec: PrometheusRuleSpec {
            groups: cr.groups.clone(),
        },
    }
}
