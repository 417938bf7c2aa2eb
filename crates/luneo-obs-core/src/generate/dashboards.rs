//! Grafana dashboards generated from the definitions.
//!
//! Three dashboards, whose uids the alerts' `dashboard_url` already links to:
//! `luneo-api` (API Backend – Latency & Errors), `luneo-queues` (AI & Render Queues) and
//! `luneo-standby` (simplified view of the secondary cluster).
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
//! Output is plain `serde_json::Value`, rendered by [`render`] one line per panel (small,
//! and readable in diffs).

use serde_json::{json, Value};

use crate::generate::rules::{self, Sel};
use crate::model::{fmt_num, Alert, Cluster, ClusterRole, Definitions, SloKind, Unit};

/// Dashboard JSON schema version written (Grafana 12.0; later versions migrate it on load).
pub const SCHEMA_VERSION: u64 = 41;
/// Quantile of the queue processing latency panel (no alert defines one).
pub const QUEUE_LATENCY_QUANTILE: f64 = crate::model::DEFAULT_QUANTILE;
/// Rows of the slowest-routes table.
pub const TOP_ROUTES: usize = 10;
/// Window of the "failed jobs" stat (a panel time override; the query reads `$__range`).
pub const FAILURES_WINDOW: &str = "15m";
/// Grafana dashboard grid width.
pub const GRID_WIDTH: u64 = 24;

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
pub fn kinds_for(cluster: &Cluster) -> Vec<Kind> {
    match cluster.role {
        ClusterRole::Primary => vec![Kind::Api, Kind::Queues],
        ClusterRole::Secondary => vec![Kind::Standby, Kind::Api, Kind::Queues],
    }
}

/// Panels shown above everything else: the luneo-obs SLO health panel
/// (plugin-grafana, see [`crate::generate::slos::dashboard_panel`]) with one query per SLO of the
/// dashboard's alerts: API alerts on the API dashboard, queue and GPU alerts on the queue
/// dashboard, every alert on the standby dashboard.
///
/// Contract: each panel's `gridPos` is relative to the top of the dashboard (y = 0); the
/// generated panels are shifted below the lowest of them; ids are assigned afterwards
/// (in order, starting at 1), so returned panels need none; panels must query through
/// the `${datasource}` variable and may use `$cluster`.
pub fn top_row_panels(defs: &Definitions, kind: Kind, cluster: &Cluster) -> Vec<Value> {
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
    };
    crate::generate::slos::dashboard_panel(defs, kinds, &cluster.name, &ds())
        .into_iter()
        .collect()
}

/// The dashboard JSON of `kind` as deployed to `cluster` (its `cluster` variable defaults
/// to that cluster).
pub fn build(defs: &Definitions, kind: Kind, cluster: &Cluster) -> Value {
    let cx = Cx {
        defs,
        cluster,
        sel: Sel::new(defs, "$cluster"),
    };
    let body = match kind {
        Kind::Api => cx.api_panels(),
        Kind::Queues => cx.queue_panels(),
        Kind::Standby => cx.standby_panels(),
    };
    let mut panels = top_row_panels(defs, kind, cluster);
    let top = panels
        .iter()
        .map(|p| gp(p, "y") + gp(p, "h"))
        .max()
        .unwrap_or(0);
    panels.extend(flow(body, top));
    for (i, p) in panels.iter_mut().enumerate() {
        if let Some(o) = p.as_object_mut() {
            o.insert("id".into(), json!(i + 1));
        }
    }
    let s = kind.settings(defs);
    let mut tags = vec![
        defs.metadata.name.clone(),
        "luneo-obs".to_string(),
        kind.tag().to_string(),
    ];
    tags.dedup();
    json!({
        "uid": kind.uid(),
        "title": kind.title(),
        "description": format!("Generated by luneo-obs from the `{}` definitions; do not edit in Grafana (changes are lost on the next sync).", defs.metadata.name),
        "tags": tags,
        "editable": false,
        "graphTooltip": 1,
        "timezone": "browser",
        "refresh": s.refresh,
        "time": {"from": time_from(defs, kind), "to": "now"},
        "timepicker": {},
        "fiscalYearStartMonth": 0,
        "weekStart": "",
        "liveNow": false,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "annotations": {"list": [{
            "builtIn": 1,
            "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": true,
            "hide": true,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard"
        }]},
        "links": [{
            "asDropdown": true,
            "icon": "external link",
            "includeVars": true,
            "keepTime": true,
            "tags": ["luneo-obs"],
            "targetBlank": false,
            "title": "luneo-obs dashboards",
            "tooltip": "",
            "type": "dashboards"
        }],
        "templating": {"list": cx.variables(kind)},
        "panels": panels,
    })
}

fn gp(p: &Value, k: &str) -> u64 {
    p.pointer(&format!("/gridPos/{k}"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Left-to-right, top-to-bottom placement on the 24-column grid, starting at row `y0`.
fn flow(panels: Vec<(Value, u64, u64)>, y0: u64) -> Vec<Value> {
    let (mut x, mut y, mut row_h) = (0, y0, 0);
    let mut out = Vec::with_capacity(panels.len());
    for (mut p, w, h) in panels {
        if x + w > GRID_WIDTH {
            x = 0;
            y += row_h;
            row_h = 0;
        }
        if let Some(o) = p.as_object_mut() {
            o.insert("gridPos".into(), json!({"h": h, "w": w, "x": x, "y": y}));
        }
        x += w;
        row_h = row_h.max(h);
        out.push(p);
    }
    out
}

/// Render a dashboard compactly: one line per top-level field and per panel.
pub fn render(v: &Value) -> String {
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

/// A number for JSON: integers without `.0`, other values rounded to 9 decimals.
fn num(v: f64) -> Value {
    let r = (v * 1e9).round() / 1e9;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        json!(r as i64)
    } else {
        json!(r)
    }
}

fn ds() -> Value {
    json!({"type": "prometheus", "uid": "${datasource}"})
}

/// The threshold an alert of kind `slo` sets, in `display` unit, with a sentence saying
/// where it comes from. Alerts deployed to `cluster` win; else any alert of that kind
/// (the standby shows the production objective).
fn alert_threshold(
    defs: &Definitions,
    slo: SloKind,
    cluster: &Cluster,
    metric_unit: Unit,
    display: Unit,
) -> Thr {
    threshold_of(defs, slo, cluster, metric_unit, display)
        .map(|(v, why)| Thr {
            value: Some(v),
            why,
        })
        .unwrap_or_default()
}

/// The alert a whole-API (or whole-cluster) panel takes its numbers from: among the alerts
/// matching `of`, those deployed to `cluster` first, and those not scoped to some routes
/// first (a route's own objective is not the API's).
fn whole_api_alert<'a>(
    defs: &'a Definitions,
    cluster: &Cluster,
    of: impl Fn(&Alert) -> bool,
) -> Option<&'a Alert> {
    let on = |a: &Alert| a.clusters.contains(&cluster.name);
    let global = |a: &Alert| a.routes.is_none();
    let rank = |a: &Alert| (!on(a), !global(a));
    defs.spec
        .alerts
        .iter()
        .filter(|a| of(a))
        .min_by_key(|a| rank(a))
}

/// A panel threshold and the sentence that says which alert it comes from.
#[derive(Default)]
struct Thr {
    value: Option<f64>,
    why: String,
}

impl Thr {
    /// `text` followed by where the threshold comes from.
    fn describe(&self, text: &str) -> String {
        format!("{text} {}", self.why).trim().to_string()
    }
}

fn threshold_of(
    defs: &Definitions,
    slo: SloKind,
    cluster: &Cluster,
    metric_unit: Unit,
    display: Unit,
) -> Option<(f64, String)> {
    let a = whole_api_alert(defs, cluster, |a| a.slo == slo && a.threshold.is_some())?;
    let t = a.threshold.as_ref()?;
    // The user's number when the units match (exact), else the alert's own threshold in
    // the expression's unit converted for display (0.6 s -> 600 ms).
    let v = if t.unit == display {
        t.value
    } else {
        metric_unit.convert(rules::threshold_in_metric_unit(defs, a)?, display)?
    };
    let sym = t.unit.symbol();
    let shown = if sym.is_empty() {
        fmt_num(t.value)
    } else {
        format!("{} {sym}", fmt_num(t.value))
    };
    Some((
        v,
        format!(
            "Red from {shown}: threshold of alert {} ({}, for {}).",
            a.name,
            a.severity.as_str(),
            a.for_
        ),
    ))
}

fn thresholds(step: Option<f64>) -> Value {
    let mut steps = vec![json!({"color": "green", "value": null})];
    if let Some(v) = step {
        steps.push(json!({"color": "red", "value": num(v)}));
    }
    json!({"mode": "absolute", "steps": steps})
}

fn target(ref_id: &str, expr: String, legend: &str) -> Value {
    json!({"datasource": ds(), "editorMode": "code", "expr": expr, "instant": false, "legendFormat": legend, "range": true, "refId": ref_id})
}

fn instant_target(ref_id: &str, expr: String, legend: &str, table: bool) -> Value {
    let mut t = json!({"datasource": ds(), "editorMode": "code", "expr": expr, "instant": true, "legendFormat": legend, "range": false, "refId": ref_id});
    if table {
        if let Some(o) = t.as_object_mut() {
            o.insert("format".into(), json!("table"));
        }
    }
    t
}

struct PanelText<'a> {
    title: &'a str,
    description: String,
    unit: &'a str,
}

fn stat(
    t: PanelText<'_>,
    decimals: Option<u32>,
    threshold: Option<f64>,
    targets: Vec<Value>,
) -> Value {
    let mut defaults = json!({"color": {"mode": "thresholds"}, "mappings": [], "thresholds": thresholds(threshold), "unit": t.unit});
    if let (Some(d), Some(o)) = (decimals, defaults.as_object_mut()) {
        o.insert("decimals".into(), json!(d));
    }
    json!({
        "type": "stat",
        "title": t.title,
        "description": t.description,
        "datasource": ds(),
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "colorMode": "value",
            "graphMode": "area",
            "justifyMode": "auto",
            "orientation": "auto",
            "percentChangeColorMode": "standard",
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false},
            "showPercentChange": false,
            "textMode": "auto",
            "wideLayout": true
        },
        "targets": targets,
    })
}

fn timeseries(
    t: PanelText<'_>,
    threshold: Option<f64>,
    min_zero: bool,
    targets: Vec<Value>,
) -> Value {
    let mode = if threshold.is_some() {
        "line+area"
    } else {
        "off"
    };
    let mut defaults = json!({
        "color": {"mode": "palette-classic"},
        "custom": {"drawStyle": "line", "fillOpacity": 10, "lineWidth": 1, "showPoints": "never", "spanNulls": false, "thresholdsStyle": {"mode": mode}},
        "mappings": [],
        "thresholds": thresholds(threshold),
        "unit": t.unit
    });
    if let (true, Some(o)) = (min_zero, defaults.as_object_mut()) {
        o.insert("min".into(), json!(0));
    }
    json!({
        "type": "timeseries",
        "title": t.title,
        "description": t.description,
        "datasource": ds(),
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "legend": {"calcs": ["lastNotNull", "max"], "displayMode": "table", "placement": "right", "showLegend": true},
            "tooltip": {"mode": "multi", "sort": "desc"}
        },
        "targets": targets,
    })
}

struct Cx<'a> {
    defs: &'a Definitions,
    cluster: &'a Cluster,
    sel: Sel<'a>,
}

impl Cx<'_> {
    fn http_unit(&self) -> Unit {
        self.defs.spec.metrics.http.unit
    }

    /// `expr * factor` that turns the HTTP histogram unit into milliseconds.
    fn to_ms(&self, expr: String) -> String {
        match self.http_unit().convert(1.0, Unit::Milliseconds) {
            Some(f) if f != 1.0 => format!("{expr} * {}", fmt_num(f)),
            _ => expr,
        }
    }

    fn latency_quantile(&self) -> f64 {
        whole_api_alert(self.defs, self.cluster, |a| {
            a.slo == SloKind::ApiLatency && a.quantile.is_some()
        })
        .and_then(|a| a.quantile)
        .unwrap_or(crate::model::DEFAULT_QUANTILE)
    }

    fn quantile_name(q: f64) -> String {
        format!("P{}", fmt_num((q * 1e6).round() / 1e4))
    }

    fn cluster_var_metric(&self, kind: Kind) -> String {
        match kind {
            Kind::Api => rules::record_names(self.defs).route_requests_rate,
            Kind::Queues | Kind::Standby => self.defs.spec.metrics.queues.job_count.clone(),
        }
    }

    fn variables(&self, kind: Kind) -> Vec<Value> {
        let m = &self.defs.spec.metrics;
        let r = rules::record_names(self.defs);
        let mut v = vec![json!({
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "hide": 0,
            "includeAll": false,
            "multi": false,
            "options": [],
            "refresh": 1,
            "regex": ""
        })];
        if let Some(cl) = &m.cluster_label {
            let q = format!("label_values({}, {cl})", self.cluster_var_metric(kind));
            v.push(query_var(
                "cluster",
                "Cluster",
                &q,
                Some(&self.cluster.name),
                1,
            ));
        }
        let queue_q = format!(
            "label_values({}, {})",
            self.sel.recorded(&m.queues.job_count, &[]),
            m.queues.queue_label
        );
        let route_q = format!(
            "label_values({}, {})",
            self.sel.recorded(&r.route_requests_rate, &[]),
            m.http.route_label
        );
        match kind {
            Kind::Api => v.push(query_var("route", "Route", &route_q, None, 2)),
            Kind::Queues => v.push(query_var("queue", "Queue", &queue_q, None, 2)),
            Kind::Standby => {
                v.push(query_var("queue", "Queue", &queue_q, None, 2));
                v.push(query_var("route", "Route", &route_q, None, 2));
            }
        }
        v
    }

    /// The API latency quantile (from the recorded quantile) in ms: a stat or a time series.
    fn p_latency(&self, series: bool) -> (Value, u64, u64) {
        let q = self.latency_quantile();
        let name = Self::quantile_name(q);
        let expr = self.to_ms(
            self.sel
                .recorded(&rules::quantile_record(self.defs, q), &[]),
        );
        let thr = alert_threshold(
            self.defs,
            SloKind::ApiLatency,
            self.cluster,
            self.http_unit(),
            Unit::Milliseconds,
        );
        let title = if series {
            format!("{name} latency over time")
        } else {
            format!("{name} latency")
        };
        let description = thr.describe(&format!(
            "{name} of all API requests over the recording rules' {} window, in milliseconds.",
            rules::rate_window(self.defs)
        ));
        let text = PanelText {
            title: &title,
            description,
            unit: Unit::Milliseconds.grafana(),
        };
        let targets = vec![target("A", expr, name.as_str())];
        if series {
            (timeseries(text, thr.value, true, targets), 12, 8)
        } else {
            (stat(text, Some(0), thr.value, targets), 6, 5)
        }
    }

    fn throughput(&self, per_route: bool) -> (Value, u64, u64) {
        let r = rules::record_names(self.defs);
        let route = &self.defs.spec.metrics.http.route_label;
        if per_route {
            let expr = format!(
                "sum by ({route}) ({})",
                self.sel
                    .recorded(&r.route_requests_rate, &[format!("{route}=~\"$route\"")])
            );
            let t = PanelText {
                title: "Requests per second by route",
                description: "Requests served per route (routes picked with the Route variable)."
                    .into(),
                unit: Unit::RequestsPerSecond.grafana(),
            };
            (
                timeseries(
                    t,
                    None,
                    true,
                    vec![target("A", expr, &format!("{{{{{route}}}}}"))],
                ),
                12,
                8,
            )
        } else {
            let expr = format!("sum({})", self.sel.recorded(&r.route_requests_rate, &[]));
            let t = PanelText {
                title: "Throughput over time",
                description: "Requests per second served by the whole API (all routes).".into(),
                unit: Unit::RequestsPerSecond.grafana(),
            };
            (
                timeseries(t, None, true, vec![target("A", expr, "requests/s")]),
                12,
                8,
            )
        }
    }

    fn api_panels(&self) -> Vec<(Value, u64, u64)> {
        let d = self.defs;
        let r = rules::record_names(d);
        let route = &d.spec.metrics.http.route_label;
        let err_thr = alert_threshold(
            d,
            SloKind::ApiErrorRatio,
            self.cluster,
            Unit::Ratio,
            Unit::Ratio,
        );
        let err_desc = err_thr.describe("Share of 5xx responses over all responses.");
        let rps = format!("sum({})", self.sel.recorded(&r.route_requests_rate, &[]));
        let q = self.latency_quantile();
        let name = Self::quantile_name(q);
        let top = self.to_ms(format!(
            "histogram_quantile({}, sum by ({route}, le) ({}))",
            fmt_num(q),
            self.sel
                .recorded(&r.route_le_bucket_rate, &[format!("{route}=~\"$route\"")])
        ));
        let lat_thr = alert_threshold(
            d,
            SloKind::ApiLatency,
            self.cluster,
            self.http_unit(),
            Unit::Milliseconds,
        );
        let top_title = format!("Top {TOP_ROUTES} routes by {name} latency");
        let table = json!({
            "type": "table",
            "title": top_title,
            "description": lat_thr.describe(&format!("The {TOP_ROUTES} slowest routes right now ({name} over the recording rules' {} window, ms).", rules::rate_window(d))),
            "datasource": ds(),
            "fieldConfig": {"defaults": {
                "color": {"mode": "thresholds"},
                "custom": {"align": "auto", "cellOptions": {"type": "color-text"}, "inspect": false},
                "mappings": [],
                "thresholds": thresholds(lat_thr.value),
                "unit": Unit::Milliseconds.grafana()
            }, "overrides": []},
            "options": {"cellHeight": "sm", "frameIndex": 0, "showHeader": true, "sortBy": [{"desc": true, "displayName": format!("{name} latency")}]},
            "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": true}, "renameByName": {"Value": format!("{name} latency"), route.as_str(): "Route"}}}],
            "targets": [instant_target("A", format!("topk({TOP_ROUTES}, {top})"), "", true)],
        });
        vec![
            self.p_latency(false),
            (
                stat(PanelText { title: "5xx ratio", description: err_desc, unit: Unit::Ratio.grafana() }, Some(2), err_thr.value, vec![target("A", self.sel.recorded(&r.error_ratio, &[]), "5xx ratio")]),
                6,
                5,
            ),
            (stat(PanelText { title: "Throughput", description: "Requests per second served by the whole API.".into(), unit: Unit::RequestsPerSecond.grafana() }, Some(1), None, vec![target("A", rps, "requests/s")]), 6, 5),
            (
                stat(
                    PanelText { title: "5xx per second", description: "5xx responses per second, all routes.".into(), unit: Unit::RequestsPerSecond.grafana() },
                    Some(2),
                    None,
                    vec![target("A", format!("sum({}) or vector(0)", self.sel.recorded(&r.route_5xx_rate, &[])), "5xx/s")],
                ),
                6,
                5,
            ),
            self.p_latency(true),
            (
                timeseries(
                    PanelText { title: "5xx responses per route", description: "5xx responses per second, split by route (routes picked with the Route variable).".into(), unit: Unit::RequestsPerSecond.grafana() },
                    None,
                    true,
                    vec![target("A", format!("sum by ({route}) ({})", self.sel.recorded(&r.route_5xx_rate, &[format!("{route}=~\"$route\"")])), &format!("{{{{{route}}}}}"))],
                ),
                12,
                8,
            ),
            self.throughput(false),
            self.throughput(true),
            (table, 24, 9),
        ]
    }

    /// Waiting jobs per selected queue.
    fn waiting_expr(&self) -> String {
        let q = &self.defs.spec.metrics.queues;
        let m = [
            format!("{}=\"{}\"", q.state_label, q.waiting_state),
            format!("{}=~\"$queue\"", q.queue_label),
        ];
        // BullMQ exports queue-level gauges from every replica: max per queue, never sum.
        format!(
            "max by ({}) ({})",
            q.queue_label,
            self.sel.select(&q.job_count, &None, &m)
        )
    }

    fn waiting_panels(&self) -> [(Value, u64, u64); 2] {
        let ql = &self.defs.spec.metrics.queues.queue_label;
        [
            (
                stat(
                    PanelText { title: "Jobs waiting", description: "Jobs waiting in all selected queues (max over exporter replicas per queue, then summed).".into(), unit: Unit::None.grafana() },
                    Some(0),
                    None,
                    vec![target("A", format!("sum({})", self.waiting_expr()), "waiting")],
                ),
                6,
                5,
            ),
            (
                timeseries(
                    PanelText { title: "Jobs waiting per queue", description: "Waiting jobs, one series per queue (queues picked with the Queue variable).".into(), unit: Unit::None.grafana() },
                    None,
                    true,
                    vec![target("A", self.waiting_expr(), &format!("{{{{{ql}}}}}"))],
                ),
                12,
                8,
            ),
        ]
    }

    /// Backlog growth per selected queue in jobs/min (recorded derivative), its threshold
    /// and the panel description.
    fn backlog_parts(&self) -> (String, Option<f64>, String) {
        let d = self.defs;
        let q = &d.spec.metrics.queues;
        let r = rules::record_names(d);
        let thr = alert_threshold(
            d,
            SloKind::QueueBacklogGrowth,
            self.cluster,
            Unit::JobsPerMinute,
            Unit::JobsPerMinute,
        );
        let expr = format!(
            "{} * 60",
            self.sel.recorded(
                &r.waiting_deriv,
                &[format!("{}=~\"$queue\"", q.queue_label)]
            )
        );
        let desc = thr.describe(&format!(
            "How fast the waiting backlog grows, in jobs per minute (derivative over {}).",
            rules::rate_window(d)
        ));
        (expr, thr.value, desc)
    }

    fn backlog_growth(&self) -> (Value, u64, u64) {
        let (expr, thr, description) = self.backlog_parts();
        let ql = &self.defs.spec.metrics.queues.queue_label;
        let t = PanelText {
            title: "Backlog growth per queue (jobs/min)",
            description,
            unit: Unit::JobsPerMinute.grafana(),
        };
        (
            timeseries(
                t,
                thr,
                false,
                vec![target("A", expr, &format!("{{{{{ql}}}}}"))],
            ),
            12,
            8,
        )
    }

    fn queue_panels(&self) -> Vec<(Value, u64, u64)> {
        let d = self.defs;
        let m = &d.spec.metrics;
        let q = &m.queues;
        let r = rules::record_names(d);
        let [waiting_stat, waiting_series] = self.waiting_panels();
        let failed_sel = self.sel.select(
            &q.jobs_failed,
            &None,
            &[format!("{}=~\"$queue\"", q.queue_label)],
        );
        let mut failed = stat(
            PanelText { title: "Failed jobs (last 15 min)", description: format!("Jobs that failed in the last {FAILURES_WINDOW}, all selected queues (panel time override {FAILURES_WINDOW}; the query reads $__range)."), unit: Unit::None.grafana() },
            Some(0),
            None,
            vec![instant_target("A", format!("sum(max by ({ql}) (increase({failed_sel}[$__range]))) or vector(0)", ql = q.queue_label), "failed", false)],
        );
        if let Some(o) = failed.as_object_mut() {
            o.insert("timeFrom".into(), json!(FAILURES_WINDOW));
            o.insert("hideTimeOverride".into(), json!(false));
        }
        let gpu_thr = alert_threshold(
            d,
            SloKind::GpuUtilisation,
            self.cluster,
            m.gpu.unit,
            m.gpu.unit,
        );
        let gpu_desc = gpu_thr.describe(&format!(
            "Average utilisation of all GPUs ({}).",
            m.gpu.metric
        ));
        let gpu_expr = self.sel.recorded(&r.gpu_avg, &[]);
        let dq = &q.job_duration;
        let lat_name = Self::quantile_name(QUEUE_LATENCY_QUANTILE);
        let lat_expr = format!(
            "histogram_quantile({}, sum by ({}, le) (rate({}[$__rate_interval])))",
            fmt_num(QUEUE_LATENCY_QUANTILE),
            dq.queue_label,
            self.sel.select(
                &format!("{}_bucket", dq.histogram),
                &None,
                &[format!("{}=~\"$queue\"", dq.queue_label)]
            )
        );
        // Like the job counts, BullMQ's failed counter is a queue-level value every replica
        // exports: max per queue, never sum.
        let fail_rate = format!(
            "max by ({}) (rate({failed_sel}[$__rate_interval])) * 60",
            q.queue_label
        );
        vec![
            waiting_stat,
            (failed, 6, 5),
            (
                stat(
                    PanelText {
                        title: "Average GPU utilisation",
                        description: gpu_desc.clone(),
                        unit: m.gpu.unit.grafana(),
                    },
                    Some(1),
                    gpu_thr.value,
                    vec![target("A", gpu_expr.clone(), "GPU")],
                ),
                6,
                5,
            ),
            (
                stat(
                    PanelText {
                        title: "Busiest queue backlog",
                        description: "Largest waiting backlog among the selected queues.".into(),
                        unit: Unit::None.grafana(),
                    },
                    Some(0),
                    None,
                    vec![target(
                        "A",
                        format!("max({})", self.waiting_expr()),
                        "waiting",
                    )],
                ),
                6,
                5,
            ),
            waiting_series,
            self.backlog_growth(),
            (
                timeseries(
                    PanelText {
                        title: format!("{lat_name} processing latency per queue").as_str(),
                        description: format!(
                            "{lat_name} of job processing time per queue ({}).",
                            dq.histogram
                        ),
                        unit: dq.unit.grafana(),
                    },
                    None,
                    true,
                    vec![target(
                        "A",
                        lat_expr,
                        &format!("{{{{{}}}}}", dq.queue_label),
                    )],
                ),
                12,
                8,
            ),
            (
                timeseries(
                    PanelText {
                        title: "Job failures per queue (per min)",
                        description: format!(
                            "Failed jobs per minute, per queue ({}).",
                            q.jobs_failed
                        ),
                        unit: Unit::JobsPerMinute.grafana(),
                    },
                    None,
                    true,
                    vec![target(
                        "A",
                        fail_rate,
                        &format!("{{{{{}}}}}", q.queue_label),
                    )],
                ),
                12,
                8,
            ),
            (
                timeseries(
                    PanelText {
                        title: "GPU utilisation over time",
                        description: gpu_desc,
                        unit: m.gpu.unit.grafana(),
                    },
                    gpu_thr.value,
                    true,
                    vec![target("A", gpu_expr, "GPU")],
                ),
                24,
                8,
            ),
        ]
    }

    fn standby_panels(&self) -> Vec<(Value, u64, u64)> {
        let r = rules::record_names(self.defs);
        let [waiting_stat, waiting_series] = self.waiting_panels();
        let rps = format!(
            "sum({}) or vector(0)",
            self.sel.recorded(&r.route_requests_rate, &[])
        );
        vec![
            (
                stat(
                    PanelText { title: "Requests per second", description: "Requests served by the standby API. Outside a failover only health checks are expected: sustained traffic means something routes to the standby.".into(), unit: Unit::RequestsPerSecond.grafana() },
                    Some(2),
                    None,
                    vec![target("A", rps, "requests/s")],
                ),
                6,
                5,
            ),
            waiting_stat,
            {
                let (mut p, w, h) = self.p_latency(false);
                if let Some(o) = p.as_object_mut() {
                    o.insert("description".into(), json!("Latency of the standby API (meaningful only when it serves traffic)."));
                }
                (p, w, h)
            },
            {
                let (expr, thr, description) = self.backlog_parts();
                let t = PanelText { title: "Fastest backlog growth (jobs/min)", description, unit: Unit::JobsPerMinute.grafana() };
                (stat(t, Some(1), thr, vec![target("A", format!("max({expr})"), "jobs/min")]), 6, 5)
            },
            self.throughput(true),
            self.p_latency(true),
            waiting_series,
            self.backlog_growth(),
        ]
    }
}

fn query_var(name: &str, label: &str, query: &str, current: Option<&str>, refresh: u8) -> Value {
    let all = current.is_none();
    let current = match current {
        Some(c) => json!({"selected": true, "text": c, "value": c}),
        None => json!({"selected": true, "text": ["All"], "value": ["$__all"]}),
    };
    let mut v = json!({
        "name": name,
        "label": label,
        "type": "query",
        "datasource": ds(),
        "query": query,
        "current": current,
        "hide": 0,
        "includeAll": all,
        "multi": all,
        "options": [],
        "refresh": refresh,
        "regex": "",
        "sort": 1
    });
    if let (true, Some(o)) = (all, v.as_object_mut()) {
        o.insert("allValue".into(), json!(".*"));
    }
    v
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
    kinds_for(cluster)
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
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::load;

    fn loaded(text: &str) -> crate::load::Loaded {
        load::load("defs.yaml", text).unwrap_or_else(|d| panic!("{d:?}"))
    }

    fn cluster<'a>(l: &'a crate::load::Loaded, name: &str) -> &'a Cluster {
        l.defs
            .spec
            .clusters
            .iter()
            .find(|c| c.name == name)
            .unwrap()
    }

    fn panel<'a>(d: &'a Value, title: &str) -> &'a Value {
        d["panels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["title"] == title)
            .unwrap_or_else(|| panic!("no panel {title}"))
    }

    fn red(p: &Value) -> f64 {
        p["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"]
            .as_f64()
            .unwrap()
    }

    /// The alert's threshold read straight from the YAML text (not through the model).
    fn yaml_threshold(alert: &str) -> (f64, String) {
        let v: Value = yaml_serde::from_str(crate::source::EMBEDDED).unwrap();
        let a = v["spec"]["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == alert)
            .unwrap();
        (
            a["threshold"]["value"].as_f64().unwrap(),
            a["threshold"]["unit"].as_str().unwrap().to_string(),
        )
    }

    #[test]
    fn panel_thresholds_are_the_alert_thresholds() {
        let l = loaded(crate::source::EMBEDDED);
        let p = cluster(&l, "primary");
        let s = cluster(&l, "standby");
        let api = build(&l.defs, Kind::Api, p);
        assert_eq!(yaml_threshold("ApiLatencyHigh"), (600.0, "ms".into()));
        assert_eq!(red(panel(&api, "P95 latency")), 600.0);
        assert_eq!(
            panel(&api, "P95 latency")["fieldConfig"]["defaults"]["unit"],
            "ms"
        );
        assert_eq!(
            red(panel(
                &api,
                &format!("Top {TOP_ROUTES} routes by P95 latency")
            )),
            600.0
        );
        assert_eq!(yaml_threshold("ApiErrorRate"), (5.0, "percent".into()));
        assert_eq!(red(panel(&api, "5xx ratio")), 0.05);
        assert_eq!(
            panel(&api, "5xx ratio")["fieldConfig"]["defaults"]["unit"],
            "percentunit"
        );
        let queues = build(&l.defs, Kind::Queues, p);
        assert_eq!(yaml_threshold("QueueWaitThreshold").0, 40.0);
        assert_eq!(
            red(panel(&queues, "Backlog growth per queue (jobs/min)")),
            40.0
        );
        assert_eq!(
            yaml_threshold("RenderGpuSaturation"),
            (90.0, "percent".into())
        );
        assert_eq!(red(panel(&queues, "Average GPU utilisation")), 90.0);
        let standby = build(&l.defs, Kind::Standby, s);
        assert_eq!(yaml_threshold("StandbyQueueGrowth").0, 5.0);
        assert_eq!(
            red(panel(&standby, "Backlog growth per queue (jobs/min)")),
            5.0
        );
        // The standby has no latency alert: it shows the production objective.
        assert_eq!(red(panel(&standby, "P95 latency")), 600.0);
    }

    #[test]
    fn route_scoped_objectives_do_not_set_the_whole_api_panels() {
        let route_alert = "    - name: CheckoutLatency\n      slo: apiLatency\n      quantile: 0.99\n      threshold: { value: 2, unit: s }\n      routes: [/api/v1/checkout]\n      for: 5m\n      severity: warning\n      clusters: [primary]\n      summary: Checkout is slow.\n\n";
        let text = crate::source::EMBEDDED.replacen(
            "    - name: ApiLatencyHigh",
            &format!("{route_alert}    - name: ApiLatencyHigh"),
            1,
        );
        let l = loaded(&text);
        assert_eq!(l.defs.spec.alerts[0].name, "CheckoutLatency");
        let api = build(&l.defs, Kind::Api, cluster(&l, "primary"));
        assert_eq!(red(panel(&api, "P95 latency")), 600.0);
    }

    #[test]
    fn latency_threshold_converts_from_seconds() {
        let text = crate::source::EMBEDDED.replace(
            "threshold: { value: 600, unit: ms }",
            "threshold: { value: 0.75, unit: s }",
        );
        let l = loaded(&text);
        let api = build(&l.defs, Kind::Api, cluster(&l, "primary"));
        assert_eq!(red(panel(&api, "P95 latency")), 750.0);
    }

    #[test]
    fn settings_come_from_the_definitions_and_default_when_absent() {
        let l = loaded(crate::source::EMBEDDED);
        let s = build(&l.defs, Kind::Standby, cluster(&l, "standby"));
        assert_eq!(
            (s["refresh"].as_str(), s["time"]["from"].as_str()),
            (Some("1m"), Some("now-12h"))
        );
        let text = crate::source::EMBEDDED.replace(
            "    queues:\n      refresh: 30s\n      timeRange: 1h\n",
            "    queues:\n      refresh: 10s\n      timeRange: 3h\n      folder: Queues\n",
        );
        let l2 = loaded(&text);
        let q = build(&l2.defs, Kind::Queues, cluster(&l2, "primary"));
        assert_eq!(
            (q["refresh"].as_str(), q["time"]["from"].as_str()),
            (Some("10s"), Some("now-3h"))
        );
        assert_eq!(folder(&l2.defs, Kind::Queues), "Queues");
        assert_eq!(folder(&l2.defs, Kind::Api), "Luneo");
        // A definitions file written before spec.dashboards existed still loads.
        let start = crate::source::EMBEDDED
            .find("\n  # Grafana dashboards")
            .unwrap();
        let end = crate::source::EMBEDDED[start..]
            .find("      timeRange: 12h\n")
            .unwrap()
            + start
            + "      timeRange: 12h\n".len();
        let old = format!(
            "{}\n{}",
            &crate::source::EMBEDDED[..start],
            &crate::source::EMBEDDED[end..]
        );
        assert!(!old.contains("dashboards:"));
        let l3 = loaded(&old);
        assert_eq!(l3.defs.spec.dashboards, crate::model::Dashboards::default());
        assert_eq!(
            build(&l3.defs, Kind::Api, cluster(&l3, "primary"))["refresh"],
            "30s"
        );
    }

    #[test]
    fn bad_settings_are_diagnosed_at_the_field() {
        for (from, to, code) in [
            (
                "refresh: 1m",
                "refresh: 2s",
                "definitions/dashboard-refresh",
            ),
            (
                "timeRange: 12h",
                "timeRange: 1h30m",
                "definitions/bad-duration",
            ),
            (
                "timeRange: 12h",
                "timeRange: soon",
                "definitions/bad-duration",
            ),
        ] {
            let text = crate::source::EMBEDDED.replace(from, to);
            let d = load::load("defs.yaml", &text)
                .err()
                .unwrap_or_else(|| panic!("{to} accepted"));
            let x = d
                .iter()
                .find(|x| x.code == code)
                .unwrap_or_else(|| panic!("{code}: {d:?}"));
            let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
            assert_eq!(x.line, line, "{}", x.render());
        }
    }

    #[test]
    fn failover_copies_on_the_secondary_default_to_it() {
        let l = loaded(crate::source::EMBEDDED);
        assert_eq!(
            kinds_for(cluster(&l, "primary")),
            vec![Kind::Api, Kind::Queues]
        );
        assert_eq!(
            kinds_for(cluster(&l, "standby")),
            vec![Kind::Standby, Kind::Api, Kind::Queues]
        );
        let api = build(&l.defs, Kind::Api, cluster(&l, "standby"));
        let var = api["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "cluster")
            .unwrap();
        assert_eq!(var["current"]["value"], "standby");
    }

    #[test]
    fn size_does_not_grow_with_queues() {
        let l = loaded(crate::source::EMBEDDED);
        let mut text = crate::source::EMBEDDED.to_string();
        let extra: String = (0..1000)
            .map(|i| format!("    - name: q{i}\n      bullmqName: luneo-q{i}\n"))
            .collect();
        text = text.replace("  alerts:\n", &format!("{extra}\n  alerts:\n"));
        let big = loaded(&text);
        assert_eq!(big.defs.spec.queues.len(), 1002);
        for kind in Kind::ALL {
            let c = if kind == Kind::Standby {
                "standby"
            } else {
                "primary"
            };
            assert_eq!(
                render(&build(&l.defs, kind, cluster(&l, c))),
                render(&build(&big.defs, kind, cluster(&big, c)))
            );
        }
    }

    #[test]
    fn render_is_the_same_json_one_line_per_panel() {
        let l = loaded(crate::source::EMBEDDED);
        let d = build(&l.defs, Kind::Queues, cluster(&l, "primary"));
        let text = render(&d);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), d);
        let panels = d["panels"].as_array().unwrap().len();
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with('{') && l.contains("\"gridPos\":"))
                .count(),
            panels
        );
    }
}
