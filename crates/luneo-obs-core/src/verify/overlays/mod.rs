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
//!
//! Each check is one small function listed in a table: [`OVERLAY_CHECKS`] for the checks
//! of a whole overlay; [`dashboards`] holds the tables of one ConfigMap, one dashboard and
//! one panel; [`queries`] the checks of one PromQL query. The checks of an overlay read
//! an [`Overlay`], loaded once (kustomization, resolved resources, parsed objects, known
//! metrics).

mod dashboards;
mod objects;
pub(crate) mod queries;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diag::{Check, Diagnostic, Pos};
use crate::generate::layout::OVERLAYS_DIR;
use crate::load::Loaded;
use crate::model::Definitions;
use crate::source::yaml::{self, Document};

pub use queries::interpolate;

/// Limit of all annotations of an object, hence of `kubectl.kubernetes.io/last-applied-configuration`.
pub const APPLY_LIMIT: usize = 262_144;
/// Limit of a ConfigMap's data.
pub const CONFIGMAP_LIMIT: usize = 1_048_576;
/// Size above which a generated object earns a warning (the project's own budget).
pub const SIZE_BUDGET: usize = 102_400;

/// Metrics every Prometheus has without a scrape of ours.
const BUILTIN_METRICS: &[&str] = &["up", "ALERTS", "ALERTS_FOR_STATE"];

const KUSTOMIZATION_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

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

/// One check of a whole overlay.
type OverlayCheck = fn(&Overlay<'_>, &mut Vec<Diagnostic>);

/// Every check of an overlay, in the order they report.
const OVERLAY_CHECKS: &[OverlayCheck] = &[
    objects::unresolved_resources,
    objects::unlisted_files,
    objects::bad_objects,
    objects::sizes,
    queries::rule_metrics,
    dashboards::config_maps,
];

/// Run every overlay check on the tree. `root` names the tree in diagnostics.
pub fn check(root: &str, files: &BTreeMap<String, String>, l: &Loaded) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for dir in overlay_dirs(files) {
        match Overlay::load(root, &dir, files, &l.defs) {
            Ok(ov) => {
                for check in OVERLAY_CHECKS {
                    check(&ov, &mut out);
                }
            }
            Err(d) => out.extend(d),
        }
    }
    out
}

/// The overlays of a tree: the directories under [`OVERLAYS_DIR`] with a kustomization.
fn overlay_dirs(files: &BTreeMap<String, String>) -> BTreeSet<String> {
    files
        .keys()
        .filter_map(|p| {
            let rest = p.strip_prefix(OVERLAYS_DIR)?.strip_prefix('/')?;
            let (name, file) = rest.split_once('/')?;
            KUSTOMIZATION_NAMES
                .contains(&file)
                .then(|| format!("{OVERLAYS_DIR}/{name}"))
        })
        .collect()
}

/// One overlay being checked: its kustomization, what it lists, the listed files parsed
/// and the metrics its queries may read.
struct Overlay<'a> {
    /// How diagnostics name the tree's root.
    root: &'a str,
    /// The overlay's directory, relative to the root.
    dir: &'a str,
    files: &'a BTreeMap<String, String>,
    defs: &'a Definitions,
    /// Path of the kustomization file, relative to the root.
    kpath: String,
    kdoc: Document,
    /// Every local `resources` / `components` entry, resolved.
    resources: Vec<Resource>,
    /// The listed files, parsed, in listing order.
    parsed: Vec<Result<Obj, Vec<Diagnostic>>>,
    /// Metrics the overlay may read: the contract plus what its rules record.
    known: BTreeSet<String>,
}

/// A local `resources` / `components` entry of a kustomization.
enum Resource {
    /// A file of the tree (path relative to the root).
    File(String),
    /// A directory with a kustomization (path relative to the root, with a trailing `/`).
    Dir(String),
    /// Neither: `at` is the entry's path in the kustomization (`resources[2]`).
    Missing {
        at: String,
        entry: String,
        path: String,
    },
}

impl<'a> Overlay<'a> {
    /// Parse the overlay's kustomization and the files it lists. `Err` holds the
    /// kustomization's parse errors (empty when the directory has no kustomization).
    fn load(
        root: &'a str,
        dir: &'a str,
        files: &'a BTreeMap<String, String>,
        defs: &'a Definitions,
    ) -> Result<Self, Vec<Diagnostic>> {
        let Some((kpath, ktext)) = KUSTOMIZATION_NAMES.iter().find_map(|n| {
            let p = format!("{dir}/{n}");
            files.get(&p).map(|t| (p, t))
        }) else {
            return Err(Vec::new());
        };
        let kdoc = yaml::parse(&format!("{root}/{kpath}"), ktext)?;
        let mut ov = Overlay {
            root,
            dir,
            files,
            defs,
            kpath,
            resources: objects::resolve(dir, &kdoc, files),
            kdoc,
            parsed: Vec::new(),
            known: BTreeSet::new(),
        };
        ov.parsed = ov.listed().map(|p| ov.parse(p)).collect();
        ov.known = ov.known_metrics();
        Ok(ov)
    }

    /// How diagnostics name a file of the tree.
    fn shown(&self, rel: &str) -> String {
        format!("{}/{rel}", self.root)
    }

    fn parse(&self, rel: &str) -> Result<Obj, Vec<Diagnostic>> {
        let text = self.files.get(rel).cloned().unwrap_or_default();
        let shown = self.shown(rel);
        let doc = yaml::parse(&shown, &text)?;
        Ok(Obj {
            rel: rel.to_string(),
            shown,
            text,
            doc,
        })
    }

    /// The listed files (relative to the root).
    fn listed(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().filter_map(|r| match r {
            Resource::File(p) => Some(p.as_str()),
            _ => None,
        })
    }

    /// The listed directories (relative to the root, with a trailing `/`).
    fn sub_dirs(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().filter_map(|r| match r {
            Resource::Dir(p) => Some(p.as_str()),
            _ => None,
        })
    }

    /// The listed files that parse as Kubernetes objects.
    fn objects(&self) -> impl Iterator<Item = &Obj> {
        self.parsed
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .filter(|o| o.is_object())
    }

    fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Obj> {
        self.objects().filter(move |o| o.kind() == kind)
    }

    fn known_metrics(&self) -> BTreeSet<String> {
        let mut known = contract_metrics(self.defs);
        // Prometheus's own series, which the meta-alert on failing rule groups reads.
        known.insert(crate::generate::rules::RULE_FAILURES_METRIC.to_string());
        for o in self.of_kind("PrometheusRule") {
            for (_, _, r) in rules_of(o) {
                if let Some(rec) = r.get("record").and_then(Value::as_str) {
                    known.insert(rec.to_string());
                }
            }
        }
        known
    }
}

/// The rules of a PrometheusRule, with their group and rule indexes.
fn rules_of(o: &Obj) -> impl Iterator<Item = (usize, usize, &Value)> {
    let groups = o
        .doc
        .value
        .pointer("/spec/groups")
        .and_then(Value::as_array);
    groups
        .into_iter()
        .flatten()
        .enumerate()
        .flat_map(|(gi, g)| {
            let rules = g.get("rules").and_then(Value::as_array);
            rules
                .into_iter()
                .flatten()
                .enumerate()
                .map(move |(ri, r)| (gi, ri, r))
        })
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
    /// Has apiVersion, kind and metadata.name.
    fn is_object(&self) -> bool {
        !(self.kind().is_empty() || self.str_at("/apiVersion").is_none() || self.name().is_empty())
    }
    fn error(&self, code: &Check, pos: Pos, msg: String, hint: &str) -> Diagnostic {
        Diagnostic::error(code, &self.shown, pos, msg).with_hint(hint)
    }
    fn warning(&self, code: &Check, pos: Pos, msg: String, hint: &str) -> Diagnostic {
        Diagnostic::warning(code, &self.shown, pos, msg).with_hint(hint)
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
    if let Some(c) = &m.queues.jobs_completed {
        s.insert(c.clone());
    }
    s.insert(m.gpu.metric.clone());
    if let Some(src) = &m.gpu.source {
        let d = &src.dcgm_exporter;
        s.insert(d.metric.clone());
        s.extend(d.temperature.iter().chain(&d.xid_errors).cloned());
    }
    s.extend(m.extra.iter().cloned());
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

#[cfg(all(test, feature = "promql"))]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use crate::generate::dashboards;
    use crate::load::{load_embedded, Loaded};

    const P: &str = "infrastructure/kubernetes/overlays/observability-primary";
    const S: &str = "infrastructure/kubernetes/overlays/observability-secondary";

    fn luneo() -> Loaded {
        load_embedded().unwrap_or_else(|d| panic!("{d:?}"))
    }

    fn tree() -> BTreeMap<String, String> {
        crate::generate::manifests::build(&luneo()).0
    }

    /// The overlay checks on a tree (tested here without the drift checks of verify::tree).
    fn validate(files: BTreeMap<String, String>) -> Vec<Diagnostic> {
        let mut d = check("manifests", &files, &luneo());
        crate::diag::sort(&mut d);
        d
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
        for l in dashboards::render_json(&v).lines() {
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
        // One size report per object: 2 x 2 PrometheusRules (alerts, SLOs), 3 + 4
        // dashboard ConfigMaps (the SLO dashboard on both).
        let sizes: Vec<&Diagnostic> = d
            .iter()
            .filter(|x| x.code == "overlay/object-size")
            .collect();
        assert_eq!(sizes.len(), 11, "{sizes:?}");
        assert!(sizes
            .iter()
            .all(|x| x.severity == Severity::Info && x.message.contains("margin")));
        assert_eq!(object_sizes(&files).len(), 11);
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
            "cluster:http_request_duration_seconds:p95_rate5m",
            "cluster:http_request_duration_seconds:p99_rate5m",
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
            "expr: DCGM_FI_DEV_GPU_UTIL",
            "expr: DCGM_FI_DEV_GPU_UTILIZATION",
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
    fn drifted_refresh_is_a_refresh_error_on_its_line() {
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
}
