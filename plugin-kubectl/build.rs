//! Finds the core's Extism module (crates/luneo-obs-extism built for wasm32-wasip1) that
//! the binary embeds, and refuses to embed a missing or stale one.
//!
//! The module is built by a separate cargo command first (`make build` does it): a build
//! script must not run cargo itself on the same target directory (it would wait forever
//! on the lock the outer cargo holds).
//!
//! Where: `$LUNEO_OBS_CORE_WASM` when set, otherwise
//! `<target dir>/wasm32-wasip1/wasm-release/luneo_obs_extism.wasm` (profile `wasm-release`), the target dir being found
//! from OUT_DIR (so CARGO_TARGET_DIR is honoured).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

const BUILD_CMD: &str =
    "cargo build -p luneo-obs-extism --target wasm32-wasip1 --profile wasm-release";
const MODULE: &str = "wasm32-wasip1/wasm-release/luneo_obs_extism.wasm";

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1);
}

/// The newest modification time of the files under `p`.
fn newest(p: &Path) -> Option<(SystemTime, PathBuf)> {
    let meta = std::fs::metadata(p).ok()?;
    if meta.is_file() {
        return meta.modified().ok().map(|t| (t, p.to_path_buf()));
    }
    std::fs::read_dir(p)
        .ok()?
        .flatten()
        .filter_map(|e| newest(&e.path()))
        .max_by_key(|(t, _)| *t)
}

fn main() {
    println!("cargo:rerun-if-env-changed=LUNEO_OBS_CORE_WASM");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let explicit = std::env::var_os("LUNEO_OBS_CORE_WASM").filter(|v| !v.is_empty());
    let module = match &explicit {
        Some(p) => PathBuf::from(p),
        None => {
            // OUT_DIR = <target>/[<triple>/]<profile>/build/<pkg>-<hash>/out
            let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
            match out.ancestors().map(|a| a.join(MODULE)).find(|m| m.is_file()) {
                Some(m) => m,
                None => fail(&format!(
                    "the core's Extism module ({MODULE} under the target directory) is missing.\n\
                     Build it first with:\n    {BUILD_CMD}\n\
                     (`make build` does both), or point LUNEO_OBS_CORE_WASM at a built luneo_obs_extism.wasm."
                )),
            }
        }
    };
    let Ok(meta) = std::fs::metadata(&module) else {
        fail(&format!(
            "LUNEO_OBS_CORE_WASM={} does not exist; build it with:\n    {BUILD_CMD}",
            module.display()
        ))
    };
    println!("cargo:rerun-if-changed={}", module.display());

    // A module older than the sources it is built from would make the plugin run an old
    // core while the native tests pass: refuse it. (A module given explicitly through
    // LUNEO_OBS_CORE_WASM, e.g. a CI artefact, is taken as is.)
    let sources = [
        "crates/luneo-obs-core/src",
        "crates/luneo-obs-core/Cargo.toml",
        "crates/luneo-obs-extism/src",
        "crates/luneo-obs-extism/Cargo.toml",
        "definitions/luneo.yaml",
    ];
    let built = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    for s in sources {
        let p = root.join(s);
        println!("cargo:rerun-if-changed={}", p.display());
        if let Some((t, f)) = newest(&p).filter(|_| explicit.is_none()) {
            if t > built {
                fail(&format!(
                    "the core's Extism module {} is older than {}: rebuild it with\n    {BUILD_CMD}\n(`make build` does it)",
                    module.display(),
                    f.display()
                ));
            }
        }
    }
    println!(
        "cargo:rustc-env=LUNEO_OBS_CORE_WASM_PATH={}",
        module.display()
    );
}
