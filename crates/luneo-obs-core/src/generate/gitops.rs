//! GitOps delivery: one Argo CD `Application` per cluster, pointing at the cluster's
//! overlay in the generated manifests tree (`spec.gitops` in the definitions).
//!
//! Each cluster's Argo CD gets its own Application (`kubectl apply -n argocd -f
//! manifests/infrastructure/argocd/<overlay>.yaml` once); from then on every merged pull
//! request is synced automatically. The sync options are listed in [`SYNC_OPTIONS`] with
//! the reason for each, and the same list documents them in docs/observability.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::generate::layout;
use crate::generate::layout::application_path;
use crate::generate::rules::ObjectMeta;
use crate::load::Loaded;
use crate::model::{Cluster, Gitops};

/// Argo CD's address for the cluster it runs in.
pub use crate::model::IN_CLUSTER;

pub struct SyncOption {
    pub option: &'static str,
    pub why_en: &'static str,
    pub why_fr: &'static str,
}

/// The sync options of every Application, with the reason for each.
pub const SYNC_OPTIONS: &[SyncOption] = &[
    SyncOption {
        option: "ServerSideApply=true",
        why_en: "server-side apply stores no last-applied-configuration annotation, so large dashboard ConfigMaps never hit its 262144-byte limit",
        why_fr: "l'application côté serveur n'écrit pas l'annotation `last-applied-configuration` : les gros ConfigMaps de tableaux de bord ne butent jamais sur sa limite de 262 144 octets",
    },
    SyncOption {
        option: "ApplyOutOfSyncOnly=true",
        why_en: "only objects that differ from Git are applied, so a sync touches what the pull request changed",
        why_fr: "seuls les objets qui diffèrent de Git sont appliqués : une synchronisation ne touche que ce que la pull request a changé",
    },
    SyncOption {
        option: "PruneLast=true",
        why_en: "objects removed from the overlay are deleted only after every other object is synced, so a renamed rule never leaves a gap without alerts",
        why_fr: "les objets retirés de l'overlay ne sont supprimés qu'après la synchronisation de tous les autres : une règle renommée ne laisse jamais de trou sans alerte",
    },
    SyncOption {
        option: "FailOnSharedResource=true",
        why_en: "the sync fails instead of taking over an object another Application already manages",
        why_fr: "la synchronisation échoue plutôt que de s'approprier un objet déjà géré par une autre Application",
    },
    SyncOption {
        option: "CreateNamespace=false",
        why_en: "the monitoring namespace belongs to kube-prometheus-stack; a typo in the namespace must fail, not create an empty namespace",
        why_fr: "le namespace de supervision appartient à kube-prometheus-stack : une faute dans son nom doit échouer, pas créer un namespace vide",
    },
];

/// Automated sync settings.
pub struct Automated {
    pub prune: bool,
    pub self_heal: bool,
    /// false: refuse to sync an overlay that renders no object (never delete every alert).
    pub allow_empty: bool,
}

pub const AUTOMATED: Automated = Automated {
    prune: true,
    self_heal: true,
    allow_empty: false,
};
pub const RETRY_LIMIT: u32 = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ApplicationSpec,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSpec {
    pub project: String,
    pub source: AppSource,
    pub destination: AppDestination,
    pub sync_policy: SyncPolicy,
    pub revision_history_limit: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSource {
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    pub target_revision: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppDestination {
    pub server: String,
    pub namespace: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPolicy {
    pub automated: AutomatedSpec,
    pub sync_options: Vec<String>,
    pub retry: Retry,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomatedSpec {
    pub prune: bool,
    pub self_heal: bool,
    pub allow_empty: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Retry {
    pub limit: u32,
    pub backoff: Backoff,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backoff {
    pub duration: String,
    pub factor: u32,
    pub max_duration: String,
}

/// `infrastructure/argocd/observability-primary.yaml`, relative to the manifests tree.
pub fn application(l: &Loaded, g: &Gitops, c: &Cluster) -> Application {
    let mut labels = BTreeMap::new();
    labels.insert(
        "app.kubernetes.io/part-of".to_string(),
        "luneo-obs".to_string(),
    );
    labels.insert(
        "app.kubernetes.io/managed-by".to_string(),
        "luneo-obs".to_string(),
    );
    labels.insert("luneo.io/cluster".to_string(), c.name.clone());
    let base = g.manifests_path.trim_matches('/');
    let path = if base.is_empty() || base == "." {
        layout::overlay_dir(l, c)
    } else {
        format!("{base}/{}", layout::overlay_dir(l, c))
    };
    Application {
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "Application".into(),
        metadata: ObjectMeta {
            name: format!("{}-obs-{}", l.defs.metadata.name, c.name),
            namespace: Some(g.argocd_namespace.clone()),
            labels,
            annotations: BTreeMap::new(),
        },
        spec: ApplicationSpec {
            project: g.project.clone(),
            source: AppSource {
                repo_url: g.repo_url.clone(),
                target_revision: g.target_revision.clone(),
                path,
            },
            destination: AppDestination {
                server: g
                    .destinations
                    .get(&c.name)
                    .cloned()
                    .unwrap_or_else(|| IN_CLUSTER.to_string()),
                namespace: l.defs.spec.kubernetes.namespace.clone(),
            },
            sync_policy: SyncPolicy {
                automated: AutomatedSpec {
                    prune: AUTOMATED.prune,
                    self_heal: AUTOMATED.self_heal,
                    allow_empty: AUTOMATED.allow_empty,
                },
                sync_options: SYNC_OPTIONS.iter().map(|o| o.option.to_string()).collect(),
                retry: Retry {
                    limit: RETRY_LIMIT,
                    backoff: Backoff {
                        duration: "10s".into(),
                        factor: 2,
                        max_duration: "3m".into(),
                    },
                },
            },
            revision_history_limit: 10,
        },
    }
}

fn comments(c: &Cluster, app: &Application) -> String {
    let mut s = format!(
        "#\n# Argo CD Application of cluster `{}`. Apply it once in that cluster's Argo CD:\n#   kubectl apply -n {} -f <this file>\n# Argo CD then syncs {} on every commit to {}.\n# No finalizer: deleting this Application leaves the alerts and dashboards in place.\n# Sync options:\n",
        c.name, app.metadata.namespace.as_deref().unwrap_or_default(), app.spec.source.path, app.spec.source.target_revision
    );
    for o in SYNC_OPTIONS {
        s.push_str(&format!("#   {}: {}.\n", o.option, o.why_en));
    }
    s.push_str("#   automated.allowEmpty=false: never sync an overlay that renders no object (a broken generate must not delete every alert).\n");
    s
}

/// The Application files, to add to the manifests tree (`head` is the generated-file header).
pub fn files(l: &Loaded, head: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(g) = &l.defs.spec.gitops else {
        return out;
    };
    for c in &l.defs.spec.clusters {
        let app = application(l, g, c);
        out.insert(
            application_path(l, c),
            format!("{head}{}{}", comments(c, &app), layout::to_yaml(&app)),
        );
    }
    out
}
