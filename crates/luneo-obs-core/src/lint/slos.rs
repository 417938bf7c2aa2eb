//! Checks of each SLO (`spec.slos[i]`): identity, objective and window, the SLI's
//! counters or histogram bucket, grouping and placement.

use std::collections::BTreeSet;

use super::{alerts, names, Lint};
use crate::diag::registry as codes;
use crate::model::slo::{self, WINDOWS};
use crate::model::{fmt_num, Dimension, SliHistogram, SliKind, Slo};

/// One SLO being checked: its index, its path in the definitions and the SLO.
pub struct At<'a> {
    pub index: usize,
    pub path: String,
    pub slo: &'a Slo,
}

impl At<'_> {
    fn field(&self, f: &str) -> String {
        format!("{}.{f}", self.path)
    }
}

/// One check of one SLO.
pub type SloLintFn = fn(&mut Lint<'_>, &At<'_>);

/// Every check of one SLO.
pub const SLO_LINTS: &[SloLintFn] = &[
    name,
    objective,
    window,
    ratio_counters,
    latency_bucket,
    latency_queues,
    grouping,
    clusters,
];

/// Runs [`SLO_LINTS`] on every SLO.
pub fn each_slo(c: &mut Lint<'_>) {
    let defs = c.defs;
    for (index, slo) in defs.spec.slos.iter().enumerate() {
        let at = At {
            index,
            path: format!("spec.slos[{index}]"),
            slo,
        };
        for check in SLO_LINTS {
            check(c, &at);
        }
    }
}

/// `slo/name`: kebab-case, unique, and its burn-rate alert's name is usable and free.
fn name(c: &mut Lint<'_>, at: &At<'_>) {
    let s = at.slo;
    let path = at.field("name");
    if !names::is_kebab_name(&s.name) {
        c.err(
            &codes::SLO_NAME,
            &path,
            format!(
                "SLO name `{}` must be kebab-case: lowercase letters, digits and hyphens",
                s.name
            ),
            "e.g. api-availability, queue-jobs-duration",
        );
        return;
    }
    let defs = c.defs;
    if defs.spec.slos[..at.index].iter().any(|o| o.name == s.name) {
        c.err(
            &codes::DEFINITIONS_DUPLICATE_NAME,
            &path,
            format!("SLO `{}` is defined twice", s.name),
            "SLO names must be unique: they are the `slo` label of the rules",
        );
        return;
    }
    let alert = s.alert_name();
    alerts::alert_name(c, &path, &alert, "shorten the SLO name");
    let n = &defs.spec.notifications;
    let taken = defs.spec.alerts.iter().any(|a| a.name == alert)
        || n.watchdog.alert_name == alert
        || n.rule_failures.alert_name == alert;
    if taken {
        c.err(
            &codes::DEFINITIONS_DUPLICATE_NAME,
            &path,
            format!("the burn-rate alert of SLO `{}` would be named `{alert}`, which another alert already is", s.name),
            "rename the SLO or the other alert",
        );
    }
}

/// `slo/objective`: a percentage strictly between 0 and 100.
fn objective(c: &mut Lint<'_>, at: &At<'_>) {
    let o = at.slo.objective;
    if !(o > 0.0 && o < 100.0) {
        c.err(
            &codes::SLO_OBJECTIVE,
            &at.field("objective"),
            format!("objective {} is not a percentage strictly between 0 and 100", fmt_num(o)),
            "write the share of good events in percent, e.g. objective: 99.5 (an error budget of 0.5 %)",
        );
    }
}

/// `slo/window`: one of the supported windows.
fn window(c: &mut Lint<'_>, at: &At<'_>) {
    let path = at.field("window");
    let Some(_) = c.duration(&path, &at.slo.window) else {
        return;
    };
    let ms = at.slo.window_ms();
    if !WINDOWS
        .iter()
        .any(|w| crate::model::duration::parse(w) == Ok(ms))
    {
        c.err(
            &codes::SLO_WINDOW,
            &path,
            format!("SLO window `{}` is not supported", at.slo.window),
            &format!(
                "use one of {} (the burn-rate factors are derived for them)",
                WINDOWS.join(", ")
            ),
        );
    }
}

/// `slo/sli`: a ratio names exactly one of `errors` and `good`, and each counter is a
/// vector selector `metric{matchers}`.
fn ratio_counters(c: &mut Lint<'_>, at: &At<'_>) {
    let sli = &at.slo.sli;
    if sli.ratio.is_some() == sli.latency.is_some() {
        c.err(
            &codes::SLO_SLI,
            &at.field("sli"),
            "an SLI is either a `ratio` of counters or a `latency` from a histogram, exactly one of them".into(),
            "keep ratio: {errors:, total:} or latency: {histogram:, threshold:}",
        );
    }
    let SliKind::Ratio(r) = sli.kind() else {
        return;
    };
    let base = at.field("sli.ratio");
    if r.errors.is_some() == r.good.is_some() {
        c.err(
            &codes::SLO_SLI,
            &base,
            "a ratio SLI counts either its bad events (`errors`) or its good events (`good`), exactly one of them".into(),
            "keep errors: (bad events) or good: (good events), next to total:",
        );
    }
    let fields = [
        ("errors", &r.errors),
        ("good", &r.good),
        ("total", &Some(r.total.clone())),
    ];
    for (field, value) in fields {
        let Some(text) = value else { continue };
        let path = format!("{base}.{field}");
        let (metric, selector) = slo::split_selector(text);
        if !names::is_metric_name(metric) {
            c.err(
                &codes::SLO_SLI,
                &path,
                format!("`{text}` is not a counter selector: `{metric}` is not a metric name"),
                "write a vector selector, e.g. http_requests_total{job=\"api\", code=~\"5..\"}, with no function or range",
            );
            continue;
        }
        if let Some(sel) = selector {
            if let Err(e) = names::check_selector(sel) {
                c.err(
                    &codes::SLO_SLI,
                    &path,
                    e,
                    "write a vector selector, e.g. http_requests_total{job=\"api\", code=~\"5..\"}, with no function or range",
                );
            }
        }
    }
}

/// `slo/bucket-boundary`: a latency threshold is one of the histogram's declared bucket
/// boundaries (the SLI reads that `le` bucket; there is no interpolation to fall back on).
fn latency_bucket(c: &mut Lint<'_>, at: &At<'_>) {
    let SliKind::Latency(l) = at.slo.sli.kind() else {
        return;
    };
    let m = &c.defs.spec.metrics;
    let (hist, unit, buckets, field) = match l.histogram {
        SliHistogram::Http => (
            &m.http.histogram,
            m.http.unit,
            &m.http.buckets,
            "spec.metrics.http.buckets",
        ),
        SliHistogram::JobDuration => (
            &m.queues.job_duration.histogram,
            m.queues.job_duration.unit,
            &m.queues.job_duration.buckets,
            "spec.metrics.queues.jobDuration.buckets",
        ),
    };
    let t = &l.threshold;
    let path = at.field("sli.latency.threshold");
    if t.unit.dimension() != Dimension::Time {
        c.err(
            &codes::UNITS_THRESHOLD_UNIT,
            &format!("{path}.unit"),
            format!(
                "a latency SLI's threshold is a duration, not `{}`",
                t.unit.as_str()
            ),
            "write the threshold in ms or s",
        );
        return;
    }
    let Some(v) = t.unit.convert(t.value, unit) else {
        return;
    };
    if buckets.is_empty() {
        c.err(
            &codes::SLO_BUCKET_BOUNDARY,
            &path,
            format!(
                "{hist} declares no buckets: a latency SLI needs the boundary of its threshold"
            ),
            &format!("add the exporter's bucket boundaries to {field}"),
        );
        return;
    }
    if slo::boundary(buckets, v).is_some() {
        return;
    }
    let near = match slo::nearest_boundaries(buckets, v) {
        (Some(b), Some(a)) => format!(
            "the nearest boundaries are {} and {}",
            fmt_num(b),
            fmt_num(a)
        ),
        (Some(b), None) => format!("it is above the last boundary {}", fmt_num(b)),
        (None, Some(a)) => format!("it is below the first boundary {}", fmt_num(a)),
        (None, None) => "no boundary".into(),
    };
    c.err(
        &codes::SLO_BUCKET_BOUNDARY,
        &format!("{path}.value"),
        format!(
            "the latency threshold {} {} ({} {}) is not a bucket boundary of {hist}: {near}",
            fmt_num(t.value),
            t.unit.as_str(),
            fmt_num(v),
            unit.as_str()
        ),
        &format!(
            "use a declared boundary, or add {} to the exporter's buckets and to {field}",
            fmt_num(v)
        ),
    );
}

/// `slo/unknown-ref`: the queues of a job-duration SLI exist; other SLIs name none.
fn latency_queues(c: &mut Lint<'_>, at: &At<'_>) {
    let SliKind::Latency(l) = at.slo.sli.kind() else {
        return;
    };
    let Some(list) = &l.queues else { return };
    let path = at.field("sli.latency.queues");
    if l.histogram != SliHistogram::JobDuration {
        c.err(
            &codes::SLO_SLI,
            &path,
            "queues only apply to a latency SLI on the jobDuration histogram".into(),
            "remove queues, or use histogram: jobDuration",
        );
        return;
    }
    let defs = c.defs;
    let known: Vec<&str> = defs.spec.queues.iter().map(|q| q.name.as_str()).collect();
    for (j, q) in list.iter().enumerate() {
        if !known.contains(&q.as_str()) {
            c.err(
                &codes::SLO_UNKNOWN_REF,
                &format!("{path}[{j}]"),
                format!(
                    "SLO `{}` counts queue `{q}`, which is not defined",
                    at.slo.name
                ),
                &format!("defined queues: {}", known.join(", ")),
            );
        }
    }
}

/// `slo/grouping`: `groupBy` is a label name; `maxGroups` comes with it and is 1-1000.
fn grouping(c: &mut Lint<'_>, at: &At<'_>) {
    let s = at.slo;
    if let Some(g) = &s.group_by {
        c.label(&at.field("groupBy"), g);
    }
    let Some(max) = s.max_groups else { return };
    let path = at.field("maxGroups");
    if s.group_by.is_none() {
        c.err(
            &codes::SLO_GROUPING,
            &path,
            "maxGroups caps the groups of a grouped SLO, and this SLO has no groupBy".into(),
            "add groupBy: <label> (route, queue) or remove maxGroups",
        );
    } else if !(1..=1000).contains(&max) {
        c.err(
            &codes::SLO_GROUPING,
            &path,
            format!("maxGroups {max} is outside 1-1000"),
            "cap the groups at what a dashboard stays readable with (50 routes, 100 queues)",
        );
    }
}

/// `slo/unknown-ref`: the SLO is deployed somewhere, and only to defined clusters.
fn clusters(c: &mut Lint<'_>, at: &At<'_>) {
    let s = at.slo;
    let defs = c.defs;
    let known: BTreeSet<&str> = defs.spec.clusters.iter().map(|c| c.name.as_str()).collect();
    let list: Vec<&str> = known.iter().copied().collect();
    if s.clusters.is_empty() {
        c.err(
            &codes::SLO_UNKNOWN_REF,
            &at.field("clusters"),
            format!("SLO `{}` applies to no cluster", s.name),
            &format!("list clusters from spec.clusters: {}", list.join(", ")),
        );
    }
    for (j, cl) in s.clusters.iter().enumerate() {
        if !known.contains(cl.as_str()) {
            c.err(
                &codes::SLO_UNKNOWN_REF,
                &format!("{}.clusters[{j}]", at.path),
                format!(
                    "SLO `{}` applies to cluster `{cl}`, which is not defined",
                    s.name
                ),
                &format!("defined clusters: {}", list.join(", ")),
            );
        }
    }
}
