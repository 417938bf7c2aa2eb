//! luneo-obs core: the definitions model and everything derived from it.
//!
//! Pure: no file system, clock, network or environment (enforced by clippy.toml), so the
//! same code runs natively, in the Extism plugin (wasm32-wasip1) and in the browser
//! (wasm32-unknown-unknown), with byte-identical output.
//!
//! Data flows one way through the layers, each module using only those above it in
//! this list (a test, `tests/layers.rs`, fails on any cycle or upward import):
//! - [`diag`] — diagnostics;
//! - [`model`] — the typed definitions (durations, units, dashboard kinds);
//! - [`source`] — definitions in (positioned YAML, [`source::Source`], parsing);
//! - [`lint`] — definition checks, one small function each;
//! - [`load`] — [`load::Loaded`], the parsed and checked definitions ([`load::resolve`]);
//! - [`generate`] — rules, SLOs, Alertmanager, dashboards (typed Grafana model), GitOps, docs blocks, the tree;
//! - [`verify`] — checks of generated and on-disk artefacts (rules, overlays, drift);
//! - [`health`], [`dr`] — features reading the loaded definitions;
//! - [`ops`] — the operations hosts call, JSON in / JSON out ([`for_each_op!`]).

pub mod diag;
pub mod dr;
pub mod generate;
pub mod health;
pub mod lint;
pub mod load;
pub mod model;
pub mod ops;
pub mod source;
pub mod verify;

pub use diag::{Diagnostic, Pos, Severity};
pub use ops::api::*;
