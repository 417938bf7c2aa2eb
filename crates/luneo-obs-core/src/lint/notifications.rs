//! Checks of `spec.notifications`: receivers, routes, grouping, inhibition, the Watchdog
//! and the DR window. Every alert must reach someone; no credential may reach git.

use std::collections::BTreeSet;

use super::{names, Lint};
use crate::diag::registry as codes;
use crate::model::{AlertSeverity, Duration, NULL_RECEIVER};

const BASE: &str = "spec.notifications";

/// A positive duration (zero is refused: Alertmanager would spin or never wait).
fn positive(c: &mut Lint<'_>, path: &str, v: &Duration) -> Option<u64> {
    match v.parsed() {
        Ok(0) => {
            c.err(
                &codes::NOTIFICATIONS_INTERVALS,
                path,
                format!("`{v}` is zero"),
                "use a positive duration, e.g. 30s",
            );
            None
        }
        Ok(ms) => Some(ms),
        Err(_) => c.duration(path, v),
    }
}

/// Receiver names are unique, usable, and each receiver has exactly one integration.
pub fn receivers(c: &mut Lint<'_>) {
    let defs = c.defs;
    let mut seen = BTreeSet::new();
    for (i, r) in defs.spec.notifications.receivers.iter().enumerate() {
        let p = format!("{BASE}.receivers[{i}]");
        let name_path = format!("{p}.name");
        if !seen.insert(r.name.as_str()) {
            c.err(
                &codes::DEFINITIONS_DUPLICATE_NAME,
                &name_path,
                format!("receiver `{}` is defined twice", r.name),
                "receiver names must be unique",
            );
        }
        if r.name == NULL_RECEIVER {
            c.err(
                &codes::DEFINITIONS_BAD_NAME,
                &name_path,
                "`null` is the generated receiver that drops notifications".into(),
                "choose another name; an empty route list already means `null`",
            );
        } else if !names::is_kebab_name(&r.name) {
            c.err(
                &codes::DEFINITIONS_BAD_NAME,
                &name_path,
                format!(
                    "receiver name `{}` must be lower-case letters, digits and dashes",
                    r.name
                ),
                "e.g. slack-sre",
            );
        }
        if r.slack.is_some() == r.pagerduty.is_some() {
            c.err(
                &codes::NOTIFICATIONS_RECEIVER_KIND,
                &p,
                format!(
                    "receiver `{}` must have exactly one of `slack` or `pagerduty`",
                    r.name
                ),
                "declare one receiver per integration and list both in the route",
            );
        }
        if let Some(s) = &r.slack {
            if !(s.channel.starts_with('#') || s.channel.starts_with('@'))
                || s.channel.len() < 2
                || s.channel.contains(char::is_whitespace)
            {
                c.err(
                    &codes::NOTIFICATIONS_SLACK_CHANNEL,
                    &format!("{p}.slack.channel"),
                    format!("`{}` is not a Slack channel", s.channel),
                    "write the channel with its #, quoted in YAML: \"#sre\"",
                );
            }
        }
    }
}

/// Secret references name a valid Secret and key.
pub fn receiver_secrets(c: &mut Lint<'_>) {
    let defs = c.defs;
    for (i, r) in defs.spec.notifications.receivers.iter().enumerate() {
        let p = format!("{BASE}.receivers[{i}]");
        let mut refs = Vec::new();
        if let Some(s) = &r.slack {
            refs.push((format!("{p}.slack.apiUrl"), &s.api_url));
        }
        if let Some(pd) = &r.pagerduty {
            refs.push((format!("{p}.pagerduty.routingKey"), &pd.routing_key));
        }
        for (rp, sr) in refs {
            if !names::is_dns_subdomain(&sr.secret) {
                c.err(&codes::NOTIFICATIONS_SECRET_REF, &format!("{rp}.secret"), format!("`{}` is not a valid Kubernetes Secret name", sr.secret), "Secret names are lower-case letters, digits, dashes and dots, e.g. alertmanager-luneo");
            }
            if !names::is_secret_key(&sr.key) {
                c.err(&codes::NOTIFICATIONS_SECRET_REF, &format!("{rp}.key"), format!("`{}` is not a valid Secret key", sr.key), "Secret keys are letters, digits, dashes, underscores and dots, e.g. slack-sre-url");
            }
        }
    }
}

/// Report `name` at `path` unless it is a defined receiver.
fn refer(c: &mut Lint<'_>, path: &str, name: &str) {
    let n = &c.defs.spec.notifications;
    if !n.receivers.iter().any(|r| r.name == name) {
        let known: Vec<&str> = n.receivers.iter().map(|r| r.name.as_str()).collect();
        c.err(
            &codes::NOTIFICATIONS_UNKNOWN_RECEIVER,
            path,
            format!("receiver `{name}` is not defined in spec.notifications.receivers"),
            &format!("defined receivers: {}", known.join(", ")),
        );
    }
}

/// Routes name defined receivers, once each, and every used severity reaches someone.
pub fn routes(c: &mut Lint<'_>) {
    let defs = c.defs;
    let n = &defs.spec.notifications;
    for (sev, key, list) in [
        (AlertSeverity::Critical, "critical", &n.routes.critical),
        (AlertSeverity::Warning, "warning", &n.routes.warning),
        (AlertSeverity::Info, "info", &n.routes.info),
    ] {
        let mut seen = BTreeSet::new();
        for (j, r) in list.iter().enumerate() {
            let p = format!("{BASE}.routes.{key}[{j}]");
            refer(c, &p, r);
            if !seen.insert(r.as_str()) {
                c.err(
                    &codes::DEFINITIONS_DUPLICATE_NAME,
                    &p,
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
                &codes::NOTIFICATIONS_UNROUTED_SEVERITY,
                &format!("{BASE}.routes.{key}"),
                format!("{key} alerts ({}) reach no receiver", used.join(", ")),
                "list the receivers of this severity, e.g. [slack-sre]",
            );
        }
    }
    refer(c, &format!("{BASE}.defaultReceiver"), &n.default_receiver);
    if let Some(w) = &n.watchdog.receiver {
        refer(c, &format!("{BASE}.watchdog.receiver"), w);
    }
}

/// Critical alerts page someone: a PagerDuty receiver in routes.critical.
pub fn critical_paged(c: &mut Lint<'_>) {
    let n = &c.defs.spec.notifications;
    let paged = n.routes.critical.iter().any(|r| {
        n.receivers
            .iter()
            .find(|x| &x.name == r)
            .is_some_and(|x| x.pagerduty.is_some())
    });
    if !paged && !n.routes.critical.is_empty() {
        c.warn(
            &codes::NOTIFICATIONS_CRITICAL_NOT_PAGED,
            &format!("{BASE}.routes.critical"),
            "critical alerts page nobody: no PagerDuty receiver in routes.critical".into(),
            "add the PagerDuty receiver to routes.critical",
        );
    }
}

/// Grouping labels and intervals (repeat at a multiple of the group interval).
pub fn grouping(c: &mut Lint<'_>) {
    let defs = c.defs;
    let g = &defs.spec.notifications.grouping;
    for (j, l) in g.group_by.iter().enumerate() {
        if l != "..." && !names::is_label_name(l) {
            c.err(
                &codes::DEFINITIONS_BAD_LABEL_NAME,
                &format!("{BASE}.grouping.groupBy[{j}]"),
                format!("`{l}` is not a valid label name"),
                "group by label names, e.g. [alertname, cluster]",
            );
        }
    }
    positive(c, &format!("{BASE}.grouping.groupWait"), &g.group_wait);
    let gi = positive(
        c,
        &format!("{BASE}.grouping.groupInterval"),
        &g.group_interval,
    );
    let ri = positive(
        c,
        &format!("{BASE}.grouping.repeatInterval"),
        &g.repeat_interval,
    );
    if let (Some(gi), Some(ri)) = (gi, ri) {
        if ri < gi {
            c.err(&codes::NOTIFICATIONS_INTERVALS, &format!("{BASE}.grouping.repeatInterval"), format!("repeatInterval {} is shorter than groupInterval {}: Alertmanager can only repeat at group intervals", g.repeat_interval, g.group_interval), "make repeatInterval a multiple of groupInterval, e.g. 4h with 5m");
        }
    }
}

/// Inhibition compares label names, alertname included.
pub fn inhibition(c: &mut Lint<'_>) {
    let defs = c.defs;
    let eq = &defs.spec.notifications.inhibition.equal;
    for (j, l) in eq.iter().enumerate() {
        if !names::is_label_name(l) {
            c.err(
                &codes::DEFINITIONS_BAD_LABEL_NAME,
                &format!("{BASE}.inhibition.equal[{j}]"),
                format!("`{l}` is not a valid label name"),
                "e.g. [alertname, cluster]",
            );
        }
    }
    if !eq.iter().any(|l| l == "alertname") {
        c.warn(&codes::NOTIFICATIONS_BROAD_INHIBITION, &format!("{BASE}.inhibition.equal"), "without `alertname` in inhibition.equal, any critical alert mutes every warning of the cluster".into(), "use [alertname, cluster]: a critical mutes only its warning twin");
    }
}

/// The Watchdog's name and repeat interval; no alert takes its name.
pub fn watchdog(c: &mut Lint<'_>) {
    let defs = c.defs;
    let wd = &defs.spec.notifications.watchdog;
    positive(
        c,
        &format!("{BASE}.watchdog.repeatInterval"),
        &wd.repeat_interval,
    );
    let w = &wd.alert_name;
    if !w.starts_with(|ch: char| ch.is_ascii_uppercase())
        || !w.chars().all(|ch| ch.is_ascii_alphanumeric())
    {
        c.err(
            &codes::ALERT_NAME,
            &format!("{BASE}.watchdog.alertName"),
            format!("alert name `{w}` must be CamelCase letters and digits"),
            "kube-prometheus calls it Watchdog",
        );
    }
    if let Some(i) = defs.spec.alerts.iter().position(|a| &a.name == w) {
        c.err(
            &codes::DEFINITIONS_DUPLICATE_NAME,
            &format!("spec.alerts[{i}].name"),
            format!("alert `{w}` is the Watchdog's name"),
            "rename the alert or spec.notifications.watchdog.alertName",
        );
    }
}

/// The meta-alert on failing rule groups: a CamelCase name no other alert takes, a `for`.
pub fn rule_failures(c: &mut Lint<'_>) {
    let defs = c.defs;
    let rf = &defs.spec.notifications.rule_failures;
    let path = format!("{BASE}.ruleFailures");
    c.duration(&format!("{path}.for"), &rf.for_);
    let name = &rf.alert_name;
    let at = format!("{path}.alertName");
    super::alerts::alert_name(c, &at, name, "e.g. LuneoObsRulesFailing");
    let taken = defs.spec.alerts.iter().any(|a| &a.name == name);
    if taken || *name == defs.spec.notifications.watchdog.alert_name {
        c.err(
            &codes::DEFINITIONS_DUPLICATE_NAME,
            &at,
            format!("alert `{name}` is already defined"),
            "give the rule-failures alert a name of its own",
        );
    }
}

/// DR windows stay short: they mute alerts.
pub fn dr_window(c: &mut Lint<'_>) {
    let defs = c.defs;
    let dr = &defs.spec.notifications.dr;
    let path = format!("{BASE}.dr.maxWindow");
    if let Some(ms) = positive(c, &path, &dr.max_window) {
        if ms > 24 * 3_600_000 {
            c.err(&codes::DR_MAX_WINDOW, &path, format!("a DR window of {} would hide real incidents for more than a day", dr.max_window), "keep DR windows to the test itself, e.g. 4h; start a new window if the test runs longer");
        }
    }
}
