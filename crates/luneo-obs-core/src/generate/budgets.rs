//! SLO error budgets (`spec.slos`): per SLO and cluster, one rule group with the SLI's
//! error ratio over each window, the objective, the budget, its burn rates and what is
//! left of it, then the multi-window multi-burn-rate alerts of its tiers.
//!
//! Recording-rule names follow `level:metric:operations` and are Sloth's where the meaning
//! is the same (`slo:sli_error:ratio_rate5m`, `slo:objective:ratio`,
//! `slo:error_budget:ratio`, `slo:current_burn_rate:ratio`, `slo:period_burn_rate:ratio`,
//! `slo:period_error_budget_remaining:ratio`); their labels are ours (`slo`, the grouping
//! label), not Sloth's `sloth_id`/`sloth_service`/`sloth_slo`.

use std::collections::BTreeMap;
use std::fmt;

use crate::generate::expr::{Expr, Matcher};
use crate::generate::rules::{self, Rule, Sel};
use crate::load::Loaded;
use crate::model::slo::{self, BurnCondition};
use crate::model::{duration, fmt_num, Cluster, Definitions, SliHistogram, SliKind, Slo, Tier};

/// Keys of an SLO's values for the health panel: `SLO/<name>/window` and
/// `SLO/<name>/now` (its error ratio over the window and over 5 minutes), with
/// `/<group>` per group of a grouped SLO (what the dashboards' legends name them).
pub fn budget_key(slo: &str, which: &str) -> String {
    format!("SLO/{slo}/{which}")
}

/// The SLI's error ratio over window `w` (`slo:sli_error:ratio_rate1h`).
pub fn sli_record(w: &str) -> String {
    format!("slo:sli_error:ratio_rate{w}")
}
/// Bad events per second over 5m (0 when none), what the long windows add up.
pub const BAD_EVENTS_RECORD: &str = "slo:sli_bad_events:rate5m";
/// All events per second over 5m.
pub const EVENTS_RECORD: &str = "slo:sli_events:rate5m";
/// The objective as a ratio (0.995), one constant series per SLO.
pub const OBJECTIVE_RECORD: &str = "slo:objective:ratio";
/// The error budget as a ratio (0.005).
pub const BUDGET_RECORD: &str = "slo:error_budget:ratio";
/// Burn rate over the shortest window (5m): how fast the budget burns now.
pub const CURRENT_BURN_RECORD: &str = "slo:current_burn_rate:ratio";
/// Burn rate over the whole SLO window (1 spends exactly the budget).
pub const PERIOD_BURN_RECORD: &str = "slo:period_burn_rate:ratio";
/// Share of the window's budget left (1 untouched, 0 spent, below 0 overspent).
pub const REMAINING_RECORD: &str = "slo:period_error_budget_remaining:ratio";
/// The label naming the SLO on every series and alert.
pub const SLO_LABEL: &str = "slo";
/// The label naming the alert tier (`page`, `ticket`).
pub const TIER_LABEL: &str = "tier";

/// The rule group of an SLO on a cluster.
pub fn group_name(cluster: &Cluster, s: &Slo) -> String {
    format!("luneo-obs.{}.slo.{}", cluster.name, s.name)
}

/// The counters of an SLI on one cluster: bad or good events, and all events.
struct Counters {
    /// `true`: `events` are the bad events; `false`: the good ones.
    bad: bool,
    /// Whether a missing `events` series counts as none (a counter not created yet);
    /// never for a latency bucket, which exists whenever its histogram does: a missing
    /// `le` bucket is a contract mismatch, read as no SLI rather than as every request
    /// slow.
    absent_is_zero: bool,
    events: Expr,
    total: Expr,
}

fn counters(defs: &Definitions, s: &Sel<'_>, o: &Slo) -> Counters {
    match o.sli.kind() {
        // Definitions that loaded always have an SLI (`slo/sli` otherwise): a selector of
        // nothing keeps this total.
        SliKind::Missing => {
            let none = s.rec("absent_sli", vec![]);
            Counters {
                bad: true,
                absent_is_zero: true,
                events: none.clone(),
                total: none,
            }
        }
        SliKind::Ratio(r) => {
            let sel = |text: &str| {
                let (metric, selector) = slo::split_selector(text);
                s.expr(metric, &selector.map(str::to_string), vec![])
            };
            let (bad, events) = match (&r.errors, &r.good) {
                (Some(e), _) => (true, sel(e)),
                (None, Some(g)) => (false, sel(g)),
                (None, None) => (true, sel(&r.total)),
            };
            Counters {
                bad,
                absent_is_zero: true,
                events,
                total: sel(&r.total),
            }
        }
        SliKind::Latency(l) => {
            let m = &defs.spec.metrics;
            let (hist, unit, buckets, contract, scope) = match l.histogram {
                SliHistogram::Http => (
                    &m.http.histogram,
                    m.http.unit,
                    &m.http.buckets,
                    m.http.selector.clone(),
                    vec![],
                ),
                SliHistogram::JobDuration => {
                    let jd = &m.queues.job_duration;
                    // Listed queues only; without a list, every queue the workers report
                    // (a grouped SLO is capped by maxGroups), not a regex of every queue
                    // of the definitions repeated in each rule.
                    let scope = match &l.queues {
                        Some(q) => vec![Matcher::Re(
                            jd.queue_label.clone(),
                            rules::queue_regex(defs, q),
                        )],
                        None => vec![],
                    };
                    (&jd.histogram, jd.unit, &jd.buckets, None, scope)
                }
            };
            let t = &l.threshold;
            let v = t.unit.convert(t.value, unit).unwrap_or(t.value);
            let le = slo::boundary(buckets, v).unwrap_or(v);
            let mut good = scope.clone();
            good.push(Matcher::Re("le".into(), slo::le_regex(le)));
            Counters {
                bad: false,
                absent_is_zero: false,
                events: s.expr(&format!("{hist}_bucket"), &contract, good),
                total: s.expr(&format!("{hist}_count"), &contract, scope),
            }
        }
    }
}

/// The labels the SLI keeps: the grouping label, if any.
fn group_labels(o: &Slo) -> Vec<&str> {
    o.group_by.iter().map(String::as_str).collect()
}

/// Bad events per second over `w`, 0 rather than nothing when no bad event was counted:
/// - bad events: `sum(rate(bad[w])) or sum(rate(total[w])) * 0`;
/// - good events: `sum(rate(total[w])) - (sum(rate(good[w])) or sum(rate(total[w])) * 0)`,
///   for a latency SLI `sum(rate(total[w])) - (sum(rate(bucket[w])))`.
fn bad_rate(s: &Sel<'_>, o: &Slo, c: &Counters, w: &str) -> Expr {
    let by = group_labels(o);
    let sum = |e: &Expr| s.agg("sum", &by, Expr::call("rate", vec![e.clone().range(w)]));
    let events = if c.absent_is_zero {
        sum(&c.events).binary("or", sum(&c.total).binary("*", Expr::Number(0.0)))
    } else {
        sum(&c.events)
    };
    if c.bad {
        events
    } else {
        sum(&c.total).binary("-", events.paren())
    }
}

/// All events per second over `w`.
fn total_rate(s: &Sel<'_>, o: &Slo, c: &Counters, w: &str) -> Expr {
    s.agg(
        "sum",
        &group_labels(o),
        Expr::call("rate", vec![c.total.clone().range(w)]),
    )
}

/// Windows from this long on are read from the recorded 5m rates (see [`slo_rules`]).
const RECORDED_FROM_MS: u64 = 86_400_000;

/// The error ratio over `w`, nothing when no event at all was counted (no traffic is no
/// evidence):
/// - up to 6h, from the counters: `bad_rate(w) / total_rate(w)`;
/// - from 1d on, from the recorded 5m rates: `sum_over_time(bad[w]) / sum_over_time(all[w])`,
///   which weighs every 5 minutes by its traffic (a quiet night does not count as much as a
///   busy day, unlike an average of ratios) and reads one recorded series per group
///   instead of every raw series over days.
fn error_ratio(s: &Sel<'_>, o: &Slo, c: &Counters, w: &str) -> Expr {
    let long = duration::parse(w).is_ok_and(|ms| ms >= RECORDED_FROM_MS);
    if long {
        let over = |name: &str| Expr::call("sum_over_time", vec![recorded(s, o, name).range(w)]);
        return over(BAD_EVENTS_RECORD).binary("/", over(EVENTS_RECORD));
    }
    if w == "5m" {
        return recorded(s, o, BAD_EVENTS_RECORD).binary("/", recorded(s, o, EVENTS_RECORD));
    }
    bad_rate(s, o, c, w)
        .paren()
        .binary("/", total_rate(s, o, c, w))
}

fn record(name: &str, expr: Expr, o: &Slo) -> Rule {
    let mut labels = BTreeMap::new();
    labels.insert(SLO_LABEL.to_string(), o.name.clone());
    Rule {
        record: Some(name.to_string()),
        expr: expr.to_string(),
        labels,
        ..Default::default()
    }
}

/// A recorded series of this SLO on this cluster.
fn recorded(s: &Sel<'_>, o: &Slo, name: &str) -> Expr {
    s.rec(name, vec![Matcher::Eq(SLO_LABEL.into(), o.name.clone())])
}

/// A burn-rate alert as data: its tier and conditions, each `burn(long) > factor and
/// burn(short) > factor` (and the low-traffic guard), joined with `or`.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnAlert {
    pub tier: Tier,
    pub conditions: Vec<(BurnCondition, Expr, Expr, Option<String>)>,
}

impl fmt::Display for BurnAlert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (c, long, short, guard)) in self.conditions.iter().enumerate() {
            if i > 0 {
                write!(f, " or ")?;
            }
            let factor = fmt_num(c.factor);
            write!(f, "({long} > {factor} and {short} > {factor}")?;
            if let Some(g) = guard {
                write!(f, " {g}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

/// The burn rate over `w`: the recorded error ratio over the budget.
fn burn(s: &Sel<'_>, o: &Slo, w: &str) -> Expr {
    recorded(s, o, &sli_record(w)).binary("/", Expr::Number(o.budget()))
}

/// The burn-rate alerts of an SLO on one cluster, one per tier.
pub fn burn_alerts(defs: &Definitions, o: &Slo, cluster: &str) -> Vec<BurnAlert> {
    let s = Sel::new(defs, cluster);
    let c = counters(defs, &s, o);
    let by = group_labels(o);
    let on = s.by_labels(&by).join(", ");
    let mut out: Vec<BurnAlert> = Vec::new();
    for cond in o.conditions() {
        let guard = o.min_events.map(|n| {
            let events = s.agg(
                "sum",
                &by,
                Expr::call("increase", vec![c.total.clone().range(&cond.long)]),
            );
            format!("and on({on}) {events} >= {n}")
        });
        let entry = (
            cond.clone(),
            burn(&s, o, &cond.long),
            burn(&s, o, &cond.short),
            guard,
        );
        match out.iter_mut().find(|a| a.tier == cond.tier) {
            Some(a) => a.conditions.push(entry),
            None => out.push(BurnAlert {
                tier: cond.tier,
                conditions: vec![entry],
            }),
        }
    }
    out
}

/// Severity of a tier: a page is critical (paged), a ticket a warning.
pub fn tier_severity(t: Tier) -> &'static str {
    match t {
        Tier::Page => "critical",
        Tier::Ticket => "warning",
    }
}

fn percent(v: f64) -> String {
    fmt_num(slo::round_decimal(v * 100.0))
}

fn alert_rule(defs: &Definitions, o: &Slo, cluster: &Cluster, a: &BurnAlert) -> Rule {
    let name = o.alert_name();
    let mut labels = BTreeMap::new();
    labels.insert("severity".to_string(), tier_severity(a.tier).to_string());
    labels.insert("cluster".to_string(), cluster.name.clone());
    labels.insert(SLO_LABEL.to_string(), o.name.clone());
    labels.insert(TIER_LABEL.to_string(), a.tier.as_str().to_string());
    let summary = match a.tier {
        Tier::Page => format!("SLO {} is burning its error budget fast.", o.name),
        Tier::Ticket => format!("SLO {} is burning its error budget.", o.name),
    };
    let spent: Vec<String> = a
        .conditions
        .iter()
        .map(|(c, ..)| {
            format!(
                "{} % of the budget in {} ({}x)",
                percent(c.budget_fraction),
                c.long,
                fmt_num(c.factor)
            )
        })
        .collect();
    let group = o
        .group_by
        .as_ref()
        .map(|g| format!(" for {g} {{{{ $labels.{g} }}}}"))
        .unwrap_or_default();
    let description = format!(
        "SLO {} ({} % over {}) on cluster {}{group} burns its error budget {{{{ $value | printf \"%.1f\" }}}} times faster than sustainable: at least {}. The whole budget is {} % of events ({} min of total outage).",
        o.name,
        fmt_num(o.objective),
        o.window,
        cluster.name,
        spent.join(", or "),
        percent(o.budget()),
        fmt_num(o.budget_minutes()),
    );
    let mut ann = BTreeMap::new();
    ann.insert("summary".to_string(), summary);
    ann.insert("description".to_string(), description);
    ann.insert("runbook_url".to_string(), rules::runbook_url(defs, &name));
    ann.insert(
        "dashboard_url".to_string(),
        rules::dashboard_url(defs, crate::model::DashboardKind::Slos.uid(), &cluster.name),
    );
    let for_ = a.conditions.first().map(|(c, ..)| c.for_.to_string());
    Rule {
        alert: Some(name),
        expr: a.to_string(),
        for_,
        labels,
        annotations: ann,
        ..Default::default()
    }
}

/// The rules of an SLO on one cluster: the bad and all events per second over 5m, the
/// error ratio over every window, then the objective, the budget, the burn rates and the
/// budget left, then the alerts. The windows of a day and more (1d, 3d, the SLO window)
/// add up the recorded 5m rates: they cover the time these rules have been recording.
pub fn slo_rules(defs: &Definitions, o: &Slo, cluster: &Cluster) -> Vec<Rule> {
    let s = Sel::new(defs, &cluster.name);
    let c = counters(defs, &s, o);
    let period = duration::format(o.window_ms());
    let mut windows = o.rate_windows();
    windows.push(period.clone());
    let mut out = vec![
        record(BAD_EVENTS_RECORD, bad_rate(&s, o, &c, "5m"), o),
        record(EVENTS_RECORD, total_rate(&s, o, &c, "5m"), o),
    ];
    out.extend(
        windows
            .iter()
            .map(|w| record(&sli_record(w), error_ratio(&s, o, &c, w), o)),
    );
    let constant = |v: f64| Expr::call("vector", vec![Expr::Number(v)]);
    out.push(record(OBJECTIVE_RECORD, constant(o.objective_ratio()), o));
    out.push(record(BUDGET_RECORD, constant(o.budget()), o));
    out.push(record(CURRENT_BURN_RECORD, burn(&s, o, "5m"), o));
    out.push(record(PERIOD_BURN_RECORD, burn(&s, o, &period), o));
    out.push(record(
        REMAINING_RECORD,
        Expr::Number(1.0).binary("-", recorded(&s, o, PERIOD_BURN_RECORD)),
        o,
    ));
    for a in burn_alerts(defs, o, &cluster.name) {
        out.push(alert_rule(defs, o, cluster, &a));
    }
    out
}

/// The SLOs deployed to `cluster`, with their index in `spec.slos`.
pub fn cluster_slos<'a>(l: &'a Loaded, cluster: &Cluster) -> Vec<(usize, &'a Slo)> {
    l.defs
        .spec
        .slos
        .iter()
        .enumerate()
        .filter(|(_, o)| o.clusters.iter().any(|c| c == &cluster.name))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn luneo() -> Loaded {
        crate::load::load_embedded().expect("embedded definitions load")
    }

    #[test]
    fn availability_rules_read_like_the_workbook() {
        let l = luneo();
        let c = &l.defs.spec.clusters[0];
        let o = l
            .defs
            .spec
            .slos
            .iter()
            .find(|o| o.name == "api-availability")
            .unwrap();
        let r = slo_rules(&l.defs, o, c);
        let alert = r
            .iter()
            .find(|r| r.labels.get("tier").map(String::as_str) == Some("page"))
            .unwrap();
        let guard = |w: &str| {
            format!("and on() sum(increase(http_request_duration_seconds_count{{job=\"luneo-api\"}}[{w}])) >= 500")
        };
        assert_eq!(
            alert.expr,
            format!("(slo:sli_error:ratio_rate1h{{slo=\"api-availability\"}} / 0.005 > 14.4 and slo:sli_error:ratio_rate5m{{slo=\"api-availability\"}} / 0.005 > 14.4 {}) or (slo:sli_error:ratio_rate6h{{slo=\"api-availability\"}} / 0.005 > 6 and slo:sli_error:ratio_rate30m{{slo=\"api-availability\"}} / 0.005 > 6 {})", guard("1h"), guard("6h"))
        );
        assert_eq!(alert.for_.as_deref(), Some("2m"));
        assert_eq!(
            alert.labels.get("severity").map(String::as_str),
            Some("critical")
        );
    }
}
