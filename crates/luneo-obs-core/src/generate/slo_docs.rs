//! The SLOs in the operators' pages (French): the rows of a burn-rate alert's runbook and
//! of the alert table, one per tier, and the SLO table of the observability page. The
//! page assembly (markers, receivers, per-cluster expressions) stays in
//! [`crate::generate::docs`].

use crate::generate::budgets;
use crate::load::Loaded;
use crate::model::slo::{round_decimal, BurnCondition};
use crate::model::{fmt_num, SliHistogram, SliKind, Slo, Tier};

/// The SLO whose burn-rate alert is `alert`.
pub fn slo_of_alert<'a>(l: &'a Loaded, alert: &str) -> Option<&'a Slo> {
    l.defs.spec.slos.iter().find(|o| o.alert_name() == alert)
}

fn pct(v: f64) -> String {
    fmt_num(round_decimal(v * 100.0))
}

/// `page`, `ticket` in the pages.
pub fn tier_fr(t: Tier) -> &'static str {
    match t {
        Tier::Page => "page",
        Tier::Ticket => "ticket",
    }
}

fn conditions(o: &Slo, t: Tier) -> Vec<BurnCondition> {
    o.conditions().into_iter().filter(|c| c.tier == t).collect()
}

/// The human threshold of a tier: `14.4x sur 1h et 5m, ou 6x sur 6h et 30m`.
pub fn tier_threshold(o: &Slo, t: Tier) -> String {
    conditions(o, t)
        .iter()
        .map(|c| format!("{}x sur {} et {}", fmt_num(c.factor), c.long, c.short))
        .collect::<Vec<_>>()
        .join(", ou ")
}

/// The runbook's "Seuil" row of a tier: the human threshold, then the numbers the
/// expression compares the burn rates to.
pub fn tier_threshold_row(o: &Slo, t: Tier) -> String {
    let cmp: Vec<String> = conditions(o, t)
        .iter()
        .map(|c| {
            format!(
                "compare à `{}` sur {} et {}",
                fmt_num(c.factor),
                c.long,
                c.short
            )
        })
        .collect();
    format!(
        "{} (taux de consommation du budget : l'expression {})",
        tier_threshold(o, t),
        cmp.join(", puis ")
    )
}

/// What the SLI counts, in French.
pub fn sli_fr(l: &Loaded, o: &Slo) -> String {
    let m = &l.defs.spec.metrics;
    match o.sli.kind() {
        SliKind::Ratio(r) => match (&r.errors, &r.good) {
            (Some(e), _) => format!(
                "événements en erreur `{e}` sur tous les événements `{}`",
                r.total
            ),
            (None, Some(g)) => format!(
                "événements réussis `{g}` sur tous les événements `{}`",
                r.total
            ),
            (None, None) => String::new(),
        },
        SliKind::Latency(lat) => {
            let (hist, what) = match lat.histogram {
                SliHistogram::Http => (&m.http.histogram, "requêtes de l'API"),
                SliHistogram::JobDuration => (&m.queues.job_duration.histogram, "jobs"),
            };
            format!(
                "{what} traités en {} {} au plus (bucket `le` de `{hist}`) sur tous les {what}",
                fmt_num(lat.threshold.value),
                lat.threshold.unit.as_str()
            )
        }
        SliKind::Missing => String::new(),
    }
}

/// The budget in words: share of events, minutes of total outage over the window.
pub fn budget_fr(o: &Slo) -> String {
    format!(
        "{} % des événements sur {}, soit {} min d'indisponibilité totale (ou {} événements en erreur sur 1000)",
        pct(o.budget()),
        o.window,
        fmt_num(o.budget_minutes()),
        fmt_num(round_decimal(o.budget() * 1000.0))
    )
}

/// What burning at the page's first factor means, in plain words.
pub fn meaning(o: &Slo) -> String {
    let Some(first) = o.conditions().into_iter().next() else {
        return format!(
            "le SLO `{}` n'a pas de palier d'alerte : ses règles enregistrent le budget sans alerter.",
            o.name
        );
    };
    let days = o.window_ms() as f64 / 86_400_000.0;
    let lasts_h = round_decimal(days * 24.0 / first.factor);
    format!(
        "le SLO `{}` ({} % sur {}) consomme son budget d'erreur plus vite que prévu. Un taux de consommation de 1 dépense exactement le budget en {} ; à {}x, le budget de {} jours serait épuisé en {} h : {} % du budget part en {} seulement. La fenêtre courte ({}) confirme que la consommation continue : l'alerte s'arrête peu après la fin de l'incident.",
        o.name,
        fmt_num(o.objective),
        o.window,
        o.window,
        fmt_num(first.factor),
        fmt_num(round_decimal(days)),
        fmt_num(lasts_h),
        pct(first.budget_fraction),
        first.long,
        first.short,
    )
}

/// The rows of the runbook table that do not depend on a tier.
pub fn common_rows(l: &Loaded, o: &Slo) -> Vec<(String, String)> {
    let mut rows = vec![
        (
            "SLO".to_string(),
            format!("`{}` : {}", o.name, o.description),
        ),
        (
            "Objectif".into(),
            format!("{} % sur {}", fmt_num(o.objective), o.window),
        ),
        ("Indicateur (SLI)".into(), sli_fr(l, o)),
        ("Budget d'erreur".into(), budget_fr(o)),
    ];
    if let Some(g) = &o.group_by {
        rows.push((
            "Groupes".into(),
            format!(
                "un SLO par valeur du label `{g}` (au plus {}, la limite du groupe de règles)",
                o.group_limit().unwrap_or_default()
            ),
        ));
    }
    if let Some(n) = o.min_events {
        rows.push((
            "Gardes".into(),
            format!("au moins {n} événements sur la fenêtre longue de chaque condition (`minEvents`) : un trafic trop faible n'alerte pas"),
        ));
    }
    if o.tiers.contains(&Tier::Page) && o.tiers.contains(&Tier::Ticket) {
        let scope = match &o.group_by {
            Some(g) => format!(" et du même `{g}`"),
            None => String::new(),
        };
        rows.push((
            "Inhibition".into(),
            format!(
                "la page (`{}=\"page\"`) coupe le ticket du même SLO, sur le même cluster{scope}",
                budgets::TIER_LABEL
            ),
        ));
    }
    rows
}

/// The SLO table of the observability page.
pub fn slo_table(l: &Loaded, receivers: impl Fn(&Slo, Tier) -> String) -> String {
    let mut s = String::from("\n| SLO | Objectif | Indicateur | Budget | Alerte | Paliers | Clusters |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    for o in &l.defs.spec.slos {
        let tiers: Vec<String> = o
            .tiers
            .iter()
            .map(|t| {
                format!(
                    "{} : {} -> {}",
                    tier_fr(*t),
                    tier_threshold(o, *t),
                    receivers(o, *t)
                )
            })
            .collect();
        let row = [
            format!("`{}`", o.name),
            format!("{} % sur {}", fmt_num(o.objective), o.window),
            sli_fr(l, o),
            budget_fr(o),
            format!(
                "[`{}`](runbooks/{}.md)",
                o.alert_name(),
                crate::generate::rules::kebab(&o.alert_name())
            ),
            tiers.join(" ; "),
            o.clusters.join(", "),
        ];
        s.push_str("| ");
        s.push_str(
            &row.iter()
                .map(|c| c.replace('|', "\\|").replace('\n', " "))
                .collect::<Vec<_>>()
                .join(" | "),
        );
        s.push_str(" |\n");
    }
    s.push('\n');
    s
}
