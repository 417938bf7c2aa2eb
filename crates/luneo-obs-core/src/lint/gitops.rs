//! Checks of `spec.gitops`: Argo CD can clone the repository and finds the overlays.

use super::Lint;
use crate::diag::registry as codes;
use crate::model::IN_CLUSTER;

pub fn repo_url(c: &mut Lint<'_>) {
    let Some(g) = &c.defs.spec.gitops else { return };
    let repo = &g.repo_url;
    if !(repo.starts_with("https://") || repo.starts_with("ssh://") || repo.starts_with("git@")) {
        c.err(
            &codes::DEFINITIONS_BAD_URL,
            "spec.gitops.repoUrl",
            format!("`{repo}` is not a Git URL Argo CD can clone"),
            "use https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git",
        );
    }
}

pub fn manifests_path(c: &mut Lint<'_>) {
    let Some(g) = &c.defs.spec.gitops else { return };
    let p = &g.manifests_path;
    if p.starts_with('/') || p.split('/').any(|seg| seg == "..") || p.contains('\\') {
        c.err(
            &codes::GITOPS_BAD_PATH,
            "spec.gitops.manifestsPath",
            format!("`{p}` is not a path inside the repository"),
            "write the manifests directory relative to the repository root, e.g. manifests",
        );
    }
}

/// Destinations name defined clusters and API servers Argo CD can reach.
pub fn destinations(c: &mut Lint<'_>) {
    let defs = c.defs;
    let Some(g) = &defs.spec.gitops else { return };
    let clusters = &defs.spec.clusters;
    for (k, v) in &g.destinations {
        let path = format!("spec.gitops.destinations.{k}");
        if !clusters.iter().any(|c| &c.name == k) {
            let known: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
            c.err(
                &codes::GITOPS_UNKNOWN_CLUSTER,
                &path,
                format!("destination for cluster `{k}`, which is not defined"),
                &format!("defined clusters: {}", known.join(", ")),
            );
        }
        if !v.starts_with("https://") {
            c.err(
                &codes::DEFINITIONS_BAD_URL,
                &path,
                format!("`{v}` is not an https API server URL"),
                &format!("use the cluster's API server URL as registered in Argo CD, or omit it for {IN_CLUSTER}"),
            );
        }
    }
}
