//! Disaster-recovery silences: what `kubectl luneo-obs dr start|status|end` sends to each
//! Alertmanager, computed from the definitions and the silences the Alertmanager already
//! holds. The host only does HTTP: it passes the clock (`now_ms`) and the result of
//! `GET /api/v2/silences`, then POSTs `create` and DELETEs `expire`.
//!
//! How `dr_mode=true` relates to alert labels: the tag is carried by the *silences*, not by
//! the alerts. Alerts keep their labels (`alertname`, `cluster`, `severity`); a DR silence
//! matches exactly one DR-expected alert on one cluster it is deployed to
//! (`alertname="StandbyApiUnavailable", cluster="standby"`), so nothing else can be muted.
//! The tag `dr_mode=true` is written in the silence's `createdBy` and `comment` (and as a
//! silence annotation on Alertmanager >= 0.32, which has them): `dr status` and `dr end`
//! find DR silences by that tag and touch no other silence.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::registry as codes;
use crate::diag::Check;
use crate::diag::{Diagnostic, Pos};
use crate::generate::alertmanager::dr_targets;
pub use crate::generate::alertmanager::{DrTarget, DR_CREATED_BY as CREATED_BY, DR_TAG as TAG};
use crate::load;
use crate::model::duration;
use crate::source::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DrAction {
    Start,
    #[default]
    Status,
    End,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct DrRequest {
    #[serde(default)]
    pub definitions: Option<Source>,
    pub action: DrAction,
    /// Window length for `start` (Prometheus duration, e.g. `2h`).
    #[serde(default)]
    pub duration: Option<String>,
    /// Current time in milliseconds since the Unix epoch (the core reads no clock).
    #[serde(default)]
    pub now_ms: u64,
    /// The Alertmanager's silences, as returned by `GET /api/v2/silences`.
    #[serde(default)]
    pub silences: Vec<Silence>,
    /// The Alertmanager's version (`versionInfo.version` of `/api/v2/status`), if known.
    #[serde(default)]
    pub alertmanager_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

/// A silence as `GET /api/v2/silences` lists it: the fields DR reads (others are
/// ignored, missing ones are empty, so another Alertmanager version cannot break it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Silence {
    pub id: String,
    pub status: SilenceStatus,
    pub matchers: Vec<Matcher>,
    pub starts_at: String,
    pub ends_at: String,
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct SilenceStatus {
    /// `active`, `pending` or `expired`.
    pub state: String,
}

/// Body of `POST /api/v2/silences`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    pub matchers: Vec<Matcher>,
    pub starts_at: String,
    pub ends_at: String,
    pub created_by: String,
    pub comment: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A DR silence found on the Alertmanager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DrSilence {
    pub id: String,
    pub state: String,
    /// Matchers as text, e.g. `alertname="X", cluster="standby"`.
    pub matchers: String,
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct DrResponse {
    pub ok: bool,
    pub diagnostics: Vec<Diagnostic>,
    /// The alerts a DR window mutes (from `drExpected: true`).
    pub targets: Vec<DrTarget>,
    /// Silences to create (`start`).
    pub create: Vec<PostableSilence>,
    /// DR silences to expire (`end`).
    pub expire: Vec<DrSilence>,
    /// DR silences active or pending on the Alertmanager (kept by `start`, listed by `status`).
    pub active: Vec<DrSilence>,
    /// Namespace of kube-prometheus-stack (where `dr` port-forwards to the Alertmanager).
    pub namespace: String,
}

fn matchers(t: &DrTarget) -> Vec<Matcher> {
    vec![
        Matcher {
            name: "alertname".into(),
            value: t.alert.clone(),
            is_regex: false,
            is_equal: true,
        },
        Matcher {
            name: "cluster".into(),
            value: t.cluster.clone(),
            is_regex: false,
            is_equal: true,
        },
    ]
}

fn matchers_text(m: &[Matcher]) -> String {
    m.iter()
        .map(|m| {
            let op = match (m.is_regex, m.is_equal) {
                (false, true) => "=",
                (false, false) => "!=",
                (true, true) => "=~",
                (true, false) => "!~",
            };
            format!("{}{op}{:?}", m.name, m.value)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// RFC 3339 in UTC with milliseconds, as Alertmanager writes `startsAt`.
const RFC3339_MS: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

/// RFC 3339 (UTC, milliseconds) of a Unix time in milliseconds; empty past year 9999.
pub fn rfc3339(ms: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(RFC3339_MS).ok())
        .unwrap_or_default()
}

/// Alertmanager supports silence annotations from 0.32.
fn supports_annotations(version: &Option<String>) -> bool {
    let Some(v) = version else { return false };
    let mut it = v
        .trim_start_matches('v')
        .split(['.', '-', '+'])
        .map(|x| x.parse::<u64>().unwrap_or(0));
    let (major, minor) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    major > 0 || minor >= 32
}

fn is_dr_silence(s: &Silence) -> bool {
    s.created_by.split_whitespace().any(|t| t == TAG)
}

fn to_dr_silence(s: &Silence) -> DrSilence {
    DrSilence {
        id: s.id.clone(),
        state: s.status.state.clone(),
        matchers: matchers_text(&s.matchers),
        starts_at: s.starts_at.clone(),
        ends_at: s.ends_at.clone(),
    }
}

fn live(s: &Silence) -> bool {
    matches!(s.status.state.as_str(), "active" | "pending")
}

fn same_matchers(s: &Silence, want: &[Matcher]) -> bool {
    let mut have = s.matchers.clone();
    let mut want = want.to_vec();
    have.sort_by(|a, b| a.name.cmp(&b.name));
    want.sort_by(|a, b| a.name.cmp(&b.name));
    have == want
}

fn refuse(resp: &mut DrResponse, code: &Check, file: &str, pos: Pos, msg: String, hint: &str) {
    resp.diagnostics
        .push(Diagnostic::error(code, file, pos, msg).with_hint(hint));
}

/// The length of the window `dr start` opens: given, a positive duration, at most
/// `spec.notifications.dr.maxWindow`; otherwise a diagnostic and `None`.
fn start_window(req: &DrRequest, l: &load::Loaded, resp: &mut DrResponse) -> Option<u64> {
    let max_window = &l.defs.spec.notifications.dr.max_window;
    let max = max_window.ms();
    let arg = Pos { line: 1, column: 1 };
    let hint = "write the window as a duration: 2h, 90m";
    match req.duration.as_deref().map(duration::parse) {
        None => {
            refuse(
                resp,
                &codes::DR_UNBOUNDED_WINDOW,
                "--duration",
                arg,
                "a DR window needs an end: no duration given".into(),
                &format!("pass --duration, at most {max_window}"),
            );
            None
        }
        Some(Err(e)) => {
            refuse(resp, &codes::DR_BAD_WINDOW, "--duration", arg, e, hint);
            None
        }
        Some(Ok(0)) => {
            let msg = "a DR window of zero mutes nothing".into();
            refuse(resp, &codes::DR_BAD_WINDOW, "--duration", arg, msg, hint);
            None
        }
        Some(Ok(ms)) if ms > max => {
            let d = req.duration.clone().unwrap_or_default();
            refuse(
                resp,
                &codes::DR_WINDOW_TOO_LONG,
                &l.file,
                l.pos("spec.notifications.dr.maxWindow"),
                format!("a DR window of {d} is longer than the {max_window} the definitions allow"),
                "shorten the window; run `dr start` again for the next part of a longer test",
            );
            None
        }
        Some(Ok(ms)) => Some(ms),
    }
}

/// One silence per DR target, `ms` long from now; a target already muted by a live DR
/// silence keeps it (listed as active) and gets no duplicate.
fn plan_silences(
    req: &DrRequest,
    l: &load::Loaded,
    live_dr: &[&Silence],
    ms: u64,
    resp: &mut DrResponse,
) {
    let annotations = supports_annotations(&req.alertmanager_version).then(|| {
        let mut a = BTreeMap::new();
        a.insert("dr_mode".to_string(), "true".to_string());
        a
    });
    for t in resp.targets.clone() {
        let m = matchers(&t);
        if let Some(s) = live_dr.iter().find(|s| same_matchers(s, &m)) {
            resp.active.push(to_dr_silence(s));
            continue;
        }
        resp.create.push(PostableSilence {
            matchers: m,
            starts_at: rfc3339(req.now_ms),
            ends_at: rfc3339(req.now_ms + ms),
            created_by: CREATED_BY.into(),
            comment: format!(
                "{TAG}: disaster-recovery test window ({} definitions). {} on cluster {} is expected to fire during the test (drExpected: true). End it with `kubectl luneo-obs dr end`.",
                l.defs.metadata.name, t.alert, t.cluster
            ),
            annotations: annotations.clone(),
        });
    }
}

/// Plan a DR action against one Alertmanager's silences.
pub fn plan(req: &DrRequest) -> DrResponse {
    let l = load::resolve(&req.definitions);
    let l = match l {
        Ok(l) => l,
        Err(d) => {
            return DrResponse {
                ok: false,
                diagnostics: d,
                ..Default::default()
            }
        }
    };
    let mut resp = DrResponse {
        targets: dr_targets(&l.defs),
        namespace: l.defs.spec.kubernetes.namespace.clone(),
        ..Default::default()
    };
    let dr: Vec<&Silence> = req
        .silences
        .iter()
        .filter(|s| is_dr_silence(s) && live(s))
        .collect();
    match req.action {
        DrAction::Status => resp.active = dr.iter().map(|s| to_dr_silence(s)).collect(),
        DrAction::End => resp.expire = dr.iter().map(|s| to_dr_silence(s)).collect(),
        DrAction::Start => {
            let window = start_window(req, &l, &mut resp);
            if resp.targets.is_empty() {
                refuse(
                    &mut resp,
                    &codes::DR_NOTHING_TO_MUTE,
                    &l.file,
                    l.pos("spec.alerts"),
                    "no alert is marked `drExpected: true`: a DR window would mute nothing".into(),
                    "mark the alerts a DR test is expected to fire with drExpected: true",
                );
            }
            if let (Some(ms), true) = (window, resp.diagnostics.is_empty()) {
                plan_silences(req, &l, &dr, ms, &mut resp);
            }
        }
    }
    resp.ok = resp.diagnostics.is_empty();
    resp
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn req(
        action: DrAction,
        duration: Option<&str>,
        silences: Vec<serde_json::Value>,
    ) -> DrRequest {
        DrRequest {
            action,
            duration: duration.map(str::to_string),
            now_ms: 1_700_000_000_000,
            silences: serde_json::from_value(serde_json::Value::Array(silences)).unwrap(),
            ..Default::default()
        }
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(253_402_300_800_000), "");
    }

    #[test]
    fn start_mutes_the_dr_expected_alerts_for_the_window() {
        let r = plan(&req(DrAction::Start, Some("2h"), vec![]));
        assert!(r.ok, "{:?}", r.diagnostics);
        let names: Vec<String> = r
            .create
            .iter()
            .map(|s| matchers_text(&s.matchers))
            .collect();
        assert_eq!(
            names,
            vec![
                r#"alertname="ApiUnavailable", cluster="primary""#,
                r#"alertname="StandbyApiUnavailable", cluster="standby""#,
                r#"alertname="StandbyQueueGrowth", cluster="standby""#
            ]
        );
        assert_eq!(r.create[0].ends_at, "2023-11-15T00:13:20.000Z");
        assert!(r.create[0].created_by.contains(TAG) && r.create[0].comment.starts_with(TAG));
        assert_eq!(r.create[0].annotations, None);
    }

    #[test]
    fn start_refuses_unbounded_zero_and_over_long_windows() {
        for (d, code) in [
            (None, "dr/unbounded-window"),
            (Some("0s"), "dr/bad-window"),
            (Some("5h"), "dr/window-too-long"),
            (Some("2x"), "dr/bad-window"),
        ] {
            let r = plan(&req(DrAction::Start, d, vec![]));
            assert!(!r.ok && r.create.is_empty(), "{d:?}");
            assert_eq!(r.diagnostics[0].code, code);
        }
    }

    #[test]
    fn start_twice_creates_nothing_and_end_expires_only_dr_silences() {
        let first = plan(&req(DrAction::Start, Some("1h"), vec![]));
        let mut existing: Vec<serde_json::Value> = first
            .create
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                v["id"] = format!("dr-{i}").into();
                v["status"] = serde_json::json!({"state": "active"});
                v
            })
            .collect();
        existing.push(serde_json::json!({"id": "other", "status": {"state": "active"}, "createdBy": "alice", "comment": "dr_mode=true maintenance", "matchers": [], "startsAt": "", "endsAt": ""}));
        existing.push(serde_json::json!({"id": "old", "status": {"state": "expired"}, "createdBy": CREATED_BY, "comment": "", "matchers": [], "startsAt": "", "endsAt": ""}));
        let again = plan(&req(DrAction::Start, Some("1h"), existing.clone()));
        assert!(again.ok && again.create.is_empty() && again.active.len() == 3);
        let end = plan(&req(DrAction::End, None, existing));
        let ids: Vec<&str> = end.expire.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, vec!["dr-0", "dr-1", "dr-2"]);
    }

    #[test]
    fn annotations_only_where_alertmanager_has_them() {
        let mut r = req(DrAction::Start, Some("1h"), vec![]);
        r.alertmanager_version = Some("0.32.1".into());
        assert!(plan(&r).create[0].annotations.is_some());
        r.alertmanager_version = Some("0.25.0".into());
        assert!(plan(&r).create[0].annotations.is_none());
    }
}
