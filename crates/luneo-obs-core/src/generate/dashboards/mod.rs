//! Grafana dashboards generated from the definitions.
//!
//! Four dashboards, whose uids the alerts' `dashboard_url` already links to:
//! `luneo-api` (API Backend – Latency & Errors, [`api`]), `luneo-queues` (AI & Render
//! Queues, [`queues`]), `luneo-standby` (simplified view of the secondary cluster,
//! [`standby`]) and `luneo-slos` (the SLOs' budgets and burn rates, on clusters with
//! SLOs, [`slos`]): one builder per kind, sharing the panels of [`panels`]. Dashboards are
//! typed ([`crate::generate::grafana`]).
//!
//! Rules of the generator:
//! - every query is built from the metric contract, and reads the recording rules of
//!   [`rules::record_names`] / [`rules::quantile_record`] where they exist (a panel then
//!   costs one series lookup instead of a histogram aggregation over raw buckets);
//!   raw `rate`/`increase` written here use `$__rate_interval`, except the
//!   "last 15 minutes" stat, which uses `$__range` over a 15-minute panel time override;
//! - every panel threshold is an alert threshold of the definitions
//!   ([`rules::threshold_in_metric_unit`]), converted to the panel's display unit;
//! - queues and routes are template variables (`$queue`, `$route`, values discovered
//!   with `label_values`), so the JSON does not grow with their number;
//! - refresh, default time range and folder come from `spec.dashboards`;
//! - `schemaVersion` 41: Grafana 12.0 writes it and every later Grafana migrates it on
//!   load (42+ only touch field overrides these dashboards do not use), while 12.0/12.1
//!   would not know 42.
//!
//! [`render`] writes the JSON one line per panel (small, and readable in diffs).

mod api;
mod extra;
mod panels;
mod queues;
mod slos;
mod standby;

use serde_json::Value;

use crate::generate::grafana::{
    Annotation, AnyPanel, Dashboard, DataSourceRef, Empty, Link, List, Panel, TimeRange,
};
use crate::generate::rules;
use crate::model::{Cluster, ClusterRole, Definitions, SloKind};

/// Dashboard JSON schema version written (Grafana 12.0; later versions migrate it on load).
pub const SCHEMA_VERSION: u64 = 41;
/// Quantile of the queue processing latency panel (no alert defines one).
pub const QUEUE_LATENCY_QUANTILE: f64 = crate::model::DEFAULT_QUANTILE;
/// Rows of the slowest-routes table.
pub const TOP_ROUTES: usize = 10;
/// Window of the "failed jobs" stat (a panel time override; the query reads `$__range`).
pub const FAILURES_WINDOW: &str = "15m";
/// Grafana dashboard grid width.
pub const GRID_WIDTH: u32 = 24;

pub use crate::model::DashboardKind as Kind;

/// Grafana folder of a dashboard: its own setting, else `spec.kubernetes.dashboardFolder`.
pub fn folder(defs: &Definitions, kind: Kind) -> String {
    kind.settings(defs)
        .folder
        .clone()
        .unwrap_or_else(|| defs.spec.kubernetes.dashboard_folder.clone())
}

/// `time.from` of a dashboard (`now-1h`).
pub fn time_from(defs: &Definitions, kind: Kind) -> String {
    format!("now-{}", kind.settings(defs).time_range)
}

/// Dashboards an overlay carries.
///
/// The primary carries the API and queue dashboards. A secondary carries the standby
/// dashboard **and** the two primary dashboards: after a failover the standby cluster
/// serves production, its own Grafana must show the production views at once (the
/// primary's Grafana may be gone with the primary), and the copies cost ~20 KB of
/// ConfigMaps. Their `cluster` variable defaults to the secondary itself. The standby
/// dashboard is not deployed on the primary: it watches a cluster the primary's
/// Prometheus does not scrape.
///
/// A cluster with SLOs (`spec.slos[].clusters`) also carries the SLO dashboard.
pub fn kinds_for(defs: &Definitions, cluster: &Cluster) -> Vec<Kind> {
    let mut kinds = match cluster.role {
        ClusterRole::Primary => vec![Kind::Api, Kind::Queues],
        ClusterRole::Secondary => vec![Kind::Standby, Kind::Api, Kind::Queues],
    };
    if defs
        .spec
        .slos
        .iter()
        .any(|o| o.clusters.contains(&cluster.name))
    {
        kinds.push(Kind::Slos);
    }
    kinds
}

/// Panels shown above everything else: the luneo-obs SLO health panel
/// (plugin-grafana, see [`crate::generate::slos::dashboard_panel`]) with one query per SLO of the
/// dashboard's alerts: API alerts on the API dashboard, queue and GPU alerts on the queue
/// dashboard, every alert on the standby dashboard.
///
/// Contract: each panel's `gridPos` is relative to the top of the dashboard (y = 0); the
/// generated panels are shifted below the lowest of them; ids are assigned afterwards
/// (in order, starting at 1); panels must query through the `${datasource}` variable and
/// may use `$cluster`.
pub fn top_row_panels(defs: &Definitions, kind: Kind, cluster: &Cluster) -> Vec<AnyPanel> {
    let kinds: &[SloKind] = match kind {
        Kind::Api => &[
            SloKind::ApiLatency,
            SloKind::ApiErrorRatio,
            SloKind::ApiNoTraffic,
        ],
        Kind::Queues => &[SloKind::QueueBacklogGrowth, SloKind::GpuUtilisation],
        Kind::Standby => &[
            SloKind::ApiLatency,
            SloKind::ApiErrorRatio,
            SloKind::ApiNoTraffic,
            SloKind::QueueBacklogGrowth,
            SloKind::GpuUtilisation,
            SloKind::Custom,
        ],
        // No alert tiles: the budgets of every SLO of the cluster.
        Kind::Slos => &[],
    };
    crate::generate::slos::dashboard_panel(
        defs,
        kinds,
        &cluster.name,
        &DataSourceRef::PROMETHEUS_VARIABLE,
    )
    .into_iter()
    .map(AnyPanel::Health)
    .collect()
}

/// The dashboard of `kind` as deployed to `cluster` (its `cluster` variable defaults
/// to that cluster).
pub fn build(defs: &Definitions, kind: Kind, cluster: &Cluster) -> Dashboard {
    let cx = panels::Cx::new(defs, cluster, kind);
    let mut body = match kind {
        Kind::Api => api::panels(&cx),
        Kind::Queues => queues::panels(&cx),
        Kind::Standby => standby::panels(&cx),
        Kind::Slos => slos::panels(&cx),
    };
    body.extend(
        kind.settings(defs)
            .extra_panels
            .iter()
            .map(|p| panels::sized(extra::panel(p), extra::size(p.kind))),
    );
    let mut panels = top_row_panels(defs, kind, cluster);
    let top = panels
        .iter()
        .map(|p| p.grid_pos().y + p.grid_pos().h)
        .max()
        .unwrap_or(0);
    panels.extend(
        flow(body, top)
            .into_iter()
            .map(|p| AnyPanel::Builtin(Box::new(p))),
    );
    for (i, p) in (1..).zip(panels.iter_mut()) {
        p.set_id(i);
    }
    let s = kind.settings(defs);
    let mut tags = vec![
        defs.metadata.name.clone(),
        "luneo-obs".to_string(),
        kind.tag().to_string(),
    ];
    tags.dedup();
    Dashboard {
        uid: kind.uid().to_string(),
        title: kind.title().to_string(),
        description: format!("Generated by luneo-obs from the `{}` definitions; do not edit in Grafana (changes are lost on the next sync).", defs.metadata.name),
        tags,
        editable: false,
        graph_tooltip: 1,
        timezone: "browser",
        refresh: s.refresh.to_string(),
        time: TimeRange {
            from: time_from(defs, kind),
            to: "now",
        },
        timepicker: Empty {},
        fiscal_year_start_month: 0,
        week_start: "",
        live_now: false,
        schema_version: SCHEMA_VERSION,
        version: 1,
        annotations: List {
            list: vec![Annotation::built_in()],
        },
        links: vec![Link::tagged("luneo-obs", "luneo-obs dashboards")],
        templating: List {
            list: cx.variables(kind),
        },
        panels,
    }
}

/// Left-to-right, top-to-bottom placement on the 24-column grid, starting at row `y0`;
/// each panel brings its width and height.
fn flow(panels: Vec<Panel>, y0: u32) -> Vec<Panel> {
    let (mut x, mut y, mut row_h) = (0, y0, 0);
    let mut out = Vec::with_capacity(panels.len());
    for mut p in panels {
        let (w, h) = (p.grid_pos.w, p.grid_pos.h);
        if x + w > GRID_WIDTH {
            x = 0;
            y += row_h;
            row_h = 0;
        }
        p.grid_pos.x = x;
        p.grid_pos.y = y;
        x += w;
        row_h = row_h.max(h);
        out.push(p);
    }
    out
}

/// Render a dashboard compactly: one line per top-level field and per panel.
pub fn render(d: &Dashboard) -> String {
    // Serializing these structs cannot fail (string keys, finite numbers).
    render_json(&serde_json::to_value(d).unwrap_or_default())
}

/// [`render`] for any dashboard JSON (one read from an overlay, say).
pub fn render_json(v: &Value) -> String {
    let Some(obj) = v.as_object() else {
        return v.to_string();
    };
    let mut out = String::from("{\n");
    let n = obj.len();
    for (i, (k, val)) in obj.iter().enumerate() {
        out.push_str(&Value::String(k.clone()).to_string());
        out.push(':');
        match (k.as_str(), val) {
            ("panels", Value::Array(items)) if !items.is_empty() => {
                out.push_str("[\n");
                let lines: Vec<String> = items.iter().map(Value::to_string).collect();
                out.push_str(&lines.join(",\n"));
                out.push_str("\n]");
            }
            _ => out.push_str(&val.to_string()),
        }
        if i + 1 < n {
            out.push(',');
        }
        out.push('\n');
    }
    out.push('}');
    out
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigMapHead {
    api_version: &'static str,
    kind: &'static str,
    metadata: rules::ObjectMeta,
}

/// Name of the ConfigMap that carries a dashboard.
pub fn configmap_name(kind: Kind) -> String {
    format!("{}-dashboard", kind.uid())
}

/// Relative path of a dashboard ConfigMap inside an overlay.
pub fn configmap_path(kind: Kind) -> String {
    format!("dashboards/{}.yaml", kind.uid())
}

/// One ConfigMap per dashboard, as the Grafana sidecar expects: the sidecar label
/// (`spec.kubernetes.dashboardLabel`), the folder annotation, and the dashboard JSON as a
/// literal block (`<uid>.json`). Returns (path relative to the overlay, YAML) pairs.
pub fn configmaps(defs: &Definitions, cluster: &Cluster) -> Vec<(String, String)> {
    let k = &defs.spec.kubernetes;
    kinds_for(defs, cluster)
        .into_iter()
        .map(|kind| {
            let mut labels = std::collections::BTreeMap::new();
            labels.insert(
                k.dashboard_label.key.clone(),
                k.dashboard_label.value.clone(),
            );
            labels.insert(
                "app.kubernetes.io/name".to_string(),
                "luneo-obs".to_string(),
            );
            labels.insert(
                "app.kubernetes.io/managed-by".to_string(),
                "luneo-obs".to_string(),
            );
            labels.insert("luneo.io/cluster".to_string(), cluster.name.clone());
            let mut annotations = std::collections::BTreeMap::new();
            annotations.insert(k.dashboard_folder_annotation.clone(), folder(defs, kind));
            let head = ConfigMapHead {
                api_version: "v1",
                kind: "ConfigMap",
                metadata: rules::ObjectMeta {
                    name: configmap_name(kind),
                    namespace: Some(k.namespace.clone()),
                    labels,
                    annotations,
                },
            };
            let json = render(&build(defs, kind, cluster));
            let mut y = crate::generate::layout::to_yaml(&head);
            y.push_str(&format!("data:\n  {}.json: |-\n", kind.uid()));
            for line in json.lines() {
                y.push_str("    ");
                y.push_str(line);
                y.push('\n');
            }
            (configmap_path(kind), y)
        })
        .collect()
}

#[cfg(test)]
mod tests;
