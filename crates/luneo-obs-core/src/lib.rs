//! luneo-obs core: the definitions model and everything derived from it.
//!
//! Pure: no file system, clock, network or environment (enforced by clippy.toml), so the
//! same code runs natively, in the Extism plugin (wasm32-wasip1) and in the browser
//! (wasm32-unknown-unknown), with byte-identical output. Inputs and outputs of the
//! public operations are plain serialisable data (see [`api`]).

pub mod alertmanager;
pub mod api;
#[cfg(feature = "promql")]
pub mod checks;
pub mod dashboards;
pub mod diag;
pub mod docs;
pub mod dr;
pub mod duration;
pub mod gitops;
pub mod health;
pub mod load;
pub mod manifests;
pub mod model;
pub mod ops;
pub mod overlays;
pub mod rules;
pub mod yaml;

pub use api::*;
pub use diag::{Diagnostic, Pos, Severity};
