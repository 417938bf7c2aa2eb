//! Helpers shared by the cross-component tests and benchmarks.

use std::path::{Path, PathBuf};

pub mod live;
pub mod overlays;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A large synthetic definitions file: the Luneo definitions with `queues` BullMQ queues
/// (watched by the two queue alerts) and `routes` API routes, each route with its own
/// latency objective (route-scoped `apiLatency` alerts, split in chunks of 50 routes).
pub fn synthetic_definitions(queues: usize, routes: usize) -> String {
    let base = luneo_obs_core::source::EMBEDDED;
    let mut queue_list = String::from("  queues:\n");
    let mut names = Vec::new();
    for i in 0..queues {
        let kind = if i % 2 == 0 { "ai" } else { "render" };
        queue_list.push_str(&format!(
            "    - name: {kind}-{i:04}\n      bullmqName: luneo-{kind}-{i:04}\n"
        ));
        names.push(format!("{kind}-{i:04}"));
    }
    let names = names.join(", ");
    let start = base.find("\n  queues:\n").map(|i| i + 1).unwrap_or(0);
    let end = base
        .find("\n  alerts:\n")
        .map(|i| i + 1)
        .unwrap_or(base.len());
    let mut text = format!("{}{}{}", &base[..start], queue_list, &base[end..]);
    text = text.replace("queues: [ai, render]", &format!("queues: [{names}]"));
    let mut alerts = String::new();
    let per = 50;
    for (chunk, start) in (0..routes).step_by(per).enumerate() {
        let list: Vec<String> = (start..(start + per).min(routes))
            .map(|r| format!("\"/api/v1/resource-{r:03}/{{id}}\""))
            .collect();
        alerts.push_str(&format!(
            "\n    - name: RouteLatencyHigh{chunk:02}\n      slo: apiLatency\n      quantile: 0.99\n      threshold: {{ value: 1, unit: s }}\n      routes: [{}]\n      for: 10m\n      severity: warning\n      clusters: [primary]\n      summary: A route is slower than its objective.\n",
            list.join(", ")
        ));
    }
    match text.find("\n  alerts:\n") {
        Some(i) => text.insert_str(i + "\n  alerts:\n".len(), alerts.trim_start_matches('\n')),
        None => text.push_str(&alerts),
    }
    text
}

/// Where the cluster name lives, for the tests that run in both topologies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// One Prometheus per cluster, series without a cluster label (the Luneo definitions
    /// as committed: `spec.metrics.clusterLabel` unset).
    PerCluster,
    /// A central store (Thanos or Mimir ruler): the `cluster` label on every series.
    Central,
}

impl Topology {
    pub const ALL: [Topology; 2] = [Topology::PerCluster, Topology::Central];

    /// Folder name of the topology's hand-written tests (`tests/promtool/<dir>/`).
    pub fn dir(self) -> &'static str {
        match self {
            Topology::PerCluster => "per-cluster",
            Topology::Central => "central",
        }
    }

    /// The Luneo definitions in this topology (`None`: the embedded ones as they are).
    pub fn definitions(self) -> Option<luneo_obs_core::source::Source> {
        match self {
            Topology::PerCluster => None,
            Topology::Central => Some(luneo_obs_core::source::Source {
                name: "definitions/luneo-central.yaml".into(),
                text: central_definitions(),
            }),
        }
    }
}

/// The Luneo definitions with `clusterLabel: cluster` (a central store), and the panels
/// they declare filtered on the dashboard's cluster as the central topology requires
/// (`dashboard/extra-panel-cluster`).
pub fn central_definitions() -> String {
    let base = luneo_obs_core::source::EMBEDDED;
    let anchor = "\n    scrapeInterval: 30s\n";
    assert!(
        base.matches(anchor).count() == 1 && !base.contains("\n    clusterLabel:"),
        "the Luneo definitions changed shape: update central_definitions()"
    );
    let mut text = base.replacen(anchor, &format!("{anchor}    clusterLabel: cluster\n"), 1);
    for selector in [
        "{exported_pod=~\"luneo-worker-render-.*\"}",
        "{queue=~\"$queue\"}",
    ] {
        let filtered = selector.replacen('{', "{cluster=\"$cluster\", ", 1);
        text = text.replace(&format!("{selector})"), &format!("{filtered})"));
        text = text.replace(&format!("{selector} "), &format!("{filtered} "));
        text = text.replace(&format!("{selector}["), &format!("{filtered}["));
    }
    text
}

/// The Luneo definitions with the optional DCGM alerts enabled, exactly as
/// docs/definitions.md shows them (the block between its `dcgm-alerts example` markers).
pub fn dcgm_alerts_definitions() -> String {
    let doc = std::fs::read_to_string(repo().join("docs/definitions.md")).unwrap_or_default();
    let block = doc
        .split_once("<!-- BEGIN dcgm-alerts example -->")
        .and_then(|(_, rest)| rest.split_once("<!-- END dcgm-alerts example -->"))
        .map(|(b, _)| b.trim())
        .and_then(|b| b.strip_prefix("```yaml"))
        .and_then(|b| b.strip_suffix("```"))
        .unwrap_or_default();
    assert!(
        block.contains("slo: gpuTemperature") && block.contains("slo: gpuXidErrors"),
        "docs/definitions.md lost its dcgm-alerts example block"
    );
    let base = luneo_obs_core::source::EMBEDDED;
    let anchor = "\n  alerts:\n";
    assert_eq!(
        base.matches(anchor).count(),
        1,
        "the Luneo definitions changed shape"
    );
    base.replacen(
        anchor,
        &format!("{anchor}{}\n", block.trim_start_matches('\n')),
        1,
    )
}
