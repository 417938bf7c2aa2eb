//! SLO health: the status of every alert's condition right now, for the Grafana panel.
//!
//! One SLO per alert deployed to a cluster (one per queue for queue alerts). Each SLO
//! carries the PromQL of its value: the alert's own expression without its comparison,
//! built by [`rules::alert_expr`] from the same recording rules. A dashboard's panel
//! queries each alert once; a queue alert's query returns one series per queue, and the
//! SLOs of that alert are then its series ([`evaluate`]), so the dashboard does not grow
//! with the number of queues. The status
//! compares the value with the alert's threshold in the metric's unit
//! ([`rules::threshold_in_metric_unit`]), so the panel and the alert use one number.
//! `for` is not applied: a tile turns red as soon as the condition holds, the alert
//! fires once it has held for `for`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::registry as codes;
use crate::diag::{self, Diagnostic, Pos};
use crate::generate::budgets::budget_key;
use crate::generate::rules;
use crate::generate::slos::{slo_defs, title, Comparison, SloDef};
use crate::load::{self, Loaded};
use crate::model::{fmt_num, AlertSeverity, Unit};
use crate::source::Source;

/// A sample as the panel hands it over: a number, a Prometheus-style string (`"NaN"`,
/// `"+Inf"`, `"-Inf"`, `"0.25"`) since JSON has no NaN or infinity, or null (no data).
/// A list stands for several series of one query: the SLO takes the worst of them, as
/// the alert fires when any series breaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Sample {
    Number(f64),
    Text(String),
    Many(Vec<Option<Sample>>),
}

impl Sample {
    /// Every number in the sample (NaN included), flattening lists.
    fn numbers(&self, out: &mut Vec<f64>) -> Result<(), String> {
        match self {
            Sample::Number(v) => out.push(*v),
            Sample::Text(s) => out.push(match s.trim() {
                "NaN" | "nan" => f64::NAN,
                "+Inf" | "Inf" | "inf" | "+inf" => f64::INFINITY,
                "-Inf" | "-inf" => f64::NEG_INFINITY,
                t => t
                    .parse::<f64>()
                    .map_err(|_| format!("`{s}` is not a number"))?,
            }),
            Sample::Many(list) => {
                for x in list.iter().flatten() {
                    x.numbers(out)?;
                }
            }
        }
        Ok(())
    }
}

/// The value an SLO judges among several series: one that breaches if any does
/// (`>`: the largest; `==`: the threshold itself when a series equals it). NaN is no data.
fn worst(def: &SloDef, numbers: &[f64]) -> Option<f64> {
    let known = numbers.iter().copied().filter(|v| !v.is_nan());
    match def.comparison {
        Comparison::Above => known.reduce(f64::max),
        Comparison::Equal => {
            let all: Vec<f64> = known.collect();
            all.iter()
                .copied()
                .find(|v| *v == def.threshold_in_metric_unit)
                .or_else(|| all.into_iter().reduce(f64::max))
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthRequest {
    /// `None` means the embedded Luneo definitions.
    #[serde(default)]
    pub definitions: Option<Source>,
    /// Only the alerts deployed to this cluster; `None` means every cluster.
    #[serde(default)]
    pub cluster: Option<String>,
    /// Current value per SLO, keyed by SLO id (`primary/ApiLatencyHigh`) or by refId,
    /// in the unit the SLO's query returns (`metricUnit`). Missing or null: no data.
    /// An SLO's budget reads `SLO/<name>/window` and `SLO/<name>/now` (with `/<group>`
    /// for grouped SLOs): its error ratio over the window and over 5 minutes.
    #[serde(default)]
    pub values: BTreeMap<String, Option<Sample>>,
    /// The `ALERTS` series Prometheus has now (pending or firing), each as its label set
    /// (`alertname`, `alertstate`, `cluster`, ...). `None`: the panel did not query them,
    /// and the tiles can only say whether a threshold is crossed.
    #[serde(default)]
    pub alerts: Option<Vec<BTreeMap<String, String>>>,
}

/// An alert's state as Prometheus reports it (`ALERTS{alertstate}`), or `unknown` when
/// the request carries no `ALERTS` series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Unknown,
    Inactive,
    Pending,
    Firing,
}

/// What a tile's alert has now: the worst state among the `ALERTS` series of the alert
/// on the tile's cluster (and queue), how many series are in it, and the tier (`page`,
/// `ticket`) of the worst one for burn-rate alerts.
#[derive(Debug, Clone, Default, PartialEq)]
struct Observed {
    state: Option<AlertState>,
    series: usize,
    tier: Option<String>,
}

/// The alert state of the `ALERTS` series that match `alertname`, `cluster` and every
/// `(label, value)` of `also`.
fn observe(
    alerts: Option<&[BTreeMap<String, String>]>,
    alert: &str,
    cluster: &str,
    also: &[(&str, &str)],
) -> Observed {
    let Some(alerts) = alerts else {
        return Observed::default();
    };
    let mut o = Observed {
        state: Some(AlertState::Inactive),
        ..Default::default()
    };
    let is =
        |m: &BTreeMap<String, String>, k: &str, v: &str| m.get(k).map(String::as_str) == Some(v);
    for m in alerts.iter().filter(|m| {
        is(m, "alertname", alert)
            && m.get("cluster").is_none_or(|c| c == cluster)
            && also.iter().all(|(k, v)| is(m, k, v))
    }) {
        let s = match m.get("alertstate").map(String::as_str) {
            Some("firing") => AlertState::Firing,
            Some("pending") => AlertState::Pending,
            _ => continue,
        };
        let tier = m.get(crate::generate::budgets::TIER_LABEL).cloned();
        let rank = |t: &Option<String>| match t.as_deref() {
            Some("page") => 2,
            Some(_) => 1,
            None => 0,
        };
        if Some(s) > o.state || (Some(s) == o.state && rank(&tier) > rank(&o.tier)) {
            o.state = Some(s);
            o.series = 0;
            o.tier = tier;
        }
        if Some(s) == o.state {
            o.series += 1;
        }
    }
    o
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warning,
    Critical,
    Nodata,
    /// The alert is pending: its condition holds, its `for` has not elapsed yet.
    Pending,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Ok,
        Status::Nodata,
        Status::Pending,
        Status::Warning,
        Status::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Nodata => "nodata",
            Status::Pending => "pending",
        }
    }

    /// How bad a status is, for roll-ups: critical, warning, pending, no data, ok.
    pub fn rank(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Nodata => 1,
            Status::Pending => 2,
            Status::Warning => 3,
            Status::Critical => 4,
        }
    }

    /// The worst of several statuses (`None` for none): never the first one's by default.
    pub fn worst(all: impl IntoIterator<Item = Status>) -> Option<Status> {
        all.into_iter().max_by_key(|s| s.rank())
    }

    /// The status of a breached alert: its severity (`info` shows as a warning).
    fn of_severity(s: AlertSeverity) -> Status {
        match s {
            AlertSeverity::Critical => Status::Critical,
            AlertSeverity::Warning | AlertSeverity::Info => Status::Warning,
        }
    }
}

/// An SLO with its current value and status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SloHealth {
    #[serde(flatten)]
    pub def: SloDef,
    /// Value in the display unit; null when there is no data or it is not finite.
    pub value: Option<f64>,
    /// `612.5 ms`, `+Inf s`, `no data`.
    pub value_text: String,
    /// `600 ms`, `5 %`.
    pub threshold_text: String,
    /// Whether the value crosses the threshold now (the alert's comparison, without its
    /// `for` and guards); false without data.
    pub crossed: bool,
    /// The alert's state from `ALERTS` (worst of its series on this tile).
    pub alert_state: AlertState,
    /// How many `ALERTS` series are in that state (one per route, queue, ...).
    pub alert_series: usize,
    /// The tile's status. With `ALERTS`, the alert's: firing shows its severity, pending
    /// shows pending, inactive shows ok (no data without a value) even when the threshold
    /// is crossed, so a tile never claims more than the alert. Without `ALERTS`, the
    /// threshold's.
    pub status: Status,
    pub runbook_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HealthResponse {
    /// No error diagnostics.
    pub ok: bool,
    pub slos: Vec<SloHealth>,
    /// Number of SLOs per status (`ok`, `warning`, `critical`, `nodata`).
    pub counts: BTreeMap<String, usize>,
    /// Per SLO of `spec.slos` deployed to the cluster: budget left and burn rate now.
    #[serde(default)]
    pub budgets: Vec<BudgetHealth>,
    /// Per alert and cluster, the worst status of its tiles.
    #[serde(default)]
    pub rollups: Vec<Rollup>,
    /// The worst status of every tile and budget (`None` when there are none).
    #[serde(default)]
    pub worst: Option<Status>,
    pub diagnostics: Vec<Diagnostic>,
}

/// An SLO's error budget now, computed from the error ratios of its recorded series
/// (`slo:sli_error:ratio_rate<window>` and `..._rate5m`) with the objective of the
/// definitions: budget left = 1 - ratio over the window / budget, burn rate = ratio over
/// 5 minutes / budget (the numbers of `slo:period_error_budget_remaining:ratio` and
/// `slo:current_burn_rate:ratio`). A grouped SLO shows its worst group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetHealth {
    /// `cluster/slo-name`.
    pub id: String,
    pub slo: String,
    pub description: String,
    pub cluster: String,
    /// The burn-rate alert (`ApiAvailabilityBudgetBurn`).
    pub alert: String,
    /// Percent (`99.5`).
    pub objective: f64,
    pub window: String,
    /// Error budget as a ratio (`0.005`).
    pub budget: f64,
    /// `0.5 % (216 min over 30d)`.
    pub budget_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    /// Groups with data (0 for an ungrouped SLO).
    pub groups: usize,
    /// Share of the budget left (1 = untouched, below 0 = objective missed).
    pub remaining: Option<f64>,
    pub remaining_text: String,
    /// The group with the least budget left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_group: Option<String>,
    /// Burn rate over the last 5 minutes (1 = spends the budget exactly over the window).
    pub burn_rate: Option<f64>,
    pub burn_rate_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_rate_group: Option<String>,
    pub alert_state: AlertState,
    /// Tier of the burn-rate alert's worst series (`page`, `ticket`) when pending/firing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// From the burn-rate alert: a firing page is critical, a firing ticket a warning,
    /// pending is pending; otherwise ok (no data without numbers).
    pub status: Status,
    pub runbook_url: String,
}

/// The worst status of an alert's tiles (a queue alert has one per queue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollup {
    /// `cluster/Alert`.
    pub id: String,
    pub alert: String,
    pub cluster: String,
    pub status: Status,
    pub counts: BTreeMap<String, usize>,
    /// Tile ids, worst status first.
    pub members: Vec<String>,
}

fn unit_from_str(s: &str) -> Unit {
    serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap_or(Unit::None)
}

/// `600 ms`, `5 %`, `40 jobs/min`, `0.12` (ratio).
fn with_unit(num: &str, unit: Unit) -> String {
    match unit.symbol() {
        "" => num.to_string(),
        sym => format!("{num} {sym}"),
    }
}

/// Round to 2 decimals, with more digits (up to 6) while rounding would hide the
/// difference from the threshold: 600.0001 ms must not read as 600 ms on a red tile.
fn fmt_value(v: f64, threshold: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let mut digits = 2;
    loop {
        let p = 10f64.powi(digits);
        let r = (v * p).round() / p;
        if digits >= 6 || r != threshold || v == threshold {
            let s = format!("{r:.*}", digits as usize);
            let s = if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s
            };
            return if s == "-0" { "0".into() } else { s };
        }
        digits += 1;
    }
}

/// Judge one value (in the metric's unit) against an SLO, its alert state unknown.
pub fn judge(def: &SloDef, value: Option<f64>) -> SloHealth {
    judge_observed(def, value, &Observed::default())
}

/// The tile's status from its alert's state, or from the threshold when it is unknown.
fn status_of_alert(def: &SloDef, crossed: bool, has_value: bool, o: &Observed) -> Status {
    let breach = Status::of_severity(parse_severity(&def.severity));
    match o.state {
        Some(AlertState::Firing) => breach,
        Some(AlertState::Pending) => Status::Pending,
        _ if !has_value => Status::Nodata,
        Some(_) => Status::Ok,
        None if crossed => breach,
        None => Status::Ok,
    }
}

fn judge_observed(def: &SloDef, value: Option<f64>, o: &Observed) -> SloHealth {
    let display = unit_from_str(&def.unit);
    let metric = unit_from_str(&def.metric_unit);
    let threshold_text = if def.threshold.is_finite() {
        with_unit(&fmt_num(def.threshold), display)
    } else {
        "any sample".into()
    };
    let (crossed, shown, text) = match value {
        None => (None, None, "no data".to_string()),
        Some(v) if v.is_nan() => (None, None, "no data".to_string()),
        Some(v) => {
            let crossed = def.comparison.breached(v, def.threshold_in_metric_unit);
            let in_display = metric.convert(v, display).unwrap_or(v);
            let shown = in_display.is_finite().then_some(in_display);
            (
                Some(crossed),
                shown,
                with_unit(&fmt_value(in_display, def.threshold), display),
            )
        }
    };
    SloHealth {
        def: def.clone(),
        value: shown,
        value_text: text,
        threshold_text,
        crossed: crossed == Some(true),
        alert_state: o.state.unwrap_or(AlertState::Unknown),
        alert_series: o.series,
        status: status_of_alert(def, crossed == Some(true), crossed.is_some(), o),
        runbook_url: def.runbook_url.clone(),
    }
}

fn parse_severity(s: &str) -> AlertSeverity {
    match s {
        "critical" => AlertSeverity::Critical,
        "info" => AlertSeverity::Info,
        _ => AlertSeverity::Warning,
    }
}

/// One SLO per series of a queue alert's query. The panel's query of a queue alert
/// returns one series per queue, named `Alert/<queue label value>` (its legend): when
/// the values carry such keys, the alert's SLOs are those series, in label order, so the
/// queues come from the data and the definitions need not list them. A label value that
/// is a declared queue's BullMQ name keeps that queue's name (`primary/QueueWaitThreshold/ai`).
fn expand_series(
    l: &Loaded,
    defs: Vec<SloDef>,
    values: &BTreeMap<String, Option<Sample>>,
) -> Vec<SloDef> {
    let mut out: Vec<SloDef> = Vec::new();
    let mut done: std::collections::BTreeSet<(String, String)> = Default::default();
    for d in &defs {
        let prefix = format!("{}/", d.alert);
        let series: Vec<&str> = values
            .keys()
            .filter_map(|k| k.strip_prefix(prefix.as_str()))
            .filter(|s| !s.is_empty())
            .collect();
        if d.queue.is_none() || series.is_empty() {
            out.push(d.clone());
            continue;
        }
        if !done.insert((d.cluster.clone(), d.alert.clone())) {
            continue;
        }
        let alert = l.defs.spec.alerts.iter().find(|a| a.name == d.alert);
        for s in series {
            let name = l
                .defs
                .spec
                .queues
                .iter()
                .find(|q| q.bullmq_name == s)
                .map_or(s, |q| q.name.as_str());
            let mut one = defs
                .iter()
                .find(|x| {
                    x.alert == d.alert && x.cluster == d.cluster && x.queue.as_deref() == Some(name)
                })
                .cloned()
                .unwrap_or_else(|| {
                    let mut x = d.clone();
                    // The same value for this queue: its label value as the matcher.
                    if let Some(a) = alert {
                        let ql = &l.defs.spec.metrics.queues.queue_label;
                        x.expr = rules::alert_expression(&l.defs, a, &d.cluster)
                            .value
                            .with_matcher(ql, Some(&rules::regex_literal(s)))
                            .to_string();
                    }
                    x.id = format!("{}/{}/{name}", d.cluster, d.alert);
                    x.title = alert.map_or_else(|| x.title.clone(), |a| title(a, Some(name)));
                    x.queue = Some(name.to_string());
                    x
                });
            one.ref_id = format!("{prefix}{s}");
            out.push(one);
        }
    }
    out
}

/// Evaluate the health of every SLO of the request's cluster.
pub fn evaluate(l: &Loaded, req: &HealthRequest) -> HealthResponse {
    let defs = match slo_defs(l, req.cluster.as_deref()) {
        Ok(d) => d,
        Err(d) => {
            return HealthResponse {
                ok: false,
                diagnostics: d,
                ..Default::default()
            }
        }
    };
    let defs = expand_series(l, defs, &req.values);
    // The refId of a queue alert's query: its series come as `Alert/<queue>` too.
    let grouped: std::collections::BTreeSet<&str> = defs
        .iter()
        .filter(|d| d.queue.is_some())
        .map(|d| d.alert.as_str())
        .collect();
    let mut diagnostics = l.warnings.clone();
    let top = Pos { line: 1, column: 1 };
    let mut parsed: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (k, v) in &req.values {
        let mut f = Vec::new();
        if let Some(s) = v {
            if let Err(e) = s.numbers(&mut f) {
                diagnostics.push(
                    Diagnostic::warning(
                        &codes::HEALTH_BAD_VALUE,
                        "values",
                        top,
                        format!("value of `{k}`: {e}"),
                    )
                    .with_hint(
                        "send a number, \"NaN\", \"+Inf\", \"-Inf\", null or a list of those",
                    ),
                );
                f.clear();
            }
        }
        let of_budget = l
            .defs
            .spec
            .slos
            .iter()
            .any(|o| k.starts_with(&budget_key(&o.name, "")));
        if !of_budget
            && !grouped.contains(k.as_str())
            && !defs.iter().any(|d| d.id == *k || d.ref_id == *k)
        {
            let known: Vec<&str> = defs.iter().map(|d| d.ref_id.as_str()).collect();
            diagnostics.push(
                Diagnostic::warning(
                    &codes::HEALTH_UNKNOWN_VALUE,
                    "values",
                    top,
                    format!("`{k}` matches no SLO id or refId"),
                )
                .with_hint(format!("known refIds: {}", known.join(", "))),
            );
        }
        parsed.insert(k.as_str(), f);
    }
    let alerts = req.alerts.as_deref();
    let queue_label = &l.defs.spec.metrics.queues.queue_label;
    let slos: Vec<SloHealth> = defs
        .iter()
        .map(|d| {
            let v = parsed
                .get(d.id.as_str())
                .or_else(|| parsed.get(d.ref_id.as_str()))
                .and_then(|n| worst(d, n));
            let queue_value = queue_value(l, d);
            let also: Vec<(&str, &str)> = queue_value
                .as_deref()
                .map(|q| vec![(queue_label.as_str(), q)])
                .unwrap_or_default();
            judge_observed(d, v, &observe(alerts, &d.alert, &d.cluster, &also))
        })
        .collect();
    let budgets = budgets(l, req.cluster.as_deref(), &parsed, alerts);
    let mut counts: BTreeMap<String, usize> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    for s in &slos {
        *counts.entry(s.status.as_str().to_string()).or_default() += 1;
    }
    let rollups = rollups(&slos);
    let worst = Status::worst(
        slos.iter()
            .map(|s| s.status)
            .chain(budgets.iter().map(|b| b.status)),
    );
    diag::sort(&mut diagnostics);
    HealthResponse {
        ok: !diag::has_errors(&diagnostics),
        slos,
        counts,
        budgets,
        rollups,
        worst,
        diagnostics,
    }
}

/// The value of the queue label on a queue tile's `ALERTS` series: the series name the
/// panel's query gave it (`Alert/<value>`), or the declared queue's BullMQ name.
fn queue_value(l: &Loaded, d: &SloDef) -> Option<String> {
    let q = d.queue.as_deref()?;
    if let Some(v) = d.ref_id.strip_prefix(&format!("{}/", d.alert)) {
        return Some(v.to_string());
    }
    let declared = l.defs.spec.queues.iter().find(|x| x.name == q);
    Some(declared.map_or(q, |x| x.bullmq_name.as_str()).to_string())
}

/// One roll-up per alert and cluster, over its tiles (one per queue for queue alerts):
/// the worst status of its members, the count per status, and the members worst first.
fn rollups(slos: &[SloHealth]) -> Vec<Rollup> {
    let mut out: Vec<Rollup> = Vec::new();
    for s in slos {
        let id = format!("{}/{}", s.def.cluster, s.def.alert);
        let i = match out.iter().position(|r| r.id == id) {
            Some(i) => i,
            None => {
                out.push(Rollup {
                    id,
                    alert: s.def.alert.clone(),
                    cluster: s.def.cluster.clone(),
                    status: s.status,
                    counts: Status::ALL
                        .iter()
                        .map(|x| (x.as_str().to_string(), 0))
                        .collect(),
                    members: Vec::new(),
                });
                out.len() - 1
            }
        };
        let r = &mut out[i];
        *r.counts.entry(s.status.as_str().to_string()).or_default() += 1;
        r.members.push(s.def.id.clone());
        r.status = Status::worst([r.status, s.status]).unwrap_or(r.status);
    }
    let rank: BTreeMap<&str, u8> = slos
        .iter()
        .map(|s| (s.def.id.as_str(), s.status.rank()))
        .collect();
    for r in &mut out {
        // Worst first; ties keep the definitions' (or the series') order.
        r.members
            .sort_by_key(|m| std::cmp::Reverse(rank.get(m.as_str()).copied().unwrap_or(0)));
    }
    out
}

/// Budget left and burn rate now of every SLO deployed to `cluster` (every cluster when
/// `None`), from the error ratios the panel queried, and the state of its burn-rate alert.
fn budgets(
    l: &Loaded,
    cluster: Option<&str>,
    parsed: &BTreeMap<&str, Vec<f64>>,
    alerts: Option<&[BTreeMap<String, String>]>,
) -> Vec<BudgetHealth> {
    let mut out = Vec::new();
    for cl in l
        .defs
        .spec
        .clusters
        .iter()
        .filter(|c| cluster.is_none_or(|x| x == c.name))
    {
        for o in l
            .defs
            .spec
            .slos
            .iter()
            .filter(|o| o.clusters.contains(&cl.name))
        {
            let alert = o.alert_name();
            let observed = observe(
                alerts,
                &alert,
                &cl.name,
                &[(crate::generate::budgets::SLO_LABEL, o.name.as_str())],
            );
            out.push(budget_health(l, o, &cl.name, parsed, &observed));
        }
    }
    out
}

/// The numbers of each group (`""` for an ungrouped SLO) under `SLO/<name>/<which>[/g]`.
fn per_group<'a>(parsed: &'a BTreeMap<&str, Vec<f64>>, key: &str) -> BTreeMap<&'a str, f64> {
    let prefix = format!("{key}/");
    let mut out: BTreeMap<&str, f64> = parsed
        .iter()
        .filter_map(|(k, v)| {
            let g = if *k == key {
                ""
            } else {
                k.strip_prefix(prefix.as_str())?
            };
            // Several series under one key: the worst (largest error ratio).
            let x = v.iter().copied().filter(|x| !x.is_nan()).reduce(f64::max)?;
            Some((g, x))
        })
        .collect();
    // The query's refId carries every group's series too: the groups say which is which.
    if out.len() > 1 {
        out.remove("");
    }
    out
}

fn budget_health(
    l: &Loaded,
    o: &crate::model::Slo,
    cluster: &str,
    parsed: &BTreeMap<&str, Vec<f64>>,
    observed: &Observed,
) -> BudgetHealth {
    let budget = o.budget();
    let window = per_group(parsed, &budget_key(&o.name, "window"));
    let now = per_group(parsed, &budget_key(&o.name, "now"));
    // The group with the least budget left, and the one burning fastest.
    let left = window
        .iter()
        .map(|(g, r)| (*g, 1.0 - r / budget))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let burn = now
        .iter()
        .map(|(g, r)| (*g, r / budget))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let groups: std::collections::BTreeSet<&str> = window
        .keys()
        .chain(now.keys())
        .copied()
        .filter(|g| !g.is_empty())
        .collect();
    let has_value = left.is_some() || burn.is_some();
    let status = match (observed.state, observed.tier.as_deref()) {
        (Some(AlertState::Firing), Some("ticket")) => Status::Warning,
        (Some(AlertState::Firing), _) => Status::Critical,
        (Some(AlertState::Pending), _) => Status::Pending,
        _ if !has_value => Status::Nodata,
        _ => Status::Ok,
    };
    let pct = |x: f64| format!("{} %", fmt_value(x * 100.0, f64::NAN));
    let group_of = |g: &str| (!g.is_empty()).then(|| g.to_string());
    BudgetHealth {
        id: format!("{cluster}/{}", o.name),
        slo: o.name.clone(),
        description: o.description.clone(),
        cluster: cluster.to_string(),
        alert: o.alert_name(),
        objective: o.objective,
        window: o.window.to_string(),
        budget,
        budget_text: format!(
            "{} ({} min over {})",
            pct(budget),
            fmt_num(o.budget_minutes().round()),
            o.window
        ),
        group_by: o.group_by.clone(),
        groups: groups.len(),
        remaining: left.map(|x| x.1).filter(|x| x.is_finite()),
        remaining_text: left.map_or_else(|| "no data".into(), |x| pct(x.1)),
        remaining_group: left.and_then(|x| group_of(x.0)),
        burn_rate: burn.map(|x| x.1).filter(|x| x.is_finite()),
        burn_rate_text: burn.map_or_else(
            || "no data".into(),
            |x| format!("{}x", fmt_value(x.1, f64::NAN)),
        ),
        burn_rate_group: burn.and_then(|x| group_of(x.0)),
        alert_state: observed.state.unwrap_or(AlertState::Unknown),
        tier: observed.tier.clone(),
        status,
        runbook_url: rules::runbook_url(&l.defs, &o.alert_name()),
    }
}

/// The host-facing operation: load the definitions, then [`evaluate`].
pub fn evaluate_health(req: &HealthRequest) -> HealthResponse {
    let loaded = load::resolve(&req.definitions);
    match loaded {
        Ok(l) => evaluate(&l, req),
        Err(d) => HealthResponse {
            ok: false,
            diagnostics: d,
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::generate::grafana::DataSourceRef;
    use crate::generate::slos::*;
    use crate::model::{Definitions, SloKind};

    /// The health panel as JSON, as a dashboard carries it.
    fn dashboard_panel(
        defs: &Definitions,
        kinds: &[SloKind],
        cluster: &str,
        ds: &serde_json::Value,
    ) -> Option<serde_json::Value> {
        assert_eq!(
            ds,
            &serde_json::to_value(DataSourceRef::PROMETHEUS_VARIABLE).unwrap()
        );
        crate::generate::slos::dashboard_panel(
            defs,
            kinds,
            cluster,
            &DataSourceRef::PROMETHEUS_VARIABLE,
        )
        .map(|p| serde_json::to_value(p).unwrap())
    }

    fn embedded() -> Loaded {
        load::load_embedded().unwrap()
    }

    fn req(cluster: Option<&str>, values: &[(&str, Option<Sample>)]) -> HealthRequest {
        HealthRequest {
            definitions: None,
            cluster: cluster.map(str::to_string),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            alerts: None,
        }
    }

    /// One `ALERTS` series: `(alertname, alertstate, cluster, extra labels)`.
    type AlertSeries<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

    /// `ALERTS` series as label sets.
    fn alerts(list: &[AlertSeries<'_>]) -> Option<Vec<BTreeMap<String, String>>> {
        Some(
            list.iter()
                .map(|(name, state, cluster, extra)| {
                    let mut m: BTreeMap<String, String> = extra
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    m.insert("alertname".into(), name.to_string());
                    m.insert("alertstate".into(), state.to_string());
                    m.insert("cluster".into(), cluster.to_string());
                    m
                })
                .collect(),
        )
    }

    fn tile<'a>(r: &'a HealthResponse, id: &str) -> &'a SloHealth {
        r.slos
            .iter()
            .find(|s| s.def.id == id)
            .unwrap_or_else(|| panic!("no SLO {id}"))
    }

    fn budget<'a>(r: &'a HealthResponse, id: &str) -> &'a BudgetHealth {
        r.budgets
            .iter()
            .find(|b| b.id == id)
            .unwrap_or_else(|| panic!("no budget {id}"))
    }

    /// With `ALERTS`, a tile says what the alert does: a crossed threshold with the alert
    /// inactive (its `for` not started, a guard holding it) is ok, with `crossed` set;
    /// pending is pending; firing takes the severity, even without a value (an outage
    /// alert fires on absent series).
    #[test]
    fn tiles_follow_the_alert_state_not_only_the_threshold() {
        let l = embedded();
        let lat = "primary/ApiLatencyHigh";
        let mut q = req(
            Some("primary"),
            &[(lat, num(0.75)), ("primary/ApiErrorRate", num(0.2))],
        );
        // Without ALERTS: the threshold alone (the unknown state says so).
        let r = evaluate(&l, &q);
        assert_eq!(
            (tile(&r, lat).status, tile(&r, lat).alert_state),
            (Status::Warning, AlertState::Unknown)
        );
        // ALERTS queried, nothing pending or firing.
        q.alerts = alerts(&[]);
        let r = evaluate(&l, &q);
        let t = tile(&r, lat);
        assert_eq!(
            (t.status, t.crossed, t.alert_state),
            (Status::Ok, true, AlertState::Inactive)
        );
        assert_eq!(tile(&r, "primary/ApiUnavailable").status, Status::Nodata);
        // Pending on this cluster; firing on the other cluster does not count here.
        q.alerts = alerts(&[
            ("ApiLatencyHigh", "pending", "primary", &[]),
            ("ApiErrorRate", "firing", "standby", &[]),
            ("ApiUnavailable", "firing", "primary", &[]),
        ]);
        let r = evaluate(&l, &q);
        assert_eq!(tile(&r, lat).status, Status::Pending);
        assert_eq!(tile(&r, lat).alert_state, AlertState::Pending);
        let e = tile(&r, "primary/ApiErrorRate");
        assert_eq!(
            (e.status, e.crossed, e.alert_state),
            (Status::Ok, true, AlertState::Inactive)
        );
        let u = tile(&r, "primary/ApiUnavailable");
        assert_eq!(
            (u.status, u.value_text.as_str()),
            (Status::Critical, "no data")
        );
        assert_eq!(r.counts["pending"], 1);
        assert!(
            u.runbook_url.ends_with("/api-unavailable.md"),
            "{}",
            u.runbook_url
        );
    }

    /// A queue tile reads the `ALERTS` series of its queue (by its BullMQ name), and a
    /// tile counts the series of its alert in the worst state (one per route, say).
    #[test]
    fn queue_tiles_read_their_own_queue_and_count_series() {
        let l = embedded();
        let mut q = req(
            Some("primary"),
            &[
                ("QueueWaitThreshold/luneo-ai", num(50.0)),
                ("QueueWaitThreshold/luneo-render", num(50.0)),
            ],
        );
        q.alerts = alerts(&[
            (
                "QueueWaitThreshold",
                "firing",
                "primary",
                &[("queue", "luneo-render")],
            ),
            (
                "QueueWaitThreshold",
                "pending",
                "primary",
                &[("queue", "luneo-ai")],
            ),
            ("ApiLatencyHigh", "pending", "primary", &[("route", "/a")]),
            ("ApiLatencyHigh", "firing", "primary", &[("route", "/b")]),
            ("ApiLatencyHigh", "firing", "primary", &[("route", "/c")]),
        ]);
        let r = evaluate(&l, &q);
        assert_eq!(
            tile(&r, "primary/QueueWaitThreshold/render").status,
            Status::Warning
        );
        assert_eq!(
            tile(&r, "primary/QueueWaitThreshold/ai").status,
            Status::Pending
        );
        let lat = tile(&r, "primary/ApiLatencyHigh");
        assert_eq!((lat.alert_state, lat.alert_series), (AlertState::Firing, 2));
        assert_eq!(lat.status, Status::Warning);
    }

    /// The roll-up of an alert is its worst member, whatever the members' order; the
    /// panel's worst covers tiles and budgets.
    #[test]
    fn rollups_take_the_worst_member_never_the_first() {
        let l = embedded();
        let mut q = req(Some("primary"), &[]);
        let keys: Vec<String> = (0..100)
            .map(|i| format!("QueueWaitThreshold/q{i:03}"))
            .collect();
        q.values = keys.iter().map(|k| (k.clone(), num(1.0))).collect();
        q.alerts = alerts(&[
            (
                "QueueWaitThreshold",
                "pending",
                "primary",
                &[("queue", "q042")],
            ),
            (
                "QueueWaitThreshold",
                "firing",
                "primary",
                &[("queue", "q077")],
            ),
        ]);
        let r = evaluate(&l, &q);
        let roll = r
            .rollups
            .iter()
            .find(|x| x.id == "primary/QueueWaitThreshold")
            .unwrap();
        assert_eq!(roll.status, Status::Warning);
        assert_eq!(roll.members.len(), 100);
        assert_eq!(roll.members[0], "primary/QueueWaitThreshold/q077");
        assert_eq!(roll.members[1], "primary/QueueWaitThreshold/q042");
        assert_eq!(
            (
                roll.counts["ok"],
                roll.counts["pending"],
                roll.counts["warning"]
            ),
            (98, 1, 1)
        );
        // The first member is ok; the roll-up is not.
        assert_eq!(tile(&r, &roll.members[99]).status, Status::Ok);
        assert_eq!(r.worst, Some(Status::Warning));
        assert_eq!(
            Status::worst([Status::Ok, Status::Nodata, Status::Pending]),
            Some(Status::Pending)
        );
        assert_eq!(
            Status::worst([Status::Critical, Status::Ok]),
            Some(Status::Critical)
        );
        assert_eq!(Status::worst([]), None);
    }

    /// Budget left and burn rate, computed by hand: api-availability promises 99.5 %
    /// (budget 0.5 %): 0.1 % of errors over 30 days leaves 1 - 0.001/0.005 = 80 % of the
    /// budget; 7.2 % of errors over 5 minutes burns at 0.072/0.005 = 14.4x.
    /// queue-jobs-duration (99 %, budget 1 %) per queue: 0.2 % slow jobs leave 80 %,
    /// 1.2 % leave -20 % (objective missed) on the render queue, the worst group.
    #[test]
    fn budgets_left_and_burn_rates_by_hand() {
        let l = embedded();
        let mut q = req(
            Some("primary"),
            &[
                ("SLO/api-availability/window", num(0.001)),
                ("SLO/api-availability/now", num(0.072)),
                (
                    "SLO/queue-jobs-duration/window",
                    Some(Sample::Many(vec![num(0.002), num(0.012)])),
                ),
                ("SLO/queue-jobs-duration/window/luneo-ai", num(0.002)),
                ("SLO/queue-jobs-duration/window/luneo-render", num(0.012)),
                ("SLO/queue-jobs-duration/now/luneo-ai", num(0.03)),
                (
                    "SLO/queue-jobs-duration/now/luneo-render",
                    Some(Sample::Text("NaN".into())),
                ),
            ],
        );
        let r = evaluate(&l, &q);
        assert!(r.ok, "{:?}", r.diagnostics);
        assert!(
            r.diagnostics
                .iter()
                .all(|d| d.code != "health/unknown-value"),
            "{:?}",
            r.diagnostics
        );
        assert_eq!(r.budgets.len(), 3);
        let a = budget(&r, "primary/api-availability");
        assert_eq!(a.budget, 0.005);
        assert!((a.remaining.unwrap() - 0.8).abs() < 1e-12);
        assert!((a.burn_rate.unwrap() - 14.4).abs() < 1e-9);
        assert_eq!(
            (a.remaining_text.as_str(), a.burn_rate_text.as_str()),
            ("80 %", "14.4x")
        );
        assert_eq!(a.budget_text, "0.5 % (216 min over 30d)");
        assert_eq!((a.status, a.alert_state), (Status::Ok, AlertState::Unknown));
        let j = budget(&r, "primary/queue-jobs-duration");
        assert!((j.remaining.unwrap() + 0.2).abs() < 1e-12);
        assert_eq!(
            (j.remaining_text.as_str(), j.remaining_group.as_deref()),
            ("-20 %", Some("luneo-render"))
        );
        assert!((j.burn_rate.unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(
            (j.burn_rate_group.as_deref(), j.groups),
            (Some("luneo-ai"), 2)
        );
        let n = budget(&r, "primary/api-latency");
        assert_eq!(
            (n.status, n.remaining, n.remaining_text.as_str()),
            (Status::Nodata, None, "no data")
        );
        // The burn-rate alerts' state: a firing page is critical, a firing ticket a
        // warning, the page wins over the ticket of the same SLO; other clusters apart.
        q.alerts = alerts(&[
            (
                "ApiAvailabilityBudgetBurn",
                "firing",
                "primary",
                &[("slo", "api-availability"), ("tier", "ticket")],
            ),
            (
                "ApiAvailabilityBudgetBurn",
                "firing",
                "primary",
                &[("slo", "api-availability"), ("tier", "page")],
            ),
            (
                "QueueJobsDurationBudgetBurn",
                "firing",
                "primary",
                &[
                    ("slo", "queue-jobs-duration"),
                    ("tier", "ticket"),
                    ("queue", "luneo-render"),
                ],
            ),
            (
                "ApiLatencyBudgetBurn",
                "firing",
                "standby",
                &[("slo", "api-latency"), ("tier", "page")],
            ),
        ]);
        let r = evaluate(&l, &q);
        let a = budget(&r, "primary/api-availability");
        assert_eq!(
            (a.status, a.tier.as_deref()),
            (Status::Critical, Some("page"))
        );
        let j = budget(&r, "primary/queue-jobs-duration");
        assert_eq!(
            (j.status, j.alert_state),
            (Status::Warning, AlertState::Firing)
        );
        assert_eq!(budget(&r, "primary/api-latency").status, Status::Nodata);
        assert_eq!(r.worst, Some(Status::Critical));
        assert!(
            a.runbook_url.ends_with("/api-availability-budget-burn.md"),
            "{}",
            a.runbook_url
        );
    }

    fn num(v: f64) -> Option<Sample> {
        Some(Sample::Number(v))
    }

    fn status_of(r: &HealthResponse, id: &str) -> Status {
        r.slos
            .iter()
            .find(|s| s.def.id == id)
            .unwrap_or_else(|| panic!("no SLO {id}"))
            .status
    }

    #[test]
    fn one_slo_per_alert_and_queue_per_cluster() {
        let l = embedded();
        let ids = |c: Option<&str>| -> Vec<String> {
            slo_defs(&l, c).unwrap().into_iter().map(|s| s.id).collect()
        };
        assert_eq!(
            ids(Some("primary")),
            [
                "primary/ApiLatencyHigh",
                "primary/ApiErrorRate",
                "primary/ApiUnavailable",
                "primary/QueueWaitThreshold/ai",
                "primary/QueueWaitThreshold/render",
                "primary/RenderGpuSaturation"
            ]
        );
        assert_eq!(
            ids(Some("standby")),
            [
                "standby/ApiLatencyHigh",
                "standby/ApiErrorRate",
                "standby/QueueWaitThreshold/ai",
                "standby/QueueWaitThreshold/render",
                "standby/RenderGpuSaturation",
                "standby/StandbyApiUnavailable",
                "standby/StandbyQueueGrowth/ai",
                "standby/StandbyQueueGrowth/render"
            ]
        );
        assert_eq!(slo_defs(&l, None).unwrap().len(), 14);
    }

    /// The panel's query plus its comparison and threshold is exactly the alert's
    /// expression for that queue: the panel and the alert cannot drift apart.
    #[test]
    fn target_plus_comparison_is_the_alert_expression() {
        let l = embedded();
        for d in slo_defs(&l, None).unwrap() {
            let mut a = l
                .defs
                .spec
                .alerts
                .iter()
                .find(|a| a.name == d.alert)
                .unwrap()
                .clone();
            if let Some(q) = &d.queue {
                a.queues = Some(vec![q.clone()]);
            }
            let alert = rules::alert_expr(&l.defs, &a, &d.cluster);
            let mut whole = format!(
                "{} {} {}",
                d.expr,
                d.comparison.as_str(),
                fmt_num(d.threshold_in_metric_unit)
            );
            for g in &d.guards {
                whole = format!("{whole} {g}");
            }
            assert_eq!(whole, alert, "{}", d.id);
            assert_eq!(
                Some(d.threshold_in_metric_unit),
                rules::threshold_in_metric_unit(&l.defs, &a).or(Some(0.0))
            );
        }
        let lat = slo_defs(&l, Some("primary"))
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
        assert_eq!(lat.expr, "cluster:http_request_duration_seconds:p95_rate5m");
        assert_eq!(
            (
                lat.threshold,
                lat.unit.as_str(),
                lat.threshold_in_metric_unit,
                lat.metric_unit.as_str()
            ),
            (600.0, "ms", 0.6, "s")
        );
    }

    #[test]
    fn queue_targets_select_every_queue_as_series() {
        let l = embedded();
        let t = panel_targets(&l, "primary").unwrap();
        let refs: Vec<&str> = t.iter().map(|t| t.ref_id.as_str()).collect();
        assert_eq!(
            refs,
            [
                "ApiLatencyHigh",
                "ApiErrorRate",
                "ApiUnavailable",
                "QueueWaitThreshold",
                "RenderGpuSaturation"
            ]
        );
        let q = &t[3];
        assert_eq!(
            q.expr,
            "queue:bullmq_job_count_waiting:deriv5m{state=\"waiting\", queue=~\"luneo-ai|luneo-render\"} * 60"
        );
        assert_eq!(q.legend_format, "QueueWaitThreshold/{{queue}}");
        assert_eq!(t[0].legend_format, t[0].ref_id);
    }

    /// Just below / on / just above every threshold, in the metric's unit.
    #[test]
    fn statuses_around_each_threshold() {
        let l = embedded();
        let cases: &[(&str, f64, f64, Status)] = &[
            // id, just below (ok), just above (breach), breach status
            ("primary/ApiLatencyHigh", 0.599, 0.601, Status::Warning),
            ("primary/ApiErrorRate", 0.0499, 0.0501, Status::Critical),
            ("primary/QueueWaitThreshold/ai", 39.9, 40.1, Status::Warning),
            (
                "primary/QueueWaitThreshold/render",
                39.999,
                40.001,
                Status::Warning,
            ),
            ("primary/RenderGpuSaturation", 89.99, 90.01, Status::Warning),
            ("standby/StandbyQueueGrowth/ai", 4.99, 5.01, Status::Warning),
        ];
        for (id, below, above, breach) in cases {
            for (v, want) in [(*below, Status::Ok), (*above, *breach)] {
                let r = evaluate(&l, &req(None, &[(id, num(v))]));
                assert!(r.ok, "{:?}", r.diagnostics);
                assert_eq!(status_of(&r, id), want, "{id} at {v}");
            }
            // Exactly on the threshold the alert (`>`) does not fire.
            let d = slo_defs(&l, None)
                .unwrap()
                .into_iter()
                .find(|d| d.id == *id)
                .unwrap();
            assert_eq!(
                judge(&d, Some(d.threshold_in_metric_unit)).status,
                Status::Ok,
                "{id} on the threshold"
            );
        }
    }

    #[test]
    fn no_traffic_breaches_at_zero_requests() {
        let l = embedded();
        let id = "standby/StandbyApiUnavailable";
        let r = evaluate(&l, &req(Some("standby"), &[(id, num(0.0))]));
        assert_eq!(status_of(&r, id), Status::Warning);
        let s = r.slos.iter().find(|s| s.def.id == id).unwrap();
        assert_eq!(
            (s.def.comparison, s.def.threshold, s.threshold_text.as_str()),
            (Comparison::Equal, 0.0, "0 req/s")
        );
        assert_eq!(
            s.def.expr,
            "(sum(rate(http_request_duration_seconds_count{job=\"luneo-api\"}[2m])) or vector(0))"
        );
        let r = evaluate(&l, &req(Some("standby"), &[(id, num(0.001))]));
        assert_eq!(status_of(&r, id), Status::Ok);
    }

    #[test]
    fn missing_null_nan_and_bad_values_are_nodata() {
        let l = embedded();
        let r = evaluate(
            &l,
            &req(
                Some("primary"),
                &[
                    ("ApiLatencyHigh", None),
                    ("ApiErrorRate", Some(Sample::Text("NaN".into()))),
                    ("RenderGpuSaturation", Some(Sample::Text("lots".into()))),
                ],
            ),
        );
        assert!(r
            .slos
            .iter()
            .all(|s| s.status == Status::Nodata && s.value.is_none() && s.value_text == "no data"));
        assert_eq!(r.counts["nodata"], 6);
        assert!(r
            .diagnostics
            .iter()
            .any(|d| d.code == "health/bad-value" && d.message.contains("RenderGpuSaturation")));
        assert!(r.ok, "bad values are warnings, not errors");
    }

    #[test]
    fn several_series_take_the_worst() {
        let l = embedded();
        let many = |xs: &[f64]| {
            Some(Sample::Many(
                xs.iter().map(|x| Some(Sample::Number(*x))).collect(),
            ))
        };
        let r = evaluate(
            &l,
            &req(
                None,
                &[
                    ("ApiLatencyHigh", many(&[0.2, 0.7, f64::NAN])),
                    ("ApiErrorRate", many(&[0.01, 0.02])),
                    ("StandbyApiUnavailable", many(&[3.0, 0.0])),
                ],
            ),
        );
        assert_eq!(status_of(&r, "primary/ApiLatencyHigh"), Status::Warning);
        assert_eq!(r.slos[0].value_text, "700 ms");
        assert_eq!(status_of(&r, "primary/ApiErrorRate"), Status::Ok);
        assert_eq!(
            status_of(&r, "standby/StandbyApiUnavailable"),
            Status::Warning
        );
        let r: HealthRequest = serde_json::from_str(
            r#"{"values":{"RenderGpuSaturation":[null,"NaN"],"ApiErrorRate":[]}}"#,
        )
        .unwrap();
        let r = evaluate(&l, &r);
        assert_eq!(status_of(&r, "primary/RenderGpuSaturation"), Status::Nodata);
        assert_eq!(status_of(&r, "primary/ApiErrorRate"), Status::Nodata);
    }

    #[test]
    fn infinity_breaches_and_reads_inf() {
        let l = embedded();
        let r = evaluate(
            &l,
            &req(
                Some("primary"),
                &[("ApiLatencyHigh", Some(Sample::Text("+Inf".into())))],
            ),
        );
        let s = &r.slos[0];
        assert_eq!(
            (s.status, s.value, s.value_text.as_str()),
            (Status::Warning, None, "+Inf ms")
        );
    }

    #[test]
    fn values_are_shown_in_the_threshold_unit() {
        let l = embedded();
        let r = evaluate(
            &l,
            &req(
                Some("primary"),
                &[
                    ("ApiLatencyHigh", num(0.6000001)),
                    ("ApiErrorRate", num(0.0123)),
                    ("RenderGpuSaturation", num(42.0)),
                ],
            ),
        );
        let by = |id: &str| r.slos.iter().find(|s| s.def.ref_id == id).unwrap().clone();
        let lat = by("ApiLatencyHigh");
        assert_eq!(
            (
                lat.status,
                lat.value_text.as_str(),
                lat.threshold_text.as_str()
            ),
            (Status::Warning, "600.0001 ms", "600 ms")
        );
        let err = by("ApiErrorRate");
        assert_eq!(
            (
                err.value_text.as_str(),
                err.threshold_text.as_str(),
                err.def.grafana_unit.as_str()
            ),
            ("1.23 %", "5 %", "percent")
        );
        assert_eq!(by("RenderGpuSaturation").value_text, "42 %");
        assert_eq!(r.counts["ok"], 2);
        assert_eq!(r.counts["warning"], 1);
    }

    #[test]
    fn values_match_by_id_or_ref_id_and_unknown_keys_warn() {
        let l = embedded();
        let r = evaluate(
            &l,
            &req(
                None,
                &[
                    ("standby/StandbyQueueGrowth/render", num(6.0)),
                    ("StandbyQueueGrowth_ai", num(1.0)),
                    ("Nope", num(1.0)),
                ],
            ),
        );
        assert_eq!(
            status_of(&r, "standby/StandbyQueueGrowth/render"),
            Status::Warning
        );
        assert_eq!(status_of(&r, "standby/StandbyQueueGrowth/ai"), Status::Ok);
        assert!(r
            .diagnostics
            .iter()
            .any(|d| d.code == "health/unknown-value" && d.message.contains("Nope")));
    }

    #[test]
    fn unknown_cluster_and_broken_definitions_are_diagnostics() {
        let r = evaluate_health(&HealthRequest {
            cluster: Some("dr".into()),
            ..Default::default()
        });
        assert!(!r.ok && r.slos.is_empty());
        let d = &r.diagnostics[0];
        assert_eq!(d.code, "health/unknown-cluster");
        assert!(d.line > 1 && d.hint.as_deref().unwrap_or("").contains("primary, standby"));
        let r = evaluate_health(&HealthRequest {
            definitions: Some(Source {
                name: "x.yaml".into(),
                text: "apiVersion: [".into(),
            }),
            ..Default::default()
        });
        assert!(!r.ok && !r.diagnostics.is_empty() && r.diagnostics[0].file == "x.yaml");
    }

    #[test]
    fn json_round_trip_uses_camel_case() {
        let r: HealthRequest = serde_json::from_str(r#"{"cluster":"primary","values":{"ApiLatencyHigh":0.7,"ApiErrorRate":"+Inf","RenderGpuSaturation":null}}"#).unwrap();
        let out = serde_json::to_value(evaluate_health(&r)).unwrap();
        let first = &out["slos"][0];
        assert_eq!(first["refId"], "ApiLatencyHigh");
        assert_eq!(first["status"], "warning");
        assert_eq!(first["thresholdInMetricUnit"], 0.6);
        assert_eq!(first["comparison"], ">");
        assert_eq!(out["slos"][1]["status"], "critical");
        assert!(serde_json::from_str::<HealthRequest>(r#"{"valuez":{}}"#).is_err());
    }

    #[test]
    fn dashboard_panel_queries_every_slo_of_its_kinds_with_the_cluster_variable() {
        // A central store: every series carries the cluster label.
        let mut l = embedded();
        l.defs.spec.metrics.cluster_label = Some("cluster".into());
        let ds = serde_json::json!({"type": "prometheus", "uid": "${datasource}"});
        let api = dashboard_panel(
            &l.defs,
            &[
                SloKind::ApiLatency,
                SloKind::ApiErrorRatio,
                SloKind::ApiNoTraffic,
            ],
            "primary",
            &ds,
        )
        .unwrap();
        assert_eq!(api["type"], PANEL_TYPE);
        assert_eq!(api["options"]["cluster"], "$cluster");
        let refs: Vec<&str> = api["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["refId"].as_str().unwrap())
            .collect();
        assert_eq!(
            refs,
            [
                "ApiLatencyHigh",
                "ApiErrorRate",
                "ApiUnavailable",
                "StandbyApiUnavailable",
                "SLO/api-availability/window",
                "SLO/api-availability/now",
                "SLO/api-latency/window",
                "SLO/api-latency/now",
                "ALERTS"
            ]
        );
        let t = &api["targets"];
        assert_eq!(
            t[4]["expr"],
            "slo:sli_error:ratio_rate30d{cluster=\"$cluster\", slo=\"api-availability\"}"
        );
        assert_eq!(
            t[5]["expr"],
            "slo:sli_error:ratio_rate5m{cluster=\"$cluster\", slo=\"api-availability\"}"
        );
        assert_eq!(t[5]["legendFormat"], "SLO/api-availability/now");
        assert_eq!(
            t[8]["expr"],
            "ALERTS{alertname=~\"ApiLatencyHigh|ApiErrorRate|ApiUnavailable|StandbyApiUnavailable|ApiAvailabilityBudgetBurn|ApiLatencyBudgetBurn\", cluster=\"$cluster\"}"
        );
        assert_eq!(
            api["targets"][0]["expr"],
            "cluster:http_request_duration_seconds:p95_rate5m{cluster=\"$cluster\"}"
        );
        assert_eq!(api["targets"][0]["legendFormat"], "ApiLatencyHigh");
        assert_eq!(api["targets"][0]["datasource"], ds);
        let queues = dashboard_panel(
            &l.defs,
            &[SloKind::QueueBacklogGrowth, SloKind::GpuUtilisation],
            "primary",
            &ds,
        )
        .unwrap();
        let refs: Vec<&str> = queues["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["refId"].as_str().unwrap())
            .collect();
        // One query per alert: a queue alert's query returns one series per queue.
        assert_eq!(
            refs,
            [
                "QueueWaitThreshold",
                "RenderGpuSaturation",
                "StandbyQueueGrowth",
                "SLO/queue-jobs-duration/window",
                "SLO/queue-jobs-duration/now",
                "ALERTS"
            ]
        );
        assert_eq!(
            queues["targets"][3]["legendFormat"],
            "SLO/queue-jobs-duration/window/{{queue}}"
        );
        assert_eq!(
            queues["targets"][0]["expr"],
            "queue:bullmq_job_count_waiting:deriv5m{cluster=\"$cluster\", state=\"waiting\", queue=~\"luneo-ai|luneo-render\"} * 60"
        );
        assert_eq!(
            queues["targets"][0]["legendFormat"],
            "QueueWaitThreshold/{{queue}}"
        );
        assert!(dashboard_panel(&l.defs, &[SloKind::Custom], "primary", &ds).is_none());
    }

    /// An alert on some of the queues keeps its queue matcher in the panel's query.
    #[test]
    fn a_queue_subset_alert_selects_its_queues() {
        let mut l = embedded();
        for a in l.defs.spec.alerts.iter_mut().filter(|a| a.queues.is_some()) {
            a.queues = Some(vec!["render".into()]);
        }
        let ds = serde_json::json!({"type": "prometheus", "uid": "${datasource}"});
        let p = dashboard_panel(&l.defs, &[SloKind::QueueBacklogGrowth], "primary", &ds).unwrap();
        assert_eq!(
            p["targets"][0]["expr"],
            "queue:bullmq_job_count_waiting:deriv5m{state=\"waiting\", queue=~\"luneo-render\"} * 60"
        );
    }

    /// Series of a queue alert's query (`Alert/<queue label>`) become its SLOs: declared
    /// queues keep their names, other label values make tiles of their own.
    #[test]
    fn queue_series_become_one_slo_each() {
        let l = embedded();
        let r = evaluate(
            &l,
            &req(
                Some("primary"),
                &[
                    (
                        "QueueWaitThreshold",
                        Some(Sample::Many(vec![num(41.0), num(1.0), num(2.0)])),
                    ),
                    ("QueueWaitThreshold/luneo-ai", num(41.0)),
                    ("QueueWaitThreshold/luneo-render", num(1.0)),
                    ("QueueWaitThreshold/luneo-zz", num(2.0)),
                ],
            ),
        );
        assert!(
            !r.diagnostics.iter().any(|d| d.code.starts_with("health/")),
            "{:?}",
            r.diagnostics
        );
        let q: Vec<(&str, &str, Status)> = r
            .slos
            .iter()
            .filter(|s| s.def.alert == "QueueWaitThreshold")
            .map(|s| (s.def.id.as_str(), s.def.title.as_str(), s.status))
            .collect();
        assert_eq!(
            q,
            [
                (
                    "primary/QueueWaitThreshold/ai",
                    "Queue ai backlog growth",
                    Status::Warning
                ),
                (
                    "primary/QueueWaitThreshold/render",
                    "Queue render backlog growth",
                    Status::Ok
                ),
                (
                    "primary/QueueWaitThreshold/luneo-zz",
                    "Queue luneo-zz backlog growth",
                    Status::Ok
                ),
            ]
        );
        let zz = r
            .slos
            .iter()
            .find(|s| s.def.id.ends_with("luneo-zz"))
            .unwrap();
        assert!(
            zz.def.expr.contains("queue=~\"luneo-zz\""),
            "{}",
            zz.def.expr
        );
    }

    /// With 1,000 queues the panel names no queue: its JSON is the size it has with two,
    /// and the statuses still come from each series with the alert's threshold.
    #[test]
    fn the_panel_does_not_grow_with_the_number_of_queues() {
        let l = embedded();
        let mut big = l.defs.clone();
        big.spec.queues = (0..1000)
            .map(|i| {
                let mut q = l.defs.spec.queues[0].clone();
                q.name = format!("q{i:04}");
                q.bullmq_name = format!("luneo-q{i:04}");
                q
            })
            .collect();
        let names: Vec<String> = big.spec.queues.iter().map(|q| q.name.clone()).collect();
        for a in big.spec.alerts.iter_mut().filter(|a| a.queues.is_some()) {
            a.queues = Some(names.clone());
        }
        let ds = serde_json::json!({"type": "prometheus", "uid": "${datasource}"});
        let kinds = [SloKind::QueueBacklogGrowth, SloKind::GpuUtilisation];
        let small = dashboard_panel(&l.defs, &kinds, "primary", &ds)
            .unwrap()
            .to_string();
        let p = dashboard_panel(&big, &kinds, "primary", &ds).unwrap();
        let text = p.to_string();
        assert!(
            !text.contains("q0999") && text.len() < small.len() + 200,
            "{} vs {}",
            text.len(),
            small.len()
        );
        let back = load::load("panel", p["options"]["definitions"].as_str().unwrap()).unwrap();
        let r = evaluate(
            &back,
            &req(
                Some("primary"),
                &[
                    ("QueueWaitThreshold/luneo-q0999", num(40.1)),
                    ("QueueWaitThreshold/luneo-q0001", num(39.9)),
                ],
            ),
        );
        let q: Vec<(&str, Status)> = r
            .slos
            .iter()
            .filter(|s| s.def.alert == "QueueWaitThreshold")
            .map(|s| (s.def.queue.as_deref().unwrap(), s.status))
            .collect();
        assert_eq!(
            q,
            [
                ("luneo-q0001", Status::Ok),
                ("luneo-q0999", Status::Warning)
            ]
        );
    }

    /// The definitions embedded in a dashboard's panel load without error and give the
    /// same SLOs (queries, thresholds, severities) as the full definitions, on every
    /// cluster: the panel judges with the numbers of the alerts generated in the same run.
    #[test]
    fn dashboard_panel_definitions_give_the_same_slos() {
        let l = embedded();
        let ds = serde_json::json!({"type": "prometheus", "uid": "${datasource}"});
        let kind_sets: [&[SloKind]; 2] = [
            &[
                SloKind::ApiLatency,
                SloKind::ApiErrorRatio,
                SloKind::ApiNoTraffic,
            ],
            &[SloKind::QueueBacklogGrowth, SloKind::GpuUtilisation],
        ];
        for kinds in kind_sets {
            let p = dashboard_panel(&l.defs, kinds, "primary", &ds).unwrap();
            let text = p["options"]["definitions"].as_str().unwrap();
            let back = load::load("panel definitions", text).unwrap_or_else(|d| panic!("{d:?}"));
            for c in ["primary", "standby"] {
                let want: Vec<SloDef> = slo_defs(&l, Some(c))
                    .unwrap()
                    .into_iter()
                    .filter(|s| kinds.iter().any(|k| k.as_str() == s.slo))
                    .collect();
                assert_eq!(slo_defs(&back, Some(c)).unwrap(), want, "{c}");
            }
        }
        let r = evaluate(&l, &req(Some("primary"), &[("ApiLatencyHigh", num(0.61))]));
        assert_eq!(status_of(&r, "primary/ApiLatencyHigh"), Status::Warning);
    }

    #[test]
    fn without_a_cluster_label_the_panel_shows_its_own_cluster() {
        let mut l = embedded();
        l.defs.spec.metrics.cluster_label = None;
        let ds = serde_json::json!({"type": "prometheus", "uid": "${datasource}"});
        let p = dashboard_panel(&l.defs, &[SloKind::ApiNoTraffic], "standby", &ds).unwrap();
        assert_eq!(p["options"]["cluster"], "standby");
        assert!(!p["targets"][0]["expr"]
            .as_str()
            .unwrap()
            .contains("cluster="));
    }

    #[test]
    fn value_formatting() {
        assert_eq!(fmt_value(612.345, 600.0), "612.35");
        assert_eq!(fmt_value(600.0001, 600.0), "600.0001");
        assert_eq!(fmt_value(600.0, 600.0), "600");
        assert_eq!(fmt_value(-0.0001, 0.0), "-0.0001");
        assert_eq!(fmt_value(-0.001, 5.0), "0");
    }
}
