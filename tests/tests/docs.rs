//! Runbooks and the observability page (issue 6).
//!
//! The oracles are the checked-in generated files (PrometheusRules, dashboard ConfigMaps,
//! Alertmanager configuration) read back from disk, and amtool for the routing: a bug in
//! the docs generator cannot rewrite what these tests compare against.

#![allow(clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use luneo_obs_core::generate::docs::{self, DocsRequest};
use serde_json::Value;

mod common;
use common::{files_under, read, repo, yaml};

/// One alert rule as deployed (read from the checked-in PrometheusRules).
#[derive(Debug, Clone)]
struct DeployedRule {
    cluster: String,
    rule: Value,
}

fn deployed_rules() -> Vec<DeployedRule> {
    let mut out = Vec::new();
    let overlays = repo().join("manifests/infrastructure/kubernetes/overlays");
    let mut files = files_under(&overlays, "prometheus-rules.yaml");
    files.extend(files_under(&overlays, "slo-rules.yaml"));
    for f in files {
        let v = yaml(&f);
        let cluster = v["metadata"]["labels"]["luneo.io/cluster"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for g in v["spec"]["groups"].as_array().cloned().unwrap_or_default() {
            for r in g["rules"].as_array().cloned().unwrap_or_default() {
                if r.get("alert").is_some() {
                    out.push(DeployedRule {
                        cluster: cluster.clone(),
                        rule: r,
                    });
                }
            }
        }
    }
    assert!(
        out.len() >= 7,
        "expected the six Luneo alerts and the Watchdog in manifests/, found {}",
        out.len()
    );
    out
}

fn alert_name(r: &DeployedRule) -> &str {
    r.rule["alert"].as_str().unwrap_or_default()
}

/// The alert's tier (`page`, `ticket`) for an SLO's burn-rate alert: the docs give each
/// tier its own table row and runbook rows (`| Seuil (page) |`).
fn tier(r: &DeployedRule) -> Option<&str> {
    r.rule["labels"]["tier"].as_str()
}

/// The key of a rule's row in the alert table: `Alert`, or `Alert (tier)`.
fn row_key(r: &DeployedRule) -> String {
    match tier(r) {
        Some(t) => format!("{} ({t})", alert_name(r)),
        None => alert_name(r).to_string(),
    }
}

/// The suffix of a runbook row name for a rule: ` (tier)` or nothing.
fn row_suffix(r: &DeployedRule) -> String {
    tier(r).map(|t| format!(" ({t})")).unwrap_or_default()
}

fn runbook_path(alert: &str) -> PathBuf {
    repo().join("docs").join(docs::runbook_page(alert))
}

/// GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(page: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut out = BTreeSet::new();
    for line in page.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with('#') {
            out.insert(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Markdown links `[text](target)` outside code blocks.
fn links(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in page.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(j) = after.find(')') else { break };
            out.push(after[..j].to_string());
            rest = &after[j..];
        }
    }
    out
}

#[test]
fn every_deployed_alert_has_a_written_runbook_page() {
    let mut problems = Vec::new();
    let names: BTreeSet<String> = deployed_rules()
        .iter()
        .map(|r| alert_name(r).to_string())
        .collect();
    for name in &names {
        let p = runbook_path(name);
        let Ok(text) = fs::read_to_string(&p) else {
            problems.push(format!("{name}: no runbook page {}", p.display()));
            continue;
        };
        if text.contains(docs::TO_WRITE) {
            problems.push(format!(
                "{name}: {} still holds the skeleton placeholder",
                p.display()
            ));
        }
        for section in [
            "## Impact",
            "## Diagnostic",
            "## Remédiation",
            "## Escalade",
        ] {
            if !text.contains(section) {
                problems.push(format!(
                    "{name}: {} has no `{section}` section",
                    p.display()
                ));
            }
        }
        let blocks = docs::read_blocks(&text);
        if !blocks.contains_key(docs::RUNBOOK_BLOCK) {
            problems.push(format!("{name}: {} has no generated block", p.display()));
        }
        // The hand-written part is more than a title: the diagnosis is actually written.
        let hand: usize = text
            .lines()
            .filter(|l| !l.starts_with("<!--"))
            .map(str::len)
            .sum::<usize>()
            - blocks.values().map(String::len).sum::<usize>();
        if hand < 1000 {
            problems.push(format!(
                "{name}: only {hand} bytes of hand-written diagnosis"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_runbook_url_in_the_generated_rules_resolves_to_an_existing_page_in_this_repository() {
    let defs = luneo_obs_core::load::load_embedded().unwrap_or_else(|d| panic!("{d:?}"));
    let g = defs
        .defs
        .spec
        .gitops
        .clone()
        .unwrap_or_else(|| panic!("the Luneo definitions have no gitops section"));
    // https://github.com/org/repo.git -> https://github.com/org/repo/blob/<revision>/
    let web = g.repo_url.trim_end_matches(".git");
    let prefix = format!("{web}/blob/{}/", g.target_revision);
    let mut problems = Vec::new();
    for r in deployed_rules() {
        let url = r.rule["annotations"]["runbook_url"]
            .as_str()
            .unwrap_or_default();
        let Some(rel) = url.strip_prefix(&prefix) else {
            problems.push(format!(
                "{} ({}): runbook_url {url} does not point into {prefix}",
                alert_name(&r),
                r.cluster
            ));
            continue;
        };
        let (file, anchor) = rel
            .split_once('#')
            .map(|(f, a)| (f, Some(a)))
            .unwrap_or((rel, None));
        let path = repo().join(file);
        match fs::read_to_string(&path) {
            Err(_) => problems.push(format!(
                "{} ({}): {url} -> {} does not exist",
                alert_name(&r),
                r.cluster,
                path.display()
            )),
            Ok(text) => {
                if let Some(a) = anchor {
                    if !anchors(&text).contains(a) {
                        problems.push(format!(
                            "{}: anchor #{a} not in {}",
                            alert_name(&r),
                            path.display()
                        ));
                    }
                }
                if !text.contains(&format!("`{}`", alert_name(&r))) {
                    problems.push(format!(
                        "{}: {} does not name the alert",
                        alert_name(&r),
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Panel ids and titles of one dashboard as deployed to one cluster.
type Panels = (BTreeSet<u64>, BTreeSet<String>);

/// uid -> cluster -> panels of the checked-in dashboard ConfigMaps.
fn generated_dashboards() -> BTreeMap<String, BTreeMap<String, Panels>> {
    let mut out: BTreeMap<String, BTreeMap<String, Panels>> = BTreeMap::new();
    for f in files_under(
        &repo().join("manifests/infrastructure/kubernetes/overlays"),
        ".yaml",
    ) {
        let v = yaml(&f);
        if v["kind"] != "ConfigMap" {
            continue;
        }
        let cluster = f
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .find_map(|c| c.strip_prefix("observability-").map(str::to_string))
            .unwrap_or_default();
        let cluster = if cluster == "secondary" {
            "standby".to_string()
        } else {
            cluster
        };
        for (_, json) in v["data"].as_object().cloned().unwrap_or_default() {
            let d: Value = serde_json::from_str(json.as_str().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{}: dashboard JSON: {e}", f.display()));
            let uid = d["uid"].as_str().unwrap_or_default().to_string();
            let ids = d["panels"]
                .as_array()
                .map(|ps| ps.iter().filter_map(|p| p["id"].as_u64()).collect())
                .unwrap_or_default();
            let titles = d["panels"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| p["title"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            out.entry(uid)
                .or_default()
                .insert(cluster.clone(), (ids, titles));
        }
    }
    assert!(
        out.len() >= 3,
        "expected the three dashboards in manifests/, found {:?}",
        out.keys().collect::<Vec<_>>()
    );
    out
}

fn doc_pages() -> Vec<PathBuf> {
    let mut pages = files_under(&repo().join("docs/runbooks"), ".md");
    pages.push(repo().join("docs/observability.md"));
    pages
}

#[test]
fn every_dashboard_link_in_the_docs_names_a_generated_uid_cluster_and_panel() {
    let dashboards = generated_dashboards();
    let defs = luneo_obs_core::load::load_embedded()
        .unwrap_or_else(|d| panic!("{d:?}"))
        .defs;
    let grafana = defs.spec.links.grafana_url.clone();
    let central = defs.spec.metrics.cluster_label.is_some();
    let mut problems = Vec::new();
    let mut checked = 0;
    for page in doc_pages() {
        for link in links(&read(&page)) {
            let Some(rest) = link.strip_prefix(&format!("{grafana}/d/")) else {
                continue;
            };
            checked += 1;
            let (uid, query) = rest.split_once('?').unwrap_or((rest, ""));
            let params: BTreeMap<&str, &str> = query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .collect();
            let Some(per_cluster) = dashboards.get(uid) else {
                problems.push(format!(
                    "{}: {link}: no generated dashboard has uid {uid}",
                    page.display()
                ));
                continue;
            };
            // With a cluster label the link selects the cluster; without one (one
            // Prometheus per cluster) it opens the dashboard of whichever cluster's
            // Grafana, so the panel must exist on every cluster that has the dashboard.
            let clusters: Vec<&str> = match params.get("var-cluster") {
                Some(c) => vec![*c],
                None if !central => per_cluster.keys().map(String::as_str).collect(),
                None => {
                    problems.push(format!("{}: {link}: no var-cluster", page.display()));
                    continue;
                }
            };
            for cluster in clusters {
                let Some((ids, _)) = per_cluster.get(cluster) else {
                    problems.push(format!(
                        "{}: {link}: dashboard {uid} is not deployed on cluster {cluster}",
                        page.display()
                    ));
                    continue;
                };
                if let Some(p) = params.get("viewPanel") {
                    if !p.parse::<u64>().is_ok_and(|id| ids.contains(&id)) {
                        problems.push(format!(
                            "{}: {link}: dashboard {uid} on {cluster} has no panel {p}",
                            page.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} dashboard links found in docs/"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn panel_titles_the_runbooks_cite_exist_in_the_generated_dashboards() {
    // Hand-written diagnosis cites panels in italics (*Top 10 routes by P95 latency*).
    let all: BTreeSet<String> = generated_dashboards()
        .values()
        .flat_map(|c| c.values().flat_map(|(_, t)| t.iter().cloned()))
        .collect();
    let mut problems = Vec::new();
    let mut cited = 0;
    for page in files_under(&repo().join("docs/runbooks"), ".md") {
        let text = read(&page);
        let blocks = docs::read_blocks(&text);
        let hand: String = text
            .lines()
            .filter(|l| !blocks.values().any(|b| b.contains(*l) && !l.is_empty()))
            .collect::<Vec<_>>()
            .join("\n");
        for (i, part) in hand.split('*').enumerate() {
            // Odd parts sit between single asterisks (no `**bold**`: empty neighbours).
            if i % 2 == 1 && !part.is_empty() && !part.contains('\n') {
                cited += 1;
                if !all.contains(part) {
                    problems.push(format!(
                        "{}: cites panel *{part}*, which no generated dashboard has",
                        page.display()
                    ));
                }
            }
        }
    }
    assert!(cited >= 10, "only {cited} panel citations found");
    assert!(
        problems.is_empty(),
        "{}\nknown panels: {all:?}",
        problems.join("\n")
    );
}

#[test]
fn every_relative_link_in_the_docs_resolves_to_a_file_and_anchor() {
    let mut problems = Vec::new();
    for page in doc_pages() {
        for link in links(&read(&page)) {
            if link.starts_with("http") {
                continue;
            }
            let (file, anchor) = link
                .split_once('#')
                .map(|(f, a)| (f, Some(a)))
                .unwrap_or((link.as_str(), None));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().map(|d| d.join(file)).unwrap_or_default()
            };
            match fs::read_to_string(&target) {
                Err(_) => problems.push(format!(
                    "{}: link {link}: {} does not exist",
                    page.display(),
                    target.display()
                )),
                Ok(t) => {
                    if let Some(a) = anchor {
                        if !anchors(&t).contains(a) {
                            problems.push(format!(
                                "{}: link {link}: no heading with anchor #{a}",
                                page.display()
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn read_pages() -> BTreeMap<String, String> {
    let mut pages = BTreeMap::new();
    for p in doc_pages() {
        let rel = p
            .strip_prefix(repo().join("docs"))
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        pages.insert(rel, read(&p));
    }
    pages
}

#[test]
fn docs_generated_blocks_are_in_sync_with_the_definitions() {
    let pages = read_pages();
    let r = docs::refresh(&DocsRequest {
        definitions: None,
        pages: pages.clone(),
    });
    assert!(r.ok, "{:?}", r.diagnostics);
    let warnings: Vec<String> = r.diagnostics.iter().map(|d| d.render()).collect();
    assert!(
        warnings.is_empty(),
        "docs diagnostics: {}",
        warnings.join("\n")
    );
    let mut stale = Vec::new();
    for (p, want) in &r.files {
        if pages.get(p) != Some(want) {
            stale.push(p.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date (run `make docs` and commit): {stale:?}"
    );
}

/// Rows of the generated alert table: alert name -> cells.
fn alert_table() -> BTreeMap<String, Vec<String>> {
    let page = read(&repo().join("docs/observability.md"));
    let block = docs::read_blocks(&page)
        .remove(docs::ALERT_TABLE_BLOCK)
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in block.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<String> = line
            .trim_matches('|')
            .replace("\\|", "\u{1}")
            .split('|')
            .map(|c| c.trim().replace('\u{1}', "|"))
            .collect();
        out.insert(cells[0].replace('`', ""), cells);
    }
    out
}

#[test]
fn the_alert_table_states_what_the_deployed_rules_say() {
    let table = alert_table();
    let rules = deployed_rules();
    let names: BTreeSet<String> = rules.iter().map(row_key).collect();
    assert_eq!(
        table.keys().cloned().collect::<BTreeSet<_>>(),
        names,
        "the table lists exactly the deployed alerts"
    );
    let mut problems = Vec::new();
    for (name, cells) in &table {
        let mine: Vec<&DeployedRule> = rules.iter().filter(|r| &row_key(r) == name).collect();
        let clusters: BTreeSet<String> = mine.iter().map(|r| r.cluster.clone()).collect();
        let shown: BTreeSet<String> = cells[5].split(", ").map(str::to_string).collect();
        if shown != clusters {
            problems.push(format!(
                "{name}: clusters {shown:?}, rules deployed on {clusters:?}"
            ));
        }
        for r in &mine {
            let for_ = r.rule["for"].as_str().unwrap_or("-");
            if cells[3] != for_ {
                problems.push(format!(
                    "{name}: for {} in the table, {for_} in the rule",
                    cells[3]
                ));
            }
            if cells[4] != r.rule["labels"]["severity"].as_str().unwrap_or_default() {
                problems.push(format!(
                    "{name}: severity {} in the table, {} in the rule",
                    cells[4], r.rule["labels"]["severity"]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_runbook_states_the_threshold_the_rule_compares_with() {
    let table = alert_table();
    let mut problems = Vec::new();
    for r in deployed_rules() {
        let name = alert_name(&r);
        let expr = r.rule["expr"].as_str().unwrap_or_default();
        let text = read(&runbook_path(name));
        let block = docs::read_blocks(&text)
            .remove(docs::RUNBOOK_BLOCK)
            .unwrap_or_default();
        if !block.contains(&format!("```promql\n{expr}\n```")) {
            problems.push(format!(
                "{name} ({}): the runbook does not show the deployed expression `{expr}`",
                r.cluster
            ));
        }
        // The threshold is the number after the alert's own comparison (the first
        // ` > `); guards (`and on(...) ...`) may follow it.
        let Some((_, rest)) = expr.split_once(" > ") else {
            continue;
        };
        let rhs = rest.split_whitespace().next().unwrap_or_default();
        let seuil_row = format!("| Seuil{} |", row_suffix(&r));
        let seuil = block
            .lines()
            .find(|l| l.starts_with(&seuil_row))
            .unwrap_or_default();
        if !seuil.contains(&format!("compare à `{rhs}`"))
            && !seuil.contains(&format!("un ratio à `{rhs}`"))
        {
            problems.push(format!(
                "{name}: the rule compares with {rhs}; the runbook says `{seuil}`"
            ));
        }
        // The table and the runbook give the same human threshold (600 ms, 5 %...).
        let human = table
            .get(&row_key(&r))
            .map(|c| c[2].clone())
            .unwrap_or_default();
        if !seuil.starts_with(&format!("{seuil_row} {human} ")) {
            problems.push(format!(
                "{name}: table threshold `{human}` vs runbook `{seuil}`"
            ));
        }
        for key in ["for", "severity"] {
            let want = if key == "for" {
                r.rule["for"].as_str().unwrap_or_default().to_string()
            } else {
                r.rule["labels"]["severity"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            };
            if !want.is_empty() && !block.contains(&format!("`{want}`")) {
                problems.push(format!("{name}: the runbook does not state {key} `{want}`"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Receiver names in a cell: "Slack `#sre` (récepteur `slack-sre`)" -> slack-sre.
fn receivers_in(cell: &str) -> BTreeSet<String> {
    cell.split("récepteur `")
        .skip(1)
        .filter_map(|s| s.split('`').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn receivers_in_the_docs_are_the_ones_amtool_routes_each_alert_to() {
    let config = repo().join("manifests/alertmanager/alertmanager.yaml");
    assert!(config.is_file(), "{} is missing", config.display());
    let table = alert_table();
    let mut problems = Vec::new();
    for r in deployed_rules() {
        let name = alert_name(&r);
        let mut args = vec![
            "config".to_string(),
            "routes".into(),
            "test".into(),
            format!("--config.file={}", config.display()),
            format!("alertname={name}"),
        ];
        for (k, v) in r.rule["labels"].as_object().cloned().unwrap_or_default() {
            args.push(format!("{k}={}", v.as_str().unwrap_or_default()));
        }
        let out = Command::new("amtool")
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("amtool is required (make setup): {e}"));
        assert!(
            out.status.success(),
            "amtool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let routed: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
            .trim()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let in_table = receivers_in(
            &table
                .get(&row_key(&r))
                .map(|c| c[6].clone())
                .unwrap_or_default(),
        );
        if routed != in_table {
            problems.push(format!(
                "{name} ({}): amtool routes to {routed:?}, the table says {in_table:?}",
                r.cluster
            ));
        }
        let block = read(&runbook_path(name));
        let row = block
            .lines()
            .find(|l| l.starts_with(&format!("| Notification{} |", row_suffix(&r))))
            .unwrap_or_default();
        if receivers_in(row) != routed {
            problems.push(format!(
                "{name}: amtool routes to {routed:?}, the runbook says `{row}`"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn refreshing_keeps_hand_written_text_and_reports_broken_markers() {
    let pages = read_pages();
    let page = pages
        .get("runbooks/api-error-rate.md")
        .cloned()
        .unwrap_or_default();
    // Stale block content and an edited hand-written paragraph: only the block is rewritten.
    let blocks = docs::read_blocks(&page);
    let old = blocks.get(docs::RUNBOOK_BLOCK).cloned().unwrap_or_default();
    let edited = page
        .replacen(&old, "\nstale\n", 1)
        .replace("## Escalade", "## Escalade\n\nUne note ajoutée à la main.");
    let mut req = DocsRequest {
        definitions: None,
        pages: pages.clone(),
    };
    req.pages
        .insert("runbooks/api-error-rate.md".into(), edited.clone());
    let r = docs::refresh(&req);
    assert!(r.ok, "{:?}", r.diagnostics);
    let got = &r.files["runbooks/api-error-rate.md"];
    assert_eq!(
        got,
        &page.replace("## Escalade", "## Escalade\n\nUne note ajoutée à la main.")
    );

    // Broken markers are errors with a line, and nothing is returned.
    let cases = [
        (
            page.replace("<!-- END GENERATED runbook -->\n", ""),
            "docs/unclosed-block",
        ),
        (
            page.replace(
                "<!-- BEGIN GENERATED runbook",
                "<!-- BEGIN GENERATED runbok",
            ),
            "docs/unknown-block",
        ),
        (
            page.replace("<!-- BEGIN GENERATED runbook", "<!-- nothing"),
            "docs/stray-end-marker",
        ),
        (
            format!("{page}\n<!-- BEGIN GENERATED runbook -->\n<!-- END GENERATED runbook -->\n"),
            "docs/duplicate-block",
        ),
    ];
    for (text, code) in cases {
        let mut req = DocsRequest {
            definitions: None,
            pages: pages.clone(),
        };
        req.pages.insert("runbooks/api-error-rate.md".into(), text);
        let r = docs::refresh(&req);
        assert!(
            !r.ok && r.files.is_empty(),
            "{code}: refresh accepted a broken page"
        );
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("no {code}: {:?}", r.diagnostics));
        assert!(
            d.line >= 1 && d.file == "runbooks/api-error-rate.md" && d.hint.is_some(),
            "{d:?}"
        );
    }

    // A page for an alert that does not exist is reported; a missing page is created.
    let mut req = DocsRequest {
        definitions: None,
        pages: pages.clone(),
    };
    req.pages
        .insert("runbooks/old-alert.md".into(), "# gone\n".into());
    req.pages.remove("runbooks/watchdog.md");
    let r = docs::refresh(&req);
    assert!(r.ok);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "docs/orphan-runbook" && d.file == "runbooks/old-alert.md"),
        "{:?}",
        r.diagnostics
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "docs/runbook-to-write" && d.file == "runbooks/watchdog.md"),
        "{:?}",
        r.diagnostics
    );
    assert!(r.files["runbooks/watchdog.md"].contains("<!-- END GENERATED runbook -->"));
}
