//! Live test helpers: real Prometheus and Alertmanager processes on 127.0.0.1 (killed by PID
//! when dropped), a synthetic Luneo exporter the test drives into each failure, and a local
//! HTTP receiver standing in for Slack and PagerDuty. Every wait is bounded in time.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A child process killed (by its PID) and reaped when dropped.
pub struct Proc {
    pub name: String,
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `program` with `args`, output to `log`. Errors name the missing tool.
pub fn spawn(name: &str, program: &str, args: &[String], log: &Path) -> Result<Proc, String> {
    let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {program} ({e}): run `make setup` (apt-get install prometheus prometheus-alertmanager)"))?;
    Ok(Proc {
        name: name.to_string(),
        child,
    })
}

/// A free port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Poll `f` every `every` until it returns `Some`, at most `limit` (time and count bounded).
pub fn wait_for<T>(
    limit: Duration,
    every: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> Option<T> {
    let start = Instant::now();
    let max_polls = (limit.as_millis() / every.as_millis().max(1)) as usize + 2;
    for _ in 0..max_polls {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() >= limit {
            break;
        }
        std::thread::sleep(every);
    }
    f()
}

/// Minimal HTTP/1.0 request (Connection: close) to 127.0.0.1; returns (status, body).
pub fn http(
    method: &str,
    port: u16,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let mut s =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("127.0.0.1:{port}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("bad HTTP response: {text}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, rest.to_string()))
}

pub fn get_json(port: u16, path: &str) -> Result<serde_json::Value, String> {
    let (code, body) = http("GET", port, path, None)?;
    if code != 200 {
        return Err(format!("GET {path}: HTTP {code}: {body}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("GET {path}: {e}: {body}"))
}

// ---------------------------------------------------------------------------------------
// Synthetic exporter.

/// What the synthetic Luneo exporter exposes; the test changes it to inject faults.
#[derive(Debug, Clone)]
pub struct World {
    /// Primary API request rates (requests/s): fast 200s (50 ms), slow 200s (800 ms),
    /// fast 500s.
    pub fast_ok: f64,
    pub slow_ok: f64,
    pub errors: f64,
    /// Standby API: `None` = the series does not exist at all; `Some(r)` = r requests/s.
    pub standby_api: Option<f64>,
    /// Waiting-queue slopes (jobs/s) per (cluster, bullmq queue).
    pub queue_slope: BTreeMap<(String, String), f64>,
    /// GPU utilisation (percent, DCGM_FI_DEV_GPU_UTIL) on the primary.
    pub gpu: f64,
}

impl Default for World {
    fn default() -> Self {
        let mut q = BTreeMap::new();
        for c in ["primary", "standby"] {
            for n in ["luneo-ai", "luneo-render"] {
                q.insert((c.to_string(), n.to_string()), 0.0);
            }
        }
        World {
            fast_ok: 20.0,
            slow_ok: 0.0,
            errors: 0.0,
            standby_api: None,
            queue_slope: q,
            gpu: 30.0,
        }
    }
}

#[derive(Default)]
struct Counters {
    fast_ok: f64,
    slow_ok: f64,
    errors: f64,
    standby: f64,
    queue: BTreeMap<(String, String), f64>,
    /// Jobs completed per queue (the workers never stop in the drill: 2 jobs/s).
    completed: f64,
    last: Option<Instant>,
}

const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn histogram(out: &mut String, status: &str, obs: &[(f64, f64)]) {
    let h = "http_request_duration_seconds";
    let labels = format!("route=\"/v1/render\",method=\"POST\",status_code=\"{status}\"");
    for le in BUCKETS {
        let n: f64 = obs.iter().filter(|(v, _)| *v <= le).map(|(_, n)| n).sum();
        out.push_str(&format!("{h}_bucket{{{labels},le=\"{le}\"}} {n}\n"));
    }
    let total: f64 = obs.iter().map(|(_, n)| n).sum();
    let sum: f64 = obs.iter().map(|(v, n)| v * n).sum();
    out.push_str(&format!("{h}_bucket{{{labels},le=\"+Inf\"}} {total}\n{h}_sum{{{labels}}} {sum}\n{h}_count{{{labels}}} {total}\n"));
}

/// The series of `cluster`, as its own Prometheus scrapes them: one Prometheus per
/// cluster, so no series carries a cluster label (the cluster is an external label).
fn render(w: &World, c: &mut Counters, cluster: &str) -> String {
    let now = Instant::now();
    let dt = c
        .last
        .map(|l| now.duration_since(l).as_secs_f64())
        .unwrap_or(0.0);
    c.last = Some(now);
    c.fast_ok += w.fast_ok * dt;
    c.slow_ok += w.slow_ok * dt;
    c.errors += w.errors * dt;
    if let Some(r) = w.standby_api {
        c.standby += r * dt;
    }
    c.completed += 2.0 * dt;
    for ((cl, queue), slope) in &w.queue_slope {
        let v = c.queue.entry((cl.clone(), queue.clone())).or_insert(1000.0);
        *v = (*v + slope * dt).max(0.0);
    }
    let mut out = String::from("# TYPE http_request_duration_seconds histogram\n");
    if cluster == "primary" {
        histogram(
            &mut out,
            "200",
            &[(0.05, c.fast_ok.floor()), (0.8, c.slow_ok.floor())],
        );
        histogram(&mut out, "500", &[(0.05, c.errors.floor())]);
    } else if w.standby_api.is_some() {
        histogram(&mut out, "200", &[(0.05, c.standby.floor())]);
    }
    out.push_str("# TYPE bullmq_job_completed_total counter\n");
    for (_, queue) in w.queue_slope.keys().filter(|(cl, _)| cl == cluster) {
        out.push_str(&format!(
            "bullmq_job_completed_total{{queue=\"{queue}\"}} {}\n",
            c.completed.floor()
        ));
    }
    out.push_str("# TYPE bullmq_job_count gauge\n");
    for ((_, queue), v) in c.queue.iter().filter(|((cl, _), _)| cl == cluster) {
        out.push_str(&format!(
            "bullmq_job_count{{queue=\"{queue}\",state=\"waiting\"}} {}\n",
            v.floor()
        ));
        out.push_str(&format!(
            "bullmq_job_count{{queue=\"{queue}\",state=\"active\"}} 4\n"
        ));
    }
    if cluster == "primary" {
        out.push_str(&format!("# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{{gpu=\"0\",exported_pod=\"luneo-worker-render-0\"}} {}\n", w.gpu));
    }
    out
}

/// The synthetic exporter: GET /metrics/<cluster> renders that cluster's part of [`World`].
pub struct Exporter {
    pub port: u16,
    world: Arc<Mutex<World>>,
    stop: Arc<AtomicBool>,
}

impl Exporter {
    pub fn start() -> Result<Exporter, String> {
        let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = l.local_addr().map_err(|e| e.to_string())?.port();
        l.set_nonblocking(true).map_err(|e| e.to_string())?;
        let world = Arc::new(Mutex::new(World::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (w, st) = (world.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut counters = Counters::default();
            while !st.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((mut s, _)) => {
                        let _ = s.set_nonblocking(false);
                        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                        let mut r = BufReader::new(match s.try_clone() {
                            Ok(c) => c,
                            Err(_) => continue,
                        });
                        let mut line = String::new();
                        // Request line (`GET /metrics/<cluster> HTTP/1.1`) and headers (a
                        // scrape has no body).
                        let _ = r.read_line(&mut line);
                        let cluster = line
                            .split_whitespace()
                            .nth(1)
                            .and_then(|p| p.strip_prefix("/metrics/"))
                            .unwrap_or("")
                            .to_string();
                        line.clear();
                        while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                            if line == "\r\n" || line == "\n" {
                                break;
                            }
                            line.clear();
                        }
                        let body = match w.lock() {
                            Ok(world) => render(&world, &mut counters, &cluster),
                            Err(_) => String::new(),
                        };
                        let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Ok(Exporter { port, world, stop })
    }

    /// Change the world (inject or clear faults).
    pub fn set(&self, f: impl FnOnce(&mut World)) {
        if let Ok(mut w) = self.world.lock() {
            f(&mut w);
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------
// Notification receiver (Slack and PagerDuty stand-in).

/// One notification as it reached the receiver.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Time since the receiver started.
    pub at: Duration,
    /// `slack` or `pagerduty`.
    pub kind: String,
    /// URL path (tells which webhook was used).
    pub path: String,
    pub body: serde_json::Value,
}

pub struct Receiver {
    pub port: u16,
    pub started: Instant,
    log: Arc<Mutex<Vec<Notification>>>,
    stop: Arc<AtomicBool>,
}

fn read_request(r: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        if h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((path, body))
}

impl Receiver {
    pub fn start() -> Result<Receiver, String> {
        let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = l.local_addr().map_err(|e| e.to_string())?.port();
        l.set_nonblocking(true).map_err(|e| e.to_string())?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let (lg, st) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((s, _)) => {
                        let lg = lg.clone();
                        // Alertmanager keeps connections alive: one thread per connection.
                        std::thread::spawn(move || {
                            let _ = s.set_nonblocking(false);
                            let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
                            let Ok(mut w) = s.try_clone() else { return };
                            let mut r = BufReader::new(s);
                            for _ in 0..10_000 {
                                let Some((path, body)) = read_request(&mut r) else {
                                    return;
                                };
                                let kind = if path.starts_with("/pagerduty") {
                                    "pagerduty"
                                } else {
                                    "slack"
                                };
                                let body: serde_json::Value = serde_json::from_slice(&body)
                                    .unwrap_or(serde_json::Value::Null);
                                if let Ok(mut v) = lg.lock() {
                                    v.push(Notification {
                                        at: started.elapsed(),
                                        kind: kind.to_string(),
                                        path,
                                        body,
                                    });
                                }
                                let reply = if kind == "pagerduty" {
                                    "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{\"status\":\"success\"}\n"
                                } else {
                                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
                                };
                                if w.write_all(reply.as_bytes()).is_err() {
                                    return;
                                }
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Ok(Receiver {
            port,
            started,
            log,
            stop,
        })
    }

    pub fn all(&self) -> Vec<Notification> {
        self.log.lock().map(|v| v.clone()).unwrap_or_default()
    }

    pub fn now(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What a notification says, read the way a person reads it in Slack or PagerDuty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seen {
    /// `slack #sre`, `slack #incident`, `pagerduty`.
    pub receiver: String,
    pub alertname: String,
    pub cluster: String,
    pub severity: String,
    /// `firing` or `resolved`.
    pub status: String,
}

/// Decode a Slack or PagerDuty Events v2 payload produced by the generated templates.
pub fn decode(n: &Notification) -> Option<Seen> {
    let b = &n.body;
    if n.kind == "pagerduty" {
        let p = &b["payload"];
        let status = match b["event_action"].as_str()? {
            "trigger" => "firing",
            "resolve" => "resolved",
            _ => return None,
        };
        return Some(Seen {
            receiver: "pagerduty".into(),
            alertname: p["class"].as_str()?.to_string(),
            cluster: p["component"].as_str()?.to_string(),
            severity: p["severity"].as_str()?.to_string(),
            status: status.into(),
        });
    }
    let a = &b["attachments"][0];
    let title = a["title"].as_str()?;
    // "[FIRING:1] Name on cluster (severity)" / "[RESOLVED] Name on cluster (severity)"
    let (head, rest) = title.split_once("] ")?;
    let status = if head.starts_with("[FIRING") {
        "firing"
    } else {
        "resolved"
    };
    let (name, rest) = rest.split_once(" on ")?;
    let (cluster, sev) = rest.split_once(" (")?;
    Some(Seen {
        receiver: format!("slack {}", b["channel"].as_str()?),
        alertname: name.to_string(),
        cluster: cluster.to_string(),
        severity: sev.trim_end_matches(')').to_string(),
        status: status.into(),
    })
}

/// The built `kubectl-luneo_obs` binary: `$LUNEO_OBS_PLUGIN`, else next to this test's
/// target directory (`cargo test --workspace` builds it).
pub fn plugin_binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("LUNEO_OBS_PLUGIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // target/<profile>/deps/<test> -> target/<profile>/kubectl-luneo_obs
    let dir = exe.parent().and_then(Path::parent).ok_or("no target dir")?;
    let p = dir.join("kubectl-luneo_obs");
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "{} is not built: run `cargo build -p kubectl-luneo_obs` (or `make drill`)",
            p.display()
        ))
    }
}
