//! The binary runs its core in the embedded Extism module: `version` names that module by
//! its SHA-256, and wasmtime's compile cache behaves as documented (used by default under
//! $XDG_CACHE_HOME, off with EXTISM_CACHE_CONFIG="", never fatal when unusable), with the
//! same output cold and warm.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("luneo-obs-extism-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// Run the plugin with a given cache home, from the repository root.
fn run(args: &[&str], cache_home: &Path, extism_cache: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-luneo_obs"));
    c.args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("XDG_CACHE_HOME", cache_home)
        .env_remove("EXTISM_CACHE_CONFIG");
    if let Some(v) = extism_cache {
        c.env("EXTISM_CACHE_CONFIG", v);
    }
    c.output().unwrap()
}

fn files_under(d: &Path) -> usize {
    fs::read_dir(d)
        .map(|r| {
            r.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        files_under(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn version_reports_the_sha256_of_the_embedded_module() {
    let module = fs::read(env!("LUNEO_OBS_CORE_WASM_PATH")).unwrap();
    let want: String = Sha256::digest(&module)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let home = tmpdir("version");
    let out = run(&["version"], &home, None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(&format!("sha256 {want}")), "{stdout}");
    assert!(
        stdout.contains(&format!("{} bytes", module.len())),
        "{stdout}"
    );
    // `version` does not compile the module.
    assert_eq!(files_under(&home), 0);
    let _ = fs::remove_dir_all(&home);
}

#[test]
fn the_compile_cache_is_used_by_default_and_the_output_is_the_same_cold_and_warm() {
    let home = tmpdir("cache");
    let args = ["validate", "--definitions-only", "-o", "json"];
    let cold = run(&args, &home, None);
    assert!(
        cold.status.success(),
        "{}",
        String::from_utf8_lossy(&cold.stderr)
    );
    let cached = files_under(&home.join("wasmtime"));
    assert!(
        cached > 0,
        "wasmtime wrote no cache under $XDG_CACHE_HOME/wasmtime"
    );
    let warm = run(&args, &home, None);
    assert_eq!(warm.stdout, cold.stdout);
    let v: serde_json::Value = serde_json::from_slice(&warm.stdout).unwrap();
    assert_eq!(v["ok"], true);
    let _ = fs::remove_dir_all(&home);
}

#[test]
fn the_cache_can_be_disabled_and_an_unusable_cache_is_not_fatal() {
    let home = tmpdir("nocache");
    let args = ["explain", "ApiLatencyHigh", "-o", "json"];
    let off = run(&args, &home, Some(""));
    assert!(
        off.status.success(),
        "{}",
        String::from_utf8_lossy(&off.stderr)
    );
    assert_eq!(
        files_under(&home),
        0,
        "EXTISM_CACHE_CONFIG=\"\" still wrote a cache"
    );
    // XDG_CACHE_HOME is a file: the cache cannot be created; the plugin still answers.
    let file = home.join("not-a-dir");
    fs::write(&file, "x").unwrap();
    let broken = run(&args, &file, None);
    assert!(
        broken.status.success(),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
    assert_eq!(broken.stdout, off.stdout);
    // A cache configuration that does not exist: compiled without the cache.
    let missing = run(
        &args,
        &home,
        Some(home.join("missing.toml").to_str().unwrap()),
    );
    assert!(
        missing.status.success(),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    assert_eq!(missing.stdout, off.stdout);
    let _ = fs::remove_dir_all(&home);
}
