//! The definitions format (`apiVersion: luneo.io/v1alpha1`, `kind: ObservabilityDefinitions`).
//!
//! Every type here is plain data. Unknown fields are rejected so that a typo never
//! silently drops a setting. The JSON Schema for editors is derived from these types.

pub mod dashboard_kind;
pub mod duration;
pub mod slo;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use dashboard_kind::DashboardKind;
pub use duration::Duration;
pub use slo::{LatencySli, RatioSli, Sli, SliHistogram, SliKind, Slo, Tier};

pub const API_VERSION: &str = "luneo.io/v1alpha1";
pub const KIND: &str = "ObservabilityDefinitions";
/// The API server of the cluster Argo CD runs in (a destination left out).
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";
/// The generated Alertmanager receiver with no integration: what it receives is dropped.
pub const NULL_RECEIVER: &str = "null";
/// The quantile of a latency alert that names none, and of the queue latency panel.
pub const DEFAULT_QUANTILE: f64 = 0.95;

macro_rules! model {
    ($($item:item)*) => {
        $(
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            $item
        )*
    };
}

model! {
    /// Root of a definitions file.
    pub struct Definitions {
        /// Must be `luneo.io/v1alpha1`.
        pub api_version: String,
        /// Must be `ObservabilityDefinitions`.
        pub kind: String,
        pub metadata: Metadata,
        pub spec: Spec,
    }

    pub struct Metadata {
        /// Short name, used in generated object names (`<name>-obs-<cluster>`).
        pub name: String,
    }

    pub struct Spec {
        /// The clusters: exactly one `primary` and any number of `secondary` (standby).
        pub clusters: Vec<Cluster>,
        pub kubernetes: Kubernetes,
        pub links: Links,
        /// The metric contract: names, labels, units and buckets the rules rely on.
        pub metrics: Metrics,
        /// BullMQ queues watched by the queue alerts and dashboards.
        pub queues: Vec<Queue>,
        /// Alerts. Each alert carries its own threshold: the single place it is defined.
        pub alerts: Vec<Alert>,
        /// Service-level objectives: an objective over a window, an SLI, and the
        /// multi-window multi-burn-rate alerts of their error budget.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub slos: Vec<Slo>,
        /// GitOps delivery (Argo CD). Absent: no Application is generated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub gitops: Option<Gitops>,
        /// Grafana dashboard settings (refresh, default time range, folder). Optional.
        #[serde(default)]
        pub dashboards: Dashboards,
        /// Where alerts go (Alertmanager receivers, routing, inhibition, Watchdog) and the
        /// disaster-recovery silences. Required: an alert nobody receives is worthless.
        pub notifications: Notifications,
    }

    pub struct Gitops {
        /// Git repository Argo CD pulls the generated manifests from.
        pub repo_url: String,
        /// Branch, tag or commit Argo CD follows.
        #[serde(default = "default_target_revision")]
        pub target_revision: String,
        /// Directory of the generated manifests tree in that repository.
        #[serde(default = "default_manifests_path")]
        pub manifests_path: String,
        /// Namespace Argo CD runs in (where the Applications are created).
        #[serde(default = "default_argocd_namespace")]
        pub argocd_namespace: String,
        /// Argo CD project of the Applications.
        #[serde(default = "default_argocd_project")]
        pub project: String,
        /// API server URL per cluster name, for an Argo CD that manages several clusters;
        /// clusters not listed use the in-cluster address.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        pub destinations: BTreeMap<String, String>,
    }

    pub struct Cluster {
        /// Name, also the value of the `cluster` label on alerts.
        pub name: String,
        pub role: ClusterRole,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
    }

    pub struct Kubernetes {
        /// Namespace of the generated objects (where kube-prometheus-stack runs).
        pub namespace: String,
        /// Labels kube-prometheus-stack's `ruleSelector` matches (default `release: <helm release>`).
        pub rule_selector: BTreeMap<String, String>,
        /// Label the Grafana dashboard sidecar watches.
        pub dashboard_label: LabelPair,
        /// Annotation that tells the sidecar which folder to put dashboards in.
        pub dashboard_folder_annotation: String,
        pub dashboard_folder: String,
    }

    pub struct LabelPair {
        pub key: String,
        pub value: String,
    }

    pub struct Links {
        /// Base URL of the runbook pages; alert `runbook_url` is `<base>/<alert-kebab-name>.md`.
        pub runbook_base_url: String,
        /// Grafana base URL for `dashboard_url` annotations.
        pub grafana_url: String,
    }

    pub struct Metrics {
        /// Prometheus scrape interval of the targets (rate windows must be >= 2x this).
        pub scrape_interval: Duration,
        /// Label carrying the cluster name on every series; null when each Prometheus only
        /// sees its own cluster.
        #[serde(default)]
        pub cluster_label: Option<String>,
        pub http: HttpMetrics,
        pub queues: QueueMetrics,
        pub gpu: GpuMetrics,
        /// Further metrics the panels declared in `spec.dashboards` may read (e.g. the
        /// dcgm-exporter field `DCGM_FI_DEV_FB_USED`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub extra: Vec<String>,
    }

    pub struct HttpMetrics {
        /// Histogram base name (without `_bucket`), e.g. `http_request_duration_seconds`.
        pub histogram: String,
        /// Unit of the histogram's observations: `s` or `ms`.
        pub unit: Unit,
        /// Label matchers selecting the API's series, e.g. `{job="luneo-api"}`.
        #[serde(default)]
        pub selector: Option<String>,
        pub route_label: String,
        pub status_label: String,
        pub method_label: String,
        /// Upper bounds of the histogram buckets, in `unit`.
        pub buckets: Vec<f64>,
    }

    pub struct QueueMetrics {
        /// BullMQ gauge `bullmq_job_count{queue, state}`.
        pub job_count: String,
        pub queue_label: String,
        pub state_label: String,
        pub waiting_state: String,
        pub job_duration: HistogramRef,
        /// Counter of failed jobs, e.g. `bullmq_job_failed_total`.
        pub jobs_failed: String,
        /// Counter of completed jobs, e.g. `bullmq_job_completed_total` (BullMQ >= 5.76).
        /// Needed by `queueStalled` alerts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub jobs_completed: Option<String>,
    }

    pub struct HistogramRef {
        pub histogram: String,
        pub unit: Unit,
        pub queue_label: String,
        /// Upper bounds of the histogram buckets, in `unit` (needed by a latency SLO on
        /// it: its threshold must be one of them).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub buckets: Vec<f64>,
    }

    pub struct GpuMetrics {
        /// GPU utilisation metric the rules and dashboards use.
        pub metric: String,
        /// `percent` (0-100) or `ratio` (0-1).
        pub unit: Unit,
        #[serde(default)]
        pub selector: Option<String>,
        /// When set, `metric` is recorded from this exporter's metric.
        #[serde(default)]
        pub source: Option<GpuSource>,
    }

    pub struct GpuSource {
        pub dcgm_exporter: DcgmSource,
    }

    pub struct DcgmSource {
        /// dcgm-exporter metric, e.g. `DCGM_FI_DEV_GPU_UTIL` (0-100).
        pub metric: String,
        /// GPU temperature field (`DCGM_FI_DEV_GPU_TEMP`, celsius): `gpuTemperature`
        /// alerts read it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub temperature: Option<String>,
        /// Last XID error field (`DCGM_FI_DEV_XID_ERRORS`, 0 when none): `gpuXidErrors`
        /// alerts read it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub xid_errors: Option<String>,
    }

    /// Settings of the generated dashboards (uids `luneo-api`, `luneo-queues`,
    /// `luneo-standby`, `luneo-slos`). Panels, queries and thresholds come from the rest
    /// of the spec.
    pub struct Dashboards {
        #[serde(default = "DashboardSettings::default_primary")]
        pub api: DashboardSettings,
        #[serde(default = "DashboardSettings::default_primary")]
        pub queues: DashboardSettings,
        #[serde(default = "DashboardSettings::default_standby")]
        pub standby: DashboardSettings,
        /// The SLO dashboard (`luneo-slos`), on the clusters that have SLOs. Default
        /// 1m / 30d: the burndown spans the SLO window.
        #[serde(default = "DashboardSettings::default_slos")]
        pub slos: DashboardSettings,
    }

    pub struct DashboardSettings {
        /// Auto-refresh interval, as Grafana writes it (`30s`, `1m`); at least 5s.
        pub refresh: Duration,
        /// Default time range, back from now (`1h` opens the dashboard on now-1h .. now).
        pub time_range: Duration,
        /// Grafana folder; defaults to `spec.kubernetes.dashboardFolder`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub folder: Option<String>,
        /// Panels added below the generated ones, in order: the extension point of the
        /// dashboards ("extend them via PR", no Rust change). Their PromQL is checked
        /// against the metric contract like the generated queries.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub extra_panels: Vec<ExtraPanel>,
    }

    /// A panel declared in the definitions.
    pub struct ExtraPanel {
        pub title: String,
        /// `timeseries`, `stat` (one big number) or `heatmap` (of a histogram's buckets:
        /// write `sum by (le) (rate(<histogram>_bucket[$__rate_interval]))`).
        #[serde(rename = "type")]
        pub kind: ExtraPanelKind,
        /// PromQL through the dashboard's data source. May use Grafana's `$__rate_interval`,
        /// `$__interval`, `$__range` and the dashboard's variables (`$queue`, `$route`,
        /// `$cluster` with a cluster label).
        pub expr: String,
        /// Grafana unit id of the values (`percent`, `ms`, `celsius`, `decmbytes`); default
        /// `short`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub unit: Option<String>,
        /// Legend of each series (`{{gpu}}`); default: Grafana's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub legend: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
    }

    pub struct Queue {
        /// Short name (`ai`, `render`) used in alerts and dashboards.
        pub name: String,
        /// Queue name as BullMQ exports it in the queue label.
        pub bullmq_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
    }

    pub struct Threshold {
        pub value: f64,
        pub unit: Unit,
    }

    pub struct Alert {
        /// Alert name, CamelCase, <= 40 characters.
        pub name: String,
        /// What the alert measures; decides the expression.
        pub slo: SloKind,
        /// Quantile for `apiLatency` (e.g. 0.95).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub quantile: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub threshold: Option<Threshold>,
        /// Routes (values of the route label) for `apiLatency` / `apiErrorRatio`: the alert
        /// then applies per route, to these routes only. Absent: the whole API.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub routes: Option<Vec<String>>,
        /// Queues (by short name) for `queueBacklogGrowth`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub queues: Option<Vec<String>>,
        /// Range window for rates and derivatives (default: 5m, or 4x scrape interval for `apiNoTraffic`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub window: Option<Duration>,
        /// Low-traffic guard (`apiLatency`, `apiErrorRatio`): the alert holds only when at
        /// least this many requests were served over its rate window.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_requests: Option<u64>,
        /// Low-traffic guard (`apiErrorRatio`): the alert holds only when at least this many
        /// 5xx responses were served over its rate window (4 failures of 20 requests at
        /// night are 20 %, not an incident; 20 failures of 20 are one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_errors: Option<u64>,
        /// How long the condition must hold before the alert fires.
        #[serde(rename = "for")]
        pub for_: Duration,
        pub severity: AlertSeverity,
        /// Clusters (by name) the alert is deployed to.
        pub clusters: Vec<String>,
        /// Static summary (capital letter, ends with a period).
        pub summary: String,
        /// Description template overriding the generated one (`{{ $labels.x }}`, `{{ $value }}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        /// Extra static labels on the alert (e.g. `team: sre`). Never put `$value` here.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        pub labels: BTreeMap<String, String>,
        /// Muted by `kubectl luneo-obs dr start` during disaster-recovery tests.
        #[serde(default)]
        pub dr_expected: bool,
        /// PromQL for `slo: custom` (without the threshold comparison when `threshold` is set).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub expr: Option<String>,
    }
}

fn default_target_revision() -> String {
    "main".into()
}

fn default_manifests_path() -> String {
    "manifests".into()
}

fn default_argocd_namespace() -> String {
    "argocd".into()
}

fn default_argocd_project() -> String {
    "default".into()
}

model! {
    /// Alertmanager configuration derived from the definitions (kube-prometheus-stack values).
    pub struct Notifications {
        /// Notification targets. Credentials are never written here: each receiver names the
        /// Kubernetes Secret key that holds its webhook URL or routing key.
        pub receivers: Vec<Receiver>,
        /// Receivers of each alert severity, by name (an empty list: not notified).
        pub routes: SeverityRoutes,
        /// Receiver of alerts whose severity matches no route (e.g. a label typo).
        pub default_receiver: String,
        /// Alertmanager grouping and timing.
        pub grouping: Grouping,
        /// Which alerts a firing alert mutes.
        pub inhibition: Inhibition,
        /// The always-firing alert that proves the alerting pipeline works.
        pub watchdog: Watchdog,
        /// The alert on failing evaluations of the generated rule groups (their alerts are
        /// blind while it holds). Optional: defaults to `LuneoObsRulesFailing`, critical,
        /// for 10m.
        #[serde(default)]
        pub rule_failures: RuleFailures,
        /// Disaster-recovery test windows (`kubectl luneo-obs dr start`).
        pub dr: DrSettings,
    }

    /// One notification target: exactly one of `slack` or `pagerduty`.
    pub struct Receiver {
        /// Receiver name, referenced by `routes` (lower-case letters, digits, dashes).
        pub name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub slack: Option<SlackReceiver>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub pagerduty: Option<PagerDutyReceiver>,
    }

    pub struct SlackReceiver {
        /// Channel, e.g. `#sre`.
        pub channel: String,
        /// Secret key holding the incoming-webhook URL (read through `api_url_file`).
        pub api_url: SecretKeyRef,
    }

    /// PagerDuty Events API v2 (the alert's severity becomes the event's severity).
    pub struct PagerDutyReceiver {
        /// Secret key holding the integration's routing key (read through `routing_key_file`).
        pub routing_key: SecretKeyRef,
    }

    /// A key of a Kubernetes Secret in the Alertmanager namespace, mounted by
    /// kube-prometheus-stack at `/etc/alertmanager/secrets/<secret>/<key>`.
    pub struct SecretKeyRef {
        pub secret: String,
        pub key: String,
    }

    pub struct SeverityRoutes {
        pub critical: Vec<String>,
        pub warning: Vec<String>,
        pub info: Vec<String>,
    }

    pub struct Grouping {
        /// Labels that make one notification (e.g. [alertname, cluster]).
        pub group_by: Vec<String>,
        /// Wait before the first notification of a new group (collects its siblings).
        pub group_wait: Duration,
        /// Wait before notifying about alerts added to an already notified group.
        pub group_interval: Duration,
        /// Re-send a still-firing group after this long.
        pub repeat_interval: Duration,
    }

    pub struct Inhibition {
        /// Labels that must be equal for a critical alert to mute a warning or info one
        /// (e.g. [alertname, cluster]: the critical twin mutes its warning).
        pub equal: Vec<String>,
    }

    pub struct Watchdog {
        /// Alert name (kube-prometheus calls it Watchdog).
        pub alert_name: String,
        /// Dead-man's-switch receiver; none routes the Watchdog to the `null` receiver.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub receiver: Option<String>,
        /// How often the Watchdog is re-sent to its receiver (the dead-man's-switch period).
        pub repeat_interval: Duration,
    }

    pub struct RuleFailures {
        /// Alert name.
        pub alert_name: String,
        /// Severity: a failing group silences the alerts it holds.
        pub severity: AlertSeverity,
        /// How long failures must keep happening: a one-off failure (a slow query
        /// timing out once) is forgotten after the 5m window and never fires.
        #[serde(rename = "for")]
        pub for_: Duration,
    }

    pub struct DrSettings {
        /// Longest DR window `dr start` accepts (no unbounded silences).
        pub max_window: Duration,
    }
}

/// Visualisations of the panels declared in the definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExtraPanelKind {
    Timeseries,
    Stat,
    Heatmap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ClusterRole {
    Primary,
    Secondary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    Critical,
    Warning,
    Info,
}

impl AlertSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Critical => "critical",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum SloKind {
    /// API latency quantile from the HTTP histogram above a threshold (ms or s).
    ApiLatency,
    /// Share of 5xx responses above a threshold (percent or ratio).
    ApiErrorRatio,
    /// No request observed for `for` (flat counter or missing series, one alert identity).
    ApiNoTraffic,
    /// Waiting backlog growing faster than a threshold (jobs/min) on the listed queues.
    QueueBacklogGrowth,
    /// Average GPU utilisation above a threshold (percent or ratio).
    GpuUtilisation,
    /// Jobs waiting on the listed queues and none completed over `window`: the workers
    /// are stalled (dead, blocked, scaled to zero).
    QueueStalled,
    /// A GPU of the pool hotter than a threshold (celsius), one alert per GPU; needs
    /// `spec.metrics.gpu.source.dcgmExporter.temperature`.
    GpuTemperature,
    /// A GPU of the pool whose last XID error is not 0, one alert per GPU; needs
    /// `spec.metrics.gpu.source.dcgmExporter.xidErrors`. No threshold.
    GpuXidErrors,
    /// A hand-written PromQL expression (`expr`).
    Custom,
}

impl SloKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SloKind::ApiLatency => "apiLatency",
            SloKind::ApiErrorRatio => "apiErrorRatio",
            SloKind::ApiNoTraffic => "apiNoTraffic",
            SloKind::QueueBacklogGrowth => "queueBacklogGrowth",
            SloKind::GpuUtilisation => "gpuUtilisation",
            SloKind::QueueStalled => "queueStalled",
            SloKind::GpuTemperature => "gpuTemperature",
            SloKind::GpuXidErrors => "gpuXidErrors",
            SloKind::Custom => "custom",
        }
    }
}

/// Units of thresholds and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Unit {
    #[serde(rename = "ms")]
    Milliseconds,
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "percent")]
    Percent,
    #[serde(rename = "ratio")]
    Ratio,
    #[serde(rename = "jobs/min")]
    JobsPerMinute,
    #[serde(rename = "requests/s")]
    RequestsPerSecond,
    #[serde(rename = "celsius")]
    Celsius,
    #[serde(rename = "none")]
    None,
}

/// What a unit measures: units of one dimension convert into each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Time,
    Fraction,
    JobRate,
    RequestRate,
    Temperature,
    Dimensionless,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Percent => "percent",
            Unit::Ratio => "ratio",
            Unit::JobsPerMinute => "jobs/min",
            Unit::RequestsPerSecond => "requests/s",
            Unit::Celsius => "celsius",
            Unit::None => "none",
        }
    }

    /// Short suffix for humans (`600 ms`, `5 %`).
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Percent => "%",
            Unit::Ratio => "",
            Unit::JobsPerMinute => "jobs/min",
            Unit::RequestsPerSecond => "req/s",
            Unit::Celsius => "°C",
            Unit::None => "",
        }
    }

    pub fn dimension(self) -> Dimension {
        match self {
            Unit::Milliseconds | Unit::Seconds => Dimension::Time,
            Unit::Percent | Unit::Ratio => Dimension::Fraction,
            Unit::JobsPerMinute => Dimension::JobRate,
            Unit::RequestsPerSecond => Dimension::RequestRate,
            Unit::Celsius => Dimension::Temperature,
            Unit::None => Dimension::Dimensionless,
        }
    }

    /// Factor from this unit to the dimension's base unit (s, ratio, jobs/min, req/s).
    fn to_base(self) -> f64 {
        match self {
            Unit::Milliseconds => 0.001,
            Unit::Percent => 0.01,
            _ => 1.0,
        }
    }

    /// Convert `v` in `self` to `to`; `None` when the dimensions differ.
    pub fn convert(self, v: f64, to: Unit) -> Option<f64> {
        if self.dimension() != to.dimension() {
            return None;
        }
        if self == to {
            return Some(v);
        }
        // Exact decimal conversions (600 ms -> 0.6 s, 5 % -> 0.05) without binary noise.
        let (num, den) = (self.to_base(), to.to_base());
        let r = if num < den {
            v / (den / num).round()
        } else {
            v * (num / den).round()
        };
        Some(r)
    }

    /// Closed range of meaningful values in this unit.
    pub fn range(self) -> (f64, f64) {
        match self {
            Unit::Percent => (0.0, 100.0),
            Unit::Ratio => (0.0, 1.0),
            _ => (0.0, f64::INFINITY),
        }
    }

    /// Grafana's unit id for panels.
    pub fn grafana(self) -> &'static str {
        match self {
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Percent => "percent",
            Unit::Ratio => "percentunit",
            Unit::JobsPerMinute => "short",
            Unit::RequestsPerSecond => "reqps",
            Unit::Celsius => "celsius",
            Unit::None => "short",
        }
    }
}

/// Format a number the way a person writes it (no trailing `.0`).
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v}");
        s
    }
}

impl GpuMetrics {
    /// The dcgm-exporter field a GPU alert kind reads (`gpuTemperature`,
    /// `gpuXidErrors`), when the definitions declare it.
    pub fn dcgm_field(&self, kind: SloKind) -> Option<&str> {
        let d = &self.source.as_ref()?.dcgm_exporter;
        match kind {
            SloKind::GpuTemperature => d.temperature.as_deref(),
            SloKind::GpuXidErrors => d.xid_errors.as_deref(),
            _ => None,
        }
    }
}

impl SloKind {
    /// For the kinds that read a dcgm-exporter field: its key under
    /// `spec.metrics.gpu.source.dcgmExporter` and the usual metric name.
    pub fn dcgm_key(self) -> Option<(&'static str, &'static str)> {
        match self {
            SloKind::GpuTemperature => Some(("temperature", "DCGM_FI_DEV_GPU_TEMP")),
            SloKind::GpuXidErrors => Some(("xidErrors", "DCGM_FI_DEV_XID_ERRORS")),
            _ => None,
        }
    }
}

impl DashboardSettings {
    /// Primary dashboards: near-real-time (refresh 30s, last hour).
    pub fn default_primary() -> Self {
        DashboardSettings {
            refresh: "30s".into(),
            time_range: "1h".into(),
            folder: None,
            extra_panels: Vec::new(),
        }
    }

    /// Standby dashboard: a slow watch over half a day (refresh 1m, last 12h).
    pub fn default_standby() -> Self {
        DashboardSettings {
            refresh: "1m".into(),
            time_range: "12h".into(),
            folder: None,
            extra_panels: Vec::new(),
        }
    }

    pub fn default_slos() -> Self {
        DashboardSettings {
            refresh: "1m".into(),
            time_range: "30d".into(),
            folder: None,
            extra_panels: Vec::new(),
        }
    }
}

impl Default for RuleFailures {
    fn default() -> Self {
        Self {
            alert_name: "LuneoObsRulesFailing".into(),
            severity: AlertSeverity::Critical,
            for_: "10m".into(),
        }
    }
}

impl Default for Dashboards {
    fn default() -> Self {
        Dashboards {
            api: DashboardSettings::default_primary(),
            queues: DashboardSettings::default_primary(),
            standby: DashboardSettings::default_standby(),
            slos: DashboardSettings::default_slos(),
        }
    }
}

impl Alert {
    /// The alert's quantile, [`DEFAULT_QUANTILE`] when it names none.
    pub fn quantile_or_default(&self) -> f64 {
        self.quantile.unwrap_or(DEFAULT_QUANTILE)
    }

    /// The alert's `window` as written, `default` when it names none.
    pub fn window_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.window.as_ref().map_or(default, Duration::as_str)
    }
}
