//! Browser facade of the luneo-obs core (wasm-bindgen). Thin on purpose: every function
//! takes JSON text and returns JSON text, and every failure, a malformed request
//! included, comes back as diagnostics in the response, never as an exception.
//!
//! Built without the core's `promql` feature: the Grafana panel needs no PromQL parser,
//! so `validate`/`generate` here skip the PromQL checks (the kubectl plugin runs them).
//! The `preview` feature (default) adds validate/explain/generate for a rule preview;
//! the panel's module is built without it (health only: about 810 KB raw, 255 KB gzip).

use luneo_obs_core::diag::{Diagnostic, Pos};
use luneo_obs_core::health::{self, HealthRequest};
#[cfg(feature = "preview")]
use luneo_obs_core::ops::api;
use luneo_obs_core::ops::api::Source;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Name under which diagnostics refer to definitions passed as text (the panel option).
pub const PANEL_DEFINITIONS: &str = "panel definitions";

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!(r#"{{"ok":false,"diagnostics":[{{"code":"request/serialize","severity":"error","message":"{}","file":"response","line":1,"column":1}}]}}"#, e.to_string().replace('"', "'")))
}

/// A response for a request that could not be read.
fn bad_request(what: &str, e: &serde_json::Error) -> String {
    let d = Diagnostic::error(
        &luneo_obs_core::diag::registry::REQUEST_BAD_JSON,
        "request",
        Pos {
            line: e.line().max(1),
            column: e.column().max(1),
        },
        format!("the {what} request is not valid JSON of the expected shape: {e}"),
    )
    .with_hint("see the request types in luneo-obs-core (camelCase fields)");
    to_json(&serde_json::json!({ "ok": false, "diagnostics": [d] }))
}

/// Read a request, run `op`, answer JSON; an unreadable request is answered with a diagnostic.
fn call<Req: DeserializeOwned, Resp: Serialize>(
    what: &str,
    json: &str,
    op: impl Fn(&Req) -> Resp,
) -> String {
    match serde_json::from_str::<Req>(json) {
        Ok(r) => to_json(&op(&r)),
        Err(e) => bad_request(what, &e),
    }
}

/// Health of every SLO. `definitions_yaml`: the definitions text, or null/undefined for
/// the embedded Luneo definitions (overrides `definitions` in the request).
/// `request_json`: `{"cluster": "primary", "values": {"<refId or id>": number|string|null}}`.
#[wasm_bindgen(js_name = evaluateHealth)]
pub fn evaluate_health(definitions_yaml: Option<String>, request_json: &str) -> String {
    call("health", request_json, |r: &HealthRequest| {
        let mut req = r.clone();
        if let Some(text) = &definitions_yaml {
            req.definitions = Some(Source {
                name: PANEL_DEFINITIONS.into(),
                text: text.clone(),
            });
        }
        health::evaluate_health(&req)
    })
}

/// The SLOs (id, refId, PromQL target, threshold, unit) of a cluster, no values needed:
/// what a dashboard generator or the rule preview lists.
#[wasm_bindgen(js_name = sloTargets)]
pub fn slo_targets(definitions_yaml: Option<String>, cluster: Option<String>) -> String {
    let req = HealthRequest {
        definitions: definitions_yaml.map(|text| Source {
            name: PANEL_DEFINITIONS.into(),
            text,
        }),
        cluster,
        ..Default::default()
    };
    to_json(&health::evaluate_health(&req))
}

/// `ValidateRequest` -> `ValidateResponse` (without PromQL parsing in this build).
#[cfg(feature = "preview")]
#[wasm_bindgen]
pub fn validate(request_json: &str) -> String {
    call("validate", request_json, api::validate)
}

/// `ExplainRequest` -> `ExplainResponse`.
#[cfg(feature = "preview")]
#[wasm_bindgen]
pub fn explain(request_json: &str) -> String {
    call("explain", request_json, api::explain)
}

/// `GenerateRequest` -> `GenerateResponse`: every manifest, for the rule preview.
#[cfg(feature = "preview")]
#[wasm_bindgen]
pub fn generate(request_json: &str) -> String {
    call("generate", request_json, api::generate)
}

/// Version of the core in this module.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
