//! Typed PromQL: the expressions luneo-obs generates, built as data and printed once.
//!
//! The rules, the SLOs, the health panel, the dashboards and the docs all take their
//! PromQL from these types: an alert is an [`AlertExpr`] (a value expression, and a
//! comparison with a threshold in the metric's unit), so nothing ever cuts a printed
//! expression apart again. A small builder of our own rather than promql-parser's AST:
//! it prints exactly the text the manifests hold, and it exists in the Grafana panel's
//! build, which leaves the parser out.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::fmt_num;

/// A label matcher of a selector.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// `label="value"`
    Eq(String, String),
    /// `label=~"regex"` (the regex as it is written between the quotes).
    Re(String, String),
    /// Matchers as the definitions write them (a contract selector's inside).
    Raw(String),
}

/// One PromQL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `metric{matchers}`
    Selector {
        metric: String,
        matchers: Vec<Matcher>,
    },
    /// `expr[window]`
    Range(Box<Expr>, String),
    /// `func(args, ...)`
    Call(&'static str, Vec<Expr>),
    /// `op by (labels) (expr)`, or `op(expr)` without grouping.
    Aggregate {
        op: &'static str,
        by: Option<Vec<String>>,
        expr: Box<Expr>,
    },
    /// `lhs op rhs`
    Binary(Box<Expr>, &'static str, Box<Expr>),
    /// `(expr)`
    Paren(Box<Expr>),
    Number(f64),
    /// An expression the user wrote (`slo: custom`).
    Raw(String),
}

impl Expr {
    pub fn selector(metric: &str, matchers: Vec<Matcher>) -> Expr {
        Expr::Selector {
            metric: metric.to_string(),
            matchers,
        }
    }

    pub fn range(self, window: &str) -> Expr {
        Expr::Range(Box::new(self), window.to_string())
    }

    pub fn call(func: &'static str, args: Vec<Expr>) -> Expr {
        Expr::Call(func, args)
    }

    pub fn aggregate(op: &'static str, by: Option<Vec<String>>, expr: Expr) -> Expr {
        Expr::Aggregate {
            op,
            by,
            expr: Box::new(expr),
        }
    }

    pub fn binary(self, op: &'static str, rhs: Expr) -> Expr {
        Expr::Binary(Box::new(self), op, Box::new(rhs))
    }

    pub fn paren(self) -> Expr {
        Expr::Paren(Box::new(self))
    }

    /// The expression with every matcher on `label` removed (a panel query over every
    /// queue) or replaced by `label=~"regex"`.
    #[must_use]
    pub fn with_matcher(&self, label: &str, regex: Option<&str>) -> Expr {
        match self {
            Expr::Selector { metric, matchers } => Expr::Selector {
                metric: metric.clone(),
                matchers: matchers
                    .iter()
                    .filter_map(|m| match m {
                        Matcher::Eq(l, _) | Matcher::Re(l, _) if l == label => {
                            regex.map(|r| Matcher::Re(l.clone(), r.to_string()))
                        }
                        other => Some(other.clone()),
                    })
                    .collect(),
            },
            Expr::Range(e, w) => Expr::Range(Box::new(e.with_matcher(label, regex)), w.clone()),
            Expr::Call(f, args) => Expr::Call(
                f,
                args.iter().map(|a| a.with_matcher(label, regex)).collect(),
            ),
            Expr::Aggregate { op, by, expr } => Expr::Aggregate {
                op,
                by: by.clone(),
                expr: Box::new(expr.with_matcher(label, regex)),
            },
            Expr::Binary(l, op, r) => Expr::Binary(
                Box::new(l.with_matcher(label, regex)),
                op,
                Box::new(r.with_matcher(label, regex)),
            ),
            Expr::Paren(e) => Expr::Paren(Box::new(e.with_matcher(label, regex))),
            Expr::Number(_) | Expr::Raw(_) => self.clone(),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Eq(l, v) => write!(f, "{l}=\"{v}\""),
            Matcher::Re(l, v) => write!(f, "{l}=~\"{v}\""),
            Matcher::Raw(s) => f.write_str(s),
        }
    }
}

fn join<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{x}")?;
    }
    Ok(())
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Selector { metric, matchers } if matchers.is_empty() => f.write_str(metric),
            Expr::Selector { metric, matchers } => {
                write!(f, "{metric}{{")?;
                join(f, matchers, ", ")?;
                f.write_str("}")
            }
            Expr::Range(e, w) => write!(f, "{e}[{w}]"),
            Expr::Call(func, args) => {
                write!(f, "{func}(")?;
                join(f, args, ", ")?;
                f.write_str(")")
            }
            Expr::Aggregate { op, by: None, expr } => write!(f, "{op}({expr})"),
            Expr::Aggregate {
                op,
                by: Some(by),
                expr,
            } => write!(f, "{op} by ({}) ({expr})", by.join(", ")),
            Expr::Binary(l, op, r) => write!(f, "{l} {op} {r}"),
            Expr::Paren(e) => write!(f, "({e})"),
            Expr::Number(v) => f.write_str(&fmt_num(*v)),
            Expr::Raw(s) => f.write_str(s),
        }
    }
}

/// How an alert compares its value with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "==")]
    Equal,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Above => ">",
            Comparison::Equal => "==",
        }
    }

    /// Whether `v` meets the alert condition (NaN never does, as in PromQL).
    pub fn breached(self, v: f64, threshold: f64) -> bool {
        match self {
            Comparison::Above => v > threshold,
            Comparison::Equal => v == threshold,
        }
    }
}

/// An alert's expression as data: what it computes, the condition that fires it, and
/// the guards that must hold as well.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertExpr {
    /// The value the alert watches (what a panel plots), in the metric's unit.
    pub value: Expr,
    /// The comparison and threshold (in the value's unit); `None` for a custom alert
    /// without threshold, which fires whenever its expression returns a sample.
    pub condition: Option<(Comparison, f64)>,
    /// Further conditions, joined with `and on(<labels>)`: the alert holds only where
    /// each guard returns a sample with the same values of those labels.
    pub guards: Vec<Guard>,
}

/// What a guard makes sure of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardKind {
    /// The condition also holds over a short recent window, so it stops holding soon
    /// after a burst ends: a burst shorter than `for` minus that window never fires.
    Confirm,
    /// Enough requests (or errors) were seen for the ratio to mean something.
    MinTraffic,
    /// No progress: the alert holds only where the guard returns nothing (`unless`).
    NoProgress,
}

impl GuardKind {
    /// How the guard joins the condition: `and` (it must hold too) or `unless` (it must
    /// not).
    pub fn op(self) -> &'static str {
        match self {
            GuardKind::Confirm | GuardKind::MinTraffic => "and",
            GuardKind::NoProgress => "unless",
        }
    }
}

/// A condition an alert needs besides its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub kind: GuardKind,
    /// Labels the guard's samples are matched on (the value's labels; empty: any sample).
    pub on: Vec<String>,
    /// The whole condition (`... > 0.05`, `... >= 10`).
    pub expr: Expr,
}

impl fmt::Display for AlertExpr {
    /// The `expr` of the alerting rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.condition {
            Some((cmp, thr)) => write!(f, "{} {} {}", self.value, cmp.as_str(), fmt_num(thr))?,
            None => write!(f, "{}", self.value)?,
        }
        for g in &self.guards {
            write!(f, " {}", g.clause())?;
        }
        Ok(())
    }
}

impl Guard {
    /// `and on(labels) expr`, as the rule writes it after the condition.
    pub fn clause(&self) -> String {
        format!(
            "{} on({}) {}",
            self.kind.op(),
            self.on.join(", "),
            self.expr
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn prints_promql() {
        let sel = Expr::selector(
            "http_count",
            vec![
                Matcher::Raw("job=\"api\"".into()),
                Matcher::Re("status".into(), "5..".into()),
            ],
        );
        let e = Expr::aggregate(
            "sum",
            Some(vec!["cluster".into(), "route".into()]),
            Expr::call("rate", vec![sel.range("5m")]),
        );
        assert_eq!(
            e.to_string(),
            "sum by (cluster, route) (rate(http_count{job=\"api\", status=~\"5..\"}[5m]))"
        );
        let a = AlertExpr {
            value: e.clone().binary("*", Expr::Number(60.0)),
            condition: Some((Comparison::Above, 0.25)),
            guards: vec![Guard {
                kind: GuardKind::MinTraffic,
                on: vec!["cluster".into()],
                expr: Expr::selector("n", vec![]).binary(">=", Expr::Number(10.0)),
            }],
        };
        assert!(a
            .to_string()
            .ends_with(") * 60 > 0.25 and on(cluster) n >= 10"));
        let none = Expr::aggregate("sum", None, Expr::selector("up", vec![]));
        assert_eq!(none.to_string(), "sum(up)");
    }

    #[test]
    fn replaces_or_drops_a_matcher_everywhere() {
        let q = Expr::selector(
            "jobs",
            vec![
                Matcher::Eq("state".into(), "waiting".into()),
                Matcher::Re("queue".into(), "a|b".into()),
            ],
        );
        let e = Expr::aggregate("max", None, q.range("5m")).paren();
        assert_eq!(
            e.with_matcher("queue", None).to_string(),
            "(max(jobs{state=\"waiting\"}[5m]))"
        );
        assert_eq!(
            e.with_matcher("queue", Some("c")).to_string(),
            "(max(jobs{state=\"waiting\", queue=~\"c\"}[5m]))"
        );
    }
}
