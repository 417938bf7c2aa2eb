//! Checks of the dashboards of an overlay: the ConfigMaps that carry them
//! ([`CONFIGMAP_CHECKS`]), each dashboard ([`DASHBOARD_CHECKS`], reporting through a
//! [`Board`]) and each of its panels ([`PANEL_CHECKS`]).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::queries::{self, Query};
use super::{Dash, Obj, Overlay};
use crate::diag::registry as codes;
use crate::diag::{Check, Diagnostic, Pos};
use crate::generate::dashboards::{self as generated, Kind};
use crate::model::Definitions;

/// One check of a dashboard ConfigMap.
type ConfigMapCheck = fn(&Overlay<'_>, &Obj, &mut Vec<Diagnostic>);

/// Every check of a dashboard ConfigMap, before its dashboards are parsed.
const CONFIGMAP_CHECKS: &[ConfigMapCheck] = &[missing_label, missing_folder];

/// One check of a dashboard.
type DashboardCheck = fn(&mut Board<'_>);

/// Every check of a dashboard that parses, in the order they report.
const DASHBOARD_CHECKS: &[DashboardCheck] = &[
    duplicate_uid,
    uid_format,
    refresh,
    time_range,
    datasource_variable,
    variable_queries,
    each_panel,
];

/// One check of a panel.
type PanelCheck = for<'a> fn(&mut Board<'a>, &Panel<'a>);

/// Every check of a panel (nested panels of rows included), in the order they report.
const PANEL_CHECKS: &[PanelCheck] = &[
    duplicate_title,
    duplicate_id,
    grid_overlap,
    missing_unit,
    panel_datasource,
    target_queries,
];

const SETTINGS_HINT: &str = "change the definitions and regenerate, never the dashboard";

/// The dashboard ConfigMaps of an overlay (under `dashboards/` or with the sidecar
/// label): [`CONFIGMAP_CHECKS`], then every dashboard they hold.
pub(super) fn config_maps(ov: &Overlay<'_>, out: &mut Vec<Diagnostic>) {
    let mut uids = BTreeMap::new();
    for o in ov.of_kind("ConfigMap") {
        if !o.rel.contains("/dashboards/") && !has_label(ov, o) {
            continue;
        }
        for check in CONFIGMAP_CHECKS {
            check(ov, o, out);
        }
        for key in json_keys(o) {
            dashboard(ov, o, key, &mut uids, out);
        }
    }
}

fn has_label(ov: &Overlay<'_>, o: &Obj) -> bool {
    let label = &ov.defs.spec.kubernetes.dashboard_label;
    o.doc
        .value
        .pointer("/metadata/labels")
        .and_then(|v| v.get(&label.key))
        .and_then(Value::as_str)
        == Some(label.value.as_str())
}

/// The `data` keys that hold a dashboard (`*.json`).
fn json_keys(o: &Obj) -> Vec<String> {
    o.doc
        .value
        .get("data")
        .and_then(Value::as_object)
        .map(|d| d.keys().filter(|k| k.ends_with(".json")).cloned().collect())
        .unwrap_or_default()
}

/// `dashboard/missing-label`: the Grafana sidecar ignores the ConfigMap.
fn missing_label(ov: &Overlay<'_>, o: &Obj, out: &mut Vec<Diagnostic>) {
    if has_label(ov, o) {
        return;
    }
    let label = &ov.defs.spec.kubernetes.dashboard_label;
    let at = if o.doc.value.pointer("/metadata/labels").is_some() {
        "metadata.labels"
    } else {
        "metadata"
    };
    out.push(o.error(
        &codes::DASHBOARD_MISSING_LABEL,
        o.doc.key_pos(at),
        format!("ConfigMap `{}` lacks the label `{}: \"{}\"`: the Grafana sidecar ignores it", o.name(), label.key, label.value),
        "generated dashboards carry spec.kubernetes.dashboardLabel; regenerate with `kubectl luneo-obs generate` (or fix the definitions if the sidecar watches another label)",
    ));
}

/// `dashboard/missing-folder`: the dashboard lands in Grafana's General folder.
fn missing_folder(ov: &Overlay<'_>, o: &Obj, out: &mut Vec<Diagnostic>) {
    let annotation = &ov.defs.spec.kubernetes.dashboard_folder_annotation;
    let annotations = o.doc.value.pointer("/metadata/annotations");
    if annotations.and_then(|a| a.get(annotation)).is_some() {
        return;
    }
    out.push(o.warning(
        &codes::DASHBOARD_MISSING_FOLDER,
        o.doc.pos("metadata"),
        format!("ConfigMap `{}` has no `{annotation}` annotation: the dashboard lands in Grafana's General folder", o.name()),
        "regenerate with `kubectl luneo-obs generate`",
    ));
}

/// One dashboard of a ConfigMap: `dashboard/bad-json`, else [`DASHBOARD_CHECKS`].
fn dashboard(
    ov: &Overlay<'_>,
    o: &Obj,
    key: String,
    uids: &mut BTreeMap<String, String>,
    out: &mut Vec<Diagnostic>,
) {
    let ptr = format!("/data/{}", key.replace('~', "~0").replace('/', "~1"));
    let text = o
        .doc
        .value
        .pointer(&ptr)
        .and_then(Value::as_str)
        .unwrap_or("");
    let json = match serde_json::from_str::<Value>(text) {
        Ok(json) => json,
        Err(e) => {
            out.push(o.error(
                &codes::DASHBOARD_BAD_JSON,
                json_pos(o, &key, e.line(), e.column()),
                format!("dashboard `{key}` is not valid JSON: {e}"),
                "dashboards are generated: regenerate with `kubectl luneo-obs generate` instead of editing the JSON",
            ));
            return;
        }
    };
    let d = Dash { obj: o, key, json };
    let mut b = Board::new(ov, &d, uids, out);
    for check in DASHBOARD_CHECKS {
        check(&mut b);
    }
}

/// File position of (line, column) inside a data entry's JSON; exact for block scalars.
fn json_pos(o: &Obj, key: &str, line: usize, column: usize) -> Pos {
    let kp = o.doc.key_pos(&format!("data.{key}"));
    let lines: Vec<&str> = o.text.lines().collect();
    let is_block = lines
        .get(kp.line.saturating_sub(1))
        .and_then(|l| l.split_once(':'))
        .map(|(_, rest)| rest.trim_start().starts_with(['|', '>']))
        .unwrap_or(false);
    if !is_block || line == 0 {
        return kp;
    }
    let indent = lines
        .get(kp.line)
        .map(|l| l.len() - l.trim_start().len())
        .unwrap_or(0);
    Pos {
        line: kp.line + line,
        column: indent + column.max(1),
    }
}

/// One dashboard being checked: the dashboard and what it may use, what the overlay's
/// earlier dashboards and this one's earlier panels used, and where diagnostics go.
struct Board<'a> {
    d: &'a Dash<'a>,
    defs: &'a Definitions,
    /// The metrics the overlay may read.
    known: &'a BTreeSet<String>,
    /// uid -> file of the overlay's dashboards checked so far.
    uids: &'a mut BTreeMap<String, String>,
    /// The dashboard's uid (empty when missing).
    uid: &'a str,
    /// The dashboard's variables (`templating.list`) and their names.
    vars: &'a [Value],
    names: BTreeSet<String>,
    /// Panel ids, grid boxes and titles seen so far.
    ids: BTreeSet<i64>,
    boxes: Vec<(&'a Value, [i64; 4])>,
    titles: BTreeMap<&'a str, usize>,
    out: &'a mut Vec<Diagnostic>,
}

impl<'a> Board<'a> {
    fn new(
        ov: &'a Overlay<'a>,
        d: &'a Dash<'a>,
        uids: &'a mut BTreeMap<String, String>,
        out: &'a mut Vec<Diagnostic>,
    ) -> Self {
        let j = &d.json;
        let vars = j
            .pointer("/templating/list")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let names = vars
            .iter()
            .filter_map(|v| v.get("name").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        Board {
            d,
            defs: ov.defs,
            known: &ov.known,
            uids,
            uid: j.get("uid").and_then(Value::as_str).unwrap_or(""),
            vars,
            names,
            ids: BTreeSet::new(),
            boxes: Vec::new(),
            titles: BTreeMap::new(),
            out,
        }
    }

    fn error(&mut self, code: &Check, pos: Pos, msg: String, hint: &str) {
        self.out.push(self.d.obj.error(code, pos, msg, hint));
    }

    fn warning(&mut self, code: &Check, pos: Pos, msg: String, hint: &str) {
        self.out.push(self.d.obj.warning(code, pos, msg, hint));
    }

    /// The diagnostics of one query of this dashboard.
    fn query(&self, pos: Pos, what: String, expr: &str) -> Vec<Diagnostic> {
        let q = Query {
            file: &self.d.obj.shown,
            pos,
            what,
            expr,
            vars: &self.names,
            known: self.known,
        };
        let mut found = Vec::new();
        queries::check(&q, &mut found);
        found
    }
}

/// `dashboard/duplicate-uid`: Grafana keeps one dashboard per uid.
fn duplicate_uid(b: &mut Board<'_>) {
    let d = b.d;
    let Some(uid) = d.json.get("uid").and_then(Value::as_str) else {
        return;
    };
    let Some(first) = b.uids.get(uid) else {
        b.uids.insert(uid.to_string(), d.obj.shown.clone());
        return;
    };
    let msg =
        format!("dashboard uid `{uid}` is already used by {first}: Grafana keeps only one of them");
    let at = d.locate(&format!("\"uid\":{}", Value::String(uid.to_string())));
    b.error(
        &codes::DASHBOARD_DUPLICATE_UID,
        at,
        msg,
        "give every dashboard of an overlay its own uid",
    );
}

/// `dashboard/uid`: 1 to 40 characters of [a-zA-Z0-9-_].
fn uid_format(b: &mut Board<'_>) {
    let uid = b.uid;
    let valid = !uid.is_empty()
        && uid.len() <= 40
        && uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        return;
    }
    // Top-level keys only: `"uid":"<value>"` (datasource refs also carry a uid).
    let at =
        b.d.locate(&format!("\"uid\":{}", Value::String(uid.to_string())));
    b.error(
        &codes::DASHBOARD_UID,
        at,
        format!("dashboard uid `{uid}` must be 1 to 40 characters of [a-zA-Z0-9-_]"),
        "alert dashboard_url links rely on stable uids: keep the generated one",
    );
}

/// `dashboard/refresh`: as `spec.dashboards.<name>.refresh` says.
fn refresh(b: &mut Board<'_>) {
    let Some(kind) = Kind::from_uid(b.uid) else {
        return;
    };
    let want = &kind.settings(b.defs).refresh;
    let j = &b.d.json;
    let refresh = j.get("refresh").and_then(Value::as_str).unwrap_or("");
    if refresh == want.as_str() {
        return;
    }
    let raw = j.get("refresh").cloned().unwrap_or(Value::Null);
    let at = b.d.locate(&format!("\"refresh\":{raw}"));
    let msg = format!(
        "dashboard `{}` refreshes every `{refresh}`, the definitions say `{want}` ({}.refresh)",
        b.uid,
        kind.settings_path()
    );
    b.error(&codes::DASHBOARD_REFRESH, at, msg, SETTINGS_HINT);
}

/// `dashboard/time-range`: as `spec.dashboards.<name>.timeRange` says, up to now.
fn time_range(b: &mut Board<'_>) {
    let Some(kind) = Kind::from_uid(b.uid) else {
        return;
    };
    let j = &b.d.json;
    let from = j
        .pointer("/time/from")
        .and_then(Value::as_str)
        .unwrap_or("");
    let to = j.pointer("/time/to").and_then(Value::as_str).unwrap_or("");
    let want = generated::time_from(b.defs, kind);
    if from == want && to == "now" {
        return;
    }
    let msg = format!(
        "dashboard `{}` opens on {from} .. {to}, the definitions say {want} .. now ({}.timeRange)",
        b.uid,
        kind.settings_path()
    );
    let at = b.d.locate("\"time\":");
    b.error(&codes::DASHBOARD_TIME_RANGE, at, msg, SETTINGS_HINT);
}

/// `dashboard/datasource`: the dashboard defines the `datasource` variable.
fn datasource_variable(b: &mut Board<'_>) {
    let has = b.vars.iter().any(|v| {
        v.get("type").and_then(Value::as_str) == Some("datasource")
            && v.get("name").and_then(Value::as_str) == Some("datasource")
    });
    if has {
        return;
    }
    let at = b.d.locate("\"templating\":");
    b.error(
        &codes::DASHBOARD_DATASOURCE,
        at,
        format!(
            "dashboard `{}` has no `datasource` variable of type datasource",
            b.uid
        ),
        "panels must query through ${datasource} so the dashboard works with any Prometheus",
    );
}

/// The queries of `query` variables (the expression of `label_values(expr, label)`).
fn variable_queries(b: &mut Board<'_>) {
    for v in b.vars {
        if v.get("type").and_then(Value::as_str) != Some("query") {
            continue;
        }
        let q = match v.get("query") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(o)) => o
                .get("query")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            _ => String::new(),
        };
        let inner = label_values_arg(&q).unwrap_or(q.as_str());
        if inner.is_empty() {
            continue;
        }
        let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
        let found = b.query(b.d.locate_str(&q), format!("variable `{name}`"), inner);
        b.out.extend(found);
    }
}

/// `label_values(expr, label)` -> `expr`; `label_values(label)` -> None.
fn label_values_arg(q: &str) -> Option<&str> {
    let inner = q.trim().strip_prefix("label_values(")?.strip_suffix(')')?;
    let (expr, _label) = inner.rsplit_once(',')?;
    Some(expr.trim())
}

/// One panel being checked.
struct Panel<'a> {
    p: &'a Value,
    title: &'a str,
    ptype: &'a str,
    /// Where diagnostics on the panel point: its title.
    pos: Pos,
    /// An earlier panel has the same title.
    repeated: bool,
}

/// Runs [`PANEL_CHECKS`] on every panel, rows' panels included.
fn each_panel(b: &mut Board<'_>) {
    let d = b.d;
    for p in all_panels(&d.json) {
        let title = title_of(p);
        let seen = b.titles.entry(title).or_insert(0);
        let pos = d.panel_pos(p, *seen);
        *seen += 1;
        let at = Panel {
            p,
            title,
            ptype: p.get("type").and_then(Value::as_str).unwrap_or(""),
            pos,
            repeated: *seen > 1,
        };
        for check in PANEL_CHECKS {
            check(b, &at);
        }
    }
}

/// Walk panels, including those nested in rows.
fn all_panels(dash: &Value) -> Vec<&Value> {
    let mut v = Vec::new();
    for p in dash
        .get("panels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        v.push(p);
        for c in p
            .get("panels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            v.push(c);
        }
    }
    v
}

fn title_of(p: &Value) -> &str {
    p.get("title")
        .and_then(Value::as_str)
        .unwrap_or("(untitled)")
}

fn targets(p: &Value) -> &[Value] {
    p.get("targets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// `dashboard/duplicate-title` (rows may share titles).
fn duplicate_title<'a>(b: &mut Board<'a>, at: &Panel<'a>) {
    if !at.repeated || at.ptype == "row" {
        return;
    }
    b.warning(
        &codes::DASHBOARD_DUPLICATE_TITLE,
        at.pos,
        format!("another panel is already titled `{}`", at.title),
        "give every panel its own title (people and links refer to panels by title)",
    );
}

/// `dashboard/duplicate-panel-id`.
fn duplicate_id<'a>(b: &mut Board<'a>, at: &Panel<'a>) {
    let Some(id) = at.p.get("id").and_then(Value::as_i64) else {
        return;
    };
    if b.ids.insert(id) {
        return;
    }
    b.error(
        &codes::DASHBOARD_DUPLICATE_PANEL_ID,
        at.pos,
        format!("panel `{}` reuses id {id}", at.title),
        "panel ids must be unique within a dashboard (links and the panel editor use them)",
    );
}

/// `dashboard/grid-overlap`: the panel overlaps an earlier one.
fn grid_overlap<'a>(b: &mut Board<'a>, at: &Panel<'a>) {
    let Some(g) = at.p.get("gridPos") else {
        return;
    };
    let n = |k: &str| g.get(k).and_then(Value::as_i64).unwrap_or(0);
    let bx = [n("x"), n("y"), n("w"), n("h")];
    let overlaps = |o: &[i64; 4]| {
        bx[0] < o[0] + o[2] && o[0] < bx[0] + bx[2] && bx[1] < o[1] + o[3] && o[1] < bx[1] + bx[3]
    };
    let other = b.boxes.iter().find(|(_, o)| overlaps(o)).map(|(p, _)| *p);
    if let Some(other) = other {
        b.error(
            &codes::DASHBOARD_GRID_OVERLAP,
            at.pos,
            format!(
                "panel `{}` overlaps panel `{}` on the grid",
                at.title,
                title_of(other)
            ),
            "Grafana pushes overlapping panels around: fix gridPos",
        );
    }
    b.boxes.push((at.p, bx));
}

/// `dashboard/missing-unit`: a stat / timeseries / table / gauge panel without a unit.
fn missing_unit<'a>(b: &mut Board<'a>, at: &Panel<'a>) {
    let has_unit_kind = matches!(
        at.ptype,
        "stat" | "timeseries" | "table" | "gauge" | "bargauge"
    );
    let unit =
        at.p.pointer("/fieldConfig/defaults/unit")
            .and_then(Value::as_str);
    if !has_unit_kind || !unit.unwrap_or("").is_empty() {
        return;
    }
    b.warning(
        &codes::DASHBOARD_MISSING_UNIT,
        at.pos,
        format!("{} panel `{}` has no unit", at.ptype, at.title),
        "set fieldConfig.defaults.unit (ms, s, reqps, percent, percentunit, short...)",
    );
}

fn is_datasource_var(v: Option<&Value>) -> bool {
    match v {
        None => true, // inherits the panel's
        Some(Value::Object(o)) => matches!(
            o.get("uid").and_then(Value::as_str),
            Some("${datasource}" | "$datasource")
        ),
        Some(Value::String(s)) => s == "${datasource}" || s == "$datasource",
        Some(_) => false,
    }
}

/// `dashboard/datasource`: the panel and its targets query through `${datasource}`.
fn panel_datasource<'a>(b: &mut Board<'a>, at: &Panel<'a>) {
    if at.ptype == "row" {
        return;
    }
    let through_var = is_datasource_var(at.p.get("datasource"))
        && targets(at.p)
            .iter()
            .all(|t| is_datasource_var(t.get("datasource")));
    if through_var {
        return;
    }
    b.error(
        &codes::DASHBOARD_DATASOURCE,
        at.pos,
        format!("panel `{}` does not query through the ${{datasource}} variable", at.title),
        "set datasource {\"type\":\"prometheus\",\"uid\":\"${datasource}\"} on the panel and its targets",
    );
}

/// The queries of the panel's targets.
fn target_queries<'a>(b: &mut Board<'a>, at: &Panel<'a>) {
    if at.ptype == "row" {
        return;
    }
    for t in targets(at.p) {
        let Some(expr) = t.get("expr").and_then(Value::as_str) else {
            continue;
        };
        let rid = t.get("refId").and_then(Value::as_str).unwrap_or("?");
        let what = format!("panel `{}` target {rid}", at.title);
        let mut found = b.query(b.d.locate_str(expr), what, expr);
        // The SLO health panel queries the alert expressions as the alerts evaluate
        // them, fixed windows included, so a tile shows the value the alert sees.
        if at.ptype == crate::generate::slos::PANEL_TYPE {
            found.retain(|x| x.code != codes::DASHBOARD_RATE_INTERVAL.id);
        }
        b.out.extend(found);
    }
}
