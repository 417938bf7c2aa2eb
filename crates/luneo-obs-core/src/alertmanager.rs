//! Alertmanager configuration derived from `spec.notifications`: kube-prometheus-stack
//! values (`alertmanager.config` and `alertmanager.alertmanagerSpec.secrets`), the same
//! configuration as a plain `alertmanager.yaml` (for amtool and a bare Alertmanager), the
//! Watchdog rule, the checks of the notifications section and the secret-literal scan.
//!
//! Routing (see docs/observability.md):
//! - `alertname=Watchdog` -> the dead-man's-switch receiver (or `null`);
//! - `severity=critical` -> every receiver of `routes.critical` (Slack #incident, PagerDuty),
//!   one route each, chained with `continue: true`;
//! - `severity=warning` -> `routes.warning` (Slack #sre); `severity=info` -> `routes.info`;
//! - anything else -> `defaultReceiver`.
//!
//! Inhibition: a firing critical alert mutes the warning/info alerts that have the same
//! values for `inhibition.equal` (alertname and cluster: the critical twin of a warning).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::diag::{Diagnostic, Pos};
use crate::duration;
use crate::load::Loaded;
use crate::model::{AlertSeverity, Cluster, Definitions, Notifications, SecretKeyRef};
use crate::rules::{Rule, RuleGroup};
use crate::yaml::Document;

/// Where kube-prometheus-stack mounts `alertmanagerSpec.secrets`.
pub const SECRETS_DIR: &str = "/etc/alertmanager/secrets";
/// Generated files (relative to the manifests root).
pub const VALUES_FILE: &str = "alertmanager/values.yaml";
pub const CONFIG_FILE: &str = "alertmanager/alertmanager.yaml";
pub const DIR: &str = "alertmanager/";
/// Receiver with no integration: what it receives is dropped.
pub const NULL_RECEIVER: &str = "null";
/// PagerDuty Events API v2 endpoint (not a secret: the routing key is).
pub const PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";

pub fn secret_path(r: &SecretKeyRef) -> String {
    format!("{SECRETS_DIR}/{}/{}", r.secret, r.key)
}

// ---------------------------------------------------------------------------------------
// Alertmanager configuration (the subset we generate, in Alertmanager's own field names).

#[derive(Debug, Clone, Serialize)]
pub struct AmConfig {
    pub global: Global,
    pub route: Route,
    pub inhibit_rules: Vec<InhibitRule>,
    pub receivers: Vec<AmReceiver>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Global {
    pub resolve_timeout: String,
    pub pagerduty_url: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Route {
    pub receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<String>,
    #[serde(rename = "continue", skip_serializing_if = "std::ops::Not::not")]
    pub continue_: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InhibitRule {
    pub source_matchers: Vec<String>,
    pub target_matchers: Vec<String>,
    pub equal: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AmReceiver {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slack_configs: Vec<SlackConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<PagerDutyConfig>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlackConfig {
    pub send_resolved: bool,
    pub api_url_file: String,
    pub channel: String,
    pub color: String,
    pub title: String,
    pub title_link: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PagerDutyConfig {
    pub send_resolved: bool,
    pub routing_key_file: String,
    /// PagerDuty's own severity, taken from the alert (never PagerDuty's default "error").
    pub severity: String,
    pub description: String,
    pub client: String,
    pub client_url: String,
    pub class: String,
    pub component: String,
    pub group: String,
    pub links: Vec<PdLink>,
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PdLink {
    pub href: String,
    pub text: String,
}

// Go templates shared by the receivers. Each alert of the group is listed with its summary,
// description, cluster, severity, runbook and dashboard links.
const SLACK_TITLE: &str = r#"[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} on {{ .CommonLabels.cluster }} ({{ .CommonLabels.severity }})"#;
const SLACK_COLOR: &str = r#"{{ if eq .Status "resolved" }}good{{ else if eq .CommonLabels.severity "critical" }}danger{{ else }}warning{{ end }}"#;
const SLACK_TITLE_LINK: &str = r#"{{ .CommonAnnotations.dashboard_url }}"#;
const SLACK_TEXT: &str = r#"{{ range .Alerts }}*{{ .Annotations.summary }}*{{ if eq .Status "resolved" }} (resolved){{ end }}
{{ .Annotations.description }}
• cluster: `{{ .Labels.cluster }}` • severity: `{{ .Labels.severity }}`{{ if .Labels.queue }} • queue: `{{ .Labels.queue }}`{{ end }}
• runbook: {{ .Annotations.runbook_url }}
• dashboard: {{ .Annotations.dashboard_url }}
{{ end }}"#;
const PD_SEVERITY: &str = r#"{{ or .CommonLabels.severity "critical" }}"#;
const PD_DESCRIPTION: &str = r#"[{{ .CommonLabels.cluster }}] {{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"#;

fn pd_details() -> BTreeMap<String, String> {
    let mut d = BTreeMap::new();
    d.insert("summary".into(), "{{ .CommonAnnotations.summary }}".into());
    d.insert(
        "description".into(),
        "{{ range .Alerts }}{{ .Annotations.description }} {{ end }}".into(),
    );
    d.insert("cluster".into(), "{{ .CommonLabels.cluster }}".into());
    d.insert("severity".into(), "{{ .CommonLabels.severity }}".into());
    d.insert(
        "runbook".into(),
        "{{ .CommonAnnotations.runbook_url }}".into(),
    );
    d.insert(
        "dashboard".into(),
        "{{ .CommonAnnotations.dashboard_url }}".into(),
    );
    d.insert("firing".into(), "{{ .Alerts.Firing | len }}".into());
    d.insert("resolved".into(), "{{ .Alerts.Resolved | len }}".into());
    d
}

fn receiver(defs: &Definitions, r: &crate::model::Receiver) -> AmReceiver {
    let mut out = AmReceiver {
        name: r.name.clone(),
        slack_configs: vec![],
        pagerduty_configs: vec![],
    };
    if let Some(s) = &r.slack {
        out.slack_configs.push(SlackConfig {
            send_resolved: true,
            api_url_file: secret_path(&s.api_url),
            channel: s.channel.clone(),
            color: SLACK_COLOR.into(),
            title: SLACK_TITLE.into(),
            title_link: SLACK_TITLE_LINK.into(),
            text: SLACK_TEXT.into(),
        });
    }
    if let Some(p) = &r.pagerduty {
        out.pagerduty_configs.push(PagerDutyConfig {
            send_resolved: true,
            routing_key_file: secret_path(&p.routing_key),
            severity: PD_SEVERITY.into(),
            description: PD_DESCRIPTION.into(),
            client: format!("{} Alertmanager", defs.metadata.name),
            client_url: "{{ .CommonAnnotations.dashboard_url }}".into(),
            class: "{{ .CommonLabels.alertname }}".into(),
            component: "{{ .CommonLabels.cluster }}".into(),
            group: "{{ .CommonLabels.cluster }}".into(),
            links: vec![
                PdLink {
                    href: "{{ .CommonAnnotations.runbook_url }}".into(),
                    text: "Runbook".into(),
                },
                PdLink {
                    href: "{{ .CommonAnnotations.dashboard_url }}".into(),
                    text: "Dashboard".into(),
                },
            ],
            details: pd_details(),
        });
    }
    out
}

fn severity_routes(sev: AlertSeverity, receivers: &[String]) -> Vec<Route> {
    let matchers = vec![format!("severity=\"{}\"", sev.as_str())];
    if receivers.is_empty() {
        return vec![Route {
            receiver: NULL_RECEIVER.into(),
            matchers,
            ..Default::default()
        }];
    }
    let n = receivers.len();
    receivers
        .iter()
        .enumerate()
        .map(|(i, r)| Route {
            receiver: r.clone(),
            matchers: matchers.clone(),
            continue_: i + 1 < n,
            ..Default::default()
        })
        .collect()
}

/// The Alertmanager configuration of the definitions.
pub fn config(defs: &Definitions) -> AmConfig {
    let n = &defs.spec.notifications;
    let g = &n.grouping;
    let mut routes = vec![Route {
        receiver: n
            .watchdog
            .receiver
            .clone()
            .unwrap_or_else(|| NULL_RECEIVER.into()),
        matchers: vec![format!("alertname=\"{}\"", n.watchdog.alert_name)],
        repeat_interval: Some(n.watchdog.repeat_interval.clone()),
        ..Default::default()
    }];
    routes.extend(severity_routes(AlertSeverity::Critical, &n.routes.critical));
    routes.extend(severity_routes(AlertSeverity::Warning, &n.routes.warning));
    routes.extend(severity_routes(AlertSeverity::Info, &n.routes.info));
    let route = Route {
        receiver: n.default_receiver.clone(),
        group_by: g.group_by.clone(),
        group_wait: Some(g.group_wait.clone()),
        group_interval: Some(g.group_interval.clone()),
        repeat_interval: Some(g.repeat_interval.clone()),
        routes,
        ..Default::default()
    };
    let inhibit_rules = vec![InhibitRule {
        source_matchers: vec!["severity=\"critical\"".into()],
        target_matchers: vec!["severity=~\"warning|info\"".into()],
        equal: n.inhibition.equal.clone(),
    }];
    let mut receivers: Vec<AmReceiver> = n.receivers.iter().map(|r| receiver(defs, r)).collect();
    receivers.push(AmReceiver {
        name: NULL_RECEIVER.into(),
        slack_configs: vec![],
        pagerduty_configs: vec![],
    });
    AmConfig {
        global: Global {
            resolve_timeout: "5m".into(),
            pagerduty_url: PAGERDUTY_URL.into(),
        },
        route,
        inhibit_rules,
        receivers,
    }
}

/// Names of the Secrets the receivers read, sorted and unique.
pub fn secret_names(n: &Notifications) -> Vec<String> {
    let mut s = BTreeSet::new();
    for r in &n.receivers {
        if let Some(x) = &r.slack {
            s.insert(x.api_url.secret.clone());
        }
        if let Some(x) = &r.pagerduty {
            s.insert(x.routing_key.secret.clone());
        }
    }
    s.into_iter().collect()
}

#[derive(Serialize)]
struct Values {
    alertmanager: ValuesAlertmanager,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ValuesAlertmanager {
    config: AmConfig,
    alertmanager_spec: ValuesSpec,
}

#[derive(Serialize)]
struct ValuesSpec {
    secrets: Vec<String>,
}

/// The generated files: kube-prometheus-stack values and the plain configuration.
pub fn files(l: &Loaded, head: &str) -> Vec<(String, String)> {
    let defs = &l.defs;
    let cfg = config(defs);
    let secrets = secret_names(&defs.spec.notifications);
    let values = Values {
        alertmanager: ValuesAlertmanager {
            config: cfg.clone(),
            alertmanager_spec: ValuesSpec {
                secrets: secrets.clone(),
            },
        },
    };
    let values_head = format!(
        "{head}# kube-prometheus-stack values: pass with `helm upgrade ... -f {VALUES_FILE}` (or as a values file of the\n# Argo CD Application). Secrets to create in `{}` before the upgrade: {}.\n",
        defs.spec.kubernetes.namespace,
        secrets.join(", ")
    );
    let config_head = format!("{head}# The same Alertmanager configuration as {VALUES_FILE}, for amtool and a bare Alertmanager.\n");
    vec![
        (
            VALUES_FILE.to_string(),
            format!("{values_head}{}", crate::manifests::to_yaml(&values)),
        ),
        (
            CONFIG_FILE.to_string(),
            format!("{config_head}{}", crate::manifests::to_yaml(&cfg)),
        ),
    ]
}

/// The Watchdog group of a cluster: an always-firing alert with severity `none`, routed to
/// the dead-man's switch (kube-prometheus' convention).
pub fn watchdog_group(defs: &Definitions, cluster: &Cluster) -> RuleGroup {
    let w = &defs.spec.notifications.watchdog;
    let mut labels = BTreeMap::new();
    labels.insert("severity".to_string(), "none".to_string());
    labels.insert("cluster".to_string(), cluster.name.clone());
    let mut ann = BTreeMap::new();
    ann.insert(
        "summary".to_string(),
        "An alert that always fires, to prove the alerting pipeline works.".to_string(),
    );
    ann.insert(
        "description".to_string(),
        format!(
            "This alert fires permanently on cluster {}. Alertmanager routes it to the dead-man's switch; if it stops arriving, Prometheus, its rules or the path to Alertmanager is broken.",
            cluster.name
        ),
    );
    ann.insert(
        "runbook_url".to_string(),
        crate::rules::runbook_url(defs, &w.alert_name),
    );
    RuleGroup {
        name: format!("luneo-obs.{}.watchdog", cluster.name),
        interval: None,
        rules: vec![Rule {
            alert: Some(w.alert_name.clone()),
            expr: "vector(1)".into(),
            labels,
            annotations: ann,
            ..Default::default()
        }],
    }
}

// ---------------------------------------------------------------------------------------
// Drill time scaling.

/// `d` divided by `factor` (at least 1ms); unparsable durations are returned unchanged.
pub fn scale_duration(d: &str, factor: u32) -> String {
    match duration::parse(d) {
        Ok(ms) => duration::format((ms / u64::from(factor.max(1))).max(1)),
        Err(_) => d.to_string(),
    }
}

/// The definitions with every alert `for` and every Alertmanager interval divided by
/// `factor` (60: a minute becomes a second). Expressions, windows and thresholds are
/// untouched. For drills only: the output is not meant for production.
pub fn scaled(l: &Loaded, factor: u32) -> Loaded {
    let mut out = l.clone();
    if factor <= 1 {
        return out;
    }
    for a in &mut out.defs.spec.alerts {
        a.for_ = scale_duration(&a.for_, factor);
    }
    let n = &mut out.defs.spec.notifications;
    for d in [
        &mut n.grouping.group_wait,
        &mut n.grouping.group_interval,
        &mut n.grouping.repeat_interval,
        &mut n.watchdog.repeat_interval,
    ] {
        *d = scale_duration(d, factor);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Checks of the notifications section.

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn is_secret_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_label_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

struct Ck<'a> {
    file: &'a str,
    doc: &'a Document,
    out: Vec<Diagnostic>,
}

impl Ck<'_> {
    fn err(&mut self, code: &str, path: &str, msg: String, hint: &str) {
        self.out
            .push(Diagnostic::error(code, self.file, self.doc.pos(path), msg).with_hint(hint));
    }
    fn warn(&mut self, code: &str, path: &str, msg: String, hint: &str) {
        self.out
            .push(Diagnostic::warning(code, self.file, self.doc.pos(path), msg).with_hint(hint));
    }
    fn duration(&mut self, path: &str, v: &str) -> Option<u64> {
        match duration::parse(v) {
            Ok(0) => {
                self.err(
                    "notifications/intervals",
                    path,
                    format!("`{v}` is zero"),
                    "use a positive duration, e.g. 30s",
                );
                None
            }
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
}

/// Semantic checks of `spec.notifications` and of the DR settings.
pub fn check(file: &str, doc: &Document, defs: &Definitions) -> Vec<Diagnostic> {
    let mut c = Ck {
        file,
        doc,
        out: Vec::new(),
    };
    let n = &defs.spec.notifications;
    let base = "spec.notifications";
    let mut names = BTreeSet::new();
    for (i, r) in n.receivers.iter().enumerate() {
        let p = format!("{base}.receivers[{i}]");
        if !names.insert(r.name.as_str()) {
            c.err(
                "definitions/duplicate-name",
                &format!("{p}.name"),
                format!("receiver `{}` is defined twice", r.name),
                "receiver names must be unique",
            );
        }
        if r.name == NULL_RECEIVER {
            c.err(
                "definitions/bad-name",
                &format!("{p}.name"),
                "`null` is the generated receiver that drops notifications".into(),
                "choose another name; an empty route list already means `null`",
            );
        } else if r.name.is_empty()
            || !r
                .name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            c.err(
                "definitions/bad-name",
                &format!("{p}.name"),
                format!(
                    "receiver name `{}` must be lower-case letters, digits and dashes",
                    r.name
                ),
                "e.g. slack-sre",
            );
        }
        match (&r.slack, &r.pagerduty) {
            (Some(_), Some(_)) | (None, None) => c.err(
                "notifications/receiver-kind",
                &p,
                format!(
                    "receiver `{}` must have exactly one of `slack` or `pagerduty`",
                    r.name
                ),
                "declare one receiver per integration and list both in the route",
            ),
            _ => {}
        }
        let mut refs = Vec::new();
        if let Some(s) = &r.slack {
            if !(s.channel.starts_with('#') || s.channel.starts_with('@'))
                || s.channel.len() < 2
                || s.channel.contains(char::is_whitespace)
            {
                c.err(
                    "notifications/slack-channel",
                    &format!("{p}.slack.channel"),
                    format!("`{}` is not a Slack channel", s.channel),
                    "write the channel with its #, quoted in YAML: \"#sre\"",
                );
            }
            refs.push((format!("{p}.slack.apiUrl"), &s.api_url));
        }
        if let Some(pd) = &r.pagerduty {
            refs.push((format!("{p}.pagerduty.routingKey"), &pd.routing_key));
        }
        for (rp, sr) in refs {
            if !is_dns_subdomain(&sr.secret) {
                c.err("notifications/secret-ref", &format!("{rp}.secret"), format!("`{}` is not a valid Kubernetes Secret name", sr.secret), "Secret names are lower-case letters, digits, dashes and dots, e.g. alertmanager-luneo");
            }
            if !is_secret_key(&sr.key) {
                c.err("notifications/secret-ref", &format!("{rp}.key"), format!("`{}` is not a valid Secret key", sr.key), "Secret keys are letters, digits, dashes, underscores and dots, e.g. slack-sre-url");
            }
        }
    }
    let known: Vec<&str> = n.receivers.iter().map(|r| r.name.as_str()).collect();
    let hint = format!("defined receivers: {}", known.join(", "));
    let refer = |c: &mut Ck<'_>, path: String, name: &str| {
        if !names.contains(name) {
            c.err(
                "notifications/unknown-receiver",
                &path,
                format!("receiver `{name}` is not defined in spec.notifications.receivers"),
                &hint,
            );
        }
    };
    let sev_lists = [
        (AlertSeverity::Critical, "critical", &n.routes.critical),
        (AlertSeverity::Warning, "warning", &n.routes.warning),
        (AlertSeverity::Info, "info", &n.routes.info),
    ];
    for (sev, key, list) in sev_lists {
        let mut seen = BTreeSet::new();
        for (j, r) in list.iter().enumerate() {
            refer(&mut c, format!("{base}.routes.{key}[{j}]"), r);
            if !seen.insert(r.as_str()) {
                c.err(
                    "definitions/duplicate-name",
                    &format!("{base}.routes.{key}[{j}]"),
                    format!("receiver `{r}` is listed twice for {key}"),
                    "list each receiver once",
                );
            }
        }
        let used: Vec<&str> = defs
            .spec
            .alerts
            .iter()
            .filter(|a| a.severity == sev)
            .map(|a| a.name.as_str())
            .collect();
        if list.is_empty() && sev != AlertSeverity::Info && !used.is_empty() {
            c.err(
                "notifications/unrouted-severity",
                &format!("{base}.routes.{key}"),
                format!("{key} alerts ({}) reach no receiver", used.join(", ")),
                "list the receivers of this severity, e.g. [slack-sre]",
            );
        }
    }
    if sev_lists[0].2.iter().all(|r| {
        n.receivers
            .iter()
            .find(|x| &x.name == r)
            .is_none_or(|x| x.pagerduty.is_none())
    }) && !n.routes.critical.is_empty()
    {
        c.warn(
            "notifications/critical-not-paged",
            &format!("{base}.routes.critical"),
            "critical alerts page nobody: no PagerDuty receiver in routes.critical".into(),
            "add the PagerDuty receiver to routes.critical",
        );
    }
    refer(
        &mut c,
        format!("{base}.defaultReceiver"),
        &n.default_receiver,
    );
    if let Some(w) = &n.watchdog.receiver {
        refer(&mut c, format!("{base}.watchdog.receiver"), w);
    }
    // Grouping and timing.
    let g = &n.grouping;
    for (j, l) in g.group_by.iter().enumerate() {
        if l != "..." && !is_label_name(l) {
            c.err(
                "definitions/bad-label-name",
                &format!("{base}.grouping.groupBy[{j}]"),
                format!("`{l}` is not a valid label name"),
                "group by label names, e.g. [alertname, cluster]",
            );
        }
    }
    let gw = c.duration(&format!("{base}.grouping.groupWait"), &g.group_wait);
    let gi = c.duration(&format!("{base}.grouping.groupInterval"), &g.group_interval);
    let ri = c.duration(
        &format!("{base}.grouping.repeatInterval"),
        &g.repeat_interval,
    );
    let _ = gw;
    if let (Some(gi), Some(ri)) = (gi, ri) {
        if ri < gi {
            c.err("notifications/intervals", &format!("{base}.grouping.repeatInterval"), format!("repeatInterval {} is shorter than groupInterval {}: Alertmanager can only repeat at group intervals", g.repeat_interval, g.group_interval), "make repeatInterval a multiple of groupInterval, e.g. 4h with 5m");
        }
    }
    c.duration(
        &format!("{base}.watchdog.repeatInterval"),
        &n.watchdog.repeat_interval,
    );
    // Inhibition.
    for (j, l) in n.inhibition.equal.iter().enumerate() {
        if !is_label_name(l) {
            c.err(
                "definitions/bad-label-name",
                &format!("{base}.inhibition.equal[{j}]"),
                format!("`{l}` is not a valid label name"),
                "e.g. [alertname, cluster]",
            );
        }
    }
    if !n.inhibition.equal.iter().any(|l| l == "alertname") {
        c.warn("notifications/broad-inhibition", &format!("{base}.inhibition.equal"), "without `alertname` in inhibition.equal, any critical alert mutes every warning of the cluster".into(), "use [alertname, cluster]: a critical mutes only its warning twin");
    }
    // Watchdog.
    let w = &n.watchdog.alert_name;
    if !w.starts_with(|ch: char| ch.is_ascii_uppercase())
        || !w.chars().all(|ch| ch.is_ascii_alphanumeric())
    {
        c.err(
            "alert/name",
            &format!("{base}.watchdog.alertName"),
            format!("alert name `{w}` must be CamelCase letters and digits"),
            "kube-prometheus calls it Watchdog",
        );
    }
    if let Some(i) = defs.spec.alerts.iter().position(|a| &a.name == w) {
        c.err(
            "definitions/duplicate-name",
            &format!("spec.alerts[{i}].name"),
            format!("alert `{w}` is the Watchdog's name"),
            "rename the alert or spec.notifications.watchdog.alertName",
        );
    }
    // DR settings.
    if let Some(ms) = c.duration(&format!("{base}.dr.maxWindow"), &n.dr.max_window) {
        if ms > 24 * 3_600_000 {
            c.err("dr/max-window", &format!("{base}.dr.maxWindow"), format!("a DR window of {} would hide real incidents for more than a day", n.dr.max_window), "keep DR windows to the test itself, e.g. 4h; start a new window if the test runs longer");
        }
    }
    c.out
}

// ---------------------------------------------------------------------------------------
// Secret literals.

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Literal credentials in `text`: Slack webhook URLs and tokens, PagerDuty integration URLs,
/// routing-key-like tokens (32 letters and digits) and inline credential fields.
pub fn find_secrets(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        for (pat, what) in [
            ("hooks.slack.com/", "a Slack webhook URL"),
            ("hooks.slack-gov.com/", "a Slack webhook URL"),
            (
                "events.pagerduty.com/integration/",
                "a PagerDuty integration URL",
            ),
            ("xoxb-", "a Slack bot token"),
            ("xoxp-", "a Slack user token"),
            ("xapp-", "a Slack app token"),
        ] {
            if let Some(i) = lower.find(pat) {
                out.push((ln + 1, i + 1, what.to_string()));
            }
        }
        for field in [
            "api_url:",
            "routing_key:",
            "service_key:",
            "apiurl:",
            "routingkey:",
        ] {
            if let Some(i) = lower.find(field) {
                let rest = line[i + field.len()..].trim();
                let before = &lower[..i];
                let is_key = before.trim_start().is_empty()
                    || before.trim_end().ends_with('-')
                    || before.trim_end().ends_with('{')
                    || before.trim_end().ends_with(',');
                if is_key && !rest.is_empty() && !rest.starts_with('#') && !rest.starts_with('{') {
                    out.push((
                        ln + 1,
                        i + 1,
                        format!(
                            "an inline `{}` credential field",
                            field.trim_end_matches(':')
                        ),
                    ));
                }
            }
        }
        // Routing-key-like tokens: exactly 32 letters/digits with both letters and digits.
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if is_word(b[i]) && (i == 0 || !is_word(b[i - 1])) {
                let mut j = i;
                while j < b.len() && is_word(b[j]) {
                    j += 1;
                }
                let tok = &b[i..j];
                if tok.len() == 32
                    && tok.iter().all(u8::is_ascii_alphanumeric)
                    && tok.iter().any(u8::is_ascii_digit)
                    && tok.iter().any(u8::is_ascii_alphabetic)
                {
                    out.push((
                        ln + 1,
                        i + 1,
                        "a routing-key-like token (32 letters and digits)".to_string(),
                    ));
                }
                i = j;
            } else {
                i += 1;
            }
        }
    }
    out
}

/// `secrets/literal` diagnostics for one file (definitions or generated manifest).
pub fn scan_secrets(file: &str, text: &str) -> Vec<Diagnostic> {
    find_secrets(text)
        .into_iter()
        .map(|(line, column, what)| {
            Diagnostic::error("secrets/literal", file, Pos { line, column }, format!("{what} is written in clear: credentials must never reach git"))
                .with_hint("remove it (and rotate it: it may already be in the history); reference the Secret key instead: slack.apiUrl / pagerduty.routingKey { secret, key }, read by Alertmanager through api_url_file / routing_key_file")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn finds_webhooks_keys_and_inline_fields_but_not_file_references() {
        let t = "a: https://hooks.slack.com/services/T0/B0/x\nkey: 0123456789abcdef0123456789abcdef\n  api_url: https://x\n  api_url_file: /etc/alertmanager/secrets/a/b\nuid: luneo-api\n";
        let f = find_secrets(t);
        let lines: Vec<usize> = f.iter().map(|x| x.0).collect();
        assert_eq!(lines, vec![1, 2, 3], "{f:?}");
    }

    #[test]
    fn scaled_divides_for_and_intervals_only() {
        let l = crate::load::load_embedded().unwrap_or_else(|d| panic!("{d:?}"));
        let s = scaled(&l, 60);
        assert_eq!(s.defs.spec.alerts[0].for_, "5s");
        assert_eq!(s.defs.spec.notifications.grouping.group_wait, "500ms");
        assert_eq!(
            s.defs.spec.alerts[0].threshold,
            l.defs.spec.alerts[0].threshold
        );
        assert_eq!(s.defs.spec.alerts[2].window, l.defs.spec.alerts[2].window);
    }
}
