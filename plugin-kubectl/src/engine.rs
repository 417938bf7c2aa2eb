//! How the CLI runs the core. An [`Engine`] runs a core operation by name on a JSON
//! request; the hosted core's WebAssembly build ([`Extism`], what the CLI uses) and the
//! native core ([`Native`], the reference the tests compare it with) are the two engines.
//! The typed helpers (`engine.generate(&req)`, ...) are generated from the core's one
//! list of operations, [`luneo_obs_core::for_each_op!`], so an operation added there is
//! available here without further edits.

use std::cell::{OnceCell, RefCell};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Runs core operations (a name from `luneo_obs_core::ops::OPS`) on JSON requests.
pub trait Engine {
    /// Run operation `op` on a JSON request and return its JSON response. `Err` only
    /// when the engine itself failed: a bad request comes back as a response.
    fn call_json(&self, op: &str, request: &[u8]) -> Result<String, String>;
    /// How this engine names itself in errors ("the core's WebAssembly module").
    fn label(&self) -> &'static str;
    /// A short description of the implementation, for `version`.
    fn describe(&self) -> String;
}

impl dyn Engine + '_ {
    /// Encode the request, run `op`, decode its response.
    pub fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        op: &str,
        req: &Req,
    ) -> Result<Resp, String> {
        let input =
            serde_json::to_vec(req).map_err(|e| format!("cannot encode the {op} request: {e}"))?;
        let out = self.call_json(op, &input)?;
        serde_json::from_str(&out).map_err(|e| {
            format!(
                "{} answered `{op}` with an unexpected response: {e}",
                self.label()
            )
        })
    }
}

/// One typed method per core operation: `fn generate(&self, &GenerateRequest) ->
/// Result<GenerateResponse, String>`, and so on for every entry of the list.
macro_rules! typed_ops {
    ($($name:ident: $req:ty => $resp:ty = $f:path),* $(,)?) => {
        // Generated for every operation; the CLI calls only some of them.
        #[allow(dead_code)]
        impl dyn Engine + '_ {
            $(
                #[doc = concat!("`", stringify!($name), "`: `", stringify!($req), "` -> `", stringify!($resp), "`.")]
                pub fn $name(&self, req: &$req) -> Result<$resp, String> {
                    self.call(stringify!($name), req)
                }
            )*
        }
    };
}

luneo_obs_core::for_each_op!(typed_ops);

/// The core linked natively into the binary (tests compare the hosted module with it).
#[cfg_attr(not(test), allow(dead_code))]
pub struct Native;

impl Engine for Native {
    fn call_json(&self, op: &str, request: &[u8]) -> Result<String, String> {
        Ok(luneo_obs_core::ops::call(op, request))
    }
    fn label(&self) -> &'static str {
        "the native core"
    }
    fn describe(&self) -> String {
        format!("native luneo-obs-core {}", env!("CARGO_PKG_VERSION"))
    }
}

/// The core's Extism module (crates/luneo-obs-extism, wasm32-wasip1), found by build.rs.
pub static MODULE: &[u8] = include_bytes!(env!("LUNEO_OBS_CORE_WASM_PATH"));

/// Hex SHA-256 of [`MODULE`]: which core this binary runs (`kubectl luneo-obs version`).
pub fn module_sha256() -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(MODULE)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Linear memory the module may grow to, in 64 KiB pages (256 MiB): the Luneo
/// definitions need a few MiB; a hostile definitions file gets an error, not the host's RAM.
const MEMORY_MAX_PAGES: u32 = 4096;
/// Wall-clock limit of one call; the Luneo definitions take milliseconds.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The core's WebAssembly build run by the Extism host (wasmtime). The module gets no
/// host functions, no preopened directory, no environment and no network (the `extism`
/// crate is built without its HTTP feature): it only sees the request it is given.
///
/// Compiling the module takes about a second; wasmtime keeps the compiled code in its
/// disk cache (`$XDG_CACHE_HOME/wasmtime`, by default `~/.cache/wasmtime`), so later runs
/// load it in milliseconds. `EXTISM_CACHE_CONFIG=""` disables the cache; a path there
/// names a wasmtime cache configuration file. The plugin is created on first use, so
/// `version` and `--help` never compile it.
pub struct Extism {
    plugin: OnceCell<Result<RefCell<extism::Plugin>, String>>,
}

impl Default for Extism {
    fn default() -> Self {
        Self::new()
    }
}

impl Extism {
    pub fn new() -> Self {
        Extism {
            plugin: OnceCell::new(),
        }
    }

    /// The hosted core on an already compiled module (tests share one compilation).
    #[cfg(test)]
    pub fn from_compiled(compiled: &extism::CompiledPlugin) -> Self {
        let e = Self::new();
        let _ = e.plugin.set(
            extism::Plugin::new_from_compiled(compiled)
                .map(RefCell::new)
                .map_err(|e| e.to_string()),
        );
        e
    }

    /// Compile [`MODULE`], with wasmtime's disk cache or without.
    pub fn compile(cache: bool) -> Result<extism::CompiledPlugin, extism::Error> {
        let manifest = extism::Manifest::new([extism::Wasm::data(MODULE)])
            .with_memory_max(MEMORY_MAX_PAGES)
            .with_timeout(CALL_TIMEOUT);
        let builder = extism::PluginBuilder::new(manifest).with_wasi(true);
        let builder = if cache {
            builder
        } else {
            builder.with_cache_disabled()
        };
        builder.compile()
    }

    fn build(cache: bool) -> Result<extism::Plugin, extism::Error> {
        extism::Plugin::new_from_compiled(&Self::compile(cache)?)
    }

    fn plugin(&self) -> Result<&RefCell<extism::Plugin>, String> {
        self.plugin
            .get_or_init(|| {
                // An unusable cache (no HOME, read-only file system, bad cache config) must
                // not stop the plugin: compile without it then.
                Self::build(true).or_else(|first| Self::build(false).map_err(|e| format!("cannot load the core's WebAssembly module: {e} (with the compile cache: {first})"))).map(RefCell::new)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl Engine for Extism {
    fn call_json(&self, op: &str, request: &[u8]) -> Result<String, String> {
        let mut plugin = self.plugin()?.try_borrow_mut().map_err(|e| e.to_string())?;
        plugin
            .call::<&[u8], String>(op, request)
            .map_err(|e| format!("the core's WebAssembly module failed in `{op}`: {e}"))
    }
    fn label(&self) -> &'static str {
        "the core's WebAssembly module"
    }
    fn describe(&self) -> String {
        format!(
            "luneo-obs-core {} as an Extism module, {} bytes, sha256 {}",
            env!("CARGO_PKG_VERSION"),
            MODULE.len(),
            module_sha256()
        )
    }
}
