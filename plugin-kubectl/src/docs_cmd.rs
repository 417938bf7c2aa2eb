//! `kubectl luneo-obs docs`: refresh the generated blocks of docs/ (runbooks and the
//! observability page) in place, or check that they are in sync (`--check`).
//!
//! Unlike `generate`, which replaces the manifests tree as a whole, docs/ is hand-written
//! around the generated blocks: each page is rewritten alone, only when it changed.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use luneo_obs_core::generate::docs::{DocsRequest, OBSERVABILITY_PAGE, RUNBOOKS_DIR};
use luneo_obs_core::Source;

use crate::engine::Engine;

/// The pages the core manages, read from `dir` (missing ones are simply absent).
pub fn read_pages(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut pages = BTreeMap::new();
    let obs = dir.join(OBSERVABILITY_PAGE);
    if obs.is_file() {
        pages.insert(
            OBSERVABILITY_PAGE.to_string(),
            fs::read_to_string(&obs).map_err(|e| format!("cannot read {}: {e}", obs.display()))?,
        );
    }
    let rb = dir.join(RUNBOOKS_DIR);
    if rb.is_dir() {
        for entry in fs::read_dir(&rb).map_err(|e| format!("cannot read {}: {e}", rb.display()))? {
            let p = entry
                .map_err(|e| format!("cannot read {}: {e}", rb.display()))?
                .path();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if p.is_file() && name.ends_with(".md") {
                let text = fs::read_to_string(&p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                pages.insert(format!("{RUNBOOKS_DIR}/{name}"), text);
            }
        }
    }
    Ok(pages)
}

/// Exit code 0 (in sync / written), 1 (problems or drift); `Err` when it could not run.
pub fn run(
    engine: &dyn Engine,
    defs: Option<Source>,
    dir: &Path,
    check: bool,
) -> Result<u8, String> {
    let pages = read_pages(dir)?;
    let resp = engine.docs(&DocsRequest {
        definitions: defs,
        pages: pages.clone(),
    })?;
    for d in &resp.diagnostics {
        eprintln!(
            "{}",
            d.render()
                .replacen(&d.file, &dir.join(&d.file).display().to_string(), 1)
        );
    }
    if !resp.ok {
        eprintln!(
            "docs not refreshed: fix the errors above ({} left untouched)",
            dir.display()
        );
        return Ok(1);
    }
    let changed: Vec<(&String, &String)> = resp
        .files
        .iter()
        .filter(|(p, text)| pages.get(*p) != Some(*text))
        .collect();
    if check {
        if changed.is_empty() {
            println!(
                "{} is up to date ({} generated pages)",
                dir.display(),
                resp.files.len()
            );
            return Ok(0);
        }
        for (p, _) in &changed {
            println!(
                "{}: {}",
                if pages.contains_key(*p) {
                    "differs"
                } else {
                    "missing"
                },
                dir.join(p).display()
            );
        }
        eprintln!(
            "{} is out of date: run `kubectl luneo-obs docs` and commit the result",
            dir.display()
        );
        return Ok(1);
    }
    for (p, text) in &changed {
        let path = dir.join(p);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!(
            "{}: {}",
            if pages.contains_key(*p) {
                "updated"
            } else {
                "created"
            },
            path.display()
        );
    }
    println!(
        "{} generated pages, {} rewritten",
        resp.files.len(),
        changed.len()
    );
    Ok(0)
}
