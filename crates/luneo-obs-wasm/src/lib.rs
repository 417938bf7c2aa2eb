//! Browser facade of the luneo-obs core (wasm-bindgen). Thin on purpose: every function
//! takes JSON text and returns JSON text, and every failure, a malformed request
//! included, comes back as diagnostics in the response, never as an exception.
//!
//! The operations come from the core's one list, [`luneo_obs_core::for_each_op!`]: each
//! is exported under its core name (`generate`, `validate`, `explain`,
//! `evaluate_health`, `dr`, `docs`, `schema`, as in the Extism module), takes the
//! operation's JSON request and answers its JSON response through the core's
//! [`ops::run`], which also answers unreadable requests. In Rust each lives in a module
//! of the same name (`luneo_obs_wasm::validate::call`). `evaluateHealth` and
//! `sloTargets` are the panel's conveniences on top of `evaluate_health`: they put the
//! definitions text (and the cluster) into the request, then go through the same path.
//!
//! Built without the core's `promql` feature: the Grafana panel needs no PromQL parser,
//! so `validate`/`generate` here skip the PromQL checks (the kubectl plugin runs them).
//! The `preview` feature (default) adds every other operation (validate, explain,
//! generate for a rule preview, ...); the panel's module is built without it, with
//! `evaluate_health` alone (about 1,030 KB raw, 320 KB gzip since the SLO budgets; `make
//! panel-wasm` prints the figures), so that only the health code
//! of the core is linked in.

use luneo_obs_core::health::HealthRequest;
use luneo_obs_core::ops;
use luneo_obs_core::source::Source;
use wasm_bindgen::prelude::*;

/// Name under which diagnostics refer to definitions passed as text (the panel option).
pub const PANEL_DEFINITIONS: &str = "panel definitions";

/// The operations in every build of this module (what the Grafana panel needs); every
/// other one of the core's list is exported only with the `preview` feature.
macro_rules! in_this_build {
    (evaluate_health $item:item) => {
        $item
    };
    ($op:ident $item:item) => {
        #[cfg(feature = "preview")]
        $item
    };
}

/// One module per operation of the core's list, with its wasm-bindgen export.
macro_rules! export_ops {
    ($($name:ident: $req:ty => $resp:ty = $f:path),* $(,)?) => {
        $(
            in_this_build! { $name
                #[doc = concat!("The core's `", stringify!($name), "` operation: `", stringify!($req), "` JSON -> `", stringify!($resp), "` JSON.")]
                pub mod $name {
                    use super::*;

                    /// The operation's request type.
                    pub type Request = $req;

                    #[doc = concat!("Exported to JavaScript as `", stringify!($name), "(requestJson)`.")]
                    #[wasm_bindgen(js_name = $name)]
                    pub fn call(request_json: &str) -> String {
                        call_with(request_json, &mut |_| {})
                    }

                    /// Like [`call`], with `edit` applied to the request once it is read.
                    /// (`dyn`: one copy of the request reader whatever the edit.)
                    pub fn call_with(request_json: &str, edit: &mut dyn FnMut(&mut Request)) -> String {
                        ops::run(stringify!($name), request_json.as_bytes(), |mut req: Request| {
                            edit(&mut req);
                            $f(&req)
                        })
                    }
                }
            }
        )*
    };
}

luneo_obs_core::for_each_op!(export_ops);

fn panel_source(text: String) -> Source {
    Source {
        name: PANEL_DEFINITIONS.into(),
        text,
    }
}

/// Health of every SLO. `definitions_yaml`: the definitions text, or null/undefined for
/// the embedded Luneo definitions (overrides `definitions` in the request).
/// `request_json`: `{"cluster": "primary", "values": {"<refId or id>": number|string|null}}`.
#[wasm_bindgen(js_name = evaluateHealth)]
pub fn evaluate_health(definitions_yaml: Option<String>, request_json: &str) -> String {
    let mut text = definitions_yaml;
    evaluate_health::call_with(request_json, &mut |req: &mut HealthRequest| {
        if let Some(text) = text.take() {
            req.definitions = Some(panel_source(text));
        }
    })
}

/// The SLOs (id, refId, PromQL target, threshold, unit) of a cluster, no values needed:
/// what a dashboard generator or the rule preview lists.
#[wasm_bindgen(js_name = sloTargets)]
pub fn slo_targets(definitions_yaml: Option<String>, cluster: Option<String>) -> String {
    let (mut text, mut cluster) = (definitions_yaml, cluster);
    evaluate_health::call_with("{}", &mut |req: &mut HealthRequest| {
        req.definitions = text.take().map(panel_source);
        req.cluster = cluster.take();
    })
}

/// Version of the core in this module.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
