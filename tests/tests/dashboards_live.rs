//! Every panel query of every dashboard, run by a real Prometheus (Debian 2.42) over the
//! dashboard's own time range, returns data of the expected shape and value.
//!
//! 1. Synthetic history shaped like the real exporters is written as OpenMetrics and
//!    backfilled with `promtool tsdb create-blocks-from openmetrics`: HTTP histograms per
//!    route and status (with counter resets), BullMQ job counts per queue and state (each
//!    exported by two worker replicas, as `Queue.exportPrometheusMetrics()` does), BullMQ
//!    failed-job counters (with a reset) and job-duration histograms, DCGM GPU utilisation
//!    per GPU (`primary`: 1h30m, `standby`: 12h30m of history, 30 s apart like the scrape
//!    interval of the definitions). Both topologies run: one Prometheus per cluster (the
//!    Luneo definitions as committed) holds its cluster's history without a `cluster`
//!    label and serves its own overlay's dashboards; a central store (the definitions with
//!    `clusterLabel: cluster`) holds both histories, labelled, for both overlays.
//! 2. Recording rules: Prometheus does not evaluate rules on the past, so the generated
//!    recording rules (taken from the `kubectl kustomize` output) are backfilled with
//!    `promtool tsdb create-blocks-from rules`, level by level: a rule that reads another
//!    recorded series (P95 from the bucket rates, the 5xx ratio, the GPU average) is only
//!    backfilled once the series it reads are in the TSDB (promtool cannot chain them in one
//!    pass). Prometheus is restarted after each level to load the new blocks.
//! 3. The final Prometheus loads the generated rule files (they must load and evaluate
//!    without error), then every target of every dashboard of both overlays runs through
//!    /api/v1/query_range over the dashboard's time range (the panel's own `timeFrom` when
//!    it has one), with Grafana's variables substituted as Grafana would (`$cluster` from the
//!    variable's current value, `$queue`/`$route` set to All, `$__rate_interval`,
//!    `$__interval`, `$__range`); instant targets also run through /api/v1/query. Each answer
//!    is checked against values computed here from the synthetic data (the oracle never
//!    reads the generator's queries): one series per queue for per-queue panels, 10 rows in
//!    the top-10 table, one value in ms for the P95 stat, the 5xx panel split by route, and
//!    every rate steady across the counter resets.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use luneo_obs_tests::live::{free_port, get_json, spawn, wait_for, Proc};
use luneo_obs_tests::overlays::{build_overlays, generate, run, Built, Scratch};
use luneo_obs_tests::Topology;
use serde_json::{json, Value};

const STEP: i64 = 30;
const HTTP_LE: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.6, 1.0, 2.5, 5.0, 10.0,
];
/// The `le` of the api-latency SLO (600 ms) in HTTP_LE.
const HTTP_SLO_LE: usize = 7;
const JOB_LE: [f64; 10] = [
    100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0, 60000.0, 300000.0,
];
/// The `le` of the queue-jobs-duration SLO (5 min) in JOB_LE.
const JOB_SLO_LE: usize = 9;
const TOLERANCE: f64 = 0.01;

// ---------------------------------------------------------------------------------------
// The synthetic world and its oracle.

struct Route {
    name: String,
    /// Latency scale (s): observations follow 1 - exp(-t/scale).
    scale: f64,
    ok_per_step: f64,
    err_per_step: f64,
    /// Step index (from the cluster's first sample) at which the API pod restarted.
    reset_at: Option<i64>,
}

struct Queue {
    name: String,
    /// waiting(k) = base + slope * k (jobs per step).
    base: f64,
    slope: f64,
    failed_per_step: f64,
    failed_reset_at: Option<i64>,
    /// Cumulative finished jobs per step per worker, per JOB_LE bucket then +Inf.
    durations: Vec<f64>,
}

struct Cluster {
    name: String,
    /// Number of 30 s steps of history; the last sample is at `t_end`.
    steps: i64,
    routes: Vec<Route>,
    queues: Vec<Queue>,
    gpus: Vec<f64>,
}

/// Cumulative HTTP bucket counts per step (HTTP_LE then +Inf) for `n` requests.
fn http_buckets(scale: f64, n: f64) -> Vec<f64> {
    let mut v: Vec<f64> = HTTP_LE
        .iter()
        .map(|le| (n * (1.0 - (-le / scale).exp())).round())
        .collect();
    v.push(n);
    v
}

/// Prometheus' histogram_quantile on cumulative buckets (upper bounds, +Inf last).
fn quantile(q: f64, les: &[f64], cum: &[f64]) -> f64 {
    let total = cum[cum.len() - 1];
    let rank = q * total;
    let mut prev_le = 0.0;
    let mut prev_count = 0.0;
    for (i, c) in cum.iter().enumerate() {
        if *c >= rank {
            if i == les.len() {
                return prev_le;
            }
            return prev_le + (les[i] - prev_le) * (rank - prev_count) / (c - prev_count);
        }
        prev_le = if i < les.len() { les[i] } else { prev_le };
        prev_count = *c;
    }
    f64::NAN
}

fn add(a: &mut Vec<f64>, b: &[f64]) {
    if a.is_empty() {
        a.resize(b.len(), 0.0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

impl Cluster {
    fn route_cum(&self, r: &Route) -> Vec<f64> {
        let mut c = http_buckets(r.scale, r.ok_per_step);
        if r.err_per_step > 0.0 {
            add(&mut c, &http_buckets(r.scale, r.err_per_step));
        }
        c
    }
    fn route_rps(&self, r: &Route) -> f64 {
        (r.ok_per_step + r.err_per_step) / STEP as f64
    }
    fn total_rps(&self) -> f64 {
        self.routes.iter().map(|r| self.route_rps(r)).sum()
    }
    fn err_rps(&self) -> BTreeMap<String, f64> {
        self.routes
            .iter()
            .filter(|r| r.err_per_step > 0.0)
            .map(|r| (r.name.clone(), r.err_per_step / STEP as f64))
            .collect()
    }
    fn p95_ms(&self) -> f64 {
        let mut all = Vec::new();
        for r in &self.routes {
            add(&mut all, &self.route_cum(r));
        }
        1000.0 * quantile(0.95, &HTTP_LE, &all)
    }
    fn route_p95_ms(&self) -> BTreeMap<String, f64> {
        self.routes
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    1000.0 * quantile(0.95, &HTTP_LE, &self.route_cum(r)),
                )
            })
            .collect()
    }
    fn top10(&self) -> BTreeMap<String, f64> {
        let mut v: Vec<(String, f64)> = self.route_p95_ms().into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v.into_iter().take(10).collect()
    }
    fn waiting_end(&self) -> BTreeMap<String, f64> {
        self.queues
            .iter()
            .map(|q| (q.name.clone(), q.base + q.slope * (self.steps - 1) as f64))
            .collect()
    }
    /// dcgm-exporter fields per GPU index: temperature (°C), framebuffer used (MiB), last
    /// XID error (GPU 1 fell off the bus: XID 79).
    fn gpu_temp(&self) -> BTreeMap<String, f64> {
        (0..self.gpus.len())
            .map(|i| (i.to_string(), 60.0 + i as f64))
            .collect()
    }
    fn gpu_fb_used(&self) -> BTreeMap<String, f64> {
        (0..self.gpus.len())
            .map(|i| (i.to_string(), 10_000.0 + 1_000.0 * i as f64))
            .collect()
    }
    fn gpu_xid(i: usize) -> f64 {
        if i == 1 {
            79.0
        } else {
            0.0
        }
    }
    fn gpus_with_xid(&self) -> f64 {
        (0..self.gpus.len())
            .filter(|i| Self::gpu_xid(*i) != 0.0)
            .count() as f64
    }
    /// Rate of each job-duration bucket (cumulative `le`), every queue and both workers.
    fn job_bucket_rates(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for q in &self.queues {
            for (i, b) in q.durations.iter().enumerate() {
                let le = JOB_LE.get(i).map(|l| fmt_le(*l)).unwrap_or("+Inf".into());
                *out.entry(le).or_insert(0.0) += 2.0 * b / STEP as f64;
            }
        }
        out
    }
    /// The share of bad events of each SLO of the definitions, from the synthetic mix:
    /// `None` for an SLO, or per queue for the grouped one.
    fn slo_error_ratio(&self, o: &luneo_obs_core::model::Slo) -> SloRatio {
        match o.name.as_str() {
            "api-availability" => {
                SloRatio::One(self.err_rps().values().sum::<f64>() / self.total_rps())
            }
            "api-latency" => {
                let (mut fast, mut all) = (0.0, 0.0);
                for r in &self.routes {
                    let c = self.route_cum(r);
                    fast += c[HTTP_SLO_LE];
                    all += c[c.len() - 1];
                }
                SloRatio::One(1.0 - fast / all)
            }
            "queue-jobs-duration" => SloRatio::PerQueue(
                self.queues
                    .iter()
                    .map(|q| {
                        let all = q.durations[q.durations.len() - 1];
                        (q.name.clone(), 1.0 - q.durations[JOB_SLO_LE] / all)
                    })
                    .collect(),
            ),
            other => panic!("no oracle for SLO {other}: add one to this test"),
        }
    }
    fn job_p95_ms(&self) -> BTreeMap<String, f64> {
        // Two workers with the same mix: the aggregate has the same shape.
        self.queues
            .iter()
            .map(|q| (q.name.clone(), quantile(0.95, &JOB_LE, &q.durations)))
            .collect()
    }
}

fn world(queue_names: &[String]) -> Vec<Cluster> {
    let primary_steps = (90 * 60) / STEP + 1;
    let standby_steps = (12 * 3600 + 30 * 60) / STEP + 1;
    // 12 routes with distinct latency scales (distinct P95), 4 of them answering 5xx; two
    // API pod restarts (counter resets), one inside the dashboards' last hour.
    let routes = (0..12)
        .map(|i| Route {
            name: format!("/api/v1/r{i:02}"),
            scale: 0.03 + 0.037 * i as f64,
            ok_per_step: 300.0 + 60.0 * i as f64,
            err_per_step: if i % 3 == 0 { 6.0 + i as f64 } else { 0.0 },
            reset_at: match i {
                3 => Some(primary_steps - 80),
                7 => Some(20),
                _ => None,
            },
        })
        .collect();
    let primary_queues = vec![
        Queue {
            name: queue_names[0].clone(),
            base: 100.0,
            slope: 1.0,
            failed_per_step: 2.0,
            failed_reset_at: None,
            durations: vec![
                1.0, 4.0, 10.0, 20.0, 35.0, 38.0, 40.0, 40.0, 40.0, 40.0, 40.0,
            ],
        },
        Queue {
            name: queue_names[1].clone(),
            base: 2000.0,
            slope: -1.0,
            failed_per_step: 1.0,
            failed_reset_at: Some(primary_steps - 20),
            // One job in 20 takes more than 5 minutes: 5 % slow, a 5x burn at 99 %.
            durations: vec![0.0, 0.0, 0.0, 0.0, 1.0, 3.0, 6.0, 14.0, 19.0, 19.0, 20.0],
        },
    ];
    let standby_queues = vec![
        Queue {
            name: queue_names[0].clone(),
            base: 3.0,
            slope: 0.0,
            failed_per_step: 0.0,
            failed_reset_at: None,
            durations: vec![0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],
        },
        Queue {
            name: queue_names[1].clone(),
            base: 0.0,
            slope: 0.0,
            failed_per_step: 0.0,
            failed_reset_at: None,
            durations: vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        },
    ];
    vec![
        Cluster {
            name: "primary".into(),
            steps: primary_steps,
            routes,
            queues: primary_queues,
            gpus: vec![95.0, 91.0, 88.0, 70.0],
        },
        Cluster {
            name: "standby".into(),
            steps: standby_steps,
            // Health checks, and traffic that should not be there (with a few 5xx).
            routes: vec![
                Route {
                    name: "/healthz".into(),
                    scale: 0.004,
                    ok_per_step: 6.0,
                    err_per_step: 0.0,
                    reset_at: None,
                },
                Route {
                    name: "/api/v1/r00".into(),
                    scale: 0.2,
                    ok_per_step: 30.0,
                    err_per_step: 3.0,
                    reset_at: Some(standby_steps / 2),
                },
            ],
            queues: standby_queues,
            gpus: vec![0.0],
        },
    ]
}

/// A counter growing by `inc` per step that restarts (one step's worth) at `reset`.
fn counter(k: i64, inc: f64, reset: Option<i64>) -> f64 {
    match reset {
        Some(r) if k >= r => inc * (k - r + 1) as f64,
        _ => inc * (1000 + k) as f64,
    }
}

fn fmt_le(le: f64) -> String {
    format!("{le}")
}

/// The OpenMetrics backfill file: every series, all its samples in time order.
/// The history of `clusters`; `labelled`: every series carries `cluster` (a central
/// store), otherwise none does (one Prometheus per cluster).
fn openmetrics(
    clusters: &[&Cluster],
    labelled: bool,
    t_end: i64,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    for c in clusters {
        let cl = if labelled {
            format!("cluster=\"{}\",", c.name)
        } else {
            String::new()
        };
        let t0 = t_end - (c.steps - 1) * STEP;
        let mut series =
            |name: &str, labels: &str, f: &dyn Fn(i64) -> f64| -> std::io::Result<()> {
                let mut buf = String::new();
                for k in 0..c.steps {
                    let _ = writeln!(buf, "{name}{{{labels}}} {} {}", f(k), t0 + k * STEP);
                }
                out.write_all(buf.as_bytes())
            };
        let h = "http_request_duration_seconds";
        for r in &c.routes {
            for (status, n) in [("200", r.ok_per_step), ("503", r.err_per_step)] {
                if n == 0.0 {
                    continue;
                }
                let base = format!("{cl}job=\"luneo-api\",instance=\"api-0\",route=\"{}\",method=\"GET\",status_code=\"{status}\"", r.name);
                let cum = http_buckets(r.scale, n);
                for (i, b) in cum.iter().enumerate() {
                    let le = if i < HTTP_LE.len() {
                        fmt_le(HTTP_LE[i])
                    } else {
                        "+Inf".into()
                    };
                    series(
                        &format!("{h}_bucket"),
                        &format!("{base},le=\"{le}\""),
                        &|k| counter(k, *b, r.reset_at),
                    )?;
                }
                series(&format!("{h}_count"), &base, &|k| counter(k, n, r.reset_at))?;
                series(&format!("{h}_sum"), &base, &|k| {
                    counter(k, n * r.scale, r.reset_at)
                })?;
            }
        }
        for q in &c.queues {
            for worker in ["worker-0", "worker-1"] {
                let base = format!("{cl}instance=\"{worker}\",queue=\"{}\"", q.name);
                for (state, v) in [
                    ("active", 4.0),
                    ("completed", 50.0),
                    ("delayed", 2.0),
                    ("failed", 7.0),
                    ("prioritized", 0.0),
                    ("waiting-children", 0.0),
                ] {
                    series(
                        "bullmq_job_count",
                        &format!("{base},state=\"{state}\""),
                        &|_| v,
                    )?;
                }
                series(
                    "bullmq_job_count",
                    &format!("{base},state=\"waiting\""),
                    &|k| q.base + q.slope * k as f64,
                )?;
                series("bullmq_job_failed_total", &base, &|k| {
                    counter(k, q.failed_per_step, q.failed_reset_at)
                })?;
                for (i, b) in q.durations.iter().enumerate() {
                    let le = if i < JOB_LE.len() {
                        fmt_le(JOB_LE[i])
                    } else {
                        "+Inf".into()
                    };
                    series(
                        "bullmq_job_duration_milliseconds_bucket",
                        &format!("{base},le=\"{le}\""),
                        &|k| counter(k, *b, None),
                    )?;
                }
                let n = q.durations[q.durations.len() - 1];
                series("bullmq_job_duration_milliseconds_count", &base, &|k| {
                    counter(k, n, None)
                })?;
            }
        }
        for (i, u) in c.gpus.iter().enumerate() {
            // Render-pool GPUs: dcgm-exporter's pod label, as kube-prometheus-stack scrapes it.
            let labels = format!("{cl}gpu=\"{i}\",UUID=\"GPU-{}-{i}\",modelName=\"NVIDIA L4\",Hostname=\"render-{}\",exported_pod=\"luneo-worker-render-{}-{i}\"", c.name, i / 2, c.name);
            series("DCGM_FI_DEV_GPU_UTIL", &labels, &|_| *u)?;
            series("DCGM_FI_DEV_GPU_TEMP", &labels, &|_| 60.0 + i as f64)?;
            series("DCGM_FI_DEV_FB_USED", &labels, &|_| {
                10_000.0 + 1_000.0 * i as f64
            })?;
            series("DCGM_FI_DEV_XID_ERRORS", &labels, &|_| Cluster::gpu_xid(i))?;
        }
    }
    out.write_all(b"# EOF\n")
}

// ---------------------------------------------------------------------------------------
// Prometheus.

struct Prom {
    port: u16,
    _proc: Proc,
}

fn start_prometheus(dir: &Path, data: &Path, rule_files: &[String], tag: &str) -> Prom {
    let port = free_port();
    let cfg = dir.join(format!("prometheus-{tag}.yml"));
    let rules: Vec<String> = rule_files.iter().map(|f| format!("  - {f}\n")).collect();
    let text = format!(
        "global:\n  scrape_interval: 30s\n  evaluation_interval: 5s\nrule_files:\n{}",
        if rules.is_empty() {
            "  []\n".to_string()
        } else {
            rules.concat()
        }
    );
    fs::write(&cfg, text).unwrap_or_else(|e| panic!("{e}"));
    let args = vec![
        format!("--config.file={}", cfg.display()),
        format!("--storage.tsdb.path={}", data.display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--storage.tsdb.retention.time=30d".into(),
        "--log.level=warn".into(),
    ];
    let proc = spawn(
        &format!("prometheus-{tag}"),
        "prometheus",
        &args,
        &dir.join(format!("prometheus-{tag}.log")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ready = wait_for(Duration::from_secs(60), Duration::from_millis(200), || {
        luneo_obs_tests::live::http("GET", port, "/-/ready", None)
            .ok()
            .filter(|(c, _)| *c == 200)
    });
    if ready.is_none() {
        let log = fs::read_to_string(dir.join(format!("prometheus-{tag}.log"))).unwrap_or_default();
        panic!("Prometheus ({tag}) not ready on 127.0.0.1:{port} within 60 s:\n{log}");
    }
    Prom { port, _proc: proc }
}

fn enc(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

fn query_range(p: &Prom, expr: &str, start: i64, end: i64, step: i64) -> Value {
    let path = format!(
        "/api/v1/query_range?query={}&start={start}&end={end}&step={step}",
        enc(expr)
    );
    let v = get_json(p.port, &path).unwrap_or_else(|e| panic!("query_range `{expr}`: {e}"));
    assert_eq!(v["status"], "success", "{expr}: {v}");
    v["data"]["result"].clone()
}

fn query(p: &Prom, expr: &str, time: i64) -> Value {
    let v = get_json(
        p.port,
        &format!("/api/v1/query?query={}&time={time}", enc(expr)),
    )
    .unwrap_or_else(|e| panic!("query `{expr}`: {e}"));
    assert_eq!(v["status"], "success", "{expr}: {v}");
    v["data"]["result"].clone()
}

/// Identifiers of a PromQL expression (metric names, among others).
fn identifiers(expr: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cur = String::new();
    let mut in_str = false;
    for ch in expr.chars() {
        if ch == '"' {
            in_str = !in_str;
        }
        if !in_str && (ch.is_ascii_alphanumeric() || ch == '_' || ch == ':') {
            cur.push(ch);
        } else {
            if !cur.is_empty() {
                out.insert(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.insert(cur);
    }
    out
}

/// Backfill the recording rules of `rule_files`, level by level; returns the final
/// Prometheus, loaded with the rule files as they are.
fn backfill_rules(
    dir: &Path,
    data: &Path,
    files: &BTreeMap<String, Value>,
    start: i64,
    end: i64,
) -> Prom {
    // record name -> (cluster file, group name, rule)
    let mut recs: Vec<(String, String, Value)> = Vec::new();
    for (file, v) in files {
        for g in v["groups"].as_array().into_iter().flatten() {
            for r in g["rules"].as_array().into_iter().flatten() {
                if r["record"].is_string() {
                    recs.push((
                        file.clone(),
                        g["name"].as_str().unwrap_or_default().to_string(),
                        r.clone(),
                    ));
                }
            }
        }
    }
    let names: BTreeSet<String> = recs
        .iter()
        .map(|(_, _, r)| r["record"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut level: BTreeMap<usize, usize> = BTreeMap::new(); // index in recs -> level
    for _ in 0..recs.len() + 1 {
        for (i, (_, _, r)) in recs.iter().enumerate() {
            let deps = identifiers(r["expr"].as_str().unwrap_or_default());
            let lv = recs
                .iter()
                .enumerate()
                .filter(|(j, (_, _, o))| {
                    *j != i && deps.contains(o["record"].as_str().unwrap_or_default())
                })
                .map(|(j, _)| level.get(&j).copied().unwrap_or(usize::MAX / 2))
                .max()
                .map(|m| m + 1)
                .unwrap_or(0);
            level.insert(i, lv);
        }
    }
    let max_level = level.values().copied().max().unwrap_or(0);
    assert!(
        max_level < 5,
        "recording rules form a cycle or a very deep chain: {level:?}"
    );
    assert!(names.iter().all(|n| !n.is_empty()));
    let mut prom = start_prometheus(dir, data, &[], "raw");
    for lv in 0..=max_level {
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (i, (_, g, r)) in recs.iter().enumerate() {
            if level.get(&i) == Some(&lv) {
                groups.entry(g.clone()).or_default().push(r.clone());
            }
        }
        let doc = json!({"groups": groups.into_iter().map(|(name, rules)| json!({"name": name, "interval": "30s", "rules": rules})).collect::<Vec<_>>()});
        let f = format!("level-{lv}.rules.yaml");
        fs::write(
            dir.join(&f),
            yaml_serde::to_string(&doc).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let out = dir.join(format!("blocks-{lv}"));
        let url = format!("--url=http://127.0.0.1:{}", prom.port);
        run(
            "promtool",
            &[
                "tsdb",
                "create-blocks-from",
                "rules",
                "--start",
                &start.to_string(),
                "--end",
                &end.to_string(),
                &url,
                "--output-dir",
                &out.display().to_string(),
                "--eval-interval=30s",
                "-q",
                &f,
            ],
            dir,
        )
        .unwrap_or_else(|e| panic!("backfilling recording rules (level {lv}): {e}"));
        drop(prom);
        let mut moved = 0;
        for entry in fs::read_dir(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display())) {
            let p = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if p.is_dir() {
                let name = p.file_name().map(|n| n.to_owned()).unwrap_or_default();
                fs::rename(&p, data.join(name)).unwrap_or_else(|e| panic!("{e}"));
                moved += 1;
            }
        }
        assert!(moved > 0, "level {lv}: promtool produced no block");
        let rule_files: Vec<String> = if lv == max_level {
            files.keys().cloned().collect()
        } else {
            Vec::new()
        };
        prom = start_prometheus(dir, data, &rule_files, &format!("level-{lv}"));
    }
    prom
}

// ---------------------------------------------------------------------------------------
// Grafana emulation.

fn dur_s(s: &str) -> i64 {
    let (n, u) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().unwrap_or_else(|_| panic!("bad duration {s}"));
    n * match u {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => panic!("bad duration {s}"),
    }
}

/// Replace `$name`, `${name}` and `${name:fmt}` with `vars[name]` (longest names first).
fn substitute(expr: &str, vars: &BTreeMap<String, String>) -> String {
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut s = expr.to_string();
    for n in names {
        let v = &vars[n];
        s = s
            .replace(&format!("${{{n}}}"), v)
            .replace(&format!("${n}"), v);
    }
    assert!(!s.contains('$'), "unsubstituted variable left in `{s}`");
    s
}

/// The dashboard variables' values as Grafana would use them with their current selection.
fn dashboard_vars(d: &Value) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for v in d["templating"]["list"].as_array().into_iter().flatten() {
        let name = v["name"].as_str().unwrap_or_default().to_string();
        if v["type"] == "datasource" {
            continue;
        }
        let cur = &v["current"]["value"];
        let all = cur == "$__all"
            || cur
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "$__all"));
        let value = if all {
            v["allValue"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: All without allValue"))
                .to_string()
        } else {
            cur.as_str().unwrap_or_default().to_string()
        };
        vars.insert(name, value);
    }
    vars
}

fn last_value(series: &Value) -> (i64, f64) {
    let vals = series["values"]
        .as_array()
        .unwrap_or_else(|| panic!("no values: {series}"));
    let last = vals
        .last()
        .unwrap_or_else(|| panic!("empty series {series}"));
    (
        last[0].as_f64().unwrap_or_default() as i64,
        last[1]
            .as_str()
            .unwrap_or_default()
            .parse()
            .unwrap_or(f64::NAN),
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * b.abs().max(1e-9) + 1e-9
}

/// The error ratio of an SLO in the synthetic world.
enum SloRatio {
    One(f64),
    PerQueue(BTreeMap<String, f64>),
}

#[derive(Clone)]
enum Expect {
    /// Exactly one series; its last value; `steady`: every value of the range too.
    One { value: f64, steady: bool },
    /// One series per value of `label`, exactly these, with these last values.
    PerLabel {
        label: &'static str,
        values: BTreeMap<String, f64>,
        steady: bool,
    },
}

/// What each panel of the SLO dashboard shows, from the SLO's error ratio `r` in the
/// synthetic world (constant over the history, so every window holds the same ratio):
/// budget left `1 - r / budget`, burn rate `r / budget` (now and over every alert
/// window), SLI `1 - r`.
fn slo_expectations(
    defs: &luneo_obs_core::model::Definitions,
    c: &Cluster,
) -> BTreeMap<String, Expect> {
    let mut m = BTreeMap::new();
    for o in defs
        .spec
        .slos
        .iter()
        .filter(|o| o.clusters.contains(&c.name))
    {
        let b = o.budget();
        let shape = |f: &dyn Fn(f64) -> f64| match c.slo_error_ratio(o) {
            SloRatio::One(r) => Expect::One {
                value: f(r),
                steady: false,
            },
            SloRatio::PerQueue(rs) => Expect::PerLabel {
                label: "queue",
                values: rs.into_iter().map(|(q, r)| (q, f(r))).collect(),
                steady: false,
            },
        };
        let left = shape(&|r| 1.0 - r / b);
        let burn = shape(&|r| r / b);
        m.insert(format!("{}: error budget left", o.name), left.clone());
        m.insert(format!("{}: burn rate now", o.name), burn.clone());
        m.insert(
            format!("{}: SLI over the last hour", o.name),
            shape(&|r| 1.0 - r),
        );
        m.insert(format!("{}: burn rate per alert window", o.name), burn);
        m.insert(format!("{}: error budget burndown", o.name), left);
    }
    m
}

fn expectations(c: &Cluster) -> BTreeMap<&'static str, Expect> {
    let waiting = c.waiting_end();
    let total_waiting: f64 = waiting.values().sum();
    let max_waiting = waiting.values().copied().fold(f64::MIN, f64::max);
    let growth: BTreeMap<String, f64> = c
        .queues
        .iter()
        .map(|q| (q.name.clone(), q.slope * 60.0 / STEP as f64))
        .collect();
    let failed_min: BTreeMap<String, f64> = c
        .queues
        .iter()
        .map(|q| (q.name.clone(), q.failed_per_step * 60.0 / STEP as f64))
        .collect();
    let failed_15m: f64 = c
        .queues
        .iter()
        .map(|q| q.failed_per_step * 900.0 / STEP as f64)
        .sum();
    let err = c.err_rps();
    let err_total: f64 = err.values().sum();
    let gpu = c.gpus.iter().sum::<f64>() / c.gpus.len() as f64;
    let rps: BTreeMap<String, f64> = c
        .routes
        .iter()
        .map(|r| (r.name.clone(), c.route_rps(r)))
        .collect();
    let one = |value: f64, steady: bool| Expect::One { value, steady };
    let mut m = BTreeMap::new();
    // luneo-api
    m.insert("P95 latency", one(c.p95_ms(), true));
    m.insert("P95 latency over time", one(c.p95_ms(), true));
    m.insert("5xx ratio", one(err_total / c.total_rps(), true));
    m.insert("Throughput", one(c.total_rps(), true));
    m.insert("Throughput over time", one(c.total_rps(), true));
    m.insert("5xx per second", one(err_total, true));
    m.insert(
        "5xx responses per route",
        Expect::PerLabel {
            label: "route",
            values: err,
            steady: true,
        },
    );
    m.insert(
        "Requests per second by route",
        Expect::PerLabel {
            label: "route",
            values: rps,
            steady: true,
        },
    );
    m.insert(
        "Top 10 routes by P95 latency",
        Expect::PerLabel {
            label: "route",
            values: c.top10(),
            steady: false,
        },
    );
    // luneo-queues
    m.insert("Jobs waiting", one(total_waiting, false));
    m.insert("Failed jobs (last 15 min)", one(failed_15m, true));
    m.insert("Average GPU utilisation", one(gpu, true));
    m.insert("GPU utilisation over time", one(gpu, true));
    m.insert("Busiest queue backlog", one(max_waiting, false));
    m.insert(
        "Jobs waiting per queue",
        Expect::PerLabel {
            label: "queue",
            values: waiting,
            steady: false,
        },
    );
    m.insert(
        "Backlog growth per queue (jobs/min)",
        Expect::PerLabel {
            label: "queue",
            values: growth.clone(),
            steady: true,
        },
    );
    m.insert(
        "P95 processing latency per queue",
        Expect::PerLabel {
            label: "queue",
            values: c.job_p95_ms(),
            steady: true,
        },
    );
    m.insert(
        "Job failures per queue (per min)",
        Expect::PerLabel {
            label: "queue",
            values: failed_min,
            steady: true,
        },
    );
    // luneo-queues, panels declared in the definitions (spec.dashboards.queues.extraPanels)
    let per_gpu = |values| Expect::PerLabel {
        label: "gpu",
        values,
        steady: true,
    };
    m.insert("GPU temperature", per_gpu(c.gpu_temp()));
    m.insert("GPU memory used", per_gpu(c.gpu_fb_used()));
    m.insert("GPUs with an XID error", one(c.gpus_with_xid(), true));
    m.insert(
        "Job processing time distribution",
        Expect::PerLabel {
            label: "le",
            values: c.job_bucket_rates(),
            steady: true,
        },
    );
    // luneo-standby
    m.insert("Requests per second", one(c.total_rps(), true));
    m.insert(
        "Fastest backlog growth (jobs/min)",
        one(growth.values().copied().fold(f64::MIN, f64::max), true),
    );
    m
}

/// What an SLO health panel target returns: the value of the alert's condition (refId =
/// alert name), in the unit of the alert expression; a queue alert's target returns one
/// series per queue of the alert (the panel makes one tile per series).
fn slo_expectation(defs: &luneo_obs_core::model::Definitions, c: &Cluster, ref_id: &str) -> Expect {
    use luneo_obs_core::model::SloKind;
    // An SLO's error ratio over its window or over 5 minutes (`SLO/<name>/window|now`):
    // constant in the synthetic world, so both are the SLO's error ratio.
    if let Some(rest) = ref_id.strip_prefix("SLO/") {
        let name = rest.split('/').next().unwrap_or_default();
        let o = defs
            .spec
            .slos
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("SLO health target {ref_id}: no such SLO"));
        return match c.slo_error_ratio(o) {
            SloRatio::One(r) => Expect::One {
                value: r,
                steady: false,
            },
            SloRatio::PerQueue(rs) => Expect::PerLabel {
                label: "queue",
                values: rs,
                steady: false,
            },
        };
    }
    let alert = defs
        .spec
        .alerts
        .iter()
        .find(|a| a.name == ref_id)
        .unwrap_or_else(|| panic!("SLO health target {ref_id}: no such alert"));
    let one = |value: f64| Expect::One {
        value,
        steady: true,
    };
    match alert.slo {
        // The HTTP histogram is in seconds.
        SloKind::ApiLatency => one(c.p95_ms() / 1000.0),
        SloKind::ApiErrorRatio => one(c.err_rps().values().sum::<f64>() / c.total_rps()),
        SloKind::ApiNoTraffic => one(c.total_rps()),
        SloKind::GpuUtilisation => one(c.gpus.iter().sum::<f64>() / c.gpus.len() as f64),
        SloKind::QueueBacklogGrowth => {
            let names = alert.queues.as_deref().unwrap_or_default();
            let bullmq: Vec<&str> = defs
                .spec
                .queues
                .iter()
                .filter(|x| names.contains(&x.name))
                .map(|x| x.bullmq_name.as_str())
                .collect();
            let values: BTreeMap<String, f64> = c
                .queues
                .iter()
                .filter(|x| bullmq.contains(&x.name.as_str()))
                .map(|x| (x.name.clone(), x.slope * 60.0 / STEP as f64))
                .collect();
            assert_eq!(
                values.len(),
                names.len(),
                "{ref_id}: every queue of the alert is in the data"
            );
            Expect::PerLabel {
                label: "queue",
                values,
                steady: true,
            }
        }
        SloKind::Custom => panic!("{ref_id}: no expectation for custom alerts"),
        SloKind::QueueStalled | SloKind::GpuTemperature | SloKind::GpuXidErrors => {
            panic!(
                "{ref_id}: {} alerts have no health panel target",
                alert.slo.as_str()
            )
        }
    }
}

/// Check one answer (a matrix or a vector) against `e`; `what` names the panel target.
fn check(what: &str, result: &Value, e: &Expect, instant: bool) {
    let series = result
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no result array"));
    let last = |s: &Value| {
        if instant {
            s["value"][1]
                .as_str()
                .unwrap_or_default()
                .parse::<f64>()
                .unwrap_or(f64::NAN)
        } else {
            last_value(s).1
        }
    };
    let steady_ok = |s: &Value, want: f64| {
        instant
            || s["values"].as_array().into_iter().flatten().all(|p| {
                let v: f64 = p[1]
                    .as_str()
                    .unwrap_or_default()
                    .parse()
                    .unwrap_or(f64::NAN);
                close(v, want)
            })
    };
    match e {
        Expect::One { value, steady } => {
            assert_eq!(
                series.len(),
                1,
                "{what}: expected one series, got {}: {result}",
                series.len()
            );
            let v = last(&series[0]);
            assert!(close(v, *value), "{what}: last value {v}, expected {value}");
            if *steady {
                assert!(
                    steady_ok(&series[0], *value),
                    "{what}: not steady at {value} over the range (counter reset mishandled?): {}",
                    series[0]
                );
            }
        }
        Expect::PerLabel {
            label,
            values,
            steady,
        } => {
            let got: BTreeMap<String, &Value> = series
                .iter()
                .map(|s| {
                    (
                        s["metric"][*label]
                            .as_str()
                            .unwrap_or_else(|| panic!("{what}: a series without `{label}`: {s}"))
                            .to_string(),
                        s,
                    )
                })
                .collect();
            assert_eq!(
                got.len(),
                series.len(),
                "{what}: two series share a {label}"
            );
            let keys: BTreeSet<&String> = got.keys().collect();
            let want: BTreeSet<&String> = values.keys().collect();
            assert_eq!(keys, want, "{what}: one series per {label}");
            for (k, s) in &got {
                let v = last(s);
                assert!(
                    close(v, values[k]),
                    "{what}: {label}={k}: last value {v}, expected {}",
                    values[k]
                );
                if *steady {
                    assert!(
                        steady_ok(s, values[k]),
                        "{what}: {label}={k} not steady at {}: {s}",
                        values[k]
                    );
                }
            }
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One Prometheus over the history of `clusters` (labelled in a central store), checked
/// against the dashboards of their overlays. Adds to `ran` and `titles_seen`.
fn pass(
    t: Topology,
    clusters: &[&Cluster],
    t_end: i64,
    ran: &mut usize,
    titles_seen: &mut BTreeSet<String>,
) {
    let defs = luneo_obs_core::load::load_embedded()
        .unwrap_or_else(|d| panic!("{d:?}"))
        .defs;
    let labelled = t == Topology::Central;
    let tag = clusters
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join("-");
    let tag = format!("{}-{tag}", t.dir());
    let dir = Scratch::new(&format!("dashboards-live-{tag}"));
    let data = dir.path().join("data");

    // 1. Raw history.
    let om = dir.path().join("history.om");
    {
        let f = fs::File::create(&om).unwrap_or_else(|e| panic!("{e}"));
        let mut w = std::io::BufWriter::new(f);
        openmetrics(clusters, labelled, t_end, &mut w).unwrap_or_else(|e| panic!("{e}"));
        w.flush().unwrap_or_else(|e| panic!("{e}"));
    }
    run(
        "promtool",
        &[
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "-q",
            &om.display().to_string(),
            &data.display().to_string(),
        ],
        dir.path(),
    )
    .unwrap_or_else(|e| panic!("backfill: {e}"));
    fs::remove_file(&om).unwrap_or_else(|e| panic!("{e}"));

    // 2. The overlays as kustomize builds them; their rules, backfilled.
    let tree = Scratch::new(&format!("dashboards-live-tree-{tag}"));
    let built: Vec<Built> = build_overlays(tree.path(), &generate(t.definitions()))
        .into_iter()
        .filter(|b| clusters.iter().any(|c| c.name == b.cluster()))
        .collect();
    assert_eq!(built.len(), clusters.len(), "one overlay per cluster");
    let mut rule_files = BTreeMap::new();
    for b in &built {
        let f = format!("{}.rules.yaml", b.cluster());
        fs::write(
            dir.path().join(&f),
            yaml_serde::to_string(&b.rule_file()).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        rule_files.insert(f, b.rule_file());
    }
    let oldest = clusters
        .iter()
        .map(|c| t_end - (c.steps - 1) * STEP)
        .min()
        .unwrap_or(t_end);
    let prom = backfill_rules(dir.path(), &data, &rule_files, oldest + 600, t_end);

    // 3. The generated rules load and evaluate in the final Prometheus.
    let healthy = wait_for(Duration::from_secs(30), Duration::from_millis(500), || {
        let v = get_json(prom.port, "/api/v1/rules").ok()?;
        let groups = v["data"]["groups"].as_array()?.clone();
        let rules: Vec<Value> = groups
            .iter()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect();
        (!groups.is_empty() && rules.iter().all(|r| r["health"] == "ok")).then_some(groups.len())
    });
    let expected_groups: usize = rule_files
        .values()
        .map(|v| v["groups"].as_array().map(Vec::len).unwrap_or(0))
        .sum();
    assert_eq!(
        healthy,
        Some(expected_groups),
        "the generated rule groups must load and evaluate without error"
    );

    // 4. Every panel target of every dashboard of every overlay.
    let by_name: BTreeMap<&str, &Cluster> =
        clusters.iter().map(|c| (c.name.as_str(), *c)).collect();
    let scrape = dur_s(defs.spec.metrics.scrape_interval.as_str());
    for b in &built {
        for (cm, d) in b.dashboards() {
            let uid = d["uid"].as_str().unwrap_or("?").to_string();
            let mut vars = dashboard_vars(&d);
            // A central store: the `cluster` variable selects the cluster. One Prometheus
            // per cluster: there is no such variable, the data source is the cluster's.
            assert_eq!(
                vars.contains_key("cluster"),
                labelled,
                "{}/{uid}: a cluster variable exactly when series carry the label",
                b.name
            );
            let cluster = by_name
                .get(
                    vars.get("cluster")
                        .map(String::as_str)
                        .unwrap_or(&b.cluster()),
                )
                .unwrap_or_else(|| panic!("{uid}: cluster variable {vars:?}"));
            assert_eq!(
                cluster.name,
                b.cluster(),
                "{}/{cm}: the cluster variable defaults to the overlay's cluster",
                b.name
            );
            let mut expect: BTreeMap<String, Expect> = expectations(cluster)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            expect.extend(slo_expectations(&defs, cluster));
            // Variable queries list what the data holds.
            for v in d["templating"]["list"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["type"] == "query")
            {
                let q = substitute(v["query"].as_str().unwrap_or_default(), &vars);
                let inner = q
                    .strip_prefix("label_values(")
                    .and_then(|s| s.strip_suffix(')'))
                    .unwrap_or_else(|| panic!("{uid}: variable query {q}"));
                let (sel, label) = inner.rsplit_once(',').unwrap_or_else(|| panic!("{q}"));
                let vals = get_json(
                    prom.port,
                    &format!(
                        "/api/v1/label/{}/values?match[]={}&start={}&end={t_end}",
                        label.trim(),
                        enc(sel.trim()),
                        oldest
                    ),
                )
                .unwrap_or_else(|e| panic!("{e}"));
                let got: BTreeSet<String> = vals["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect();
                let want: BTreeSet<String> = match v["name"].as_str().unwrap_or_default() {
                    "cluster" => by_name.keys().map(|c| c.to_string()).collect(),
                    "queue" => cluster.queues.iter().map(|q| q.name.clone()).collect(),
                    "route" => cluster.routes.iter().map(|r| r.name.clone()).collect(),
                    other => panic!("{uid}: unexpected variable {other}"),
                };
                assert_eq!(
                    got, want,
                    "{}/{uid}: values of variable {}",
                    b.name, v["name"]
                );
            }
            let (from, to) = (
                d["time"]["from"].as_str().unwrap_or_default(),
                d["time"]["to"].as_str().unwrap_or_default(),
            );
            assert_eq!(to, "now");
            let dash_range = dur_s(
                from.strip_prefix("now-")
                    .unwrap_or_else(|| panic!("{uid}: time.from {from}")),
            );
            for p in d["panels"].as_array().into_iter().flatten() {
                let title = p["title"].as_str().unwrap_or("?");
                let range = p["timeFrom"].as_str().map(dur_s).unwrap_or(dash_range);
                // Grafana: interval = range / max data points, at least the scrape interval;
                // $__rate_interval = max($__interval + scrape interval, 4 x scrape interval).
                let step = ((range / 1000 + scrape - 1) / scrape * scrape).max(scrape);
                let rate_interval = (step + scrape).max(4 * scrape);
                vars.insert("__interval".into(), format!("{step}s"));
                vars.insert("__rate_interval".into(), format!("{rate_interval}s"));
                vars.insert("__range".into(), format!("{range}s"));
                let health = p["type"] == "luneo-slohealth-panel";
                let panel_expect = if health {
                    None
                } else {
                    Some(expect.get(title).unwrap_or_else(|| {
                        panic!(
                            "{}/{uid}: no expectation for panel `{title}`: add one to this test",
                            b.name
                        )
                    }))
                };
                titles_seen.insert(title.to_string());
                for t in p["targets"].as_array().into_iter().flatten() {
                    if panel_expect.is_none() && t["refId"] == "ALERTS" {
                        // The alerts' state: which alerts are pending here depends on the
                        // rules' evaluations; the query must run and select only the
                        // panel's alerts on this cluster.
                        let expr = substitute(t["expr"].as_str().unwrap_or_default(), &vars);
                        let v = query_range(&prom, &expr, t_end - 3600, t_end, 60);
                        for s in v.as_array().into_iter().flatten() {
                            let m = &s["metric"];
                            assert_eq!(m["cluster"], cluster.name.as_str(), "{expr}: {m}");
                            let name = m["alertname"].as_str().unwrap_or("?");
                            assert!(expr.contains(name), "{expr}: {m}");
                        }
                        continue;
                    }
                    let slo_expect;
                    let e = match panel_expect {
                        Some(e) => e,
                        None => {
                            slo_expect = slo_expectation(
                                &defs,
                                cluster,
                                t["refId"].as_str().unwrap_or_default(),
                            );
                            &slo_expect
                        }
                    };
                    let expr = substitute(t["expr"].as_str().unwrap_or_default(), &vars);
                    let what = format!("{}/{uid} `{title}` {} ({expr})", b.name, t["refId"]);
                    let instant = t["instant"] == true;
                    // Grafana aligns the range to the step: a whole number of steps
                    // back from now (30 days over 2,610 s steps is not one).
                    let span = (range + step - 1) / step * step;
                    let matrix = query_range(&prom, &expr, t_end - span, t_end, step);
                    for s in matrix.as_array().into_iter().flatten() {
                        assert_eq!(
                            last_value(s).0,
                            t_end,
                            "{what}: the range ends at the dashboard's now"
                        );
                    }
                    if instant {
                        // Grafana runs instant targets at the end of the range.
                        check(&what, &query(&prom, &expr, t_end), e, true);
                        if title.starts_with("Top 10") {
                            // Over the range, every step holds at most 10 routes.
                            let mut per_step: BTreeMap<i64, usize> = BTreeMap::new();
                            for s in matrix.as_array().into_iter().flatten() {
                                for v in s["values"].as_array().into_iter().flatten() {
                                    *per_step
                                        .entry(v[0].as_f64().unwrap_or_default() as i64)
                                        .or_default() += 1;
                                }
                            }
                            assert!(
                                per_step.values().all(|n| *n <= 10),
                                "{what}: more than 10 rows at some step"
                            );
                        } else {
                            check(&what, &matrix, e, false);
                        }
                    } else {
                        check(&what, &matrix, e, false);
                    }
                    *ran += 1;
                }
            }
        }
    }
    eprintln!(
        "{}: ran the panel targets of {} against Prometheus on 127.0.0.1:{}",
        t.dir(),
        built
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        prom.port
    );
}

#[test]
fn every_panel_query_returns_the_expected_shape_from_a_live_prometheus() {
    let defs = luneo_obs_core::load::load_embedded()
        .unwrap_or_else(|d| panic!("{d:?}"))
        .defs;
    assert_eq!(
        defs.spec.metrics.scrape_interval, "30s",
        "the synthetic history is 30 s apart, like the scrape interval"
    );
    let queue_names: Vec<String> = defs
        .spec
        .queues
        .iter()
        .map(|q| q.bullmq_name.clone())
        .collect();
    let t_end = now() / 60 * 60 - 60;
    let clusters = world(&queue_names);
    let mut ran = 0;
    let mut titles_seen = BTreeSet::new();
    // One Prometheus per cluster (the Luneo definitions as committed): each cluster's
    // unlabelled history, its own overlay.
    for c in &clusters {
        pass(
            Topology::PerCluster,
            &[c],
            t_end,
            &mut ran,
            &mut titles_seen,
        );
    }
    // A central store: every cluster's history, labelled, both overlays.
    let all: Vec<&Cluster> = clusters.iter().collect();
    pass(Topology::Central, &all, t_end, &mut ran, &mut titles_seen);
    let by_name: BTreeMap<&str, &Cluster> = clusters.iter().map(|c| (c.name.as_str(), c)).collect();
    let primary = by_name["primary"];
    assert_eq!(
        primary.top10().len(),
        10,
        "the synthetic primary has more than 10 routes"
    );
    assert!(
        primary.p95_ms() > 100.0 && primary.p95_ms() < 5000.0,
        "the P95 stat is checked in milliseconds"
    );
    let mut expected_titles: BTreeSet<String> = expectations(primary)
        .keys()
        .map(|s| s.to_string())
        .collect();
    expected_titles.extend(slo_expectations(&defs, primary).into_keys());
    expected_titles.insert("SLO health".into());
    assert_eq!(
        titles_seen, expected_titles,
        "every expectation is used by some panel"
    );
    eprintln!("ran {ran} panel targets in both topologies");
}
