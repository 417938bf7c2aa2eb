//! The CLI run as a user runs it: exit codes, diagnostics for the bad-definitions corpus,
//! `--check` drift detection, and atomicity of `generate`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The definitions cases shared with the core's in-process case runner
/// (crates/luneo-obs-core/tests/cases.rs): `bad/` and `ok/` are read here too.
const CASES: &str = "crates/luneo-obs-core/tests/cases";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubectl-luneo_obs"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin()
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the plugin: {e}"))
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("luneo-obs-cli-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    d
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap_or_else(|e| panic!("{e}")).flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap_or(&p).display().to_string(),
                    fs::read(&p).unwrap_or_default(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Expectations written in each corpus file's header, and the line marked `# FAULT`.
struct Expect {
    code: String,
    severity: &'static str,
    line: usize,
}

fn expectation(path: &Path) -> Expect {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    let mut code = None;
    let mut severity = "error";
    let mut line = None;
    for (i, l) in text.lines().enumerate() {
        if let Some(c) = l.strip_prefix("# expect: ") {
            code = Some(c.trim().to_string());
        }
        if let Some(c) = l.strip_prefix("# expect-warning: ") {
            code = Some(c.trim().to_string());
            severity = "warning";
        }
        if let Some(n) = l.strip_prefix("# expect-line: ") {
            line = n.trim().parse().ok();
        }
        if l.contains("# FAULT") && line.is_none() {
            line = Some(i + 1);
        }
    }
    Expect {
        code: code.unwrap_or_else(|| panic!("{}: no `# expect:` header", path.display())),
        severity,
        line: line.unwrap_or_else(|| panic!("{}: no FAULT marker or expect-line", path.display())),
    }
}

fn corpus(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(repo().join(CASES).join(dir))
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    v
}

#[test]
fn bad_definitions_files_get_their_diagnostic_with_a_line_and_exit_1() {
    // Every case runs in-process (crates/luneo-obs-core/tests/cases.rs); the CLI checks a
    // sample of each kind of failure: YAML, shape, names, units, PromQL, secrets.
    const SMOKE: &[&str] = &[
        "malformed-yaml.yaml",
        "duplicate-key.yaml",
        "unknown-field.yaml",
        "wrong-type.yaml",
        "unknown-cluster.yaml",
        "unit-mismatch.yaml",
        "custom-parse-error.yaml",
        "secret-literal-slack.yaml",
    ];
    let cases: Vec<PathBuf> = corpus("bad")
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| SMOKE.iter().any(|s| n == *s)))
        .collect();
    assert_eq!(cases.len(), SMOKE.len(), "smoke cases missing: {cases:?}");
    let mut failures = Vec::new();
    for path in cases {
        let exp = expectation(&path);
        let out = run(
            &[
                "-f",
                path.to_str().unwrap_or_default(),
                "validate",
                "--definitions-only",
                "-o",
                "json",
            ],
            &repo(),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if out.status.code() != Some(1) {
            failures.push(format!(
                "{name}: exit {:?} (want 1), stderr: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(&stdout) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: -o json is not JSON ({e}): {stdout}"));
                continue;
            }
        };
        let diags = v["diagnostics"].as_array().cloned().unwrap_or_default();
        let hit = diags
            .iter()
            .find(|d| d["code"] == exp.code.as_str() && d["severity"] == exp.severity);
        match hit {
            None => failures.push(format!(
                "{name}: no {} diagnostic; got {}",
                exp.code,
                serde_json::to_string(&diags).unwrap_or_default()
            )),
            Some(d) => {
                if d["line"].as_u64() != Some(exp.line as u64) {
                    failures.push(format!(
                        "{name}: {} at line {} (want {})",
                        exp.code, d["line"], exp.line
                    ));
                }
                if d["column"].as_u64().unwrap_or(0) == 0
                    || d["hint"].as_str().unwrap_or("").is_empty()
                    || d["message"].as_str().unwrap_or("").is_empty()
                {
                    failures.push(format!(
                        "{name}: diagnostic lacks column, message or hint: {d}"
                    ));
                }
                if !d["file"].as_str().unwrap_or("").ends_with(&name) {
                    failures.push(format!("{name}: diagnostic names file {} ", d["file"]));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "corpus failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn valid_corpus_files_pass_with_their_warnings() {
    for path in corpus("ok") {
        let out = run(
            &[
                "-f",
                path.to_str().unwrap_or_default(),
                "validate",
                "--definitions-only",
                "-o",
                "json",
            ],
            &repo(),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let text = fs::read_to_string(&path).unwrap_or_default();
        if text.contains("# expect-warning:") {
            let exp = expectation(&path);
            let ok = v["diagnostics"].as_array().into_iter().flatten().any(|d| {
                d["code"] == exp.code.as_str()
                    && d["line"].as_u64() == Some(exp.line as u64)
                    && d["hint"].as_str().is_some_and(|h| h.contains("0.6"))
            });
            assert!(
                ok,
                "{}: expected {} at line {} with a hint naming the bucket 0.6: {v}",
                path.display(),
                exp.code,
                exp.line
            );
        } else {
            assert_eq!(
                v["diagnostics"].as_array().map(Vec::len),
                Some(0),
                "{}: {v}",
                path.display()
            );
        }
    }
}

#[test]
fn human_output_names_file_line_code_and_hint() {
    let path = repo().join(CASES).join("bad/gpu-150-percent.yaml");
    let out = run(
        &[
            "-f",
            path.to_str().unwrap_or_default(),
            "validate",
            "--definitions-only",
        ],
        &repo(),
    );
    let s = String::from_utf8_lossy(&out.stdout);
    let line = expectation(&path).line;
    assert!(s.contains(&format!("gpu-150-percent.yaml:{line}:")), "{s}");
    assert!(
        s.contains("error[units/threshold-range]") && s.contains("hint:") && s.contains("FAILED"),
        "{s}"
    );
}

#[test]
fn exit_codes_distinguish_clean_problems_and_could_not_run() {
    let d = tmpdir("exit");
    assert_eq!(
        run(&["validate", "--definitions-only"], &d).status.code(),
        Some(0)
    );
    let bad = repo().join(CASES).join("bad/duplicate-alert.yaml");
    assert_eq!(
        run(&["-f", bad.to_str().unwrap_or_default(), "validate"], &d)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(&["-f", "/nonexistent/defs.yaml", "validate"], &d)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["validate", "--manifests", "/nonexistent/dir"], &d)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(run(&["no-such-command"], &d).status.code(), Some(2));
    assert_eq!(run(&["explain", "NoSuchAlert"], &d).status.code(), Some(1));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn usage_starts_with_kubectl_luneo_obs_and_every_command_has_help() {
    let d = tmpdir("help");
    let out = run(&["--help"], &d);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("kubectl luneo-obs"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for cmd in ["generate", "validate", "explain", "version"] {
        let out = run(&[cmd, "-h"], &d);
        assert_eq!(out.status.code(), Some(0), "{cmd} -h");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: kubectl luneo-obs"),
            "{cmd}"
        );
    }
    let v = run(&["--version"], &d);
    assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn explain_shows_threshold_for_severity_clusters_and_runbook() {
    let d = tmpdir("explain");
    let out = run(&["explain", "ApiLatencyHigh", "-o", "json"], &d);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["threshold"], "600 ms");
    assert_eq!(v["threshold_in_expr"], 0.6);
    assert_eq!(v["for"], "5m");
    assert_eq!(v["severity"], "warning");
    assert_eq!(v["clusters"], serde_json::json!(["primary", "standby"]));
    assert!(v["runbook_url"]
        .as_str()
        .unwrap_or("")
        .ends_with("/api-latency-high.md"));
    // The comparison with the threshold, then the guards (confirm window, min requests).
    let expr = v["exprs"][0]["expr"].as_str().unwrap_or("");
    assert!(expr.contains("> 0.6 and on() "), "{expr}");
    assert!(expr.ends_with(">= 100"), "{expr}");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn explain_shows_each_slo_with_its_budget_tiers_and_receivers() {
    let d = tmpdir("explain-slo");
    // By the burn-rate alert's name or the SLO's: the same explanation.
    let out = run(&["explain", "ApiAvailabilityBudgetBurn", "-o", "json"], &d);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["name"], "api-availability");
    assert_eq!(v["objective"], 99.5);
    assert_eq!(v["budget"], 0.005);
    // 0.5 % of 30 days = 0.005 x 43200 min.
    assert_eq!(v["budget_minutes"], 216.0);
    assert_eq!(v["tiers"][0]["tier"], "page");
    assert_eq!(v["tiers"][0]["conditions"][0]["factor"], 14.4);
    assert_eq!(v["tiers"][0]["conditions"][1]["factor"], 6.0);
    assert_eq!(
        v["tiers"][0]["receivers"],
        serde_json::json!(["slack-incident", "pagerduty"])
    );
    assert_eq!(v["tiers"][1]["tier"], "ticket");
    assert_eq!(v["tiers"][1]["conditions"][0]["factor"], 3.0);
    assert_eq!(v["tiers"][1]["conditions"][1]["factor"], 1.0);
    assert_eq!(v["tiers"][1]["receivers"], serde_json::json!(["slack-sre"]));
    let by_slo = run(&["explain", "api-availability", "-o", "json"], &d);
    assert_eq!(by_slo.stdout, out.stdout);
    // The listing ends with the SLO table.
    let list = String::from_utf8_lossy(&run(&["explain"], &d).stdout).to_string();
    assert!(
        list.contains("queue-jobs-duration") && list.contains("1 % = 432 min"),
        "{list}"
    );
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn generate_check_shows_a_unified_diff_of_each_stale_file() {
    let d = tmpdir("check-diff");
    assert_eq!(run(&["generate"], &d).status.code(), Some(0));
    let rel =
        "infrastructure/kubernetes/overlays/observability-primary/alerts/prometheus-rules.yaml";
    let path = d.join("manifests").join(rel);
    let generated = fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = generated.lines().collect();
    // One line edited by hand, with at least three lines on each side.
    let i = lines
        .iter()
        .position(|l| l.contains("> 0.6"))
        .unwrap_or_else(|| panic!("no `> 0.6` in {rel}"));
    assert!(i >= 3 && i + 3 < lines.len());
    let edited = lines[i].replace("> 0.6", "> 0.7");
    let mut on_disk: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    on_disk[i] = edited.clone();
    fs::write(&path, on_disk.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    // A missing file and an unexpected one are listed, not diffed.
    let gone = "infrastructure/argocd/observability-secondary.yaml";
    fs::remove_file(d.join("manifests").join(gone)).unwrap_or_else(|e| panic!("{e}"));
    fs::write(d.join("manifests/stray.yaml"), "x: 1\n").unwrap_or_else(|e| panic!("{e}"));

    let out = run(&["generate", "--check"], &d);
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{s}");
    let mut want = format!(
        "differs: manifests/{rel}\n--- manifests/{rel} (on disk)\n+++ manifests/{rel} (generated)\n@@ -{0},7 +{0},7 @@\n",
        i - 2
    );
    for l in &lines[i - 3..i] {
        want.push_str(&format!(" {l}\n"));
    }
    want.push_str(&format!("-{edited}\n+{}\n", lines[i]));
    for l in &lines[i + 1..i + 4] {
        want.push_str(&format!(" {l}\n"));
    }
    assert!(s.contains(&want), "expected\n{want}\nin\n{s}");
    assert!(s.contains(&format!("missing: manifests/{gone}\n")), "{s}");
    assert!(!s.contains(&format!("--- manifests/{gone}")), "{s}");
    assert!(s.contains("extra:   manifests/stray.yaml\n"), "{s}");
    assert!(!s.contains("--- manifests/stray.yaml"), "{s}");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn generate_check_caps_the_diff_of_each_file() {
    let d = tmpdir("check-cap");
    assert_eq!(run(&["generate"], &d).status.code(), Some(0));
    // A generated file replaced by 300 unrelated lines.
    let rel = "alertmanager/values.yaml";
    let path = d.join("manifests").join(rel);
    let n = fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .count();
    assert!(n > 0);
    let junk: String = (0..300).map(|k| format!("junk: {k}\n")).collect();
    fs::write(&path, junk).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&["generate", "--check"], &d);
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{s}");
    let diff: Vec<&str> = s.lines().skip_while(|l| !l.starts_with("--- ")).collect();
    // Two headers, one hunk header, 300 lines removed, every generated line added: the
    // first 200 lines are shown, then a count of the rest.
    let total = 2 + 1 + 300 + n;
    assert_eq!(diff.len(), 201, "{s}");
    assert_eq!(diff[200], format!("... {} more lines", total - 200));
    assert_eq!(diff[1], format!("+++ manifests/{rel} (generated)"));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn generate_check_detects_drift_and_lists_files() {
    let d = tmpdir("check");
    assert_eq!(run(&["generate"], &d).status.code(), Some(0));
    assert_eq!(run(&["generate", "--check"], &d).status.code(), Some(0));
    let rules = d.join("manifests/infrastructure/kubernetes/overlays/observability-primary/alerts/prometheus-rules.yaml");
    let text = fs::read_to_string(&rules).unwrap_or_default();
    fs::write(&rules, text.replace("> 0.6", "> 0.7")).unwrap_or_else(|e| panic!("{e}"));
    fs::write(d.join("manifests/stray.yaml"), "x: 1\n").unwrap_or_else(|e| panic!("{e}"));
    let out = run(&["generate", "--check"], &d);
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.contains("differs: manifests/infrastructure/kubernetes/overlays/observability-primary/alerts/prometheus-rules.yaml"), "{s}");
    assert!(s.contains("extra:   manifests/stray.yaml"), "{s}");
    // validate sees the same drift, and the checks run on the edited rules file.
    let out = run(&["validate"], &d);
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.contains("error[manifests/drift]"), "{s}");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn failed_generation_leaves_an_existing_tree_byte_identical() {
    let d = tmpdir("atomic");
    assert_eq!(run(&["generate"], &d).status.code(), Some(0));
    let before = snapshot(&d.join("manifests"));
    assert!(!before.is_empty());
    for case in ["malformed-yaml", "gpu-150-percent", "custom-parse-error"] {
        let bad = repo().join(CASES).join(format!("bad/{case}.yaml"));
        let out = run(&["-f", bad.to_str().unwrap_or_default(), "generate"], &d);
        assert_eq!(out.status.code(), Some(1), "{case}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("left untouched"),
            "{case}"
        );
        assert_eq!(
            snapshot(&d.join("manifests")),
            before,
            "{case} changed the tree"
        );
    }
    // No staging directories are left behind.
    let leftovers: Vec<_> = fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("luneo-obs-"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn generate_refuses_to_replace_a_directory_it_did_not_create() {
    let d = tmpdir("refuse");
    fs::create_dir_all(d.join("precious")).unwrap_or_else(|e| panic!("{e}"));
    fs::write(d.join("precious/notes.txt"), "keep me").unwrap_or_else(|e| panic!("{e}"));
    let out = run(&["generate", "--out", "precious"], &d);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing"));
    assert_eq!(
        fs::read_to_string(d.join("precious/notes.txt")).unwrap_or_default(),
        "keep me"
    );
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn generation_is_deterministic_across_runs() {
    let d = tmpdir("determinism");
    assert_eq!(run(&["generate", "--out", "a"], &d).status.code(), Some(0));
    assert_eq!(run(&["generate", "--out", "b"], &d).status.code(), Some(0));
    assert_eq!(snapshot(&d.join("a")), snapshot(&d.join("b")));
    let _ = fs::remove_dir_all(&d);
}
