//! Documentation derived from the definitions: the generated blocks of the runbook pages
//! (`docs/runbooks/<alert-kebab>.md`) and of the observability page (`docs/observability.md`).
//!
//! A page is hand-written around blocks delimited by marker lines:
//!
//! ```text
//! <!-- BEGIN GENERATED <id> ... -->
//! (owned by the generator)
//! <!-- END GENERATED <id> -->
//! ```
//!
//! Only the text between the markers is rewritten; the hand-written diagnosis around them
//! is kept byte for byte. Pure: the host passes the pages' current texts in (paths relative
//! to the docs directory) and gets the expected texts back; `--check` compares them.
//! The pages are in French (the on-call team's language); this code is not.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::diag::registry as codes;
use crate::diag::{self, Check, Diagnostic, Pos, Severity};
use crate::generate::alertmanager::{self, AmConfig, Route};
use crate::generate::dashboards::{self, Kind};
use crate::generate::expr::GuardKind;
use crate::generate::rules::{self, Rule};
use crate::generate::slo_docs;
use crate::load::{self, Loaded};
use crate::model::{fmt_num, Alert, AlertSeverity, Cluster, SloKind, Tier, Unit};
use crate::source::Source;

use crate::generate::gitops;

/// Directory of the runbook pages, relative to the docs directory.
pub const RUNBOOKS_DIR: &str = "runbooks";
/// The observability page, relative to the docs directory.
pub const OBSERVABILITY_PAGE: &str = "observability.md";
/// Block ids.
pub const RUNBOOK_BLOCK: &str = "runbook";
pub const ALERT_TABLE_BLOCK: &str = "alert-table";
pub const DASHBOARDS_BLOCK: &str = "dashboards";
pub const ROUTING_BLOCK: &str = "routing";
pub const DR_BLOCK: &str = "dr";
pub const GITOPS_BLOCK: &str = "gitops";
pub const SLOS_BLOCK: &str = "slos";
/// Text a new runbook skeleton carries where a person must write; a page that still holds
/// it gets a `docs/runbook-to-write` warning.
pub const TO_WRITE: &str = "_À rédiger._";

const BEGIN: &str = "<!-- BEGIN GENERATED ";
const END: &str = "<!-- END GENERATED ";

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct DocsRequest {
    /// `None` means the embedded Luneo definitions.
    #[serde(default)]
    pub definitions: Option<Source>,
    /// Current pages, keyed by path relative to the docs directory
    /// (`observability.md`, `runbooks/api-latency-high.md`). Missing pages are created.
    #[serde(default)]
    pub pages: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct DocsResponse {
    /// No error diagnostics.
    pub ok: bool,
    /// Expected text of every page the definitions call for. Empty when `ok` is false.
    pub files: BTreeMap<String, String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// `runbooks/api-latency-high.md`: the page `rules::runbook_url` points at.
pub fn runbook_page(alert: &str) -> String {
    format!("{RUNBOOKS_DIR}/{}.md", rules::kebab(alert))
}

/// Refresh every generated block (and create missing pages from a skeleton).
pub fn refresh(req: &DocsRequest) -> DocsResponse {
    let l = load::resolve(&req.definitions);
    let l = match l {
        Ok(l) => l,
        Err(d) => {
            return DocsResponse {
                ok: false,
                files: BTreeMap::new(),
                diagnostics: d,
            }
        }
    };
    let mut diagnostics = Vec::new();
    let mut files = BTreeMap::new();
    for (path, blocks) in expected_blocks(&l) {
        let text = match req.pages.get(&path) {
            Some(current) => match splice(&path, current, &blocks) {
                Ok(t) => t,
                Err(d) => {
                    diagnostics.extend(d);
                    continue;
                }
            },
            None => skeleton(&l, &path, &blocks),
        };
        if path.starts_with(RUNBOOKS_DIR) {
            if let Some(n) = text.lines().position(|x| x.contains(TO_WRITE)) {
                diagnostics.push(
                    Diagnostic::warning(&codes::DOCS_RUNBOOK_TO_WRITE, &path, Pos { line: n + 1, column: 1 }, "this runbook still has sections to write (the skeleton's placeholder)")
                        .with_hint("write the impact, diagnosis and remediation steps around the generated block"),
                );
            }
        }
        files.insert(path, text);
    }
    for path in req.pages.keys() {
        if path.starts_with(&format!("{RUNBOOKS_DIR}/"))
            && path.ends_with(".md")
            && !files.contains_key(path)
            && !diagnostics.iter().any(|d| &d.file == path)
        {
            let known: Vec<String> = l.defs.spec.alerts.iter().map(|a| a.name.clone()).collect();
            diagnostics.push(
                Diagnostic::warning(
                    &codes::DOCS_ORPHAN_RUNBOOK,
                    path,
                    Pos { line: 1, column: 1 },
                    "no alert links to this runbook page",
                )
                .with_hint(format!(
                    "delete it or rename it after an alert (alerts: {})",
                    known.join(", ")
                )),
            );
        }
    }
    diag::sort(&mut diagnostics);
    if diag::has_errors(&diagnostics) {
        return DocsResponse {
            ok: false,
            files: BTreeMap::new(),
            diagnostics,
        };
    }
    DocsResponse {
        ok: true,
        files,
        diagnostics,
    }
}

/// Every alert name with a runbook: the alerts of the definitions in their order, then
/// the other generated alerts (the Watchdog), sorted.
pub fn alert_names(l: &Loaded, deployed: &[Deployed]) -> Vec<String> {
    let mut names: Vec<String> = l.defs.spec.alerts.iter().map(|a| a.name.clone()).collect();
    let extra: BTreeSet<String> = deployed
        .iter()
        .filter_map(|d| d.rule.alert.clone())
        .filter(|n| !names.contains(n))
        .collect();
    names.extend(extra);
    names
}

/// Every page and the content of each of its generated blocks.
pub fn expected_blocks(l: &Loaded) -> BTreeMap<String, BTreeMap<String, String>> {
    let deployed = deployed_alerts(l);
    let am = alertmanager::config(&l.defs);
    let mut out = BTreeMap::new();
    for name in alert_names(l, &deployed) {
        let mine: Vec<&Deployed> = deployed
            .iter()
            .filter(|d| d.rule.alert.as_deref() == Some(name.as_str()))
            .collect();
        let a = l.defs.spec.alerts.iter().find(|a| a.name == name);
        let mut b = BTreeMap::new();
        let block = match slo_docs::slo_of_alert(l, &name) {
            Some(o) => slo_runbook_block(l, &am, o, &mine),
            None => runbook_block(l, &am, &name, a, &mine),
        };
        b.insert(RUNBOOK_BLOCK.to_string(), block);
        out.insert(runbook_page(&name), b);
    }
    let mut b = BTreeMap::new();
    b.insert(
        ALERT_TABLE_BLOCK.to_string(),
        alert_table(l, &am, &deployed),
    );
    b.insert(DASHBOARDS_BLOCK.to_string(), dashboards_block(l));
    b.insert(ROUTING_BLOCK.to_string(), routing_block(l, &am));
    b.insert(DR_BLOCK.to_string(), dr_block(l));
    b.insert(GITOPS_BLOCK.to_string(), gitops_block(l));
    if !l.defs.spec.slos.is_empty() {
        let receivers = |o: &crate::model::Slo, t: Tier| {
            let rule = deployed.iter().find(|d| {
                d.rule.alert.as_deref() == Some(o.alert_name().as_str())
                    && d.rule
                        .labels
                        .get(crate::generate::budgets::TIER_LABEL)
                        .map(String::as_str)
                        == Some(t.as_str())
            });
            receivers_text(l, &am, rule.map(|d| &d.rule))
        };
        b.insert(SLOS_BLOCK.to_string(), slo_docs::slo_table(l, receivers));
    }
    out.insert(OBSERVABILITY_PAGE.to_string(), b);
    out
}

/// One alert rule as generated for one cluster, with the recording rules it reads.
pub struct Deployed<'a> {
    pub cluster: &'a Cluster,
    pub rule: Rule,
    /// Recording rules the expression depends on, outermost first.
    pub records: Vec<Rule>,
}

/// The generated alert rules of every cluster (the same objects `generate` writes).
pub fn deployed_alerts(l: &Loaded) -> Vec<Deployed<'_>> {
    let mut out = Vec::new();
    for c in &l.defs.spec.clusters {
        let cr = crate::generate::rule_set::cluster_rules(l, c);
        let all: Vec<&Rule> = cr.groups.iter().flat_map(|g| g.rules.iter()).collect();
        for r in all.iter().filter(|r| r.alert.is_some()) {
            out.push(Deployed {
                cluster: c,
                rule: (*r).clone(),
                records: records_used(&r.expr, &all),
            });
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ch == '_' || ch == ':'
}

/// True when `name` occurs in `expr` as a whole metric name.
fn mentions(expr: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(i) = expr[from..].find(name) {
        let s = from + i;
        let e = s + name.len();
        let before = expr[..s].chars().next_back().is_none_or(|c| !is_ident(c));
        let after = expr[e..].chars().next().is_none_or(|c| !is_ident(c));
        if before && after {
            return true;
        }
        from = e;
    }
    false
}

/// Recording rules `expr` reads, transitively, in the order a reader unfolds them.
fn records_used(expr: &str, all: &[&Rule]) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    let mut todo = vec![expr.to_string()];
    while let Some(e) = todo.pop() {
        for r in all {
            let Some(name) = &r.record else { continue };
            // A rule that records a raw metric under the same name (node_gpu_utilization from
            // dcgm-exporter) is still a dependency; guard against a rule reading itself.
            if mentions(&e, name) && !out.iter().any(|o| o.record == r.record) && r.expr != e {
                out.push((*r).clone());
                todo.push(r.expr.clone());
            }
        }
    }
    out
}

/// The state of [`splice`] walking a page line by line.
struct Splicer<'a> {
    file: &'a str,
    blocks: &'a BTreeMap<String, String>,
    out: String,
    errs: Vec<Diagnostic>,
    seen: BTreeSet<String>,
    /// The block being replaced, and the line of its BEGIN marker (0-based).
    open: Option<(String, usize)>,
}

fn marker_id(rest: &str) -> String {
    rest.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn line_pos(n: usize) -> Pos {
    Pos {
        line: n + 1,
        column: 1,
    }
}

impl Splicer<'_> {
    fn error(&mut self, code: &Check, n: usize, msg: String, hint: String) {
        let d = Diagnostic::error(code, self.file, line_pos(n), msg).with_hint(hint);
        self.errs.push(d);
    }

    /// A BEGIN marker: write the block's new content.
    fn begin(&mut self, n: usize, id: String) {
        if let Some((o, _)) = self.open.clone() {
            let msg = format!("generated block `{o}` is not closed before block `{id}` opens");
            self.error(
                &codes::DOCS_UNCLOSED_BLOCK,
                n,
                msg,
                format!("add `{END}{o} -->` on its own line"),
            );
        }
        if !self.blocks.contains_key(&id) {
            let known: Vec<&str> = self.blocks.keys().map(String::as_str).collect();
            let hint = format!("blocks of this page: {}", known.join(", "));
            self.error(
                &codes::DOCS_UNKNOWN_BLOCK,
                n,
                format!("unknown generated block `{id}`"),
                hint,
            );
        } else if !self.seen.insert(id.clone()) {
            let msg = format!("generated block `{id}` appears twice");
            self.error(
                &codes::DOCS_DUPLICATE_BLOCK,
                n,
                msg,
                "keep one pair of markers per block".into(),
            );
        }
        self.out.push_str(&begin_marker(&id));
        self.out
            .push_str(self.blocks.get(&id).map(String::as_str).unwrap_or_default());
        self.open = Some((id, n));
    }

    /// An END marker: it must close the open block.
    fn end(&mut self, n: usize, id: String) {
        match self.open.take() {
            Some((o, _)) if o == id => self.out.push_str(&end_marker(&id)),
            Some((o, _)) => self.error(
                &codes::DOCS_UNCLOSED_BLOCK,
                n,
                format!("`END GENERATED {id}` closes block `{o}`"),
                "markers must pair up: BEGIN x ... END x".into(),
            ),
            None => self.error(
                &codes::DOCS_STRAY_END_MARKER,
                n,
                format!("`END GENERATED {id}` without a BEGIN"),
                "remove it, or add the BEGIN marker above the block".into(),
            ),
        }
    }

    /// After the last line: no block left open, every block present.
    fn finish(mut self) -> Result<String, Vec<Diagnostic>> {
        if let Some((o, n)) = self.open.clone() {
            let hint = format!("add `{END}{o} -->` on its own line after the block");
            self.error(
                &codes::DOCS_UNCLOSED_BLOCK,
                n,
                format!("generated block `{o}` is never closed"),
                hint,
            );
        }
        for id in self.blocks.keys() {
            if !self.seen.contains(id) {
                self.errs.push(
                    Diagnostic::error(&codes::DOCS_MISSING_BLOCK, self.file, Pos { line: 1, column: 1 }, format!("the page has no generated block `{id}`"))
                        .with_hint(format!("add the two lines `{BEGIN}{id} -->` and `{END}{id} -->` where the block belongs, then run `kubectl luneo-obs docs`")),
                );
            }
        }
        if self.errs.is_empty() {
            Ok(self.out)
        } else {
            Err(self.errs)
        }
    }
}

/// Replace the generated blocks of `page` with `blocks`; every block must appear once.
pub fn splice(
    file: &str,
    page: &str,
    blocks: &BTreeMap<String, String>,
) -> Result<String, Vec<Diagnostic>> {
    let mut s = Splicer {
        file,
        blocks,
        out: String::with_capacity(page.len()),
        errs: Vec::new(),
        seen: BTreeSet::new(),
        open: None,
    };
    for (n, line) in page.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        if let Some(rest) = bare.strip_prefix(BEGIN) {
            s.begin(n, marker_id(rest));
        } else if let Some(rest) = bare.strip_prefix(END) {
            s.end(n, marker_id(rest));
        } else if s.open.is_none() {
            s.out.push_str(line);
        }
    }
    s.finish()
}

fn begin_marker(id: &str) -> String {
    format!("{BEGIN}{id} : généré par `kubectl luneo-obs docs` depuis les définitions, ne pas modifier à la main -->\n")
}

fn end_marker(id: &str) -> String {
    format!("{END}{id} -->\n")
}

/// The content of every generated block of a page, by id (for tests and tools).
pub fn read_blocks(page: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut cur: Option<(String, String)> = None;
    for line in page.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix(BEGIN) {
            cur = Some((
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                String::new(),
            ));
        } else if line.starts_with(END) {
            if let Some((id, body)) = cur.take() {
                out.insert(id, body);
            }
        } else if let Some((_, body)) = cur.as_mut() {
            body.push_str(line);
        }
    }
    out
}

fn skeleton(l: &Loaded, path: &str, blocks: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    let title = l
        .defs
        .spec
        .alerts
        .iter()
        .find(|a| runbook_page(&a.name) == path)
        .map(|a| format!("# Runbook : {}\n\n", a.name))
        .or_else(|| {
            l.defs
                .spec
                .slos
                .iter()
                .find(|o| runbook_page(&o.alert_name()) == path)
                .map(|o| format!("# Runbook : {}\n\n", o.alert_name()))
        });
    s.push_str(&title.unwrap_or_else(|| "# Observabilité\n\n".into()));
    for (id, body) in blocks {
        s.push_str(&begin_marker(id));
        s.push_str(body);
        s.push_str(&end_marker(id));
        s.push('\n');
    }
    let sections: &[&str] = if path.starts_with(RUNBOOKS_DIR) {
        &["Impact", "Diagnostic", "Remédiation", "Escalade"]
    } else {
        &["Objectifs"]
    };
    for section in sections {
        s.push_str(&format!("## {section}\n\n{TO_WRITE}\n\n"));
    }
    s.pop();
    s
}

/// Escape a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// `600 ms`, `5 %`, `40 jobs/min`; the silence duration for apiNoTraffic.
pub fn threshold_text(a: &Alert) -> String {
    match &a.threshold {
        Some(t) if t.unit == Unit::Percent => format!("{} %", fmt_num(t.value)),
        Some(t) if t.unit.symbol().is_empty() => fmt_num(t.value),
        Some(t) => format!("{} {}", fmt_num(t.value), t.unit.symbol()),
        None if a.slo == SloKind::ApiNoTraffic => format!("aucune requête pendant {}", a.for_),
        None if a.slo == SloKind::QueueStalled => format!(
            "jobs en attente et aucun terminé pendant {}",
            rules::stall_window(a)
        ),
        None if a.slo == SloKind::GpuXidErrors => "code XID différent de 0".into(),
        None => "voir l'expression".into(),
    }
}

fn unit_fr(u: Unit) -> &'static str {
    match u {
        Unit::Milliseconds => "ms",
        Unit::Seconds => "secondes",
        Unit::Percent => "pourcentage 0-100",
        Unit::Ratio => "ratio 0-1",
        Unit::JobsPerMinute => "jobs/min",
        Unit::RequestsPerSecond => "requêtes/s",
        Unit::Celsius => "degrés Celsius",
        Unit::None => "sans unité",
    }
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn queue_names(l: &Loaded, a: &Alert) -> Vec<String> {
    a.queues
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|n| {
            l.defs
                .spec
                .queues
                .iter()
                .find(|q| &q.name == n)
                .map(|q| q.bullmq_name.clone())
                .unwrap_or_else(|| n.clone())
        })
        .collect()
}

/// What the alert means, in one French sentence built from the definitions.
pub fn meaning(l: &Loaded, a: &Alert) -> String {
    let m = &l.defs.spec.metrics;
    let w = rules::rate_window(&l.defs);
    let thr = threshold_text(a);
    match a.slo {
        SloKind::ApiLatency => format!(
            "la latence P{} des requêtes de l'API (histogramme `{}`, toutes routes confondues, taux sur {w}) dépasse {thr} depuis au moins {}.",
            fmt_num(a.quantile_or_default() * 100.0),
            m.http.histogram,
            a.for_
        ),
        SloKind::ApiErrorRatio => format!(
            "plus de {thr} des réponses de l'API sont des erreurs 5xx (label `{}` = `5..` sur `{}_count`, taux sur {w}) depuis au moins {}.",
            m.http.status_label, m.http.histogram, a.for_
        ),
        SloKind::QueueBacklogGrowth => format!(
            "le nombre de jobs en attente (`{}{{{}=\"{}\"}}`) d'au moins une des files {} augmente de plus de {thr} (dérivée sur {}, ramenée à la minute) depuis au moins {} : les jobs arrivent plus vite que les workers ne les traitent.",
            m.queues.job_count,
            m.queues.state_label,
            m.queues.waiting_state,
            code_list(&queue_names(l, a)),
            rules::backlog_window(a),
            a.for_
        ),
        SloKind::GpuUtilisation => format!(
            "l'utilisation moyenne des GPU{} (`{}`, {}) dépasse {thr} depuis au moins {}.",
            gpu_pool_fr(l),
            m.gpu.metric,
            unit_fr(m.gpu.unit),
            a.for_
        ),
        SloKind::QueueStalled => format!(
            "des jobs attendent dans au moins une des files {} (`{}{{{}=\"{}\"}}` > 0) et aucun job n'a été terminé (`{}`) depuis {}, et cela depuis au moins {} : les workers sont arrêtés, bloqués ou à zéro réplica.",
            code_list(&queue_names(l, a)),
            m.queues.job_count,
            m.queues.state_label,
            m.queues.waiting_state,
            m.queues.jobs_completed.as_deref().unwrap_or_default(),
            rules::stall_window(a),
            a.for_
        ),
        SloKind::ApiNoTraffic => format!(
            "l'API n'a servi aucune requête depuis {} : le compteur `{}_count` est plat, ou aucune série n'existe (API arrêtée, non scrapée, ou jamais appelée).",
            a.for_, m.http.histogram
        ),
        SloKind::GpuTemperature => format!(
            "la température d'un GPU{} (`{}`, champ dcgm-exporter) dépasse {thr} depuis au moins {} ; une alerte par GPU.",
            gpu_pool_fr(l),
            dcgm_field(l, a),
            a.for_
        ),
        SloKind::GpuXidErrors => format!(
            "un GPU{} signale une erreur XID (`{}` différent de 0, dernier code d'erreur du pilote NVIDIA) depuis au moins {} ; une alerte par GPU.",
            gpu_pool_fr(l),
            dcgm_field(l, a),
            a.for_
        ),
        SloKind::Custom => format!("l'expression personnalisée dépasse son seuil ({thr}) depuis au moins {}.", a.for_),
    }
}

/// « du pool sélectionné par `…` » or « du cluster ».
fn gpu_pool_fr(l: &Loaded) -> String {
    l.defs
        .spec
        .metrics
        .gpu
        .selector
        .as_ref()
        .map_or(" du cluster".to_string(), |s| {
            format!(" du pool sélectionné par `{s}`")
        })
}

/// The dcgm-exporter field an alert reads (empty when not declared).
fn dcgm_field(l: &Loaded, a: &Alert) -> String {
    l.defs
        .spec
        .metrics
        .gpu
        .dcgm_field(a.slo)
        .unwrap_or_default()
        .to_string()
}

/// Short description of the expression for the alert table.
pub fn expression_summary(l: &Loaded, a: &Alert) -> String {
    let m = &l.defs.spec.metrics;
    let w = rules::rate_window(&l.defs);
    match a.slo {
        SloKind::ApiLatency => format!(
            "P{} de `{}` (rate {w})",
            fmt_num(a.quantile_or_default() * 100.0),
            m.http.histogram
        ),
        SloKind::ApiErrorRatio => {
            format!("part de 5xx dans `{}_count` (rate {w})", m.http.histogram)
        }
        SloKind::QueueBacklogGrowth => format!(
            "`deriv({}{{{}=\"{}\"}}[{}]) * 60`, files {}",
            m.queues.job_count,
            m.queues.state_label,
            m.queues.waiting_state,
            rules::backlog_window(a),
            code_list(&queue_names(l, a))
        ),
        SloKind::GpuUtilisation => match &m.gpu.selector {
            Some(s) => format!("moyenne de `{}{s}`", m.gpu.metric),
            None => format!("moyenne de `{}` sur le cluster", m.gpu.metric),
        },
        SloKind::QueueStalled => format!(
            "jobs en attente sans `increase({}[{}])`, files {}",
            m.queues.jobs_completed.as_deref().unwrap_or_default(),
            rules::stall_window(a),
            code_list(&queue_names(l, a))
        ),
        SloKind::ApiNoTraffic => format!("`rate({}_count)` nul ou série absente", m.http.histogram),
        SloKind::GpuTemperature => {
            format!("`{}` par GPU", dcgm_field(l, a))
        }
        SloKind::GpuXidErrors => format!("`{}` par GPU, différent de 0", dcgm_field(l, a)),
        SloKind::Custom => format!("`{}`", a.expr.as_deref().unwrap_or_default()),
    }
}

/// The bucket note for a latency threshold that is not a bucket boundary.
fn bucket_note(l: &Loaded, a: &Alert) -> Option<String> {
    if a.slo != SloKind::ApiLatency {
        return None;
    }
    let h = &l.defs.spec.metrics.http;
    let v = rules::threshold_in_metric_unit(&l.defs, a)?;
    if h.buckets
        .iter()
        .any(|b| (b - v).abs() <= 1e-9 * v.abs().max(1.0))
    {
        return None;
    }
    let below = h
        .buckets
        .iter()
        .copied()
        .filter(|b| *b < v)
        .fold(f64::NAN, f64::max);
    let above = h.buckets.iter().copied().find(|b| *b > v);
    let between = match above {
        Some(x) if below.is_finite() => {
            format!("entre les buckets {} et {}", fmt_num(below), fmt_num(x))
        }
        Some(x) => format!("sous le premier bucket {}", fmt_num(x)),
        None => "au-dessus du dernier bucket".into(),
    };
    Some(format!(
        "Attention : {} {} n'est pas une borne de bucket de `{}` (il tombe {between}) : `histogram_quantile` interpole linéairement dans le bucket, la P{} comparée au seuil est une estimation. Ajouter `{}` aux buckets du middleware HTTP de l'API (et à `spec.metrics.http.buckets`) rend le seuil exact.",
        fmt_num(v),
        h.unit.as_str(),
        h.histogram,
        fmt_num(a.quantile_or_default() * 100.0),
        fmt_num(v)
    ))
}

/// The threshold of an alert the definitions do not list (the Watchdog, the meta-alert
/// on failing rule groups): (alert table cell, runbook "Seuil" row).
fn generated_threshold(l: &Loaded, name: &str) -> (String, String) {
    if name == l.defs.spec.notifications.rule_failures.alert_name {
        let t = "au moins 1 échec d'évaluation d'un groupe sur 5m".to_string();
        let row = format!("{t} (l'expression compare à `0`)");
        return (t, row);
    }
    ("toujours active".into(), "aucun (toujours active)".into())
}

/// The "Seuil" row: the threshold as written, and the number the expression compares to.
fn threshold_row(l: &Loaded, name: &str, a: Option<&Alert>) -> String {
    match a {
        Some(a) => match (rules::threshold_in_metric_unit(&l.defs, a), a.slo) {
            (Some(v), SloKind::ApiLatency) => format!(
                "{} (l'expression compare à `{}`, en {})",
                threshold_text(a),
                fmt_num(v),
                unit_fr(l.defs.spec.metrics.http.unit)
            ),
            (Some(v), SloKind::ApiErrorRatio) => format!(
                "{} (l'expression compare un ratio à `{}`)",
                threshold_text(a),
                fmt_num(v)
            ),
            (Some(v), _) => format!(
                "{} (l'expression compare à `{}`)",
                threshold_text(a),
                fmt_num(v)
            ),
            (None, SloKind::QueueStalled) => format!(
                "{} (l'expression compare à `0` le nombre de jobs en attente)",
                threshold_text(a)
            ),
            (None, SloKind::GpuXidErrors) => format!(
                "{} (l'expression compare à `0` le dernier code XID)",
                threshold_text(a)
            ),
            (None, _) => threshold_text(a),
        },
        None => generated_threshold(l, name).1,
    }
}

/// The part of a runbook block about one cluster: dashboard links, the alert's
/// expression and the recording rules it reads.
fn cluster_section(l: &Loaded, d: &Deployed) -> String {
    titled_cluster_section(l, d, &format!("Cluster `{}`", d.cluster.name))
}

/// [`cluster_section`] under the heading `title`.
fn titled_cluster_section(l: &Loaded, d: &Deployed, title: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!("### {title}\n\n"));
    if let Some(url) = d.rule.annotations.get("dashboard_url") {
        s.push_str(&dashboard_links(l, d, url));
    }
    s.push_str("Expression de l'alerte (à coller dans Grafana > Explore ou dans l'interface de Prometheus) :\n\n");
    s.push_str(&format!("```promql\n{}\n```\n\n", d.rule.expr));
    if !d.records.is_empty() {
        s.push_str("Règles d'enregistrement qu'elle lit (pour recalculer la valeur depuis les métriques brutes si une règle enregistrée semble fausse) :\n\n```promql\n");
        for r in &d.records {
            s.push_str(&format!(
                "# {}\n{}\n",
                r.record.as_deref().unwrap_or_default(),
                r.expr
            ));
        }
        s.push_str("```\n\n");
    }
    s
}

/// The runbook block of an SLO's burn-rate alert: the SLO, its budget, then one set of
/// rows per tier (threshold, `for`, severity, receivers), and each cluster's expressions.
fn slo_runbook_block(
    l: &Loaded,
    am: &AmConfig,
    o: &crate::model::Slo,
    deployed: &[&Deployed],
) -> String {
    let mut s = String::new();
    s.push_str(&format!("\n> Bloc généré depuis les définitions `{}` : pour le modifier, changer le SLO (`spec.slos`) puis lancer `kubectl luneo-obs docs`.\n\n", l.defs.metadata.name));
    s.push_str(&format!(
        "**Ce que signifie l'alerte** : {}\n\n",
        slo_docs::meaning(o)
    ));
    let mut rows: Vec<(String, String)> = vec![("Alerte".into(), format!("`{}`", o.alert_name()))];
    rows.extend(slo_docs::common_rows(l, o));
    let tier_rule = |t: Tier| {
        deployed
            .iter()
            .find(|d| {
                d.rule
                    .labels
                    .get(crate::generate::budgets::TIER_LABEL)
                    .map(String::as_str)
                    == Some(t.as_str())
            })
            .map(|d| &d.rule)
    };
    for t in &o.tiers {
        let tier = slo_docs::tier_fr(*t);
        let rule = tier_rule(*t);
        rows.push((
            format!("Seuil ({tier})"),
            slo_docs::tier_threshold_row(o, *t),
        ));
        rows.push((
            format!("Durée avant déclenchement ({tier})"),
            rule.and_then(|r| r.for_.clone())
                .map(|f| format!("`{f}`"))
                .unwrap_or_default(),
        ));
        rows.push((
            format!("Sévérité ({tier})"),
            rule.and_then(|r| r.labels.get("severity").cloned())
                .map(|v| format!("`{v}`"))
                .unwrap_or_default(),
        ));
        rows.push((
            format!("Notification ({tier})"),
            receivers_text(l, am, rule),
        ));
    }
    let mut clusters: Vec<String> = deployed.iter().map(|d| d.cluster.name.clone()).collect();
    clusters.dedup();
    rows.push(("Clusters".into(), code_list(&clusters)));
    rows.push((
        "Test de reprise (DR)".into(),
        "non concernée par les silences DR".into(),
    ));
    s.push_str("| Champ | Valeur |\n| --- | --- |\n");
    for (k, v) in rows {
        s.push_str(&format!("| {k} | {} |\n", cell(&v)));
    }
    s.push('\n');
    for d in deployed {
        let tier = d
            .rule
            .labels
            .get(crate::generate::budgets::TIER_LABEL)
            .cloned()
            .unwrap_or_default();
        s.push_str(&titled_cluster_section(
            l,
            d,
            &format!("Cluster `{}`, palier `{tier}`", d.cluster.name),
        ));
    }
    s
}

fn runbook_block(
    l: &Loaded,
    am: &AmConfig,
    name: &str,
    a: Option<&Alert>,
    deployed: &[&Deployed],
) -> String {
    let mut s = String::new();
    s.push_str(&format!("\n> Bloc généré depuis les définitions `{}` : pour le modifier, changer la définition de l'alerte puis lancer `kubectl luneo-obs docs`.\n\n", l.defs.metadata.name));
    let first = deployed.first().map(|d| &d.rule);
    let label = |k: &str| {
        first
            .and_then(|r| r.labels.get(k))
            .cloned()
            .unwrap_or_default()
    };
    let meaning_text = match a {
        Some(a) => meaning(l, a),
        None if name == l.defs.spec.notifications.watchdog.alert_name => {
            "cette alerte est **toujours** active (`vector(1)`) : elle prouve que Prometheus évalue ses règles et que la chaîne jusqu'à Alertmanager fonctionne. C'est son **absence** qui est un incident.".to_string()
        }
        None if name == l.defs.spec.notifications.rule_failures.alert_name => {
            format!("Prometheus n'arrive plus à évaluer un groupe de règles `luneo-obs.<cluster>.<partie>` (compteur `{}`, label `rule_group`) : les alertes de ce groupe ne peuvent pas se déclencher tant que l'erreur persiste.", rules::RULE_FAILURES_METRIC)
        }
        None => first.and_then(|r| r.annotations.get("summary")).cloned().unwrap_or_default(),
    };
    s.push_str(&format!(
        "**Ce que signifie l'alerte** : {meaning_text}\n\n"
    ));
    let threshold = threshold_row(l, name, a);
    let clusters: Vec<String> = deployed.iter().map(|d| d.cluster.name.clone()).collect();
    let for_ = first
        .and_then(|r| r.for_.clone())
        .map(|f| format!("`{f}`"))
        .unwrap_or_else(|| "aucune (immédiat)".into());
    let dr_row = if alertmanager::dr_targets(&l.defs)
        .iter()
        .any(|t| t.alert == name)
    {
        format!("attendue pendant un test de reprise : mise en silence par `kubectl luneo-obs dr start` (silences marqués `{}`)", alertmanager::DR_TAG)
    } else {
        "non concernée par les silences DR".into()
    };
    let rows: Vec<(&str, String)> = vec![
        ("Alerte", format!("`{name}`")),
        (
            "Résumé (`summary`)",
            first
                .and_then(|r| r.annotations.get("summary"))
                .cloned()
                .unwrap_or_default(),
        ),
        ("Seuil", threshold),
        ("Gardes", guards_row(l, a)),
        ("Durée avant déclenchement (`for`)", for_),
        ("Sévérité", format!("`{}`", label("severity"))),
        ("Clusters", code_list(&clusters)),
        ("Notification", receivers_text(l, am, first)),
        ("Test de reprise (DR)", dr_row),
    ];
    s.push_str("| Champ | Valeur |\n| --- | --- |\n");
    // The guards row only for alerts that have guards.
    for (k, v) in rows
        .into_iter()
        .filter(|(k, v)| *k != "Gardes" || !v.is_empty())
    {
        s.push_str(&format!("| {k} | {} |\n", cell(&v)));
    }
    s.push('\n');
    if let Some(note) = a.and_then(|a| bucket_note(l, a)) {
        s.push_str(&format!("{note}\n\n"));
    }
    for d in deployed {
        s.push_str(&cluster_section(l, d));
    }
    s
}

/// What the alert needs besides its threshold (confirm window, low-traffic guards), in
/// French; empty when it has no guard.
fn guards_row(l: &Loaded, a: Option<&Alert>) -> String {
    let Some(a) = a else { return String::new() };
    let Some(cluster) = a.clusters.first() else {
        return String::new();
    };
    let window = rules::rate_window(&l.defs);
    let mut parts = Vec::new();
    let guards = rules::alert_expression(&l.defs, a, cluster).guards;
    if guards.iter().any(|g| g.kind == GuardKind::Confirm) {
        parts.push(format!(
            "la même condition sur les `{w}` dernières (fenêtre de confirmation) : une rafale plus courte que `for` moins `{w}` ne déclenche pas",
            w = rules::confirm_window(&l.defs)
        ));
    }
    if let Some(n) = a.min_requests {
        parts.push(format!(
            "au moins {n} requêtes sur la fenêtre de `{window}` (`minRequests`)"
        ));
    }
    if let (Some(n), SloKind::ApiErrorRatio) = (a.min_errors, a.slo) {
        parts.push(format!(
            "au moins {n} réponses 5xx sur la fenêtre de `{window}` (`minErrors`)"
        ));
    }
    parts.join(" ; ")
}

/// Names whose series the alert reads: the recording rules in its expression and their
/// direct inputs, or, for an expression on raw metrics, the recording rules built on them.
fn input_names(d: &Deployed) -> Vec<String> {
    let direct: Vec<&Rule> = d
        .records
        .iter()
        .filter(|r| {
            r.record
                .as_deref()
                .is_some_and(|n| mentions(&d.rule.expr, n))
        })
        .collect();
    let mut names: Vec<String> = Vec::new();
    for r in &direct {
        names.extend(r.record.clone());
        for x in &d.records {
            if let Some(n) = &x.record {
                if mentions(&r.expr, n) && !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
    }
    names
}

/// The dashboard link and the panels that show the alert's inputs, with `viewPanel` links.
fn dashboard_links(l: &Loaded, d: &Deployed, url: &str) -> String {
    let uid = dashboard_uid(url).unwrap_or_default();
    let Some(kind) = Kind::from_uid(uid) else {
        return format!("Tableau de bord : [`{uid}`]({url})\n\n");
    };
    let mut s = format!(
        "Tableau de bord : [{} (`{uid}`, cluster `{}`)]({url})\n\n",
        kind.title(),
        d.cluster.name
    );
    let dash = dashboards::build(&l.defs, kind, d.cluster);
    let mut names = input_names(d);
    if names.is_empty() {
        // Raw-metric expression (no traffic): the recording rules computed from the same metric.
        let all = crate::generate::rule_set::cluster_rules(l, d.cluster);
        for r in all.groups.iter().flat_map(|g| g.rules.iter()) {
            if let Some(n) = &r.record {
                if raw_metrics(&d.rule.expr)
                    .iter()
                    .any(|m| mentions(&r.expr, m))
                    && !n.contains("5xx")
                {
                    names.push(n.clone());
                }
            }
        }
    }
    let panels: Vec<(u32, String)> = dash
        .panels
        .iter()
        .filter(|p| {
            p.targets()
                .iter()
                .any(|t| names.iter().any(|n| mentions(&t.expr, n)))
        })
        .map(|p| {
            (
                p.id(),
                format!("{} ({})", p.title(), panel_type_fr(p.kind())),
            )
        })
        .collect();
    if !panels.is_empty() {
        s.push_str("Panneaux qui affichent les séries de l'alerte :\n\n");
        for (id, title) in panels {
            let sep = if url.contains('?') { '&' } else { '?' };
            s.push_str(&format!("- [{title}]({url}{sep}viewPanel={id})\n"));
        }
        s.push('\n');
    }
    s
}

fn panel_type_fr(t: &str) -> &str {
    match t {
        "stat" => "valeur",
        "timeseries" => "courbe",
        "table" => "tableau",
        "heatmap" => "carte de chaleur",
        t if t.ends_with("-panel") => "panneau d'extension",
        _ => "panneau",
    }
}

/// Metric names in an expression (identifiers followed by `{` or `[`).
fn raw_metrics(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in expr.chars() {
        if is_ident(ch) {
            cur.push(ch);
        } else {
            if (ch == '{' || ch == '[') && !cur.is_empty() && !out.contains(&cur) {
                out.push(cur.clone());
            }
            cur.clear();
        }
    }
    out
}

/// Whether one Alertmanager matcher (`name="v"`, `name=~"a|b"`, `!=`, `!~`) matches the labels.
fn matcher_matches(m: &str, labels: &BTreeMap<String, String>) -> bool {
    let ops = ["=~", "!~", "!=", "="];
    let Some((i, op)) = ops
        .iter()
        .filter_map(|op| m.find(op).map(|i| (i, *op)))
        .min_by_key(|(i, op)| (*i, std::cmp::Reverse(op.len())))
    else {
        return false;
    };
    let name = m[..i].trim();
    let raw = m[i + op.len()..].trim();
    let value = raw
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(raw)
        .replace("\\\"", "\"");
    let have = labels.get(name).map(String::as_str).unwrap_or_default();
    // Alternations of literals are all the generated configuration uses.
    let re = || value.split('|').any(|alt| alt == have);
    match op {
        "=" => have == value,
        "!=" => have != value,
        "=~" => re(),
        _ => !re(),
    }
}

/// Receivers an alert with these labels reaches, walking the route tree as Alertmanager does
/// (first matching child wins unless it has `continue`; no match: the parent's receiver).
pub fn route_receivers(route: &Route, labels: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for child in &route.routes {
        if child.matchers.iter().all(|m| matcher_matches(m, labels)) {
            for r in route_receivers(child, labels) {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
            if !child.continue_ {
                break;
            }
        }
    }
    if out.is_empty() {
        out.push(route.receiver.clone());
    }
    out
}

fn receiver_fr(l: &Loaded, name: &str) -> String {
    if name == alertmanager::NULL_RECEIVER {
        return "aucune notification (récepteur `null`)".into();
    }
    match l
        .defs
        .spec
        .notifications
        .receivers
        .iter()
        .find(|r| r.name == name)
    {
        Some(r) => {
            let mut parts = Vec::new();
            if let Some(sl) = &r.slack {
                parts.push(format!("Slack `{}`", sl.channel));
            }
            if r.pagerduty.is_some() {
                parts.push("PagerDuty".to_string());
            }
            format!("{} (récepteur `{name}`)", parts.join(" + "))
        }
        None => format!("récepteur `{name}`"),
    }
}

fn receivers_text(l: &Loaded, am: &AmConfig, rule: Option<&Rule>) -> String {
    let Some(r) = rule else { return String::new() };
    let mut labels = r.labels.clone();
    labels.insert("alertname".into(), r.alert.clone().unwrap_or_default());
    route_receivers(&am.route, &labels)
        .iter()
        .map(|n| receiver_fr(l, n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The uid in a `.../d/<uid>?...` Grafana link.
pub fn dashboard_uid(url: &str) -> Option<&str> {
    let rest = &url[url.find("/d/")? + 3..];
    let end = rest.find(['?', '/', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

fn alert_table(l: &Loaded, am: &AmConfig, deployed: &[Deployed]) -> String {
    let mut s = String::from("\n| Alerte | Expression (résumé) | Seuil | `for` | Sévérité | Cluster | Destinataires | Runbook |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for name in alert_names(l, deployed) {
        let mine: Vec<&Deployed> = deployed
            .iter()
            .filter(|d| d.rule.alert.as_deref() == Some(name.as_str()))
            .collect();
        let first = mine.first().map(|d| &d.rule);
        let clusters: Vec<String> = mine.iter().map(|d| d.cluster.name.clone()).collect();
        if let Some(o) = slo_docs::slo_of_alert(l, &name) {
            for t in &o.tiers {
                let tier: Vec<&Deployed> = mine
                    .iter()
                    .copied()
                    .filter(|d| {
                        d.rule
                            .labels
                            .get(crate::generate::budgets::TIER_LABEL)
                            .map(String::as_str)
                            == Some(t.as_str())
                    })
                    .collect();
                let rule = tier.first().map(|d| &d.rule);
                let clusters: Vec<String> = tier.iter().map(|d| d.cluster.name.clone()).collect();
                let what = format!(
                    "taux de consommation du budget du SLO `{}` ({} % sur {})",
                    o.name,
                    fmt_num(o.objective),
                    o.window
                );
                s.push_str(&table_row(
                    l,
                    am,
                    &name,
                    [
                        format!("`{name}` ({})", slo_docs::tier_fr(*t)),
                        what,
                        slo_docs::tier_threshold(o, *t),
                    ],
                    rule,
                    &clusters,
                ));
            }
            continue;
        }
        let a = l.defs.spec.alerts.iter().find(|a| a.name == name);
        let (expr, thr) = match a {
            Some(a) => (expression_summary(l, a), threshold_text(a)),
            None => (
                first.map(|r| format!("`{}`", r.expr)).unwrap_or_default(),
                generated_threshold(l, &name).0,
            ),
        };
        s.push_str(&table_row(
            l,
            am,
            &name,
            [format!("`{name}`"), expr, thr],
            first,
            &clusters,
        ));
    }
    s.push('\n');
    s
}

/// One row of the alert table: the name, expression and threshold cells, then what the
/// deployed rule says (`for`, severity), its clusters, receivers and runbook.
fn table_row(
    l: &Loaded,
    am: &AmConfig,
    name: &str,
    head: [String; 3],
    rule: Option<&Rule>,
    clusters: &[String],
) -> String {
    let [name_cell, expr, thr] = head;
    let row = [
        name_cell,
        expr,
        thr,
        rule.and_then(|r| r.for_.clone())
            .unwrap_or_else(|| "-".into()),
        rule.and_then(|r| r.labels.get("severity").cloned())
            .unwrap_or_default(),
        clusters.join(", "),
        receivers_text(l, am, rule),
        format!(
            "[{}]({})",
            runbook_page(name).trim_start_matches("runbooks/"),
            runbook_page(name)
        ),
    ];
    format!(
        "| {} |\n",
        row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
    )
}

fn dashboards_block(l: &Loaded) -> String {
    let mut s = String::from("\n| Tableau de bord | uid | Dossier | Déployé sur | Panneaux | Taille du JSON |\n| --- | --- | --- | --- | --- | --- |\n");
    for kind in Kind::ALL {
        let on: Vec<&Cluster> = l
            .defs
            .spec
            .clusters
            .iter()
            .filter(|c| dashboards::kinds_for(&l.defs, c).contains(&kind))
            .collect();
        let Some(c0) = on.first() else { continue };
        let dash = dashboards::build(&l.defs, kind, c0);
        let mut titles: Vec<String> = Vec::new();
        for p in &dash.panels {
            if !titles.iter().any(|x| x == p.title()) {
                titles.push(p.title().to_string());
            }
        }
        let sizes: Vec<String> = on
            .iter()
            .map(|c| {
                format!(
                    "{} o",
                    dashboards::render(&dashboards::build(&l.defs, kind, c)).len()
                )
            })
            .collect();
        let links: Vec<String> = on
            .iter()
            .map(|c| {
                format!(
                    "[`{}`]({})",
                    c.name,
                    rules::dashboard_url(&l.defs, kind.uid(), &c.name)
                )
            })
            .collect();
        s.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            cell(kind.title()),
            kind.uid(),
            cell(&dashboards::folder(&l.defs, kind)),
            links.join(", "),
            cell(&titles.join(", ")),
            sizes.join(" / ")
        ));
    }
    s.push('\n');
    s
}

fn routing_block(l: &Loaded, am: &AmConfig) -> String {
    let n = &l.defs.spec.notifications;
    let mut s = String::from("\n| Sévérité | Destinataires |\n| --- | --- |\n");
    for sev in [
        AlertSeverity::Critical,
        AlertSeverity::Warning,
        AlertSeverity::Info,
    ] {
        let mut labels = BTreeMap::new();
        labels.insert("severity".to_string(), sev.as_str().to_string());
        labels.insert("alertname".to_string(), "_".to_string());
        let r: Vec<String> = route_receivers(&am.route, &labels)
            .iter()
            .map(|x| receiver_fr(l, x))
            .collect();
        s.push_str(&format!(
            "| `{}` | {} |\n",
            sev.as_str(),
            cell(&r.join(", "))
        ));
    }
    s.push_str(&format!(
        "| autre (label `severity` absent ou inconnu) | {} |\n",
        cell(&receiver_fr(l, &n.default_receiver))
    ));
    let mut wl = BTreeMap::new();
    wl.insert("alertname".to_string(), n.watchdog.alert_name.clone());
    wl.insert("severity".to_string(), "none".to_string());
    let wd: Vec<String> = route_receivers(&am.route, &wl)
        .iter()
        .map(|x| receiver_fr(l, x))
        .collect();
    s.push_str(&format!(
        "| alerte `{}` (toujours active) | {} |\n\n",
        n.watchdog.alert_name,
        cell(&wd.join(", "))
    ));
    let g = &n.grouping;
    s.push_str(&format!(
        "Regroupement : une notification par {} ; première notification après `{}`, mises à jour d'un groupe toutes les `{}`, rappel d'une alerte toujours active toutes les `{}`.\n\n",
        code_list(&g.group_by),
        g.group_wait,
        g.group_interval,
        g.repeat_interval
    ));
    s.push_str(&format!(
        "Inhibition : une alerte `critical` active coupe les alertes `warning`/`info` qui ont les mêmes valeurs pour {}.\n\n",
        code_list(&n.inhibition.equal)
    ));
    s.push_str("Aucun secret dans Git : chaque récepteur lit son URL de webhook ou sa clé de routage dans un fichier monté depuis un Secret Kubernetes :\n\n");
    for r in &n.receivers {
        if let Some(x) = &r.slack {
            s.push_str(&format!(
                "- `{}` : Secret `{}`, clé `{}` (`api_url_file`)\n",
                r.name, x.api_url.secret, x.api_url.key
            ));
        }
        if let Some(x) = &r.pagerduty {
            s.push_str(&format!(
                "- `{}` : Secret `{}`, clé `{}` (`routing_key_file`)\n",
                r.name, x.routing_key.secret, x.routing_key.key
            ));
        }
    }
    s.push('\n');
    s
}

fn dr_block(l: &Loaded) -> String {
    let t = alertmanager::dr_targets(&l.defs);
    let mut s = String::new();
    if t.is_empty() {
        return "\nAucune alerte n'est marquée `drExpected: true` : `kubectl luneo-obs dr start` ne coupe rien.\n\n".into();
    }
    s.push_str("\nAlertes coupées par `kubectl luneo-obs dr start` (un silence par alerte et par cluster, sur les labels `alertname` et `cluster` exactement) :\n\n| Alerte | Cluster |\n| --- | --- |\n");
    for x in &t {
        s.push_str(&format!("| `{}` | `{}` |\n", x.alert, x.cluster));
    }
    s.push_str(&format!(
        "\nFenêtre maximale acceptée par `dr start --duration` : `{}`. Les silences portent la marque `{}` (dans `createdBy` et `comment`) : `dr status` et `dr end` ne voient et ne touchent qu'elles.\n\n",
        l.defs.spec.notifications.dr.max_window,
        alertmanager::DR_TAG
    ));
    s
}

fn gitops_block(l: &Loaded) -> String {
    let mut s = String::new();
    let Some(g) = &l.defs.spec.gitops else {
        return "\nAucune section `spec.gitops` dans les définitions : aucune Application Argo CD n'est générée.\n\n".into();
    };
    s.push_str(&format!(
        "\nDépôt suivi : `{}`, révision `{}`, arbre généré sous `{}/`. Projet Argo CD `{}`, Applications dans le namespace `{}`.\n\n",
        g.repo_url, g.target_revision, g.manifests_path, g.project, g.argocd_namespace
    ));
    s.push_str("| Cluster | Application | Fichier de l'Application | Chemin synchronisé | Destination |\n| --- | --- | --- | --- | --- |\n");
    for c in &l.defs.spec.clusters {
        let app = gitops::application(l, g, c);
        s.push_str(&format!(
            "| `{}` | `{}` | `{}/{}` | `{}` | `{}` |\n",
            c.name,
            app.metadata.name,
            g.manifests_path,
            crate::generate::layout::application_path(l, c),
            app.spec.source.path,
            app.spec.destination.server
        ));
    }
    s.push_str("\nPolitique de synchronisation : ");
    let a = gitops::AUTOMATED;
    s.push_str(&format!(
        "automatique (`prune: {}`, `selfHeal: {}`, `allowEmpty: {}`), {} tentatives en cas d'échec.\n\n",
        a.prune, a.self_heal, a.allow_empty, gitops::RETRY_LIMIT
    ));
    s.push_str("| Option de synchronisation | Pourquoi |\n| --- | --- |\n");
    for o in gitops::SYNC_OPTIONS {
        s.push_str(&format!("| `{}` | {} |\n", o.option, cell(o.why_fr)));
    }
    s.push('\n');
    s
}

/// Diagnostics of a `docs` run, by severity (for hosts printing a summary).
pub fn counts(d: &[Diagnostic]) -> (usize, usize) {
    (
        d.iter().filter(|x| x.severity == Severity::Error).count(),
        d.iter().filter(|x| x.severity == Severity::Warning).count(),
    )
}
