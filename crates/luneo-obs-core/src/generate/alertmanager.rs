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

use serde::{Deserialize, Serialize};

use crate::generate::layout::{ALERTMANAGER_CONFIG, ALERTMANAGER_VALUES};
use crate::load::Loaded;
use crate::model::{duration, Duration};
use crate::model::{AlertSeverity, Definitions, Notifications, SecretKeyRef};

/// Where kube-prometheus-stack mounts `alertmanagerSpec.secrets`.
pub const SECRETS_DIR: &str = "/etc/alertmanager/secrets";
pub use crate::model::NULL_RECEIVER;
/// PagerDuty Events API v2 endpoint (not a secret: the routing key is).
pub const PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// The page of an SLO mutes its ticket on the same cluster, group by group: a grouped
/// SLO (per route, per queue) pages for one group and still tickets for another. The
/// general critical-over-warning rule then leaves the tickets to this one
/// (`tier!="ticket"`), since it compares `alertname` and `cluster` only.
fn tier_inhibition(defs: &Definitions) -> Option<InhibitRule> {
    use crate::generate::budgets::{SLO_LABEL, TIER_LABEL};
    use crate::model::Tier;
    let both =
        |o: &&crate::model::Slo| o.tiers.contains(&Tier::Page) && o.tiers.contains(&Tier::Ticket);
    if !defs.spec.slos.iter().any(|o| both(&o)) {
        return None;
    }
    let mut equal: Vec<String> = vec!["alertname".into(), "cluster".into(), SLO_LABEL.into()];
    let mut groups: Vec<String> = defs
        .spec
        .slos
        .iter()
        .filter(both)
        .filter_map(|o| o.group_by.clone())
        .collect();
    groups.sort();
    groups.dedup();
    equal.extend(
        groups
            .into_iter()
            .filter(|g| !equal.contains(g))
            .collect::<Vec<_>>(),
    );
    Some(InhibitRule {
        source_matchers: vec![format!("{TIER_LABEL}=\"page\"")],
        target_matchers: vec![format!("{TIER_LABEL}=\"ticket\"")],
        equal,
    })
}

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
        repeat_interval: Some(n.watchdog.repeat_interval.to_string()),
        ..Default::default()
    }];
    routes.extend(severity_routes(AlertSeverity::Critical, &n.routes.critical));
    routes.extend(severity_routes(AlertSeverity::Warning, &n.routes.warning));
    routes.extend(severity_routes(AlertSeverity::Info, &n.routes.info));
    let route = Route {
        receiver: n.default_receiver.clone(),
        group_by: g.group_by.clone(),
        group_wait: Some(g.group_wait.to_string()),
        group_interval: Some(g.group_interval.to_string()),
        repeat_interval: Some(g.repeat_interval.to_string()),
        routes,
        ..Default::default()
    };
    let mut target = vec!["severity=~\"warning|info\"".to_string()];
    if tier_inhibition(defs).is_some() {
        target.push(format!(
            "{}!=\"ticket\"",
            crate::generate::budgets::TIER_LABEL
        ));
    }
    let mut inhibit_rules = vec![InhibitRule {
        source_matchers: vec!["severity=\"critical\"".into()],
        target_matchers: target,
        equal: n.inhibition.equal.clone(),
    }];
    inhibit_rules.extend(tier_inhibition(defs));
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
        "{head}# kube-prometheus-stack values: pass with `helm upgrade ... -f {ALERTMANAGER_VALUES}` (or as a values file of the\n# Argo CD Application). Secrets to create in `{}` before the upgrade: {}.\n",
        defs.spec.kubernetes.namespace,
        secrets.join(", ")
    );
    let config_head = format!("{head}# The same Alertmanager configuration as {ALERTMANAGER_VALUES}, for amtool and a bare Alertmanager.\n");
    vec![
        (
            ALERTMANAGER_VALUES.to_string(),
            format!("{values_head}{}", crate::generate::layout::to_yaml(&values)),
        ),
        (
            ALERTMANAGER_CONFIG.to_string(),
            format!("{config_head}{}", crate::generate::layout::to_yaml(&cfg)),
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Drill time scaling.

/// `d` divided by `factor` (at least 1ms); unparsable durations are returned unchanged.
pub fn scale_duration(d: &Duration, factor: u32) -> Duration {
    match d.parsed() {
        Ok(ms) => Duration::new(duration::format((ms / u64::from(factor.max(1))).max(1))),
        Err(_) => d.clone(),
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
// Disaster-recovery silences (see crate::dr): which alerts a DR window mutes.

/// Tag carried by every DR silence.
pub const DR_TAG: &str = "dr_mode=true";
pub const DR_CREATED_BY: &str = "kubectl-luneo_obs dr_mode=true";

/// One alert on one cluster muted by a DR window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrTarget {
    pub alert: String,
    pub cluster: String,
}

/// The DR-expected alerts, one target per cluster each is deployed to.
pub fn dr_targets(defs: &Definitions) -> Vec<DrTarget> {
    let mut out = Vec::new();
    for a in defs.spec.alerts.iter().filter(|a| a.dr_expected) {
        for c in &a.clusters {
            out.push(DrTarget {
                alert: a.name.clone(),
                cluster: c.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

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
