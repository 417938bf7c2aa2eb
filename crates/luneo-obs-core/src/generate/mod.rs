//! Generators: everything derived from [`crate::load::Loaded`] definitions. Pure
//! functions from the model to files (paths and bytes) or typed artefacts.
//!
//! Order of dependence, lowest first: `layout` (paths, header, YAML) and `grafana` (the
//! dashboard model), `rules` (recording
//! rules and alerts), `budgets` (the SLOs' error-budget rules), `rule_set` (every rule group
//! of a cluster), `slos` (the SLOs and the health panel's queries), `alertmanager`,
//! `dashboards`, `gitops`, `prometheus`, then `manifests` (the whole tree) and `docs` (generated blocks
//! of the operators' pages).

pub mod alertmanager;
pub mod budgets;
pub mod dashboards;
pub mod docs;
pub mod expr;
pub mod gitops;
pub mod grafana;
pub mod layout;
pub mod manifests;
pub mod prometheus;
pub mod rule_set;
pub mod rules;
pub mod slo_docs;
pub mod slos;
