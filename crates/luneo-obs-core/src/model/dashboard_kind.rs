//! The generated dashboards, and where their settings live in the definitions.

use super::{DashboardSettings, Definitions};

/// The generated dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DashboardKind {
    Api,
    Queues,
    Standby,
    /// The SLOs of a cluster (only where the definitions deploy SLOs).
    Slos,
}

impl DashboardKind {
    pub const ALL: [DashboardKind; 4] = [
        DashboardKind::Api,
        DashboardKind::Queues,
        DashboardKind::Standby,
        DashboardKind::Slos,
    ];

    pub fn uid(self) -> &'static str {
        match self {
            DashboardKind::Api => "luneo-api",
            DashboardKind::Queues => "luneo-queues",
            DashboardKind::Standby => "luneo-standby",
            DashboardKind::Slos => "luneo-slos",
        }
    }

    pub fn from_uid(uid: &str) -> Option<DashboardKind> {
        DashboardKind::ALL.into_iter().find(|k| k.uid() == uid)
    }

    pub fn title(self) -> &'static str {
        match self {
            DashboardKind::Api => "API Backend – Latency & Errors",
            DashboardKind::Queues => "AI & Render Queues",
            DashboardKind::Standby => "Standby",
            DashboardKind::Slos => "Service level objectives",
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            DashboardKind::Api => "api",
            DashboardKind::Queues => "queues",
            DashboardKind::Standby => "standby",
            DashboardKind::Slos => "slos",
        }
    }

    /// The `spec.dashboards` entry of this dashboard.
    pub fn settings(self, defs: &Definitions) -> &DashboardSettings {
        let d = &defs.spec.dashboards;
        match self {
            DashboardKind::Api => &d.api,
            DashboardKind::Queues => &d.queues,
            DashboardKind::Standby => &d.standby,
            DashboardKind::Slos => &d.slos,
        }
    }

    /// Path of the settings in the definitions (for diagnostics).
    pub fn settings_path(self) -> &'static str {
        match self {
            DashboardKind::Api => "spec.dashboards.api",
            DashboardKind::Queues => "spec.dashboards.queues",
            DashboardKind::Standby => "spec.dashboards.standby",
            DashboardKind::Slos => "spec.dashboards.slos",
        }
    }
}
