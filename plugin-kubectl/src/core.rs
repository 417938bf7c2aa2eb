//! The core operations the CLI calls. Every call takes and returns plain data, so the
//! implementation can be the native core (today) or the core's WebAssembly build hosted
//! by Extism, without the CLI changing.

use luneo_obs_core as core;

pub trait Core {
    fn generate(&self, req: &core::GenerateRequest) -> Result<core::GenerateResponse, String>;
    fn validate(&self, req: &core::ValidateRequest) -> Result<core::ValidateResponse, String>;
    fn explain(&self, req: &core::ExplainRequest) -> Result<core::ExplainResponse, String>;
    /// Plan a DR action against one Alertmanager's silences (`dr start|status|end`).
    fn dr(&self, req: &core::DrRequest) -> Result<core::DrResponse, String>;
    /// A short description of the implementation, for `version`.
    fn describe(&self) -> String;
}

/// The core linked natively into the binary.
pub struct Native;

impl Core for Native {
    fn generate(&self, req: &core::GenerateRequest) -> Result<core::GenerateResponse, String> {
        Ok(core::generate(req))
    }
    fn validate(&self, req: &core::ValidateRequest) -> Result<core::ValidateResponse, String> {
        Ok(core::validate(req))
    }
    fn explain(&self, req: &core::ExplainRequest) -> Result<core::ExplainResponse, String> {
        Ok(core::explain(req))
    }
    fn dr(&self, req: &core::DrRequest) -> Result<core::DrResponse, String> {
        Ok(core::dr(req))
    }
    fn describe(&self) -> String {
        format!("native luneo-obs-core {}", env!("CARGO_PKG_VERSION"))
    }
}
