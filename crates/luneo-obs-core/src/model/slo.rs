//! Service-level objectives (`spec.slos`): an objective over a window, an SLI, and the
//! multi-window multi-burn-rate alert tiers derived from them (SRE workbook, chapter 5).
//!
//! The burn-rate arithmetic lives here, next to the data it reads, so that the rules, the
//! docs, `explain` and the health panel compute the same windows and factors.

use serde::{Deserialize, Serialize};

use crate::model::duration;
use crate::model::{Duration, Threshold};

/// The SLO windows the format accepts (the workbook's 30 days, Pyrra's 4 weeks, a week).
pub const WINDOWS: &[&str] = &["30d", "28d", "7d"];
/// The window of an SLO that names none.
pub const DEFAULT_WINDOW: &str = "30d";
/// Groups of a grouped SLO when `maxGroups` is not written.
pub const DEFAULT_MAX_GROUPS: u64 = 20;

/// One objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Slo {
    /// Name, kebab-case (`api-availability`): the `slo` label of its rules and alerts; the
    /// burn-rate alert is named after it (`ApiAvailabilityBudgetBurn`).
    pub name: String,
    /// What the objective promises, in one sentence.
    pub description: String,
    /// Share of good events promised over the window, in percent (`99.5`). The error
    /// budget is the rest (0.5 %).
    pub objective: f64,
    /// The SLO window: `30d` (default), `28d` or `7d`.
    #[serde(default = "default_window")]
    pub window: Duration,
    /// How good and bad events are counted.
    pub sli: Sli,
    /// One SLO per value of this label (`route`, `queue`): the rules keep it, the
    /// alerts fire per group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    /// Most groups a grouped SLO may produce (default 20): the rule group's `limit`, so a
    /// label that explodes (raw URLs in `route`) fails the group, which
    /// `spec.notifications.ruleFailures` reports, instead of flooding Prometheus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_groups: Option<u64>,
    /// Low-traffic guard: a burn-rate condition holds only when its long window saw at
    /// least this many events (per group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_events: Option<u64>,
    /// Alert tiers: `page` (critical: 2 % of the budget in 1h, 5 % in 6h) and `ticket`
    /// (warning: 10 % in 1d, 10 % in 3d). Default both; `[]` records without alerting.
    #[serde(default = "default_tiers")]
    pub tiers: Vec<Tier>,
    /// Clusters (by name) the SLO's rules and alerts are deployed to.
    pub clusters: Vec<String>,
}

/// The service-level indicator: exactly one of `ratio` and `latency` (a plain mapping
/// rather than a tagged enum, so the definitions round-trip through any YAML writer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sli {
    /// Bad (or good) events over all events, from counters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<RatioSli>,
    /// Events at or under a threshold over all events, from a histogram's `le` bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySli>,
}

/// The kind of an SLI, to match on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SliKind<'a> {
    Ratio(&'a RatioSli),
    Latency(&'a LatencySli),
    /// Neither kind written (the lint reports it).
    Missing,
}

impl Sli {
    /// The SLI's kind (`ratio` when both are written: the lint reports it).
    pub fn kind(&self) -> SliKind<'_> {
        match (&self.ratio, &self.latency) {
            (Some(r), _) => SliKind::Ratio(r),
            (None, Some(l)) => SliKind::Latency(l),
            (None, None) => SliKind::Missing,
        }
    }
}

/// Counters of a ratio SLI, each a PromQL vector selector (`metric{matchers}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RatioSli {
    /// Bad events, e.g. `http_request_duration_seconds_count{job="luneo-api", status_code=~"5.."}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<String>,
    /// Good events (instead of `errors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<String>,
    /// All events, e.g. `http_request_duration_seconds_count{job="luneo-api"}`.
    pub total: String,
}

/// A latency SLI on one of the contract's histograms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LatencySli {
    /// `http` (`spec.metrics.http`, the API's requests) or `jobDuration`
    /// (`spec.metrics.queues.jobDuration`, the jobs' processing time).
    pub histogram: SliHistogram,
    /// Good events are those at or under this; it must be one of the histogram's declared
    /// buckets (`1` and `1.0` are the same bucket).
    pub threshold: Threshold,
    /// `jobDuration` only: the queues (short names) counted; default every queue the
    /// workers report (a grouped SLO is then capped by `maxGroups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queues: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum SliHistogram {
    Http,
    JobDuration,
}

/// An alert tier of an SLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Critical: wakes someone up (the budget burns fast).
    Page,
    /// Warning: a ticket for working hours (the budget burns slowly).
    Ticket,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Page => "page",
            Tier::Ticket => "ticket",
        }
    }
}

fn default_window() -> Duration {
    Duration::new(DEFAULT_WINDOW)
}

fn default_tiers() -> Vec<Tier> {
    vec![Tier::Page, Tier::Ticket]
}

/// One condition of a tier: the burn rate exceeds `factor` over both windows.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnCondition {
    pub tier: Tier,
    /// Long window (`1h`), which decides how much budget was spent.
    pub long: String,
    /// Short window (1/12 of the long one, `5m`): the burning is still going on.
    pub short: String,
    /// Share of the window's budget spent when the condition starts to hold.
    pub budget_fraction: f64,
    /// Burn rate: `budget_fraction * window / long` (14.4 for 2 % in 1h of 30 days).
    pub factor: f64,
    /// How long the condition must hold before the alert fires.
    pub for_: &'static str,
}

/// The workbook's four conditions: (tier, long, short, budget fraction, `for`).
const CONDITIONS: &[(Tier, &str, &str, f64, &str)] = &[
    (Tier::Page, "1h", "5m", 0.02, "2m"),
    (Tier::Page, "6h", "30m", 0.05, "2m"),
    (Tier::Ticket, "1d", "2h", 0.10, "15m"),
    (Tier::Ticket, "3d", "6h", 0.10, "15m"),
];

/// `v` rounded to 10 significant decimals: `100 - 99.9` is 0.1, not 0.09999999999999432.
pub fn round_decimal(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(9 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

impl Slo {
    /// The error budget as a ratio (`0.005` for 99.5 %).
    pub fn budget(&self) -> f64 {
        round_decimal((100.0 - self.objective) / 100.0)
    }

    /// The objective as a ratio (`0.995`).
    pub fn objective_ratio(&self) -> f64 {
        round_decimal(self.objective / 100.0)
    }

    /// The window in milliseconds (30 days when it does not parse: the lint reports it).
    pub fn window_ms(&self) -> u64 {
        self.window.parsed().unwrap_or(30 * 86_400_000)
    }

    /// The groups' cap: `maxGroups`, default [`DEFAULT_MAX_GROUPS`]; `None` when ungrouped.
    pub fn group_limit(&self) -> Option<u64> {
        self.group_by
            .as_ref()
            .map(|_| self.max_groups.unwrap_or(DEFAULT_MAX_GROUPS))
    }

    /// The burn-rate conditions of the selected tiers, factors scaled to the window: the
    /// budget fractions stay the workbook's, `factor = fraction * window / long`.
    pub fn conditions(&self) -> Vec<BurnCondition> {
        let window = self.window_ms() as f64;
        CONDITIONS
            .iter()
            .filter(|(tier, ..)| self.tiers.contains(tier))
            .map(|&(tier, long, short, fraction, for_)| {
                let long_ms = duration::parse(long).unwrap_or(1) as f64;
                BurnCondition {
                    tier,
                    long: long.to_string(),
                    short: short.to_string(),
                    budget_fraction: fraction,
                    factor: round_decimal((fraction * window / long_ms * 1e4).round() / 1e4),
                    for_,
                }
            })
            .collect()
    }

    /// Every window an SLI ratio is recorded over, shortest first: the alert windows and
    /// `5m` (the current burn rate).
    pub fn rate_windows(&self) -> Vec<String> {
        let mut ms: Vec<u64> = vec![300_000];
        for c in self.conditions() {
            for w in [&c.long, &c.short] {
                ms.push(duration::parse(w).unwrap_or(300_000));
            }
        }
        ms.sort_unstable();
        ms.dedup();
        ms.into_iter().map(duration::format).collect()
    }

    /// The burn-rate alert's name: `api-availability` -> `ApiAvailabilityBudgetBurn`.
    pub fn alert_name(&self) -> String {
        let mut out = String::new();
        for part in self.name.split(['-', '_']).filter(|p| !p.is_empty()) {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        }
        out.push_str("BudgetBurn");
        out
    }

    /// Budget of the window in minutes of total outage (`216` for 99.5 % over 30 days).
    pub fn budget_minutes(&self) -> f64 {
        round_decimal(self.budget() * self.window_ms() as f64 / 60_000.0)
    }
}

/// `metric{matchers}` split into the metric name and its selector (`{...}`, trimmed);
/// the selector is `None` when the text has no braces.
pub fn split_selector(s: &str) -> (&str, Option<&str>) {
    let s = s.trim();
    match s.find('{') {
        Some(i) => (s[..i].trim(), Some(s[i..].trim())),
        None => (s, None),
    }
}

/// The declared bucket boundary equal to `v` (relative tolerance 1e-9), if any.
pub fn boundary(buckets: &[f64], v: f64) -> Option<f64> {
    buckets
        .iter()
        .copied()
        .find(|b| (b - v).abs() <= 1e-9 * v.abs().max(1.0))
}

/// The declared boundaries just below and just above `v`.
pub fn nearest_boundaries(buckets: &[f64], v: f64) -> (Option<f64>, Option<f64>) {
    let below = buckets.iter().copied().filter(|b| *b < v).reduce(f64::max);
    let above = buckets.iter().copied().filter(|b| *b > v).reduce(f64::min);
    (below, above)
}

/// The regex of the `le` label of boundary `b` as clients write it: an integral bound
/// is `1` (prom-client, client_golang) or `1.0` (client_python, Prometheus 3's
/// normalisation), so both match; dots are escaped (for a PromQL string).
pub fn le_regex(b: f64) -> String {
    let text = crate::model::fmt_num(b).replace('.', "\\\\.");
    if b.fract() == 0.0 {
        format!("{text}(\\\\.0)?")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn slo(objective: f64, window: &str) -> Slo {
        Slo {
            name: "api-availability".into(),
            description: String::new(),
            objective,
            window: Duration::new(window),
            sli: Sli {
                ratio: Some(RatioSli {
                    errors: Some("e".into()),
                    good: None,
                    total: "t".into(),
                }),
                latency: None,
            },
            group_by: None,
            max_groups: None,
            min_events: None,
            tiers: default_tiers(),
            clusters: vec![],
        }
    }

    fn factors(s: &Slo) -> Vec<f64> {
        s.conditions().iter().map(|c| c.factor).collect()
    }

    #[test]
    fn workbook_factors_for_thirty_days() {
        let s = slo(99.9, "30d");
        assert_eq!(factors(&s), vec![14.4, 6.0, 3.0, 1.0]);
        assert_eq!(s.budget(), 0.001);
        assert_eq!(s.objective_ratio(), 0.999);
        assert_eq!(s.budget_minutes(), 43.2);
        assert_eq!(
            s.rate_windows(),
            vec!["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
        );
        assert_eq!(s.alert_name(), "ApiAvailabilityBudgetBurn");
    }

    #[test]
    fn selectors_buckets_and_le() {
        assert_eq!(split_selector(" m{a=\"b\"} "), ("m", Some("{a=\"b\"}")));
        assert_eq!(split_selector("m"), ("m", None));
        let b = [0.25, 0.5, 1.0, 2.5];
        assert_eq!(boundary(&b, 1.0), Some(1.0));
        assert_eq!(boundary(&b, 0.6), None);
        assert_eq!(nearest_boundaries(&b, 0.6), (Some(0.5), Some(1.0)));
        assert_eq!(nearest_boundaries(&b, 3.0), (Some(2.5), None));
        assert_eq!(le_regex(1.0), "1(\\\\.0)?");
        assert_eq!(le_regex(0.6), "0\\\\.6");
    }

    #[test]
    fn factors_scale_with_the_window() {
        assert_eq!(factors(&slo(99.5, "28d")), vec![13.44, 5.6, 2.8, 0.9333]);
        assert_eq!(factors(&slo(99.5, "7d")), vec![3.36, 1.4, 0.7, 0.2333]);
        let mut page = slo(99.5, "30d");
        page.tiers = vec![Tier::Page];
        assert_eq!(page.rate_windows(), vec!["5m", "30m", "1h", "6h"]);
    }
}
