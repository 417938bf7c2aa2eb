//! Checks on the Kustomize overlays of a manifests tree (as found on disk), run by
//! `validate` next to the drift check. They judge the tree itself, so they catch hand
//! edits and broken merges that the definitions cannot see:
//!
//! | id | severity | what |
//! | --- | --- | --- |
//! | `overlay/unresolved-resource` | error | a kustomization `resources` entry names no file or kustomization dir |
//! | `overlay/unlisted-file` | warning | a manifest in the overlay is not listed, so it is never deployed |
//! | `overlay/bad-object` | error | a listed file is not a Kubernetes object (no apiVersion/kind/metadata.name) |
//! | `overlay/object-size` | info / warning / error | size as `kubectl apply` stores it (last-applied annotation, 262,144 bytes) and ConfigMap data (1 MiB): size and margin; warning above 100 KiB |
//! | `dashboard/missing-label` | error | dashboard ConfigMap without the sidecar label (`spec.kubernetes.dashboardLabel`) |
//! | `dashboard/missing-folder` | warning | no folder annotation (`spec.kubernetes.dashboardFolderAnnotation`) |
//! | `dashboard/bad-json` | error | the dashboard JSON does not parse |
//! | `dashboard/uid` | error | uid missing, longer than 40 characters or outside [a-zA-Z0-9-_] |
//! | `dashboard/duplicate-uid` | error | two dashboards of one overlay (one Grafana) share a uid |
//! | `dashboard/duplicate-panel-id` | error | two panels of a dashboard share an id |
//! | `dashboard/grid-overlap` | error | two panels overlap on the grid |
//! | `dashboard/duplicate-title` | warning | two panels of a dashboard share a title |
//! | `dashboard/missing-unit` | warning | a stat / timeseries / table / gauge panel without a unit |
//! | `dashboard/datasource` | error | a panel or target that does not query through `${datasource}` |
//! | `dashboard/unknown-variable` | error | a query uses a variable the dashboard does not define |
//! | `dashboard/promql-parse` | error | a panel or variable query does not parse (after variable substitution) |
//! | `dashboard/rate-interval` | warning | `rate`/`irate`/`increase` over a fixed window instead of `$__rate_interval` (or `$__range`) |
//! | `dashboard/unknown-metric` | error | a query reads a metric neither in the metric contract nor recorded by a rule of the overlay |
//! | `dashboard/refresh` | error | refresh differs from `spec.dashboards.<name>.refresh` |
//! | `dashboard/time-range` | error | default time range differs from `spec.dashboards.<name>.timeRange` |
//! | `rules/unknown-metric` | error | a PrometheusRule expression reads a metric neither in the contract nor recorded in the overlay |

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diag::registry as codes;
use crate::diag::{Diagnostic, Pos, Severity};
use crate::generate::dashboards::{self, Kind};
use crate::generate::layout::OVERLAYS_DIR;
use crate::load::Loaded;
use crate::model::Definitions;
use crate::source::yaml::{self, Document};

/// Limit of all annotations of an object, hence of `kubectl.kubernetes.io/last-applied-configuration`.
pub const APPLY_LIMIT: usize = 262_144;
/// Limit of a ConfigMap's data.
pub const CONFIGMAP_LIMIT: usize = 1_048_576;
/// Size above which a generated object earns a warning (the project's own budget).
pub const SIZE_BUDGET: usize = 102_400;

/// Metrics every Prometheus has without a scrape of ours.
const BUILTIN_METRICS: &[&str] = &["up", "ALERTS", "ALERTS_FOR_STATE"];

/// Size of one object as `kubectl apply` would store it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectSize {
    /// Path relative to the tree root.
    pub file: String,
    pub kind: String,
    pub name: String,
    /// Bytes of the object as compact JSON (what the last-applied annotation holds).
    pub applied_bytes: usize,
    /// Bytes of `data` + `binaryData` (ConfigMaps; 0 otherwise).
    pub data_bytes: usize,
}

/// One parsed file of an overlay.
struct Obj {
    rel: String,
    shown: String,
    text: String,
    doc: Document,
}

impl Obj {
    fn str_at(&self, ptr: &str) -> Option<&str> {
        self.doc.value.pointer(ptr).and_then(Value::as_str)
    }
    fn kind(&self) -> &str {
        self.str_at("/kind").unwrap_or("")
    }
    fn name(&self) -> &str {
        self.str_at("/metadata/name").unwrap_or("")
    }
}

/// A dashboard found in a ConfigMap.
struct Dash<'a> {
    obj: &'a Obj,
    key: String,
    json: Value,
}

impl Dash<'_> {
    /// Position of `needle` (a JSON fragment) in the file, else of the data key.
    fn locate(&self, needle: &str) -> Pos {
        locate(&self.obj.text, needle)
            .unwrap_or_else(|| self.obj.doc.key_pos(&format!("data.{}", self.key)))
    }
    fn locate_str(&self, s: &str) -> Pos {
        self.locate(&Value::String(s.to_string()).to_string())
    }
    /// Position of a panel: its `"title"`; `nth` counts earlier panels with the same title.
    fn panel_pos(&self, p: &Value, nth: usize) -> Pos {
        let text = &self.obj.text;
        let found = p.get("title").and_then(Value::as_str).and_then(|t| {
            let needle = format!("\"title\":{}", Value::String(t.to_string()));
            text.match_indices(&needle)
                .nth(nth)
                .map(|(i, _)| pos_at(text, i))
        });
        found.unwrap_or_else(|| self.obj.doc.key_pos(&format!("data.{}", self.key)))
    }
}

/// Line and column (1-based, in characters) of the first occurrence of `needle`.
pub fn locate(text: &str, needle: &str) -> Option<Pos> {
    text.find(needle).map(|at| pos_at(text, at))
}

/// Line and column (1-based, in characters) of byte offset `at`.
fn pos_at(text: &str, at: usize) -> Pos {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    Pos { line, column }
}

fn grouped(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn margin(size: usize, limit: usize) -> String {
    let pct = if limit == 0 {
        0.0
    } else {
        100.0 * (limit as f64 - size as f64) / limit as f64
    };
    format!("{pct:.1} %")
}

/// Normalise `dir/rel` (handles `./` and `..`).
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

const KUSTOMIZATION_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The metrics of the contract: what the exporters are promised to expose.
pub fn contract_metrics(defs: &Definitions) -> BTreeSet<String> {
    let m = &defs.spec.metrics;
    let mut s = BTreeSet::new();
    for h in [&m.http.histogram, &m.queues.job_duration.histogram] {
        for suffix in ["_bucket", "_count", "_sum"] {
            s.insert(format!("{h}{suffix}"));
        }
    }
    s.insert(m.queues.job_count.clone());
    s.insert(m.queues.jobs_failed.clone());
    s.insert(m.gpu.metric.clone());
    if let Some(src) = &m.gpu.source {
        s.insert(src.dcgm_exporter.metric.clone());
    }
    s.extend(BUILTIN_METRICS.iter().map(|b| b.to_string()));
    s
}

/// Sizes of every object of every overlay in a tree (what `validate` reports).
pub fn object_sizes(files: &BTreeMap<String, String>) -> Vec<ObjectSize> {
    let mut out = Vec::new();
    for (path, text) in files {
        if !path.starts_with(OVERLAYS_DIR) || KUSTOMIZATION_NAMES.iter().any(|k| path.ends_with(k))
        {
            continue;
        }
        if let Ok(doc) = yaml::parse(path, text) {
            if let Some(sz) = size_of(path, &doc.value) {
                out.push(sz);
            }
        }
    }
    out
}

fn size_of(rel: &str, v: &Value) -> Option<ObjectSize> {
    let kind = v.get("kind")?.as_str()?.to_string();
    let name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let applied_bytes = serde_json::to_string(v).map(|s| s.len()).unwrap_or(0);
    let mut data_bytes = 0;
    for field in ["data", "binaryData"] {
        if let Some(o) = v.get(field).and_then(Value::as_object) {
            for (k, val) in o {
                data_bytes += k.len() + val.as_str().map(str::len).unwrap_or(0);
            }
        }
    }
    Some(ObjectSize {
        file: rel.to_string(),
        kind,
        name,
        applied_bytes,
        data_bytes,
    })
}

/// Run every overlay check on the tree. `root` names the tree in diagnostics.
pub fn check(root: &str, files: &BTreeMap<String, String>, l: &Loaded) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let overlays: BTreeSet<String> = files
        .keys()
        .filter_map(|p| {
            let rest = p.strip_prefix(OVERLAYS_DIR)?.strip_prefix('/')?;
            let (name, file) = rest.split_once('/')?;
            KUSTOMIZATION_NAMES
                .contains(&file)
                .then(|| format!("{OVERLAYS_DIR}/{name}"))
        })
        .collect();
    for dir in overlays {
        check_overlay(root, &dir, files, l, &mut out);
    }
    out
}

fn check_overlay(
    root: &str,
    dir: &str,
    files: &BTreeMap<String, String>,
    l: &Loaded,
    out: &mut Vec<Diagnostic>,
) {
    let shown = |p: &str| format!("{root}/{p}");
    let Some((kpath, ktext)) = KUSTOMIZATION_NAMES.iter().find_map(|n| {
        let p = format!("{dir}/{n}");
        files.get(&p).map(|t| (p, t))
    }) else {
        return;
    };
    let kdoc = match yaml::parse(&shown(&kpath), ktext) {
        Ok(d) => d,
        Err(d) => {
            out.extend(d);
            return;
        }
    };
    // Resolve resources (and components).
    let mut listed: Vec<String> = Vec::new();
    let mut sub_dirs: Vec<String> = Vec::new();
    for field in ["resources", "components"] {
        let Some(items) = kdoc.value.get(field).and_then(Value::as_array) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let Some(res) = item.as_str() else { continue };
            if res.contains("://") || res.starts_with("github.com/") {
                continue; // remote bases cannot be checked offline
            }
            let p = join(dir, res);
            if files.contains_key(&p) {
                listed.push(p);
            } else if KUSTOMIZATION_NAMES
                .iter()
                .any(|n| files.contains_key(&format!("{p}/{n}")))
            {
                sub_dirs.push(format!("{p}/"));
            } else {
                out.push(
                    Diagnostic::error(&codes::OVERLAY_UNRESOLVED_RESOURCE, &shown(&kpath), kdoc.pos(&format!("{field}[{i}]")), format!("`{res}` resolves to `{p}`, which is neither a file nor a directory with a kustomization"))
                        .with_hint("fix the path or restore the file (`kubectl luneo-obs generate` rewrites generated overlays); `kubectl kustomize` fails on it"),
                );
            }
        }
    }
    // Manifests in the overlay that nothing lists.
    let prefix = format!("{dir}/");
    for p in files.keys() {
        let Some(rest) = p.strip_prefix(&prefix) else {
            continue;
        };
        let is_manifest =
            rest.ends_with(".yaml") || rest.ends_with(".yml") || rest.ends_with(".json");
        if !is_manifest
            || KUSTOMIZATION_NAMES.contains(&rest)
            || listed.contains(p)
            || sub_dirs.iter().any(|s| p.starts_with(s.as_str()))
        {
            continue;
        }
        if KUSTOMIZATION_NAMES
            .iter()
            .any(|n| rest.ends_with(&format!("/{n}")))
        {
            continue;
        }
        out.push(
            Diagnostic::warning(
                &codes::OVERLAY_UNLISTED_FILE,
                &shown(p),
                Pos { line: 1, column: 1 },
                format!(
                    "this file is not listed in {}: it is never deployed",
                    kpath.rsplit('/').next().unwrap_or("kustomization.yaml")
                ),
            )
            .with_hint("list it under `resources:` or delete it"),
        );
    }
    // Parse the listed objects.
    let mut objs: Vec<Obj> = Vec::new();
    for p in &listed {
        let text = files.get(p).cloned().unwrap_or_default();
        match yaml::parse(&shown(p), &text) {
            Ok(doc) => {
                let o = Obj {
                    rel: p.clone(),
                    shown: shown(p),
                    text,
                    doc,
                };
                if o.kind().is_empty() || o.str_at("/apiVersion").is_none() || o.name().is_empty() {
                    out.push(Diagnostic::error(&codes::OVERLAY_BAD_OBJECT, &o.shown, o.doc.pos(""), "not a Kubernetes object: apiVersion, kind and metadata.name are required").with_hint("regenerate the overlay with `kubectl luneo-obs generate`"));
                    continue;
                }
                objs.push(o);
            }
            Err(d) => out.extend(d),
        }
    }
    for o in &objs {
        size_check(o, out);
    }
    // Metrics the overlay may read: the contract plus what its rules record.
    let mut known = contract_metrics(&l.defs);
    for o in objs.iter().filter(|o| o.kind() == "PrometheusRule") {
        for g in o
            .doc
            .value
            .pointer("/spec/groups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for r in g
                .get("rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(rec) = r.get("record").and_then(Value::as_str) {
                    known.insert(rec.to_string());
                }
            }
        }
    }
    for o in objs.iter().filter(|o| o.kind() == "PrometheusRule") {
        rule_metrics(o, &known, out);
    }
    // Dashboards.
    let k = &l.defs.spec.kubernetes;
    let mut uids: BTreeMap<String, String> = BTreeMap::new();
    for o in objs.iter().filter(|o| o.kind() == "ConfigMap") {
        let labels = o.doc.value.pointer("/metadata/labels");
        let has_label = labels
            .and_then(|v| v.get(&k.dashboard_label.key))
            .and_then(Value::as_str)
            == Some(k.dashboard_label.value.as_str());
        let json_keys: Vec<String> = o
            .doc
            .value
            .get("data")
            .and_then(Value::as_object)
            .map(|d| d.keys().filter(|k| k.ends_with(".json")).cloned().collect())
            .unwrap_or_default();
        let in_dashboards = o.rel.contains("/dashboards/");
        if !in_dashboards && !has_label {
            continue;
        }
        if !has_label {
            let at = if labels.is_some() {
                "metadata.labels"
            } else {
                "metadata"
            };
            out.push(
                Diagnostic::error(&codes::DASHBOARD_MISSING_LABEL, &o.shown, o.doc.key_pos(at), format!("ConfigMap `{}` lacks the label `{}: \"{}\"`: the Grafana sidecar ignores it", o.name(), k.dashboard_label.key, k.dashboard_label.value))
                    .with_hint("generated dashboards carry spec.kubernetes.dashboardLabel; regenerate with `kubectl luneo-obs generate` (or fix the definitions if the sidecar watches another label)"),
            );
        }
        if o.doc
            .value
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(&k.dashboard_folder_annotation))
            .is_none()
        {
            out.push(
                Diagnostic::warning(&codes::DASHBOARD_MISSING_FOLDER, &o.shown, o.doc.pos("metadata"), format!("ConfigMap `{}` has no `{}` annotation: the dashboard lands in Grafana's General folder", o.name(), k.dashboard_folder_annotation))
                    .with_hint("regenerate with `kubectl luneo-obs generate`"),
            );
        }
        for key in json_keys {
            let text = o
                .doc
                .value
                .pointer(&format!(
                    "/data/{}",
                    key.replace('~', "~0").replace('/', "~1")
                ))
                .and_then(Value::as_str)
                .unwrap_or("");
            match serde_json::from_str::<Value>(text) {
                Ok(json) => {
                    let d = Dash { obj: o, key: key.clone(), json };
                    if let Some(uid) = d.json.get("uid").and_then(Value::as_str) {
                        if let Some(first) = uids.get(uid) {
                            out.push(
                                Diagnostic::error(&codes::DASHBOARD_DUPLICATE_UID, &o.shown, d.locate(&format!("\"uid\":{}", Value::String(uid.to_string()))), format!("dashboard uid `{uid}` is already used by {first}: Grafana keeps only one of them"))
                                    .with_hint("give every dashboard of an overlay its own uid"),
                            );
                        } else {
                            uids.insert(uid.to_string(), o.shown.clone());
                        }
                    }
                    check_dashboard(&d, &l.defs, &known, out);
                }
                Err(e) => out.push(
                    Diagnostic::error(&codes::DASHBOARD_BAD_JSON, &o.shown, json_pos(o, &key, e.line(), e.column()), format!("dashboard `{key}` is not valid JSON: {e}"))
                        .with_hint("dashboards are generated: regenerate with `kubectl luneo-obs generate` instead of editing the JSON"),
                ),
            }
        }
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

fn size_check(o: &Obj, out: &mut Vec<Diagnostic>) {
    let Some(sz) = size_of(&o.rel, &o.doc.value) else {
        return;
    };
    let at = o.doc.pos("metadata.name");
    let what = format!("{} `{}`", sz.kind, sz.name);
    let data = if sz.kind == "ConfigMap" {
        format!(
            "; data {} bytes ({} margin under the 1 MiB ConfigMap limit)",
            grouped(sz.data_bytes),
            margin(sz.data_bytes, CONFIGMAP_LIMIT)
        )
    } else {
        String::new()
    };
    let msg = format!("{what}: {} bytes as `kubectl apply` stores it ({} margin under the {}-byte last-applied-configuration limit){data}", grouped(sz.applied_bytes), margin(sz.applied_bytes, APPLY_LIMIT), grouped(APPLY_LIMIT));
    let hint = "keep dashboards small (template variables, not one panel per queue/route), or apply server-side (Argo CD `ServerSideApply=true`)";
    let d = if sz.applied_bytes > APPLY_LIMIT || sz.data_bytes > CONFIGMAP_LIMIT {
        Diagnostic::error(
            &codes::OVERLAY_OBJECT_SIZE,
            &o.shown,
            at,
            format!("{msg}: over the limit, `kubectl apply` rejects it"),
        )
        .with_hint(hint)
    } else if sz.applied_bytes > SIZE_BUDGET {
        Diagnostic::warning(
            &codes::OVERLAY_OBJECT_SIZE,
            &o.shown,
            at,
            format!("{msg}: above the {}-byte budget", grouped(SIZE_BUDGET)),
        )
        .with_hint(hint)
    } else {
        Diagnostic::new(
            &codes::OVERLAY_OBJECT_SIZE,
            Severity::Info,
            &o.shown,
            at,
            msg,
        )
    };
    out.push(d);
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

fn check_dashboard(
    d: &Dash<'_>,
    defs: &Definitions,
    known: &BTreeSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    let file = d.obj.shown.as_str();
    let j = &d.json;
    let uid = j.get("uid").and_then(Value::as_str).unwrap_or("");
    if uid.is_empty()
        || uid.len() > 40
        || !uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        // Top-level keys only: `"uid":"<value>"` (datasource refs also carry a uid).
        let at = d.locate(&format!("\"uid\":{}", Value::String(uid.to_string())));
        out.push(
            Diagnostic::error(
                &codes::DASHBOARD_UID,
                file,
                at,
                format!("dashboard uid `{uid}` must be 1 to 40 characters of [a-zA-Z0-9-_]"),
            )
            .with_hint("alert dashboard_url links rely on stable uids: keep the generated one"),
        );
    }
    // Settings from the definitions.
    if let Some(kind) = Kind::from_uid(uid) {
        let s = kind.settings(defs);
        let refresh = j.get("refresh").and_then(Value::as_str).unwrap_or("");
        if refresh != s.refresh {
            out.push(
                Diagnostic::error(&codes::DASHBOARD_REFRESH, file, d.locate(&format!("\"refresh\":{}", j.get("refresh").cloned().unwrap_or(Value::Null))), format!("dashboard `{uid}` refreshes every `{refresh}`, the definitions say `{}` ({}.refresh)", s.refresh, kind.settings_path()))
                    .with_hint("change the definitions and regenerate, never the dashboard"),
            );
        }
        let from = j
            .pointer("/time/from")
            .and_then(Value::as_str)
            .unwrap_or("");
        let to = j.pointer("/time/to").and_then(Value::as_str).unwrap_or("");
        let want = dashboards::time_from(defs, kind);
        if from != want || to != "now" {
            out.push(
                Diagnostic::error(&codes::DASHBOARD_TIME_RANGE, file, d.locate("\"time\":"), format!("dashboard `{uid}` opens on {from} .. {to}, the definitions say {want} .. now ({}.timeRange)", kind.settings_path()))
                    .with_hint("change the definitions and regenerate, never the dashboard"),
            );
        }
    }
    // Variables.
    let vars: Vec<&Value> = j
        .pointer("/templating/list")
        .and_then(Value::as_array)
        .map(|l| l.iter().collect())
        .unwrap_or_default();
    let names: BTreeSet<String> = vars
        .iter()
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    if !vars.iter().any(|v| {
        v.get("type").and_then(Value::as_str) == Some("datasource")
            && v.get("name").and_then(Value::as_str) == Some("datasource")
    }) {
        out.push(Diagnostic::error(&codes::DASHBOARD_DATASOURCE, file, d.locate("\"templating\":"), format!("dashboard `{uid}` has no `datasource` variable of type datasource")).with_hint("panels must query through ${datasource} so the dashboard works with any Prometheus"));
    }
    for v in &vars {
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
        let inner = label_values_arg(&q).unwrap_or(q.as_str()).to_string();
        if !inner.is_empty() {
            let pos = d.locate_str(&q);
            let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
            query_checks(
                file,
                pos,
                &format!("variable `{name}`"),
                &inner,
                &names,
                known,
                out,
            );
        }
    }
    // Panels.
    let panels = all_panels(j);
    let mut ids: BTreeMap<i64, &Value> = BTreeMap::new();
    let mut boxes: Vec<(&Value, [i64; 4])> = Vec::new();
    let mut titles: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &panels {
        let title = p
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("(untitled)");
        let ptype = p.get("type").and_then(Value::as_str).unwrap_or("");
        let seen = titles.entry(title).or_insert(0);
        let pos = d.panel_pos(p, *seen);
        *seen += 1;
        if *seen > 1 && ptype != "row" {
            out.push(
                Diagnostic::warning(
                    &codes::DASHBOARD_DUPLICATE_TITLE,
                    file,
                    pos,
                    format!("another panel is already titled `{title}`"),
                )
                .with_hint(
                    "give every panel its own title (people and links refer to panels by title)",
                ),
            );
        }
        if let Some(id) = p.get("id").and_then(Value::as_i64) {
            if ids.insert(id, p).is_some() {
                out.push(Diagnostic::error(&codes::DASHBOARD_DUPLICATE_PANEL_ID, file, pos, format!("panel `{title}` reuses id {id}")).with_hint("panel ids must be unique within a dashboard (links and the panel editor use them)"));
            }
        }
        if let Some(g) = p.get("gridPos") {
            let n = |k: &str| g.get(k).and_then(Value::as_i64).unwrap_or(0);
            let b = [n("x"), n("y"), n("w"), n("h")];
            if let Some((other, _)) = boxes.iter().find(|(_, o)| {
                b[0] < o[0] + o[2] && o[0] < b[0] + b[2] && b[1] < o[1] + o[3] && o[1] < b[1] + b[3]
            }) {
                let ot = other
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or("(untitled)");
                out.push(
                    Diagnostic::error(
                        &codes::DASHBOARD_GRID_OVERLAP,
                        file,
                        pos,
                        format!("panel `{title}` overlaps panel `{ot}` on the grid"),
                    )
                    .with_hint("Grafana pushes overlapping panels around: fix gridPos"),
                );
            }
            boxes.push((p, b));
        }
        if ptype == "row" {
            continue;
        }
        if matches!(
            ptype,
            "stat" | "timeseries" | "table" | "gauge" | "bargauge"
        ) && p
            .pointer("/fieldConfig/defaults/unit")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            out.push(
                Diagnostic::warning(
                    &codes::DASHBOARD_MISSING_UNIT,
                    file,
                    pos,
                    format!("{ptype} panel `{title}` has no unit"),
                )
                .with_hint(
                    "set fieldConfig.defaults.unit (ms, s, reqps, percent, percentunit, short...)",
                ),
            );
        }
        let targets: Vec<&Value> = p
            .get("targets")
            .and_then(Value::as_array)
            .map(|t| t.iter().collect())
            .unwrap_or_default();
        if !is_datasource_var(p.get("datasource"))
            || targets
                .iter()
                .any(|t| !is_datasource_var(t.get("datasource")))
        {
            out.push(Diagnostic::error(&codes::DASHBOARD_DATASOURCE, file, pos, format!("panel `{title}` does not query through the ${{datasource}} variable")).with_hint("set datasource {\"type\":\"prometheus\",\"uid\":\"${datasource}\"} on the panel and its targets"));
        }
        for t in targets {
            let Some(expr) = t.get("expr").and_then(Value::as_str) else {
                continue;
            };
            let rid = t.get("refId").and_then(Value::as_str).unwrap_or("?");
            let tpos = d.locate_str(expr);
            let mut found = Vec::new();
            query_checks(
                file,
                tpos,
                &format!("panel `{title}` target {rid}"),
                expr,
                &names,
                known,
                &mut found,
            );
            // The SLO health panel queries the alert expressions as the alerts evaluate
            // them, fixed windows included, so a tile shows the value the alert sees.
            if ptype == crate::generate::slos::PANEL_TYPE {
                found.retain(|x| x.code != codes::DASHBOARD_RATE_INTERVAL.id);
            }
            out.extend(found);
        }
    }
}

/// `label_values(expr, label)` -> `expr`; `label_values(label)` -> None.
fn label_values_arg(q: &str) -> Option<&str> {
    let inner = q.trim().strip_prefix("label_values(")?.strip_suffix(')')?;
    let (expr, _label) = inner.rsplit_once(',')?;
    Some(expr.trim())
}

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
    let b = expr.as_bytes();
    let mut i = 0;
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let (name, end) = if b[i] == b'$' && i + 1 < b.len() && b[i + 1] == b'{' {
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
        };
        match name {
            Some(n) => {
                out.push_str(&value(&n).ok_or(n)?);
                i = end;
            }
            None => {
                out.push_str(&expr[i..end]);
                i = end;
            }
        }
    }
    Ok(out)
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

#[cfg(feature = "promql")]
fn query_checks(
    file: &str,
    pos: Pos,
    what: &str,
    expr: &str,
    vars: &BTreeSet<String>,
    known: &BTreeSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    use promql_parser::parser::{self, Expr};
    let text = match interpolate(expr, &|n| check_value(vars, n)) {
        Ok(t) => t,
        Err(name) => {
            out.push(
                Diagnostic::error(&codes::DASHBOARD_UNKNOWN_VARIABLE, file, pos, format!("{what} uses `${name}`, which the dashboard does not define"))
                    .with_hint(format!("defined variables: {}; Grafana built-ins: $__rate_interval, $__interval, $__range", vars.iter().map(String::as_str).collect::<Vec<_>>().join(", "))),
            );
            return;
        }
    };
    let ast = match parser::parse(&text) {
        Ok(a) => a,
        Err(e) => {
            out.push(
                Diagnostic::error(&codes::DASHBOARD_PROMQL_PARSE, file, pos, format!("{what}: the query does not parse once variables are substituted: {e}"))
                    .with_hint("promql-parser gives no position inside the query; check parentheses, durations and quotes"),
            );
            return;
        }
    };
    let mut metrics = BTreeSet::new();
    let mut fixed = Vec::new();
    crate::verify::rules::walk(&ast, &mut |e| match e {
        Expr::VectorSelector(vs) => metrics.extend(selector_metric(vs)),
        Expr::MatrixSelector(ms) => metrics.extend(selector_metric(&ms.vs)),
        Expr::Call(c) if matches!(c.func.name, "rate" | "irate" | "increase") => {
            if let Some(Expr::MatrixSelector(ms)) = c.args.args.first().map(|a| a.as_ref()) {
                let secs = ms.range.as_secs();
                if secs != 4242 && secs != 4243 {
                    fixed.push(c.func.name);
                }
            }
        }
        _ => {}
    });
    for f in fixed {
        out.push(
            Diagnostic::warning(&codes::DASHBOARD_RATE_INTERVAL, file, pos, format!("{what}: `{f}` over a fixed window; Grafana's $__rate_interval adapts it to the scrape interval and the zoom level"))
                .with_hint("write `[$__rate_interval]` (or `[$__range]` for a whole-range total)"),
        );
    }
    for m in metrics.iter().filter(|m| !known.contains(*m)) {
        out.push(
            Diagnostic::error(&codes::DASHBOARD_UNKNOWN_METRIC, file, pos, format!("{what} reads `{m}`, which is neither in the metric contract (spec.metrics) nor recorded by a rule of this overlay"))
                .with_hint("add the metric to spec.metrics, or fix its name; a dashboard on a missing metric shows \"No data\""),
        );
    }
}

#[cfg(not(feature = "promql"))]
fn query_checks(
    _: &str,
    _: Pos,
    _: &str,
    _: &str,
    _: &BTreeSet<String>,
    _: &BTreeSet<String>,
    _: &mut Vec<Diagnostic>,
) {
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

#[cfg(feature = "promql")]
fn rule_metrics(o: &Obj, known: &BTreeSet<String>, out: &mut Vec<Diagnostic>) {
    use promql_parser::parser::{self, Expr};
    for (gi, g) in o
        .doc
        .value
        .pointer("/spec/groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (ri, r) in g
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(expr) = r.get("expr").and_then(Value::as_str) else {
                continue;
            };
            // Parse errors are reported by the rule checks (promql/parse-error).
            let Ok(ast) = parser::parse(expr) else {
                continue;
            };
            let mut metrics = BTreeSet::new();
            crate::verify::rules::walk(&ast, &mut |e| match e {
                Expr::VectorSelector(vs) => metrics.extend(selector_metric(vs)),
                Expr::MatrixSelector(ms) => metrics.extend(selector_metric(&ms.vs)),
                _ => {}
            });
            let name = r
                .get("alert")
                .or_else(|| r.get("record"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            for m in metrics.iter().filter(|m| !known.contains(*m)) {
                out.push(
                    Diagnostic::error(&codes::RULES_UNKNOWN_METRIC, &o.shown, o.doc.pos(&format!("spec.groups[{gi}].rules[{ri}].expr")), format!("rule `{name}` reads `{m}`, which is neither in the metric contract (spec.metrics) nor recorded by a rule of this overlay"))
                        .with_hint("add the metric to spec.metrics, or fix its name"),
                );
            }
        }
    }
}

#[cfg(not(feature = "promql"))]
fn rule_metrics(_: &Obj, _: &BTreeSet<String>, _: &mut Vec<Diagnostic>) {}

#[cfg(all(test, feature = "promql"))]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::ops::api::{self, GenerateRequest, ManifestTree, ValidateRequest};

    const P: &str = "infrastructure/kubernetes/overlays/observability-primary";
    const S: &str = "infrastructure/kubernetes/overlays/observability-secondary";

    fn tree() -> BTreeMap<String, String> {
        let r = api::generate(&GenerateRequest::default());
        assert!(r.ok, "{:?}", r.diagnostics);
        r.files
    }

    fn validate(files: BTreeMap<String, String>) -> Vec<Diagnostic> {
        api::validate(&ValidateRequest {
            definitions: None,
            manifests: Some(ManifestTree {
                root: "manifests".into(),
                files,
            }),
        })
        .diagnostics
    }

    /// The diagnostic with `code` on `file`, or a panic listing what was found.
    fn find<'a>(d: &'a [Diagnostic], code: &str, file: &str) -> &'a Diagnostic {
        let file = format!("manifests/{file}");
        d.iter()
            .find(|x| x.code == code && x.file == file)
            .unwrap_or_else(|| {
                panic!(
                    "no {code} on {file}; got:\n{}",
                    d.iter()
                        .map(Diagnostic::render)
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            })
    }

    /// 1-based line of the first line containing `needle`.
    fn line_of(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("`{needle}` not found"))
    }

    fn replace_once(
        files: &mut BTreeMap<String, String>,
        path: &str,
        from: &str,
        to: &str,
    ) -> String {
        let t = files.get(path).unwrap().clone();
        assert!(t.contains(from), "`{from}` not in {path}");
        let new = t.replacen(from, to, 1);
        files.insert(path.to_string(), new.clone());
        new
    }

    /// Parse a dashboard ConfigMap's JSON, change it, write it back the way the generator does.
    fn edit_dashboard(
        files: &mut BTreeMap<String, String>,
        path: &str,
        f: impl FnOnce(&mut Value),
    ) -> String {
        let text = files.get(path).unwrap().clone();
        let (head, block) = text.split_once("|-\n").unwrap();
        let json: Vec<&str> = block
            .lines()
            .map(|l| l.strip_prefix("    ").unwrap_or(l))
            .collect();
        let mut v: Value = serde_json::from_str(&json.join("\n")).unwrap();
        f(&mut v);
        let mut out = format!("{head}|-\n");
        for l in dashboards::render(&v).lines() {
            out.push_str("    ");
            out.push_str(l);
            out.push('\n');
        }
        files.insert(path.to_string(), out.clone());
        out
    }

    fn panel<'a>(v: &'a mut Value, title: &str) -> &'a mut Value {
        v["panels"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|p| p["title"] == title)
            .unwrap()
    }

    #[test]
    fn generated_tree_passes_every_overlay_check() {
        let files = tree();
        let d = validate(files.clone());
        let bad: Vec<String> = d
            .iter()
            .filter(|x| {
                x.severity != Severity::Info
                    && (x.code.starts_with("overlay/")
                        || x.code.starts_with("dashboard/")
                        || x.code == "rules/unknown-metric")
            })
            .map(Diagnostic::render)
            .collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        // One size report per object: 2 PrometheusRules, 2 + 3 dashboard ConfigMaps.
        let sizes: Vec<&Diagnostic> = d
            .iter()
            .filter(|x| x.code == "overlay/object-size")
            .collect();
        assert_eq!(sizes.len(), 7, "{sizes:?}");
        assert!(sizes
            .iter()
            .all(|x| x.severity == Severity::Info && x.message.contains("margin")));
        assert_eq!(object_sizes(&files).len(), 7);
    }

    #[test]
    fn missing_sidecar_label_is_reported_at_the_labels() {
        let mut files = tree();
        let path = format!("{P}/dashboards/luneo-api.yaml");
        let text = replace_once(&mut files, &path, "    grafana_dashboard: '1'\n", "");
        let d = validate(files);
        let x = find(&d, "dashboard/missing-label", &path);
        assert_eq!(x.severity, Severity::Error);
        assert_eq!(
            (x.line, x.column),
            (line_of(&text, "  labels:"), 3),
            "{}",
            x.render()
        );
        assert!(x.message.contains("grafana_dashboard"), "{}", x.message);
        find(&d, "manifests/drift", &path);
    }

    #[test]
    fn broken_json_is_reported_at_the_json_line_and_column() {
        let mut files = tree();
        let path = format!("{P}/dashboards/luneo-queues.yaml");
        let text = replace_once(
            &mut files,
            &path,
            "\"schemaVersion\":41,",
            "\"schemaVersion\":41,,",
        );
        let d = validate(files);
        let x = find(&d, "dashboard/bad-json", &path);
        let line = line_of(&text, "\"schemaVersion\"");
        assert_eq!(
            (x.line, x.column),
            (
                line,
                text.lines().nth(line - 1).unwrap().find(",,").unwrap() + 2
            ),
            "{}",
            x.render()
        );
    }

    #[test]
    fn oversized_dashboard_is_an_error_with_its_size() {
        let mut files = tree();
        let path = format!("{S}/dashboards/luneo-standby.yaml");
        let text = edit_dashboard(&mut files, &path, |v| {
            v["description"] = Value::String("x".repeat(300_000))
        });
        let d = validate(files);
        let x = d
            .iter()
            .find(|x| {
                x.code == "overlay/object-size"
                    && x.file.ends_with("luneo-standby.yaml")
                    && x.file.contains("secondary")
            })
            .unwrap();
        assert_eq!(x.severity, Severity::Error, "{}", x.render());
        assert_eq!(x.line, line_of(&text, "name: luneo-standby-dashboard"));
        assert!(
            x.message.contains("262,144") && x.message.contains("bytes"),
            "{}",
            x.message
        );
    }

    #[test]
    fn large_dashboard_under_the_limit_is_a_warning() {
        let mut files = tree();
        let path = format!("{P}/dashboards/luneo-api.yaml");
        edit_dashboard(&mut files, &path, |v| {
            v["description"] = Value::String("x".repeat(120_000))
        });
        let d = validate(files);
        let x = d
            .iter()
            .find(|x| x.code == "overlay/object-size" && x.file.ends_with(&path))
            .unwrap();
        assert_eq!(x.severity, Severity::Warning, "{}", x.render());
    }

    #[test]
    fn unknown_metric_in_a_panel_points_at_the_panel_line() {
        let mut files = tree();
        let path = format!("{P}/dashboards/luneo-api.yaml");
        let text = replace_once(
            &mut files,
            &path,
            "cluster:http_request_duration_seconds:p95_rate5m{",
            "cluster:http_request_duration_seconds:p99_rate5m{",
        );
        let d = validate(files);
        let x = find(&d, "dashboard/unknown-metric", &path);
        assert_eq!(x.line, line_of(&text, "p99_rate5m"), "{}", x.render());
        assert!(
            x.message
                .contains("cluster:http_request_duration_seconds:p99_rate5m"),
            "{}",
            x.message
        );
    }

    #[test]
    fn unknown_metric_in_a_rule_points_at_the_expr() {
        let mut files = tree();
        let path = format!("{P}/alerts/prometheus-rules.yaml");
        let text = replace_once(
            &mut files,
            &path,
            "DCGM_FI_DEV_GPU_UTIL{",
            "DCGM_FI_DEV_GPU_UTILIZATION{",
        );
        let d = validate(files);
        let x = find(&d, "rules/unknown-metric", &path);
        assert_eq!(
            x.line,
            line_of(&text, "DCGM_FI_DEV_GPU_UTILIZATION"),
            "{}",
            x.render()
        );
    }

    #[test]
    fn drifted_refresh_is_drift_and_a_refresh_error() {
        let mut files = tree();
        let path = format!("{P}/dashboards/luneo-queues.yaml");
        let text = replace_once(
            &mut files,
            &path,
            "\"refresh\":\"30s\"",
            "\"refresh\":\"5s\"",
        );
        let d = validate(files);
        let line = line_of(&text, "\"refresh\":\"5s\"");
        assert_eq!(find(&d, "manifests/drift", &path).line, line);
        let x = find(&d, "dashboard/refresh", &path);
        assert_eq!(x.line, line);
        assert!(
            x.message.contains("spec.dashboards.queues.refresh"),
            "{}",
            x.message
        );
    }

    #[test]
    fn time_range_must_match_the_definitions() {
        let mut files = tree();
        let path = format!("{S}/dashboards/luneo-standby.yaml");
        let text = replace_once(
            &mut files,
            &path,
            "\"from\":\"now-12h\"",
            "\"from\":\"now-1h\"",
        );
        let x = find(&validate(files), "dashboard/time-range", &path).clone();
        assert_eq!(x.line, line_of(&text, "\"time\":"));
    }

    #[test]
    fn missing_resource_is_unresolved_at_the_kustomization_entry() {
        let mut files = tree();
        files.remove(&format!("{P}/dashboards/luneo-queues.yaml"));
        let k = format!("{P}/kustomization.yaml");
        let text = files.get(&k).unwrap().clone();
        let d = validate(files);
        let x = find(&d, "overlay/unresolved-resource", &k);
        assert_eq!(
            x.line,
            line_of(&text, "- dashboards/luneo-queues.yaml"),
            "{}",
            x.render()
        );
    }

    #[test]
    fn unlisted_manifest_is_a_warning() {
        let mut files = tree();
        let extra = format!("{P}/dashboards/extra.yaml");
        files.insert(
            extra.clone(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n".into(),
        );
        let d = validate(files);
        assert_eq!(
            find(&d, "overlay/unlisted-file", &extra).severity,
            Severity::Warning
        );
    }

    #[test]
    fn query_that_does_not_parse_after_substitution() {
        let mut files = tree();
        let path = format!("{P}/dashboards/luneo-api.yaml");
        let text = replace_once(&mut files, &path, "sum by (route) (", "sum by (route (");
        let x = find(&validate(files), "dashboard/promql-parse", &path).clone();
        assert_eq!(x.line, line_of(&text, "sum by (route ("), "{}", x.render());
    }

    #[test]
    fn undefined_variable_is_reported() {
        let mut files = tree();
        let path = format!("{P}/dashboards/luneo-queues.yaml");
        let text = replace_once(&mut files, &path, "=~\\\"$queue\\\"", "=~\\\"$queues\\\"");
        let x = find(&validate(files), "dashboard/unknown-variable", &path).clone();
        assert_eq!(x.line, line_of(&text, "$queues"), "{}", x.render());
        assert!(x.message.contains("$queues"), "{}", x.message);
    }

    #[test]
    fn duplicate_uid_in_one_overlay() {
        let mut files = tree();
        let path = format!("{S}/dashboards/luneo-queues.yaml");
        edit_dashboard(&mut files, &path, |v| {
            v["uid"] = Value::String("luneo-api".into())
        });
        let d = validate(files);
        let x = d
            .iter()
            .find(|x| x.code == "dashboard/duplicate-uid")
            .unwrap();
        assert!(
            x.file.contains("observability-secondary/dashboards/luneo-"),
            "{}",
            x.render()
        );
    }

    #[test]
    fn bad_uid_overlap_duplicate_id_missing_unit_datasource_and_fixed_rate_window() {
        let mut files = tree();
        let path = format!("{P}/dashboards/luneo-queues.yaml");
        let text = edit_dashboard(&mut files, &path, |v| {
            v["uid"] = Value::String("luneo queues with spaces".into());
            let failed = panel(v, "Failed jobs (last 15 min)");
            failed["gridPos"]["x"] = serde_json::json!(3);
            failed["id"] = serde_json::json!(1);
            failed["fieldConfig"]["defaults"]
                .as_object_mut()
                .unwrap()
                .remove("unit");
            failed["datasource"] =
                serde_json::json!({"type": "prometheus", "uid": "prod-prometheus"});
            panel(v, "Busiest queue backlog")["title"] = Value::String("Jobs waiting".into());
            let lat = panel(v, "P95 processing latency per queue");
            let e = lat["targets"][0]["expr"]
                .as_str()
                .unwrap()
                .replace("$__rate_interval", "5m");
            lat["targets"][0]["expr"] = Value::String(e);
        });
        let d = validate(files);
        let failed_line = line_of(&text, "\"title\":\"Failed jobs (last 15 min)\"");
        for code in [
            "dashboard/grid-overlap",
            "dashboard/duplicate-panel-id",
            "dashboard/missing-unit",
            "dashboard/datasource",
        ] {
            assert_eq!(find(&d, code, &path).line, failed_line, "{code}");
        }
        assert_eq!(
            find(&d, "dashboard/uid", &path).line,
            line_of(&text, "\"uid\":\"luneo queues")
        );
        let second = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains("\"title\":\"Jobs waiting\""))
            .nth(1)
            .map(|(i, _)| i + 1);
        assert_eq!(
            Some(find(&d, "dashboard/duplicate-title", &path).line),
            second
        );
        assert_eq!(
            find(&d, "dashboard/rate-interval", &path).line,
            line_of(&text, "[5m]")
        );
    }

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
