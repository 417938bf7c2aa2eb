//! Loading a definitions file: YAML -> typed model -> semantic checks, all problems as
//! diagnostics pointing at the YAML node.

use std::collections::BTreeSet;

use crate::diag::{self, Diagnostic, Pos};
use crate::duration;
use crate::model::{Definitions, Dimension, SloKind, Unit, API_VERSION, KIND};
use crate::yaml::{self, Document};

/// Luneo's definitions, embedded so every command works with no file given.
pub const EMBEDDED_NAME: &str = "definitions/luneo.yaml";
pub const EMBEDDED: &str = include_str!("../../../definitions/luneo.yaml");

/// A successfully loaded definitions file.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub defs: Definitions,
    pub doc: Document,
    /// Warnings (errors make `load` fail).
    pub warnings: Vec<Diagnostic>,
}

impl Loaded {
    pub fn pos(&self, path: &str) -> Pos {
        self.doc.pos(path)
    }

    /// Index of an alert by name.
    pub fn alert_path(&self, name: &str) -> String {
        match self.defs.spec.alerts.iter().position(|a| a.name == name) {
            Some(i) => format!("spec.alerts[{i}]"),
            None => "spec.alerts".into(),
        }
    }
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    let mut s = String::new();
    for seg in path.iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => s.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(key);
            }
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    s
}

fn serde_diagnostic(
    file: &str,
    doc: &Document,
    err: &serde_path_to_error::Error<serde_json::Error>,
) -> Diagnostic {
    let path = path_string(err.path());
    let msg = err.inner().to_string();
    let (code, hint) = if msg.starts_with("unknown field") {
        ("definitions/unknown-field", "remove the field or fix its spelling; the accepted fields are listed above (see docs/definitions.md)")
    } else if msg.starts_with("missing field") {
        (
            "definitions/missing-field",
            "add the field; definitions/luneo.yaml shows every field in use",
        )
    } else if msg.starts_with("unknown variant") {
        (
            "definitions/unknown-value",
            "use one of the accepted values listed above",
        )
    } else if msg.starts_with("invalid type") {
        (
            "definitions/wrong-type",
            "quote strings, write numbers without quotes or units, and lists as [a, b]",
        )
    } else {
        (
            "definitions/invalid",
            "see docs/definitions.md for the expected shape",
        )
    };
    // For an unknown field, point at the offending key itself.
    let pos = if code == "definitions/unknown-field" {
        let field = msg.split('`').nth(1).unwrap_or_default();
        let child = if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        if doc.index.contains_key(&child) {
            doc.key_pos(&child)
        } else {
            doc.pos(&path)
        }
    } else {
        doc.pos(&path)
    };
    let at = if path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    };
    Diagnostic::error(code, file, pos, format!("{msg}{at}")).with_hint(hint)
}

/// Load and check a definitions file. `Err` holds at least one error diagnostic.
pub fn load(file: &str, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let doc = yaml::parse(file, text)?;
    // A credential written in clear is reported whatever else is wrong with the file.
    let secrets = crate::alertmanager::scan_secrets(file, text);
    let defs: Definitions = match serde_path_to_error::deserialize(&doc.value) {
        Ok(d) => d,
        Err(e) => {
            let mut d = vec![serde_diagnostic(file, &doc, &e)];
            d.extend(secrets);
            diag::sort(&mut d);
            return Err(d);
        }
    };
    let mut diags = secrets;
    semantic_checks(file, &doc, &defs, &mut diags);
    diags.extend(crate::alertmanager::check(file, &doc, &defs));
    diags.extend(crate::dashboards::check_settings(file, &doc, &defs));
    diag::sort(&mut diags);
    if diag::has_errors(&diags) {
        Err(diags)
    } else {
        Ok(Loaded {
            file: file.to_string(),
            defs,
            doc,
            warnings: diags,
        })
    }
}

/// Load the embedded Luneo definitions.
pub fn load_embedded() -> Result<Loaded, Vec<Diagnostic>> {
    load(EMBEDDED_NAME, EMBEDDED)
}

fn is_label_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn is_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_' || ch == ':')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
}

fn is_camel_case(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Check a `{a="b", ...}` selector: it must parse as PromQL label matchers.
pub fn check_selector(sel: &str) -> Result<(), String> {
    let t = sel.trim();
    if !(t.starts_with('{') && t.ends_with('}')) {
        return Err(format!(
            "`{sel}` is not a label selector: write it as {{label=\"value\", ...}}"
        ));
    }
    #[cfg(feature = "promql")]
    {
        match promql_parser::parser::parse(&format!("up{t}")) {
            Ok(promql_parser::parser::Expr::VectorSelector(_)) => Ok(()),
            Ok(_) => Err(format!("`{sel}` is not a plain label selector")),
            Err(e) => Err(format!(
                "`{sel}` does not parse as PromQL label matchers: {e}"
            )),
        }
    }
    #[cfg(not(feature = "promql"))]
    Ok(())
}

struct Ctx<'a> {
    file: &'a str,
    doc: &'a Document,
    diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, code: &str, path: &str, msg: String, hint: &str) {
        let d = Diagnostic::error(code, self.file, self.doc.pos(path), msg).with_hint(hint);
        self.diags.push(d);
    }
    fn warn(&mut self, code: &str, path: &str, msg: String, hint: String) {
        let d = Diagnostic::warning(code, self.file, self.doc.pos(path), msg).with_hint(hint);
        self.diags.push(d);
    }
    fn duration(&mut self, path: &str, value: &str) -> Option<u64> {
        match duration::parse(value) {
            Ok(ms) => Some(ms),
            Err(e) => {
                self.err(
                    "definitions/bad-duration",
                    path,
                    e,
                    "write durations as Prometheus does: 30s, 5m, 1h30m",
                );
                None
            }
        }
    }
    fn label(&mut self, path: &str, value: &str) {
        if !is_label_name(value) {
            self.err(
                "definitions/bad-label-name",
                path,
                format!("`{value}` is not a valid Prometheus label name"),
                "label names match [a-zA-Z_][a-zA-Z0-9_]*",
            );
        }
    }
    fn metric(&mut self, path: &str, value: &str) {
        if !is_metric_name(value) {
            self.err(
                "definitions/bad-metric-name",
                path,
                format!("`{value}` is not a valid Prometheus metric name"),
                "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*",
            );
        }
    }
    fn selector(&mut self, path: &str, value: &Option<String>) {
        if let Some(s) = value {
            if let Err(e) = check_selector(s) {
                self.err(
                    "promql/parse-error",
                    path,
                    e,
                    "a selector is label matchers in braces, e.g. {job=\"luneo-api\"}",
                );
            }
        }
    }
}

fn semantic_checks(file: &str, doc: &Document, d: &Definitions, diags: &mut Vec<Diagnostic>) {
    let mut c = Ctx { file, doc, diags };
    if d.api_version != API_VERSION {
        c.err(
            "definitions/api-version",
            "apiVersion",
            format!("unsupported apiVersion `{}`", d.api_version),
            "this version of luneo-obs reads apiVersion: luneo.io/v1alpha1",
        );
    }
    if d.kind != KIND {
        c.err(
            "definitions/kind",
            "kind",
            format!("unsupported kind `{}`", d.kind),
            "the kind must be ObservabilityDefinitions",
        );
    }
    if !is_label_name(&d.metadata.name.replace('-', "_")) {
        c.err(
            "definitions/bad-name",
            "metadata.name",
            format!("`{}` is not usable in object names", d.metadata.name),
            "use lower-case letters, digits and dashes",
        );
    }
    let s = &d.spec;

    // Clusters.
    let mut names = BTreeSet::new();
    for (i, cl) in s.clusters.iter().enumerate() {
        let p = format!("spec.clusters[{i}].name");
        if !names.insert(cl.name.as_str()) {
            c.err(
                "definitions/duplicate-name",
                &p,
                format!("cluster `{}` is defined twice", cl.name),
                "cluster names must be unique",
            );
        }
        if cl.name.is_empty()
            || !cl
                .name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            c.err(
                "definitions/bad-name",
                &p,
                format!(
                    "cluster name `{}` must be lower-case letters, digits and dashes",
                    cl.name
                ),
                "it is used in object and overlay names",
            );
        }
    }
    let primaries = s
        .clusters
        .iter()
        .filter(|c| c.role == crate::model::ClusterRole::Primary)
        .count();
    if primaries != 1 {
        // Point at the second primary's role when there are several.
        let at = s
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| c.role == crate::model::ClusterRole::Primary)
            .nth(1)
            .map(|(i, _)| format!("spec.clusters[{i}].role"))
            .unwrap_or_else(|| "spec.clusters".into());
        c.err(
            "definitions/primary-cluster",
            &at,
            format!("exactly one cluster must have role primary, found {primaries}"),
            "mark the production cluster `role: primary` and the others `role: secondary`",
        );
    }

    // Kubernetes and links.
    for k in s.kubernetes.rule_selector.keys() {
        let path = format!("spec.kubernetes.ruleSelector.{k}");
        if k.is_empty() {
            c.err(
                "definitions/bad-label-name",
                &path,
                "empty ruleSelector label".into(),
                "use the label your Prometheus' ruleSelector matches, e.g. release",
            );
        }
    }
    if s.kubernetes.rule_selector.is_empty() {
        c.warn("definitions/empty-rule-selector", "spec.kubernetes.ruleSelector", "no ruleSelector labels: kube-prometheus-stack ignores PrometheusRules without `release: <release name>` unless its selector is empty".into(), "add `release: <your helm release>` (kube-prometheus-stack's default ruleSelector)".into());
    }
    for (path, url) in [
        ("spec.links.runbookBaseUrl", &s.links.runbook_base_url),
        ("spec.links.grafanaUrl", &s.links.grafana_url),
    ] {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            c.err(
                "definitions/bad-url",
                path,
                format!("`{url}` is not an http(s) URL"),
                "write the full URL, e.g. https://grafana.example.com",
            );
        }
        if url.ends_with('/') {
            c.err(
                "definitions/bad-url",
                path,
                format!("`{url}` ends with a slash"),
                "drop the trailing slash; paths are appended to it",
            );
        }
    }

    if let Some(g) = &s.gitops {
        for f in crate::gitops::check(g, &s.clusters) {
            c.err(f.code, &f.path, f.message, &f.hint);
        }
    }

    // Metric contract.
    let m = &s.metrics;
    let scrape = c.duration("spec.metrics.scrapeInterval", &m.scrape_interval);
    if let Some(l) = &m.cluster_label {
        c.label("spec.metrics.clusterLabel", l);
    }
    c.metric("spec.metrics.http.histogram", &m.http.histogram);
    for (f, v) in [
        ("routeLabel", &m.http.route_label),
        ("statusLabel", &m.http.status_label),
        ("methodLabel", &m.http.method_label),
    ] {
        c.label(&format!("spec.metrics.http.{f}"), v);
    }
    c.selector("spec.metrics.http.selector", &m.http.selector);
    if m.http.unit.dimension() != Dimension::Time {
        c.err(
            "units/threshold-unit",
            "spec.metrics.http.unit",
            format!(
                "an HTTP duration histogram is measured in time, not `{}`",
                m.http.unit.as_str()
            ),
            "use s (prom-client, OpenTelemetry) or ms",
        );
    }
    if m.http.buckets.is_empty() {
        c.err(
            "definitions/buckets",
            "spec.metrics.http.buckets",
            "the histogram bucket list is empty".into(),
            "list the upper bounds your HTTP middleware is configured with",
        );
    }
    for w in m.http.buckets.windows(2) {
        if w[1] <= w[0] {
            c.err(
                "definitions/buckets",
                "spec.metrics.http.buckets",
                "bucket upper bounds must be strictly increasing".into(),
                "sort the buckets and remove duplicates",
            );
            break;
        }
    }
    c.metric("spec.metrics.queues.jobCount", &m.queues.job_count);
    c.metric("spec.metrics.queues.jobsFailed", &m.queues.jobs_failed);
    c.metric(
        "spec.metrics.queues.jobDuration.histogram",
        &m.queues.job_duration.histogram,
    );
    for (f, v) in [
        ("queueLabel", &m.queues.queue_label),
        ("stateLabel", &m.queues.state_label),
        ("jobDuration.queueLabel", &m.queues.job_duration.queue_label),
    ] {
        c.label(&format!("spec.metrics.queues.{f}"), v);
    }
    if m.queues.job_duration.unit.dimension() != Dimension::Time {
        c.err(
            "units/threshold-unit",
            "spec.metrics.queues.jobDuration.unit",
            "a job duration histogram is measured in time".into(),
            "BullMQ's OpenTelemetry durations are in ms",
        );
    }
    c.metric("spec.metrics.gpu.metric", &m.gpu.metric);
    c.selector("spec.metrics.gpu.selector", &m.gpu.selector);
    if m.gpu.unit.dimension() != Dimension::Fraction {
        c.err(
            "units/threshold-unit",
            "spec.metrics.gpu.unit",
            format!(
                "GPU utilisation is a fraction, not `{}`",
                m.gpu.unit.as_str()
            ),
            "DCGM_FI_DEV_GPU_UTIL is percent (0-100); DCGM_FI_PROF_GR_ENGINE_ACTIVE is ratio (0-1)",
        );
    }
    if let Some(src) = &m.gpu.source {
        c.metric(
            "spec.metrics.gpu.source.dcgmExporter.metric",
            &src.dcgm_exporter.metric,
        );
    }

    // Queues.
    let mut qnames = BTreeSet::new();
    for (i, q) in s.queues.iter().enumerate() {
        let p = format!("spec.queues[{i}].name");
        if !qnames.insert(q.name.as_str()) {
            c.err(
                "definitions/duplicate-name",
                &p,
                format!("queue `{}` is defined twice", q.name),
                "queue names must be unique",
            );
        }
        if q.bullmq_name.is_empty() || q.bullmq_name.contains(['"', '\\', '|']) {
            c.err(
                "definitions/bad-name",
                &format!("spec.queues[{i}].bullmqName"),
                format!("`{}` cannot be used as a queue label value", q.bullmq_name),
                "use the queue name as BullMQ exports it, without quotes or |",
            );
        }
    }

    // Alerts.
    let cluster_names: BTreeSet<&str> = s.clusters.iter().map(|c| c.name.as_str()).collect();
    let mut anames = BTreeSet::new();
    for (i, a) in s.alerts.iter().enumerate() {
        let ap = format!("spec.alerts[{i}]");
        if !anames.insert(a.name.as_str()) {
            c.err(
                "definitions/duplicate-name",
                &format!("{ap}.name"),
                format!("alert `{}` is defined twice", a.name),
                "alert names must be unique",
            );
        }
        if !is_camel_case(&a.name) || a.name.len() > 40 {
            c.err(
                "alert/name",
                &format!("{ap}.name"),
                format!(
                    "alert name `{}` must be CamelCase letters and digits, at most 40 characters",
                    a.name
                ),
                "e.g. ApiLatencyHigh",
            );
        }
        let sum = a.summary.trim();
        if !(sum.chars().next().is_some_and(|ch| ch.is_uppercase()) && sum.ends_with('.')) {
            c.err(
                "alert/summary-style",
                &format!("{ap}.summary"),
                "the summary must be a sentence: a capital letter first and a period last".into(),
                "summaries are static sentences; put values in the generated description",
            );
        }
        if a.clusters.is_empty() {
            c.err(
                "alert/no-cluster",
                &format!("{ap}.clusters"),
                format!("alert `{}` applies to no cluster", a.name),
                "list at least one cluster from spec.clusters",
            );
        }
        for (j, cl) in a.clusters.iter().enumerate() {
            if !cluster_names.contains(cl.as_str()) {
                let known: Vec<&str> = cluster_names.iter().copied().collect();
                c.err(
                    "alert/unknown-cluster",
                    &format!("{ap}.clusters[{j}]"),
                    format!(
                        "alert `{}` applies to cluster `{cl}`, which is not defined",
                        a.name
                    ),
                    &format!("defined clusters: {}", known.join(", ")),
                );
            }
        }
        for k in a.labels.keys() {
            if !is_label_name(k) {
                c.err(
                    "definitions/bad-label-name",
                    &format!("{ap}.labels.{k}"),
                    format!("`{k}` is not a valid Prometheus label name"),
                    "label names match [a-zA-Z_][a-zA-Z0-9_]*",
                );
            } else if k == "severity" || k == "cluster" {
                c.err(
                    "alert/reserved-label",
                    &format!("{ap}.labels.{k}"),
                    format!("label `{k}` is set by luneo-obs from the alert's {k}"),
                    "use the alert's `severity` / `clusters` fields instead",
                );
            }
        }
        let for_ms = c.duration(&format!("{ap}.for"), &a.for_);
        if let Some(w) = &a.window {
            if let (Some(wms), Some(sms)) = (c.duration(&format!("{ap}.window"), w), scrape) {
                if wms < 2 * sms {
                    c.err(
                        "promql/rate-window",
                        &format!("{ap}.window"),
                        format!(
                            "window {w} is shorter than 2x the scrape interval ({})",
                            m.scrape_interval
                        ),
                        &format!(
                            "use at least {} (4x the scrape interval is safer)",
                            duration::format(2 * sms)
                        ),
                    );
                }
            }
        }
        alert_shape(&mut c, &ap, a, m, &qnames, for_ms, scrape);
    }
}

fn alert_shape(
    c: &mut Ctx<'_>,
    ap: &str,
    a: &crate::model::Alert,
    m: &crate::model::Metrics,
    queues: &BTreeSet<&str>,
    for_ms: Option<u64>,
    scrape: Option<u64>,
) {
    let kind = a.slo;
    let needs_threshold = !matches!(kind, SloKind::ApiNoTraffic | SloKind::Custom);
    match (&a.threshold, needs_threshold) {
        (None, true) => c.err(
            "alert/missing-threshold",
            ap,
            format!(
                "alert `{}` (slo {}) needs a threshold",
                a.name,
                kind.as_str()
            ),
            "add threshold: { value: N, unit: U }",
        ),
        (Some(_), false) if kind == SloKind::ApiNoTraffic => c.err(
            "alert/unexpected-field",
            &format!("{ap}.threshold"),
            "apiNoTraffic has no threshold: it fires when no request is seen for `for`".into(),
            "remove threshold and set `for` to the silence you tolerate",
        ),
        _ => {}
    }
    if kind == SloKind::ApiLatency {
        match a.quantile {
            None => c.err(
                "alert/missing-field",
                ap,
                "apiLatency needs a quantile (e.g. 0.95)".into(),
                "add quantile: 0.95",
            ),
            Some(q) if !(q > 0.0 && q < 1.0) => c.err(
                "alert/quantile-range",
                &format!("{ap}.quantile"),
                format!("quantile {q} is outside (0, 1)"),
                "P95 is quantile: 0.95",
            ),
            _ => {}
        }
    } else if a.quantile.is_some() {
        c.err(
            "alert/unexpected-field",
            &format!("{ap}.quantile"),
            format!(
                "quantile only applies to slo apiLatency, not {}",
                kind.as_str()
            ),
            "remove quantile",
        );
    }
    match (
        &a.routes,
        matches!(kind, SloKind::ApiLatency | SloKind::ApiErrorRatio),
    ) {
        (Some(_), false) => c.err(
            "alert/unexpected-field",
            &format!("{ap}.routes"),
            format!(
                "routes only apply to slo apiLatency and apiErrorRatio, not {}",
                kind.as_str()
            ),
            "remove routes",
        ),
        (Some(list), true) => {
            if list.is_empty() {
                c.err(
                    "alert/missing-field",
                    &format!("{ap}.routes"),
                    "the route list is empty".into(),
                    "list route label values, or remove `routes` to cover the whole API",
                );
            }
            let mut seen = BTreeSet::new();
            for (j, r) in list.iter().enumerate() {
                if r.is_empty() || !seen.insert(r.as_str()) {
                    c.err(
                        "alert/bad-route",
                        &format!("{ap}.routes[{j}]"),
                        format!("route `{r}` is empty or listed twice"),
                        "list each route label value once",
                    );
                }
            }
        }
        _ => {}
    }
    if kind == SloKind::QueueBacklogGrowth {
        match &a.queues {
            None => c.err(
                "alert/missing-field",
                ap,
                "queueBacklogGrowth needs the queues it watches".into(),
                "add queues: [ai, render]",
            ),
            Some(list) => {
                if list.is_empty() {
                    c.err(
                        "alert/missing-field",
                        &format!("{ap}.queues"),
                        "the queue list is empty".into(),
                        "list queues from spec.queues",
                    );
                }
                for (j, q) in list.iter().enumerate() {
                    if !queues.contains(q.as_str()) {
                        c.err(
                            "alert/unknown-queue",
                            &format!("{ap}.queues[{j}]"),
                            format!("queue `{q}` is not defined in spec.queues"),
                            &format!(
                                "defined queues: {}",
                                queues.iter().copied().collect::<Vec<_>>().join(", ")
                            ),
                        );
                    }
                }
            }
        }
    } else if a.queues.is_some() {
        c.err(
            "alert/unexpected-field",
            &format!("{ap}.queues"),
            format!(
                "queues only apply to slo queueBacklogGrowth, not {}",
                kind.as_str()
            ),
            "remove queues",
        );
    }
    if kind == SloKind::Custom {
        match &a.expr {
            None => c.err(
                "alert/missing-field",
                ap,
                "slo custom needs an expr".into(),
                "add expr: <PromQL>",
            ),
            Some(e) => {
                #[cfg(feature = "promql")]
                if let Err(err) = promql_parser::parser::parse(e) {
                    c.err("promql/parse-error", &format!("{ap}.expr"), format!("the expression does not parse: {err}"), "promql-parser gives no position inside the expression; check parentheses, durations and quotes");
                }
                let _ = e;
            }
        }
    } else if a.expr.is_some() {
        c.err("alert/unexpected-field", &format!("{ap}.expr"), format!("expr only applies to slo custom; {} builds its expression from the metric contract", kind.as_str()), "remove expr, or use slo: custom");
    }
    if kind == SloKind::ApiNoTraffic {
        // Absent-style alert: must wait at least 2 scrape intervals (restarts, first scrape).
        if let (Some(f), Some(s)) = (for_ms, scrape) {
            if f < 2 * s {
                c.err("alert/absent-for", &format!("{ap}.for"), format!("`for: {}` is shorter than 2x the scrape interval: the alert would fire after every Prometheus restart", a.for_), &format!("use at least {}", duration::format(2 * s)));
            }
        }
    }
    let Some(t) = &a.threshold else { return };
    let tp = format!("{ap}.threshold");
    let (lo, hi) = t.unit.range();
    if !(t.value >= lo && t.value <= hi) {
        let range = if hi.is_finite() {
            format!("[{lo}, {hi}]")
        } else {
            format!(">= {lo}")
        };
        c.err("units/threshold-range", &format!("{tp}.value"), format!("threshold {} {} is outside the unit's range {range}", crate::model::fmt_num(t.value), t.unit.as_str()), "percent is 0-100 and ratio is 0-1: a 90 % threshold is `value: 90, unit: percent` or `value: 0.9, unit: ratio`");
    }
    let metric_unit = match kind {
        SloKind::ApiLatency => Some(m.http.unit),
        SloKind::ApiErrorRatio => Some(Unit::Ratio),
        SloKind::QueueBacklogGrowth => Some(Unit::JobsPerMinute),
        SloKind::GpuUtilisation => Some(m.gpu.unit),
        SloKind::ApiNoTraffic | SloKind::Custom => None,
    };
    if let Some(mu) = metric_unit {
        if t.unit.dimension() != mu.dimension() {
            c.err(
                "units/threshold-unit",
                &format!("{tp}.unit"),
                format!(
                    "threshold unit `{}` does not match the metric's unit `{}` (slo {})",
                    t.unit.as_str(),
                    mu.as_str(),
                    kind.as_str()
                ),
                &format!(
                    "express the threshold in a unit convertible to {}",
                    mu.as_str()
                ),
            );
        } else if kind == SloKind::ApiLatency {
            if let Some(v) = t.unit.convert(t.value, m.http.unit) {
                let on_boundary = m
                    .http
                    .buckets
                    .iter()
                    .any(|b| (b - v).abs() <= 1e-9 * v.abs().max(1.0));
                if !on_boundary {
                    let below = m
                        .http
                        .buckets
                        .iter()
                        .copied()
                        .filter(|b| *b < v)
                        .fold(f64::NAN, f64::max);
                    let above = m.http.buckets.iter().copied().find(|b| *b > v);
                    let between = match above {
                        Some(a) if below.is_finite() => format!(
                            "between the buckets {} and {}",
                            crate::model::fmt_num(below),
                            crate::model::fmt_num(a)
                        ),
                        Some(a) => format!("below the first bucket {}", crate::model::fmt_num(a)),
                        None => "above the last bucket".to_string(),
                    };
                    c.warn(
                        "rules/bucket-boundary",
                        &format!("{tp}.value"),
                        format!("the latency threshold {} {} ({} {}) is not a bucket boundary of {}: it falls {between}, so histogram_quantile interpolates and the alert fires on an estimate", crate::model::fmt_num(t.value), t.unit.as_str(), crate::model::fmt_num(v), m.http.unit.as_str(), m.http.histogram),
                        format!("add {} to the histogram buckets of the API's HTTP middleware (and to spec.metrics.http.buckets)", crate::model::fmt_num(v)),
                    );
                }
            }
        }
    }
    let _ = scrape;
}
