//! Helpers shared by the cross-component tests.
