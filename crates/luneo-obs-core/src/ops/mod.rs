//! The core operations a host calls by name: JSON request in, JSON response out.
//!
//! [`for_each_op!`](crate::for_each_op) is the one list of operations. [`call`] dispatches
//! on it, and the Extism plugin (crates/luneo-obs-extism) exports one wasm function per
//! entry from the same macro, so an operation added here is exported without further
//! edits. Errors are data: a request that is not valid JSON of the expected shape, or an
//! unknown operation, comes back as a response with `ok: false` and a diagnostic.

pub mod api;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::diag::registry as codes;
use crate::diag::{Diagnostic, Pos};
use crate::generate::docs::DocsResponse;
use crate::health::HealthResponse;
use crate::ops::api::{ExplainResponse, GenerateResponse, ValidateResponse};

/// `schema` takes no argument; its request is an empty object.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SchemaRequest {}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct SchemaResponse {
    pub ok: bool,
    /// The JSON Schema of the definitions format, pretty-printed, ending with a newline.
    pub schema: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// [`crate::ops::api::schema`] as an operation.
pub fn schema(_: &SchemaRequest) -> SchemaResponse {
    #[cfg(feature = "schema")]
    {
        SchemaResponse {
            ok: true,
            schema: crate::ops::api::schema(),
            diagnostics: Vec::new(),
        }
    }
    #[cfg(not(feature = "schema"))]
    {
        SchemaResponse::failed(vec![Diagnostic::error(
            &codes::REQUEST_UNSUPPORTED,
            "request",
            Pos { line: 1, column: 1 },
            "this build of the core has no JSON Schema",
        )
        .with_hint("build luneo-obs-core with the `schema` feature")])
    }
}

/// Calls `$m! { name: Request => Response = function, ... }` with every core operation.
/// Add an operation here (and a [`Failed`] impl for its response) and every host gets it.
#[macro_export]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            generate: $crate::ops::api::GenerateRequest => $crate::ops::api::GenerateResponse = $crate::ops::api::generate,
            validate: $crate::ops::api::ValidateRequest => $crate::ops::api::ValidateResponse = $crate::ops::api::validate,
            explain: $crate::ops::api::ExplainRequest => $crate::ops::api::ExplainResponse = $crate::ops::api::explain,
            evaluate_health: $crate::health::HealthRequest => $crate::health::HealthResponse = $crate::health::evaluate_health,
            dr: $crate::dr::DrRequest => $crate::dr::DrResponse = $crate::ops::api::dr,
            docs: $crate::generate::docs::DocsRequest => $crate::generate::docs::DocsResponse = $crate::generate::docs::refresh,
            schema: $crate::ops::SchemaRequest => $crate::ops::SchemaResponse = $crate::ops::schema,
        }
    };
}

/// The response of an operation whose request could not even be read.
pub trait Failed {
    fn failed(diagnostics: Vec<Diagnostic>) -> Self;
}

/// Responses whose other fields mean "nothing" when empty.
macro_rules! failed_by_default {
    ($($t:ty),*) => {
        $(impl Failed for $t {
            fn failed(diagnostics: Vec<Diagnostic>) -> Self {
                Self { ok: false, diagnostics, ..Default::default() }
            }
        })*
    };
}

failed_by_default!(
    GenerateResponse,
    ExplainResponse,
    crate::dr::DrResponse,
    HealthResponse,
    DocsResponse,
    SchemaResponse
);

impl Failed for ValidateResponse {
    fn failed(diagnostics: Vec<Diagnostic>) -> Self {
        ValidateResponse {
            ok: false,
            ..ValidateResponse::of(diagnostics)
        }
    }
}

/// Serialises a response. Serialising these plain types cannot fail in practice; if it
/// ever did, the host still gets a JSON object with `ok: false`.
pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| {
        failure(Diagnostic::error(
            &codes::REQUEST_SERIALIZE,
            "response",
            Pos { line: 1, column: 1 },
            format!("cannot serialise the response: {e}"),
        ))
    })
}

/// `{"ok":false,"diagnostics":[d]}`, for a failure with no response type of its own.
/// A struct rather than `json!`: `serde_json::Value` stays out of facades that do not
/// otherwise need it (the Grafana panel's module).
fn failure(d: Diagnostic) -> String {
    #[derive(Serialize)]
    struct Failure {
        ok: bool,
        diagnostics: [Diagnostic; 1],
    }
    serde_json::to_string(&Failure {
        ok: false,
        diagnostics: [d],
    })
    .unwrap_or_else(|_| r#"{"ok":false,"diagnostics":[]}"#.to_string())
}

/// The diagnostic for a request that is not valid JSON of the expected shape (shared by
/// every facade: Extism here, wasm-bindgen in crates/luneo-obs-wasm).
pub fn bad_request(op: &str, e: &serde_json::Error) -> Diagnostic {
    Diagnostic::error(
        &codes::REQUEST_BAD_JSON,
        "request",
        Pos {
            line: e.line().max(1),
            column: e.column().max(1),
        },
        format!("the {op} request is not valid JSON of the expected shape: {e}"),
    )
    .with_hint("see the request types of for_each_op! in luneo-obs-core (src/ops/mod.rs)")
}

/// Deserialise the request, run `f` on it, serialise the response; a request that cannot
/// be read is answered with `Resp`'s [`Failed`] response. [`call`] runs every operation
/// through it; a facade that exports one operation alone (the Grafana panel's health-only
/// module, crates/luneo-obs-wasm) calls it directly so the other operations are not
/// linked in, and may adjust the request first (definitions given beside it).
pub fn run<Req: DeserializeOwned, Resp: Serialize + Failed>(
    op: &str,
    input: &[u8],
    f: impl FnOnce(Req) -> Resp,
) -> String {
    match serde_json::from_slice::<Req>(input) {
        Ok(req) => to_json(&f(req)),
        Err(e) => to_json(&Resp::failed(vec![bad_request(op, &e)])),
    }
}

macro_rules! define_call {
    ($($name:ident: $req:ty => $resp:ty = $f:path),* $(,)?) => {
        /// Names of every operation, in the order of [`for_each_op!`](crate::for_each_op).
        pub const OPS: &[&str] = &[$(stringify!($name)),*];

        /// Run operation `op` on a JSON request; always returns a JSON response.
        pub fn call(op: &str, input: &[u8]) -> String {
            match op {
                $(stringify!($name) => run::<$req, $resp>(op, input, |req| $f(&req)),)*
                _ => {
                    let d = Diagnostic::error(&codes::REQUEST_UNKNOWN_OP, "request", Pos { line: 1, column: 1 }, format!("unknown operation `{op}`"))
                        .with_hint(format!("operations: {}", OPS.join(", ")));
                    failure(d)
                }
            }
        }
    };
}

crate::for_each_op!(define_call);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn every_op_answers_bad_json_with_its_own_response_shape() {
        for op in OPS {
            let out: serde_json::Value = serde_json::from_str(&call(op, b"{not json")).unwrap();
            assert_eq!(out["ok"], false, "{op}");
            assert_eq!(out["diagnostics"][0]["code"], "request/bad-json", "{op}");
            assert_eq!(out["diagnostics"][0]["column"], 2, "{op}");
        }
        let g: GenerateResponse =
            serde_json::from_str(&call("generate", b"{\"definitions\": []}")).unwrap();
        assert!(!g.ok && g.files.is_empty());
        let v: ValidateResponse =
            serde_json::from_str(&call("validate", b"{\"definitions\": 3}")).unwrap();
        assert_eq!((v.ok, v.errors), (false, 1));
        let h: HealthResponse =
            serde_json::from_str(&call("evaluate_health", b"{\"nope\": 1}")).unwrap();
        assert!(!h.ok && h.diagnostics[0].message.contains("nope"));
    }

    #[test]
    fn unknown_op_is_data() {
        let out: serde_json::Value = serde_json::from_str(&call("frobnicate", b"{}")).unwrap();
        assert_eq!(out["diagnostics"][0]["code"], "request/unknown-op");
        assert!(out["diagnostics"][0]["hint"]
            .as_str()
            .unwrap()
            .ends_with(&OPS.join(", ")));
        assert!(OPS.starts_with(&["generate", "validate", "explain", "evaluate_health"]));
    }

    #[test]
    fn call_equals_the_direct_function() {
        let req = crate::ops::api::GenerateRequest::default();
        let direct = crate::ops::api::generate(&req);
        let via: GenerateResponse = serde_json::from_str(&call("generate", b"{}")).unwrap();
        assert!(direct.ok);
        assert_eq!(via.files, direct.files);
        assert_eq!(via.diagnostics, direct.diagnostics);
    }
}
