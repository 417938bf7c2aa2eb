//! PromQL in an overlay: the queries of dashboards (variables substituted the way Grafana
//! does) and the expressions of the PrometheusRules, checked against the metrics the
//! overlay may read. Without the `promql` feature the checks do nothing; [`interpolate`]
//! remains.

use std::collections::BTreeSet;

use crate::diag::{Diagnostic, Pos};

#[cfg(feature = "promql")]
use super::rules_of;
use super::Overlay;
#[cfg(feature = "promql")]
use crate::diag::registry as codes;
#[cfg(feature = "promql")]
use promql_parser::parser::{self, Expr};
#[cfg(feature = "promql")]
use serde_json::Value;

/// One query of a dashboard being checked, and what it may use.
#[cfg_attr(not(feature = "promql"), allow(dead_code))]
pub(crate) struct Query<'a> {
    pub file: &'a str,
    pub pos: Pos,
    /// What the query belongs to, for messages (e.g. panel `X` target A).
    pub what: String,
    pub expr: &'a str,
    /// The dashboard's variables.
    pub vars: &'a BTreeSet<String>,
    /// The metrics the overlay may read.
    pub known: &'a BTreeSet<String>,
}

/// One check of a query that parses (variables substituted).
#[cfg(feature = "promql")]
type QueryCheck = fn(&Query<'_>, &Expr, &mut Vec<Diagnostic>);

/// Every check of a query that parses.
#[cfg(feature = "promql")]
const QUERY_CHECKS: &[QueryCheck] = &[fixed_rate_window, unknown_metrics];

/// Sentinel durations the checks substitute for Grafana's range variables.
#[cfg(feature = "promql")]
const RATE_INTERVAL_SENTINEL: &str = "4242s";
#[cfg(feature = "promql")]
const RANGE_SENTINEL: &str = "4243s";

/// Substitute Grafana variables in `expr`: `$name`, `${name}`, `${name:format}` and
/// `[[name]]`. `value(name)` gives the replacement; `Err(name)` for the first variable it
/// does not know.
pub fn interpolate(expr: &str, value: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    while i < expr.len() {
        let (name, end) = variable_at(expr, i);
        match name {
            Some(n) => out.push_str(&value(&n).ok_or(n)?),
            None => out.push_str(&expr[i..end]),
        }
        i = end;
    }
    Ok(out)
}

/// The variable starting at byte `i` of `expr` (if any) and where the next token starts.
fn variable_at(expr: &str, i: usize) -> (Option<String>, usize) {
    let b = expr.as_bytes();
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    if b[i] == b'$' && i + 1 < b.len() && b[i + 1] == b'{' {
        match expr[i + 2..].find('}') {
            Some(close) => {
                let inner = &expr[i + 2..i + 2 + close];
                (
                    Some(inner.split(':').next().unwrap_or("").to_string()),
                    i + 3 + close,
                )
            }
            None => (None, i + 1),
        }
    } else if b[i] == b'$' && i + 1 < b.len() && is_name(b[i + 1]) {
        let mut j = i + 1;
        while j < b.len() && is_name(b[j]) {
            j += 1;
        }
        (Some(expr[i + 1..j].to_string()), j)
    } else if b[i] == b'[' && expr[i..].starts_with("[[") {
        match expr[i + 2..].find("]]") {
            Some(close) if expr[i + 2..i + 2 + close].bytes().all(is_name) && close > 0 => {
                (Some(expr[i + 2..i + 2 + close].to_string()), i + 4 + close)
            }
            _ => (None, i + 1),
        }
    } else {
        (
            None,
            i + expr[i..].chars().next().map(char::len_utf8).unwrap_or(1),
        )
    }
}

/// Replacement values for validation: Grafana's built-ins as sentinel durations, the
/// dashboard's own variables as a plain label value.
#[cfg(feature = "promql")]
fn check_value(vars: &BTreeSet<String>, name: &str) -> Option<String> {
    match name {
        "__rate_interval" => Some(RATE_INTERVAL_SENTINEL.into()),
        "__range" => Some(RANGE_SENTINEL.into()),
        "__interval" => Some("4241s".into()),
        "__range_s" => Some("4243".into()),
        "__range_ms" => Some("4243000".into()),
        "__interval_ms" => Some("4241000".into()),
        n if vars.contains(n) => Some("luneo_obs_value".into()),
        _ => None,
    }
}

/// Check a dashboard query: `dashboard/unknown-variable`, `dashboard/promql-parse`, then
/// [`QUERY_CHECKS`].
#[cfg(feature = "promql")]
pub(crate) fn check(q: &Query<'_>, out: &mut Vec<Diagnostic>) {
    let text = match interpolate(q.expr, &|n| check_value(q.vars, n)) {
        Ok(t) => t,
        Err(name) => {
            let vars: Vec<&str> = q.vars.iter().map(String::as_str).collect();
            out.push(
                Diagnostic::error(&codes::DASHBOARD_UNKNOWN_VARIABLE, q.file, q.pos, format!("{} uses `${name}`, which the dashboard does not define", q.what))
                    .with_hint(format!("defined variables: {}; Grafana built-ins: $__rate_interval, $__interval, $__range", vars.join(", "))),
            );
            return;
        }
    };
    match parser::parse(&text) {
        Ok(ast) => {
            for check in QUERY_CHECKS {
                check(q, &ast, out);
            }
        }
        Err(e) => out.push(
            Diagnostic::error(&codes::DASHBOARD_PROMQL_PARSE, q.file, q.pos, format!("{}: the query does not parse once variables are substituted: {e}", q.what))
                .with_hint("promql-parser gives no position inside the query; check parentheses, durations and quotes"),
        ),
    }
}

#[cfg(not(feature = "promql"))]
pub(crate) fn check(_: &Query<'_>, _: &mut Vec<Diagnostic>) {}

/// `dashboard/rate-interval`: `rate`/`irate`/`increase` over a fixed window.
#[cfg(feature = "promql")]
fn fixed_rate_window(q: &Query<'_>, ast: &Expr, out: &mut Vec<Diagnostic>) {
    let mut fixed = Vec::new();
    crate::verify::rules::walk(ast, &mut |e| {
        if let Expr::Call(c) = e {
            if !matches!(c.func.name, "rate" | "irate" | "increase") {
                return;
            }
            if let Some(Expr::MatrixSelector(ms)) = c.args.args.first().map(|a| a.as_ref()) {
                let secs = ms.range.as_secs();
                if secs != 4242 && secs != 4243 {
                    fixed.push(c.func.name);
                }
            }
        }
    });
    for f in fixed {
        out.push(
            Diagnostic::warning(&codes::DASHBOARD_RATE_INTERVAL, q.file, q.pos, format!("{}: `{f}` over a fixed window; Grafana's $__rate_interval adapts it to the scrape interval and the zoom level", q.what))
                .with_hint("write `[$__rate_interval]` (or `[$__range]` for a whole-range total)"),
        );
    }
}

/// `dashboard/unknown-metric`: a metric neither in the contract nor recorded.
#[cfg(feature = "promql")]
fn unknown_metrics(q: &Query<'_>, ast: &Expr, out: &mut Vec<Diagnostic>) {
    for m in metrics_of(ast).iter().filter(|m| !q.known.contains(*m)) {
        out.push(
            Diagnostic::error(&codes::DASHBOARD_UNKNOWN_METRIC, q.file, q.pos, format!("{} reads `{m}`, which is neither in the metric contract (spec.metrics) nor recorded by a rule of this overlay", q.what))
                .with_hint("add the metric to spec.metrics (spec.metrics.extra for a metric only the panels of spec.dashboards read), or fix its name; a dashboard on a missing metric shows \"No data\""),
        );
    }
}

/// The metrics an expression selects by name.
#[cfg(feature = "promql")]
fn metrics_of(ast: &Expr) -> BTreeSet<String> {
    let mut metrics = BTreeSet::new();
    crate::verify::rules::walk(ast, &mut |e| match e {
        Expr::VectorSelector(vs) => metrics.extend(selector_metric(vs)),
        Expr::MatrixSelector(ms) => metrics.extend(selector_metric(&ms.vs)),
        _ => {}
    });
    metrics
}

#[cfg(feature = "promql")]
fn selector_metric(vs: &promql_parser::parser::VectorSelector) -> Option<String> {
    use promql_parser::label::MatchOp;
    vs.name.clone().or_else(|| {
        vs.matchers
            .matchers
            .iter()
            .find(|m| m.name == "__name__" && matches!(m.op, MatchOp::Equal))
            .map(|m| m.value.clone())
    })
}

/// `rules/unknown-metric`: a PrometheusRule expression reads a metric neither in the
/// contract nor recorded in the overlay. Parse errors are reported by the rule checks
/// (`promql/parse-error`).
#[cfg(feature = "promql")]
pub(super) fn rule_metrics(ov: &Overlay<'_>, out: &mut Vec<Diagnostic>) {
    for o in ov.of_kind("PrometheusRule") {
        for (gi, ri, r) in rules_of(o) {
            let Some(expr) = r.get("expr").and_then(Value::as_str) else {
                continue;
            };
            let Ok(ast) = parser::parse(expr) else {
                continue;
            };
            let name = r
                .get("alert")
                .or_else(|| r.get("record"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            for m in metrics_of(&ast).iter().filter(|m| !ov.known.contains(*m)) {
                out.push(o.error(
                    &codes::RULES_UNKNOWN_METRIC,
                    o.doc.pos(&format!("spec.groups[{gi}].rules[{ri}].expr")),
                    format!("rule `{name}` reads `{m}`, which is neither in the metric contract (spec.metrics) nor recorded by a rule of this overlay"),
                    "add the metric to spec.metrics, or fix its name",
                ));
            }
        }
    }
}

#[cfg(not(feature = "promql"))]
pub(super) fn rule_metrics(_: &Overlay<'_>, _: &mut Vec<Diagnostic>) {}

#[cfg(all(test, feature = "promql"))]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_handles_grafana_forms() {
        let vars: BTreeSet<String> = ["queue".to_string()].into();
        let v = |n: &str| check_value(&vars, n);
        assert_eq!(
            interpolate("rate(x{q=~\"${queue:regex}\"}[$__rate_interval])", &v).unwrap(),
            "rate(x{q=~\"luneo_obs_value\"}[4242s])"
        );
        assert_eq!(
            interpolate("x{q=\"[[queue]]\", é=\"$queue\"}", &v).unwrap(),
            "x{q=\"luneo_obs_value\", é=\"luneo_obs_value\"}"
        );
        assert_eq!(interpolate("a$ b", &v).unwrap(), "a$ b");
        assert_eq!(interpolate("x{q=\"$nope\"}", &v), Err("nope".to_string()));
    }
}
