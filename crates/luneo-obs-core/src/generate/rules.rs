//! PrometheusRule generation: recording rules for the expensive expressions (shared with
//! the dashboards) and the alerts of each cluster.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::generate::expr::{AlertExpr, Comparison, Expr, Guard, GuardKind, Matcher};
use crate::load::Loaded;
use crate::model::{duration, Duration};
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
    /// Most series (or alerts) each rule of the group may produce; beyond it the rule's
    /// evaluation fails (Prometheus >= 2.31).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<u64>,
    pub rules: Vec<Rule>,
}

/// Where a generated rule comes from in the definitions: diagnostics on generated rules
/// point at this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A recording rule of the HTTP contract (`spec.metrics.http`).
    HttpMetrics,
    /// A recording rule of the queue contract (`spec.metrics.queues`).
    QueueMetrics,
    /// The GPU metric recorded from dcgm-exporter (`spec.metrics.gpu.source`).
    GpuSource,
    /// A recording rule of the GPU contract (`spec.metrics.gpu`).
    GpuMetrics,
    /// The alert `spec.alerts[i]`.
    Alert(usize),
    /// The Watchdog (`spec.notifications.watchdog`).
    Watchdog,
    /// A rule of the SLO `spec.slos[i]`.
    Slo(usize),
}

impl Origin {
    /// The definitions node, e.g. `spec.alerts[2]`.
    pub fn path(self) -> String {
        match self {
            Origin::HttpMetrics => "spec.metrics.http".into(),
            Origin::QueueMetrics => "spec.metrics.queues".into(),
            Origin::GpuSource => "spec.metrics.gpu.source".into(),
            Origin::GpuMetrics => "spec.metrics.gpu".into(),
            Origin::Alert(i) => format!("spec.alerts[{i}]"),
            Origin::Watchdog => "spec.notifications.watchdog".into(),
            Origin::Slo(i) => format!("spec.slos[{i}]"),
        }
    }

    /// The node of a rule field (`expr`, `for`, `labels`, `annotations`): an alert's own
    /// field when the definitions write it, else the rule's origin.
    pub fn field_path(self, field: &str, written: impl Fn(&str) -> bool) -> String {
        let path = self.path();
        let Origin::Alert(_) = self else { return path };
        let own = match field {
            "expr" => format!("{path}.expr"),
            "for" => return format!("{path}.for"),
            "labels" => format!("{path}.labels"),
            "annotations" => format!("{path}.description"),
            _ => return path,
        };
        if written(&own) {
            own
        } else {
            path
        }
    }
}

/// The rule groups of one cluster, each rule with its origin.
#[derive(Debug, Clone)]
pub struct ClusterRules {
    pub cluster: String,
    pub groups: Vec<RuleGroup>,
    /// `origins[g][r]` is the origin of `groups[g].rules[r]`.
    pub origins: Vec<Vec<Origin>>,
}

impl ClusterRules {
    fn push(&mut self, name: String, rules: Vec<(Rule, Origin)>) {
        self.push_limited(name, None, rules);
    }

    /// Append a group whose rules may each produce at most `limit` series.
    pub fn push_limited(&mut self, name: String, limit: Option<u64>, rules: Vec<(Rule, Origin)>) {
        let (rules, origins): (Vec<Rule>, Vec<Origin>) = rules.into_iter().unzip();
        self.groups.push(RuleGroup {
            name,
            interval: None,
            limit,
            rules,
        });
        self.origins.push(origins);
    }

    /// The origin of rule `rule` of group `group` (of its group's first rule for a
    /// finding on the group itself).
    pub fn origin(&self, group: usize, rule: usize) -> Option<Origin> {
        let g = self.origins.get(group)?;
        g.get(rule).or_else(|| g.first()).copied()
    }
}

/// Names of the recording rules, shared by alerts, dashboards and the health panel.
pub struct RecordNames {
    pub route_le_bucket_rate: String,
    pub route_requests_rate: String,
    pub route_5xx_rate: String,
    pub error_ratio: String,
    /// The waiting backlog per queue, max over the exporter replicas.
    pub waiting_max: String,
    pub waiting_deriv: String,
    pub gpu_avg: String,
}

/// Rate window of the recording rules: 5m, or 4x the scrape interval when that is longer.
pub fn rate_window(defs: &Definitions) -> String {
    let scrape = defs.spec.metrics.scrape_interval.ms();
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
        waiting_max: format!(
            "queue:{}_{}:max",
            m.queues.job_count,
            m.queues.waiting_state.replace('-', "_")
        ),
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

    /// The matchers of `{contract selector, cluster="x", extra...}`.
    fn matchers(&self, contract: &Option<String>, extra: Vec<Matcher>) -> Vec<Matcher> {
        let mut out = Vec::new();
        if let Some(s) = contract {
            let t = s
                .trim()
                .trim_start_matches('{')
                .trim_end_matches('}')
                .trim();
            if !t.is_empty() {
                out.push(Matcher::Raw(t.to_string()));
            }
        }
        if let Some(cl) = &self.defs.spec.metrics.cluster_label {
            out.push(Matcher::Eq(cl.clone(), self.cluster.to_string()));
        }
        out.extend(extra);
        out
    }

    /// `metric{contract selector, cluster="x", extra...}`
    pub fn expr(&self, metric: &str, contract: &Option<String>, extra: Vec<Matcher>) -> Expr {
        Expr::selector(metric, self.matchers(contract, extra))
    }

    /// Only the cluster matcher (for recorded series).
    pub fn rec(&self, metric: &str, extra: Vec<Matcher>) -> Expr {
        self.expr(metric, &None, extra)
    }

    /// The grouping labels: the cluster label whenever it exists, then `labels`.
    pub fn by_labels(&self, labels: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        if let Some(cl) = &self.defs.spec.metrics.cluster_label {
            all.push(cl.clone());
        }
        all.extend(labels.iter().map(|l| l.to_string()));
        all
    }

    /// `op by (cluster, labels...) (expr)`
    /// Without a cluster label nor `labels`, a plain `op(expr)`.
    pub fn agg(&self, op: &'static str, labels: &[&str], expr: Expr) -> Expr {
        let by = self.by_labels(labels);
        Expr::aggregate(op, (!by.is_empty()).then_some(by), expr)
    }

    /// [`Sel::expr`] as text, extra matchers written as PromQL (for dashboard queries).
    pub fn select(&self, metric: &str, contract: &Option<String>, extra: &[String]) -> String {
        let extra = extra.iter().map(|m| Matcher::Raw(m.clone())).collect();
        self.expr(metric, contract, extra).to_string()
    }

    /// [`Sel::rec`] as text.
    pub fn recorded(&self, metric: &str, extra: &[String]) -> String {
        self.select(metric, &None, extra)
    }

    /// `by (cluster, labels...)`: the cluster label is kept whenever it exists.
    pub fn by(&self, labels: &[&str]) -> String {
        format!("by ({})", self.by_labels(labels).join(", "))
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
    // The standby's own watch (muted by DR windows) links to the standby dashboard; the
    // production alerts, on either cluster, to the production dashboards (the secondary
    // carries copies for a failover).
    if cluster.role == ClusterRole::Secondary && alert.dr_expected {
        return "luneo-standby";
    }
    match alert.slo {
        SloKind::QueueBacklogGrowth
        | SloKind::QueueStalled
        | SloKind::GpuUtilisation
        | SloKind::GpuTemperature
        | SloKind::GpuXidErrors => "luneo-queues",
        _ => "luneo-api",
    }
}

pub(crate) fn queue_regex(defs: &Definitions, names: &[String]) -> String {
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
        SloKind::GpuTemperature => Unit::Celsius,
        SloKind::ApiNoTraffic | SloKind::QueueStalled | SloKind::GpuXidErrors | SloKind::Custom => {
            t.unit
        }
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
fn route_matcher(defs: &Definitions, routes: &[String]) -> Matcher {
    let mut v: Vec<String> = routes.iter().map(|r| regex_literal(r)).collect();
    v.sort();
    v.dedup();
    Matcher::Re(defs.spec.metrics.http.route_label.clone(), v.join("|"))
}

/// The value an alert watches on one cluster (`cluster` is a name, or `$cluster` in a
/// dashboard), and the condition that fires it.
pub fn alert_expression(defs: &Definitions, a: &Alert, cluster: &str) -> AlertExpr {
    let s = Sel::new(defs, cluster);
    let above = threshold_in_metric_unit(defs, a).map(|t| (Comparison::Above, t));
    let value = match a.slo {
        SloKind::ApiLatency => latency_value(defs, &s, a),
        SloKind::ApiErrorRatio => error_ratio_value(defs, &s, a),
        SloKind::GpuUtilisation => s.rec(&record_names(defs).gpu_avg, vec![]),
        SloKind::QueueBacklogGrowth => backlog_growth_value(defs, &s, a),
        SloKind::ApiNoTraffic => {
            return AlertExpr {
                value: no_traffic_value(defs, &s, a),
                condition: Some((Comparison::Equal, 0.0)),
                guards: Vec::new(),
            }
        }
        SloKind::QueueStalled => return stalled(defs, &s, a),
        SloKind::GpuTemperature => dcgm_field(defs, &s, a.slo),
        SloKind::GpuXidErrors => {
            return AlertExpr {
                value: dcgm_field(defs, &s, a.slo),
                condition: Some((Comparison::Above, 0.0)),
                guards: Vec::new(),
            }
        }
        SloKind::Custom => {
            let e = Expr::Raw(a.expr.clone().unwrap_or_default());
            return match &a.threshold {
                Some(t) => AlertExpr {
                    value: e.paren(),
                    condition: Some((Comparison::Above, t.value)),
                    guards: Vec::new(),
                },
                None => AlertExpr {
                    value: e,
                    condition: None,
                    guards: Vec::new(),
                },
            };
        }
    };
    let guards = match (a.slo, above) {
        (SloKind::ApiLatency | SloKind::ApiErrorRatio, Some((_, t))) => api_guards(defs, &s, a, t),
        _ => Vec::new(),
    };
    AlertExpr {
        value,
        condition: above,
        guards,
    }
}

/// Window of a `queueStalled` alert: no completion for this long (default 10m).
pub fn stall_window(a: &Alert) -> &str {
    a.window_or("10m")
}

/// Window of the derivative of a `queueBacklogGrowth` alert (default 5m).
pub fn backlog_window(a: &Alert) -> &str {
    a.window_or("5m")
}

/// Jobs wait (the value: the waiting backlog per queue, max over exporter replicas) and
/// none completed over the window (`unless` any replica's completed counter increased).
/// The counter is queue-level, exported by every replica: max per queue, never sum; a
/// restarted replica's counter reset is absorbed by `increase`.
fn stalled(defs: &Definitions, s: &Sel<'_>, a: &Alert) -> AlertExpr {
    let q = &defs.spec.metrics.queues;
    let ql = q.queue_label.as_str();
    let queues = Matcher::Re(
        q.queue_label.clone(),
        queue_regex(defs, a.queues.as_deref().unwrap_or(&[])),
    );
    let waiting = s.rec(
        &q.job_count,
        vec![
            Matcher::Eq(q.state_label.clone(), q.waiting_state.clone()),
            queues.clone(),
        ],
    );
    let completed = s.rec(
        q.jobs_completed.as_deref().unwrap_or_default(),
        vec![queues],
    );
    let progress = s
        .agg(
            "max",
            &[ql],
            Expr::call("increase", vec![completed.range(stall_window(a))]),
        )
        .binary(">", Expr::Number(0.0));
    AlertExpr {
        value: s.agg("max", &[ql], waiting),
        condition: Some((Comparison::Above, 0.0)),
        guards: vec![Guard {
            kind: GuardKind::NoProgress,
            on: s.by_labels(&[ql]),
            expr: progress,
        }],
    }
}

/// Window of the confirming guard of the API alerts: 4x the scrape interval (2m at 30s,
/// two scrapes to spare), at least 1m.
pub fn confirm_window(defs: &Definitions) -> String {
    duration::format(confirm_window_ms(defs))
}

fn confirm_window_ms(defs: &Definitions) -> u64 {
    (4 * defs.spec.metrics.scrape_interval.ms()).max(60_000)
}

/// The guards of an API latency or error-ratio alert whose threshold is `thr` (in the
/// metric's unit):
/// - confirm: the same condition over [`confirm_window`], so a burst stops holding the
///   alert that long after it ends, and one shorter than `for` minus that window never
///   fires (only when `for` is longer than the window);
/// - low traffic: at least `minRequests` requests and `minErrors` 5xx over the rate window.
fn api_guards(defs: &Definitions, s: &Sel<'_>, a: &Alert, thr: f64) -> Vec<Guard> {
    let h = &defs.spec.metrics.http;
    let route = h.route_label.as_str();
    let labels: Vec<&str> = if a.routes.is_some() {
        vec![route]
    } else {
        vec![]
    };
    let on = s.by_labels(&labels);
    let scope = || -> Vec<Matcher> {
        a.routes
            .as_ref()
            .map(|r| vec![route_matcher(defs, r)])
            .unwrap_or_default()
    };
    let count = |extra: Vec<Matcher>| {
        let mut m = scope();
        m.extend(extra);
        s.expr(&format!("{}_count", h.histogram), &h.selector, m)
    };
    let five_xx = || vec![Matcher::Re(h.status_label.clone(), "5..".into())];
    let mut out = Vec::new();
    let w = confirm_window(defs);
    if a.for_.ms() > confirm_window_ms(defs) {
        let recent = match a.slo {
            SloKind::ApiLatency => {
                let bucket = s.expr(&format!("{}_bucket", h.histogram), &h.selector, scope());
                let mut by = labels.clone();
                by.push("le");
                Expr::call(
                    "histogram_quantile",
                    vec![
                        Expr::Number(a.quantile_or_default()),
                        sum_rate(s, &by, bucket, &w),
                    ],
                )
            }
            _ => ratio_5xx(
                s,
                &labels,
                Expr::call("rate", vec![count(five_xx()).range(&w)]),
                Expr::call("rate", vec![count(vec![]).range(&w)]),
            ),
        };
        out.push(Guard {
            kind: GuardKind::Confirm,
            on: on.clone(),
            expr: recent.binary(">", Expr::Number(thr)),
        });
    }
    let rw = rate_window(defs);
    let at_least = |n: u64, series: Expr| Guard {
        kind: GuardKind::MinTraffic,
        on: on.clone(),
        expr: s
            .agg(
                "sum",
                &labels,
                Expr::call("increase", vec![series.range(&rw)]),
            )
            .binary(">=", Expr::Number(n as f64)),
    };
    if let Some(n) = a.min_requests {
        out.push(at_least(n, count(vec![])));
    }
    if let (Some(n), SloKind::ApiErrorRatio) = (a.min_errors, a.slo) {
        out.push(at_least(n, count(five_xx())));
    }
    out
}

/// The alert expression for one cluster, as the rule writes it.
pub fn alert_expr(defs: &Definitions, a: &Alert, cluster: &str) -> String {
    alert_expression(defs, a, cluster).to_string()
}

/// P(q) latency: the recorded quantile, or per route from the recorded bucket rates.
fn latency_value(defs: &Definitions, s: &Sel<'_>, a: &Alert) -> Expr {
    let q = a.quantile_or_default();
    let Some(routes) = &a.routes else {
        return s.rec(&quantile_record(defs, q), vec![]);
    };
    let r = record_names(defs);
    let route = defs.spec.metrics.http.route_label.as_str();
    let buckets = s.rec(&r.route_le_bucket_rate, vec![route_matcher(defs, routes)]);
    Expr::call(
        "histogram_quantile",
        vec![Expr::Number(q), s.agg("sum", &[route, "le"], buckets)],
    )
}

/// `(sum(5xx) or sum(all) * 0) / sum(all)`: 0 rather than no data when nothing failed.
fn ratio_5xx(s: &Sel<'_>, labels: &[&str], errors: Expr, all: Expr) -> Expr {
    s.agg("sum", labels, errors)
        .binary(
            "or",
            s.agg("sum", labels, all.clone())
                .binary("*", Expr::Number(0.0)),
        )
        .paren()
        .binary("/", s.agg("sum", labels, all))
}

/// The 5xx ratio: recorded for the whole API, per route from the recorded rates.
fn error_ratio_value(defs: &Definitions, s: &Sel<'_>, a: &Alert) -> Expr {
    let r = record_names(defs);
    let Some(routes) = &a.routes else {
        return s.rec(&r.error_ratio, vec![]);
    };
    let route = defs.spec.metrics.http.route_label.as_str();
    let rm = vec![route_matcher(defs, routes)];
    ratio_5xx(
        s,
        &[route],
        s.rec(&r.route_5xx_rate, rm.clone()),
        s.rec(&r.route_requests_rate, rm),
    )
}

/// Growth of the waiting backlog in jobs/min, per queue.
fn backlog_growth_value(defs: &Definitions, s: &Sel<'_>, a: &Alert) -> Expr {
    let w = backlog_window(a);
    let q = &defs.spec.metrics.queues;
    let matchers = vec![
        Matcher::Eq(q.state_label.clone(), q.waiting_state.clone()),
        Matcher::Re(
            q.queue_label.clone(),
            queue_regex(defs, a.queues.as_deref().unwrap_or(&[])),
        ),
    ];
    let per_minute = Expr::Number(60.0);
    if w == rate_window(defs) {
        return s
            .rec(&record_names(defs).waiting_deriv, matchers)
            .binary("*", per_minute);
    }
    backlog_slope(defs, s, w, matchers)
        .paren()
        .binary("*", per_minute)
}

/// How much longer than its window the slope of the waiting backlog looks back through
/// an exporter gap.
pub const GAP_LOOKBACK_FACTOR: u64 = 3;

/// Slope (jobs/s) of the recorded waiting backlog (max over the replicas) over `w`.
///
/// The max is taken before the slope: the replicas export the same queue-level gauge, so
/// their max is one continuous series, and a restarted replica's few first samples never
/// make a slope of their own. When the exporters have been silent for longer than `w`
/// (no sample left in the window), the slope over 3 x `w` of the samples before the gap
/// answers instead, so the alert keeps its value and its `for` through a gap of up to
/// 3 x `w` rather than restarting it.
fn backlog_slope(defs: &Definitions, s: &Sel<'_>, w: &str, matchers: Vec<Matcher>) -> Expr {
    let rec = record_names(defs).waiting_max;
    let long = duration::parse(w)
        .map(|ms| duration::format(ms * GAP_LOOKBACK_FACTOR))
        .unwrap_or_else(|_| w.to_string());
    let slope = |win: &str| Expr::call("deriv", vec![s.rec(&rec, matchers.clone()).range(win)]);
    slope(w).binary("or", slope(&long))
}

/// Requests per second over the window, 0 when the series is missing altogether.
fn no_traffic_value(defs: &Definitions, s: &Sel<'_>, a: &Alert) -> Expr {
    let m = &defs.spec.metrics;
    let w = a.window.as_ref().map_or_else(
        || duration::format(4 * m.scrape_interval.ms()),
        Duration::to_string,
    );
    let count = s.expr(
        &format!("{}_count", m.http.histogram),
        &m.http.selector,
        vec![],
    );
    // One alert identity for both cases: `or vector(0)` turns a missing series into 0,
    // and both branches carry no labels, so `for` is not reset when it switches.
    Expr::aggregate("sum", None, Expr::call("rate", vec![count.range(&w)]))
        .binary("or", Expr::call("vector", vec![Expr::Number(0.0)]))
        .paren()
}

/// The dcgm-exporter field `kind` reads, one series per GPU of the pool (`gpu.selector`
/// applies): the optional GPU alerts fire per GPU, like the DCGM mixin's. The lint makes
/// sure the field is declared (`alert/missing-field`).
fn dcgm_field(defs: &Definitions, s: &Sel<'_>, kind: SloKind) -> Expr {
    let g = &defs.spec.metrics.gpu;
    s.expr(g.dcgm_field(kind).unwrap_or_default(), &g.selector, vec![])
}

fn description(defs: &Definitions, a: &Alert, cluster: &str) -> String {
    let thr = fmt_threshold(a);
    let m = &defs.spec.metrics;
    match a.slo {
        SloKind::ApiLatency => {
            let q = fmt_num(a.quantile_or_default() * 100.0);
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
        SloKind::QueueStalled => format!(
            "{{{{ $value | printf \"%.0f\" }}}} jobs wait in queue {{{{ $labels.{} }}}} on cluster {cluster} and none completed in the last {}: its workers are stalled.",
            m.queues.queue_label,
            stall_window(a)
        ),
        SloKind::GpuTemperature => format!("GPU {{{{ $labels.gpu }}}} of node {{{{ $labels.Hostname }}}} on cluster {cluster} is at {{{{ $value | printf \"%.0f\" }}}} °C, above {thr} for {}.", a.for_),
        SloKind::GpuXidErrors => format!("GPU {{{{ $labels.gpu }}}} of node {{{{ $labels.Hostname }}}} on cluster {cluster} reported XID error {{{{ $value | printf \"%.0f\" }}}}."),
        SloKind::Custom => format!("{} on cluster {cluster}: {{{{ $value }}}}{}.", a.name, if thr.is_empty() { String::new() } else { format!(" (threshold {thr})") }),
    }
}

/// A recording rule.
fn record(name: &str, expr: Expr) -> Rule {
    Rule {
        record: Some(name.to_string()),
        expr: expr.to_string(),
        ..Default::default()
    }
}

/// Rate of a contract series summed `by (cluster, labels...)`.
fn sum_rate(s: &Sel<'_>, labels: &[&str], series: Expr, w: &str) -> Expr {
    s.agg("sum", labels, Expr::call("rate", vec![series.range(w)]))
}

/// The API's recording rules: bucket, request and 5xx rates per route, the 5xx ratio and
/// one quantile per quantile the latency alerts use.
fn api_records(defs: &Definitions, s: &Sel<'_>) -> Vec<(Rule, Origin)> {
    let h = &defs.spec.metrics.http;
    let r = record_names(defs);
    let w = rate_window(defs);
    let (route, count) = (h.route_label.as_str(), format!("{}_count", h.histogram));
    let bucket = s.expr(&format!("{}_bucket", h.histogram), &h.selector, vec![]);
    let five_xx = Matcher::Re(h.status_label.clone(), "5..".into());
    let mut out = vec![
        record(
            &r.route_le_bucket_rate,
            sum_rate(s, &[route, "le"], bucket, &w),
        ),
        record(
            &r.route_requests_rate,
            sum_rate(s, &[route], s.expr(&count, &h.selector, vec![]), &w),
        ),
        record(
            &r.route_5xx_rate,
            sum_rate(s, &[route], s.expr(&count, &h.selector, vec![five_xx]), &w),
        ),
        record(
            &r.error_ratio,
            ratio_5xx(
                s,
                &[],
                s.rec(&r.route_5xx_rate, vec![]),
                s.rec(&r.route_requests_rate, vec![]),
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
        quantiles.push(crate::model::DEFAULT_QUANTILE);
    }
    quantiles.sort_by(f64::total_cmp);
    quantiles.dedup();
    for q in quantiles {
        let buckets = s.agg("sum", &["le"], s.rec(&r.route_le_bucket_rate, vec![]));
        out.push(record(
            &quantile_record(defs, q),
            Expr::call("histogram_quantile", vec![Expr::Number(q), buckets]),
        ));
    }
    out.into_iter().map(|r| (r, Origin::HttpMetrics)).collect()
}

/// The waiting backlog per queue and its slope. BullMQ exports queue-level gauges from
/// every replica: take the max, never the sum, and before the slope ([`backlog_slope`]).
fn queue_records(defs: &Definitions, s: &Sel<'_>) -> Vec<(Rule, Origin)> {
    let q = &defs.spec.metrics.queues;
    let r = record_names(defs);
    let waiting = vec![Matcher::Eq(q.state_label.clone(), q.waiting_state.clone())];
    let max = s.agg(
        "max",
        &[&q.queue_label, &q.state_label],
        s.rec(&q.job_count, waiting),
    );
    let slope = backlog_slope(defs, s, &rate_window(defs), vec![]);
    vec![
        (record(&r.waiting_max, max), Origin::QueueMetrics),
        (record(&r.waiting_deriv, slope), Origin::QueueMetrics),
    ]
}

/// The GPU metric (recorded from dcgm-exporter when it has a source) and its average.
fn gpu_records(defs: &Definitions, s: &Sel<'_>) -> Vec<(Rule, Origin)> {
    let g = &defs.spec.metrics.gpu;
    let mut out = Vec::new();
    if let Some(src) = &g.source {
        out.push((
            record(&g.metric, s.rec(&src.dcgm_exporter.metric, vec![])),
            Origin::GpuSource,
        ));
    }
    let avg = s.agg("avg", &[], s.expr(&g.metric, &g.selector, vec![]));
    out.push((record(&record_names(defs).gpu_avg, avg), Origin::GpuMetrics));
    out
}

/// The alerting rule of `a` on `cluster`.
fn alert_rule(defs: &Definitions, a: &Alert, cluster: &Cluster) -> Rule {
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
        dashboard_url(defs, dashboard_uid_for(defs, a, cluster), &cluster.name),
    );
    Rule {
        alert: Some(a.name.clone()),
        expr: alert_expr(defs, a, &cluster.name),
        for_: Some(a.for_.to_string()),
        labels,
        annotations: ann,
        ..Default::default()
    }
}

/// The rule groups of one cluster without its SLOs (see
/// [`crate::generate::rule_set::cluster_rules`] for all of them).
pub fn base_rules(l: &Loaded, cluster: &Cluster) -> ClusterRules {
    let defs = &l.defs;
    let s = Sel::new(defs, &cluster.name);
    let name = |part: &str| format!("luneo-obs.{}.{part}", cluster.name);
    let mut out = ClusterRules {
        cluster: cluster.name.clone(),
        groups: Vec::new(),
        origins: Vec::new(),
    };
    out.push(name("api.rules"), api_records(defs, &s));
    out.push(name("queues.rules"), queue_records(defs, &s));
    out.push(name("gpu.rules"), gpu_records(defs, &s));
    let alerts = defs
        .spec
        .alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.clusters.iter().any(|c| c == &cluster.name))
        .map(|(i, a)| (alert_rule(defs, a, cluster), Origin::Alert(i)))
        .collect();
    out.push(name("alerts"), alerts);
    // The always-firing Watchdog (dead-man's switch), its own small group.
    let wd = watchdog_group(defs, cluster);
    out.push(
        wd.name,
        wd.rules
            .into_iter()
            .map(|r| (r, Origin::Watchdog))
            .collect(),
    );
    out
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
        limit: None,
        rules: vec![
            Rule {
                alert: Some(w.alert_name.clone()),
                expr: "vector(1)".into(),
                labels,
                annotations: ann,
                ..Default::default()
            },
            rule_failures_alert(defs, cluster),
        ],
    }
}

/// Prometheus's counter of failed rule evaluations, per `rule_group` (`<file>;<group>`).
pub const RULE_FAILURES_METRIC: &str = "prometheus_rule_evaluation_failures_total";

/// The meta-alert on the cluster's own rule groups: failed evaluations over 5m, per group,
/// for `spec.notifications.ruleFailures.for`. No cluster matcher: Prometheus's own
/// series need not carry the cluster label; the group names (`luneo-obs.<cluster>.`) say
/// which cluster's rules fail.
fn rule_failures_alert(defs: &Definitions, cluster: &Cluster) -> Rule {
    let rf = &defs.spec.notifications.rule_failures;
    let groups = Matcher::Re(
        "rule_group".into(),
        format!(
            ".+;luneo-obs\\\\.{}\\\\..+",
            regex_literal(&cluster.name).replace('\\', "\\\\")
        ),
    );
    let failures = Expr::aggregate(
        "sum",
        Some(vec!["rule_group".into()]),
        Expr::call(
            "increase",
            vec![Expr::selector(RULE_FAILURES_METRIC, vec![groups]).range("5m")],
        ),
    );
    let mut labels = BTreeMap::new();
    labels.insert("severity".to_string(), rf.severity.as_str().to_string());
    labels.insert("cluster".to_string(), cluster.name.clone());
    let mut ann = BTreeMap::new();
    ann.insert(
        "summary".to_string(),
        "A luneo-obs rule group fails to evaluate: its alerts cannot fire.".to_string(),
    );
    ann.insert(
        "description".to_string(),
        format!(
            "Prometheus failed {{{{ $value | humanize }}}} evaluations of rule group {{{{ $labels.rule_group }}}} on cluster {} in the last 5m: the alerts of this group are blind until it evaluates again.",
            cluster.name
        ),
    );
    ann.insert("runbook_url".to_string(), runbook_url(defs, &rf.alert_name));
    Rule {
        alert: Some(rf.alert_name.clone()),
        expr: failures.binary(">", Expr::Number(0.0)).to_string(),
        for_: Some(rf.for_.to_string()),
        labels,
        annotations: ann,
        ..Default::default()
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

/// Whether a rule group is an SLO's (`luneo-obs.<cluster>.slo.<name>`): those go to the
/// cluster's second PrometheusRule (see [`slo_prometheus_rule`]).
pub fn is_slo_group(g: &RuleGroup) -> bool {
    g.name.contains(".slo.")
}

/// The cluster's PrometheusRule: every group but the SLOs'.
pub fn prometheus_rule(defs: &Definitions, cr: &ClusterRules) -> PrometheusRule {
    let groups = cr
        .groups
        .iter()
        .filter(|g| !is_slo_group(g))
        .cloned()
        .collect();
    rule_object(
        defs,
        cr,
        format!("{}-obs-{}", defs.metadata.name, cr.cluster),
        groups,
    )
}

/// The cluster's PrometheusRule of the SLOs' groups (`<name>-obs-<cluster>-slos`), when it
/// has SLOs: one object of its own, like Sloth's and Pyrra's, whose size does not depend
/// on the number of queues and routes the alerts list (each object stays under the
/// apply limit on its own).
pub fn slo_prometheus_rule(defs: &Definitions, cr: &ClusterRules) -> Option<PrometheusRule> {
    let groups: Vec<RuleGroup> = cr
        .groups
        .iter()
        .filter(|g| is_slo_group(g))
        .cloned()
        .collect();
    (!groups.is_empty()).then(|| {
        rule_object(
            defs,
            cr,
            format!("{}-obs-{}-slos", defs.metadata.name, cr.cluster),
            groups,
        )
    })
}

fn rule_object(
    defs: &Definitions,
    cr: &ClusterRules,
    name: String,
    groups: Vec<RuleGroup>,
) -> PrometheusRule {
    let mut labels = defs.spec.kubernetes.rule_selector.clone();
    labels.insert("app.kubernetes.io/name".into(), "luneo-obs".into());
    labels.insert("app.kubernetes.io/managed-by".into(), "luneo-obs".into());
    labels.insert("luneo.io/cluster".into(), cr.cluster.clone());
    PrometheusRule {
        api_version: "monitoring.coreos.com/v1".into(),
        kind: "PrometheusRule".into(),
        metadata: ObjectMeta {
            name,
            namespace: Some(defs.spec.kubernetes.namespace.clone()),
            labels,
            annotations: BTreeMap::new(),
        },
        spec: PrometheusRuleSpec { groups },
    }
}

/// The Grafana URL of dashboard `uid` showing `cluster`: with a cluster label the
/// dashboard's `cluster` variable selects it; without one (one Prometheus per cluster) the
/// dashboard has no such variable and only shows its own cluster.
pub fn dashboard_url(defs: &Definitions, uid: &str, cluster: &str) -> String {
    let base = format!("{}/d/{uid}", defs.spec.links.grafana_url);
    match defs.spec.metrics.cluster_label {
        Some(_) => format!("{base}?var-cluster={cluster}"),
        None => base,
    }
}
