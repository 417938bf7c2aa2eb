//! Helpers shared by the cross-component tests.

pub mod live;
pub mod overlays;
