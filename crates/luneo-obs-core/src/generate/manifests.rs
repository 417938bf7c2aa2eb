//! The generated manifests tree: every file as (relative path, bytes), in a BTreeMap so
//! the order, and therefore the output, never depends on the host.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::generate::layout::{header, overlay_dir, rules_file, to_yaml, MARKER};
use crate::generate::rules::{self, ClusterRules};
use crate::load::Loaded;

#[derive(Serialize)]
struct Kustomization {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    namespace: String,
    labels: Vec<KLabels>,
    resources: Vec<String>,
}

#[derive(Serialize)]
struct KLabels {
    pairs: BTreeMap<String, String>,
    #[serde(rename = "includeSelectors")]
    include_selectors: bool,
}

/// Everything generated for one cluster.
pub struct ClusterOutput {
    pub overlay: String,
    pub rules: ClusterRules,
}

/// Build the whole tree.
pub fn build(l: &Loaded) -> (BTreeMap<String, String>, Vec<ClusterOutput>) {
    let mut files = BTreeMap::new();
    let mut outs = Vec::new();
    let head = header(l);
    for c in &l.defs.spec.clusters {
        let cr = crate::generate::rule_set::cluster_rules(l, c);
        let dir = overlay_dir(l, c);
        let pr = rules::prometheus_rule(&l.defs, &cr);
        files.insert(rules_file(l, c), format!("{head}{}", to_yaml(&pr)));
        let mut resources = vec![crate::generate::layout::RULES_FILE.to_string()];
        if let Some(slos) = rules::slo_prometheus_rule(&l.defs, &cr) {
            let rel = crate::generate::layout::SLO_RULES_FILE;
            files.insert(format!("{dir}/{rel}"), format!("{head}{}", to_yaml(&slos)));
            resources.push(rel.to_string());
        }
        for (rel, content) in crate::generate::dashboards::configmaps(&l.defs, c) {
            files.insert(format!("{dir}/{rel}"), format!("{head}{content}"));
            resources.push(rel);
        }
        let mut pairs = BTreeMap::new();
        pairs.insert(
            "app.kubernetes.io/part-of".to_string(),
            "luneo-obs".to_string(),
        );
        pairs.insert("luneo.io/cluster".to_string(), c.name.clone());
        let k = Kustomization {
            api_version: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            namespace: l.defs.spec.kubernetes.namespace.clone(),
            labels: vec![KLabels {
                pairs,
                include_selectors: false,
            }],
            resources,
        };
        files.insert(
            format!("{dir}/kustomization.yaml"),
            format!("{head}{}", to_yaml(&k)),
        );
        outs.push(ClusterOutput {
            overlay: dir,
            rules: cr,
        });
    }
    files.extend(crate::generate::gitops::files(l, &head));
    files.extend(crate::generate::alertmanager::files(l, &head));
    files.extend(crate::generate::prometheus::files(l, &head));
    let mut listing = String::from(
        "# Files written by `kubectl luneo-obs generate`; the tree is replaced as a whole.\n",
    );
    for k in files.keys() {
        listing.push_str(k);
        listing.push('\n');
    }
    files.insert(MARKER.to_string(), listing);
    (files, outs)
}
