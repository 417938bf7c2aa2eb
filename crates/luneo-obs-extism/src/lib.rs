//! The luneo-obs core as an Extism plugin. Thin on purpose: one exported function per
//! entry of [`luneo_obs_core::for_each_op!`] (generate, validate, explain,
//! evaluate_health, ...), each taking the operation's JSON request and returning its JSON
//! response. Every failure, a malformed request included, comes back as diagnostics in
//! the response: the functions never return an Extism error and never trap on input.
//!
//! The module imports nothing but Extism's kernel and WASI preview 1 (no host functions),
//! and the host grants it no files, environment or network: it only sees its input.

use extism_pdk::{plugin_fn, FnResult};

macro_rules! export_ops {
    ($($name:ident: $req:ty => $resp:ty = $f:path),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($req), "` JSON -> `", stringify!($resp), "` JSON.")]
            #[plugin_fn]
            pub fn $name(input: Vec<u8>) -> FnResult<String> {
                Ok(luneo_obs_core::ops::call(stringify!($name), &input))
            }
        )*
    };
}

luneo_obs_core::for_each_op!(export_ops);
