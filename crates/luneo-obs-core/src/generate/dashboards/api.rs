//! `luneo-api` (API Backend – Latency & Errors): latency, 5xx ratio, throughput and the
//! slowest routes.

use crate::generate::grafana::{
    Ordered, OrganizeOptions, Panel, SortBy, TableOptions, Target, Transformation,
};
use crate::generate::rules;
use crate::model::{fmt_num, SloKind, Unit};

use super::panels::{legend, sized, stat, table, timeseries, Cx, PanelText, FULL};
use super::TOP_ROUTES;

/// The panels of the API dashboard, in reading order.
pub(super) fn panels(cx: &Cx<'_>) -> Vec<Panel> {
    vec![
        cx.p_latency(false),
        error_ratio(cx),
        throughput_stat(cx),
        errors_per_second(cx),
        cx.p_latency(true),
        errors_per_route(cx),
        cx.throughput(false),
        cx.throughput(true),
        top_routes(cx),
    ]
}

fn error_ratio(cx: &Cx<'_>) -> Panel {
    let r = rules::record_names(cx.defs);
    let thr = cx.alert_threshold(SloKind::ApiErrorRatio, Unit::Ratio, Unit::Ratio);
    let t = PanelText {
        title: "5xx ratio",
        description: thr.describe("Share of 5xx responses over all responses."),
        unit: Unit::Ratio.grafana(),
    };
    let expr = cx.sel.recorded(&r.error_ratio, &[]);
    stat(
        t,
        Some(2),
        thr.value,
        vec![Target::range("A", expr, "5xx ratio")],
    )
}

fn throughput_stat(cx: &Cx<'_>) -> Panel {
    let r = rules::record_names(cx.defs);
    let t = PanelText {
        title: "Throughput",
        description: "Requests per second served by the whole API.".into(),
        unit: Unit::RequestsPerSecond.grafana(),
    };
    let rps = format!("sum({})", cx.sel.recorded(&r.route_requests_rate, &[]));
    stat(
        t,
        Some(1),
        None,
        vec![Target::range("A", rps, "requests/s")],
    )
}

fn errors_per_second(cx: &Cx<'_>) -> Panel {
    let r = rules::record_names(cx.defs);
    let t = PanelText {
        title: "5xx per second",
        description: "5xx responses per second, all routes.".into(),
        unit: Unit::RequestsPerSecond.grafana(),
    };
    let expr = format!(
        "sum({}) or vector(0)",
        cx.sel.recorded(&r.route_5xx_rate, &[])
    );
    stat(t, Some(2), None, vec![Target::range("A", expr, "5xx/s")])
}

fn errors_per_route(cx: &Cx<'_>) -> Panel {
    let r = rules::record_names(cx.defs);
    let route = &cx.defs.spec.metrics.http.route_label;
    let t = PanelText {
        title: "5xx responses per route",
        description:
            "5xx responses per second, split by route (routes picked with the Route variable)."
                .into(),
        unit: Unit::RequestsPerSecond.grafana(),
    };
    let expr = format!(
        "sum by ({route}) ({})",
        cx.sel
            .recorded(&r.route_5xx_rate, &[format!("{route}=~\"$route\"")])
    );
    timeseries(
        t,
        None,
        true,
        vec![Target::range("A", expr, &legend(route))],
    )
}

/// The slowest routes right now, as a table sorted by latency.
fn top_routes(cx: &Cx<'_>) -> Panel {
    let d = cx.defs;
    let r = rules::record_names(d);
    let route = &d.spec.metrics.http.route_label;
    let q = cx.latency_quantile();
    let name = Cx::quantile_name(q);
    let column = format!("{name} latency");
    let top = cx.to_ms(format!(
        "histogram_quantile({}, sum by ({route}, le) ({}))",
        fmt_num(q),
        cx.sel
            .recorded(&r.route_le_bucket_rate, &[format!("{route}=~\"$route\"")])
    ));
    let thr = cx.alert_threshold(SloKind::ApiLatency, cx.http_unit(), Unit::Milliseconds);
    let title = format!("Top {TOP_ROUTES} routes by {name} latency");
    let t = PanelText {
        title: &title,
        description: thr.describe(&format!(
            "The {TOP_ROUTES} slowest routes right now ({name} over the recording rules' {} window, ms).",
            rules::rate_window(d)
        )),
        unit: Unit::Milliseconds.grafana(),
    };
    let options = TableOptions {
        cell_height: "sm",
        frame_index: 0,
        show_header: true,
        sort_by: vec![SortBy {
            desc: true,
            display_name: column.clone(),
        }],
    };
    let mut target = Target::instant("A", format!("topk({TOP_ROUTES}, {top})"), "");
    target.format = Some("table");
    let mut p = table(t, thr.value, options, vec![target]);
    p.transformations = vec![Transformation {
        id: "organize",
        options: OrganizeOptions {
            exclude_by_name: Ordered(vec![("Time".into(), true)]),
            rename_by_name: Ordered(vec![
                ("Value".into(), column),
                (route.clone(), "Route".into()),
            ]),
        },
    }];
    sized(p, (FULL.0, 9))
}
