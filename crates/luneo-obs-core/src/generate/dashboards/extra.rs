//! The panels declared in the definitions (`spec.dashboards.<kind>.extraPanels`), built in
//! the generated style and placed after the generated ones. Their PromQL is written as
//! given; `verify::panels` checks it against the metric contract and the recorded series.

use crate::generate::grafana::{
    Custom, HeatmapCustom, HeatmapOptions, Panel, PanelKind, PanelOptions, Target,
};
use crate::model::{ExtraPanel, ExtraPanelKind};

use super::panels::{self, PanelText, HALF, STAT};

/// Grafana's unit for plain numbers, when a panel names none.
pub const DEFAULT_UNIT: &str = "short";

/// The panel of one declaration.
pub(super) fn panel(p: &ExtraPanel) -> Panel {
    let unit = p.unit.as_deref().unwrap_or(DEFAULT_UNIT);
    let text = PanelText {
        title: &p.title,
        description: p
            .description
            .clone()
            .unwrap_or_else(|| "Declared in the definitions (spec.dashboards).".to_string()),
        unit,
    };
    let legend = p.legend.as_deref().unwrap_or("");
    match p.kind {
        ExtraPanelKind::Timeseries => panels::timeseries(
            text,
            None,
            false,
            vec![Target::range("A", p.expr.clone(), legend)],
        ),
        ExtraPanelKind::Stat => panels::stat(
            text,
            None,
            None,
            vec![Target::range("A", p.expr.clone(), legend)],
        ),
        ExtraPanelKind::Heatmap => heatmap(text, &p.expr),
    }
}

/// A histogram's buckets over time: one series per `le`, as Grafana's Prometheus data
/// source returns them with `format: heatmap` (cumulative buckets de-accumulated).
fn heatmap(text: PanelText<'_>, expr: &str) -> Panel {
    let options = PanelOptions::Heatmap(HeatmapOptions::buckets(text.unit));
    let mut target = Target::range("A", expr.to_string(), "{{le}}");
    target.format = Some("heatmap");
    let custom = Custom::Heatmap(HeatmapCustom::linear());
    let defaults = panels::defaults("thresholds", Some(custom), "short", None);
    let p = panels::panel(PanelKind::Heatmap, text, defaults, options, vec![target]);
    panels::sized(p, HALF)
}

/// Grid size of a declared panel.
pub(super) fn size(kind: ExtraPanelKind) -> (u32, u32) {
    match kind {
        ExtraPanelKind::Stat => STAT,
        ExtraPanelKind::Timeseries | ExtraPanelKind::Heatmap => HALF,
    }
}
