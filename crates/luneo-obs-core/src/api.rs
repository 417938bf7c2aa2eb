//! The operations hosts call: JSON-friendly requests and responses, errors as data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::{self, Diagnostic, Pos, Severity};
use crate::load::{self, Loaded};
use crate::model::{fmt_num, SloKind};
use crate::{manifests, rules};

/// A definitions file given by the user; `None` means the embedded Luneo definitions.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Source {
    pub name: String,
    pub text: String,
}

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

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ManifestTree {
    /// How the host names the tree's root in diagnostics (e.g. `manifests`).
    pub root: String,
    /// Relative path -> content of every file found under the root.
    pub files: BTreeMap<String, String>,
}

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

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ExplainResponse {
    pub ok: bool,
    pub alert: Option<AlertExplanation>,
    /// Every alert, when the request names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<AlertExplanation>,
    pub diagnostics: Vec<Diagnostic>,
}

fn load_source(src: &Option<Source>) -> Result<Loaded, Vec<Diagnostic>> {
    match src {
        Some(s) => load::load(&s.name, &s.text),
        None => load::load_embedded(),
    }
}

/// Generate every manifest. On any error, no file is returned.
pub fn generate(req: &GenerateRequest) -> GenerateResponse {
    let l = match load_source(&req.definitions) {
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
            let s = crate::alertmanager::scaled(&l, f);
            let mut c = s.clone();
            c.defs.spec.metrics.scrape_interval =
                crate::alertmanager::scale_duration(&c.defs.spec.metrics.scrape_interval, f);
            (s, c)
        }
        _ => (l.clone(), l),
    };
    let (files, outs) = manifests::build(&l);
    let mut diagnostics = l.warnings.clone();
    diagnostics.extend(rule_findings(&checked, &outs));
    // No generated file may carry a credential (they are committed).
    for (path, content) in &files {
        diagnostics.extend(crate::alertmanager::scan_secrets(path, content));
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

/// Checks on the generated rules, mapped back to the definitions.
#[cfg(feature = "promql")]
fn rule_findings(l: &Loaded, outs: &[manifests::ClusterOutput]) -> Vec<Diagnostic> {
    let scrape = crate::duration::parse(&l.defs.spec.metrics.scrape_interval).unwrap_or(30_000);
    let mut out: Vec<Diagnostic> = Vec::new();
    for o in outs {
        for f in crate::checks::check_groups(&o.rules.groups, scrape) {
            let path = o
                .rules
                .origins
                .iter()
                .find(|x| x.group == f.group && x.rule == f.rule)
                .map(|x| x.path.clone())
                .unwrap_or_else(|| "spec".into());
            let field_path = match (f.field, path.starts_with("spec.alerts[")) {
                ("expr", true) if l.doc.index.contains_key(&format!("{path}.expr")) => {
                    format!("{path}.expr")
                }
                ("for", true) => format!("{path}.for"),
                ("labels", true) if l.doc.index.contains_key(&format!("{path}.labels")) => {
                    format!("{path}.labels")
                }
                ("annotations", true)
                    if l.doc.index.contains_key(&format!("{path}.description")) =>
                {
                    format!("{path}.description")
                }
                _ => path,
            };
            let d = Diagnostic::new(
                f.code,
                f.severity,
                &l.file,
                l.pos(&field_path),
                format!("{} (cluster {})", f.message, o.rules.cluster),
            )
            .with_hint(f.hint);
            if !out
                .iter()
                .any(|x| x.code == d.code && x.line == d.line && x.message == d.message)
            {
                out.push(d);
            }
        }
    }
    out
}

#[cfg(not(feature = "promql"))]
fn rule_findings(_: &Loaded, _: &[manifests::ClusterOutput]) -> Vec<Diagnostic> {
    Vec::new()
}

/// First line (1-based) where two texts differ.
fn first_diff_line(a: &str, b: &str) -> usize {
    let mut n = 1;
    for (x, y) in a.lines().zip(b.lines()) {
        if x != y {
            return n;
        }
        n += 1;
    }
    n
}

/// Validate the definitions and, when given, an existing manifests tree.
pub fn validate(req: &ValidateRequest) -> ValidateResponse {
    let mut diagnostics = match load_source(&req.definitions) {
        Ok(l) => {
            let (expected, outs) = manifests::build(&l);
            let mut d = l.warnings.clone();
            d.extend(rule_findings(&l, &outs));
            if let Some(tree) = &req.manifests {
                d.extend(check_tree(&expected, tree, &l));
            }
            d
        }
        Err(d) => d,
    };
    diag::sort(&mut diagnostics);
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    ValidateResponse {
        ok: errors == 0,
        errors,
        warnings,
        diagnostics,
    }
}

fn check_tree(
    expected: &BTreeMap<String, String>,
    tree: &ManifestTree,
    l: &Loaded,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let root = if tree.root.is_empty() {
        "manifests".to_string()
    } else {
        tree.root.trim_end_matches('/').to_string()
    };
    let at = |p: &str| format!("{root}/{p}");
    let top = Pos { line: 1, column: 1 };
    for (path, want) in expected {
        match tree.files.get(path) {
            None => out.push(
                Diagnostic::error(
                    "manifests/missing-file",
                    &at(path),
                    top,
                    "this generated file is missing from the tree",
                )
                .with_hint("run `kubectl luneo-obs generate` and commit the result"),
            ),
            Some(have) if have != want => {
                let line = first_diff_line(have, want);
                out.push(
                    Diagnostic::error("manifests/drift", &at(path), Pos { line, column: 1 }, format!("the file differs from what the definitions produce (first difference at line {line})"))
                        .with_hint("generated files are never edited by hand: change the definitions and run `kubectl luneo-obs generate`"),
                );
                if path.ends_with("prometheus-rules.yaml") {
                    out.extend(check_rules_file(&at(path), have, l));
                }
            }
            Some(_) => {}
        }
    }
    // Credentials written in clear in any file of the tree (hand edits included).
    for (path, content) in &tree.files {
        out.extend(crate::alertmanager::scan_secrets(&at(path), content));
    }
    for path in tree.files.keys() {
        let ours = path.starts_with(manifests::OVERLAYS_DIR)
            || path.starts_with(crate::gitops::ARGOCD_DIR)
            || path.starts_with(crate::alertmanager::DIR)
            || path == manifests::MARKER;
        if ours && !expected.contains_key(path) {
            out.push(
                Diagnostic::error(
                    "manifests/unexpected-file",
                    &at(path),
                    top,
                    "this file is in the generated tree but the definitions do not produce it",
                )
                .with_hint(
                    "delete it, or run `kubectl luneo-obs generate` (which replaces the tree)",
                ),
            );
        }
    }
    // The overlays as they are on disk: references, sidecar labels, dashboard JSON, sizes, metrics.
    out.extend(crate::overlays::check(&root, &tree.files, l));
    out
}

/// Parse a PrometheusRule found on disk and run the rule checks on it.
fn check_rules_file(file: &str, text: &str, l: &Loaded) -> Vec<Diagnostic> {
    let doc = match crate::yaml::parse(file, text) {
        Ok(d) => d,
        Err(d) => return d,
    };
    let pr: rules::PrometheusRule = match serde_json::from_value(doc.value.clone()) {
        Ok(p) => p,
        Err(e) => {
            return vec![Diagnostic::error(
                "manifests/bad-prometheus-rule",
                file,
                doc.pos(""),
                format!("not a valid PrometheusRule: {e}"),
            )
            .with_hint("regenerate the file with `kubectl luneo-obs generate`")]
        }
    };
    #[cfg(feature = "promql")]
    {
        let scrape = crate::duration::parse(&l.defs.spec.metrics.scrape_interval).unwrap_or(30_000);
        crate::checks::check_groups(&pr.spec.groups, scrape)
            .into_iter()
            .map(|f| {
                let base = format!("spec.groups[{}].rules[{}]", f.group, f.rule);
                let p = if f.field.is_empty() {
                    format!("spec.groups[{}]", f.group)
                } else {
                    format!("{base}.{}", f.field)
                };
                Diagnostic::new(f.code, f.severity, file, doc.pos(&p), f.message).with_hint(f.hint)
            })
            .collect()
    }
    #[cfg(not(feature = "promql"))]
    {
        let _ = (pr, l);
        Vec::new()
    }
}

/// Everything about one alert, for `kubectl luneo-obs explain`.
pub fn explain(req: &ExplainRequest) -> ExplainResponse {
    let l = match load_source(&req.definitions) {
        Ok(l) => l,
        Err(d) => {
            return ExplainResponse {
                ok: false,
                alert: None,
                all: Vec::new(),
                diagnostics: d,
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
            alert: None,
            all,
            diagnostics: l.warnings.clone(),
        };
    }
    let Some(a) = l.defs.spec.alerts.iter().find(|a| a.name == req.alert) else {
        let names: Vec<&str> = l.defs.spec.alerts.iter().map(|a| a.name.as_str()).collect();
        let d = Diagnostic::error(
            "explain/unknown-alert",
            &l.file,
            l.pos("spec.alerts"),
            format!("no alert named `{}`", req.alert),
        )
        .with_hint(format!("defined alerts: {}", names.join(", ")));
        return ExplainResponse {
            ok: false,
            alert: None,
            all: Vec::new(),
            diagnostics: vec![d],
        };
    };
    ExplainResponse {
        ok: true,
        alert: Some(explain_alert(&l, a)),
        all: Vec::new(),
        diagnostics: l.warnings.clone(),
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
        r#for: a.for_.clone(),
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
