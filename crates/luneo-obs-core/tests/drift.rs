//! The drift of a manifests tree is reported with a unified diff (verify/tree.rs),
//! through the `validate` operation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use luneo_obs_core::ops::api::{generate, validate, GenerateRequest, ValidateRequest};
use luneo_obs_core::verify::tree::{unified_diff, ManifestTree, DIFF_LINES};

#[test]
fn drift_is_reported_with_a_unified_diff_of_the_file() {
    let files = generate(&GenerateRequest::default()).files;
    let path = "alertmanager/alertmanager.yaml";
    let mut tree = files.clone();
    let edited = files[path].replacen("group_wait: 30s", "group_wait: 1s", 1);
    assert_ne!(edited, files[path], "the edit applies");
    tree.insert(path.to_string(), edited);
    let r = validate(&ValidateRequest {
        definitions: None,
        manifests: Some(ManifestTree {
            root: "manifests".into(),
            files: tree,
        }),
    });
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "manifests/drift")
        .unwrap_or_else(|| panic!("{:?}", r.diagnostics));
    let m = &d.message;
    assert!(
        m.contains("--- manifests/alertmanager/alertmanager.yaml (on disk)"),
        "{m}"
    );
    assert!(
        m.contains("+++ manifests/alertmanager/alertmanager.yaml (generated)"),
        "{m}"
    );
    assert!(
        m.contains("\n-  group_wait: 1s\n") || m.contains("\n-    group_wait: 1s\n"),
        "{m}"
    );
    assert!(m.contains("group_wait: 30s\n"), "{m}");
    assert!(m.contains("\n@@ -"), "hunk header: {m}");
    // Three lines of context around a one-line change.
    assert_eq!(m.lines().filter(|l| l.starts_with(' ')).count(), 6, "{m}");
}

#[test]
fn a_diff_is_capped() {
    let have: String = (0..1000).map(|i| format!("a{i}\n")).collect();
    let want: String = (0..1000).map(|i| format!("b{i}\n")).collect();
    let d = unified_diff("f", &have, &want);
    assert_eq!(d.lines().count(), DIFF_LINES + 1);
    assert!(
        d.ends_with(&format!("... {} more lines of diff\n", 2003 - DIFF_LINES)),
        "{}",
        &d[d.len() - 80..]
    );
}

/// A hand edit of a generated dashboard is drift at its line, beside the overlay check it
/// breaks (drift and refresh: tests/drift.rs; the overlay checks alone: verify/overlays).
#[test]
fn an_edited_dashboard_is_drift_at_the_edited_line_and_an_overlay_error() {
    let mut tree = generate(&GenerateRequest::default()).files;
    let path =
        "infrastructure/kubernetes/overlays/observability-primary/dashboards/luneo-queues.yaml";
    let edited = tree[path].replacen("\"refresh\":\"30s\"", "\"refresh\":\"5s\"", 1);
    assert_ne!(edited, tree[path]);
    let line = edited
        .lines()
        .position(|l| l.contains("\"refresh\":\"5s\""))
        .unwrap()
        + 1;
    let label =
        "infrastructure/kubernetes/overlays/observability-primary/dashboards/luneo-api.yaml";
    let unlabelled = tree[label].replacen("    grafana_dashboard: '1'\n", "", 1);
    assert_ne!(unlabelled, tree[label]);
    tree.insert(path.to_string(), edited);
    tree.insert(label.to_string(), unlabelled);
    let r = validate(&ValidateRequest {
        definitions: None,
        manifests: Some(ManifestTree {
            root: "manifests".into(),
            files: tree,
        }),
    });
    let at = |code: &str, file: &str| {
        r.diagnostics
            .iter()
            .find(|d| d.code == code && d.file == format!("manifests/{file}"))
            .unwrap_or_else(|| panic!("no {code} on {file}: {:?}", r.diagnostics))
    };
    assert_eq!(at("manifests/drift", path).line, line);
    assert_eq!(at("dashboard/refresh", path).line, line);
    at("manifests/drift", label);
    at("dashboard/missing-label", label);
}
