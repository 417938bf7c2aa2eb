//! The kube-prometheus-stack values of each cluster's Prometheus: the external label that
//! names the cluster.
//!
//! Both topologies need it. With one Prometheus per cluster (`spec.metrics.clusterLabel`
//! null, the default) series carry no cluster label and the rules read them unfiltered;
//! the external label names the cluster on everything that leaves that Prometheus
//! (alerts sent to Alertmanager, remote write, federation). With a central store
//! (`clusterLabel` set, Thanos or Mimir) the same external label is what the sidecar or
//! remote write attaches to every series, so the central ruler and Grafana can filter
//! on it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::generate::layout::{prometheus_values, to_yaml};
use crate::load::Loaded;
use crate::model::Definitions;

/// The label name of the cluster when series carry none (the alerts' own label).
pub const DEFAULT_CLUSTER_LABEL: &str = "cluster";

#[derive(Serialize)]
struct Values {
    prometheus: ValuesPrometheus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ValuesPrometheus {
    prometheus_spec: PrometheusSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrometheusSpec {
    external_labels: BTreeMap<String, String>,
}

/// The external label's name: the series' cluster label in a central store, `cluster`
/// otherwise.
pub fn external_label(defs: &Definitions) -> &str {
    defs.spec
        .metrics
        .cluster_label
        .as_deref()
        .unwrap_or(DEFAULT_CLUSTER_LABEL)
}

fn topology_note(defs: &Definitions, cluster: &str) -> String {
    let label = external_label(defs);
    match &defs.spec.metrics.cluster_label {
        None => format!(
            "# Topology: one Prometheus per cluster (spec.metrics.clusterLabel is null). Series carry no\n# cluster label and this cluster's rules read them unfiltered; the external label\n# `{label}: {cluster}` names the cluster on the alerts this Prometheus sends to Alertmanager.\n"
        ),
        Some(_) => format!(
            "# Topology: a central store (spec.metrics.clusterLabel: {label}). The external label\n# `{label}: {cluster}` is what the Thanos sidecar or remote write attaches to every series,\n# so the central ruler's rules and Grafana filter on it.\n"
        ),
    }
}

/// `prometheus/values-<cluster>.yaml` for every cluster.
pub fn files(l: &Loaded, head: &str) -> Vec<(String, String)> {
    l.defs
        .spec
        .clusters
        .iter()
        .map(|c| {
            let path = prometheus_values(c);
            let mut labels = BTreeMap::new();
            labels.insert(external_label(&l.defs).to_string(), c.name.clone());
            let values = Values {
                prometheus: ValuesPrometheus {
                    prometheus_spec: PrometheusSpec {
                        external_labels: labels,
                    },
                },
            };
            let text = format!(
                "{head}# kube-prometheus-stack values of cluster {}: pass with `helm upgrade ... -f {path}`\n# (with alertmanager/values.yaml) on that cluster only.\n{}{}",
                c.name,
                topology_note(&l.defs, &c.name),
                to_yaml(&values)
            );
            (path, text)
        })
        .collect()
}
