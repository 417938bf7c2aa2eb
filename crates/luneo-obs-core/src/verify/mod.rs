//! Checks of generated or on-disk artefacts: rule groups (PromQL semantics), the
//! overlays and dashboards as found on disk, and the drift of a manifests tree.

pub mod overlays;
pub mod panels;
#[cfg(feature = "promql")]
pub mod rules;
pub mod tree;
