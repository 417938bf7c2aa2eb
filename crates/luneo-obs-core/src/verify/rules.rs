//! Checks on rule groups, beyond parsing. They run on the rules we generate (positions
//! map back to the definitions) and on PrometheusRules found on disk (positions in the
//! manifest). Every check has an id; docs/checks.md lists them.
//!
//! Each check of a rule is one small function listed in [`RULE_CHECKS`] (or, for a check
//! of one function call of the expression, in [`CALL_CHECKS`]); it reads a [`RuleAt`] and
//! reports through it.

use std::collections::BTreeSet;

use promql_parser::parser::{self, AggregateExpr, BinaryExpr, Call, Expr};

use crate::diag::registry as codes;
use crate::diag::Check;
use crate::diag::Severity;
use crate::generate::rules::{Rule, RuleGroup};
use crate::model::duration;

/// A problem found in one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub code: &'static Check,
    pub severity: Severity,
    pub group: usize,
    pub rule: usize,
    /// The rule field at fault: `expr`, `for`, `labels`, `annotations`, or `` for the group.
    pub field: &'static str,
    pub message: String,
    pub hint: String,
}

/// Range functions that need two samples in their window (the range functions
/// `promql/rate-window` checks).
const TWO_SAMPLE_FUNCS: &[&str] = &[
    "rate",
    "irate",
    "increase",
    "deriv",
    "delta",
    "idelta",
    "predict_linear",
];

/// Labels an expression's result is known to carry.
#[derive(Debug, Clone, PartialEq)]
enum LabelSet {
    /// Exactly these labels (or a subset when a label is missing on a series).
    Exact(BTreeSet<String>),
    /// Whatever the selected series carry, except these.
    Open(BTreeSet<String>),
}

impl LabelSet {
    fn none() -> Self {
        LabelSet::Exact(BTreeSet::new())
    }
    fn any() -> Self {
        LabelSet::Open(BTreeSet::new())
    }
    fn has(&self, l: &str) -> bool {
        match self {
            LabelSet::Exact(s) => s.contains(l),
            LabelSet::Open(removed) => !removed.contains(l),
        }
    }
    fn remove(self, l: &str) -> Self {
        match self {
            LabelSet::Exact(mut s) => {
                s.remove(l);
                LabelSet::Exact(s)
            }
            LabelSet::Open(mut r) => {
                r.insert(l.to_string());
                LabelSet::Open(r)
            }
        }
    }
    fn add(self, l: &str) -> Self {
        match self {
            LabelSet::Exact(mut s) => {
                s.insert(l.to_string());
                LabelSet::Exact(s)
            }
            LabelSet::Open(mut r) => {
                r.remove(l);
                LabelSet::Open(r)
            }
        }
    }
    /// Labels certain to be present on both sides (for `or`).
    fn intersect(self, other: LabelSet) -> Self {
        match (self, other) {
            (LabelSet::Exact(a), LabelSet::Exact(b)) => {
                LabelSet::Exact(a.intersection(&b).cloned().collect())
            }
            (LabelSet::Exact(a), LabelSet::Open(r)) | (LabelSet::Open(r), LabelSet::Exact(a)) => {
                LabelSet::Exact(a.into_iter().filter(|l| !r.contains(l)).collect())
            }
            (LabelSet::Open(a), LabelSet::Open(b)) => {
                LabelSet::Open(a.union(&b).cloned().collect())
            }
        }
    }
}

/// The labels of an expression's result.
fn labels_of(e: &Expr) -> LabelSet {
    match e {
        Expr::VectorSelector(_) | Expr::MatrixSelector(_) => LabelSet::any(),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => LabelSet::none(),
        Expr::Paren(p) => labels_of(&p.expr),
        Expr::Unary(u) => labels_of(&u.expr),
        Expr::Subquery(s) => labels_of(&s.expr),
        Expr::Aggregate(a) => aggregate_labels(a),
        Expr::Call(c) => call_labels(c),
        Expr::Binary(b) => binary_labels(b),
        Expr::Extension(_) => LabelSet::any(),
    }
}

/// `by (...)` keeps the listed labels the input has, `without (...)` removes them;
/// `count_values` adds its label, `topk` & co keep the input's labels.
fn aggregate_labels(a: &AggregateExpr) -> LabelSet {
    let inner = labels_of(&a.expr);
    let op = a.op.to_string();
    let base = match &a.modifier {
        Some(m) if m.is_include() => {
            let keep: BTreeSet<String> = m
                .labels()
                .labels
                .iter()
                .filter(|l| inner.has(l))
                .cloned()
                .collect();
            LabelSet::Exact(keep)
        }
        Some(m) => m.labels().labels.iter().fold(inner, |s, l| s.remove(l)),
        None => LabelSet::none(),
    };
    if op == "count_values" {
        if let Some(Expr::StringLiteral(s)) = a.param.as_deref() {
            return base.add(&s.val);
        }
    }
    if matches!(op.as_str(), "topk" | "bottomk" | "limitk" | "limit_ratio") {
        return labels_of(&a.expr);
    }
    base
}

fn call_labels(c: &Call) -> LabelSet {
    let args = &c.args.args;
    match c.func.name {
        "vector" | "time" | "scalar" | "pi" => LabelSet::none(),
        "absent" | "absent_over_time" => absent_labels(args.first().map(|a| a.as_ref())),
        "histogram_quantile" => args
            .get(1)
            .map(|a| labels_of(a).remove("le"))
            .unwrap_or(LabelSet::none()),
        "label_replace" => {
            let base = args
                .first()
                .map(|a| labels_of(a))
                .unwrap_or(LabelSet::none());
            match args.get(1).map(|a| a.as_ref()) {
                Some(Expr::StringLiteral(s)) => base.add(&s.val),
                _ => base,
            }
        }
        _ => args
            .iter()
            .find(|a| !matches!(a.as_ref(), Expr::NumberLiteral(_) | Expr::StringLiteral(_)))
            .map(|a| labels_of(a))
            .unwrap_or(LabelSet::none()),
    }
}

/// `absent(x{a="b"})` returns one series with the labels of its equality matchers.
fn absent_labels(arg: Option<&Expr>) -> LabelSet {
    let vs = match arg {
        Some(Expr::VectorSelector(v)) => Some(v),
        Some(Expr::MatrixSelector(m)) => Some(&m.vs),
        _ => None,
    };
    let mut s = BTreeSet::new();
    for m in vs.iter().flat_map(|vs| &vs.matchers.matchers) {
        if matches!(m.op, promql_parser::label::MatchOp::Equal) && m.name != "__name__" {
            s.insert(m.name.clone());
        }
    }
    LabelSet::Exact(s)
}

fn binary_labels(b: &BinaryExpr) -> LabelSet {
    let l = labels_of(&b.lhs);
    let r = labels_of(&b.rhs);
    let scalar = |e: &Expr| {
        matches!(e, Expr::NumberLiteral(_)) || matches!(e, Expr::Call(c) if c.func.name == "scalar")
    };
    if scalar(&b.lhs) {
        return r;
    }
    if scalar(&b.rhs) {
        return l;
    }
    match b.op.to_string().as_str() {
        "or" => l.intersect(r),
        // One-to-one and many-to-one keep the left side's labels; `on(...)` with
        // group_left/right adds the included labels (kept simple: left side).
        _ => l,
    }
}

pub(crate) fn walk<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match e {
        Expr::Aggregate(a) => {
            walk(&a.expr, f);
            if let Some(p) = &a.param {
                walk(p, f);
            }
        }
        Expr::Unary(u) => walk(&u.expr, f),
        Expr::Binary(b) => {
            walk(&b.lhs, f);
            walk(&b.rhs, f);
        }
        Expr::Paren(p) => walk(&p.expr, f),
        Expr::Subquery(s) => walk(&s.expr, f),
        Expr::Call(c) => {
            for a in &c.args.args {
                walk(a, f);
            }
        }
        _ => {}
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        _ => e,
    }
}

/// Does the alert expression filter (so that it only returns series when firing)?
fn filters(e: &Expr) -> bool {
    match strip_parens(e) {
        Expr::Binary(b) => {
            let op = b.op.to_string();
            let ret_bool = b.modifier.as_ref().is_some_and(|m| m.return_bool);
            if b.op.is_comparison_operator() {
                !ret_bool
            } else if op == "or" {
                filters(&b.lhs) && filters(&b.rhs)
            } else if op == "and" || op == "unless" {
                filters(&b.lhs) || (op == "and" && filters(&b.rhs))
            } else {
                false
            }
        }
        Expr::Call(c) => matches!(c.func.name, "absent" | "absent_over_time"),
        _ => false,
    }
}

/// `{{ $labels.x }}` / `{{ .Labels.x }}` references in a template.
fn template_labels(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pat in ["$labels.", ".Labels."] {
        let mut rest = t;
        while let Some(i) = rest.find(pat) {
            let after = &rest[i + pat.len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
            rest = after;
        }
    }
    out
}

fn ms(d: &std::time::Duration) -> u64 {
    d.as_millis() as u64
}

/// Run every check on the groups. `scrape_ms` is the scrape interval of the targets.
pub fn check_groups(groups: &[RuleGroup], scrape_ms: u64) -> Vec<Finding> {
    let mut out = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        if g.rules.len() > 20 {
            out.push(Finding {
                code: &codes::RULES_GROUP_SIZE,
                severity: Severity::Warning,
                group: gi,
                rule: 0,
                field: "",
                message: format!(
                    "group `{}` holds {} rules (more than 20): one slow rule delays all of them",
                    g.name,
                    g.rules.len()
                ),
                hint: "split the group by domain".into(),
            });
        }
        for (ri, r) in g.rules.iter().enumerate() {
            check_rule(r, gi, ri, scrape_ms, &mut out);
        }
    }
    out
}

/// One rule being checked: where it is, the rule and its parsed expression, and where
/// findings go.
struct RuleAt<'a> {
    group: usize,
    rule: usize,
    r: &'a Rule,
    /// The alert or record name.
    name: String,
    expr: &'a Expr,
    scrape_ms: u64,
    out: &'a mut Vec<Finding>,
}

impl<'a> RuleAt<'a> {
    fn push(
        &mut self,
        code: &'static Check,
        severity: Severity,
        field: &'static str,
        message: String,
        hint: impl Into<String>,
    ) {
        self.out.push(Finding {
            code,
            severity,
            group: self.group,
            rule: self.rule,
            field,
            message,
            hint: hint.into(),
        });
    }

    /// The alert's name; `None` for a recording rule.
    fn alert(&self) -> Option<&'a str> {
        self.r.alert.as_deref()
    }

    /// The `severity` label.
    fn severity(&self) -> Option<&'a str> {
        self.r.labels.get("severity").map(String::as_str)
    }

    /// Severity `none` is the always-firing Watchdog (`vector(1)`).
    fn is_watchdog(&self) -> bool {
        self.severity() == Some("none")
    }
}

/// One check of a rule whose expression parses.
type RuleCheck = fn(&mut RuleAt<'_>);

/// Every check of a rule whose expression parses, in the order they report. The checks
/// of alerts return at once on a recording rule.
const RULE_CHECKS: &[RuleCheck] = &[
    each_call,
    value_in_labels,
    template_labels_survive,
    for_duration,
    comparison,
    severity_label,
    annotations,
];

/// One check of a function call of the expression.
type CallCheck = for<'a> fn(&mut RuleAt<'a>, &'a Call);

/// Every check of one function call of the expression, in the order they report.
const CALL_CHECKS: &[CallCheck] = &[range_window, rate_of_sum, histogram_quantile_le];

/// `promql/parse-error`, else [`RULE_CHECKS`].
fn check_rule(r: &Rule, gi: usize, ri: usize, scrape_ms: u64, out: &mut Vec<Finding>) {
    let name = r
        .alert
        .clone()
        .or_else(|| r.record.clone())
        .unwrap_or_default();
    let expr = match parser::parse(&r.expr) {
        Ok(e) => e,
        Err(e) => {
            out.push(Finding {
                code: &codes::PROMQL_PARSE_ERROR,
                severity: Severity::Error,
                group: gi,
                rule: ri,
                field: "expr",
                message: format!("`{name}`: the expression does not parse: {e}"),
                hint: "check parentheses, durations and quotes".into(),
            });
            return;
        }
    };
    let mut at = RuleAt {
        group: gi,
        rule: ri,
        r,
        name,
        expr: &expr,
        scrape_ms,
        out,
    };
    for check in RULE_CHECKS {
        check(&mut at);
    }
}

/// Runs [`CALL_CHECKS`] on every function call of the expression.
fn each_call(at: &mut RuleAt<'_>) {
    let mut calls = Vec::new();
    walk(at.expr, &mut |e| {
        if let Expr::Call(c) = e {
            calls.push(c);
        }
    });
    for c in calls {
        for check in CALL_CHECKS {
            check(at, c);
        }
    }
}

/// The range of a range-vector argument (a matrix selector or a subquery).
fn range_of(a: &Expr) -> Option<u64> {
    match a {
        Expr::MatrixSelector(m) => Some(ms(&m.range)),
        Expr::Subquery(s) => Some(ms(&s.range)),
        _ => None,
    }
}

/// `promql/rate-window`: a window shorter than two scrapes returns nothing whenever a
/// scrape is late.
fn range_window<'a>(at: &mut RuleAt<'a>, c: &'a Call) {
    if !TWO_SAMPLE_FUNCS.contains(&c.func.name) {
        return;
    }
    let scrape_ms = at.scrape_ms;
    for range in c.args.args.iter().filter_map(|a| range_of(a)) {
        if range < 2 * scrape_ms {
            let msg = format!("`{}`: {}() over {} is shorter than 2x the scrape interval ({}): it returns nothing whenever a scrape is late", at.name, c.func.name, duration::format(range), duration::format(scrape_ms));
            let hint = format!(
                "use a window of at least {} (4x the scrape interval is safer)",
                duration::format(2 * scrape_ms)
            );
            at.push(
                &codes::PROMQL_RATE_WINDOW,
                Severity::Error,
                "expr",
                msg,
                hint,
            );
        }
    }
}

/// `promql/rate-of-sum`: rate(sum(...)) is impossible in PromQL; the subquery form is
/// the trap.
fn rate_of_sum<'a>(at: &mut RuleAt<'a>, c: &'a Call) {
    if !matches!(c.func.name, "rate" | "increase" | "irate") {
        return;
    }
    for a in &c.args.args {
        if let Expr::Subquery(s) = a.as_ref() {
            if matches!(strip_parens(&s.expr), Expr::Aggregate(_)) {
                let msg = format!("`{}`: {}() of an aggregation: a counter reset on one series looks like a huge drop of the sum", at.name, c.func.name);
                let hint = "aggregate after the rate: sum(rate(x[5m]))";
                at.push(
                    &codes::PROMQL_RATE_OF_SUM,
                    Severity::Error,
                    "expr",
                    msg,
                    hint,
                );
            }
        }
    }
}

/// `promql/histogram-quantile-le`: the input keeps the `le` label.
fn histogram_quantile_le<'a>(at: &mut RuleAt<'a>, c: &'a Call) {
    if c.func.name != "histogram_quantile" {
        return;
    }
    let Some(inner) = c.args.args.get(1) else {
        return;
    };
    if !labels_of(inner).has("le") {
        let msg = format!("`{}`: histogram_quantile's input loses the `le` label, so every bucket collapses into one", at.name);
        let hint = "keep le in the aggregation: sum by (le, ...) (rate(x_bucket[5m]))";
        at.push(
            &codes::PROMQL_HISTOGRAM_QUANTILE_LE,
            Severity::Error,
            "expr",
            msg,
            hint,
        );
    }
}

/// `alert/value-in-labels`: a query value in a label makes a new alert every evaluation.
fn value_in_labels(at: &mut RuleAt<'_>) {
    let Some(alert) = at.alert() else { return };
    for (k, v) in &at.r.labels {
        if v.contains("$value") || v.contains(".Value") {
            let msg = format!("`{alert}`: label `{k}` contains the query value: each evaluation is a new alert, so `for` never completes and notifications repeat");
            let hint = "move the value to an annotation (description)";
            at.push(
                &codes::ALERT_VALUE_IN_LABELS,
                Severity::Error,
                "labels",
                msg,
                hint,
            );
        }
    }
}

/// `alert/template-labels`: labels the templates use survive the aggregation.
fn template_labels_survive(at: &mut RuleAt<'_>) {
    let Some(alert) = at.alert() else { return };
    let set = labels_of(at.expr);
    let mut seen = BTreeSet::new();
    let r = at.r;
    for (field, text) in r.annotations.iter().chain(r.labels.iter()) {
        for l in template_labels(text) {
            if !set.has(&l) && seen.insert(l.clone()) {
                at.push(
                    &codes::ALERT_TEMPLATE_LABELS,
                    Severity::Error,
                    "annotations",
                    format!("`{alert}`: `{field}` uses $labels.{l}, but the expression's result has no `{l}` label: the text would show an empty value"),
                    format!("keep `{l}` in the aggregation (by ({l}, ...)) or stop using it in the template"),
                );
            }
        }
    }
}

/// `alert/absent-for`: an absent-style alert waits at least two scrapes (the Watchdog
/// fires at once); else `alert/missing-for`: an alert without `for` flaps.
fn for_duration(at: &mut RuleAt<'_>) {
    let Some(alert) = at.alert() else { return };
    let mut absent_style = false;
    walk(at.expr, &mut |e| {
        if let Expr::Call(c) = e {
            if matches!(c.func.name, "absent" | "absent_over_time" | "vector") {
                absent_style = true;
            }
        }
    });
    let for_ms =
        at.r.for_
            .as_deref()
            .and_then(|f| duration::parse(f).ok())
            .unwrap_or(0);
    let scrape_ms = at.scrape_ms;
    if absent_style && !at.is_watchdog() && for_ms < 2 * scrape_ms {
        let msg = format!("`{alert}` fires on missing series but waits only {}: it fires after every restart or late scrape", duration::format(for_ms));
        let hint = format!(
            "set `for` to at least {} (2x the scrape interval)",
            duration::format(2 * scrape_ms)
        );
        at.push(&codes::ALERT_ABSENT_FOR, Severity::Error, "for", msg, hint);
    } else if at.r.for_.is_none() && !at.is_watchdog() {
        let msg = format!("`{alert}` has no `for`: a single evaluation fires it, so it flaps");
        let hint = "add for: 5m (or what the SLO tolerates)";
        at.push(
            &codes::ALERT_MISSING_FOR,
            Severity::Warning,
            "for",
            msg,
            hint,
        );
    }
}

/// `alert/no-comparison`: the expression only returns series when the alert fires.
fn comparison(at: &mut RuleAt<'_>) {
    let Some(alert) = at.alert() else { return };
    if filters(at.expr) || at.is_watchdog() {
        return;
    }
    let msg = format!(
        "`{alert}`: the expression has no comparison, so it fires for every series it returns"
    );
    let hint = "end the expression with a threshold, e.g. `> 0.05`";
    at.push(
        &codes::ALERT_NO_COMPARISON,
        Severity::Error,
        "expr",
        msg,
        hint,
    );
}

/// `alert/metadata`: the severity label is one Alertmanager routes on.
fn severity_label(at: &mut RuleAt<'_>) {
    let Some(alert) = at.alert() else { return };
    let shown = match at.severity() {
        Some("critical" | "warning" | "info" | "none") => return,
        Some(s) => format!("`{s}`"),
        None => "missing".into(),
    };
    let msg = format!("`{alert}`: severity label is {shown}, expected critical, warning or info");
    let hint = "Alertmanager routes on severity";
    at.push(&codes::ALERT_METADATA, Severity::Error, "labels", msg, hint);
}

/// `alert/metadata`: every alert carries summary, description and runbook_url.
fn annotations(at: &mut RuleAt<'_>) {
    let Some(alert) = at.alert() else { return };
    for a in ["summary", "description", "runbook_url"] {
        if !at.r.annotations.contains_key(a) {
            let msg = format!("`{alert}` has no `{a}` annotation");
            let hint = "every alert carries summary, description and runbook_url";
            at.push(
                &codes::ALERT_METADATA,
                Severity::Error,
                "annotations",
                msg,
                hint,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn alert(expr: &str, for_: Option<&str>, desc: &str) -> RuleGroup {
        let mut labels = BTreeMap::new();
        labels.insert("severity".to_string(), "warning".to_string());
        let mut ann = BTreeMap::new();
        ann.insert("summary".to_string(), "S.".to_string());
        ann.insert("description".to_string(), desc.to_string());
        ann.insert("runbook_url".to_string(), "https://x/y.md".to_string());
        RuleGroup {
            name: "g".into(),
            interval: None,
            limit: None,
            rules: vec![Rule {
                alert: Some("A".into()),
                expr: expr.into(),
                for_: for_.map(str::to_string),
                labels,
                annotations: ann,
                ..Default::default()
            }],
        }
    }

    fn codes(g: RuleGroup) -> Vec<&'static str> {
        check_groups(&[g], 30_000)
            .into_iter()
            .map(|f| f.code.id)
            .collect()
    }

    #[test]
    fn clean_alert_has_no_finding() {
        assert_eq!(
            codes(alert(
                "sum by (queue) (rate(x[2m])) > 1",
                Some("5m"),
                "{{ $labels.queue }}"
            )),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn rate_window_below_two_scrapes() {
        assert_eq!(
            codes(alert("rate(x[45s]) > 1", Some("5m"), "d")),
            vec!["promql/rate-window"]
        );
        assert_eq!(
            codes(alert("rate(x[1m]) > 1", Some("5m"), "d")),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn histogram_quantile_must_keep_le() {
        assert_eq!(
            codes(alert(
                "histogram_quantile(0.95, sum by (route) (rate(h_bucket[5m]))) > 1",
                Some("5m"),
                "d"
            )),
            vec!["promql/histogram-quantile-le"]
        );
        assert_eq!(
            codes(alert(
                "histogram_quantile(0.95, sum(rate(h_bucket[5m]))) > 1",
                Some("5m"),
                "d"
            )),
            vec!["promql/histogram-quantile-le"]
        );
        assert_eq!(
            codes(alert(
                "histogram_quantile(0.95, sum without (pod) (rate(h_bucket[5m]))) > 1",
                Some("5m"),
                "d"
            )),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn template_labels_must_survive_aggregation() {
        assert_eq!(
            codes(alert(
                "sum by (cluster) (rate(x[5m])) > 1",
                Some("5m"),
                "{{ $labels.queue }}"
            )),
            vec!["alert/template-labels"]
        );
        assert_eq!(
            codes(alert(
                "(sum(rate(x[5m])) or vector(0)) == 0",
                Some("5m"),
                "{{ $labels.cluster }}"
            )),
            vec!["alert/template-labels"]
        );
        assert_eq!(
            codes(alert(
                "histogram_quantile(0.9, sum by (le, route) (rate(h_bucket[5m]))) > 1",
                Some("5m"),
                "{{ $labels.route }}"
            )),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn value_in_labels_is_rejected() {
        let mut g = alert("x > 1", Some("5m"), "d");
        g.rules[0]
            .labels
            .insert("value".into(), "{{ $value }}".into());
        assert_eq!(codes(g), vec!["alert/value-in-labels"]);
    }

    #[test]
    fn absent_style_needs_for() {
        assert_eq!(
            codes(alert("absent(up{job=\"a\"})", None, "d")),
            vec!["alert/absent-for"]
        );
        assert_eq!(
            codes(alert("absent(up{job=\"a\"})", Some("30s"), "d")),
            vec!["alert/absent-for"]
        );
        assert_eq!(
            codes(alert("absent(up{job=\"a\"})", Some("2m"), "d")),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn comparison_is_required() {
        assert_eq!(
            codes(alert("sum(rate(x[5m]))", Some("5m"), "d")),
            vec!["alert/no-comparison"]
        );
        assert_eq!(
            codes(alert("sum(rate(x[5m])) > bool 1", Some("5m"), "d")),
            vec!["alert/no-comparison"]
        );
    }

    #[test]
    fn missing_for_warns() {
        assert_eq!(codes(alert("x > 1", None, "d")), vec!["alert/missing-for"]);
    }

    #[test]
    fn parse_error_is_reported() {
        assert_eq!(
            codes(alert("sum(rate(x[5m])", Some("5m"), "d")),
            vec!["promql/parse-error"]
        );
    }

    #[test]
    fn rate_of_sum_subquery() {
        assert_eq!(
            codes(alert("rate(sum(x)[5m:1m]) > 1", Some("5m"), "d")),
            vec!["promql/rate-of-sum"]
        );
    }

    #[test]
    fn metadata_is_required() {
        let mut g = alert("x > 1", Some("5m"), "d");
        g.rules[0].annotations.remove("runbook_url");
        g.rules[0].labels.insert("severity".into(), "page".into());
        assert_eq!(codes(g), vec!["alert/metadata", "alert/metadata"]);
    }

    #[test]
    fn large_group_warns() {
        let mut g = alert("x > 1", Some("5m"), "d");
        let r = g.rules[0].clone();
        g.rules = vec![r; 21];
        assert_eq!(codes(g).first(), Some(&"rules/group-size"));
    }
}
