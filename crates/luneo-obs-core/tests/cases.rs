//! The case corpus, run in-process against the core through [`luneo_obs_core::ops::call`]
//! (JSON in, JSON out, as every host calls it), one case per file under `tests/cases/`:
//!
//! - `*.yaml`: a definitions file, run through `validate` and `generate`. Header lines:
//!   `# case: <what it shows>`, then one `# expect: area/code` (an error) or
//!   `# expect-warning: area/code` per code it must trigger. A `# FAULT` comment (or
//!   `# expect-line: N`) marks the line where an expected code must be reported. A file
//!   without any expectation must come out clean (ok, no diagnostic).
//!   Folders: `bad/` (validation fails; the CLI test of plugin-kubectl and the Extism test
//!   read these too, so each has exactly one `# expect:` and a FAULT line), `ok/` (valid,
//!   no diagnostic but an optional `# expect-warning:`; also read by the CLI test), `warn/`
//!   (valid, with warnings).
//! - `*.json`: a request to any operation:
//!   `{"case": "...", "op": "...", "request": {...}, "expect": ["area/code", ...]}`, or
//!   `"raw": "<bytes>"` instead of `"request"`. `"definitions": "base.yaml"` puts that file
//!   of `tests/cases/` in the request's `definitions`. `"from_generated": true` sets the
//!   request's `manifests` to the tree `generate` produces from the request's definitions,
//!   after `"edits"`: `{"file": F, "replace": [old, new]}` (every occurrence; `old` must
//!   occur), `{"remove": F}`, `{"add": {"file": F, "content": C}}`.
//!
//! `base.yaml` is not a case: it is the definitions JSON cases start from.
//!
//! Every case stores the diagnostics it produced in `<case>.snap` next to it
//! (`code severity file:line:col message`, one per line) and is compared with it;
//! `UPDATE_SNAPSHOTS=1 cargo test -p luneo-obs-core --test cases` rewrites them.
//!
//! [`every_registered_code_has_a_case`] fails when a code of the check registry is
//! expected by no case (see [`UNREACHABLE`] for the few no input can trigger).

#![cfg(all(feature = "promql", feature = "schema"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use luneo_obs_core::diag::registry;
use luneo_obs_core::ops;
use serde_json::{json, Value};

/// Codes no request to any operation can trigger, each with the reason (read the code
/// cited before adding one: a code belongs here only when no input reaches it).
const UNREACHABLE: &[(&str, &str)] = &[
    (
        "request/serialize",
        "ops::to_json only fails if serde_json::to_string fails; every response is a derived \
         Serialize of strings, numbers (NaN and infinities become null), bools, Vec, Option, \
         BTreeMap<String, _> and serde_json::Value, none of which can fail: a guard against a bug",
    ),
    (
        "request/unsupported",
        "only `schema` in a build without the `schema` feature emits it (ops/mod.rs); this \
         test runs with the default features (see the cfg at the top of the file)",
    ),
    (
        "health/threshold-unit",
        "generate/slos.rs reports it when rules::threshold_in_metric_unit is None, i.e. the \
         threshold's unit has another dimension than the metric's; for every slo the loader \
         already refuses that (lint/alerts.rs threshold_unit: units/threshold-unit; a \
         threshold on apiNoTraffic: alert/unexpected-field; custom converts to its own unit), \
         and evaluate_health only runs on loaded definitions",
    ),
];

/// Codes that still need a case (printed as a warning; keep this empty).
const TODO_CASES: &[&str] = &[];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// Case files (`*.yaml`, `*.json`) under `dir`, sorted, `base.yaml` excluded.
fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            case_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "json")
            && p != cases_dir().join("base.yaml")
        {
            out.push(p);
        }
    }
}

fn rel(p: &Path) -> String {
    p.strip_prefix(cases_dir())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// What one case produced.
struct Outcome {
    /// Codes the case expects (each checked to be emitted).
    expected: Vec<String>,
    /// Every code any response of the case carried.
    emitted: BTreeSet<String>,
    /// Problems with the case (empty: it passes).
    failures: Vec<String>,
}

struct Run {
    cases: usize,
    outcomes: BTreeMap<String, Outcome>,
    stale_snapshots: Vec<String>,
}

fn update() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1")
}

/// Call an operation; the response must be a JSON object with `ok` and `diagnostics`.
fn call(op: &str, input: &[u8]) -> Value {
    let out = ops::call(op, input);
    let v: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("{op}: the response is not JSON ({e}): {out}"));
    assert!(
        v["ok"].is_boolean() && v["diagnostics"].is_array(),
        "{op}: the response lacks ok or diagnostics: {out}"
    );
    v
}

fn diagnostics(resp: &Value) -> &[Value] {
    resp["diagnostics"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// `code severity file:line:col message` (the message's first line), one per line.
fn render(diags: &[Value]) -> String {
    let mut s = String::new();
    for d in diags {
        let s_ = |k: &str| d[k].as_str().unwrap_or("?").to_string();
        let _ = writeln!(
            s,
            "{} {} {}:{}:{} {}",
            s_("code"),
            s_("severity"),
            s_("file"),
            d["line"],
            d["column"],
            // The first line: a drift's unified diff follows it (tested in verify/tree.rs).
            s_("message").lines().next().unwrap_or_default()
        );
    }
    s
}

fn summary(op: &str, resp: &Value) -> String {
    let mut s = format!("# {op}: ok {}", resp["ok"]);
    if let Some(files) = resp["files"].as_object() {
        let _ = write!(s, ", {} files", files.len());
    }
    s.push('\n');
    s
}

/// Compare `got` with the snapshot next to the case (or write it).
fn check_snapshot(case: &Path, got: &str, failures: &mut Vec<String>) {
    let snap = case.with_extension(format!(
        "{}.snap",
        case.extension().unwrap().to_string_lossy()
    ));
    let have = fs::read_to_string(&snap).ok();
    if have.as_deref() == Some(got) {
        return;
    }
    if update() {
        fs::write(&snap, got).unwrap();
        return;
    }
    match have {
        None => failures.push(format!(
            "no snapshot {}: run UPDATE_SNAPSHOTS=1 cargo test -p luneo-obs-core --test cases, review and commit it",
            rel(&snap)
        )),
        Some(have) => {
            let old: BTreeSet<&str> = have.lines().collect();
            let new: BTreeSet<&str> = got.lines().collect();
            let mut diff = String::new();
            for l in have.lines().filter(|l| !new.contains(l)) {
                let _ = writeln!(diff, "    - {l}");
            }
            for l in got.lines().filter(|l| !old.contains(l)) {
                let _ = writeln!(diff, "    + {l}");
            }
            failures.push(format!(
                "the diagnostics differ from {} (UPDATE_SNAPSHOTS=1 rewrites it):\n{diff}",
                rel(&snap)
            ));
        }
    }
}

/// Header of a definitions case.
#[derive(Default)]
struct Header {
    what: Option<String>,
    /// (code, severity) in file order.
    expect: Vec<(String, &'static str)>,
    line: Option<usize>,
}

fn header(text: &str) -> Header {
    let mut h = Header::default();
    for (i, l) in text.lines().enumerate() {
        if let Some(c) = l.strip_prefix("# case: ") {
            h.what = Some(c.trim().to_string());
        }
        if let Some(c) = l.strip_prefix("# expect: ") {
            h.expect.push((c.trim().to_string(), "error"));
        }
        if let Some(c) = l.strip_prefix("# expect-warning: ") {
            h.expect.push((c.trim().to_string(), "warning"));
        }
        if let Some(n) = l.strip_prefix("# expect-line: ") {
            h.line = n.trim().parse().ok();
        }
        if l.contains("# FAULT") && h.line.is_none() {
            h.line = Some(i + 1);
        }
    }
    h
}

fn yaml_case(path: &Path) -> Outcome {
    let name = rel(path);
    let text = fs::read_to_string(path).unwrap();
    let h = header(&text);
    let mut failures = Vec::new();
    if h.what.is_none() {
        failures.push("no `# case: <what it shows>` line".to_string());
    }
    let source = json!({ "name": name, "text": text });
    let req = serde_json::to_vec(&json!({ "definitions": source })).unwrap();
    let v = call("validate", &req);
    let g = call("generate", &req);
    let (vd, gd) = (diagnostics(&v), diagnostics(&g));
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    for d in vd.iter().chain(gd) {
        emitted.insert(d["code"].as_str().unwrap_or("?").to_string());
    }
    for (code, sev) in &h.expect {
        let hits: Vec<&Value> = vd
            .iter()
            .filter(|d| d["code"] == code.as_str() && d["severity"] == *sev)
            .collect();
        if hits.is_empty() {
            failures.push(format!("validate reports no {sev} {code}"));
        }
    }
    if let Some(line) = h.line {
        let at_line: Vec<&Value> = vd
            .iter()
            .filter(|d| {
                d["line"].as_u64() == Some(line as u64)
                    && h.expect
                        .iter()
                        .any(|(c, s)| d["code"] == c.as_str() && d["severity"] == *s)
            })
            .collect();
        match at_line.first() {
            None => failures.push(format!(
                "no expected code is reported at the FAULT line {line}"
            )),
            Some(d) => {
                // What the CLI test checks too.
                if d["column"].as_u64().unwrap_or(0) == 0
                    || d["message"].as_str().unwrap_or("").is_empty()
                    || d["hint"].as_str().unwrap_or("").is_empty()
                    || d["file"] != name.as_str()
                {
                    failures.push(format!(
                        "the diagnostic lacks a column, message or hint, or names another file: {d}"
                    ));
                }
            }
        }
    } else if !h.expect.is_empty() && name.starts_with("bad/") {
        failures.push("no `# FAULT` marker or `# expect-line:`".into());
    }
    if h.expect.is_empty() && !vd.is_empty() {
        failures.push(
            "a case without expectation must be clean, but validate reports diagnostics".into(),
        );
    }
    // The folder's promise (the CLI and Extism tests rely on it).
    let folder = name.split('/').next().unwrap_or("");
    match folder {
        "bad" => {
            if v["ok"] != false || g["ok"] != false {
                failures.push("a bad/ case must fail validate and generate".into());
            }
            let errors = h.expect.iter().filter(|(_, s)| *s == "error").count();
            if errors != 1 || h.expect.len() != 1 {
                failures.push(
                    "a bad/ case expects exactly one error code (the CLI test reads one)".into(),
                );
            }
        }
        "ok" | "warn" => {
            if v["ok"] != true || g["ok"] != true {
                failures.push(format!("an {folder}/ case must pass validate and generate"));
            }
            if folder == "ok"
                && vd
                    .iter()
                    .any(|d| !h.expect.iter().any(|(c, _)| d["code"] == c.as_str()))
            {
                failures.push("an ok/ case reports only the codes it expects".into());
            }
            if folder == "warn" && h.expect.is_empty() {
                failures.push("a warn/ case expects a warning".into());
            }
        }
        _ => failures.push("definitions cases live in bad/, ok/ or warn/".into()),
    }
    let mut snap = summary("validate", &v);
    snap.push_str(&render(vd));
    snap.push_str(&summary("generate", &g));
    if gd == vd {
        snap.push_str("(the same diagnostics)\n");
    } else {
        snap.push_str(&render(gd));
    }
    check_snapshot(path, &snap, &mut failures);
    Outcome {
        expected: h.expect.into_iter().map(|(c, _)| c).collect(),
        emitted,
        failures,
    }
}

/// The definitions source of a JSON case: `"definitions": "<file of tests/cases>"`.
fn case_definitions(case: &Value) -> Option<Value> {
    let f = case.get("definitions")?.as_str()?;
    let text =
        fs::read_to_string(cases_dir().join(f)).unwrap_or_else(|e| panic!("definitions {f}: {e}"));
    Some(json!({ "name": f, "text": text }))
}

/// The tree `generate` makes from `definitions`, with the case's edits applied.
fn generated_tree(definitions: &Value, edits: &[Value]) -> Result<Value, String> {
    // Most tree cases start from the same definitions: generate them once.
    static TREES: Mutex<BTreeMap<String, Value>> = Mutex::new(BTreeMap::new());
    let req = json!({ "definitions": definitions }).to_string();
    let cached = TREES.lock().unwrap().get(&req).cloned();
    let g = match cached {
        Some(g) => g,
        None => {
            let g = call("generate", req.as_bytes());
            TREES.lock().unwrap().insert(req, g.clone());
            g
        }
    };
    if g["ok"] != true {
        return Err(format!(
            "from_generated: generate fails: {}",
            render(diagnostics(&g))
        ));
    }
    let mut files: BTreeMap<String, String> = serde_json::from_value(g["files"].clone()).unwrap();
    for e in edits {
        if let Some(f) = e.get("remove").and_then(Value::as_str) {
            files
                .remove(f)
                .ok_or_else(|| format!("remove: no generated file {f}"))?;
        } else if let Some(a) = e.get("add") {
            let f = a["file"].as_str().ok_or("add: no file")?;
            let c = a["content"].as_str().ok_or("add: no content")?;
            if files.insert(f.to_string(), c.to_string()).is_some() {
                return Err(format!("add: {f} is a generated file (use replace)"));
            }
        } else if let (Some(f), Some([old, new])) = (
            e.get("file").and_then(Value::as_str),
            e.get("replace")
                .and_then(Value::as_array)
                .map(Vec::as_slice),
        ) {
            let (old, new) = (old.as_str().unwrap_or(""), new.as_str().unwrap_or(""));
            let text = files
                .get_mut(f)
                .ok_or_else(|| format!("replace: no generated file {f}"))?;
            if old.is_empty() || !text.contains(old) {
                return Err(format!("replace: `{old}` does not occur in {f}"));
            }
            *text = text.replace(old, new);
        } else {
            return Err(format!("unknown edit {e}"));
        }
    }
    Ok(json!({ "root": "manifests", "files": files }))
}

fn json_case(path: &Path) -> Outcome {
    let text = fs::read_to_string(path).unwrap();
    let mut failures = Vec::new();
    let case: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return Outcome {
                expected: Vec::new(),
                emitted: BTreeSet::new(),
                failures: vec![format!("not JSON: {e}")],
            }
        }
    };
    let known = [
        "case",
        "op",
        "request",
        "raw",
        "definitions",
        "from_generated",
        "edits",
        "expect",
    ];
    for k in case.as_object().into_iter().flat_map(|o| o.keys()) {
        if !known.contains(&k.as_str()) {
            failures.push(format!("unknown case field `{k}`"));
        }
    }
    if case["case"].as_str().unwrap_or("").is_empty() {
        failures.push("no \"case\": what it shows".into());
    }
    let op = case["op"].as_str().unwrap_or("");
    let expected: Vec<String> = case["expect"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c.as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    if expected.is_empty() {
        failures.push("\"expect\" lists no code".into());
    }
    let input: Vec<u8> = if let Some(raw) = case.get("raw") {
        raw.as_str().unwrap_or("").as_bytes().to_vec()
    } else {
        let mut req = case.get("request").cloned().unwrap_or_else(|| json!({}));
        if let Some(d) = case_definitions(&case) {
            req["definitions"] = d;
        }
        if case["from_generated"] == true {
            let edits = case["edits"].as_array().cloned().unwrap_or_default();
            match generated_tree(&req["definitions"], &edits) {
                Ok(t) => req["manifests"] = t,
                Err(e) => failures.push(e),
            }
        } else if case.get("edits").is_some() {
            failures.push("\"edits\" without \"from_generated\": true".into());
        }
        serde_json::to_vec(&req).unwrap()
    };
    let resp = call(op, &input);
    let diags = diagnostics(&resp);
    let emitted: BTreeSet<String> = diags
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("?").to_string())
        .collect();
    for c in &expected {
        if !emitted.contains(c) {
            failures.push(format!("{op} reports no {c}"));
        }
    }
    let mut snap = summary(op, &resp);
    snap.push_str(&render(diags));
    check_snapshot(path, &snap, &mut failures);
    Outcome {
        expected,
        emitted,
        failures,
    }
}

fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let mut files = Vec::new();
        case_files(&cases_dir(), &mut files);
        // Cases are independent: run them on every core.
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let outcomes: BTreeMap<String, Outcome> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|i| {
                    let files = &files;
                    s.spawn(move || {
                        files
                            .iter()
                            .skip(i)
                            .step_by(threads)
                            .map(|f| {
                                let o = if f.extension().is_some_and(|e| e == "yaml") {
                                    yaml_case(f)
                                } else {
                                    json_case(f)
                                };
                                (rel(f), o)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        // Snapshots whose case is gone.
        let mut snaps = Vec::new();
        fn snap_files(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    snap_files(&p, out);
                } else if p.extension().is_some_and(|e| e == "snap") {
                    out.push(p);
                }
            }
        }
        snap_files(&cases_dir(), &mut snaps);
        let mut stale_snapshots = Vec::new();
        for s in snaps {
            if !s.with_extension("").exists() {
                if update() {
                    fs::remove_file(&s).unwrap();
                } else {
                    stale_snapshots.push(rel(&s));
                }
            }
        }
        stale_snapshots.sort();
        Run {
            cases: files.len(),
            outcomes,
            stale_snapshots,
        }
    })
}

#[test]
fn every_case_triggers_its_codes_and_matches_its_snapshot() {
    let r = run();
    assert!(r.cases >= 110, "the case corpus shrank: {} cases", r.cases);
    let mut report = String::new();
    for (name, o) in &r.outcomes {
        for f in &o.failures {
            let _ = writeln!(report, "{name}: {f}");
        }
    }
    for s in &r.stale_snapshots {
        let _ = writeln!(
            report,
            "{s}: a snapshot without its case (delete it, or run with UPDATE_SNAPSHOTS=1)"
        );
    }
    assert!(report.is_empty(), "case failures:\n{report}");
}

#[test]
fn every_registered_code_has_a_case() {
    let r = run();
    let registered: BTreeSet<&str> = registry::ALL.iter().map(|c| c.id).collect();
    let mut expected: BTreeSet<&str> = BTreeSet::new();
    let mut emitted: BTreeSet<&str> = BTreeSet::new();
    let mut problems = Vec::new();
    for (name, o) in &r.outcomes {
        for c in &o.expected {
            if !registered.contains(c.as_str()) {
                problems.push(format!("{name} expects `{c}`, which is not a registered code (crates/luneo-obs-core/src/diag/registry.rs)"));
            }
            expected.insert(c);
        }
        emitted.extend(o.emitted.iter().map(String::as_str));
    }
    for (c, why) in UNREACHABLE {
        assert!(!why.is_empty(), "{c}: say why it is unreachable");
        if !registered.contains(c) {
            problems.push(format!("UNREACHABLE lists `{c}`, which is not registered"));
        }
        if emitted.contains(c) {
            problems.push(format!(
                "UNREACHABLE lists `{c}`, but a case emits it: remove it from UNREACHABLE and expect it in that case"
            ));
        }
    }
    for c in TODO_CASES {
        if expected.contains(c) {
            problems.push(format!(
                "TODO_CASES lists `{c}`, which a case now expects: remove it"
            ));
        }
    }
    let excused: BTreeSet<&str> = UNREACHABLE
        .iter()
        .map(|(c, _)| *c)
        .chain(TODO_CASES.iter().copied())
        .collect();
    let missing: Vec<&str> = registered
        .iter()
        .copied()
        .filter(|c| !expected.contains(c) && !excused.contains(c))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "{} registered code(s) have no case that triggers them: {}\n  add a case under crates/luneo-obs-core/tests/cases/ (a definitions file in bad/, ok/ or warn/ with `# expect: <code>`, or a JSON request with \"expect\": [\"<code>\"]) for each",
            missing.len(),
            missing.join(", ")
        ));
    }
    if !TODO_CASES.is_empty() {
        eprintln!(
            "warning: {} registered code(s) still need a case (TODO_CASES in tests/cases.rs): {}",
            TODO_CASES.len(),
            TODO_CASES.join(", ")
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
