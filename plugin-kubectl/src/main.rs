//! `kubectl luneo-obs`: generate and validate Luneo's observability manifests.
//!
//! A thin layer of I/O (files, terminal) around core operations that take and return
//! plain data. Exit codes: 0 success, 1 problems found (diagnostics, drift), 2 could not run.

mod docs_cmd;
mod dr;
mod engine;
#[cfg(test)]
mod extism_tests;
mod fsio;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use luneo_obs_core::ops::SchemaRequest;
use luneo_obs_core::{
    Diagnostic, ExplainRequest, GenerateRequest, ManifestTree, Severity, Source, ValidateRequest,
};

use crate::engine::Engine;

#[derive(Parser)]
#[command(
    name = "kubectl luneo-obs",
    bin_name = "kubectl luneo-obs",
    version,
    about = "kubectl luneo-obs: observability-as-code for Luneo (PrometheusRules, dashboards, Alertmanager, DR silences)",
    long_about = "kubectl luneo-obs: observability-as-code for Luneo.\n\nEvery artefact (PrometheusRules, dashboards, Alertmanager configuration) is derived from one definitions file. Without --definitions, the Luneo definitions embedded in the plugin are used.\n\nExit codes: 0 success, 1 problems found, 2 could not run."
)]
struct Cli {
    /// Definitions file (default: the embedded Luneo definitions).
    #[arg(short = 'f', long = "definitions", global = true, value_name = "FILE")]
    definitions: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Output {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Write the manifests tree (overlays, rules, dashboards) derived from the definitions.
    Generate {
        /// Output directory, replaced as a whole (atomically).
        #[arg(long, default_value = "manifests", value_name = "DIR")]
        out: PathBuf,
        /// Write nothing; exit 1 when the tree on disk differs: list the missing and
        /// extra files, and show a unified diff of each file that differs.
        #[arg(long)]
        check: bool,
        /// Drill mode: divide every alert `for` and the Alertmanager intervals by N (60: a
        /// minute becomes a second); expressions and thresholds are unchanged. Never commit
        /// such a tree: it is for live drills only.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        time_scale: Option<u32>,
    },
    /// Disaster-recovery windows: `dr start --duration 2h`, `dr status`, `dr end`.
    Dr(dr::DrArgs),
    /// Check the definitions and an existing manifests tree.
    Validate {
        /// Manifests tree to check (default: ./manifests when it exists).
        #[arg(long, value_name = "DIR")]
        manifests: Option<PathBuf>,
        /// Check the definitions only, not a manifests tree.
        #[arg(long, conflicts_with = "manifests")]
        definitions_only: bool,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "human")]
        output: Output,
    },
    /// Show an alert: threshold, expression, for, severity, clusters, runbook.
    Explain {
        /// Alert name, e.g. ApiLatencyHigh (default: a table of every alert).
        alert: Option<String>,
        #[arg(short = 'o', long = "output", value_enum, default_value = "human")]
        output: Output,
    },
    /// Print the JSON Schema of the definitions format (for editor completion).
    Schema,
    /// Refresh the generated blocks of the runbooks and the observability page (docs/).
    Docs {
        /// Documentation directory (holds observability.md and runbooks/).
        #[arg(long, default_value = "docs", value_name = "DIR")]
        dir: PathBuf,
        /// Write nothing; exit 1 and list the pages whose generated blocks are out of date.
        #[arg(long)]
        check: bool,
    },
    /// Print the plugin and core versions.
    Version,
}

/// A failure to run (exit 2), as opposed to problems found (exit 1).
struct Fatal(String);

fn read_definitions(path: &Option<PathBuf>) -> Result<Option<Source>, Fatal> {
    match path {
        None => Ok(None),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Fatal(format!("cannot read definitions file {}: {e}", p.display())))?;
            Ok(Some(Source {
                name: p.display().to_string(),
                text,
            }))
        }
    }
}

fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{}", d.render());
    }
}

fn summary(diags: &[Diagnostic]) -> String {
    let e = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let w = diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    format!(
        "{e} error{}, {w} warning{}",
        if e == 1 { "" } else { "s" },
        if w == 1 { "" } else { "s" }
    )
}

fn generate(
    engine: &dyn Engine,
    defs: Option<Source>,
    out: &Path,
    check: bool,
    time_scale: Option<u32>,
) -> Result<u8, Fatal> {
    let resp = engine
        .generate(&GenerateRequest {
            definitions: defs,
            time_scale,
        })
        .map_err(Fatal)?;
    print_diagnostics(&resp.diagnostics);
    if !resp.ok {
        eprintln!(
            "generation failed ({}); {} left untouched",
            summary(&resp.diagnostics),
            out.display()
        );
        return Ok(1);
    }
    if check {
        let on_disk = if out.exists() {
            fsio::read_tree(out)
                .map_err(|e| Fatal(format!("cannot read {}: {e}", out.display())))?
        } else {
            Default::default()
        };
        let d = fsio::diff_tree(&on_disk, &resp.files);
        if d.is_empty() {
            println!(
                "{} is up to date ({} files)",
                out.display(),
                resp.files.len()
            );
            return Ok(0);
        }
        for f in &d.missing {
            println!("missing: {}/{f}", out.display());
        }
        for f in &d.changed {
            let name = format!("{}/{f}", out.display());
            println!("differs: {name}");
            let (Some(old), Some(new)) = (on_disk.get(f), resp.files.get(f)) else {
                continue;
            };
            print!(
                "{}",
                fsio::unified_diff(&name, old, new, fsio::DIFF_MAX_LINES)
            );
        }
        for f in &d.extra {
            println!("extra:   {}/{f}", out.display());
        }
        eprintln!(
            "{} is out of date: run `kubectl luneo-obs generate` and commit the result",
            out.display()
        );
        return Ok(1);
    }
    fsio::write_tree_atomic(out, &resp.files).map_err(Fatal)?;
    let bytes: usize = resp.files.values().map(String::len).sum();
    println!(
        "wrote {} files ({bytes} bytes) to {} ({})",
        resp.files.len(),
        out.display(),
        summary(&resp.diagnostics)
    );
    Ok(0)
}

fn validate(
    engine: &dyn Engine,
    defs: Option<Source>,
    manifests: Option<PathBuf>,
    definitions_only: bool,
    output: Output,
) -> Result<u8, Fatal> {
    let dir = match (manifests, definitions_only) {
        (_, true) => None,
        (Some(d), _) => {
            if !d.is_dir() {
                return Err(Fatal(format!(
                    "manifests directory {} does not exist",
                    d.display()
                )));
            }
            Some(d)
        }
        (None, false) => Some(PathBuf::from("manifests")).filter(|d| d.is_dir()),
    };
    let tree = match &dir {
        Some(d) => Some(ManifestTree {
            root: d.display().to_string(),
            files: fsio::read_tree(d)
                .map_err(|e| Fatal(format!("cannot read {}: {e}", d.display())))?,
        }),
        None => None,
    };
    let resp = engine
        .validate(&ValidateRequest {
            definitions: defs,
            manifests: tree,
        })
        .map_err(Fatal)?;
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&resp).map_err(|e| Fatal(e.to_string()))?
        ),
        Output::Human => {
            for d in &resp.diagnostics {
                println!("{}", d.render());
            }
            let what = match &dir {
                Some(d) => format!("definitions and {}", d.display()),
                None => "definitions".to_string(),
            };
            println!(
                "{}: {what}: {}",
                if resp.ok { "ok" } else { "FAILED" },
                summary(&resp.diagnostics)
            );
        }
    }
    Ok(if resp.ok { 0 } else { 1 })
}

fn explain(
    engine: &dyn Engine,
    defs: Option<Source>,
    alert: Option<String>,
    output: Output,
) -> Result<u8, Fatal> {
    let resp = engine
        .explain(&ExplainRequest {
            definitions: defs,
            alert: alert.unwrap_or_default(),
        })
        .map_err(Fatal)?;
    if resp.ok && resp.alert.is_none() && resp.slo.is_none() {
        if output == Output::Json {
            println!(
                "{}",
                serde_json::to_string_pretty(&resp.all).map_err(|e| Fatal(e.to_string()))?
            );
            return Ok(0);
        }
        println!(
            "{:<24} {:<22} {:<6} {:<9} {:<10} DR-EXPECTED",
            "ALERT", "THRESHOLD", "FOR", "SEVERITY", "CLUSTERS"
        );
        for a in &resp.all {
            let thr = if a.threshold.is_empty() {
                "-"
            } else {
                a.threshold.as_str()
            };
            println!(
                "{:<24} {:<22} {:<6} {:<9} {:<10} {}",
                a.name,
                thr,
                a.r#for,
                a.severity,
                a.clusters.join(","),
                if a.dr_expected { "yes" } else { "no" }
            );
        }
        if !resp.slos.is_empty() {
            println!();
            println!(
                "{:<22} {:<10} {:<7} {:<24} {:<30} CLUSTERS",
                "SLO", "OBJECTIVE", "WINDOW", "BUDGET", "ALERT (TIERS)"
            );
            for o in &resp.slos {
                let tiers: Vec<&str> = o.tiers.iter().map(|t| t.tier.as_str()).collect();
                println!(
                    "{:<22} {:<10} {:<7} {:<24} {:<30} {}",
                    o.name,
                    format!("{} %", fmt_num(o.objective)),
                    o.window,
                    format!(
                        "{} % = {} min",
                        fmt_num(round(o.budget * 100.0)),
                        fmt_num(o.budget_minutes)
                    ),
                    format!("{} ({})", o.alert, tiers.join(", ")),
                    o.clusters.join(",")
                );
            }
        }
        return Ok(0);
    }
    if let Some(o) = &resp.slo {
        if output == Output::Json {
            println!(
                "{}",
                serde_json::to_string_pretty(o).map_err(|e| Fatal(e.to_string()))?
            );
            return Ok(0);
        }
        print_slo(o);
        return Ok(0);
    }
    let Some(a) = &resp.alert else {
        print_diagnostics(&resp.diagnostics);
        return Ok(1);
    };
    if output == Output::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(a).map_err(|e| Fatal(e.to_string()))?
        );
        return Ok(0);
    }
    println!("{}  ({})", a.name, a.summary);
    println!("  slo:        {}", a.slo);
    println!(
        "  threshold:  {}",
        if a.threshold.is_empty() {
            "-"
        } else {
            &a.threshold
        }
    );
    println!("  for:        {}", a.r#for);
    println!("  severity:   {}", a.severity);
    println!("  clusters:   {}", a.clusters.join(", "));
    println!(
        "  dr-expected:{}",
        if a.dr_expected {
            " yes (muted by `dr start`)"
        } else {
            " no"
        }
    );
    println!("  runbook:    {}", a.runbook_url);
    println!("  defined at: {}:{}:{}", a.file, a.line, a.column);
    for e in &a.exprs {
        println!("  expr [{}]:\n    {}", e.cluster, e.expr);
    }
    Ok(0)
}

/// `v` rounded to 10 significant decimals (0.5, not 0.49999999999999994).
fn round(v: f64) -> f64 {
    luneo_obs_core::model::slo::round_decimal(v)
}

fn fmt_num(v: f64) -> String {
    luneo_obs_core::model::fmt_num(v)
}

fn print_slo(o: &luneo_obs_core::ops::api::SloExplanation) {
    println!("{}  ({})", o.name, o.description);
    println!(
        "  objective:  {} % over {} ({} SLI)",
        fmt_num(o.objective),
        o.window,
        o.sli
    );
    println!(
        "  budget:     {} % of events, {} min of total outage over {}",
        fmt_num(round(o.budget * 100.0)),
        fmt_num(o.budget_minutes),
        o.window
    );
    if let Some(g) = &o.group_by {
        println!("  groups:     one SLO per `{g}`");
    }
    if let Some(n) = o.min_events {
        println!("  guard:      at least {n} events over each long window");
    }
    println!("  alert:      {}", o.alert);
    for t in &o.tiers {
        let conds: Vec<String> = t
            .conditions
            .iter()
            .map(|c| {
                format!(
                    "{}x over {} and {} ({} % of the budget)",
                    fmt_num(c.factor),
                    c.long_window,
                    c.short_window,
                    fmt_num(round(c.budget_fraction * 100.0))
                )
            })
            .collect();
        println!(
            "  {:<6}      {} for {}, {} -> {}",
            t.tier,
            t.severity,
            t.r#for,
            conds.join(" or "),
            t.receivers.join(", ")
        );
    }
    println!("  clusters:   {}", o.clusters.join(", "));
    println!("  runbook:    {}", o.runbook_url);
    println!("  defined at: {}:{}:{}", o.file, o.line, o.column);
}

fn run(cli: Cli) -> Result<u8, Fatal> {
    // Every core operation runs in the core's WebAssembly build, hosted by Extism.
    let hosted = engine::Extism::new();
    let engine: &dyn Engine = &hosted;
    match cli.command {
        Command::Version => {
            println!(
                "kubectl-luneo_obs {} (core: {})",
                env!("CARGO_PKG_VERSION"),
                engine.describe()
            );
            Ok(0)
        }
        Command::Schema => {
            let r = engine.schema(&SchemaRequest {}).map_err(Fatal)?;
            match r.diagnostics.first() {
                Some(d) if !r.ok => Err(Fatal(d.render())),
                _ => {
                    print!("{}", r.schema);
                    Ok(0)
                }
            }
        }
        Command::Docs { dir, check } => {
            docs_cmd::run(engine, read_definitions(&cli.definitions)?, &dir, check).map_err(Fatal)
        }
        Command::Generate {
            out,
            check,
            time_scale,
        } => generate(
            engine,
            read_definitions(&cli.definitions)?,
            &out,
            check,
            time_scale,
        ),
        Command::Dr(args) => {
            dr::run(engine, read_definitions(&cli.definitions)?, args).map_err(Fatal)
        }
        Command::Validate {
            manifests,
            definitions_only,
            output,
        } => validate(
            engine,
            read_definitions(&cli.definitions)?,
            manifests,
            definitions_only,
            output,
        ),
        Command::Explain { alert, output } => {
            explain(engine, read_definitions(&cli.definitions)?, alert, output)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(c) => ExitCode::from(c),
        Err(Fatal(msg)) => {
            eprintln!("kubectl luneo-obs: error: {msg}");
            ExitCode::from(2)
        }
    }
}
