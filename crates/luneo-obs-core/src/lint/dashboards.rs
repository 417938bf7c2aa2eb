//! Checks of `spec.dashboards`: what Grafana accepts as refresh, time range and folder.

use super::Lint;
use crate::diag::registry as codes;
use crate::model::DashboardKind;

/// Grafana's default `min_refresh_interval`: a shorter refresh is raised to it.
pub const MIN_REFRESH_MS: u64 = 5_000;

/// `30s`, `12h`: what Grafana accepts in `refresh` and in `now-<x>`.
fn is_grafana_interval(v: &str) -> bool {
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(&v[digits..], "s" | "m" | "h" | "d" | "w" | "y")
}

/// Valid Prometheus durations Grafana would not read (`1h30m`).
pub fn intervals(c: &mut Lint<'_>) {
    let defs = c.defs;
    for kind in DashboardKind::ALL {
        let s = kind.settings(defs);
        let base = kind.settings_path();
        for (field, v) in [("refresh", &s.refresh), ("timeRange", &s.time_range)] {
            if v.parsed().is_ok() && !is_grafana_interval(v.as_str()) {
                c.err(&codes::DEFINITIONS_BAD_DURATION, &format!("{base}.{field}"), format!("`{v}` is not a Grafana interval: one number and one unit of s, m, h, d, w, y"), "Grafana reads `now-90m`, not `now-1h30m`: write 90m");
            }
        }
    }
}

/// The refresh is a duration of at least Grafana's minimum.
pub fn refresh(c: &mut Lint<'_>) {
    let defs = c.defs;
    for kind in DashboardKind::ALL {
        let s = kind.settings(defs);
        let path = format!("{}.refresh", kind.settings_path());
        match s.refresh.parsed() {
            Err(e) => c.err(
                &codes::DEFINITIONS_BAD_DURATION,
                &path,
                e.to_string(),
                "write the refresh as Grafana does: 30s, 1m, 5m",
            ),
            Ok(ms) if ms < MIN_REFRESH_MS => c.err(&codes::DEFINITIONS_DASHBOARD_REFRESH, &path, format!("refresh `{}` is below Grafana's default minimum of 5s: Grafana would silently use 5s", s.refresh), "use 5s or more (30s for near-real-time views)"),
            Ok(_) => {}
        }
    }
}

/// The default time range is a non-empty duration back from now.
pub fn time_range(c: &mut Lint<'_>) {
    let defs = c.defs;
    for kind in DashboardKind::ALL {
        let s = kind.settings(defs);
        let path = format!("{}.timeRange", kind.settings_path());
        match s.time_range.parsed() {
            Err(e) => c.err(
                &codes::DEFINITIONS_BAD_DURATION,
                &path,
                e.to_string(),
                "write the time range as a duration back from now: 1h, 12h, 7d",
            ),
            Ok(0) => c.err(
                &codes::DEFINITIONS_BAD_DURATION,
                &path,
                "the default time range is empty".to_string(),
                "use e.g. 1h",
            ),
            Ok(_) => {}
        }
    }
}

/// A folder override is a plain, non-empty name.
pub fn folder(c: &mut Lint<'_>) {
    let defs = c.defs;
    for kind in DashboardKind::ALL {
        if let Some(f) = &kind.settings(defs).folder {
            if f.trim().is_empty() || f.contains(['/', '\\']) {
                c.err(
                    &codes::DEFINITIONS_DASHBOARD_FOLDER,
                    &format!("{}.folder", kind.settings_path()),
                    format!("folder `{f}` must be a non-empty name without slashes"),
                    "omit it to use spec.kubernetes.dashboardFolder",
                );
            }
        }
    }
}
