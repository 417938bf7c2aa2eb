//! The operations hosts call: JSON-friendly requests and responses, errors as data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::registry as codes;
use crate::diag::{self, Diagnostic, Severity};
use crate::generate::{manifests, rules};
use crate::load::{self, Loaded};
use crate::model::{fmt_num, SloKind};
use crate::verify::panels::panel_findings;
use crate::verify::tree::{check_tree, rule_findings};

pub use crate::source::Source;

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct GenerateRequest {
    #[serde(default)]
    pub definitions: Option<Source>,
    /// Drill mode: divide every alert `for` and the Alertmanager group_wait, group_interval,
    /// repeat_interval and Watchdog repeat interval by this factor (60: a minute becomes a
    /// second). Expressions, windows and thresholds are unchanged. Never for production.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_scale: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct GenerateResponse {
    /// True when files were produced (no error diagnostics).
    pub ok: bool,
    /// Relative path -> content. Empty when `ok` is false.
    pub files: BTreeMap<String, String>,
    pub diagnostics: Vec<Diagnostic>,
}

pub use crate::verify::tree::ManifestTree;

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ValidateRequest {
    #[serde(default)]
    pub definitions: Option<Source>,
    /// The tree on disk; `None` validates the definitions alone.
    #[serde(default)]
    pub manifests: Option<ManifestTree>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ValidateResponse {
    /// No error diagnostics.
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ExplainRequest {
    #[serde(default)]
    pub definitions: Option<Source>,
    pub alert: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClusterExpr {
    pub cluster: String,
    pub expr: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlertExplanation {
    pub name: String,
    pub slo: String,
    pub summary: String,
    /// e.g. `600 ms`; empty for apiNoTraffic.
    pub threshold: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_unit: Option<String>,
    /// The threshold in the unit the expression computes in (e.g. 0.6 s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_in_expr: Option<f64>,
    pub r#for: String,
    pub severity: String,
    pub clusters: Vec<String>,
    pub dr_expected: bool,
    pub exprs: Vec<ClusterExpr>,
    pub runbook_url: String,
    /// Where the alert is defined.
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// One burn-rate condition of an SLO tier.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BurnExplanation {
    pub long_window: String,
    pub short_window: String,
    /// Burn rate both windows must exceed (14.4).
    pub factor: f64,
    /// Share of the window's budget spent when it starts to hold (0.02).
    pub budget_fraction: f64,
}

/// One alert tier of an SLO.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TierExplanation {
    pub tier: String,
    pub severity: String,
    pub r#for: String,
    pub conditions: Vec<BurnExplanation>,
    /// Alertmanager receivers the tier's alert is routed to.
    pub receivers: Vec<String>,
}

/// An SLO: objective, window, budget, and its burn-rate alert.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SloExplanation {
    pub name: String,
    pub description: String,
    /// Percent of good events (99.5).
    pub objective: f64,
    pub window: String,
    /// The error budget as a ratio (0.005).
    pub budget: f64,
    /// The budget in minutes of total outage over the window.
    pub budget_minutes: f64,
    /// `ratio` or `latency`.
    pub sli: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_events: Option<u64>,
    /// The burn-rate alert's name.
    pub alert: String,
    pub tiers: Vec<TierExplanation>,
    pub clusters: Vec<String>,
    pub runbook_url: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ExplainResponse {
    pub ok: bool,
    pub alert: Option<AlertExplanation>,
    /// The SLO named by the request (by its name or its burn-rate alert's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloExplanation>,
    /// Every alert, when the request names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<AlertExplanation>,
    /// Every SLO, when the request names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slos: Vec<SloExplanation>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Generate every manifest. On any error, no file is returned.
pub fn generate(req: &GenerateRequest) -> GenerateResponse {
    let l = match load::resolve(&req.definitions) {
        Ok(l) => l,
        Err(d) => {
            return GenerateResponse {
                ok: false,
                files: BTreeMap::new(),
                diagnostics: d,
            }
        }
    };
    // Drill mode: scaled `for`s are checked against a scrape interval scaled alike.
    let (l, checked) = match req.time_scale {
        Some(f) if f > 1 => {
            let s = crate::generate::alertmanager::scaled(&l, f);
            let mut c = s.clone();
            c.defs.spec.metrics.scrape_interval = crate::generate::alertmanager::scale_duration(
                &c.defs.spec.metrics.scrape_interval,
                f,
            );
            (s, c)
        }
        _ => (l.clone(), l),
    };
    let (files, outs) = manifests::build(&l);
    let mut diagnostics = l.warnings.clone();
    diagnostics.extend(rule_findings(&checked, &outs));
    diagnostics.extend(panel_findings(&checked, &outs));
    // No generated file may carry a credential (they are committed).
    for (path, content) in &files {
        diagnostics.extend(crate::lint::secrets::scan_secrets(path, content));
    }
    diag::sort(&mut diagnostics);
    if diag::has_errors(&diagnostics) {
        return GenerateResponse {
            ok: false,
            files: BTreeMap::new(),
            diagnostics,
        };
    }
    GenerateResponse {
        ok: true,
        files,
        diagnostics,
    }
}

/// Validate the definitions and, when given, an existing manifests tree.
pub fn validate(req: &ValidateRequest) -> ValidateResponse {
    let mut diagnostics = match load::resolve(&req.definitions) {
        Ok(l) => {
            let (expected, outs) = manifests::build(&l);
            let mut d = l.warnings.clone();
            d.extend(rule_findings(&l, &outs));
            d.extend(panel_findings(&l, &outs));
            if let Some(tree) = &req.manifests {
                d.extend(check_tree(&expected, tree, &l));
            }
            d
        }
        Err(d) => d,
    };
    diag::sort(&mut diagnostics);
    ValidateResponse::of(diagnostics)
}

impl ValidateResponse {
    /// The response for these diagnostics: counts, and `ok` when none is an error.
    pub fn of(diagnostics: Vec<Diagnostic>) -> Self {
        let count = |sev| diagnostics.iter().filter(|d| d.severity == sev).count();
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        ValidateResponse {
            ok: errors == 0,
            errors,
            warnings,
            diagnostics,
        }
    }
}

/// Everything about one alert, for `kubectl luneo-obs explain`.
pub fn explain(req: &ExplainRequest) -> ExplainResponse {
    let l = match load::resolve(&req.definitions) {
        Ok(l) => l,
        Err(d) => {
            return ExplainResponse {
                ok: false,
                diagnostics: d,
                ..Default::default()
            }
        }
    };
    if req.alert.is_empty() {
        let all = l
            .defs
            .spec
            .alerts
            .iter()
            .map(|a| explain_alert(&l, a))
            .collect();
        return ExplainResponse {
            ok: true,
            all,
            slos: l
                .defs
                .spec
                .slos
                .iter()
                .map(|o| explain_slo(&l, o))
                .collect(),
            diagnostics: l.warnings.clone(),
            ..Default::default()
        };
    }
    if let Some(o) = l
        .defs
        .spec
        .slos
        .iter()
        .find(|o| o.name == req.alert || o.alert_name() == req.alert)
    {
        return ExplainResponse {
            ok: true,
            slo: Some(explain_slo(&l, o)),
            diagnostics: l.warnings.clone(),
            ..Default::default()
        };
    }
    let Some(a) = l.defs.spec.alerts.iter().find(|a| a.name == req.alert) else {
        let mut names: Vec<String> = l.defs.spec.alerts.iter().map(|a| a.name.clone()).collect();
        names.extend(l.defs.spec.slos.iter().map(|o| o.alert_name()));
        let d = Diagnostic::error(
            &codes::EXPLAIN_UNKNOWN_ALERT,
            &l.file,
            l.pos("spec.alerts"),
            format!("no alert named `{}`", req.alert),
        )
        .with_hint(format!("defined alerts: {}", names.join(", ")));
        return ExplainResponse {
            ok: false,
            diagnostics: vec![d],
            ..Default::default()
        };
    };
    ExplainResponse {
        ok: true,
        alert: Some(explain_alert(&l, a)),
        diagnostics: l.warnings.clone(),
        ..Default::default()
    }
}

fn explain_slo(l: &Loaded, o: &crate::model::Slo) -> SloExplanation {
    use crate::generate::{alertmanager, budgets, docs};
    let index = l
        .defs
        .spec
        .slos
        .iter()
        .position(|x| x.name == o.name)
        .unwrap_or(0);
    let pos = l.pos(&format!("spec.slos[{index}]"));
    let am = alertmanager::config(&l.defs);
    let tiers = o
        .tiers
        .iter()
        .map(|t| {
            let conditions: Vec<_> = o
                .conditions()
                .into_iter()
                .filter(|c| c.tier == *t)
                .collect();
            let severity = budgets::tier_severity(*t).to_string();
            let mut labels = BTreeMap::new();
            labels.insert("alertname".to_string(), o.alert_name());
            labels.insert("severity".to_string(), severity.clone());
            labels.insert(budgets::TIER_LABEL.to_string(), t.as_str().to_string());
            labels.insert(budgets::SLO_LABEL.to_string(), o.name.clone());
            if let Some(c) = o.clusters.first() {
                labels.insert("cluster".to_string(), c.clone());
            }
            TierExplanation {
                tier: t.as_str().to_string(),
                severity,
                r#for: conditions
                    .first()
                    .map(|c| c.for_.to_string())
                    .unwrap_or_default(),
                conditions: conditions
                    .iter()
                    .map(|c| BurnExplanation {
                        long_window: c.long.clone(),
                        short_window: c.short.clone(),
                        factor: c.factor,
                        budget_fraction: c.budget_fraction,
                    })
                    .collect(),
                receivers: docs::route_receivers(&am.route, &labels),
            }
        })
        .collect();
    SloExplanation {
        name: o.name.clone(),
        description: o.description.clone(),
        objective: o.objective,
        window: o.window.to_string(),
        budget: o.budget(),
        budget_minutes: o.budget_minutes(),
        sli: match o.sli.kind() {
            crate::model::SliKind::Ratio(_) => "ratio".into(),
            crate::model::SliKind::Latency(_) => "latency".into(),
            crate::model::SliKind::Missing => String::new(),
        },
        group_by: o.group_by.clone(),
        min_events: o.min_events,
        alert: o.alert_name(),
        tiers,
        clusters: o.clusters.clone(),
        runbook_url: rules::runbook_url(&l.defs, &o.alert_name()),
        file: l.file.clone(),
        line: pos.line,
        column: pos.column,
    }
}

/// The JSON Schema of the definitions format, for editor completion
/// (`# yaml-language-server: $schema=...`).
#[cfg(feature = "schema")]
pub fn schema() -> String {
    let schema = schemars::schema_for!(crate::model::Definitions);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

pub use crate::dr::{DrAction, DrRequest, DrResponse};

/// Plan a DR action (`dr start|status|end`) against one Alertmanager's silences.
pub fn dr(req: &DrRequest) -> DrResponse {
    crate::dr::plan(req)
}

fn explain_alert(l: &Loaded, a: &crate::model::Alert) -> AlertExplanation {
    let pos = l.pos(&l.alert_path(&a.name));
    let threshold = match &a.threshold {
        Some(t) => format!("{} {}", fmt_num(t.value), t.unit.as_str()),
        None if a.slo == SloKind::ApiNoTraffic => format!("no request for {}", a.for_),
        None => String::new(),
    };
    let exprs = a
        .clusters
        .iter()
        .map(|c| ClusterExpr {
            cluster: c.clone(),
            expr: rules::alert_expr(&l.defs, a, c),
        })
        .collect();
    AlertExplanation {
        name: a.name.clone(),
        slo: a.slo.as_str().to_string(),
        summary: a.summary.clone(),
        threshold,
        threshold_value: a.threshold.as_ref().map(|t| t.value),
        threshold_unit: a.threshold.as_ref().map(|t| t.unit.as_str().to_string()),
        threshold_in_expr: rules::threshold_in_metric_unit(&l.defs, a),
        r#for: a.for_.to_string(),
        severity: a.severity.as_str().to_string(),
        clusters: a.clusters.clone(),
        dr_expected: a.dr_expected,
        exprs,
        runbook_url: rules::runbook_url(&l.defs, &a.name),
        file: l.file.clone(),
        line: pos.line,
        column: pos.column,
    }
}
