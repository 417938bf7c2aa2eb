//! Definition checks: what the format's shape cannot say (names, references, units,
//! durations, routing). Each check is one small function listed in [`LINTS`] (or, for a
//! check of one alert, in [`alerts::ALERT_LINTS`]); it reads the parsed definitions and
//! reports through [`Lint`], which places every diagnostic on the YAML node at fault.
//!
//! Adding a check: write the function in the file of its definitions area, add it to the
//! table, register its code in [`crate::registry`] and add a case that triggers it under
//! `crates/luneo-obs-core/tests/cases/`.

pub mod alerts;
pub mod dashboards;
pub mod document;
pub mod gitops;
pub mod metrics;
pub mod names;
pub mod notifications;
pub mod secrets;
pub mod slos;

use crate::diag::registry as codes;
use crate::diag::{Check, Diagnostic, Severity};
use crate::model::{Definitions, Duration};
use crate::source::yaml::Document;
use crate::source::Parsed;

/// Where a check reports: the definitions file and its positioned document.
pub struct Lint<'a> {
    pub file: &'a str,
    pub doc: &'a Document,
    pub defs: &'a Definitions,
    out: Vec<Diagnostic>,
}

/// One definition check.
pub type LintFn = fn(&mut Lint<'_>);

/// Every definition check, by definitions area (the order does not matter: diagnostics
/// are sorted by position).
pub const LINTS: &[LintFn] = &[
    document::api_version,
    document::kind,
    document::metadata_name,
    document::cluster_names,
    document::one_primary,
    document::rule_selector,
    document::links,
    gitops::repo_url,
    gitops::manifests_path,
    gitops::destinations,
    metrics::scrape_interval,
    metrics::names,
    metrics::selectors,
    metrics::units,
    metrics::buckets,
    metrics::queue_names,
    alerts::each_alert,
    slos::each_slo,
    notifications::receivers,
    notifications::receiver_secrets,
    notifications::routes,
    notifications::critical_paged,
    notifications::grouping,
    notifications::inhibition,
    notifications::watchdog,
    notifications::rule_failures,
    notifications::dr_window,
    dashboards::intervals,
    dashboards::refresh,
    dashboards::time_range,
    dashboards::folder,
];

impl<'a> Lint<'a> {
    pub fn new(p: &'a Parsed) -> Self {
        Lint {
            file: &p.file,
            doc: &p.doc,
            defs: &p.defs,
            out: Vec::new(),
        }
    }

    pub fn report(&mut self, code: &Check, sev: Severity, path: &str, msg: String, hint: &str) {
        let d = Diagnostic::new(code, sev, self.file, self.doc.pos(path), msg).with_hint(hint);
        self.out.push(d);
    }

    pub fn err(&mut self, code: &Check, path: &str, msg: String, hint: &str) {
        self.report(code, Severity::Error, path, msg, hint);
    }

    pub fn warn(&mut self, code: &Check, path: &str, msg: String, hint: &str) {
        self.report(code, Severity::Warning, path, msg, hint);
    }

    /// Parse a duration, reporting `definitions/bad-duration` at `path` when it is not one.
    pub fn duration(&mut self, path: &str, value: &Duration) -> Option<u64> {
        match value.parsed() {
            Ok(ms) => Some(ms),
            Err(e) => {
                self.err(
                    &codes::DEFINITIONS_BAD_DURATION,
                    path,
                    e.to_string(),
                    "write durations as Prometheus does: 30s, 5m, 1h30m",
                );
                None
            }
        }
    }

    /// The scrape interval, when it parses (its own check reports it otherwise).
    pub fn scrape_ms(&self) -> Option<u64> {
        self.defs.spec.metrics.scrape_interval.parsed().ok()
    }

    pub fn label(&mut self, path: &str, value: &str) {
        if !names::is_label_name(value) {
            self.err(
                &codes::DEFINITIONS_BAD_LABEL_NAME,
                path,
                format!("`{value}` is not a valid Prometheus label name"),
                "label names match [a-zA-Z_][a-zA-Z0-9_]*",
            );
        }
    }

    pub fn metric(&mut self, path: &str, value: &str) {
        if !names::is_metric_name(value) {
            self.err(
                &codes::DEFINITIONS_BAD_METRIC_NAME,
                path,
                format!("`{value}` is not a valid Prometheus metric name"),
                "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*",
            );
        }
    }

    pub fn selector(&mut self, path: &str, value: &Option<String>) {
        if let Some(s) = value {
            if let Err(e) = names::check_selector(s) {
                self.err(
                    &codes::PROMQL_PARSE_ERROR,
                    path,
                    e,
                    "a selector is label matchers in braces, e.g. {job=\"luneo-api\"}",
                );
            }
        }
    }
}

/// Run every definition check.
pub fn run(p: &Parsed) -> Vec<Diagnostic> {
    let mut l = Lint::new(p);
    for check in LINTS {
        check(&mut l);
    }
    l.out
}
