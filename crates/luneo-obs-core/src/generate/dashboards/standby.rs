//! `luneo-standby`: a simplified view of the secondary cluster (traffic that should not
//! be there, backlog, latency when it serves).

use crate::generate::grafana::{Panel, Target};
use crate::generate::rules;
use crate::model::Unit;

use super::panels::{stat, Cx, PanelText};

/// The panels of the standby dashboard, in reading order.
pub(super) fn panels(cx: &Cx<'_>) -> Vec<Panel> {
    let [waiting_stat, waiting_series] = cx.waiting_panels();
    let mut latency = cx.p_latency(false);
    latency.description =
        "Latency of the standby API (meaningful only when it serves traffic).".into();
    vec![
        requests(cx),
        waiting_stat,
        latency,
        fastest_growth(cx),
        cx.throughput(true),
        cx.p_latency(true),
        waiting_series,
        cx.backlog_growth(),
    ]
}

fn requests(cx: &Cx<'_>) -> Panel {
    let r = rules::record_names(cx.defs);
    let rps = format!(
        "sum({}) or vector(0)",
        cx.sel.recorded(&r.route_requests_rate, &[])
    );
    let t = PanelText {
        title: "Requests per second",
        description: "Requests served by the standby API. Outside a failover only health checks are expected: sustained traffic means something routes to the standby.".into(),
        unit: Unit::RequestsPerSecond.grafana(),
    };
    stat(
        t,
        Some(2),
        None,
        vec![Target::range("A", rps, "requests/s")],
    )
}

fn fastest_growth(cx: &Cx<'_>) -> Panel {
    let (expr, thr, description) = cx.backlog_parts();
    let t = PanelText {
        title: "Fastest backlog growth (jobs/min)",
        description,
        unit: Unit::JobsPerMinute.grafana(),
    };
    stat(
        t,
        Some(1),
        thr,
        vec![Target::range("A", format!("max({expr})"), "jobs/min")],
    )
}
