//! The core's module graph: data flows one way (definitions -> model -> checks and
//! generators -> outputs). This test reads the sources, unit tests included, collects every `crate::...` and
//! `super::...` path, and fails on a module cycle or on a module that
//! reaches into a layer below it in [`LAYERS`] order (see src/lib.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Top-level modules, lowest layer first. A module may use its own layer and those
/// before it, never one after it.
const LAYERS: &[&str] = &[
    "diag", "model", "source", "lint", "load", "generate", "verify", "health", "dr", "ops",
];

/// `src/generate/rules.rs` -> `generate::rules`; `src/lint/mod.rs` -> `lint`.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            sources(&p, root, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = fs::read_to_string(&p).unwrap();
            // Unit tests may use anything: only non-test code defines the layers.
            // Test modules count too: a test reaching up the layers is a cycle all the same.
            let code = &text;
            // Comments name modules without using them.
            let code: String = code
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            out.insert(module_of(p.strip_prefix(root).unwrap()), code);
        }
    }
}

/// Paths written after `crate::` or `super::` (and inside `crate::{a, b::c}` groups),
/// resolved to absolute module paths.
fn references(module: &str, is_mod_rs: bool, code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    for (prefix, base) in [
        ("crate::", String::new()),
        ("super::", {
            // `super` of `a::b` (file a/b.rs) is `a`; of `a` written in a/mod.rs it is the root.
            let mut parts: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
            if !is_mod_rs || parts.len() > 1 {
                parts.pop();
            } else {
                parts.clear();
            }
            parts.join("::")
        }),
    ] {
        for (i, _) in code.match_indices(prefix) {
            let before = code[..i].chars().last();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let rest = &code[i + prefix.len()..];
            let mut paths = Vec::new();
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                paths.extend(inner.split(',').map(|s| s.trim().to_string()));
            } else {
                paths.push(rest.chars().take_while(|c| ident(*c)).collect());
            }
            for p in paths {
                let p = p.trim_end_matches(':').trim_end_matches("::{").to_string();
                if p.is_empty() {
                    continue;
                }
                out.insert(if base.is_empty() {
                    p
                } else {
                    format!("{base}::{p}")
                });
            }
        }
    }
    out
}

/// The longest module of `modules` that `path` starts with.
fn owner<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a String> {
    let segs: Vec<&str> = path.split("::").collect();
    (1..=segs.len())
        .rev()
        .map(|n| segs[..n].join("::"))
        .find_map(|m| modules.get(&m))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut src = BTreeMap::new();
    sources(&root, &root, &mut src);
    let modules: BTreeSet<String> = src.keys().cloned().collect();
    let mut g = BTreeMap::new();
    for (m, code) in &src {
        let rel_is_mod = root.join(m.replace("::", "/")).join("mod.rs").exists();
        let mut deps = BTreeSet::new();
        for r in references(m, rel_is_mod, code) {
            if let Some(o) = owner(&r, &modules) {
                // A module using its own submodules is not a dependency on a layer.
                if o != m && !o.starts_with(&format!("{m}::")) && !m.is_empty() {
                    deps.insert(o.clone());
                }
            }
        }
        g.insert(m.clone(), deps);
    }
    g
}

fn top(m: &str) -> &str {
    m.split("::").next().unwrap_or(m)
}

#[test]
fn every_top_level_module_has_a_layer() {
    for m in graph().keys().filter(|m| !m.is_empty()) {
        assert!(
            LAYERS.contains(&top(m)),
            "module `{m}` is in no layer: add `{}` to LAYERS (and to the list in src/lib.rs)",
            top(m)
        );
    }
}

#[test]
fn no_module_uses_a_later_layer() {
    let rank = |m: &str| {
        LAYERS
            .iter()
            .position(|l| *l == top(m))
            .unwrap_or(usize::MAX)
    };
    let mut bad = Vec::new();
    for (m, deps) in graph() {
        for d in deps {
            if rank(&d) > rank(&m) {
                bad.push(format!("{m} -> {d}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layer order:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_module_graph_has_no_cycle() {
    let g = graph();
    // Depth-first search with colours; report the first cycle found, as a path.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for d in g.get(m).into_iter().flatten() {
            match state.get(d.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|s| s == d).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(d, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in g.keys() {
        if state.get(m.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(m, &g, &mut state, &mut Vec::new()) {
                panic!("module cycle: {}", c.join(" -> "));
            }
        }
    }
}

#[test]
fn the_reader_sees_the_imports_it_must_judge() {
    // Guards the reader itself: if it stopped finding paths, the two tests above
    // would pass on anything.
    let g = graph();
    let deps = |m: &str| g.get(m).cloned().unwrap_or_default();
    assert!(deps("load").contains("lint"), "{:?}", deps("load"));
    assert!(deps("lint::alerts").contains("lint"), "super:: is resolved");
    assert!(deps("generate::manifests").contains("generate::layout"));
    assert!(deps("ops::api").contains("verify::tree"));
    let refs = references(
        "verify::tree",
        false,
        "use crate::{diag, generate::layout};",
    );
    assert!(
        refs.contains("diag") && refs.contains("generate::layout"),
        "{refs:?}"
    );
}
