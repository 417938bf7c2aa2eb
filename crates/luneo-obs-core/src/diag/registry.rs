//! The check registry: every diagnostic code the core reports, declared once with its
//! default severity, what it detects, why it matters and how to fix it. docs/checks.md is
//! generated from it ([`checks_markdown`]).
//!
//! Texts are single lines without a final period; they are table cells.

use crate::diag::Severity;

/// The documentation sections of the checks, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    Yaml,
    Shape,
    Names,
    Units,
    Alerts,
    Slos,
    RuleSemantics,
    ManifestsTree,
    Overlays,
    Dashboards,
    Notifications,
    Dr,
    Gitops,
    Docs,
    Requests,
    Other,
}

impl Area {
    /// Every area, in page order.
    pub const ALL: &'static [Area] = &[
        Area::Yaml,
        Area::Shape,
        Area::Names,
        Area::Units,
        Area::Alerts,
        Area::Slos,
        Area::RuleSemantics,
        Area::ManifestsTree,
        Area::Overlays,
        Area::Dashboards,
        Area::Notifications,
        Area::Dr,
        Area::Gitops,
        Area::Docs,
        Area::Requests,
        Area::Other,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Area::Yaml => "YAML",
            Area::Shape => "Shape",
            Area::Names => "Names",
            Area::Units => "Units",
            Area::Alerts => "Alerts",
            Area::Slos => "SLOs",
            Area::RuleSemantics => "Rule semantics",
            Area::ManifestsTree => "Manifests tree",
            Area::Overlays => "Overlays",
            Area::Dashboards => "Dashboards",
            Area::Notifications => "Notifications",
            Area::Dr => "DR",
            Area::Gitops => "GitOps",
            Area::Docs => "Docs",
            Area::Requests => "Requests",
            Area::Other => "Other",
        }
    }

    /// What the checks of the area guard, one line.
    pub fn description(self) -> &'static str {
        match self {
            Area::Yaml => "The file parses as one YAML document with plain keys.",
            Area::Shape => "The definitions document has the format's shape.",
            Area::Names => "Names, URLs, durations and buckets are usable; exactly one cluster is primary.",
            Area::Units => "A threshold's unit matches its metric; percent is in 0-100, ratio in 0-1.",
            Area::Alerts => "Alerts are complete and refer to things that exist.",
            Area::Slos => "SLOs have a usable objective and window, an SLI that reads declared counters or a declared bucket, and a bounded grouping.",
            Area::RuleSemantics => "Generated and on-disk rules make sense, pint/mixtool-style.",
            Area::ManifestsTree => "The checked-in tree is what the definitions produce.",
            Area::Overlays => "The Kustomize overlays build and their objects fit.",
            Area::Dashboards => "Dashboard-linter conventions; queries parse after variable substitution and read metrics of the contract.",
            Area::Notifications => "Every alert reaches someone; no credential reaches git.",
            Area::Dr => "DR silences are bounded and mute something.",
            Area::Gitops => "Argo CD Applications point at real overlays and clusters.",
            Area::Docs => "Generated blocks of the runbooks and the observability page.",
            Area::Requests => "JSON requests to the core's operations (kubectl plugin, Grafana panel, wasm API).",
            Area::Other => "Requests to `explain` and the health evaluation.",
        }
    }
}

/// One diagnostic code and its documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// `area/kebab-name`, as in [`crate::Diagnostic::code`].
    pub id: &'static str,
    /// The severity the code is reported at; `why` says when another one is used.
    pub severity: Severity,
    pub area: Area,
    /// What the check detects.
    pub summary: &'static str,
    /// What goes wrong in production if it is ignored.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// Declares each check once as `pub const NAME: Check` and lists them in [`ALL`].
macro_rules! checks {
    ($($area:ident {
        $($name:ident = $id:literal, $sev:ident,
            what: $summary:literal,
            why: $why:literal,
            fix: $fix:literal;)*
    })*) => {
        $($(
            #[doc = concat!("`", $id, "`: ", $summary, ".")]
            pub const $name: Check = Check {
                id: $id,
                severity: Severity::$sev,
                area: Area::$area,
                summary: $summary,
                why: $why,
                fix: $fix,
            };
        )*)*

        /// Every check, in declaration order (grouped by area, in page order).
        pub const ALL: &[&Check] = &[$($(&$name,)*)*];

        /// The constant names, parallel to [`ALL`].
        #[cfg(test)]
        const NAMES: &[&str] = &[$($(stringify!($name),)*)*];
    };
}

checks! {
    Yaml {
        YAML_SYNTAX = "yaml/syntax", Error,
            what: "a definitions file or a manifest of the tree is not well-formed YAML",
            why: "nothing in the file can be read, so nothing is validated or generated from it; kubectl and Argo CD reject such a manifest",
            fix: "check the indentation and quoting around the reported position";
        YAML_EMPTY = "yaml/empty", Error,
            what: "the file holds no YAML document",
            why: "an empty definitions file defines nothing to generate; an empty manifest deploys nothing",
            fix: "start the definitions from definitions/luneo.yaml; regenerate an empty manifest with `kubectl luneo-obs generate`";
        YAML_MULTIPLE_DOCUMENTS = "yaml/multiple-documents", Error,
            what: "the file holds more than one YAML document (a `---` separator)",
            why: "only one document would be read: everything after the separator would be silently ignored",
            fix: "remove the `---` separator and merge the documents";
        YAML_DUPLICATE_KEY = "yaml/duplicate-key", Error,
            what: "a key appears twice in one mapping",
            why: "YAML tools silently keep one of the two values, so the setting applied may not be the one you read",
            fix: "each key may appear once per mapping: remove or rename one of them";
        YAML_COMPLEX_KEY = "yaml/complex-key", Error,
            what: "a mapping key is not a scalar (a list, a mapping or a `?` complex key)",
            why: "such a key has no JSON equivalent, so the file cannot be mapped onto the format",
            fix: "use plain scalar keys";
        YAML_NON_FINITE_NUMBER = "yaml/non-finite-number", Error,
            what: "a number is infinite or NaN (`.inf`, `-.inf`, `.nan`)",
            why: "it has no JSON form, and a NaN or infinite threshold makes the comparison always or never true",
            fix: "write a finite number";
    }
    Shape {
        DEFINITIONS_UNKNOWN_FIELD = "definitions/unknown-field", Error,
            what: "a field the format does not know, often a typo",
            why: "a misspelt field would otherwise be ignored and its setting silently lost",
            fix: "remove the field or fix its spelling; the message lists the accepted fields (see docs/definitions.md)";
        DEFINITIONS_MISSING_FIELD = "definitions/missing-field", Error,
            what: "a required field is missing",
            why: "the definitions cannot be loaded, so nothing is validated or generated",
            fix: "add the field; definitions/luneo.yaml shows every field in use";
        DEFINITIONS_WRONG_TYPE = "definitions/wrong-type", Error,
            what: "a value has the wrong type (a string for a number, a scalar for a list...)",
            why: "the definitions cannot be loaded; a quoted number or a number with a unit does not mean what it seems",
            fix: "quote strings, write numbers without quotes or units, and lists as [a, b]";
        DEFINITIONS_UNKNOWN_VALUE = "definitions/unknown-value", Error,
            what: "a value is not one of the accepted values of its field (slo, severity, unit, role...)",
            why: "luneo-obs cannot know what to generate for it",
            fix: "use one of the accepted values listed in the message";
        DEFINITIONS_INVALID = "definitions/invalid", Error,
            what: "the document does not have the expected shape, for a reason the other shape codes do not cover",
            why: "the definitions cannot be loaded, so nothing is validated or generated",
            fix: "see docs/definitions.md for the expected shape";
        DEFINITIONS_API_VERSION = "definitions/api-version", Error,
            what: "apiVersion is not luneo.io/v1alpha1",
            why: "a file written for another version of the format would be read with the wrong meaning",
            fix: "this version of luneo-obs reads apiVersion: luneo.io/v1alpha1";
        DEFINITIONS_KIND = "definitions/kind", Error,
            what: "kind is not ObservabilityDefinitions",
            why: "the file is another kind of document: read as definitions, it would generate nonsense",
            fix: "set kind: ObservabilityDefinitions";
    }
    Names {
        DEFINITIONS_DUPLICATE_NAME = "definitions/duplicate-name", Error,
            what: "two clusters, queues, alerts or receivers share a name, a route lists a receiver twice, or an alert takes the Watchdog's name",
            why: "objects, rules and routes are generated by name: one would overwrite or shadow the other",
            fix: "give each one a unique name; list each receiver once per severity";
        DEFINITIONS_BAD_NAME = "definitions/bad-name", Error,
            what: "a name unusable where it ends up: metadata.name, a cluster or receiver name, a queue's bullmqName, or a receiver named `null`",
            why: "these names become Kubernetes object names, overlay directories, Alertmanager receivers and PromQL label values, which would be rejected or match nothing",
            fix: "use lower-case letters, digits and dashes; a bullmqName is the queue name as BullMQ exports it, without quotes or |; `null` is the generated receiver that drops notifications";
        DEFINITIONS_BAD_LABEL_NAME = "definitions/bad-label-name", Error,
            what: "an invalid Prometheus label name (metric contract, alert labels, ruleSelector, grouping.groupBy, inhibition.equal)",
            why: "Prometheus rejects the whole rule group, or Alertmanager its configuration, over one invalid label name",
            fix: "label names match [a-zA-Z_][a-zA-Z0-9_]*; a ruleSelector key is the label your Prometheus' ruleSelector matches, e.g. release";
        DEFINITIONS_BAD_METRIC_NAME = "definitions/bad-metric-name", Error,
            what: "an invalid metric name in the metric contract",
            why: "the generated PromQL would not parse: Prometheus rejects the rules that read it",
            fix: "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*";
        DEFINITIONS_BAD_URL = "definitions/bad-url", Error,
            what: "a malformed URL: a runbook or Grafana link that is not http(s) or ends with a slash, a Git URL Argo CD cannot clone, a destination that is not https",
            why: "links in alerts lead nowhere when on-call clicks them; Argo CD cannot clone the repository or reach the cluster",
            fix: "write full URLs without a trailing slash (https://grafana.example.com); repoUrl as https://host/org/repo.git or git@host:org/repo.git";
        DEFINITIONS_PRIMARY_CLUSTER = "definitions/primary-cluster", Error,
            what: "not exactly one cluster has role: primary",
            why: "rules, dashboards and overlays differ between the production cluster and the standby: with none or two primaries they watch the wrong cluster",
            fix: "mark the production cluster `role: primary` and the others `role: secondary`";
        DEFINITIONS_EMPTY_RULE_SELECTOR = "definitions/empty-rule-selector", Warning,
            what: "spec.kubernetes.ruleSelector has no labels",
            why: "kube-prometheus-stack ignores PrometheusRules without `release: <release name>` unless its selector is empty: no alert would be loaded",
            fix: "add `release: <your helm release>` (kube-prometheus-stack's default ruleSelector)";
        DEFINITIONS_BUCKETS = "definitions/buckets", Error,
            what: "the HTTP histogram bucket list is empty or not strictly increasing",
            why: "latency thresholds are checked against these buckets: a wrong list hides thresholds that histogram_quantile only estimates",
            fix: "list the upper bounds your HTTP middleware is configured with, sorted, without duplicates";
        DEFINITIONS_BAD_DURATION = "definitions/bad-duration", Error,
            what: "a duration does not parse, a dashboard refresh or timeRange is not a Grafana interval, or a time range is zero",
            why: "Prometheus rejects a rule with a bad `for` or range; Grafana does not read `now-1h30m`",
            fix: "write durations as Prometheus does: 30s, 5m, 1h30m; dashboard refresh and timeRange take one number and one unit, e.g. 90m";
        DEFINITIONS_DASHBOARD_FOLDER = "definitions/dashboard-folder", Error,
            what: "a dashboard folder is empty or contains a slash",
            why: "the Grafana sidecar uses the folder as a directory name: the dashboard lands in the wrong folder",
            fix: "use a plain folder name, or omit it to use spec.kubernetes.dashboardFolder";
        DEFINITIONS_DASHBOARD_REFRESH = "definitions/dashboard-refresh", Error,
            what: "a dashboard refresh is below 5s",
            why: "Grafana's default minimum refresh is 5s: it would silently use 5s instead",
            fix: "use 5s or more (30s for near-real-time views)";
    }
    Units {
        UNITS_THRESHOLD_UNIT = "units/threshold-unit", Error,
            what: "a threshold's unit, or the declared unit of the HTTP, job-duration or GPU metric, is of the wrong dimension",
            why: "the threshold would be compared with a value in another unit: the alert fires all the time or never",
            fix: "express the threshold in a unit convertible to the metric's (ms or s for durations, ratio or percent for fractions)";
        UNITS_THRESHOLD_RANGE = "units/threshold-range", Error,
            what: "a threshold is outside its unit's range (percent 0-100, ratio 0-1, others >= 0)",
            why: "a ratio of 5 or a GPU at 150 % is never reached: the alert never fires",
            fix: "a 90 % threshold is `value: 90, unit: percent` or `value: 0.9, unit: ratio`";
    }
    Alerts {
        ALERT_NAME = "alert/name", Error,
            what: "an alert name (or the Watchdog's alertName) is not CamelCase letters and digits, at most 40 characters",
            why: "alert names become rule names, runbook pages, links and Alertmanager matchers: other characters break them",
            fix: "use CamelCase, e.g. ApiLatencyHigh; kube-prometheus calls the Watchdog Watchdog";
        ALERT_SUMMARY_STYLE = "alert/summary-style", Error,
            what: "an alert summary is not a sentence (capital letter first, period last)",
            why: "the summary is the title of every page and Slack message: it must read the same for every firing",
            fix: "write a static sentence; put values in the generated description";
        ALERT_NO_CLUSTER = "alert/no-cluster", Error,
            what: "an alert applies to no cluster",
            why: "no rule would be generated: the alert silently never exists",
            fix: "list at least one cluster from spec.clusters";
        ALERT_UNKNOWN_CLUSTER = "alert/unknown-cluster", Error,
            what: "an alert applies to a cluster that spec.clusters does not define",
            why: "the alert is deployed to no such cluster, so it never fires where it was meant to (often a typo)",
            fix: "use a cluster name from spec.clusters (the hint lists them)";
        ALERT_UNKNOWN_QUEUE = "alert/unknown-queue", Error,
            what: "a queueBacklogGrowth alert watches a queue that spec.queues does not define",
            why: "its selector would match no series: the alert never fires",
            fix: "use a queue from spec.queues (the hint lists them), or add the queue there";
        ALERT_MISSING_THRESHOLD = "alert/missing-threshold", Error,
            what: "an alert whose slo needs a threshold has none",
            why: "there is nothing to compare the metric with, so no alert expression can be built",
            fix: "add threshold: { value: N, unit: U }";
        ALERT_MISSING_FIELD = "alert/missing-field", Error,
            what: "a field the alert's slo needs is missing or empty: quantile (apiLatency), queues (queueBacklogGrowth, queueStalled), spec.metrics.queues.jobsCompleted (queueStalled), expr (custom), or an empty routes list",
            why: "the alert expression cannot be built, or would cover nothing",
            fix: "add the field (quantile: 0.95, queues: [ai, render], expr: <PromQL>), or remove `routes` to cover the whole API";
        ALERT_UNEXPECTED_FIELD = "alert/unexpected-field", Error,
            what: "a field that does not apply to the alert's slo: threshold on apiNoTraffic or queueStalled, quantile, routes, queues, minRequests, minErrors or expr on other kinds",
            why: "it would be silently ignored: the alert would not watch what the field says",
            fix: "remove the field, or use the slo it belongs to (expr needs slo: custom)";
        ALERT_QUANTILE_RANGE = "alert/quantile-range", Error,
            what: "a latency quantile is outside (0, 1)",
            why: "histogram_quantile returns -Inf or +Inf outside (0, 1): the alert fires always or never",
            fix: "P95 is quantile: 0.95";
        ALERT_BAD_ROUTE = "alert/bad-route", Error,
            what: "an entry of an alert's routes is empty or listed twice",
            why: "routes become a regex alternation on the route label: an empty entry also matches series without a route",
            fix: "list each route label value once";
        ALERT_RESERVED_LABEL = "alert/reserved-label", Error,
            what: "an alert sets the label severity or cluster itself",
            why: "luneo-obs sets them from the alert's severity and clusters, and Alertmanager routes and inhibits on them: an override misroutes the page",
            fix: "use the alert's `severity` / `clusters` fields instead";
    }
    Slos {
        SLO_NAME = "slo/name", Error,
            what: "an SLO name is not kebab-case, or the name of its burn-rate alert is not usable",
            why: "the name becomes the `slo` label of every rule and the burn-rate alert's name (`api-availability` -> ApiAvailabilityBudgetBurn)",
            fix: "use lowercase letters, digits and hyphens, short enough for a 40-character alert name";
        SLO_OBJECTIVE = "slo/objective", Error,
            what: "an SLO objective is not a percentage strictly between 0 and 100",
            why: "100 % leaves no error budget (every burn rate is infinite) and 0 % no objective",
            fix: "write the share of good events in percent, e.g. objective: 99.5";
        SLO_WINDOW = "slo/window", Error,
            what: "an SLO window is not one of 30d, 28d, 7d",
            why: "the burn-rate factors (14.4x over 1h for 30 days) are derived for these windows; others are untested",
            fix: "use window: 30d (default), 28d or 7d";
        SLO_SLI = "slo/sli", Error,
            what: "a ratio SLI names both or neither of `errors` and `good`, a counter is not a vector selector, or a latency SLI lists queues without the jobDuration histogram",
            why: "the SLI recording rules could not say which events are bad",
            fix: "write errors: (or good:) and total: as `metric{matchers}`, e.g. http_requests_total{code=~\"5..\"}";
        SLO_BUCKET_BOUNDARY = "slo/bucket-boundary", Error,
            what: "a latency SLI's threshold is not one of its histogram's declared bucket boundaries, or the histogram declares none",
            why: "the SLI reads the `le` bucket of the threshold: a bucket that does not exist matches no series and the SLO would read as 100 % bad or be empty",
            fix: "use a declared boundary (the message lists the nearest), or add the boundary to the exporter and to the buckets of spec.metrics";
        SLO_GROUPING = "slo/grouping", Error,
            what: "maxGroups without groupBy, or outside 1-1000",
            why: "the cap is the rule group's limit: without groupBy there is nothing to cap, and an unbounded cap lets an exploding label flood Prometheus",
            fix: "add groupBy: route (or queue), and a cap a dashboard stays readable with";
        SLO_UNKNOWN_REF = "slo/unknown-ref", Error,
            what: "an SLO applies to no cluster, or names a cluster or queue that is not defined",
            why: "no rule would be generated for it, or its SLI would count nothing",
            fix: "use names from spec.clusters and spec.queues";
    }
    RuleSemantics {
        PROMQL_PARSE_ERROR = "promql/parse-error", Error,
            what: "a PromQL expression does not parse: a custom expr, a metric selector of the contract or an on-disk rule",
            why: "Prometheus rejects the whole rule group: none of its alerts is evaluated",
            fix: "check parentheses, durations and quotes; a selector is label matchers in braces, e.g. {job=\"luneo-api\"}";
        PROMQL_RATE_WINDOW = "promql/rate-window", Error,
            what: "a rate window (or an alert's window) is shorter than 2x the scrape interval",
            why: "the range holds fewer than two samples whenever a scrape is late: rate() returns nothing and the alert goes blind",
            fix: "use a window of at least 2x the scrape interval (4x is safer)";
        PROMQL_HISTOGRAM_QUANTILE_LE = "promql/histogram-quantile-le", Error,
            what: "histogram_quantile's input loses the `le` label",
            why: "every bucket collapses into one, so no quantile is computed: the latency alert never fires",
            fix: "keep le in the aggregation: sum by (le, ...) (rate(x_bucket[5m]))";
        PROMQL_RATE_OF_SUM = "promql/rate-of-sum", Error,
            what: "rate(), irate() or increase() of an aggregation (a subquery over sum)",
            why: "a counter reset on one series looks like a huge drop of the sum: spikes and false alerts",
            fix: "aggregate after the rate: sum(rate(x[5m]))";
        ALERT_TEMPLATE_LABELS = "alert/template-labels", Error,
            what: "an annotation or label template uses $labels.x, which the expression's aggregation drops",
            why: "the notification shows an empty value where on-call expects the queue, route or cluster",
            fix: "keep the label in the aggregation (by (x, ...)) or stop using it in the template";
        ALERT_VALUE_IN_LABELS = "alert/value-in-labels", Error,
            what: "a label contains the query value ($value)",
            why: "each evaluation is a new alert, so `for` never completes and notifications repeat",
            fix: "move the value to an annotation (description)";
        ALERT_ABSENT_FOR = "alert/absent-for", Error,
            what: "an alert on missing series (absent(), apiNoTraffic) waits less than 2x the scrape interval",
            why: "it fires after every Prometheus restart or late scrape: false pages",
            fix: "set `for` to at least 2x the scrape interval";
        ALERT_NO_COMPARISON = "alert/no-comparison", Error,
            what: "an alert expression has no filtering comparison (none, or only `bool` ones)",
            why: "it fires for every series it returns, that is all the time",
            fix: "end the expression with a threshold, e.g. `> 0.05`";
        ALERT_MISSING_FOR = "alert/missing-for", Warning,
            what: "an alert has no `for`",
            why: "a single evaluation fires it, so it flaps and pages on blips",
            fix: "add for: 5m (or what the SLO tolerates)";
        ALERT_METADATA = "alert/metadata", Error,
            what: "a rule lacks a severity label of critical, warning or info, or a summary, description or runbook_url annotation",
            why: "Alertmanager routes on severity, so the page may go nowhere; without annotations on-call gets no context and no runbook",
            fix: "every alert carries a severity label and the summary, description and runbook_url annotations; regenerate generated rules";
        RULES_GROUP_SIZE = "rules/group-size", Warning,
            what: "a rule group holds more than 20 rules",
            why: "the rules of a group are evaluated one after another: one slow rule delays all of them and alerts fire late",
            fix: "split the group by domain";
        RULES_BUCKET_BOUNDARY = "rules/bucket-boundary", Warning,
            what: "a latency threshold is not a bucket boundary of the HTTP histogram",
            why: "histogram_quantile interpolates between buckets: the alert fires on an estimate, early or late",
            fix: "add the threshold to the histogram buckets of the API's HTTP middleware and to spec.metrics.http.buckets";
        RULES_UNKNOWN_METRIC = "rules/unknown-metric", Error,
            what: "a PrometheusRule of an overlay reads a metric neither in the metric contract nor recorded by a rule of the overlay",
            why: "the expression returns nothing: the alert never fires and the recording rule records nothing",
            fix: "add the metric to spec.metrics, or fix its name";
    }
    ManifestsTree {
        MANIFESTS_DRIFT = "manifests/drift", Error,
            what: "a generated file differs from what the definitions produce",
            why: "the cluster runs a hand edit that the next `generate` silently reverts, or a tree that is out of date",
            fix: "generated files are never edited by hand: change the definitions and run `kubectl luneo-obs generate`";
        MANIFESTS_MISSING_FILE = "manifests/missing-file", Error,
            what: "a file the definitions produce is missing from the tree",
            why: "Argo CD deploys the tree, not the definitions: those rules or dashboards never reach the cluster",
            fix: "run `kubectl luneo-obs generate` and commit the result";
        MANIFESTS_UNEXPECTED_FILE = "manifests/unexpected-file", Error,
            what: "a file in the generated tree that the definitions do not produce",
            why: "stale rules or dashboards may stay deployed, e.g. a removed alert that keeps paging",
            fix: "delete it, or run `kubectl luneo-obs generate` (which replaces the tree)";
        MANIFESTS_BAD_PROMETHEUS_RULE = "manifests/bad-prometheus-rule", Error,
            what: "a prometheus-rules.yaml of the tree is not a valid PrometheusRule",
            why: "the Prometheus operator rejects it: none of its rules is loaded",
            fix: "regenerate the file with `kubectl luneo-obs generate`";
    }
    Overlays {
        OVERLAY_UNRESOLVED_RESOURCE = "overlay/unresolved-resource", Error,
            what: "a kustomization `resources` entry names neither a file nor a directory with a kustomization",
            why: "`kubectl kustomize` fails, so Argo CD syncs nothing of the overlay",
            fix: "fix the path or restore the file (`kubectl luneo-obs generate` rewrites generated overlays)";
        OVERLAY_UNLISTED_FILE = "overlay/unlisted-file", Warning,
            what: "a manifest in an overlay is not listed in its kustomization",
            why: "it is never deployed: the rules or dashboard it holds silently do not exist",
            fix: "list it under `resources:` or delete it";
        OVERLAY_BAD_OBJECT = "overlay/bad-object", Error,
            what: "a listed file is not a Kubernetes object (apiVersion, kind or metadata.name missing)",
            why: "`kubectl apply` rejects it and the sync fails",
            fix: "regenerate the overlay with `kubectl luneo-obs generate`";
        OVERLAY_OBJECT_SIZE = "overlay/object-size", Warning,
            what: "an object is above the 102,400-byte budget as `kubectl apply` stores it",
            why: "an error over the hard limits (262,144 bytes of last-applied-configuration annotation, 1 MiB of ConfigMap data): `kubectl apply` rejects the object; every object also gets an info report of its size and margin",
            fix: "keep dashboards small (template variables, not one panel per queue/route), or apply server-side (Argo CD `ServerSideApply=true`)";
    }
    Dashboards {
        DASHBOARD_BAD_JSON = "dashboard/bad-json", Error,
            what: "a dashboard of a ConfigMap is not valid JSON",
            why: "the Grafana sidecar cannot load it: the dashboard disappears",
            fix: "dashboards are generated: regenerate with `kubectl luneo-obs generate` instead of editing the JSON";
        DASHBOARD_MISSING_LABEL = "dashboard/missing-label", Error,
            what: "a dashboard ConfigMap lacks the sidecar label (spec.kubernetes.dashboardLabel)",
            why: "the Grafana sidecar ignores it: the dashboard never appears",
            fix: "regenerate with `kubectl luneo-obs generate` (or fix the definitions if the sidecar watches another label)";
        DASHBOARD_MISSING_FOLDER = "dashboard/missing-folder", Warning,
            what: "a dashboard ConfigMap has no folder annotation (spec.kubernetes.dashboardFolderAnnotation)",
            why: "the dashboard lands in Grafana's General folder, away from the others",
            fix: "regenerate with `kubectl luneo-obs generate`";
        DASHBOARD_UID = "dashboard/uid", Error,
            what: "a dashboard uid is missing, longer than 40 characters or outside [a-zA-Z0-9-_]",
            why: "the dashboard_url links of alerts rely on stable uids: Grafana rejects or replaces a bad one and the links break",
            fix: "keep the generated uid";
        DASHBOARD_DUPLICATE_UID = "dashboard/duplicate-uid", Error,
            what: "two dashboards of one overlay (one Grafana) share a uid",
            why: "Grafana keeps only one of them: the other dashboard disappears",
            fix: "give every dashboard of an overlay its own uid";
        DASHBOARD_DUPLICATE_TITLE = "dashboard/duplicate-title", Warning,
            what: "two panels of a dashboard share a title",
            why: "people and links refer to panels by title: the wrong panel gets read",
            fix: "give every panel its own title";
        DASHBOARD_DUPLICATE_PANEL_ID = "dashboard/duplicate-panel-id", Error,
            what: "two panels of a dashboard share an id",
            why: "links and the panel editor address panels by id: one of them becomes unreachable",
            fix: "panel ids must be unique within a dashboard";
        DASHBOARD_GRID_OVERLAP = "dashboard/grid-overlap", Error,
            what: "two panels overlap on the grid",
            why: "Grafana pushes overlapping panels around: the layout is not the one generated",
            fix: "fix the panels' gridPos";
        DASHBOARD_MISSING_UNIT = "dashboard/missing-unit", Warning,
            what: "a stat, timeseries, table or gauge panel has no unit",
            why: "values without a unit are misread during an incident: 0.3 s or 300 ms, ratio or percent",
            fix: "set fieldConfig.defaults.unit (ms, s, reqps, percent, percentunit, short...)";
        DASHBOARD_DATASOURCE = "dashboard/datasource", Error,
            what: "a dashboard has no `datasource` variable, or a panel or target does not query through ${datasource}",
            why: "the dashboard only works against one Prometheus and shows no data elsewhere",
            fix: "add the datasource variable and set datasource {\"type\":\"prometheus\",\"uid\":\"${datasource}\"} on panels and targets";
        DASHBOARD_RATE_INTERVAL = "dashboard/rate-interval", Warning,
            what: "rate(), irate() or increase() over a fixed window in a panel query",
            why: "a fixed window shows gaps or noise when the scrape interval or the zoom level changes",
            fix: "write `[$__rate_interval]` (or `[$__range]` for a whole-range total)";
        DASHBOARD_PROMQL_PARSE = "dashboard/promql-parse", Error,
            what: "a panel or variable query does not parse once variables are substituted",
            why: "the panel shows an error instead of data",
            fix: "check parentheses, durations and quotes (promql-parser gives no position inside the query)";
        DASHBOARD_UNKNOWN_VARIABLE = "dashboard/unknown-variable", Error,
            what: "a query uses a variable the dashboard does not define",
            why: "Grafana leaves `$name` in the query: it fails or matches nothing",
            fix: "define the variable or fix its name; Grafana's built-ins are $__rate_interval, $__interval, $__range";
        DASHBOARD_UNKNOWN_METRIC = "dashboard/unknown-metric", Error,
            what: "a query reads a metric neither in the metric contract nor recorded by a rule of the overlay",
            why: "the panel shows \"No data\" during the incident it was built for",
            fix: "add the metric to spec.metrics (spec.metrics.extra for the panels of spec.dashboards), or fix its name";
        DASHBOARD_EXTRA_PANEL_CLUSTER = "dashboard/extra-panel-cluster", Warning,
            what: "with a cluster label (a central store), a panel declared in spec.dashboards does not filter on `$cluster`",
            why: "the panel mixes every cluster's series while the rest of the dashboard shows the selected one",
            fix: "add `cluster=\"$cluster\"` (your clusterLabel) to every selector of the panel's expr";
        DASHBOARD_REFRESH = "dashboard/refresh", Error,
            what: "a dashboard's refresh differs from spec.dashboards.<name>.refresh",
            why: "a hand edit that the next `generate` reverts: the definitions no longer describe what runs",
            fix: "change the definitions and regenerate, never the dashboard";
        DASHBOARD_TIME_RANGE = "dashboard/time-range", Error,
            what: "a dashboard's default time range differs from spec.dashboards.<name>.timeRange",
            why: "a hand edit that the next `generate` reverts: the definitions no longer describe what runs",
            fix: "change the definitions and regenerate, never the dashboard";
    }
    Notifications {
        SECRETS_LITERAL = "secrets/literal", Error,
            what: "a credential written in clear: Slack webhook URL or token, PagerDuty integration URL, routing-key-like token, inline credential field",
            why: "the secret reaches git and its history: anyone who can read the repository can post to the channel or trigger pages",
            fix: "remove it and rotate it; reference the Secret key instead: slack.apiUrl / pagerduty.routingKey { secret, key }";
        NOTIFICATIONS_UNKNOWN_RECEIVER = "notifications/unknown-receiver", Error,
            what: "a route or the defaultReceiver names a receiver that spec.notifications.receivers does not define",
            why: "Alertmanager rejects the whole configuration: no change to notifications takes effect",
            fix: "use a receiver of spec.notifications.receivers (the hint lists them)";
        NOTIFICATIONS_RECEIVER_KIND = "notifications/receiver-kind", Error,
            what: "a receiver has both or neither of `slack` and `pagerduty`",
            why: "a receiver without integration drops what is routed to it; one with both is ambiguous",
            fix: "declare one receiver per integration and list both in the route";
        NOTIFICATIONS_SLACK_CHANNEL = "notifications/slack-channel", Error,
            what: "a Slack channel does not start with # or @, or contains whitespace",
            why: "Slack does not deliver to it: the notification is lost",
            fix: "write the channel with its #, quoted in YAML: \"#sre\"";
        NOTIFICATIONS_SECRET_REF = "notifications/secret-ref", Error,
            what: "a Secret reference has an invalid Secret name or key",
            why: "such a Secret cannot exist: Alertmanager has no webhook URL or routing key and sends nothing",
            fix: "Secret names are lower-case letters, digits, dashes and dots (alertmanager-luneo); keys letters, digits, dashes, underscores and dots (slack-sre-url)";
        NOTIFICATIONS_INTERVALS = "notifications/intervals", Error,
            what: "a notification interval is zero, or repeatInterval is shorter than groupInterval",
            why: "Alertmanager can only repeat at group intervals: reminders do not come when the definitions say",
            fix: "use positive durations; make repeatInterval a multiple of groupInterval, e.g. 4h with 5m";
        NOTIFICATIONS_UNROUTED_SEVERITY = "notifications/unrouted-severity", Error,
            what: "alerts of a severity exist but its route list is empty",
            why: "those alerts reach no receiver: the page goes nowhere",
            fix: "list the receivers of this severity, e.g. [slack-sre]";
        NOTIFICATIONS_CRITICAL_NOT_PAGED = "notifications/critical-not-paged", Warning,
            what: "routes.critical has no PagerDuty receiver",
            why: "critical alerts page nobody: they only reach Slack, where nobody reads them at night",
            fix: "add the PagerDuty receiver to routes.critical";
        NOTIFICATIONS_BROAD_INHIBITION = "notifications/broad-inhibition", Warning,
            what: "inhibition.equal does not contain alertname",
            why: "any critical alert mutes every warning of the cluster, unrelated ones included",
            fix: "use [alertname, cluster]: a critical mutes only its warning twin";
    }
    Dr {
        DR_MAX_WINDOW = "dr/max-window", Error,
            what: "spec.notifications.dr.maxWindow is longer than 24h",
            why: "a DR window that long would hide real incidents for more than a day",
            fix: "keep DR windows to the test itself, e.g. 4h; start a new window if the test runs longer";
        DR_BAD_WINDOW = "dr/bad-window", Error,
            what: "the `dr start` window does not parse or is zero",
            why: "a zero window mutes nothing and an unreadable one is refused rather than guessed: the test would page on-call",
            fix: "write the window as a duration: 2h, 90m";
        DR_UNBOUNDED_WINDOW = "dr/unbounded-window", Error,
            what: "`dr start` without a duration",
            why: "a silence without an end keeps muting the expected alerts after the test, so a real failure goes unnoticed",
            fix: "pass --duration, at most spec.notifications.dr.maxWindow";
        DR_WINDOW_TOO_LONG = "dr/window-too-long", Error,
            what: "the `dr start` window is longer than spec.notifications.dr.maxWindow",
            why: "the silence would outlive the test and hide real incidents",
            fix: "shorten the window; run `dr start` again for the next part of a longer test";
        DR_NOTHING_TO_MUTE = "dr/nothing-to-mute", Error,
            what: "no alert is marked drExpected: true",
            why: "a DR window would mute nothing: the alerts the test triggers page on-call as real incidents",
            fix: "mark the alerts a DR test is expected to fire with drExpected: true";
    }
    Gitops {
        GITOPS_UNKNOWN_CLUSTER = "gitops/unknown-cluster", Error,
            what: "spec.gitops.destinations names a cluster that spec.clusters does not define",
            why: "the entry is unused and the cluster it was meant for falls back to the in-cluster API server: its overlay may be deployed to the wrong cluster",
            fix: "use a cluster name from spec.clusters (the hint lists them)";
        GITOPS_BAD_PATH = "gitops/bad-path", Error,
            what: "spec.gitops.manifestsPath is absolute or leaves the repository",
            why: "Argo CD cannot find the overlays: the Applications never sync",
            fix: "write the manifests directory relative to the repository root, e.g. manifests";
    }
    Docs {
        DOCS_MISSING_BLOCK = "docs/missing-block", Error,
            what: "a page lacks one of its generated blocks",
            why: "the page misses facts generated from the definitions (thresholds, queries, links) and goes stale",
            fix: "add the `<!-- BEGIN GENERATED id -->` and `<!-- END GENERATED id -->` lines where the block belongs, then run `kubectl luneo-obs docs`";
        DOCS_UNCLOSED_BLOCK = "docs/unclosed-block", Error,
            what: "a generated block is never closed, or is closed by another block's END marker",
            why: "`docs` cannot tell generated text from hand-written text, so the page is not updated",
            fix: "add the block's END marker on its own line: markers pair up, BEGIN x ... END x";
        DOCS_UNKNOWN_BLOCK = "docs/unknown-block", Error,
            what: "a BEGIN marker names a block this page does not have",
            why: "the block is never filled, so the page shows stale or no content there",
            fix: "use one of the page's blocks (the hint lists them), or remove the markers";
        DOCS_DUPLICATE_BLOCK = "docs/duplicate-block", Error,
            what: "a generated block appears twice in a page",
            why: "the page would show the same generated content twice",
            fix: "keep one pair of markers per block";
        DOCS_STRAY_END_MARKER = "docs/stray-end-marker", Error,
            what: "an END GENERATED marker without a BEGIN",
            why: "`docs` cannot tell where the generated block starts, so the page is not updated",
            fix: "remove it, or add the BEGIN marker above the block";
        DOCS_ORPHAN_RUNBOOK = "docs/orphan-runbook", Warning,
            what: "no alert links to this runbook page",
            why: "a stale runbook (often of a renamed alert) misleads whoever finds it",
            fix: "delete it or rename it after an alert";
        DOCS_RUNBOOK_TO_WRITE = "docs/runbook-to-write", Warning,
            what: "a runbook still has the skeleton's placeholder",
            why: "on-call opens the runbook from the page and finds no diagnosis or remediation",
            fix: "write the impact, diagnosis and remediation steps around the generated block";
    }
    Requests {
        REQUEST_BAD_JSON = "request/bad-json", Error,
            what: "a request to an operation is not JSON of the expected shape",
            why: "the operation does nothing: the caller (kubectl plugin, Grafana panel) and the core disagree on the API",
            fix: "send the request shape of the operation (crates/luneo-obs-core/src/ops/); build the caller against the same core";
        REQUEST_UNKNOWN_OP = "request/unknown-op", Error,
            what: "the operation name is not one of the core's operations",
            why: "nothing runs: the caller is newer or older than the core module it loads",
            fix: "use one of the operations the hint lists; rebuild the caller against this core";
        REQUEST_UNSUPPORTED = "request/unsupported", Error,
            what: "the operation needs a feature this build of the core leaves out (the JSON Schema)",
            why: "the operation returns no result in that build",
            fix: "build luneo-obs-core with the `schema` feature";
        REQUEST_SERIALIZE = "request/serialize", Error,
            what: "the core cannot serialise its response",
            why: "the caller gets no result: this is a luneo-obs bug",
            fix: "report it with the request that caused it";
    }
    Other {
        EXPLAIN_UNKNOWN_ALERT = "explain/unknown-alert", Error,
            what: "`explain` was asked about an alert the definitions do not define",
            why: "there is nothing to explain: usually a typo, or definitions older than the alert",
            fix: "use an alert name of spec.alerts (the hint lists them)";
        HEALTH_BAD_VALUE = "health/bad-value", Warning,
            what: "a value sent to the health evaluation is not a number, \"NaN\", \"+Inf\", \"-Inf\", null or a list of those",
            why: "the value is ignored: its SLO tile shows no data",
            fix: "send a number, \"NaN\", \"+Inf\", \"-Inf\", null or a list of those";
        HEALTH_UNKNOWN_VALUE = "health/unknown-value", Warning,
            what: "a value sent to the health evaluation matches no SLO id or refId",
            why: "the value is ignored: the tile it was meant for shows no data",
            fix: "key values by SLO id or refId (the hint lists the refIds)";
        HEALTH_UNKNOWN_CLUSTER = "health/unknown-cluster", Error,
            what: "the health evaluation was asked about a cluster the definitions do not define",
            why: "no SLO can be evaluated: the health panel stays empty",
            fix: "use a defined cluster, or leave the cluster empty for all";
        HEALTH_THRESHOLD_UNIT = "health/threshold-unit", Error,
            what: "an alert's threshold cannot be converted to its metric's unit for the health evaluation",
            why: "the alert's SLO tile cannot be computed",
            fix: "use a threshold unit of the metric's dimension";
    }
}

/// The check with this id.
pub fn find(id: &str) -> Option<&'static Check> {
    ALL.iter().copied().find(|c| c.id == id)
}

/// A table cell: `|` escaped, line breaks flattened.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// The text of docs/checks.md.
pub fn checks_markdown() -> String {
    let mut s = String::from(
        "# Checks and diagnostic codes\n\
         \n\
         <!-- Generated from crates/luneo-obs-core/src/diag/registry.rs by `make generate`: do not edit. -->\n\
         \n\
         Every problem `kubectl luneo-obs` reports carries one of these codes, a severity, the\n\
         file:line:column of the node at fault and a hint. The severity below is the default;\n\
         where a code is also reported at another severity, *why* says when.\n\
         \n\
         This page is generated from the check registry, `crates/luneo-obs-core/src/diag/registry.rs`,\n\
         where each code is declared once: change a check there and regenerate with `make generate`.\n\
         Diagnostics take a registered check, so an unregistered code does not compile. Every\n\
         code has a case that triggers it under `crates/luneo-obs-core/tests/cases/` (one file\n\
         per case, with a snapshot of its diagnostics); `tests/cases.rs` fails when a registered\n\
         code has none, except the few it lists as unreachable, with the reason.\n",
    );
    s.push('\n');
    for area in Area::ALL {
        let n = ALL.iter().filter(|c| c.area == *area).count();
        s.push_str(&format!(
            "- [{}](#{}) ({n})\n",
            area.title(),
            anchor(area.title())
        ));
    }
    for area in Area::ALL {
        s.push_str(&format!(
            "\n## {}\n\n{}\n\n",
            area.title(),
            area.description()
        ));
        s.push_str("| code | severity | what | why | how to fix |\n");
        s.push_str("|---|---|---|---|---|\n");
        for c in ALL.iter().filter(|c| c.area == *area) {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                c.id,
                c.severity.as_str(),
                cell(c.summary),
                cell(c.why),
                cell(c.fix)
            ));
        }
    }
    s
}

/// GitHub's heading anchor for a plain title.
fn anchor(title: &str) -> String {
    title
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use super::*;

    fn id_is_valid(id: &str) -> bool {
        let Some((area, name)) = id.split_once('/') else {
            return false;
        };
        let word = |w: &str| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        };
        !area.is_empty()
            && area.chars().all(|c| c.is_ascii_lowercase())
            && name.split('-').all(word)
    }

    #[test]
    fn id_pattern() {
        for ok in ["yaml/syntax", "a/b-c", "dr/x2-y"] {
            assert!(id_is_valid(ok), "{ok}");
        }
        for bad in [
            "yaml", "Yaml/x", "a/b--c", "a/-b", "a/b-", "a/b/c", "a1/b", "/b", "a/",
        ] {
            assert!(!id_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for c in ALL {
            assert!(id_is_valid(c.id), "{}", c.id);
            assert!(seen.insert(c.id), "{} is declared twice", c.id);
        }
    }

    #[test]
    fn constant_names_are_the_ids_in_screaming_snake_case() {
        assert_eq!(NAMES.len(), ALL.len());
        for (name, c) in NAMES.iter().zip(ALL) {
            assert_eq!(*name, c.id.replace(['/', '-'], "_").to_uppercase());
        }
        assert_eq!(YAML_SYNTAX.id, "yaml/syntax");
        assert_eq!(DEFINITIONS_UNKNOWN_FIELD.id, "definitions/unknown-field");
    }

    #[test]
    fn checks_are_declared_in_page_order_and_every_area_has_one() {
        assert!(ALL.windows(2).all(|w| w[0].area <= w[1].area));
        let mut sorted = Area::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, Area::ALL);
        for area in Area::ALL {
            assert!(ALL.iter().any(|c| c.area == *area), "{area:?} has no check");
        }
    }

    #[test]
    fn texts_are_single_lines_without_a_final_period() {
        for c in ALL {
            for (what, t) in [("what", c.summary), ("why", c.why), ("fix", c.fix)] {
                assert!(!t.is_empty(), "{} {what} is empty", c.id);
                assert_eq!(t, t.trim(), "{} {what}", c.id);
                assert!(!t.contains(['\n', '\r']), "{} {what}", c.id);
                assert!(!t.ends_with('.'), "{} {what} ends with a period", c.id);
            }
        }
        for area in Area::ALL {
            assert!(!area.title().is_empty());
            let d = area.description();
            assert!(d.ends_with('.') && !d.contains('\n'), "{area:?}");
        }
    }

    #[test]
    fn find_returns_the_declared_check() {
        assert_eq!(find("yaml/syntax"), Some(&YAML_SYNTAX));
        assert_eq!(
            find("overlay/object-size").map(|c| c.severity),
            Some(Severity::Warning)
        );
        assert_eq!(find("yaml/nope"), None);
        assert_eq!(find(""), None);
        for c in ALL {
            assert_eq!(find(c.id), Some(*c));
        }
    }

    #[test]
    fn markdown_lists_every_code_once_and_is_well_formed() {
        let md = checks_markdown();
        assert_eq!(md, checks_markdown(), "deterministic");
        for c in ALL {
            let row = format!("| `{}` | {} |", c.id, c.severity.as_str());
            assert_eq!(md.matches(&row).count(), 1, "{}", c.id);
        }
        for area in Area::ALL {
            assert!(md.contains(&format!("\n## {}\n", area.title())));
        }
        // Every table row has exactly 6 unescaped pipes (5 cells).
        for line in md.lines().filter(|l| l.starts_with("| `")) {
            let pipes = line.replace("\\|", "").matches('|').count();
            assert_eq!(pipes, 6, "{line}");
        }
        assert!(md.ends_with("|\n") && !md.ends_with("\n\n"));
        assert_eq!(cell("a | b"), "a \\| b");
        assert_eq!(anchor("Rule semantics"), "rule-semantics");
        assert_eq!(anchor("GitOps"), "gitops");
    }

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    const DOC: &str = "docs/checks.md";

    #[test]
    #[allow(clippy::disallowed_methods)]
    fn docs_checks_md_is_generated_from_the_registry() {
        let have = std::fs::read_to_string(repo().join(DOC)).unwrap_or_default();
        assert!(
            have == checks_markdown(),
            "{DOC} is out of date: run `make generate` \
             (cargo run -p luneo-obs-core --example checks_md > {DOC})"
        );
    }
}
