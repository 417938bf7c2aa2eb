//! `make bench`: load + generate + validate of the Luneo definitions and of a synthetic
//! definitions file (1,000 queues, 500 routes), natively and in-process. With
//! `--write DIR` it also writes the synthetic definitions and the rule files promtool
//! needs for the side-by-side comparison (scripts/bench.sh).

use std::time::{Duration, Instant};

use luneo_obs_core::{
    generate, load, validate, GenerateRequest, ManifestTree, Source, ValidateRequest,
};

fn measure(name: &str, iters: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    let mut times: Vec<Duration> = Vec::with_capacity(iters);
    let budget = Instant::now();
    for _ in 0..iters {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
        if budget.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    times.sort();
    let med = times[times.len() / 2];
    println!(
        "{name:<44} median {:>10.3} ms   min {:>10.3} ms   ({} runs)",
        med.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times.len()
    );
    med
}

fn bench_case(label: &str, src: Source, iters: usize) {
    let text = src.text.clone();
    let name = src.name.clone();
    measure(&format!("{label}: load"), iters, || {
        let _ = load::load(&name, &text);
    });
    let req = GenerateRequest {
        definitions: Some(src.clone()),
        ..Default::default()
    };
    measure(&format!("{label}: load + generate"), iters, || {
        let _ = generate(&req);
    });
    let files = generate(&req).files;
    let bytes: usize = files.values().map(String::len).sum();
    let vreq = ValidateRequest {
        definitions: Some(src),
        manifests: Some(ManifestTree {
            root: "manifests".into(),
            files,
        }),
    };
    measure(
        &format!("{label}: load + generate + validate tree"),
        iters,
        || {
            let _ = validate(&vreq);
        },
    );
    println!("{label}: {} bytes of manifests", bytes);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let synth = luneo_obs_tests::synthetic_definitions(1000, 500);
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let dir = std::path::PathBuf::from(
            args.get(i + 1)
                .cloned()
                .unwrap_or_else(|| "out/bench".into()),
        );
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("synthetic.yaml"), &synth).unwrap_or_else(|e| panic!("{e}"));
        for (label, text) in [
            ("luneo", luneo_obs_core::source::EMBEDDED.to_string()),
            ("synthetic", synth.clone()),
        ] {
            let r = generate(&GenerateRequest {
                definitions: Some(Source {
                    name: label.into(),
                    text,
                }),
                ..Default::default()
            });
            assert!(r.ok, "{label}: {:?}", r.diagnostics);
            for (path, content) in &r.files {
                if path.ends_with("prometheus-rules.yaml") {
                    let v: serde_json::Value =
                        yaml_serde::from_str(content).unwrap_or_else(|e| panic!("{e}"));
                    let groups = serde_json::json!({ "groups": v["spec"]["groups"] });
                    let cluster = path.split('/').nth(3).unwrap_or("x");
                    let out = dir.join(format!("{label}-{cluster}.rules.yaml"));
                    std::fs::write(out, yaml_serde::to_string(&groups).unwrap_or_default())
                        .unwrap_or_else(|e| panic!("{e}"));
                }
            }
        }
        println!(
            "wrote synthetic definitions and rule files to {}",
            dir.display()
        );
        return;
    }
    println!("native, in-process (cargo bench -p luneo-obs-tests --bench core)");
    bench_case(
        "luneo",
        Source {
            name: luneo_obs_core::source::EMBEDDED_NAME.into(),
            text: luneo_obs_core::source::EMBEDDED.into(),
        },
        200,
    );
    bench_case(
        "synthetic 1000 queues / 500 routes",
        Source {
            name: "synthetic.yaml".into(),
            text: synth,
        },
        20,
    );
}
