//! Checks of the metric contract (`spec.metrics`) and of the queues.

use std::collections::BTreeSet;

use super::Lint;
use crate::diag::registry as codes;
use crate::model::Dimension;

pub fn scrape_interval(c: &mut Lint<'_>) {
    let d = c.defs;
    c.duration(
        "spec.metrics.scrapeInterval",
        &d.spec.metrics.scrape_interval,
    );
}

/// Metric and label names of the contract.
pub fn names(c: &mut Lint<'_>) {
    let m = &c.defs.spec.metrics;
    if let Some(l) = &m.cluster_label {
        c.label("spec.metrics.clusterLabel", l);
    }
    c.metric("spec.metrics.http.histogram", &m.http.histogram);
    for (i, e) in m.extra.iter().enumerate() {
        c.metric(&format!("spec.metrics.extra[{i}]"), e);
    }
    for (f, v) in [
        ("routeLabel", &m.http.route_label),
        ("statusLabel", &m.http.status_label),
        ("methodLabel", &m.http.method_label),
    ] {
        c.label(&format!("spec.metrics.http.{f}"), v);
    }
    c.metric("spec.metrics.queues.jobCount", &m.queues.job_count);
    c.metric("spec.metrics.queues.jobsFailed", &m.queues.jobs_failed);
    c.metric(
        "spec.metrics.queues.jobDuration.histogram",
        &m.queues.job_duration.histogram,
    );
    for (f, v) in [
        ("queueLabel", &m.queues.queue_label),
        ("stateLabel", &m.queues.state_label),
        ("jobDuration.queueLabel", &m.queues.job_duration.queue_label),
    ] {
        c.label(&format!("spec.metrics.queues.{f}"), v);
    }
    c.metric("spec.metrics.gpu.metric", &m.gpu.metric);
    if let Some(src) = &m.gpu.source {
        c.metric(
            "spec.metrics.gpu.source.dcgmExporter.metric",
            &src.dcgm_exporter.metric,
        );
    }
}

pub fn selectors(c: &mut Lint<'_>) {
    let m = &c.defs.spec.metrics;
    c.selector("spec.metrics.http.selector", &m.http.selector);
    c.selector("spec.metrics.gpu.selector", &m.gpu.selector);
}

/// Durations are measured in time, GPU utilisation is a fraction.
pub fn units(c: &mut Lint<'_>) {
    let m = &c.defs.spec.metrics;
    if m.http.unit.dimension() != Dimension::Time {
        c.err(
            &codes::UNITS_THRESHOLD_UNIT,
            "spec.metrics.http.unit",
            format!(
                "an HTTP duration histogram is measured in time, not `{}`",
                m.http.unit.as_str()
            ),
            "use s (prom-client, OpenTelemetry) or ms",
        );
    }
    if m.queues.job_duration.unit.dimension() != Dimension::Time {
        c.err(
            &codes::UNITS_THRESHOLD_UNIT,
            "spec.metrics.queues.jobDuration.unit",
            "a job duration histogram is measured in time".into(),
            "BullMQ's OpenTelemetry durations are in ms",
        );
    }
    if m.gpu.unit.dimension() != Dimension::Fraction {
        c.err(
            &codes::UNITS_THRESHOLD_UNIT,
            "spec.metrics.gpu.unit",
            format!(
                "GPU utilisation is a fraction, not `{}`",
                m.gpu.unit.as_str()
            ),
            "DCGM_FI_DEV_GPU_UTIL is percent (0-100); DCGM_FI_PROF_GR_ENGINE_ACTIVE is ratio (0-1)",
        );
    }
}

/// The HTTP histogram's buckets: listed, strictly increasing.
pub fn buckets(c: &mut Lint<'_>) {
    let b = &c.defs.spec.metrics.http.buckets;
    if b.is_empty() {
        c.err(
            &codes::DEFINITIONS_BUCKETS,
            "spec.metrics.http.buckets",
            "the histogram bucket list is empty".into(),
            "list the upper bounds your HTTP middleware is configured with",
        );
    }
    if b.windows(2).any(|w| w[1] <= w[0]) {
        c.err(
            &codes::DEFINITIONS_BUCKETS,
            "spec.metrics.http.buckets",
            "bucket upper bounds must be strictly increasing".into(),
            "sort the buckets and remove duplicates",
        );
    }
}

/// Queue names are unique and BullMQ names are usable as label values.
pub fn queue_names(c: &mut Lint<'_>) {
    let mut seen = BTreeSet::new();
    for (i, q) in c.defs.spec.queues.iter().enumerate() {
        if !seen.insert(q.name.as_str()) {
            c.err(
                &codes::DEFINITIONS_DUPLICATE_NAME,
                &format!("spec.queues[{i}].name"),
                format!("queue `{}` is defined twice", q.name),
                "queue names must be unique",
            );
        }
        if q.bullmq_name.is_empty() || q.bullmq_name.contains(['"', '\\', '|']) {
            c.err(
                &codes::DEFINITIONS_BAD_NAME,
                &format!("spec.queues[{i}].bullmqName"),
                format!("`{}` cannot be used as a queue label value", q.bullmq_name),
                "use the queue name as BullMQ exports it, without quotes or |",
            );
        }
    }
}
