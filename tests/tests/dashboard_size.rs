//! Dashboards do not grow with the number of queues and routes: a definitions file with
//! 1,000 BullMQ queues and 500 route-scoped objectives still yields ConfigMaps far under
//! 100 KiB (the `kubectl apply` annotation limit is 256 KiB). Sizes are measured on the
//! objects `kubectl kustomize` builds, as kubectl stores them (compact JSON), and printed
//! (`cargo test -p luneo-obs-tests --test dashboard_size -- --nocapture`).

use std::collections::BTreeMap;

use luneo_obs_core::ops::api::{ManifestTree, Source, ValidateRequest};
use luneo_obs_tests::overlays::{build_overlays, generate, Built, Scratch};
use serde_json::Value;

const BUDGET: usize = 100 * 1024;

/// (overlay, kind/name, applied bytes, data bytes) of every object.
fn sizes(built: &[Built]) -> Vec<(String, String, usize, usize)> {
    let mut out = Vec::new();
    for b in built {
        for o in &b.objects {
            let applied = serde_json::to_string(o).map(|s| s.len()).unwrap_or(0);
            let data: usize = o["data"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| k.len() + v.as_str().map(str::len).unwrap_or(0))
                        .sum()
                })
                .unwrap_or(0);
            out.push((
                b.name.clone(),
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or("?"),
                    o["metadata"]["name"].as_str().unwrap_or("?")
                ),
                applied,
                data,
            ));
        }
    }
    out
}

fn report(title: &str, s: &[(String, String, usize, usize)]) {
    eprintln!("{title}");
    for (overlay, obj, applied, data) in s {
        eprintln!("  {overlay:<26} {obj:<40} {applied:>7} bytes as applied, data {data:>7} bytes");
    }
}

#[test]
fn configmaps_stay_under_100_kib_with_1000_queues_and_500_routes() {
    let text = luneo_obs_tests::synthetic_definitions(1000, 500);
    let defs = Source {
        name: "synthetic-1000q-500r.yaml".into(),
        text,
    };
    let big_files = generate(Some(defs.clone()));
    let dir = Scratch::new("size-big");
    let big = build_overlays(dir.path(), &big_files);
    let small_dir = Scratch::new("size-luneo");
    let small = build_overlays(small_dir.path(), &generate(None));
    let (bs, ss) = (sizes(&big), sizes(&small));
    report("Luneo definitions:", &ss);
    report("1,000 queues, 500 routes:", &bs);
    // Bytes of the SLO health plugin panel (issue 5) in each dashboard, to tell its share.
    let health_bytes: BTreeMap<String, usize> = big
        .iter()
        .flat_map(|b| {
            b.dashboards()
                .into_iter()
                .map(move |(n, d)| (format!("{}/ConfigMap/{n}", b.name), d))
        })
        .map(|(n, d)| {
            (
                n,
                d["panels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["type"] == "luneo-slohealth-panel")
                    .map(|p| p.to_string().len())
                    .sum(),
            )
        })
        .collect();
    for (k, v) in &health_bytes {
        eprintln!("  {k}: SLO health panel {v} bytes of JSON");
    }
    let dashboards: Vec<&(String, String, usize, usize)> = bs
        .iter()
        .filter(|s| s.1.starts_with("ConfigMap/"))
        .collect();
    // API and queues on both overlays, the SLO dashboard on both, the standby's.
    assert_eq!(dashboards.len(), 7, "{bs:?}");
    // The generated panels (everything but the SLO health plugin panel, whose definitions
    // list the alerts) are the same as with two queues: template variables, not one panel
    // per queue or route. The health panel queries each alert once (one series per queue).
    let core_panels = |b: &[Built]| -> Vec<(String, Value)> {
        b.iter()
            .flat_map(|x| {
                x.dashboards()
                    .into_iter()
                    .map(move |(n, d)| (format!("{}/{n}", x.name), d))
            })
            .map(|(n, d)| {
                (
                    n,
                    Value::Array(
                        d["panels"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter(|p| {
                                matches!(
                                    p["type"].as_str(),
                                    Some("stat" | "timeseries" | "table" | "heatmap")
                                )
                            })
                            .cloned()
                            .collect(),
                    ),
                )
            })
            .collect()
    };
    assert_eq!(
        core_panels(&big),
        core_panels(&small),
        "panels other than the SLO health panel depend on the number of queues or routes"
    );
    for (overlay, obj, applied, data) in &dashboards {
        let hb = health_bytes
            .get(&format!("{overlay}/{obj}"))
            .copied()
            .unwrap_or(0);
        assert!(*applied < BUDGET && *data < BUDGET, "{overlay} {obj}: {applied} bytes, over the {BUDGET}-byte budget ({hb} bytes of it are the SLO health panel)");
        let twin = ss
            .iter()
            .find(|s| &s.0 == overlay && &s.1 == obj)
            .unwrap_or_else(|| panic!("{obj} missing in the Luneo build"));
        eprintln!(
            "  {overlay} {obj}: {applied} bytes with 1,000 queues / 500 routes, {} with Luneo's",
            twin.2
        );
    }
    // Every object, rules included, stays under the apply limit.
    for (overlay, obj, applied, _) in &bs {
        assert!(*applied < 262_144, "{overlay} {obj}: {applied} bytes");
    }
    // validate agrees: no size error or warning on the big tree.
    let v = luneo_obs_core::ops::api::validate(&ValidateRequest {
        definitions: Some(defs),
        manifests: Some(ManifestTree {
            root: "manifests".into(),
            files: big_files,
        }),
    });
    let size_problems: Vec<String> = v
        .diagnostics
        .iter()
        .filter(|d| d.code == "overlay/object-size" && d.severity != luneo_obs_core::Severity::Info)
        .map(|d| d.render())
        .collect();
    assert!(size_problems.is_empty(), "{}", size_problems.join("\n"));
    let infos = v
        .diagnostics
        .iter()
        .filter(|d| d.code == "overlay/object-size")
        .count();
    assert_eq!(infos, bs.len(), "one size report per object");
    // The queue variable lists queues from the data, not from the definitions.
    let api: Vec<(String, Value)> = big.iter().flat_map(|b| b.dashboards()).collect();
    assert!(api
        .iter()
        .all(|(_, d)| !d.to_string().contains("luneo-ai-0999")));
}
