//! `luneo-slos` (Service level objectives): per SLO of the cluster, the error budget left
//! and the burn rate now, the SLI over time against its objective, the burn rate over
//! each alert window with the tiers' factors drawn, and the budget's burndown over the
//! SLO window (the dashboard's default range). Grouped SLOs show one series per group.
//! Every query reads the SLO's recorded series (`slo:*`, [`crate::generate::budgets`]).

use crate::generate::budgets::{self, CURRENT_BURN_RECORD, REMAINING_RECORD};
use crate::generate::grafana::{Panel, Target, Thresholds};
use crate::generate::rules;
use crate::model::slo::round_decimal;
use crate::model::{fmt_num, Slo, Tier};

use super::panels::{legend, sized, stat, timeseries, Cx, PanelText, STAT};

/// The panels of the SLO dashboard: five per SLO deployed to the cluster, in the order
/// of the definitions.
pub(super) fn panels(cx: &Cx<'_>) -> Vec<Panel> {
    cx.defs
        .spec
        .slos
        .iter()
        .filter(|o| o.clusters.contains(&cx.cluster.name))
        .flat_map(|o| slo_panels(cx, o))
        .collect()
}

/// `slo:...{slo="<name>"}` on the dashboard's cluster.
fn series(cx: &Cx<'_>, o: &Slo, record: &str) -> String {
    cx.sel
        .recorded(record, &[format!("{}=\"{}\"", budgets::SLO_LABEL, o.name)])
}

/// The legend of a series: its group, then `suffix`.
fn legend_of(o: &Slo, suffix: &str) -> String {
    match (&o.group_by, suffix.is_empty()) {
        (Some(g), true) => legend(g),
        (Some(g), false) => format!("{} {suffix}", legend(g)),
        (None, true) => o.name.clone(),
        (None, false) => suffix.to_string(),
    }
}

fn about(cx: &Cx<'_>, o: &Slo, what: &str) -> String {
    format!(
        "{what} SLO {}: {} ({} % over {}, budget {} % of events). Runbook: {}",
        o.name,
        o.description.trim_end_matches('.'),
        fmt_num(o.objective),
        o.window,
        fmt_num(round_decimal(o.budget() * 100.0)),
        rules::runbook_url(cx.defs, &o.alert_name())
    )
}

/// The tiers' factors as threshold steps: orange from each ticket factor, red from each
/// page factor.
fn tier_steps(o: &Slo) -> Vec<(&'static str, f64)> {
    let mut steps: Vec<(&'static str, f64)> = o
        .conditions()
        .iter()
        .map(|c| {
            let color = match c.tier {
                Tier::Page => "red",
                Tier::Ticket => "orange",
            };
            (color, c.factor)
        })
        .collect();
    steps.sort_by(|a, b| a.1.total_cmp(&b.1));
    steps.dedup_by(|a, b| a.1 == b.1);
    steps
}

fn with_thresholds(mut p: Panel, t: Thresholds, style: &'static str) -> Panel {
    p.field_config.defaults.thresholds = t;
    if let Some(crate::generate::grafana::Custom::Timeseries(c)) =
        &mut p.field_config.defaults.custom
    {
        c.thresholds_style.mode = style;
    }
    p
}

fn slo_panels(cx: &Cx<'_>, o: &Slo) -> Vec<Panel> {
    let budget = fmt_num(o.budget());
    let left_title = format!("{}: error budget left", o.name);
    let left = stat(
        PanelText {
            title: &left_title,
            description: about(cx, o, "Share of the window's error budget left (1 - period burn rate; below 0: the objective is missed) of the"),
            unit: "percentunit",
        },
        Some(1),
        None,
        vec![Target::range("A", series(cx, o, REMAINING_RECORD), &legend_of(o, ""))],
    );
    let left = with_thresholds(
        left,
        Thresholds::steps("red", &[("orange", 0.0), ("green", 0.25)]),
        "off",
    );
    let now_title = format!("{}: burn rate now", o.name);
    let now = with_thresholds(
        stat(
            PanelText {
                title: &now_title,
                description: about(cx, o, "Burn rate over the last 5 minutes (1 spends exactly the budget over the window; the tiers' factors colour it) of the"),
                unit: "none",
            },
            Some(2),
            None,
            vec![Target::range("A", series(cx, o, CURRENT_BURN_RECORD), &legend_of(o, ""))],
        ),
        Thresholds::steps("green", &tier_steps(o)),
        "off",
    );
    let sli_title = format!("{}: SLI over the last hour", o.name);
    let sli = with_thresholds(
        timeseries(
            PanelText {
                title: &sli_title,
                description: about(
                    cx,
                    o,
                    "Share of good events over the last hour, against the objective (line), of the",
                ),
                unit: "percentunit",
            },
            None,
            false,
            vec![Target::range(
                "A",
                format!("1 - {}", series(cx, o, &budgets::sli_record("1h"))),
                &legend_of(o, ""),
            )],
        ),
        Thresholds::steps("red", &[("green", o.objective_ratio())]),
        "line",
    );
    let windows_title = format!("{}: burn rate per alert window", o.name);
    let mut windows: Vec<String> = o.conditions().iter().map(|c| c.long.clone()).collect();
    windows.dedup();
    let targets = windows
        .iter()
        .zip('A'..)
        .map(|(w, id)| {
            Target::range(
                &id.to_string(),
                format!("{} / {budget}", series(cx, o, &budgets::sli_record(w))),
                &legend_of(o, w),
            )
        })
        .collect();
    let per_window = with_thresholds(
        timeseries(
            PanelText {
                title: &windows_title,
                description: about(cx, o, "Burn rate over the long window of each alert condition; the lines are the tiers' factors (orange: ticket, red: page) of the"),
                unit: "none",
            },
            None,
            true,
            targets,
        ),
        Thresholds::steps("green", &tier_steps(o)),
        "line",
    );
    let burndown_title = format!("{}: error budget burndown", o.name);
    let burndown = with_thresholds(
        timeseries(
            PanelText {
                title: &burndown_title,
                description: about(
                    cx,
                    o,
                    "Error budget left over time (1 untouched, 0 spent) of the",
                ),
                unit: "percentunit",
            },
            None,
            false,
            vec![Target::range(
                "A",
                series(cx, o, REMAINING_RECORD),
                &legend_of(o, ""),
            )],
        ),
        Thresholds::steps("red", &[("green", 0.0)]),
        "line",
    );
    vec![
        sized(left, STAT),
        sized(now, STAT),
        sized(sli, (12, 5)),
        per_window,
        burndown,
    ]
}
