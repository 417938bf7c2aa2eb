//! The generated dashboards type-check against Grafana's own dashboard types
//! (`@grafana/schema`, pinned in tests/dashboard-schema/package.json): every dashboard of
//! both overlays, taken from the `kubectl kustomize` output, must satisfy
//! `Json<LuneoDashboard>` (tests/dashboard-schema/check.ts), with TypeScript's excess
//! property checks on. Needs `npm install` in tests/dashboard-schema (run by `make setup`);
//! without it the test fails and says so.

use std::fs;
use std::path::{Path, PathBuf};

use luneo_obs_tests::overlays::{build_overlays, generate, run, Scratch};

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboard-schema")
}

fn tsc() -> PathBuf {
    let t = schema_dir().join("node_modules/.bin/tsc");
    assert!(
        t.exists() && schema_dir().join("node_modules/@grafana/schema/package.json").exists(),
        "TypeScript and @grafana/schema are not installed in {}: run `make setup` (npm install --prefix tests/dashboard-schema --no-audit --no-fund)",
        schema_dir().display()
    );
    t
}

/// Copy check.ts and tsconfig.json into `dir`, link node_modules, write `dashboards`.
fn project(dir: &Path, dashboards: &[(String, serde_json::Value)]) {
    for f in ["check.ts", "tsconfig.json"] {
        fs::copy(schema_dir().join(f), dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    std::os::unix::fs::symlink(schema_dir().join("node_modules"), dir.join("node_modules"))
        .unwrap_or_else(|e| panic!("{e}"));
    let gen = dir.join("generated");
    fs::create_dir_all(&gen).unwrap_or_else(|e| panic!("{e}"));
    for (name, json) in dashboards {
        let pretty = serde_json::to_string_pretty(json).unwrap_or_else(|e| panic!("{e}"));
        let ts = format!(
            "import {{ asDashboard, type Json, type LuneoDashboard }} from '../check';\n\nexport const dashboard = {pretty} satisfies Json<LuneoDashboard>;\n\nasDashboard(dashboard);\n"
        );
        fs::write(gen.join(format!("{name}.ts")), ts).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn built_dashboards() -> Vec<(String, serde_json::Value)> {
    let dir = Scratch::new("schema-tree");
    let built = build_overlays(dir.path(), &generate(None));
    let mut out = Vec::new();
    for b in &built {
        for (_, d) in b.dashboards() {
            let uid = d["uid"].as_str().unwrap_or("?").to_string();
            out.push((format!("{}--{uid}", b.name), d));
        }
    }
    out
}

#[test]
fn generated_dashboards_type_check_against_grafana_schema() {
    let tsc = tsc();
    let dashboards = built_dashboards();
    assert_eq!(
        dashboards.len(),
        7,
        "3 primary + 4 secondary dashboards (the SLO dashboard on both)"
    );
    let dir = Scratch::new("schema");
    project(dir.path(), &dashboards);
    if let Err(e) = run(
        &tsc.display().to_string(),
        &["--noEmit", "-p", "tsconfig.json"],
        dir.path(),
    ) {
        panic!("the generated dashboards do not satisfy @grafana/schema:\n{e}");
    }
}

/// The check is not vacuous: a misspelt option, a wrong enum value and a missing required
/// field are each rejected by the same project.
#[test]
fn the_type_check_rejects_broken_dashboards() {
    let tsc = tsc();
    let (name, good) = built_dashboards()
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no dashboard"));
    let cases: [(&str, fn(&mut serde_json::Value)); 4] = [
        ("misspelt panel option", |d| {
            d["panels"][0]["options"]["colourMode"] = "value".into()
        }),
        ("unknown enum value", |d| {
            d["panels"][0]["options"]["graphMode"] = "sparkline".into()
        }),
        ("missing required field", |d| {
            if let Some(o) = d["panels"][0]["options"]["reduceOptions"].as_object_mut() {
                o.remove("calcs");
            }
        }),
        ("variable field unknown to the schema", |d| {
            d["templating"]["list"][1]["definition"] = "label_values(up, job)".into()
        }),
    ];
    for (what, break_it) in cases {
        let mut bad = good.clone();
        break_it(&mut bad);
        let dir = Scratch::new("schema-bad");
        project(dir.path(), &[(name.clone(), bad)]);
        let r = run(
            &tsc.display().to_string(),
            &["--noEmit", "-p", "tsconfig.json"],
            dir.path(),
        );
        assert!(r.is_err(), "{what}: tsc accepted the broken dashboard");
    }
}
