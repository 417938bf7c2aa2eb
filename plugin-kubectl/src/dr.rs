//! `kubectl luneo-obs dr start|status|end`: disaster-recovery silences on one or more
//! Alertmanagers. The core computes every silence (matchers, window, `dr_mode=true` tag);
//! this module only talks HTTP, and reaches in-cluster Alertmanagers through
//! `kubectl port-forward`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};
use luneo_obs_core::dr::{DrAction, DrRequest, DrResponse};
use luneo_obs_core::Source;

use crate::engine::Engine;

#[derive(Args)]
#[command(
    about = "Disaster-recovery windows: mute the alerts a DR test is expected to fire, and only those",
    long_about = "Disaster-recovery windows: mute the alerts a DR test is expected to fire (drExpected: true in the definitions), on every Alertmanager given, for a bounded window.\n\nEach DR silence matches one expected alert on one cluster (alertname and cluster) and carries the tag dr_mode=true in its createdBy and comment: `dr status` lists them and `dr end` expires them, never another silence. `dr start` twice creates no duplicate.\n\nAlertmanagers: --alertmanager URL (repeatable), or --context CTX (repeatable) to reach kube-prometheus-stack's Alertmanager through `kubectl port-forward`; with neither, the current kube context is used.\n\nExit codes: 0 done on every Alertmanager, 1 refused (window, definitions), 2 an Alertmanager could not be reached or refused a request (each one is reported)."
)]
pub struct DrArgs {
    #[command(subcommand)]
    pub command: DrCommand,
}

#[derive(Subcommand)]
pub enum DrCommand {
    /// Mute the DR-expected alerts for a bounded window (e.g. --duration 2h).
    Start {
        /// Length of the window (at most the definitions' notifications.dr.maxWindow).
        #[arg(long, value_name = "DURATION")]
        duration: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// List the DR silences in place.
    Status {
        #[command(flatten)]
        target: Target,
    },
    /// Expire every DR silence (and nothing else).
    End {
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Args, Clone)]
pub struct Target {
    /// Alertmanager base URL, e.g. http://127.0.0.1:9093 (repeatable).
    #[arg(long = "alertmanager", value_name = "URL")]
    pub alertmanagers: Vec<String>,
    /// Kube context whose Alertmanager is reached through `kubectl port-forward` (repeatable).
    #[arg(long = "context", value_name = "CONTEXT")]
    pub contexts: Vec<String>,
    /// Kubeconfig file for the port-forward.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Namespace of kube-prometheus-stack (default: the definitions' kubernetes.namespace).
    #[arg(short = 'n', long = "namespace", value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Alertmanager Service to port-forward to (the Prometheus Operator creates
    /// `alertmanager-operated`; kube-prometheus-stack also has `<release>-alertmanager`).
    #[arg(long, default_value = "alertmanager-operated", value_name = "SERVICE")]
    pub service: String,
    /// Timeout of each HTTP request and of the port-forward start, in seconds.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub timeout: u64,
}

/// A `kubectl port-forward` child, killed when dropped.
struct PortForward(Child);

impl Drop for PortForward {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Local port from kubectl's "Forwarding from 127.0.0.1:PORT -> 9093" line.
fn forwarded_port(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("Forwarding from 127.0.0.1:")?;
    rest.split_whitespace().next()?.parse().ok()
}

fn port_forward(
    t: &Target,
    context: Option<&str>,
    namespace: &str,
) -> Result<(String, PortForward), String> {
    let mut cmd = Command::new("kubectl");
    if let Some(k) = &t.kubeconfig {
        cmd.arg("--kubeconfig").arg(k);
    }
    if let Some(c) = context {
        cmd.args(["--context", c]);
    }
    cmd.args([
        "-n",
        namespace,
        "port-forward",
        &format!("svc/{}", t.service),
        ":9093",
    ]);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run kubectl for the port-forward: {e}"))?;
    let out = child.stdout.take();
    let err = child.stderr.take();
    let guard = PortForward(child);
    let (tx, rx) = mpsc::channel::<Result<u16, String>>();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        if let Some(out) = out {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(p) = forwarded_port(&line) {
                    let _ = tx.send(Ok(p));
                    return;
                }
            }
        }
    });
    std::thread::spawn(move || {
        if let Some(err) = err {
            let lines: Vec<String> = BufReader::new(err)
                .lines()
                .map_while(Result::ok)
                .take(3)
                .collect();
            if !lines.is_empty() {
                let _ = tx2.send(Err(lines.join(" ")));
            }
        }
    });
    let what = format!(
        "svc/{} in namespace {namespace}{}",
        t.service,
        context
            .map(|c| format!(" (context {c})"))
            .unwrap_or_default()
    );
    match rx.recv_timeout(Duration::from_secs(t.timeout)) {
        Ok(Ok(port)) => Ok((format!("http://127.0.0.1:{port}"), guard)),
        Ok(Err(e)) => Err(format!("kubectl port-forward to {what} failed: {e}")),
        Err(_) => Err(format!(
            "kubectl port-forward to {what} did not start within {}s",
            t.timeout
        )),
    }
}

fn http_error(url: &str, e: ureq::Error) -> String {
    match e {
        ureq::Error::Status(code, resp) => {
            let body = resp.into_string().unwrap_or_default();
            format!("{url}: HTTP {code}: {}", body.trim())
        }
        ureq::Error::Transport(t) => format!("{url}: cannot reach the Alertmanager: {t}"),
    }
}

struct Am {
    agent: ureq::Agent,
    base: String,
}

impl Am {
    fn get(&self, path: &str) -> Result<serde_json::Value, String> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| http_error(&url, e))?;
        resp.into_json()
            .map_err(|e| format!("{url}: not JSON: {e}"))
    }
    fn post(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value, String> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .agent
            .post(&url)
            .send_json(body.clone())
            .map_err(|e| http_error(&url, e))?;
        resp.into_json()
            .map_err(|e| format!("{url}: not JSON: {e}"))
    }
    fn delete(&self, path: &str) -> Result<(), String> {
        let url = format!("{}{path}", self.base);
        self.agent
            .delete(&url)
            .call()
            .map(|_| ())
            .map_err(|e| http_error(&url, e))
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Apply one action on one Alertmanager; the lines to print, or the reason it failed.
fn on_alertmanager(
    engine: &dyn Engine,
    base: &str,
    req: &DrRequest,
    t: &Target,
) -> Result<Vec<String>, String> {
    if !(base.starts_with("http://")) {
        return Err(format!("{base}: only http:// Alertmanager URLs are supported (reach an in-cluster Alertmanager with --context, through kubectl port-forward)"));
    }
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(t.timeout))
        .build();
    let am = Am {
        agent,
        base: base.trim_end_matches('/').to_string(),
    };
    let version = am.get("/api/v2/status")?["versionInfo"]["version"]
        .as_str()
        .map(str::to_string);
    let silences = match am.get("/api/v2/silences")? {
        list @ serde_json::Value::Array(_) => serde_json::from_value(list)
            .map_err(|e| format!("{base}/api/v2/silences: not a list of silences: {e}"))?,
        other => {
            return Err(format!(
                "{base}/api/v2/silences: expected a list, got {other}"
            ))
        }
    };
    let plan: DrResponse = engine.dr(&DrRequest {
        silences,
        alertmanager_version: version,
        ..req.clone()
    })?;
    if !plan.ok {
        return Err(plan
            .diagnostics
            .iter()
            .map(|d| d.render())
            .collect::<Vec<_>>()
            .join("; "));
    }
    let mut lines = Vec::new();
    match req.action {
        DrAction::Start => {
            for s in &plan.active {
                lines.push(format!(
                    "  kept     {}  {}  (already active until {})",
                    s.id, s.matchers, s.ends_at
                ));
            }
            for s in &plan.create {
                let body = serde_json::to_value(s).map_err(|e| e.to_string())?;
                let id = am.post("/api/v2/silences", &body)?["silenceID"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let m: Vec<String> = s
                    .matchers
                    .iter()
                    .map(|m| format!("{}={:?}", m.name, m.value))
                    .collect();
                lines.push(format!(
                    "  created  {id}  {}  until {}",
                    m.join(", "),
                    s.ends_at
                ));
            }
        }
        DrAction::Status => {
            if plan.active.is_empty() {
                lines.push("  no DR silence".to_string());
            }
            for s in &plan.active {
                lines.push(format!(
                    "  {:<8} {}  {}  until {}",
                    s.state, s.id, s.matchers, s.ends_at
                ));
            }
        }
        DrAction::End => {
            if plan.expire.is_empty() {
                lines.push("  no DR silence to expire".to_string());
            }
            for s in &plan.expire {
                am.delete(&format!("/api/v2/silence/{}", s.id))?;
                lines.push(format!("  expired  {}  {}", s.id, s.matchers));
            }
        }
    }
    Ok(lines)
}

/// Run a `dr` subcommand. Exit code as documented in [`DrArgs`].
pub fn run(engine: &dyn Engine, definitions: Option<Source>, args: DrArgs) -> Result<u8, String> {
    let (action, duration, target) = match args.command {
        DrCommand::Start { duration, target } => (DrAction::Start, duration, target),
        DrCommand::Status { target } => (DrAction::Status, None, target),
        DrCommand::End { target } => (DrAction::End, None, target),
    };
    let req = DrRequest {
        definitions,
        action,
        duration,
        now_ms: now_ms(),
        ..Default::default()
    };
    // Refuse a bad window or bad definitions before touching any Alertmanager.
    let dry = engine.dr(&req)?;
    if !dry.ok {
        for d in &dry.diagnostics {
            eprintln!("{}", d.render());
        }
        eprintln!(
            "dr {}: refused, no Alertmanager was changed",
            action_name(action)
        );
        return Ok(1);
    }
    let namespace = target
        .namespace
        .clone()
        .unwrap_or_else(|| dry.namespace.clone());
    let mut endpoints: Vec<(String, Result<String, String>)> = target
        .alertmanagers
        .iter()
        .map(|u| (u.clone(), Ok(u.clone())))
        .collect();
    let mut forwards = Vec::new();
    let contexts: Vec<Option<&str>> =
        if target.contexts.is_empty() && target.alertmanagers.is_empty() {
            vec![None]
        } else {
            target.contexts.iter().map(|c| Some(c.as_str())).collect()
        };
    for c in contexts {
        let label = format!("context {}", c.unwrap_or("(current)"));
        match port_forward(&target, c, &namespace) {
            Ok((url, guard)) => {
                forwards.push(guard);
                endpoints.push((format!("{label} ({url})"), Ok(url)));
            }
            Err(e) => endpoints.push((label, Err(e))),
        }
    }
    let targets: Vec<String> = dry
        .targets
        .iter()
        .map(|t| format!("{} on {}", t.alert, t.cluster))
        .collect();
    if action == DrAction::Start {
        println!(
            "DR window of {}: muting {}",
            req.duration.clone().unwrap_or_default(),
            targets.join(", ")
        );
    }
    let mut failed = 0;
    for (label, url) in &endpoints {
        match url
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|u| on_alertmanager(engine, u, &req, &target))
        {
            Ok(lines) => {
                println!("{label}: ok");
                for l in lines {
                    println!("{l}");
                }
            }
            Err(e) => {
                failed += 1;
                println!("{label}: FAILED");
                eprintln!("kubectl luneo-obs dr {}: {label}: {e}", action_name(action));
            }
        }
    }
    drop(forwards);
    if failed > 0 {
        eprintln!(
            "dr {}: {failed} of {} Alertmanager(s) failed; the others are done (see above)",
            action_name(action),
            endpoints.len()
        );
        return Ok(2);
    }
    Ok(0)
}

fn action_name(a: DrAction) -> &'static str {
    match a {
        DrAction::Start => "start",
        DrAction::Status => "status",
        DrAction::End => "end",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_kubectl_prints() {
        assert_eq!(
            forwarded_port("Forwarding from 127.0.0.1:43567 -> 9093"),
            Some(43567)
        );
        assert_eq!(forwarded_port("Forwarding from [::1]:43567 -> 9093"), None);
    }
}
