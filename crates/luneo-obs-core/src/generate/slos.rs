//! The SLOs of the definitions: one per alert deployed to a cluster (one per queue for
//! queue alerts), each with the PromQL of its value, its threshold in the metric's unit
//! and its comparison, and the query a dashboard's health panel makes for it. The health
//! evaluation ([`crate::health`]) judges values against these; the dashboards embed the
//! panel ([`dashboard_panel`]).

use serde::{Deserialize, Serialize};

use crate::diag::registry as codes;
use crate::diag::Check;
use crate::diag::Diagnostic;
use crate::generate::budgets;
use crate::generate::grafana::{DataSourceRef, GridPos, HealthOptions, HealthPanel, Target};
use crate::generate::rules;
use crate::load::Loaded;
use crate::model::slo::{SliHistogram, SliKind};
use crate::model::{fmt_num, Alert, Definitions, Slo, SloKind, Unit};

pub use crate::generate::expr::Comparison;

/// One SLO of a cluster: what the panel queries and how it judges the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SloDef {
    /// `cluster/Alert` or `cluster/Alert/queue`.
    pub id: String,
    /// Grafana query refId (`ApiLatencyHigh`, `QueueWaitThreshold_ai`), unique in a cluster.
    pub ref_id: String,
    pub alert: String,
    /// SLO kind (`apiLatency`, ...).
    pub slo: String,
    pub title: String,
    pub cluster: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// PromQL of the value: the alert expression without its comparison.
    pub expr: String,
    /// Threshold in the display unit (the alert's threshold as written).
    pub threshold: f64,
    /// Display unit (`ms`, `percent`, `jobs/min`, `requests/s`).
    pub unit: String,
    /// Grafana unit id of the display unit.
    pub grafana_unit: String,
    /// Unit of the values `expr` returns (`s`, `ratio`, ...).
    pub metric_unit: String,
    /// The exact number in the alert expression.
    pub threshold_in_metric_unit: f64,
    pub comparison: Comparison,
    pub severity: String,
    pub r#for: String,
    /// What the alert needs besides its comparison (confirm window, low-traffic guards),
    /// as the rule writes it (`and on(cluster) ...`). The panel does not query these: a
    /// tile can turn red while a guard still holds the alert back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<String>,
    /// The alert's runbook.
    #[serde(default)]
    pub runbook_url: String,
}

/// The query a dashboard embeds for the panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelTarget {
    pub ref_id: String,
    pub expr: String,
    /// Makes the series name equal to the refId, so the panel matches either way.
    pub legend_format: String,
}

fn metric_unit(defs: &Definitions, a: &Alert) -> Unit {
    let m = &defs.spec.metrics;
    match a.slo {
        SloKind::ApiLatency => m.http.unit,
        SloKind::ApiErrorRatio => Unit::Ratio,
        SloKind::QueueBacklogGrowth => Unit::JobsPerMinute,
        SloKind::GpuUtilisation => m.gpu.unit,
        SloKind::ApiNoTraffic => Unit::RequestsPerSecond,
        SloKind::QueueStalled | SloKind::GpuXidErrors => Unit::None,
        SloKind::GpuTemperature => Unit::Celsius,
        SloKind::Custom => a.threshold.as_ref().map_or(Unit::None, |t| t.unit),
    }
}

/// Whether the health panel shows the alert. A stall (`queueStalled`) is not a value
/// against a threshold: its value (the waiting backlog) is above 0 whenever a queue
/// works normally, and the panel does not evaluate the `unless` that makes it a stall, so
/// a tile would be red on every busy queue. It stays an alert only.
///
/// The GPU temperature and XID alerts fire per GPU: a tile per alert would show one GPU
/// among many, so they stay alerts too (their panels are on the queue dashboard).
pub fn on_panel(a: &Alert) -> bool {
    !matches!(
        a.slo,
        SloKind::QueueStalled | SloKind::GpuTemperature | SloKind::GpuXidErrors
    )
}

pub fn title(a: &Alert, queue: Option<&str>) -> String {
    match a.slo {
        SloKind::ApiLatency => format!(
            "API latency P{}",
            fmt_num((a.quantile_or_default() * 1000.0).round() / 10.0)
        ),
        SloKind::ApiErrorRatio => "API 5xx ratio".into(),
        SloKind::ApiNoTraffic => "API traffic".into(),
        SloKind::QueueBacklogGrowth => {
            format!("Queue {} backlog growth", queue.unwrap_or_default())
        }
        SloKind::GpuUtilisation => "GPU utilisation".into(),
        SloKind::QueueStalled => format!("Queue {} stalled", queue.unwrap_or_default()),
        SloKind::GpuTemperature => "GPU temperature".into(),
        SloKind::GpuXidErrors => "GPU XID errors".into(),
        SloKind::Custom => a.name.clone(),
    }
}

/// Why an alert yields no SLO (a diagnostic code and message).
type SloError = (&'static Check, String);

/// The SLOs of one alert on one cluster (one per queue for queue alerts). `cluster` is
/// also what the queries select (a name, or `$cluster` for a dashboard variable).
fn alert_slos(defs: &Definitions, a: &Alert, cluster: &str) -> Result<Vec<SloDef>, SloError> {
    let (thr_display, display_unit) = match (&a.threshold, a.slo) {
        (Some(t), _) => (t.value, t.unit),
        (None, SloKind::ApiNoTraffic) => (0.0, Unit::RequestsPerSecond),
        (None, SloKind::QueueStalled | SloKind::GpuXidErrors) => (0.0, Unit::None),
        // A custom alert without threshold fires whenever its expression returns a sample.
        (None, _) => (f64::NEG_INFINITY, Unit::None),
    };
    let queues: Vec<Option<String>> = match (a.slo, &a.queues) {
        (SloKind::QueueBacklogGrowth | SloKind::QueueStalled, Some(qs)) => {
            qs.iter().map(|q| Some(q.clone())).collect()
        }
        _ => vec![None],
    };
    let mut out = Vec::new();
    for q in queues {
        let mut one = a.clone();
        if let Some(q) = &q {
            one.queues = Some(vec![q.clone()]);
        }
        let alert = rules::alert_expression(defs, &one, cluster);
        let (cmp, thr_metric) = match (alert.condition, &a.threshold) {
            (Some(c), _) => c,
            (None, None) => (Comparison::Above, f64::NEG_INFINITY),
            (None, Some(_)) => {
                return Err((
                    &codes::HEALTH_THRESHOLD_UNIT,
                    format!(
                        "the threshold of `{}` cannot be converted to the metric's unit",
                        a.name
                    ),
                ))
            }
        };
        let expr = alert.value.to_string();
        let suffix = q.as_ref().map(|q| format!("/{q}")).unwrap_or_default();
        out.push(SloDef {
            id: format!("{cluster}/{}{suffix}", a.name),
            ref_id: format!(
                "{}{}",
                a.name,
                q.as_ref().map(|q| format!("_{q}")).unwrap_or_default()
            ),
            alert: a.name.clone(),
            slo: a.slo.as_str().to_string(),
            title: title(a, q.as_deref()),
            cluster: cluster.to_string(),
            queue: q,
            expr,
            threshold: thr_display,
            unit: display_unit.as_str().to_string(),
            grafana_unit: display_unit.grafana().to_string(),
            metric_unit: metric_unit(defs, a).as_str().to_string(),
            threshold_in_metric_unit: thr_metric,
            comparison: cmp,
            severity: a.severity.as_str().to_string(),
            r#for: a.for_.to_string(),
            guards: alert.guards.iter().map(|g| g.clause()).collect(),
            runbook_url: rules::runbook_url(defs, &a.name),
        });
    }
    Ok(out)
}

/// The SLOs of the alerts deployed to `cluster` (every cluster when `None`), in the
/// order of the definitions' clusters, then alerts, then each alert's queues.
pub fn slo_defs(l: &Loaded, cluster: Option<&str>) -> Result<Vec<SloDef>, Vec<Diagnostic>> {
    let defs = &l.defs;
    if let Some(c) = cluster {
        if !defs.spec.clusters.iter().any(|x| x.name == c) {
            let names: Vec<&str> = defs.spec.clusters.iter().map(|x| x.name.as_str()).collect();
            return Err(vec![Diagnostic::error(
                &codes::HEALTH_UNKNOWN_CLUSTER,
                &l.file,
                l.pos("spec.clusters"),
                format!("no cluster named `{c}` in the definitions"),
            )
            .with_hint(format!(
                "defined clusters: {} (or leave the cluster empty for all)",
                names.join(", ")
            ))]);
        }
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for cl in defs
        .spec
        .clusters
        .iter()
        .filter(|x| cluster.is_none_or(|c| c == x.name))
    {
        for a in defs
            .spec
            .alerts
            .iter()
            .filter(|a| a.clusters.iter().any(|c| c == &cl.name) && on_panel(a))
        {
            match alert_slos(defs, a, &cl.name) {
                Ok(v) => out.extend(v),
                Err((code, msg)) => {
                    let hint = if code.id == codes::HEALTH_THRESHOLD_UNIT.id {
                        "use a threshold unit of the metric's dimension"
                    } else {
                        "this is a luneo-obs bug: please report it with the definitions"
                    };
                    errors.push(
                        Diagnostic::error(code, &l.file, l.pos(&l.alert_path(&a.name)), msg)
                            .with_hint(hint),
                    );
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Above this many queues, the definitions a panel embeds stop listing the queues its
/// alerts watch when they watch every queue (see [`panel_definitions`]).
pub const PANEL_QUEUE_LIMIT: usize = 16;

/// Whether a queue alert watches every queue of the definitions.
fn watches_every_queue(defs: &Definitions, a: &Alert) -> bool {
    let qs = a.queues.as_deref().unwrap_or(&[]);
    defs.spec.queues.iter().all(|q| qs.contains(&q.name))
}

/// The definitions a dashboard's health panel carries: only its alerts (the kinds it
/// shows) and the queues they watch; the sections health does not read (GitOps,
/// dashboard settings) are left out. The panel's SLOs are those of the full definitions
/// (see the tests), and the dashboard does not grow with unrelated queues or alerts.
///
/// With more than [`PANEL_QUEUE_LIMIT`] queues, an alert on every queue keeps one of
/// them (the loader wants a queue list): its tiles come from the series the panel's query
/// returns (one per `queue` label value, see [`evaluate`]), so the copy, and the
/// dashboard, do not grow with the number of queues.
fn panel_definitions(defs: &Definitions, kinds: &[SloKind]) -> Definitions {
    let mut d = defs.clone();
    d.spec.alerts.retain(|a| kinds.contains(&a.slo));
    if defs.spec.queues.len() > PANEL_QUEUE_LIMIT {
        if let Some(first) = defs.spec.queues.first() {
            for a in d.spec.alerts.iter_mut() {
                if a.queues.is_some() && watches_every_queue(defs, a) {
                    a.queues = Some(vec![first.name.clone()]);
                }
            }
        }
    }
    let used: std::collections::BTreeSet<&String> = d
        .spec
        .alerts
        .iter()
        .flat_map(|a| a.queues.iter().flatten())
        .chain(
            defs.spec
                .slos
                .iter()
                .filter(|o| slo_on_panel(o, kinds))
                .filter_map(|o| match o.sli.kind() {
                    SliKind::Latency(l) => l.queues.as_ref(),
                    _ => None,
                })
                .flatten(),
        )
        .collect();
    let queues = defs
        .spec
        .queues
        .iter()
        .filter(|q| used.contains(&q.name))
        .cloned()
        .collect();
    d.spec.queues = queues;
    d.spec.gitops = None;
    d.spec.dashboards = Default::default();
    // The SLOs whose budgets the panel shows (their burn-rate alerts read the same).
    d.spec.slos.retain(|o| slo_on_panel(o, kinds));
    d
}

/// The panel's query of one alert: `(refId, expr, legendFormat)`. A queue alert is one
/// query for all its queues, one series per queue named `Alert/<queue label value>`; an
/// alert on every one of more than [`PANEL_QUEUE_LIMIT`] queues selects no queue (no
/// list of queues in the dashboard); otherwise the query keeps the alert's queue matcher.
fn panel_query(defs: &Definitions, a: &Alert, sel: &str) -> Option<(String, String, String)> {
    let slos = alert_slos(defs, a, sel).ok()?;
    let first = slos.first()?;
    if first.queue.is_none() {
        return Some((
            first.ref_id.clone(),
            first.expr.clone(),
            first.ref_id.clone(),
        ));
    }
    let ql = &defs.spec.metrics.queues.queue_label;
    let mut value = rules::alert_expression(defs, a, sel).value;
    if defs.spec.queues.len() > PANEL_QUEUE_LIMIT && watches_every_queue(defs, a) {
        // No queue list in the dashboard: the query selects every queue.
        value = value.with_matcher(ql, None);
    }
    let expr = value.to_string();
    Some((a.name.clone(), expr, format!("{}/{{{{{ql}}}}}", a.name)))
}

/// The refId of the health panel's `ALERTS` query (the alerts' real state).
pub const ALERTS_REF_ID: &str = "ALERTS";

/// Whether a health panel of alert `kinds` shows the budget of `o`: a job-duration SLO
/// beside the queue alerts, the others (the API's requests) beside the API alerts; a
/// panel of no alert kind (the SLO dashboard's) shows every SLO.
pub fn slo_on_panel(o: &Slo, kinds: &[SloKind]) -> bool {
    let jobs = matches!(
        o.sli.kind(),
        SliKind::Latency(l) if l.histogram == SliHistogram::JobDuration
    );
    kinds.is_empty()
        || if jobs {
            kinds.contains(&SloKind::QueueBacklogGrowth)
        } else {
            kinds.contains(&SloKind::ApiLatency) || kinds.contains(&SloKind::ApiErrorRatio)
        }
}

/// The panel plugin's id (plugin-grafana/src/plugin.json).
pub const PANEL_TYPE: &str = "luneo-slohealth-panel";

/// The health panel a generated dashboard shows first, or `None` when no alert matches.
///
/// It covers the alerts of the given kinds on every cluster: its targets query
/// `$cluster` (the dashboard variable) and its `cluster` option is `$cluster`, so it shows
/// the alerts deployed to the cluster the dashboard looks at. Without a cluster label,
/// each Prometheus sees one cluster: the panel then shows `cluster`'s alerts. The
/// definitions are embedded, so statuses use the thresholds of the alerts generated in
/// the same run. `datasource` is the dashboard's data source reference.
pub fn dashboard_panel(
    defs: &Definitions,
    kinds: &[SloKind],
    cluster: &str,
    datasource: &DataSourceRef,
) -> Option<HealthPanel> {
    let sel = if defs.spec.metrics.cluster_label.is_some() {
        "$cluster"
    } else {
        cluster
    };
    let targets: Vec<Target> = defs
        .spec
        .alerts
        .iter()
        .filter(|a| kinds.contains(&a.slo))
        .filter_map(|a| panel_query(defs, a, sel))
        .map(|(r, e, lf)| Target {
            datasource: datasource.clone(),
            ..Target::instant(&r, e, &lf)
        })
        .collect();
    let mut targets = targets;
    let budgets: Vec<&Slo> = defs
        .spec
        .slos
        .iter()
        .filter(|o| slo_on_panel(o, kinds))
        .collect();
    if targets.is_empty() && budgets.is_empty() {
        return None;
    }
    let s = rules::Sel::new(defs, sel);
    for o in &budgets {
        let m = [format!("{}=\"{}\"", budgets::SLO_LABEL, o.name)];
        let legend = |which: &str| {
            let key = budgets::budget_key(&o.name, which);
            match &o.group_by {
                Some(g) => format!("{key}/{{{{{g}}}}}"),
                None => key,
            }
        };
        for (which, window) in [("window", o.window.to_string()), ("now", "5m".to_string())] {
            targets.push(Target {
                datasource: datasource.clone(),
                ..Target::instant(
                    &budgets::budget_key(&o.name, which),
                    s.recorded(&budgets::sli_record(&window), &m),
                    &legend(which),
                )
            });
        }
    }
    // The alerts' real state: what Prometheus has pending or firing now.
    let mut names: Vec<String> = defs
        .spec
        .alerts
        .iter()
        .filter(|a| kinds.contains(&a.slo) && on_panel(a))
        .map(|a| a.name.clone())
        .chain(
            budgets
                .iter()
                .filter(|o| !o.tiers.is_empty())
                .map(|o| o.alert_name()),
        )
        .collect();
    names.dedup();
    if !names.is_empty() {
        targets.push(Target {
            datasource: datasource.clone(),
            ..Target::instant(
                ALERTS_REF_ID,
                format!(
                    "ALERTS{{alertname=~\"{}\", cluster=\"{sel}\"}}",
                    names.join("|")
                ),
                &format!("{ALERTS_REF_ID}/{{{{alertname}}}}/{{{{alertstate}}}}"),
            )
        });
    }
    let yaml = yaml_serde::to_string(&panel_definitions(defs, kinds)).unwrap_or_default();
    let definitions = format!("# Generated by luneo-obs with the alerts: edit the definitions file, not this option.\n{yaml}");
    Some(HealthPanel {
        kind: PANEL_TYPE,
        title: "SLO health".into(),
        description: "SLO health of the selected cluster, computed by the luneo-obs core (WebAssembly) from the same definitions and numbers as the alerts: per SLO, the error budget left over its window and the burn rate now; per alert, its current value against its threshold and its real state from ALERTS (inactive, pending, firing). A tile takes the alert's state, never more: a crossed threshold with the alert inactive stays OK and says so. An alert with many queues is one roll-up tile of its worst state.".into(),
        datasource: datasource.clone(),
        // A summary line and two rows of tiles (budgets, then alerts).
        grid_pos: GridPos { h: 8, w: 24, x: 0, y: 0 },
        options: HealthOptions {
            cluster: sel.to_string(),
            definitions,
            tile_min_width: 200,
        },
        targets,
        id: 0,
    })
}

/// The targets a dashboard of `cluster` gives the health panel: one per alert deployed
/// there (a queue alert's target returns one series per queue).
pub fn panel_targets(l: &Loaded, cluster: &str) -> Result<Vec<PanelTarget>, Vec<Diagnostic>> {
    slo_defs(l, Some(cluster))?;
    Ok(l.defs
        .spec
        .alerts
        .iter()
        .filter(|a| a.clusters.iter().any(|c| c == cluster) && on_panel(a))
        .filter_map(|a| panel_query(&l.defs, a, cluster))
        .map(|(ref_id, expr, legend_format)| PanelTarget {
            ref_id,
            expr,
            legend_format,
        })
        .collect())
}
