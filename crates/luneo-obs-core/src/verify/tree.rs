//! Checks of generated or on-disk artefacts: the rules generated from the definitions
//! (positions mapped back to the definitions) and a manifests tree on disk (drift,
//! missing and unexpected files, the PrometheusRules, the overlays).

use std::collections::BTreeMap;

use crate::diag::registry as codes;
use crate::diag::{Diagnostic, Pos};
use crate::generate::layout;
use crate::generate::manifests::ClusterOutput;
use crate::generate::rules;
use crate::lint::secrets::scan_secrets;
use crate::load::Loaded;
use serde::{Deserialize, Serialize};

/// Checks on the generated rules, mapped back to the definitions.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ManifestTree {
    /// How the host names the tree's root in diagnostics (e.g. `manifests`).
    pub root: String,
    /// Relative path -> content of every file found under the root.
    pub files: BTreeMap<String, String>,
}

/// Checks on the generated rules, mapped back to the definitions.
#[cfg(feature = "promql")]
pub fn rule_findings(l: &Loaded, outs: &[ClusterOutput]) -> Vec<Diagnostic> {
    let scrape = l.defs.spec.metrics.scrape_interval.ms();
    let mut out: Vec<Diagnostic> = Vec::new();
    for o in outs {
        for f in crate::verify::rules::check_groups(&o.rules.groups, scrape) {
            let field_path = match o.rules.origin(f.group, f.rule) {
                Some(origin) => origin.field_path(f.field, |p| l.doc.index.contains_key(p)),
                None => "spec".into(),
            };
            let d = Diagnostic::new(
                f.code,
                f.severity,
                &l.file,
                l.pos(&field_path),
                format!("{} (cluster {})", f.message, o.rules.cluster),
            )
            .with_hint(f.hint);
            if !out
                .iter()
                .any(|x| x.code == d.code && x.line == d.line && x.message == d.message)
            {
                out.push(d);
            }
        }
    }
    out
}

#[cfg(not(feature = "promql"))]
pub fn rule_findings(_: &Loaded, _: &[ClusterOutput]) -> Vec<Diagnostic> {
    Vec::new()
}

/// Lines of diff shown per file; the rest is counted, not printed.
pub const DIFF_LINES: usize = 200;

/// A unified diff (3 lines of context) from the file on disk to the generated one, at
/// most [`DIFF_LINES`] lines.
pub fn unified_diff(file: &str, have: &str, want: &str) -> String {
    let diff = similar::TextDiff::from_lines(have, want);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("{file} (on disk)"), &format!("{file} (generated)"))
        .to_string();
    let total = text.lines().count();
    if total <= DIFF_LINES {
        return text;
    }
    let mut out: String = text
        .lines()
        .take(DIFF_LINES)
        .flat_map(|l| [l, "\n"])
        .collect();
    out.push_str(&format!("... {} more lines of diff\n", total - DIFF_LINES));
    out
}

/// First line (1-based) where two texts differ.
fn first_diff_line(a: &str, b: &str) -> usize {
    let mut n = 1;
    for (x, y) in a.lines().zip(b.lines()) {
        if x != y {
            return n;
        }
        n += 1;
    }
    n
}

pub fn check_tree(
    expected: &BTreeMap<String, String>,
    tree: &ManifestTree,
    l: &Loaded,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let root = if tree.root.is_empty() {
        "manifests".to_string()
    } else {
        tree.root.trim_end_matches('/').to_string()
    };
    let at = |p: &str| format!("{root}/{p}");
    let top = Pos { line: 1, column: 1 };
    for (path, want) in expected {
        match tree.files.get(path) {
            None => out.push(
                Diagnostic::error(
                    &codes::MANIFESTS_MISSING_FILE,
                    &at(path),
                    top,
                    "this generated file is missing from the tree",
                )
                .with_hint("run `kubectl luneo-obs generate` and commit the result"),
            ),
            Some(have) if have != want => {
                let line = first_diff_line(have, want);
                let diff = unified_diff(&at(path), have, want);
                out.push(
                    Diagnostic::error(&codes::MANIFESTS_DRIFT, &at(path), Pos { line, column: 1 }, format!("the file differs from what the definitions produce (first difference at line {line}):\n{diff}"))
                        .with_hint("generated files are never edited by hand: change the definitions and run `kubectl luneo-obs generate`"),
                );
                if crate::generate::layout::is_rules_file(path) {
                    out.extend(check_rules_file(&at(path), have, l));
                }
            }
            Some(_) => {}
        }
    }
    // Credentials written in clear in any file of the tree (hand edits included).
    for (path, content) in &tree.files {
        out.extend(scan_secrets(&at(path), content));
    }
    for path in tree.files.keys() {
        let ours = path.starts_with(layout::OVERLAYS_DIR)
            || path.starts_with(layout::ARGOCD_DIR)
            || path.starts_with(layout::ALERTMANAGER_DIR)
            || path == layout::MARKER;
        if ours && !expected.contains_key(path) {
            out.push(
                Diagnostic::error(
                    &codes::MANIFESTS_UNEXPECTED_FILE,
                    &at(path),
                    top,
                    "this file is in the generated tree but the definitions do not produce it",
                )
                .with_hint(
                    "delete it, or run `kubectl luneo-obs generate` (which replaces the tree)",
                ),
            );
        }
    }
    // The overlays as they are on disk: references, sidecar labels, dashboard JSON, sizes, metrics.
    out.extend(crate::verify::overlays::check(&root, &tree.files, l));
    out
}

/// Parse a PrometheusRule found on disk and run the rule checks on it.
fn check_rules_file(file: &str, text: &str, l: &Loaded) -> Vec<Diagnostic> {
    let doc = match crate::source::yaml::parse(file, text) {
        Ok(d) => d,
        Err(d) => return d,
    };
    let pr: rules::PrometheusRule = match serde_json::from_value(doc.value.clone()) {
        Ok(p) => p,
        Err(e) => {
            return vec![Diagnostic::error(
                &codes::MANIFESTS_BAD_PROMETHEUS_RULE,
                file,
                doc.pos(""),
                format!("not a valid PrometheusRule: {e}"),
            )
            .with_hint("regenerate the file with `kubectl luneo-obs generate`")]
        }
    };
    #[cfg(feature = "promql")]
    {
        let scrape = l.defs.spec.metrics.scrape_interval.ms();
        crate::verify::rules::check_groups(&pr.spec.groups, scrape)
            .into_iter()
            .map(|f| {
                let base = format!("spec.groups[{}].rules[{}]", f.group, f.rule);
                let p = if f.field.is_empty() {
                    format!("spec.groups[{}]", f.group)
                } else {
                    format!("{base}.{}", f.field)
                };
                Diagnostic::new(f.code, f.severity, file, doc.pos(&p), f.message).with_hint(f.hint)
            })
            .collect()
    }
    #[cfg(not(feature = "promql"))]
    {
        let _ = (pr, l);
        Vec::new()
    }
}
