//! Checks of the document's header, clusters, Kubernetes settings and links.

use std::collections::BTreeSet;

use super::{names, Lint};
use crate::diag::registry as codes;
use crate::model::{ClusterRole, API_VERSION, KIND};

pub fn api_version(c: &mut Lint<'_>) {
    if c.defs.api_version != API_VERSION {
        c.err(
            &codes::DEFINITIONS_API_VERSION,
            "apiVersion",
            format!("unsupported apiVersion `{}`", c.defs.api_version),
            "this version of luneo-obs reads apiVersion: luneo.io/v1alpha1",
        );
    }
}

pub fn kind(c: &mut Lint<'_>) {
    if c.defs.kind != KIND {
        c.err(
            &codes::DEFINITIONS_KIND,
            "kind",
            format!("unsupported kind `{}`", c.defs.kind),
            "the kind must be ObservabilityDefinitions",
        );
    }
}

pub fn metadata_name(c: &mut Lint<'_>) {
    let name = &c.defs.metadata.name;
    if !names::is_label_name(&name.replace('-', "_")) {
        c.err(
            &codes::DEFINITIONS_BAD_NAME,
            "metadata.name",
            format!("`{name}` is not usable in object names"),
            "use lower-case letters, digits and dashes",
        );
    }
}

/// Cluster names are unique and usable in object and overlay names.
pub fn cluster_names(c: &mut Lint<'_>) {
    let mut seen = BTreeSet::new();
    for (i, cl) in c.defs.spec.clusters.iter().enumerate() {
        let p = format!("spec.clusters[{i}].name");
        if !seen.insert(cl.name.as_str()) {
            c.err(
                &codes::DEFINITIONS_DUPLICATE_NAME,
                &p,
                format!("cluster `{}` is defined twice", cl.name),
                "cluster names must be unique",
            );
        }
        if !names::is_kebab_name(&cl.name) {
            c.err(
                &codes::DEFINITIONS_BAD_NAME,
                &p,
                format!(
                    "cluster name `{}` must be lower-case letters, digits and dashes",
                    cl.name
                ),
                "it is used in object and overlay names",
            );
        }
    }
}

/// Exactly one cluster is the primary.
pub fn one_primary(c: &mut Lint<'_>) {
    let primaries: Vec<usize> = c
        .defs
        .spec
        .clusters
        .iter()
        .enumerate()
        .filter(|(_, cl)| cl.role == ClusterRole::Primary)
        .map(|(i, _)| i)
        .collect();
    if primaries.len() != 1 {
        // Point at the second primary's role when there are several.
        let at = primaries
            .get(1)
            .map(|i| format!("spec.clusters[{i}].role"))
            .unwrap_or_else(|| "spec.clusters".into());
        c.err(
            &codes::DEFINITIONS_PRIMARY_CLUSTER,
            &at,
            format!(
                "exactly one cluster must have role primary, found {}",
                primaries.len()
            ),
            "mark the production cluster `role: primary` and the others `role: secondary`",
        );
    }
}

/// kube-prometheus-stack only loads PrometheusRules its ruleSelector matches.
pub fn rule_selector(c: &mut Lint<'_>) {
    let sel = &c.defs.spec.kubernetes.rule_selector;
    if sel.contains_key("") {
        c.err(
            &codes::DEFINITIONS_BAD_LABEL_NAME,
            "spec.kubernetes.ruleSelector.",
            "empty ruleSelector label".into(),
            "use the label your Prometheus' ruleSelector matches, e.g. release",
        );
    }
    if sel.is_empty() {
        c.warn(&codes::DEFINITIONS_EMPTY_RULE_SELECTOR, "spec.kubernetes.ruleSelector", "no ruleSelector labels: kube-prometheus-stack ignores PrometheusRules without `release: <release name>` unless its selector is empty".into(), "add `release: <your helm release>` (kube-prometheus-stack's default ruleSelector)");
    }
}

/// Runbook and Grafana base URLs: absolute http(s), no trailing slash.
pub fn links(c: &mut Lint<'_>) {
    let l = &c.defs.spec.links;
    for (path, url) in [
        ("spec.links.runbookBaseUrl", &l.runbook_base_url),
        ("spec.links.grafanaUrl", &l.grafana_url),
    ] {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            c.err(
                &codes::DEFINITIONS_BAD_URL,
                path,
                format!("`{url}` is not an http(s) URL"),
                "write the full URL, e.g. https://grafana.example.com",
            );
        }
        if url.ends_with('/') {
            c.err(
                &codes::DEFINITIONS_BAD_URL,
                path,
                format!("`{url}` ends with a slash"),
                "drop the trailing slash; paths are appended to it",
            );
        }
    }
}
