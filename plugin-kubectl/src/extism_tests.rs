//! The core hosted by Extism (the embedded wasm32-wasip1 module) answers exactly like the
//! native core: for the Luneo definitions and every definitions case of
//! crates/luneo-obs-core/tests/cases (base.yaml, ok/, bad/), the JSON
//! response the module writes is byte-identical to the native response serialised by the
//! same serde code, for every operation. Bad requests come back as data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use luneo_obs_core as obs;
use serde::Serialize;

use crate::engine::{Engine, Extism, Native};

/// One compilation of the module for every test of this process.
fn hosted() -> Extism {
    static COMPILED: OnceLock<extism::CompiledPlugin> = OnceLock::new();
    Extism::from_compiled(
        COMPILED.get_or_init(|| Extism::compile(true).expect("the embedded module compiles")),
    )
}

/// The Luneo definitions (`None`: embedded) and every corpus file, by name.
fn sources() -> Vec<(String, Option<obs::Source>)> {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/luneo-obs-core/tests/cases");
    let mut out = vec![("embedded Luneo definitions".to_string(), None)];
    let luneo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../definitions/luneo.yaml");
    out.push((
        "definitions/luneo.yaml".into(),
        Some(obs::Source {
            name: "definitions/luneo.yaml".into(),
            text: std::fs::read_to_string(luneo).unwrap(),
        }),
    ));
    let mut files = vec![root.join("base.yaml")];
    for dir in ["ok", "bad"] {
        let mut v: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        v.sort();
        assert!(
            !v.is_empty(),
            "no case file in crates/luneo-obs-core/tests/cases/{dir}"
        );
        files.extend(v);
    }
    for f in files {
        let name = format!(
            "crates/luneo-obs-core/tests/cases/{}",
            f.strip_prefix(&root).unwrap().display()
        );
        out.push((
            name.clone(),
            Some(obs::Source {
                name,
                text: std::fs::read_to_string(&f).unwrap(),
            }),
        ));
    }
    out
}

/// Run `op` in the module and natively; the two JSON texts must be equal byte for byte.
fn same<Req: Serialize, Resp: Serialize>(
    h: &Extism,
    op: &str,
    req: &Req,
    native: fn(&Req) -> Resp,
    what: &str,
) -> serde_json::Value {
    let hosted = h
        .call_json(op, &serde_json::to_vec(req).unwrap())
        .unwrap_or_else(|e| panic!("{what}: {op}: {e}"));
    let native = serde_json::to_string(&native(req)).unwrap();
    if hosted != native {
        let at = hosted
            .bytes()
            .zip(native.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(hosted.len().min(native.len()));
        let ctx = |s: &str| {
            s.get(at.saturating_sub(80)..(at + 80).min(s.len()))
                .unwrap_or("")
                .to_string()
        };
        panic!("{what}: {op}: the hosted module differs from the native core at byte {at}\n  hosted: …{}…\n  native: …{}…", ctx(&hosted), ctx(&native));
    }
    serde_json::from_str(&hosted).unwrap()
}

#[test]
fn hosted_module_equals_native_core_for_luneo_and_every_corpus_file() {
    let h = hosted();
    let mut generated = 0;
    for (what, defs) in sources() {
        let what = what.as_str();
        let g = same(
            &h,
            "generate",
            &obs::GenerateRequest {
                definitions: defs.clone(),
                time_scale: None,
            },
            obs::generate,
            what,
        );
        let files: BTreeMap<String, String> = serde_json::from_value(g["files"].clone()).unwrap();
        if what.contains("/bad/") {
            assert_eq!(g["ok"], false, "{what}: a bad definitions file must fail");
            assert!(
                !g["diagnostics"].as_array().unwrap().is_empty(),
                "{what}: no diagnostic"
            );
        } else {
            assert_eq!(g["ok"], true, "{what}: {}", g["diagnostics"]);
            assert!(files.len() > 5, "{what}: only {} files", files.len());
            generated += 1;
        }
        same(
            &h,
            "generate",
            &obs::GenerateRequest {
                definitions: defs.clone(),
                time_scale: Some(60),
            },
            obs::generate,
            what,
        );
        same(
            &h,
            "validate",
            &obs::ValidateRequest {
                definitions: defs.clone(),
                manifests: None,
            },
            obs::validate,
            what,
        );
        if !files.is_empty() {
            // The tree as generated (in sync), then with a drifted rules file and an extra file.
            let tree = obs::ManifestTree {
                root: "manifests".into(),
                files: files.clone(),
            };
            let v = same(
                &h,
                "validate",
                &obs::ValidateRequest {
                    definitions: defs.clone(),
                    manifests: Some(tree.clone()),
                },
                obs::validate,
                what,
            );
            assert_eq!(v["ok"], true, "{what}: {}", v["diagnostics"]);
            let mut drifted = tree;
            if let Some((_, text)) = drifted
                .files
                .iter_mut()
                .find(|(p, _)| p.ends_with("prometheus-rules.yaml"))
            {
                *text = text
                    .replacen("for: ", "for: 1", 1)
                    .replacen("expr: ", "expr: rate(", 1);
            }
            drifted.files.insert(
                "infrastructure/kubernetes/overlays/stray.yaml".into(),
                "kind: Stray\n".into(),
            );
            let v = same(
                &h,
                "validate",
                &obs::ValidateRequest {
                    definitions: defs.clone(),
                    manifests: Some(drifted),
                },
                obs::validate,
                what,
            );
            assert_eq!(v["ok"], false, "{what}: drift not reported");
        }
        let all = same(
            &h,
            "explain",
            &obs::ExplainRequest {
                definitions: defs.clone(),
                alert: String::new(),
            },
            obs::explain,
            what,
        );
        let names: Vec<String> = all["all"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        for alert in names.iter().cloned().chain(["NoSuchAlert".to_string()]) {
            same(
                &h,
                "explain",
                &obs::ExplainRequest {
                    definitions: defs.clone(),
                    alert,
                },
                obs::explain,
                what,
            );
        }
        // Health: no data, then a value per SLO (below, on and above the threshold, NaN, +Inf).
        let empty = same(
            &h,
            "evaluate_health",
            &obs::health::HealthRequest {
                definitions: defs.clone(),
                ..Default::default()
            },
            obs::health::evaluate_health,
            what,
        );
        let mut values = BTreeMap::new();
        for (i, s) in empty["slos"].as_array().into_iter().flatten().enumerate() {
            let t = s["threshold"].as_f64().unwrap_or(1.0);
            let v = match i % 5 {
                0 => obs::health::Sample::Number(t * 0.999),
                1 => obs::health::Sample::Number(t),
                2 => obs::health::Sample::Number(t * 1.001 + 0.1),
                3 => obs::health::Sample::Text("NaN".into()),
                _ => obs::health::Sample::Text("+Inf".into()),
            };
            values.insert(s["id"].as_str().unwrap().to_string(), Some(v));
        }
        // Budgets and the alerts' real state: one SLO burning, one alert firing.
        for (k, v) in [
            ("SLO/api-availability/window", 0.001),
            ("SLO/api-availability/now", 0.072),
            ("SLO/queue-jobs-duration/window/luneo-render", 0.012),
        ] {
            values.insert(k.to_string(), Some(obs::health::Sample::Number(v)));
        }
        let alerts: Vec<BTreeMap<String, String>> = [
            [
                ("alertname", "ApiErrorRate"),
                ("alertstate", "firing"),
                ("cluster", "primary"),
            ],
            [
                ("alertname", "ApiAvailabilityBudgetBurn"),
                ("alertstate", "pending"),
                ("cluster", "standby"),
            ],
        ]
        .iter()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect();
        for cluster in [
            None,
            Some("primary".to_string()),
            Some("standby".to_string()),
        ] {
            same(
                &h,
                "evaluate_health",
                &obs::health::HealthRequest {
                    definitions: defs.clone(),
                    cluster,
                    values: values.clone(),
                    alerts: Some(alerts.clone()),
                },
                obs::health::evaluate_health,
                what,
            );
        }
        let now_ms = 1_790_000_000_000;
        for (action, duration) in [
            (obs::DrAction::Start, Some("2h".to_string())),
            (obs::DrAction::Status, None),
            (obs::DrAction::End, None),
        ] {
            same(
                &h,
                "dr",
                &obs::DrRequest {
                    definitions: defs.clone(),
                    action,
                    duration,
                    now_ms,
                    ..Default::default()
                },
                obs::dr,
                what,
            );
        }
        same(
            &h,
            "docs",
            &obs::generate::docs::DocsRequest {
                definitions: defs.clone(),
                pages: BTreeMap::new(),
            },
            obs::generate::docs::refresh,
            what,
        );
    }
    assert!(
        generated >= 4,
        "only {generated} sources generated manifests"
    );
    let s = same(
        &h,
        "schema",
        &obs::ops::SchemaRequest {},
        obs::ops::schema,
        "schema",
    );
    assert!(s["schema"].as_str().unwrap().contains("\"$schema\""));
}

#[test]
fn the_cli_engines_give_the_same_manifests_through_extism_as_natively() {
    let hosted = hosted();
    let (h, n): (&dyn Engine, &dyn Engine) = (&hosted, &Native);
    let req = obs::GenerateRequest::default();
    let (a, b) = (h.generate(&req).unwrap(), n.generate(&req).unwrap());
    assert!(a.ok && !a.files.is_empty());
    assert_eq!(
        a.files.keys().collect::<Vec<_>>(),
        b.files.keys().collect::<Vec<_>>()
    );
    for (path, text) in &a.files {
        assert!(
            text.as_bytes() == b.files[path].as_bytes(),
            "{path} differs"
        );
    }
    assert_eq!(a.diagnostics, b.diagnostics);
    assert!(h.describe().contains(&crate::engine::module_sha256()));
}

#[test]
fn both_engines_answer_every_operation_of_the_list_alike() {
    let hosted = hosted();
    for op in obs::ops::OPS {
        for input in [&b"{}"[..], b"{not json"] {
            assert_eq!(
                hosted.call_json(op, input).unwrap(),
                Native.call_json(op, input).unwrap(),
                "{op}"
            );
        }
    }
}

#[test]
fn every_core_operation_is_exported_by_the_module() {
    let h = hosted();
    for op in obs::ops::OPS {
        // `{}` is a valid request for some operations and a bad one for others; either
        // way the answer is a JSON object with `ok`, never an Extism error.
        let out: serde_json::Value = serde_json::from_str(
            &h.call_json(op, b"{}")
                .unwrap_or_else(|e| panic!("{op}: {e}")),
        )
        .unwrap();
        assert!(out["ok"].is_boolean(), "{op}: {out}");
    }
}

#[test]
fn bad_requests_come_back_as_data_and_the_module_keeps_working() {
    let h = hosted();
    let deep = "[".repeat(100_000);
    let bad: [&[u8]; 6] = [
        b"{not json",
        b"",
        &[0xff, 0xfe, 0x00],
        b"{\"definitions\": 42}",
        b"{\"definitions\": {\"name\": 1, \"text\": \"\"}}",
        deep.as_bytes(),
    ];
    for op in obs::ops::OPS {
        for input in bad {
            let out = h
                .call_json(op, input)
                .unwrap_or_else(|e| panic!("{op}: Extism error instead of data: {e}"));
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            let shown = String::from_utf8_lossy(&input[..input.len().min(40)]).to_string();
            assert_eq!(v["ok"], false, "{op} {shown:?}: {v}");
            assert_eq!(
                v["diagnostics"][0]["code"], "request/bad-json",
                "{op} {shown:?}: {v}"
            );
        }
    }
    // A function the module does not export is an error of the host call, not a trap.
    assert!(h
        .call_json("frobnicate", b"{}")
        .unwrap_err()
        .contains("frobnicate"));
    // Bad definitions text (not a bad request): diagnostics with positions.
    let req = obs::ValidateRequest {
        definitions: Some(obs::Source {
            name: "x.yaml".into(),
            text: "spec: [unclosed".into(),
        }),
        manifests: None,
    };
    let engine: &dyn Engine = &h;
    let r = engine.validate(&req).unwrap();
    assert!(!r.ok && r.diagnostics[0].file == "x.yaml" && r.diagnostics[0].line >= 1);
    // The same instance still answers normally.
    assert!(
        engine
            .generate(&obs::GenerateRequest::default())
            .unwrap()
            .ok
    );
}
