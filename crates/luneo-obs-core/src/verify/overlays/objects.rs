//! Checks of an overlay's files: what the kustomization lists, what it forgets, what is
//! not a Kubernetes object, and how big each object is.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{size_of, Obj, Overlay, Resource, APPLY_LIMIT, CONFIGMAP_LIMIT, KUSTOMIZATION_NAMES};
use super::{ObjectSize, SIZE_BUDGET};
use crate::diag::registry as codes;
use crate::diag::{Diagnostic, Pos, Severity};
use crate::source::yaml::Document;

/// Resolve the local `resources` and `components` of a kustomization (remote bases
/// cannot be checked offline and are left out).
pub(super) fn resolve(
    dir: &str,
    kdoc: &Document,
    files: &BTreeMap<String, String>,
) -> Vec<Resource> {
    let mut out = Vec::new();
    for field in ["resources", "components"] {
        let Some(items) = kdoc.value.get(field).and_then(Value::as_array) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let Some(entry) = item.as_str() else { continue };
            if entry.contains("://") || entry.starts_with("github.com/") {
                continue;
            }
            let p = join(dir, entry);
            out.push(if files.contains_key(&p) {
                Resource::File(p)
            } else if KUSTOMIZATION_NAMES
                .iter()
                .any(|n| files.contains_key(&format!("{p}/{n}")))
            {
                Resource::Dir(format!("{p}/"))
            } else {
                Resource::Missing {
                    at: format!("{field}[{i}]"),
                    entry: entry.to_string(),
                    path: p,
                }
            });
        }
    }
    out
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

/// `overlay/unresolved-resource`: an entry names neither a file nor a kustomization dir.
pub(super) fn unresolved_resources(ov: &Overlay<'_>, out: &mut Vec<Diagnostic>) {
    for r in &ov.resources {
        let Resource::Missing { at, entry, path } = r else {
            continue;
        };
        out.push(
            Diagnostic::error(&codes::OVERLAY_UNRESOLVED_RESOURCE, &ov.shown(&ov.kpath), ov.kdoc.pos(at), format!("`{entry}` resolves to `{path}`, which is neither a file nor a directory with a kustomization"))
                .with_hint("fix the path or restore the file (`kubectl luneo-obs generate` rewrites generated overlays); `kubectl kustomize` fails on it"),
        );
    }
}

/// `overlay/unlisted-file`: a manifest of the overlay that nothing lists.
pub(super) fn unlisted_files(ov: &Overlay<'_>, out: &mut Vec<Diagnostic>) {
    let kfile = ov.kpath.rsplit('/').next().unwrap_or("kustomization.yaml");
    for p in ov.files.keys().filter(|p| is_unlisted(ov, p)) {
        out.push(
            Diagnostic::warning(
                &codes::OVERLAY_UNLISTED_FILE,
                &ov.shown(p),
                Pos { line: 1, column: 1 },
                format!("this file is not listed in {kfile}: it is never deployed"),
            )
            .with_hint("list it under `resources:` or delete it"),
        );
    }
}

/// A manifest in the overlay's directory that neither the kustomization nor a listed
/// sub-kustomization accounts for.
fn is_unlisted(ov: &Overlay<'_>, p: &str) -> bool {
    let Some(rest) = p.strip_prefix(&format!("{}/", ov.dir)) else {
        return false;
    };
    let is_manifest = rest.ends_with(".yaml") || rest.ends_with(".yml") || rest.ends_with(".json");
    is_manifest
        && !KUSTOMIZATION_NAMES.contains(&rest)
        && !ov.listed().any(|l| l == p)
        && !ov.sub_dirs().any(|s| p.starts_with(s))
        && !KUSTOMIZATION_NAMES
            .iter()
            .any(|n| rest.ends_with(&format!("/{n}")))
}

/// `overlay/bad-object` (and YAML errors): a listed file that is not a Kubernetes object.
pub(super) fn bad_objects(ov: &Overlay<'_>, out: &mut Vec<Diagnostic>) {
    for p in &ov.parsed {
        match p {
            Err(d) => out.extend(d.iter().cloned()),
            Ok(o) if !o.is_object() => out.push(o.error(
                &codes::OVERLAY_BAD_OBJECT,
                o.doc.pos(""),
                "not a Kubernetes object: apiVersion, kind and metadata.name are required".into(),
                "regenerate the overlay with `kubectl luneo-obs generate`",
            )),
            Ok(_) => {}
        }
    }
}

/// `overlay/object-size`: every object's size and its margin under the limits.
pub(super) fn sizes(ov: &Overlay<'_>, out: &mut Vec<Diagnostic>) {
    for o in ov.objects() {
        if let Some(sz) = size_of(&o.rel, &o.doc.value) {
            out.push(size_diagnostic(o, &sz));
        }
    }
}

const SIZE_HINT: &str = "keep dashboards small (template variables, not one panel per queue/route), or apply server-side (Argo CD `ServerSideApply=true`)";

/// An error over a limit, a warning over the budget, else an info.
fn size_diagnostic(o: &Obj, sz: &ObjectSize) -> Diagnostic {
    let at = o.doc.pos("metadata.name");
    let msg = size_message(sz);
    let code = &codes::OVERLAY_OBJECT_SIZE;
    if sz.applied_bytes > APPLY_LIMIT || sz.data_bytes > CONFIGMAP_LIMIT {
        let msg = format!("{msg}: over the limit, `kubectl apply` rejects it");
        o.error(code, at, msg, SIZE_HINT)
    } else if sz.applied_bytes > SIZE_BUDGET {
        let msg = format!("{msg}: above the {}-byte budget", grouped(SIZE_BUDGET));
        o.warning(code, at, msg, SIZE_HINT)
    } else {
        Diagnostic::new(code, Severity::Info, &o.shown, at, msg)
    }
}

fn size_message(sz: &ObjectSize) -> String {
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
    format!("{what}: {} bytes as `kubectl apply` stores it ({} margin under the {}-byte last-applied-configuration limit){data}", grouped(sz.applied_bytes), margin(sz.applied_bytes, APPLY_LIMIT), grouped(APPLY_LIMIT))
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
