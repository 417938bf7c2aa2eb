//! `kubectl luneo-obs docs` as a user runs it, and the pull-request checks of
//! .github/workflows/gitops-sync.yml (scripts/gitops-check.sh) run with this binary.

#![allow(clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn plugin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-luneo_obs"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the plugin: {e}"))
}

/// A copy of docs/ in a temp dir, removed on drop.
struct DocsCopy(PathBuf);

impl DocsCopy {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("luneo-obs-docs-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("runbooks")).unwrap_or_else(|e| panic!("{e}"));
        fs::copy(
            repo().join("docs/observability.md"),
            dir.join("observability.md"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for e in fs::read_dir(repo().join("docs/runbooks"))
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
        {
            fs::copy(e.path(), dir.join("runbooks").join(e.file_name()))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        DocsCopy(dir)
    }
    fn arg(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
    fn page(&self, rel: &str) -> String {
        fs::read_to_string(self.0.join(rel)).unwrap_or_default()
    }
}

impl Drop for DocsCopy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn docs_check_detects_a_stale_block_and_docs_rewrites_only_the_block() {
    let d = DocsCopy::new("stale");
    let out = plugin(&["docs", "--check", "--dir", d.arg()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the checked-in docs are stale: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Someone edits a threshold inside the generated block and adds a hand-written line.
    let rel = "runbooks/api-error-rate.md";
    let orig = d.page(rel);
    let edited = orig
        .replacen("| Seuil | 5 %", "| Seuil | 7 %", 1)
        .replace("## Escalade\n", "## Escalade\n\nNote de l'équipe.\n");
    assert_ne!(edited, orig);
    fs::write(d.0.join(rel), &edited).unwrap_or_else(|e| panic!("{e}"));
    let out = plugin(&["docs", "--check", "--dir", d.arg()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("differs:")
            && String::from_utf8_lossy(&out.stdout).contains("api-error-rate.md")
    );
    assert_eq!(d.page(rel), edited, "--check must write nothing");

    let out = plugin(&["docs", "--dir", d.arg()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        d.page(rel),
        orig.replace("## Escalade\n", "## Escalade\n\nNote de l'équipe.\n"),
        "only the generated block is restored"
    );
    assert_eq!(
        plugin(&["docs", "--check", "--dir", d.arg()]).status.code(),
        Some(0)
    );
}

#[test]
fn docs_refuses_a_page_with_broken_markers_and_leaves_every_page_untouched() {
    let d = DocsCopy::new("broken");
    let rel = "observability.md";
    let broken = d
        .page(rel)
        .replacen("<!-- END GENERATED routing -->\n", "", 1);
    fs::write(d.0.join(rel), &broken).unwrap_or_else(|e| panic!("{e}"));
    let before = d.page("runbooks/watchdog.md");
    fs::write(
        d.0.join("runbooks/watchdog.md"),
        before.replace("| `none` |", "| `??` |"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let stale = d.page("runbooks/watchdog.md");
    let out = plugin(&["docs", "--dir", d.arg()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("observability.md:") && err.contains("docs/unclosed-block"),
        "{err}"
    );
    assert_eq!(d.page(rel), broken);
    assert_eq!(
        d.page("runbooks/watchdog.md"),
        stale,
        "nothing is written when a page is broken"
    );
}

#[test]
fn the_pull_request_checks_pass_on_this_repository() {
    let out = Command::new("bash")
        .arg(repo().join("scripts/gitops-check.sh"))
        .env("LUNEO_OBS_PLUGIN", env!("CARGO_BIN_EXE_kubectl-luneo_obs"))
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "scripts/gitops-check.sh failed (kubectl, promtool and amtool come from `make setup`):\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for step in [
        "generate --check",
        "docs --check",
        "validate",
        "kustomize manifests/infrastructure/kubernetes/overlays/observability-primary",
        "kustomize manifests/infrastructure/kubernetes/overlays/observability-secondary",
        "promtool check rules",
        "amtool check-config",
        "gitops checks passed",
    ] {
        assert!(
            stdout.contains(step),
            "step `{step}` did not run:\n{stdout}"
        );
    }
}
