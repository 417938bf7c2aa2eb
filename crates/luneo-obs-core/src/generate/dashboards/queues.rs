//! `luneo-queues` (AI & Render Queues): waiting jobs, failures, backlog growth, processing
//! latency per queue, and GPU utilisation.

use crate::generate::grafana::{Panel, Target};
use crate::generate::rules;
use crate::model::{fmt_num, SloKind, Unit};

use super::panels::{legend, sized, stat, timeseries, Cx, PanelText, FULL};
use super::{FAILURES_WINDOW, QUEUE_LATENCY_QUANTILE};

/// The panels of the queue dashboard, in reading order.
pub(super) fn panels(cx: &Cx<'_>) -> Vec<Panel> {
    let [waiting_stat, waiting_series] = cx.waiting_panels();
    let [gpu_stat, gpu_series] = gpu(cx);
    vec![
        waiting_stat,
        recent_failures(cx),
        gpu_stat,
        busiest_backlog(cx),
        waiting_series,
        cx.backlog_growth(),
        processing_latency(cx),
        failure_rate(cx),
        gpu_series,
    ]
}

/// The failed-jobs counter of the selected queues.
fn failed_selector(cx: &Cx<'_>) -> String {
    let q = &cx.defs.spec.metrics.queues;
    cx.sel.select(
        &q.jobs_failed,
        &None,
        &[format!("{}=~\"$queue\"", q.queue_label)],
    )
}

/// Failed jobs over the last [`FAILURES_WINDOW`] (a panel time override).
fn recent_failures(cx: &Cx<'_>) -> Panel {
    let ql = &cx.defs.spec.metrics.queues.queue_label;
    let t = PanelText {
        title: "Failed jobs (last 15 min)",
        description: format!("Jobs that failed in the last {FAILURES_WINDOW}, all selected queues (panel time override {FAILURES_WINDOW}; the query reads $__range)."),
        unit: Unit::None.grafana(),
    };
    // BullMQ's failed counter is a queue-level value every replica exports: max per
    // queue, never sum.
    let expr = format!(
        "sum(max by ({ql}) (increase({}[$__range]))) or vector(0)",
        failed_selector(cx)
    );
    let mut p = stat(t, Some(0), None, vec![Target::instant("A", expr, "failed")]);
    p.time_from = Some(FAILURES_WINDOW);
    p.hide_time_override = Some(false);
    p
}

/// Average GPU utilisation: a stat and a full-width time series, red from the GPU alert.
fn gpu(cx: &Cx<'_>) -> [Panel; 2] {
    let m = &cx.defs.spec.metrics;
    let r = rules::record_names(cx.defs);
    let thr = cx.alert_threshold(SloKind::GpuUtilisation, m.gpu.unit, m.gpu.unit);
    let description = thr.describe(&format!(
        "Average utilisation of all GPUs ({}).",
        m.gpu.metric
    ));
    let expr = cx.sel.recorded(&r.gpu_avg, &[]);
    let now = PanelText {
        title: "Average GPU utilisation",
        description: description.clone(),
        unit: m.gpu.unit.grafana(),
    };
    let over_time = PanelText {
        title: "GPU utilisation over time",
        description,
        unit: m.gpu.unit.grafana(),
    };
    [
        stat(
            now,
            Some(1),
            thr.value,
            vec![Target::range("A", expr.clone(), "GPU")],
        ),
        sized(
            timeseries(
                over_time,
                thr.value,
                true,
                vec![Target::range("A", expr, "GPU")],
            ),
            FULL,
        ),
    ]
}

fn busiest_backlog(cx: &Cx<'_>) -> Panel {
    let t = PanelText {
        title: "Busiest queue backlog",
        description: "Largest waiting backlog among the selected queues.".into(),
        unit: Unit::None.grafana(),
    };
    let expr = format!("max({})", cx.waiting_expr());
    stat(t, Some(0), None, vec![Target::range("A", expr, "waiting")])
}

/// Job processing time per queue, from the job-duration histogram.
fn processing_latency(cx: &Cx<'_>) -> Panel {
    let dq = &cx.defs.spec.metrics.queues.job_duration;
    let name = Cx::quantile_name(QUEUE_LATENCY_QUANTILE);
    let expr = format!(
        "histogram_quantile({}, sum by ({}, le) (rate({}[$__rate_interval])))",
        fmt_num(QUEUE_LATENCY_QUANTILE),
        dq.queue_label,
        cx.sel.select(
            &format!("{}_bucket", dq.histogram),
            &None,
            &[format!("{}=~\"$queue\"", dq.queue_label)]
        )
    );
    let title = format!("{name} processing latency per queue");
    let t = PanelText {
        title: &title,
        description: format!(
            "{name} of job processing time per queue ({}).",
            dq.histogram
        ),
        unit: dq.unit.grafana(),
    };
    timeseries(
        t,
        None,
        true,
        vec![Target::range("A", expr, &legend(&dq.queue_label))],
    )
}

fn failure_rate(cx: &Cx<'_>) -> Panel {
    let q = &cx.defs.spec.metrics.queues;
    let t = PanelText {
        title: "Job failures per queue (per min)",
        description: format!("Failed jobs per minute, per queue ({}).", q.jobs_failed),
        unit: Unit::JobsPerMinute.grafana(),
    };
    // Queue-level counter exported by every replica: max per queue, never sum.
    let expr = format!(
        "max by ({}) (rate({}[$__rate_interval])) * 60",
        q.queue_label,
        failed_selector(cx)
    );
    timeseries(
        t,
        None,
        true,
        vec![Target::range("A", expr, &legend(&q.queue_label))],
    )
}
