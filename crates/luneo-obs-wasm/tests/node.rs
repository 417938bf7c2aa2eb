//! The browser API, run inside a real wasm engine (`wasm-pack test --node`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use luneo_obs_core::ops::OPS;
use luneo_obs_wasm::{evaluate_health, explain, generate, slo_targets, validate, version};
use serde_json::Value;
use wasm_bindgen_test::wasm_bindgen_test;

fn json(s: &str) -> Value {
    serde_json::from_str(s).expect("the facade always returns JSON")
}

fn status(r: &Value, ref_id: &str) -> String {
    r["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["refId"] == ref_id)
        .unwrap_or_else(|| panic!("no {ref_id} in {r}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[wasm_bindgen_test]
fn health_of_primary_around_thresholds() {
    let below = json(&evaluate_health(
        None,
        r#"{"cluster":"primary","values":{"ApiLatencyHigh":0.599,"ApiErrorRate":0.0499,"ApiUnavailable":0.5,"QueueWaitThreshold_ai":39.9,"QueueWaitThreshold_render":39.9,"RenderGpuSaturation":89.9}}"#,
    ));
    assert_eq!(below["ok"], true, "{below}");
    assert_eq!(below["counts"]["ok"], 6, "{below}");
    let above = json(&evaluate_health(
        None,
        r#"{"cluster":"primary","values":{"ApiLatencyHigh":0.601,"ApiErrorRate":0.0501,"ApiUnavailable":0,"QueueWaitThreshold_ai":40.1,"QueueWaitThreshold_render":"+Inf","RenderGpuSaturation":90.1}}"#,
    ));
    for (id, want) in [
        ("ApiLatencyHigh", "warning"),
        ("ApiErrorRate", "critical"),
        ("ApiUnavailable", "critical"),
        ("QueueWaitThreshold_ai", "warning"),
        ("QueueWaitThreshold_render", "warning"),
        ("RenderGpuSaturation", "warning"),
    ] {
        assert_eq!(status(&above, id), want, "{id}");
    }
}

#[wasm_bindgen_test]
fn health_of_standby_and_no_data() {
    let r = json(&evaluate_health(
        None,
        r#"{"cluster":"standby","values":{"StandbyApiUnavailable":0,"StandbyQueueGrowth_ai":null}}"#,
    ));
    assert_eq!(status(&r, "StandbyApiUnavailable"), "warning");
    assert_eq!(status(&r, "StandbyQueueGrowth_ai"), "nodata");
    assert_eq!(status(&r, "StandbyQueueGrowth_render"), "nodata");
}

#[wasm_bindgen_test]
fn definitions_from_text_drive_the_thresholds() {
    let yaml = luneo_obs_core::source::EMBEDDED.replace(
        "threshold: { value: 600, unit: ms }",
        "threshold: { value: 1, unit: s }",
    );
    let r = json(&evaluate_health(
        Some(yaml),
        r#"{"cluster":"primary","values":{"ApiLatencyHigh":0.8}}"#,
    ));
    assert_eq!(status(&r, "ApiLatencyHigh"), "ok", "{r}");
    let lat = &r["slos"][0];
    assert_eq!(
        (lat["thresholdText"].as_str(), lat["valueText"].as_str()),
        (Some("1 s"), Some("0.8 s"))
    );
}

#[wasm_bindgen_test]
fn broken_input_comes_back_as_diagnostics() {
    let r = json(&evaluate_health(Some("spec: [".into()), "{}"));
    assert_eq!(r["ok"], false);
    assert_eq!(r["diagnostics"][0]["file"], "panel definitions");
    let r = json(&evaluate_health(None, "{not json"));
    assert_eq!(r["diagnostics"][0]["code"], "request/bad-json");
    let r = json(&evaluate_health(None, r#"{"cluster":"nowhere"}"#));
    assert_eq!(r["diagnostics"][0]["code"], "health/unknown-cluster");
    let r = json(&validate::call(r#"{"definitions": 3}"#));
    assert_eq!(r["diagnostics"][0]["code"], "request/bad-json");
}

#[wasm_bindgen_test]
fn targets_validate_explain_generate() {
    let t = json(&slo_targets(None, Some("standby".into())));
    let refs: Vec<&str> = t["slos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["refId"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        [
            "ApiLatencyHigh",
            "ApiErrorRate",
            "QueueWaitThreshold_ai",
            "QueueWaitThreshold_render",
            "RenderGpuSaturation",
            "StandbyApiUnavailable",
            "StandbyQueueGrowth_ai",
            "StandbyQueueGrowth_render"
        ]
    );
    assert_eq!(json(&validate::call("{}"))["ok"], true);
    let e = json(&explain::call(r#"{"alert":"ApiErrorRate"}"#));
    assert_eq!(e["ok"], true, "{e}");
    assert!(
        e["alert"].to_string().contains(
            r#""cluster:http_request_duration_seconds_count:ratio_5xx_rate5m > 0.05 and on() "#
        ),
        "{e}"
    );
    let g = json(&generate::call("{}"));
    assert_eq!(g["ok"], true);
    let native = luneo_obs_core::ops::api::generate(&Default::default());
    assert_eq!(g["files"], serde_json::to_value(&native.files).unwrap());
    assert!(!version().is_empty());
}

#[wasm_bindgen_test]
fn every_core_operation_is_exported_under_its_name() {
    // The exports come from the core's list: each answers its own response shape, a bad
    // request included, exactly as the core's own dispatch does.
    let by_name: [(&str, fn(&str) -> String); 7] = [
        ("generate", generate::call),
        ("validate", validate::call),
        ("explain", explain::call),
        ("evaluate_health", luneo_obs_wasm::evaluate_health::call),
        ("dr", luneo_obs_wasm::dr::call),
        ("docs", luneo_obs_wasm::docs::call),
        ("schema", luneo_obs_wasm::schema::call),
    ];
    assert_eq!(
        by_name.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        OPS,
        "an operation of the core's list is not tested here"
    );
    for (op, f) in by_name {
        for input in ["{}", "{not json", r#"{"definitions": 3}"#] {
            let ours = f(input);
            assert_eq!(
                ours,
                luneo_obs_core::ops::call(op, input.as_bytes()),
                "{op} {input}"
            );
            assert!(json(&ours)["ok"].is_boolean(), "{op} {input}: {ours}");
        }
    }
    // The panel's entry point answers like `evaluate_health` with the definitions inside.
    let yaml = luneo_obs_core::source::EMBEDDED.to_string();
    let req = serde_json::json!({
        "definitions": {"name": "panel definitions", "text": yaml},
        "cluster": "standby"
    });
    assert_eq!(
        evaluate_health(Some(yaml), r#"{"cluster":"standby"}"#),
        luneo_obs_wasm::evaluate_health::call(&req.to_string())
    );
}
