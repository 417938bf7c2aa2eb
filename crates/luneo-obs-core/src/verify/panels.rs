//! The panels declared in the definitions (`spec.dashboards.<kind>.extraPanels`), checked
//! like the generated queries (Grafana variables, PromQL, metrics of the contract or
//! recorded by the generated rules) and reported on the definitions' own line.

use std::collections::BTreeSet;

use crate::diag::registry as codes;
use crate::diag::Diagnostic;
use crate::generate::dashboards::{self, kinds_for};
use crate::generate::manifests::ClusterOutput;
use crate::load::Loaded;
use crate::model::DashboardKind;
use crate::verify::overlays::contract_metrics;
use crate::verify::overlays::queries::{self, Query};

/// Every finding on the declared panels.
pub fn panel_findings(l: &Loaded, outs: &[ClusterOutput]) -> Vec<Diagnostic> {
    let mut known = contract_metrics(&l.defs);
    for o in outs {
        for g in &o.rules.groups {
            known.extend(g.rules.iter().filter_map(|r| r.record.clone()));
        }
    }
    let mut out = Vec::new();
    for kind in DashboardKind::ALL {
        let panels = &kind.settings(&l.defs).extra_panels;
        // The dashboard's variables, the same on every cluster that carries it.
        let Some(cluster) = l
            .defs
            .spec
            .clusters
            .iter()
            .find(|c| kinds_for(&l.defs, c).contains(&kind))
        else {
            continue;
        };
        if panels.is_empty() {
            continue;
        }
        let built = dashboards::build(&l.defs, kind, cluster);
        let titles: Vec<&str> = built.panels.iter().map(|p| p.title()).collect();
        let vars: BTreeSet<String> = built
            .templating
            .list
            .iter()
            .map(|v| v.name.clone())
            .collect();
        for (i, p) in panels.iter().enumerate() {
            if titles.iter().filter(|t| **t == p.title).count() > 1 {
                out.push(
                    Diagnostic::warning(
                        &codes::DASHBOARD_DUPLICATE_TITLE,
                        &l.file,
                        l.pos(&format!("{}.extraPanels[{i}].title", kind.settings_path())),
                        format!("dashboard {} already has a panel titled `{}`", kind.uid(), p.title),
                    )
                    .with_hint("give the declared panel its own title: runbooks and people cite panels by title"),
                );
            }
            let path = format!("{}.extraPanels[{i}].expr", kind.settings_path());
            let q = Query {
                file: &l.file,
                pos: l.pos(&path),
                what: format!("panel `{}` of dashboard {}", p.title, kind.uid()),
                expr: &p.expr,
                vars: &vars,
                known: &known,
            };
            queries::check(&q, &mut out);
            out.extend(cluster_filter(l, &q));
        }
    }
    out
}

/// `dashboard/extra-panel-cluster`: with a cluster label, the query must select the
/// dashboard's cluster.
fn cluster_filter(l: &Loaded, q: &Query<'_>) -> Option<Diagnostic> {
    let label = l.defs.spec.metrics.cluster_label.as_ref()?;
    if q.expr.contains("$cluster") || q.expr.contains("${cluster") {
        return None;
    }
    Some(
        Diagnostic::warning(
            &codes::DASHBOARD_EXTRA_PANEL_CLUSTER,
            q.file,
            q.pos,
            format!(
                "{} reads every cluster's series: the series carry `{label}` and the dashboard shows the cluster of `$cluster`",
                q.what
            ),
        )
        .with_hint(format!("add `{label}=\"$cluster\"` to every selector of the expr")),
    )
}
