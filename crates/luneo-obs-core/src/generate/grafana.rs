//! The parts of Grafana's dashboard model (JSON, `schemaVersion` 41) the generator writes,
//! as serde structs: dashboard, template variables, panels of the kinds used (stat,
//! time series, table, and the luneo-obs health panel), targets and field config.
//!
//! Field order is the JSON key order (serde_json keeps insertion order): reordering
//! fields changes every generated ConfigMap. Fields Grafana fills with its defaults
//! are written anyway where earlier versions wrote them, so a dashboard saved back from
//! Grafana differs only where someone edited it.

use serde::{Serialize, Serializer};

/// A data source reference (`{"type": "prometheus", "uid": "${datasource}"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataSourceRef {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uid: &'static str,
}

impl DataSourceRef {
    /// The Prometheus data source picked with the dashboard's `datasource` variable.
    pub const PROMETHEUS_VARIABLE: Self = Self {
        kind: "prometheus",
        uid: "${datasource}",
    };
    /// Grafana's built-in source of annotations.
    pub const GRAFANA: Self = Self {
        kind: "grafana",
        uid: "-- Grafana --",
    };
}

/// A JSON number as Grafana writes thresholds: integers without `.0`, other values rounded
/// to 9 decimals (so 0.1 + 0.2 does not print as 0.30000000000000004).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = (self.0 * 1e9).round() / 1e9;
        if r.fract() == 0.0 && r.abs() < 1e15 {
            // Exact: |r| < 1e15 fits an i64 and has no fractional part.
            #[allow(clippy::cast_possible_truncation)]
            s.serialize_i64(r as i64)
        } else {
            s.serialize_f64(r)
        }
    }
}

/// A JSON object whose keys keep the order given (Grafana writes them in that order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// `{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Empty {}

/// `{"list": [...]}`, as `annotations` and `templating` are wrapped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct List<T> {
    pub list: Vec<T>,
}

/// A whole dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub uid: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub editable: bool,
    /// 1: shared crosshair.
    pub graph_tooltip: u8,
    pub timezone: &'static str,
    pub refresh: String,
    pub time: TimeRange,
    pub timepicker: Empty,
    pub fiscal_year_start_month: u8,
    pub week_start: &'static str,
    pub live_now: bool,
    pub schema_version: u64,
    pub version: u64,
    pub annotations: List<Annotation>,
    pub links: Vec<Link>,
    pub templating: List<Variable>,
    pub panels: Vec<AnyPanel>,
}

/// `time`: the default range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    pub from: String,
    pub to: &'static str,
}

/// An annotation source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    pub built_in: u8,
    pub datasource: DataSourceRef,
    pub enable: bool,
    pub hide: bool,
    pub icon_color: &'static str,
    pub name: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl Annotation {
    /// Grafana's own "Annotations & Alerts" source, hidden.
    pub fn built_in() -> Self {
        Self {
            built_in: 1,
            datasource: DataSourceRef::GRAFANA,
            enable: true,
            hide: true,
            icon_color: "rgba(0, 211, 255, 1)",
            name: "Annotations & Alerts",
            kind: "dashboard",
        }
    }
}

/// A dashboard link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub as_dropdown: bool,
    pub icon: &'static str,
    pub include_vars: bool,
    pub keep_time: bool,
    pub tags: Vec<String>,
    pub target_blank: bool,
    pub title: String,
    pub tooltip: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl Link {
    /// A drop-down of the dashboards tagged `tag`, keeping time range and variables.
    pub fn tagged(tag: &str, title: &str) -> Self {
        Self {
            as_dropdown: true,
            icon: "external link",
            include_vars: true,
            keep_time: true,
            tags: vec![tag.to_string()],
            target_blank: false,
            title: title.to_string(),
            tooltip: "",
            kind: "dashboards",
        }
    }
}

/// A template variable (`datasource` or `query` type).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datasource: Option<DataSourceRef>,
    pub query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<VariableValue>,
    pub hide: u8,
    pub include_all: bool,
    pub multi: bool,
    pub options: Vec<VariableValue>,
    /// 1: on dashboard load, 2: on time range change.
    pub refresh: u8,
    pub regex: &'static str,
    /// 1: alphabetical.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_value: Option<&'static str>,
}

/// When a variable's values are refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    OnLoad = 1,
    OnTimeRangeChange = 2,
}

impl Variable {
    /// The Prometheus data source picker (`$datasource`).
    pub fn datasource() -> Self {
        Self {
            name: "datasource".into(),
            label: "Data source".into(),
            kind: "datasource",
            datasource: None,
            query: "prometheus".into(),
            current: None,
            hide: 0,
            include_all: false,
            multi: false,
            options: Vec::new(),
            refresh: Refresh::OnLoad as u8,
            regex: "",
            sort: None,
            all_value: None,
        }
    }

    /// A `query` variable sorted alphabetically: single-valued with `current` as its
    /// default, or multi-valued defaulting to All (`.*`) when `current` is `None`.
    pub fn query(
        name: &str,
        label: &str,
        query: String,
        current: Option<&str>,
        refresh: Refresh,
    ) -> Self {
        let all = current.is_none();
        let current = match current {
            Some(c) => VariableValue {
                selected: true,
                text: Text::One(c.to_string()),
                value: Text::One(c.to_string()),
            },
            None => VariableValue {
                selected: true,
                text: Text::Many(vec!["All".into()]),
                value: Text::Many(vec!["$__all".into()]),
            },
        };
        Self {
            name: name.into(),
            label: label.into(),
            kind: "query",
            datasource: Some(DataSourceRef::PROMETHEUS_VARIABLE),
            query,
            current: Some(current),
            hide: 0,
            include_all: all,
            multi: all,
            options: Vec::new(),
            refresh: refresh as u8,
            regex: "",
            sort: Some(1),
            all_value: all.then_some(".*"),
        }
    }
}

/// A variable's selected value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariableValue {
    pub selected: bool,
    pub text: Text,
    pub value: Text,
}

/// One value, or several (multi-valued variables).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Text {
    One(String),
    Many(Vec<String>),
}

/// Position on the 24-column grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct GridPos {
    pub h: u32,
    pub w: u32,
    pub x: u32,
    pub y: u32,
}

/// A panel of the dashboard: Grafana's own kinds, or the luneo-obs health panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyPanel {
    Health(HealthPanel),
    Builtin(Box<Panel>),
}

impl AnyPanel {
    pub fn id(&self) -> u32 {
        match self {
            Self::Health(p) => p.id,
            Self::Builtin(p) => p.id,
        }
    }
    pub fn set_id(&mut self, id: u32) {
        match self {
            Self::Health(p) => p.id = id,
            Self::Builtin(p) => p.id = id,
        }
    }
    pub fn kind(&self) -> &str {
        match self {
            Self::Health(p) => p.kind,
            Self::Builtin(p) => p.kind.as_str(),
        }
    }
    pub fn title(&self) -> &str {
        match self {
            Self::Health(p) => &p.title,
            Self::Builtin(p) => &p.title,
        }
    }
    pub fn grid_pos(&self) -> GridPos {
        match self {
            Self::Health(p) => p.grid_pos,
            Self::Builtin(p) => p.grid_pos,
        }
    }
    pub fn targets(&self) -> &[Target] {
        match self {
            Self::Health(p) => &p.targets,
            Self::Builtin(p) => &p.targets,
        }
    }
}

/// The luneo-obs SLO health panel (plugin-grafana). Placed by its builder: its grid
/// position comes before the options, as the plugin's panels have always been written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthPanel {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub datasource: DataSourceRef,
    pub grid_pos: GridPos,
    pub options: HealthOptions,
    pub targets: Vec<Target>,
    /// Assigned when the dashboard is assembled (1, 2, ... in panel order).
    pub id: u32,
}

/// Options of the health panel (read by plugin-grafana's `module.ts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthOptions {
    /// Cluster whose alerts the tiles show (`$cluster` or a cluster name).
    pub cluster: String,
    /// The definitions the panel's core evaluates (YAML).
    pub definitions: String,
    pub tile_min_width: u32,
}

/// Grafana's built-in panel kinds used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    Stat,
    Timeseries,
    Table,
    Heatmap,
}

impl PanelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stat => "stat",
            Self::Timeseries => "timeseries",
            Self::Table => "table",
            Self::Heatmap => "heatmap",
        }
    }
}

/// A built-in panel. Its grid position is set when the dashboard lays panels out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Panel {
    #[serde(rename = "type")]
    pub kind: PanelKind,
    pub title: String,
    pub description: String,
    pub datasource: DataSourceRef,
    pub field_config: FieldConfig,
    pub options: PanelOptions,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transformations: Vec<Transformation>,
    pub targets: Vec<Target>,
    /// Relative time override (`15m`): the panel shows the last 15 minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_from: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_time_override: Option<bool>,
    pub grid_pos: GridPos,
    pub id: u32,
}

/// Options of a built-in panel, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PanelOptions {
    Stat(StatOptions),
    Timeseries(TimeseriesOptions),
    Table(TableOptions),
    Heatmap(HeatmapOptions),
}

/// Heatmap options for a Prometheus histogram already bucketed (`format: heatmap`, one
/// series per `le`): no calculation, exponential colour scale, empty cells hidden.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeatmapOptions {
    pub calculate: bool,
    pub cell_gap: u32,
    pub color: HeatmapColor,
    pub exemplars: ColorValue,
    pub filter_values: FilterValues,
    pub legend: ShowFlag,
    pub rows_frame: RowsFrame,
    pub show_value: &'static str,
    pub tooltip: HeatmapTooltip,
    pub y_axis: YAxis,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeatmapColor {
    pub exponent: Num,
    pub fill: &'static str,
    pub mode: &'static str,
    pub reverse: bool,
    pub scale: &'static str,
    pub scheme: &'static str,
    pub steps: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColorValue {
    pub color: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterValues {
    pub le: Num,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowFlag {
    pub show: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowsFrame {
    pub layout: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeatmapTooltip {
    pub mode: &'static str,
    pub y_histogram: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct YAxis {
    pub axis_placement: &'static str,
    pub reverse: bool,
    pub unit: String,
}

impl HeatmapOptions {
    /// Buckets of a Prometheus histogram, the y axis in `unit`.
    pub fn buckets(unit: &str) -> Self {
        Self {
            calculate: false,
            cell_gap: 1,
            color: HeatmapColor {
                exponent: Num(0.5),
                fill: "dark-orange",
                mode: "scheme",
                reverse: false,
                scale: "exponential",
                scheme: "Oranges",
                steps: 64,
            },
            exemplars: ColorValue {
                color: "rgba(255,0,255,0.7)",
            },
            filter_values: FilterValues { le: Num(1e-9) },
            legend: ShowFlag { show: true },
            rows_frame: RowsFrame { layout: "auto" },
            show_value: "auto",
            tooltip: HeatmapTooltip {
                mode: "single",
                y_histogram: false,
            },
            y_axis: YAxis {
                axis_placement: "left",
                reverse: false,
                unit: unit.to_string(),
            },
        }
    }
}

/// Stat options: the value coloured by thresholds over a sparkline, last non-null value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatOptions {
    pub color_mode: &'static str,
    pub graph_mode: &'static str,
    pub justify_mode: &'static str,
    pub orientation: &'static str,
    pub percent_change_color_mode: &'static str,
    pub reduce_options: ReduceOptions,
    pub show_percent_change: bool,
    pub text_mode: &'static str,
    pub wide_layout: bool,
}

impl Default for StatOptions {
    fn default() -> Self {
        Self {
            color_mode: "value",
            graph_mode: "area",
            justify_mode: "auto",
            orientation: "auto",
            percent_change_color_mode: "standard",
            reduce_options: ReduceOptions {
                calcs: vec!["lastNotNull"],
                fields: "",
                values: false,
            },
            show_percent_change: false,
            text_mode: "auto",
            wide_layout: true,
        }
    }
}

/// How a stat reduces a series to one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReduceOptions {
    pub calcs: Vec<&'static str>,
    pub fields: &'static str,
    pub values: bool,
}

/// Time series options: a legend table on the right, shared tooltip sorted descending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeseriesOptions {
    pub legend: Legend,
    pub tooltip: Tooltip,
}

impl Default for TimeseriesOptions {
    fn default() -> Self {
        Self {
            legend: Legend {
                calcs: vec!["lastNotNull", "max"],
                display_mode: "table",
                placement: "right",
                show_legend: true,
            },
            tooltip: Tooltip {
                mode: "multi",
                sort: "desc",
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Legend {
    pub calcs: Vec<&'static str>,
    pub display_mode: &'static str,
    pub placement: &'static str,
    pub show_legend: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tooltip {
    pub mode: &'static str,
    pub sort: &'static str,
}

/// Table options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableOptions {
    pub cell_height: &'static str,
    pub frame_index: u32,
    pub show_header: bool,
    pub sort_by: Vec<SortBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SortBy {
    pub desc: bool,
    pub display_name: String,
}

/// A data transformation (only `organize` is used: hide and rename fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transformation {
    pub id: &'static str,
    pub options: OrganizeOptions,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizeOptions {
    pub exclude_by_name: Ordered<bool>,
    pub rename_by_name: Ordered<String>,
}

/// A Prometheus query of a panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub datasource: DataSourceRef,
    pub editor_mode: &'static str,
    pub expr: String,
    pub instant: bool,
    pub legend_format: String,
    pub range: bool,
    pub ref_id: String,
    /// `table` for instant queries shown in a table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
}

impl Target {
    /// A range query through `$datasource`, written as code.
    pub fn range(ref_id: &str, expr: String, legend: &str) -> Self {
        Self {
            datasource: DataSourceRef::PROMETHEUS_VARIABLE,
            editor_mode: "code",
            expr,
            instant: false,
            legend_format: legend.into(),
            range: true,
            ref_id: ref_id.into(),
            format: None,
        }
    }

    /// An instant query through `$datasource`, written as code.
    pub fn instant(ref_id: &str, expr: String, legend: &str) -> Self {
        Self {
            instant: true,
            range: false,
            ..Self::range(ref_id, expr, legend)
        }
    }
}

/// `fieldConfig`: defaults only (the generated dashboards use no overrides).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldConfig {
    pub defaults: FieldDefaults,
    pub overrides: Vec<Empty>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDefaults {
    pub color: ColorMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Custom>,
    pub mappings: Vec<Empty>,
    pub thresholds: Thresholds,
    /// Grafana unit id (`ms`, `percentunit`, `reqps`...).
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Num>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColorMode {
    pub mode: &'static str,
}

/// Panel-kind specific field settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Custom {
    Timeseries(TimeseriesCustom),
    Table(TableCustom),
    Heatmap(HeatmapCustom),
}

/// Field config of a heatmap: shown everywhere, linear scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeatmapCustom {
    pub hide_from: HideFrom,
    pub scale_distribution: ScaleDistribution,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HideFrom {
    pub legend: bool,
    pub tooltip: bool,
    pub viz: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScaleDistribution {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl HeatmapCustom {
    pub fn linear() -> Self {
        Self {
            hide_from: HideFrom {
                legend: false,
                tooltip: false,
                viz: false,
            },
            scale_distribution: ScaleDistribution { kind: "linear" },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeseriesCustom {
    pub draw_style: &'static str,
    pub fill_opacity: u32,
    pub line_width: u32,
    pub show_points: &'static str,
    pub span_nulls: bool,
    pub thresholds_style: ColorMode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableCustom {
    pub align: &'static str,
    pub cell_options: CellOptions,
    pub inspect: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellOptions {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// Absolute thresholds: green, then red from `value` when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    pub mode: &'static str,
    pub steps: Vec<Step>,
}

impl Thresholds {
    /// `base` below the first step, then each `(color, from)`, in ascending order.
    pub fn steps(base: &'static str, from: &[(&'static str, f64)]) -> Self {
        let mut steps = vec![Step {
            color: base,
            value: None,
        }];
        steps.extend(from.iter().map(|&(color, v)| Step {
            color,
            value: Some(Num(v)),
        }));
        Self {
            mode: "absolute",
            steps,
        }
    }

    pub fn red_from(value: Option<f64>) -> Self {
        let mut steps = vec![Step {
            color: "green",
            value: None,
        }];
        if let Some(v) = value {
            steps.push(Step {
                color: "red",
                value: Some(Num(v)),
            });
        }
        Self {
            mode: "absolute",
            steps,
        }
    }
}

/// A threshold step; the first has no value (from -infinity).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub color: &'static str,
    pub value: Option<Num>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_grafana_writes_them() {
        let j = |v: f64| serde_json::to_string(&Num(v)).unwrap();
        assert_eq!(j(600.0), "600");
        assert_eq!(j(0.05), "0.05");
        assert_eq!(j(0.1 + 0.2), "0.3");
        assert_eq!(j(-2.0), "-2");
        assert_eq!(j(1e16), "1e+16");
    }

    #[test]
    fn ordered_maps_keep_the_given_order() {
        let m = Ordered(vec![("b".to_string(), 1), ("a".to_string(), 2)]);
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"b":1,"a":2}"#);
    }

    #[test]
    fn query_variables_default_to_all_or_to_the_given_value() {
        let all = serde_json::to_value(Variable::query(
            "queue",
            "Queue",
            "q".into(),
            None,
            Refresh::OnTimeRangeChange,
        ))
        .unwrap();
        assert_eq!(all["allValue"], ".*");
        assert_eq!(all["multi"], true);
        assert_eq!(all["current"]["value"][0], "$__all");
        let one = serde_json::to_value(Variable::query(
            "cluster",
            "Cluster",
            "q".into(),
            Some("primary"),
            Refresh::OnLoad,
        ))
        .unwrap();
        assert!(one.get("allValue").is_none());
        assert_eq!(one["current"]["value"], "primary");
        assert_eq!(one["refresh"], 1);
    }
}
