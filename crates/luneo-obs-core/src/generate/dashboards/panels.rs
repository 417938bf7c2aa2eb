//! What the dashboard builders share: the panel constructors in the generated style, the
//! thresholds taken from the alerts, the template variables, and the panels that appear
//! on more than one dashboard (latency, throughput, waiting jobs, backlog growth).

use crate::generate::grafana::{
    CellOptions, ColorMode, Custom, DataSourceRef, FieldConfig, FieldDefaults, GridPos, Num, Panel,
    PanelKind, PanelOptions, Refresh, StatOptions, TableCustom, Target, Thresholds,
    TimeseriesCustom, TimeseriesOptions, Variable,
};
use crate::generate::rules::{self, Sel};
use crate::model::{fmt_num, Alert, Cluster, Definitions, SloKind, Unit};

use super::Kind;

/// Width and height of the panel sizes used.
pub(super) const STAT: (u32, u32) = (6, 5);
pub(super) const HALF: (u32, u32) = (12, 8);
pub(super) const FULL: (u32, u32) = (24, 8);

/// Title, description and Grafana unit of a panel.
pub(super) struct PanelText<'a> {
    pub title: &'a str,
    pub description: String,
    pub unit: &'a str,
}

pub(super) fn panel(
    kind: PanelKind,
    t: PanelText<'_>,
    defaults: FieldDefaults,
    options: PanelOptions,
    targets: Vec<Target>,
) -> Panel {
    Panel {
        kind,
        title: t.title.to_string(),
        description: t.description,
        datasource: DataSourceRef::PROMETHEUS_VARIABLE,
        field_config: FieldConfig {
            defaults,
            overrides: Vec::new(),
        },
        options,
        transformations: Vec::new(),
        targets,
        time_from: None,
        hide_time_override: None,
        grid_pos: GridPos::default(),
        id: 0,
    }
}

/// `(w, h)` on the grid; the layout sets x and y.
pub(super) fn sized(mut p: Panel, (w, h): (u32, u32)) -> Panel {
    p.grid_pos.w = w;
    p.grid_pos.h = h;
    p
}

/// Field defaults coloured by `threshold` (red from it).
pub(super) fn defaults(
    color: &'static str,
    custom: Option<Custom>,
    unit: &str,
    threshold: Option<f64>,
) -> FieldDefaults {
    FieldDefaults {
        color: ColorMode { mode: color },
        custom,
        mappings: Vec::new(),
        thresholds: Thresholds::red_from(threshold),
        unit: unit.to_string(),
        decimals: None,
        min: None,
    }
}

/// A stat of the last value, red from `threshold`.
pub(super) fn stat(
    t: PanelText<'_>,
    decimals: Option<u32>,
    threshold: Option<f64>,
    targets: Vec<Target>,
) -> Panel {
    let mut d = defaults("thresholds", None, t.unit, threshold);
    d.decimals = decimals;
    let p = panel(
        PanelKind::Stat,
        t,
        d,
        PanelOptions::Stat(StatOptions::default()),
        targets,
    );
    sized(p, STAT)
}

/// A time series; the threshold, when there is one, is drawn as a line and area.
pub(super) fn timeseries(
    t: PanelText<'_>,
    threshold: Option<f64>,
    min_zero: bool,
    targets: Vec<Target>,
) -> Panel {
    let mode = if threshold.is_some() {
        "line+area"
    } else {
        "off"
    };
    let custom = Custom::Timeseries(TimeseriesCustom {
        draw_style: "line",
        fill_opacity: 10,
        line_width: 1,
        show_points: "never",
        span_nulls: false,
        thresholds_style: ColorMode { mode },
    });
    let mut d = defaults("palette-classic", Some(custom), t.unit, threshold);
    d.min = min_zero.then_some(Num(0.0));
    let p = panel(
        PanelKind::Timeseries,
        t,
        d,
        PanelOptions::Timeseries(TimeseriesOptions::default()),
        targets,
    );
    sized(p, HALF)
}

/// A table whose cells are coloured by `threshold`.
pub(super) fn table(
    t: PanelText<'_>,
    threshold: Option<f64>,
    options: crate::generate::grafana::TableOptions,
    targets: Vec<Target>,
) -> Panel {
    let custom = Custom::Table(TableCustom {
        align: "auto",
        cell_options: CellOptions { kind: "color-text" },
        inspect: false,
    });
    let d = defaults("thresholds", Some(custom), t.unit, threshold);
    panel(
        PanelKind::Table,
        t,
        d,
        PanelOptions::Table(options),
        targets,
    )
}

/// `{{label}}`: a legend naming each series by `label`.
pub(super) fn legend(label: &str) -> String {
    format!("{{{{{label}}}}}")
}

/// A panel threshold and the sentence that says which alert it comes from.
#[derive(Default)]
pub(super) struct Thr {
    pub value: Option<f64>,
    why: String,
}

impl Thr {
    /// `text` followed by where the threshold comes from.
    pub fn describe(&self, text: &str) -> String {
        format!("{text} {}", self.why).trim().to_string()
    }
}

/// The alert a whole-API (or whole-cluster) panel takes its numbers from: among the alerts
/// matching `of`, those deployed to `cluster` first; on the standby dashboard the alerts of
/// the idle watch (`drExpected`), elsewhere the production ones; and those not scoped to
/// some routes first (a route's own objective is not the API's).
fn whole_api_alert<'a>(
    defs: &'a Definitions,
    cluster: &Cluster,
    kind: Kind,
    of: impl Fn(&Alert) -> bool,
) -> Option<&'a Alert> {
    let on = |a: &Alert| a.clusters.contains(&cluster.name);
    let view = |a: &Alert| a.dr_expected == (kind == Kind::Standby);
    let global = |a: &Alert| a.routes.is_none();
    let rank = |a: &Alert| (!on(a), !view(a), !global(a));
    defs.spec
        .alerts
        .iter()
        .filter(|a| of(a))
        .min_by_key(|a| rank(a))
}

fn threshold_of(cx: &Cx<'_>, slo: SloKind, metric_unit: Unit, display: Unit) -> Option<Thr> {
    let defs = cx.defs;
    let a = whole_api_alert(defs, cx.cluster, cx.kind, |a| {
        a.slo == slo && a.threshold.is_some()
    })?;
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
    Some(Thr {
        value: Some(v),
        why: format!(
            "Red from {shown}: threshold of alert {} ({}, for {}).",
            a.name,
            a.severity.as_str(),
            a.for_
        ),
    })
}

/// Dashboard-building context: the definitions, the cluster the dashboard is deployed to
/// and the series selector (`cluster="$cluster"` when there is a cluster label).
pub(super) struct Cx<'a> {
    pub defs: &'a Definitions,
    pub cluster: &'a Cluster,
    /// The dashboard being built.
    pub kind: Kind,
    pub sel: Sel<'a>,
}

impl<'a> Cx<'a> {
    pub fn new(defs: &'a Definitions, cluster: &'a Cluster, kind: Kind) -> Self {
        Self {
            defs,
            cluster,
            kind,
            sel: Sel::new(defs, "$cluster"),
        }
    }

    /// The threshold an alert of kind `slo` sets, in `display` unit, with a sentence
    /// saying where it comes from. Alerts deployed to this cluster win; else any alert of
    /// that kind (the standby shows the production objective).
    pub fn alert_threshold(&self, slo: SloKind, metric_unit: Unit, display: Unit) -> Thr {
        threshold_of(self, slo, metric_unit, display).unwrap_or_default()
    }

    pub fn http_unit(&self) -> Unit {
        self.defs.spec.metrics.http.unit
    }

    /// `expr * factor` that turns the HTTP histogram unit into milliseconds.
    pub fn to_ms(&self, expr: String) -> String {
        match self.http_unit().convert(1.0, Unit::Milliseconds) {
            Some(f) if f != 1.0 => format!("{expr} * {}", fmt_num(f)),
            _ => expr,
        }
    }

    /// The quantile of the whole-API latency alert (P95 by default).
    pub fn latency_quantile(&self) -> f64 {
        whole_api_alert(self.defs, self.cluster, self.kind, |a| {
            a.slo == SloKind::ApiLatency && a.quantile.is_some()
        })
        .map_or(crate::model::DEFAULT_QUANTILE, Alert::quantile_or_default)
    }

    /// `P95`, `P99.9`.
    pub fn quantile_name(q: f64) -> String {
        format!("P{}", fmt_num((q * 1e6).round() / 1e4))
    }

    fn cluster_var_metric(&self, kind: Kind) -> String {
        match kind {
            Kind::Api => rules::record_names(self.defs).route_requests_rate,
            Kind::Queues | Kind::Standby => self.defs.spec.metrics.queues.job_count.clone(),
            Kind::Slos => crate::generate::budgets::EVENTS_RECORD.to_string(),
        }
    }

    /// Template variables: data source, cluster (when there is a cluster label), and the
    /// queues and/or routes of the dashboard.
    pub fn variables(&self, kind: Kind) -> Vec<Variable> {
        let m = &self.defs.spec.metrics;
        let r = rules::record_names(self.defs);
        let mut v = vec![Variable::datasource()];
        if let Some(cl) = &m.cluster_label {
            let q = format!("label_values({}, {cl})", self.cluster_var_metric(kind));
            v.push(Variable::query(
                "cluster",
                "Cluster",
                q,
                Some(&self.cluster.name),
                Refresh::OnLoad,
            ));
        }
        let queue = || {
            let q = format!(
                "label_values({}, {})",
                self.sel.recorded(&m.queues.job_count, &[]),
                m.queues.queue_label
            );
            Variable::query("queue", "Queue", q, None, Refresh::OnTimeRangeChange)
        };
        let route = || {
            let q = format!(
                "label_values({}, {})",
                self.sel.recorded(&r.route_requests_rate, &[]),
                m.http.route_label
            );
            Variable::query("route", "Route", q, None, Refresh::OnTimeRangeChange)
        };
        match kind {
            Kind::Api => v.push(route()),
            Kind::Queues => v.push(queue()),
            Kind::Standby => {
                v.push(queue());
                v.push(route());
            }
            Kind::Slos => {}
        }
        v
    }

    /// The API latency quantile (from the recorded quantile) in ms: a stat or a time series.
    pub fn p_latency(&self, series: bool) -> Panel {
        let q = self.latency_quantile();
        let name = Self::quantile_name(q);
        let expr = self.to_ms(
            self.sel
                .recorded(&rules::quantile_record(self.defs, q), &[]),
        );
        let thr = self.alert_threshold(SloKind::ApiLatency, self.http_unit(), Unit::Milliseconds);
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
        let targets = vec![Target::range("A", expr, name.as_str())];
        if series {
            timeseries(text, thr.value, true, targets)
        } else {
            stat(text, Some(0), thr.value, targets)
        }
    }

    /// Requests per second: the whole API, or per route (routes picked with `$route`).
    pub fn throughput(&self, per_route: bool) -> Panel {
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
            timeseries(
                t,
                None,
                true,
                vec![Target::range("A", expr, &legend(route))],
            )
        } else {
            let expr = format!("sum({})", self.sel.recorded(&r.route_requests_rate, &[]));
            let t = PanelText {
                title: "Throughput over time",
                description: "Requests per second served by the whole API (all routes).".into(),
                unit: Unit::RequestsPerSecond.grafana(),
            };
            timeseries(t, None, true, vec![Target::range("A", expr, "requests/s")])
        }
    }

    /// Waiting jobs per selected queue.
    pub fn waiting_expr(&self) -> String {
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

    /// The waiting-jobs stat (all selected queues) and time series (one per queue).
    pub fn waiting_panels(&self) -> [Panel; 2] {
        let ql = &self.defs.spec.metrics.queues.queue_label;
        let total = PanelText {
            title: "Jobs waiting",
            description: "Jobs waiting in all selected queues (max over exporter replicas per queue, then summed).".into(),
            unit: Unit::None.grafana(),
        };
        let per_queue = PanelText {
            title: "Jobs waiting per queue",
            description:
                "Waiting jobs, one series per queue (queues picked with the Queue variable).".into(),
            unit: Unit::None.grafana(),
        };
        [
            stat(
                total,
                Some(0),
                None,
                vec![Target::range(
                    "A",
                    format!("sum({})", self.waiting_expr()),
                    "waiting",
                )],
            ),
            timeseries(
                per_queue,
                None,
                true,
                vec![Target::range("A", self.waiting_expr(), &legend(ql))],
            ),
        ]
    }

    /// Backlog growth per selected queue in jobs/min (recorded derivative), its threshold
    /// and the panel description.
    pub fn backlog_parts(&self) -> (String, Option<f64>, String) {
        let d = self.defs;
        let q = &d.spec.metrics.queues;
        let r = rules::record_names(d);
        let thr = self.alert_threshold(
            SloKind::QueueBacklogGrowth,
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

    /// Backlog growth per queue over time, red from the queue alert's threshold.
    pub fn backlog_growth(&self) -> Panel {
        let (expr, thr, description) = self.backlog_parts();
        let ql = &self.defs.spec.metrics.queues.queue_label;
        let t = PanelText {
            title: "Backlog growth per queue (jobs/min)",
            description,
            unit: Unit::JobsPerMinute.grafana(),
        };
        timeseries(t, thr, false, vec![Target::range("A", expr, &legend(ql))])
    }
}
