//! Checks of each alert (`spec.alerts[i]`): identity, placement, the fields its SLO kind
//! needs or forbids, durations and the threshold's unit.

use std::collections::BTreeSet;

use super::{names, Lint};
use crate::diag::registry as codes;
use crate::model::{duration, fmt_num, Alert, SloKind, Unit};

/// One alert being checked: its index, its path in the definitions and the alert.
pub struct At<'a> {
    pub index: usize,
    pub path: String,
    pub alert: &'a Alert,
}

impl At<'_> {
    fn field(&self, f: &str) -> String {
        format!("{}.{f}", self.path)
    }
}

/// One check of one alert.
pub type AlertLintFn = fn(&mut Lint<'_>, &At<'_>);

/// Every check of one alert.
pub const ALERT_LINTS: &[AlertLintFn] = &[
    unique_name,
    name_style,
    summary_style,
    clusters,
    labels,
    for_duration,
    window,
    threshold_presence,
    completed_counter,
    dcgm_fields,
    quantile,
    routes,
    traffic_guards,
    queues,
    custom_expr,
    absent_for,
    threshold_range,
    threshold_unit,
    bucket_boundary,
];

/// Runs [`ALERT_LINTS`] on every alert.
pub fn each_alert(c: &mut Lint<'_>) {
    let defs = c.defs;
    for (index, alert) in defs.spec.alerts.iter().enumerate() {
        let at = At {
            index,
            path: format!("spec.alerts[{index}]"),
            alert,
        };
        for check in ALERT_LINTS {
            check(c, &at);
        }
    }
}

fn unique_name(c: &mut Lint<'_>, at: &At<'_>) {
    let a = at.alert;
    if c.defs.spec.alerts[..at.index]
        .iter()
        .any(|b| b.name == a.name)
    {
        c.err(
            &codes::DEFINITIONS_DUPLICATE_NAME,
            &at.field("name"),
            format!("alert `{}` is defined twice", a.name),
            "alert names must be unique",
        );
    }
}

fn name_style(c: &mut Lint<'_>, at: &At<'_>) {
    alert_name(c, &at.field("name"), &at.alert.name, "e.g. ApiLatencyHigh");
}

/// An alert name is CamelCase letters and digits, at most 40 characters (mixtool's rule).
pub fn alert_name(c: &mut Lint<'_>, path: &str, name: &str, example: &str) {
    if !names::is_camel_case(name) || name.len() > 40 {
        c.err(
            &codes::ALERT_NAME,
            path,
            format!(
                "alert name `{name}` must be CamelCase letters and digits, at most 40 characters"
            ),
            example,
        );
    }
}

fn summary_style(c: &mut Lint<'_>, at: &At<'_>) {
    let sum = at.alert.summary.trim();
    if !(sum.chars().next().is_some_and(|ch| ch.is_uppercase()) && sum.ends_with('.')) {
        c.err(
            &codes::ALERT_SUMMARY_STYLE,
            &at.field("summary"),
            "the summary must be a sentence: a capital letter first and a period last".into(),
            "summaries are static sentences; put values in the generated description",
        );
    }
}

/// The alert applies to at least one cluster, and only to defined ones.
fn clusters(c: &mut Lint<'_>, at: &At<'_>) {
    let a = at.alert;
    if a.clusters.is_empty() {
        c.err(
            &codes::ALERT_NO_CLUSTER,
            &at.field("clusters"),
            format!("alert `{}` applies to no cluster", a.name),
            "list at least one cluster from spec.clusters",
        );
    }
    let defs = c.defs;
    let known: BTreeSet<&str> = defs.spec.clusters.iter().map(|c| c.name.as_str()).collect();
    for (j, cl) in a.clusters.iter().enumerate() {
        if !known.contains(cl.as_str()) {
            let list: Vec<&str> = known.iter().copied().collect();
            c.err(
                &codes::ALERT_UNKNOWN_CLUSTER,
                &format!("{}.clusters[{j}]", at.path),
                format!(
                    "alert `{}` applies to cluster `{cl}`, which is not defined",
                    a.name
                ),
                &format!("defined clusters: {}", list.join(", ")),
            );
        }
    }
}

/// Extra labels are label names and leave `severity` and `cluster` to luneo-obs.
fn labels(c: &mut Lint<'_>, at: &At<'_>) {
    for k in at.alert.labels.keys() {
        let p = format!("{}.labels.{k}", at.path);
        if !names::is_label_name(k) {
            c.err(
                &codes::DEFINITIONS_BAD_LABEL_NAME,
                &p,
                format!("`{k}` is not a valid Prometheus label name"),
                "label names match [a-zA-Z_][a-zA-Z0-9_]*",
            );
        } else if k == "severity" || k == "cluster" {
            c.err(
                &codes::ALERT_RESERVED_LABEL,
                &p,
                format!("label `{k}` is set by luneo-obs from the alert's {k}"),
                "use the alert's `severity` / `clusters` fields instead",
            );
        }
    }
}

fn for_duration(c: &mut Lint<'_>, at: &At<'_>) {
    c.duration(&at.field("for"), &at.alert.for_);
}

/// A rate window must cover at least two scrapes.
fn window(c: &mut Lint<'_>, at: &At<'_>) {
    let Some(w) = &at.alert.window else { return };
    let path = at.field("window");
    let (Some(wms), Some(sms)) = (c.duration(&path, w), c.scrape_ms()) else {
        return;
    };
    if wms < 2 * sms {
        let scrape = &c.defs.spec.metrics.scrape_interval;
        c.err(
            &codes::PROMQL_RATE_WINDOW,
            &path,
            format!("window {w} is shorter than 2x the scrape interval ({scrape})"),
            &format!(
                "use at least {} (4x the scrape interval is safer)",
                duration::format(2 * sms)
            ),
        );
    }
}

/// Kinds that take no threshold: why, and how to express the tolerance instead. `custom`
/// takes one or not (a threshold appends the comparison).
fn no_threshold(kind: SloKind) -> Option<(&'static str, &'static str)> {
    match kind {
        SloKind::ApiNoTraffic => Some((
            "it fires when no request is seen for `for`",
            "remove threshold and set `for` to the silence you tolerate",
        )),
        SloKind::QueueStalled => Some((
            "it fires when jobs wait and none completes for `window`",
            "remove threshold and set `window` to how long a queue may go without completing a job",
        )),
        SloKind::GpuXidErrors => Some((
            "it fires when a GPU's last XID error is not 0",
            "remove threshold",
        )),
        _ => None,
    }
}

fn threshold_presence(c: &mut Lint<'_>, at: &At<'_>) {
    let (a, kind) = (at.alert, at.alert.slo);
    match (&a.threshold, no_threshold(kind)) {
        (None, None) if kind != SloKind::Custom => c.err(
            &codes::ALERT_MISSING_THRESHOLD,
            &at.path,
            format!(
                "alert `{}` (slo {}) needs a threshold",
                a.name,
                kind.as_str()
            ),
            "add threshold: { value: N, unit: U }",
        ),
        (Some(_), Some((why, fix))) => c.err(
            &codes::ALERT_UNEXPECTED_FIELD,
            &at.field("threshold"),
            format!("{} has no threshold: {why}", kind.as_str()),
            fix,
        ),
        _ => {}
    }
}

/// A stall alert reads the completed-jobs counter: the contract must name it.
fn completed_counter(c: &mut Lint<'_>, at: &At<'_>) {
    if at.alert.slo == SloKind::QueueStalled && c.defs.spec.metrics.queues.jobs_completed.is_none()
    {
        c.err(
            &codes::ALERT_MISSING_FIELD,
            &at.path,
            "queueStalled needs the completed-jobs counter: spec.metrics.queues.jobsCompleted is not set".into(),
            "add jobsCompleted: bullmq_job_completed_total under spec.metrics.queues (BullMQ >= 5.76 exports it)",
        );
    }
}

/// The optional GPU alerts read dcgm-exporter fields: the contract must name them.
fn dcgm_fields(c: &mut Lint<'_>, at: &At<'_>) {
    let kind = at.alert.slo;
    let Some((key, example)) = kind.dcgm_key() else {
        return;
    };
    if c.defs.spec.metrics.gpu.dcgm_field(kind).is_none() {
        c.err(
            &codes::ALERT_MISSING_FIELD,
            &at.path,
            format!("{} reads a dcgm-exporter field: spec.metrics.gpu.source.dcgmExporter.{key} is not set", kind.as_str()),
            &format!("add {key}: {example} under spec.metrics.gpu.source.dcgmExporter (the GPU nodes must run dcgm-exporter)"),
        );
    }
}

/// Low-traffic guards apply to the API ratio alerts only (`minErrors`: error ratio only).
fn traffic_guards(c: &mut Lint<'_>, at: &At<'_>) {
    let (a, kind) = (at.alert, at.alert.slo);
    let api = matches!(kind, SloKind::ApiLatency | SloKind::ApiErrorRatio);
    if a.min_requests.is_some() && !api {
        c.err(
            &codes::ALERT_UNEXPECTED_FIELD,
            &at.field("minRequests"),
            format!(
                "minRequests only applies to slo apiLatency and apiErrorRatio, not {}",
                kind.as_str()
            ),
            "remove minRequests",
        );
    }
    if a.min_errors.is_some() && kind != SloKind::ApiErrorRatio {
        c.err(
            &codes::ALERT_UNEXPECTED_FIELD,
            &at.field("minErrors"),
            format!(
                "minErrors only applies to slo apiErrorRatio, not {}",
                kind.as_str()
            ),
            "remove minErrors, or use minRequests on a latency alert",
        );
    }
}

/// A latency alert names its quantile, in (0, 1); no other alert has one.
fn quantile(c: &mut Lint<'_>, at: &At<'_>) {
    let (a, kind) = (at.alert, at.alert.slo);
    if kind != SloKind::ApiLatency {
        if a.quantile.is_some() {
            c.err(
                &codes::ALERT_UNEXPECTED_FIELD,
                &at.field("quantile"),
                format!(
                    "quantile only applies to slo apiLatency, not {}",
                    kind.as_str()
                ),
                "remove quantile",
            );
        }
        return;
    }
    match a.quantile {
        None => c.err(
            &codes::ALERT_MISSING_FIELD,
            &at.path,
            "apiLatency needs a quantile (e.g. 0.95)".into(),
            "add quantile: 0.95",
        ),
        Some(q) if !(q > 0.0 && q < 1.0) => c.err(
            &codes::ALERT_QUANTILE_RANGE,
            &at.field("quantile"),
            format!("quantile {q} is outside (0, 1)"),
            "P95 is quantile: 0.95",
        ),
        _ => {}
    }
}

/// Route scoping: only for API latency and errors; a non-empty list of distinct routes.
fn routes(c: &mut Lint<'_>, at: &At<'_>) {
    let (a, kind) = (at.alert, at.alert.slo);
    let Some(list) = &a.routes else { return };
    if !matches!(kind, SloKind::ApiLatency | SloKind::ApiErrorRatio) {
        c.err(
            &codes::ALERT_UNEXPECTED_FIELD,
            &at.field("routes"),
            format!(
                "routes only apply to slo apiLatency and apiErrorRatio, not {}",
                kind.as_str()
            ),
            "remove routes",
        );
        return;
    }
    if list.is_empty() {
        c.err(
            &codes::ALERT_MISSING_FIELD,
            &at.field("routes"),
            "the route list is empty".into(),
            "list route label values, or remove `routes` to cover the whole API",
        );
    }
    let mut seen = BTreeSet::new();
    for (j, r) in list.iter().enumerate() {
        if r.is_empty() || !seen.insert(r.as_str()) {
            c.err(
                &codes::ALERT_BAD_ROUTE,
                &format!("{}.routes[{j}]", at.path),
                format!("route `{r}` is empty or listed twice"),
                "list each route label value once",
            );
        }
    }
}

/// A queue alert lists defined queues; no other alert lists queues.
fn queues(c: &mut Lint<'_>, at: &At<'_>) {
    let (a, kind) = (at.alert, at.alert.slo);
    if !matches!(kind, SloKind::QueueBacklogGrowth | SloKind::QueueStalled) {
        if a.queues.is_some() {
            c.err(
                &codes::ALERT_UNEXPECTED_FIELD,
                &at.field("queues"),
                format!(
                    "queues only apply to slo queueBacklogGrowth and queueStalled, not {}",
                    kind.as_str()
                ),
                "remove queues",
            );
        }
        return;
    }
    let Some(list) = &a.queues else {
        c.err(
            &codes::ALERT_MISSING_FIELD,
            &at.path,
            format!("{} needs the queues it watches", kind.as_str()),
            "add queues: [ai, render]",
        );
        return;
    };
    if list.is_empty() {
        c.err(
            &codes::ALERT_MISSING_FIELD,
            &at.field("queues"),
            "the queue list is empty".into(),
            "list queues from spec.queues",
        );
    }
    let defs = c.defs;
    let known: BTreeSet<&str> = defs.spec.queues.iter().map(|q| q.name.as_str()).collect();
    for (j, q) in list.iter().enumerate() {
        if !known.contains(q.as_str()) {
            c.err(
                &codes::ALERT_UNKNOWN_QUEUE,
                &format!("{}.queues[{j}]", at.path),
                format!("queue `{q}` is not defined in spec.queues"),
                &format!(
                    "defined queues: {}",
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
}

/// `slo: custom` carries a PromQL expression that parses; other kinds build their own.
fn custom_expr(c: &mut Lint<'_>, at: &At<'_>) {
    let (a, kind) = (at.alert, at.alert.slo);
    if kind != SloKind::Custom {
        if a.expr.is_some() {
            c.err(&codes::ALERT_UNEXPECTED_FIELD, &at.field("expr"), format!("expr only applies to slo custom; {} builds its expression from the metric contract", kind.as_str()), "remove expr, or use slo: custom");
        }
        return;
    }
    let Some(e) = &a.expr else {
        c.err(
            &codes::ALERT_MISSING_FIELD,
            &at.path,
            "slo custom needs an expr".into(),
            "add expr: <PromQL>",
        );
        return;
    };
    #[cfg(feature = "promql")]
    if let Err(err) = promql_parser::parser::parse(e) {
        c.err(&codes::PROMQL_PARSE_ERROR, &at.field("expr"), format!("the expression does not parse: {err}"), "promql-parser gives no position inside the expression; check parentheses, durations and quotes");
    }
    let _ = e;
}

/// Absent-style alert: must wait at least 2 scrape intervals (restarts, first scrape).
fn absent_for(c: &mut Lint<'_>, at: &At<'_>) {
    let a = at.alert;
    if a.slo != SloKind::ApiNoTraffic {
        return;
    }
    if let (Ok(f), Some(s)) = (a.for_.parsed(), c.scrape_ms()) {
        if f < 2 * s {
            c.err(&codes::ALERT_ABSENT_FOR, &at.field("for"), format!("`for: {}` is shorter than 2x the scrape interval: the alert would fire after every Prometheus restart", a.for_), &format!("use at least {}", duration::format(2 * s)));
        }
    }
}

/// Percent is 0-100, ratio 0-1, rates are not negative.
fn threshold_range(c: &mut Lint<'_>, at: &At<'_>) {
    let Some(t) = &at.alert.threshold else { return };
    let (lo, hi) = t.unit.range();
    if !(t.value >= lo && t.value <= hi) {
        let range = if hi.is_finite() {
            format!("[{lo}, {hi}]")
        } else {
            format!(">= {lo}")
        };
        c.err(&codes::UNITS_THRESHOLD_RANGE, &format!("{}.threshold.value", at.path), format!("threshold {} {} is outside the unit's range {range}", fmt_num(t.value), t.unit.as_str()), "percent is 0-100 and ratio is 0-1: a 90 % threshold is `value: 90, unit: percent` or `value: 0.9, unit: ratio`");
    }
}

/// The unit the alert's expression computes in, when the SLO kind fixes it.
fn metric_unit(c: &Lint<'_>, kind: SloKind) -> Option<Unit> {
    let m = &c.defs.spec.metrics;
    match kind {
        SloKind::ApiLatency => Some(m.http.unit),
        SloKind::ApiErrorRatio => Some(Unit::Ratio),
        SloKind::QueueBacklogGrowth => Some(Unit::JobsPerMinute),
        SloKind::GpuUtilisation => Some(m.gpu.unit),
        SloKind::QueueStalled | SloKind::GpuXidErrors => Some(Unit::None),
        SloKind::GpuTemperature => Some(Unit::Celsius),
        SloKind::ApiNoTraffic | SloKind::Custom => None,
    }
}

/// The threshold's unit converts to the metric's.
fn threshold_unit(c: &mut Lint<'_>, at: &At<'_>) {
    let (a, kind) = (at.alert, at.alert.slo);
    let (Some(t), Some(mu)) = (&a.threshold, metric_unit(c, kind)) else {
        return;
    };
    if t.unit.dimension() != mu.dimension() {
        c.err(
            &codes::UNITS_THRESHOLD_UNIT,
            &format!("{}.threshold.unit", at.path),
            format!(
                "threshold unit `{}` does not match the metric's unit `{}` (slo {})",
                t.unit.as_str(),
                mu.as_str(),
                kind.as_str()
            ),
            &format!(
                "express the threshold in a unit convertible to {}",
                mu.as_str()
            ),
        );
    }
}

/// A latency threshold between two buckets is an interpolated estimate.
fn bucket_boundary(c: &mut Lint<'_>, at: &At<'_>) {
    let a = at.alert;
    let Some(t) = &a.threshold else { return };
    let http = &c.defs.spec.metrics.http;
    if a.slo != SloKind::ApiLatency || t.unit.dimension() != http.unit.dimension() {
        return;
    }
    let Some(v) = t.unit.convert(t.value, http.unit) else {
        return;
    };
    let b = &http.buckets;
    if b.iter().any(|b| (b - v).abs() <= 1e-9 * v.abs().max(1.0)) {
        return;
    }
    let below = b
        .iter()
        .copied()
        .filter(|b| *b < v)
        .fold(f64::NAN, f64::max);
    let between = match b.iter().copied().find(|b| *b > v) {
        Some(a) if below.is_finite() => {
            format!("between the buckets {} and {}", fmt_num(below), fmt_num(a))
        }
        Some(a) => format!("below the first bucket {}", fmt_num(a)),
        None => "above the last bucket".to_string(),
    };
    c.warn(
        &codes::RULES_BUCKET_BOUNDARY,
        &format!("{}.threshold.value", at.path),
        format!("the latency threshold {} {} ({} {}) is not a bucket boundary of {}: it falls {between}, so histogram_quantile interpolates and the alert fires on an estimate", fmt_num(t.value), t.unit.as_str(), fmt_num(v), http.unit.as_str(), http.histogram),
        &format!("add {} to the histogram buckets of the API's HTTP middleware (and to spec.metrics.http.buckets)", fmt_num(v)),
    );
}
