//! `kubechat-ops runbook list | show ID | run ID`: runbooks without the screen, for scripts
//! and CI. `run` exits 0 when every step passed, 1 when a step or check failed, 2 when it
//! could not run (unknown id, a placeholder without a value, a bad file, a mutating step
//! without `--yes` or in read-only mode, a step that needs the terminal).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::sync::oneshot;

use crate::config::{Config, Paths};
use crate::io::kube_writer::KubeWriter;
use crate::io::runbook_checks::{cluster_values, run_action, run_check, CheckCx};
use crate::io::runbook_runner::{run_command, RunEnv};
use crate::runbook::model::InputDef;
use crate::runbook::parse::validate_input;
use crate::runbook::placeholder::{fill, parse_set, Quoting};
use crate::runbook::run::{StepRecord, StepState};
use crate::runbook::{Check, Runbook, Step, What};

pub const EXIT_PASSED: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_CANNOT_RUN: u8 = 2;
/// Lines of a step's output kept in the JUnit report.
const JUNIT_LINES: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RunFormat {
    Text,
    Json,
    Junit,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RunbookArgs {
    #[command(subcommand)]
    pub command: RunbookCommand,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum RunbookCommand {
    /// One runbook a line: its id, its title and the alerts it answers.
    List,
    /// A runbook's sections and steps, with what each runs.
    Show { id: String },
    /// Runs a runbook's steps against the cluster of --context.
    Run(RunArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    pub id: String,
    /// Only this section (by name).
    #[arg(long, value_name = "S")]
    pub section: Option<String>,
    /// Only step N (1-based; within --section when given, else across the runbook).
    #[arg(long, value_name = "N")]
    pub step: Option<usize>,
    /// A placeholder's value (`POD_NAME=web-1`), repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Run mutating steps (without it, a mutating step makes the run exit 2).
    #[arg(long)]
    pub yes: bool,
    /// Print the resolved commands; run nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: RunFormat,
    /// Prometheus base URL for PromQL checks (default: the config, else the service proxy).
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
}

/// What the global flags and the config say.
pub struct Globals {
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub read_only: bool,
    pub config_file: Option<PathBuf>,
}

pub async fn run(args: RunbookArgs, globals: Globals) -> u8 {
    let paths = match Paths::discover() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("runbook: {e:#}");
            return EXIT_CANNOT_RUN;
        }
    };
    let (runbooks, warnings) = crate::io::runbook_files::load(&paths.config_dir);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    match args.command {
        RunbookCommand::List => {
            print!("{}", render_list(&runbooks));
            EXIT_PASSED
        }
        RunbookCommand::Show { id } => match find(&runbooks, &id, &warnings) {
            Ok(rb) => {
                print!("{}", render_show(rb));
                EXIT_PASSED
            }
            Err(e) => {
                eprintln!("runbook: {e}");
                EXIT_CANNOT_RUN
            }
        },
        RunbookCommand::Run(run_args) => {
            let rb = match find(&runbooks, &run_args.id, &warnings) {
                Ok(rb) => rb.clone(),
                Err(e) => {
                    eprintln!("runbook: {e}");
                    return EXIT_CANNOT_RUN;
                }
            };
            match run_runbook(&rb, &run_args, &globals, &paths).await {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("runbook: {e:#}");
                    EXIT_CANNOT_RUN
                }
            }
        }
    }
}

fn find<'a>(runbooks: &'a [Runbook], id: &str, warnings: &[String]) -> Result<&'a Runbook, String> {
    runbooks.iter().find(|r| r.id == id).ok_or_else(|| {
        let known: Vec<&str> = runbooks.iter().map(|r| r.id.as_str()).collect();
        let mut e = format!("unknown runbook {id:?}; known: {}", known.join(", "));
        if !warnings.is_empty() {
            e.push_str(" (some files were left out: see the warnings)");
        }
        e
    })
}

pub fn render_list(runbooks: &[Runbook]) -> String {
    let w = runbooks.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in runbooks {
        let alerts = if r.alerts.is_empty() {
            String::new()
        } else {
            format!("  [{}]", r.alerts.join(", "))
        };
        out.push_str(&format!("{:w$}  {}{alerts}\n", r.id, r.title));
    }
    out
}

/// What a step runs, as written.
pub fn step_text(step: &Step) -> String {
    match &step.what {
        What::Command(c) => format!("$ {c}"),
        What::Action(a) => format!("action: {}", a.template),
        What::Check(c) => format!("check: {}", c.describe()),
        What::Manual => "manual".to_string(),
    }
}

pub fn render_show(rb: &Runbook) -> String {
    let mut out = format!("{} — {}\n", rb.id, rb.title);
    if !rb.alerts.is_empty() {
        out.push_str(&format!("alerts: {}\n", rb.alerts.join(", ")));
    }
    if let Some(s) = &rb.severity {
        out.push_str(&format!("severity: {s}\n"));
    }
    if let Some(u) = &rb.url {
        out.push_str(&format!("url: {u}\n"));
    }
    out.push_str(&format!("source: {}\n", rb.source));
    let names = rb.placeholders();
    if !names.is_empty() {
        out.push_str(&format!("placeholders: {}\n", names.join(", ")));
    }
    for i in &rb.inputs {
        out.push_str(&format!("input {}: {}\n", i.name, i.description));
    }
    let mut n = 0;
    for s in &rb.sections {
        out.push_str(&format!("\n[{}]\n", s.name));
        for step in &s.steps {
            n += 1;
            let mut flags = Vec::new();
            if step.mutates {
                flags.push("writes".to_string());
            }
            if step.interactive {
                flags.push("interactive".to_string());
            }
            if let Some(t) = step.timeout {
                flags.push(format!(
                    "timeout {}",
                    crate::text::duration_label(t.as_secs() as i64)
                ));
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" ({})", flags.join(", "))
            };
            out.push_str(&format!("{n:>3}. {}{flags}\n", step.title));
            for line in step_text(step).lines() {
                out.push_str(&format!("     {line}\n"));
            }
            if let Some(r) = &step.responsible {
                out.push_str(&format!("     responsible: {r}\n"));
            }
            if let Some(c) = &step.criteria {
                out.push_str(&format!("     criteria: {c}\n"));
            }
            if let Some(note) = &step.note {
                out.push_str(&format!("     note: {note}\n"));
            }
        }
    }
    out
}

/// A step chosen to run: its section, its number in the runbook, and what it runs resolved.
#[derive(Debug, Clone)]
pub struct Chosen<'a> {
    pub section: &'a str,
    pub number: usize,
    pub step: &'a Step,
    pub resolved: Resolved,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Command(String),
    Action(String),
    Check(Check),
    Manual,
}

impl Resolved {
    pub fn shown(&self) -> String {
        match self {
            Resolved::Command(c) => c.clone(),
            Resolved::Action(a) => format!("action: {a}"),
            Resolved::Check(c) => format!("check: {}", c.describe()),
            Resolved::Manual => "manual".into(),
        }
    }
}

/// Fills a step's placeholders; the names without a value when any is missing.
pub fn resolve(step: &Step, values: &BTreeMap<String, String>) -> Result<Resolved, Vec<String>> {
    Ok(match &step.what {
        What::Command(c) => Resolved::Command(fill(c, values, Quoting::Shell)?),
        What::Action(a) => Resolved::Action(fill(&a.template, values, Quoting::Plain)?),
        What::Manual => Resolved::Manual,
        What::Check(c) => Resolved::Check(match c {
            Check::PodsReady {
                selector,
                namespace,
            } => Check::PodsReady {
                selector: fill(selector, values, Quoting::Plain)?,
                namespace: namespace.clone(),
            },
            Check::Promql {
                query,
                cmp,
                threshold,
            } => Check::Promql {
                query: fill(query, values, Quoting::Plain)?,
                cmp: *cmp,
                threshold: *threshold,
            },
            Check::Http {
                service,
                namespace,
                target,
                status,
                body,
            } => Check::Http {
                service: service
                    .as_deref()
                    .map(|s| fill(s, values, Quoting::Plain))
                    .transpose()?,
                namespace: namespace.clone(),
                target: fill(target, values, Quoting::Plain)?,
                status: *status,
                body: body.clone(),
            },
        }),
    })
}

/// The steps `--section`/`--step` select, numbered across the runbook.
pub fn select<'a>(
    rb: &'a Runbook,
    section: Option<&str>,
    step: Option<usize>,
) -> Result<Vec<(&'a str, usize, &'a Step)>, String> {
    let mut all = Vec::new();
    let mut n = 0;
    for s in &rb.sections {
        for st in &s.steps {
            n += 1;
            all.push((s.name.as_str(), n, st));
        }
    }
    if let Some(name) = section {
        if !rb.sections.iter().any(|s| s.name == name) {
            let known: Vec<&str> = rb.sections.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "{}: no section {name:?}; sections: {}",
                rb.id,
                known.join(", ")
            ));
        }
        all.retain(|(s, _, _)| *s == name);
    }
    if let Some(k) = step {
        if k == 0 || k > all.len() {
            return Err(format!(
                "{}: no step {k} (1 to {}{})",
                rb.id,
                all.len(),
                section.map(|s| format!(" in {s}")).unwrap_or_default()
            ));
        }
        all = vec![all[k - 1]];
    }
    Ok(all)
}

fn check_inputs(inputs: &[InputDef], values: &BTreeMap<String, String>) -> Result<(), String> {
    for def in inputs {
        if let Some(v) = values.get(&def.name) {
            validate_input(def, v)?;
        }
    }
    Ok(())
}

async fn run_runbook(
    rb: &Runbook,
    args: &RunArgs,
    globals: &Globals,
    paths: &Paths,
) -> anyhow::Result<u8> {
    let cannot = |e: String| {
        eprintln!("runbook: {e}");
        Ok(EXIT_CANNOT_RUN)
    };
    let chosen = match select(rb, args.section.as_deref(), args.step) {
        Ok(c) => c,
        Err(e) => return cannot(e),
    };
    let mut values = BTreeMap::new();
    for s in &args.set {
        match parse_set(s) {
            Ok((k, v)) => {
                values.insert(k, v);
            }
            Err(e) => return cannot(format!("--set {e}")),
        }
    }
    if let Err(e) = check_inputs(&rb.inputs, &values) {
        return cannot(e);
    }
    let (config, warning) = Config::load(globals.config_file.as_deref(), &paths.config_file())?;
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    let kubeconfig = Kubeconfig::read().context("cannot read the kubeconfig")?;
    let context = globals
        .context
        .clone()
        .or(kubeconfig.current_context.clone())
        .context("no --context and no current context in the kubeconfig")?;
    let namespace = globals
        .namespace
        .clone()
        .or(config.namespace.clone())
        .unwrap_or_else(|| "kubechat-system".to_string());
    let read_only = config.read_only(globals.read_only, &context);
    let kube_config = kube::Config::from_custom_kubeconfig(
        kubeconfig.clone(),
        &KubeConfigOptions {
            context: Some(context.clone()),
            ..Default::default()
        },
    )
    .await
    .with_context(|| format!("context {context}"))?;
    let client = kube::Client::try_from(kube_config.clone())
        .context("cannot build the Kubernetes client")?;

    // the values the cluster supplies, then --set over them
    let wanted: Vec<String> = chosen
        .iter()
        .flat_map(|(_, _, s)| s.placeholders())
        .collect();
    let derived = wanted.iter().any(|w| {
        !values.contains_key(w)
            && matches!(
                w.as_str(),
                "live_slot" | "live_deployment" | "idle_slot" | "idle_deployment" | "namespace"
            )
    });
    if derived {
        match cluster_values(&client, &namespace, &wanted).await {
            Ok(v) => {
                for (k, v) in v {
                    values.entry(k).or_insert(v);
                }
            }
            Err(e) => return cannot(e),
        }
    }
    let mut steps = Vec::new();
    for (section, number, step) in chosen {
        match resolve(step, &values) {
            Ok(resolved) => steps.push(Chosen {
                section,
                number,
                step,
                resolved,
            }),
            Err(missing) => {
                let names: Vec<String> = missing.iter().map(|m| m.to_uppercase()).collect();
                return cannot(format!(
                    "step {number} ({}): no value for {} (give --set {}=…)",
                    step.title,
                    missing.join(", "),
                    names[0]
                ));
            }
        }
    }
    if args.dry_run {
        print_dry_run(rb, &steps, args.format, &context, &namespace);
        return Ok(EXIT_PASSED);
    }
    for c in &steps {
        if c.step.mutates && read_only {
            return cannot(format!(
                "step {} ({}) writes to the cluster and context {context} is read-only: nothing was run\n  {}",
                c.number,
                c.step.title,
                c.resolved.shown()
            ));
        }
        if c.step.mutates && !args.yes {
            return cannot(format!(
                "step {} ({}) writes to the cluster: give --yes to run it (nothing was run)\n  {}",
                c.number,
                c.step.title,
                c.resolved.shown()
            ));
        }
        if c.step.interactive {
            return cannot(format!(
                "step {} ({}) needs a terminal: run it in the console (nothing was run)",
                c.number, c.step.title
            ));
        }
    }
    let env = RunEnv::prepare(&kubeconfig, &context, &namespace, &std::env::temp_dir())?;
    let explicit = args.prometheus.clone().or(config.prometheus.url.clone());
    let prom = crate::io::prom_source::resolve(
        explicit.as_deref(),
        None,
        &config.prometheus,
        Some(&kube_config),
    )
    .ok()
    .and_then(|p| crate::io::prom::PromClient::new(p).ok());
    // a check answers what the server said (a 503 is a failed probe), never retried
    let mut check_config = kube_config.clone();
    check_config.default_retry = false;
    let check_client =
        kube::Client::try_from(check_config).context("cannot build the Kubernetes client")?;
    let cx = CheckCx {
        client: check_client,
        namespace: namespace.clone(),
        prom,
    };
    let writer = (!read_only).then(|| KubeWriter::new(client.clone(), &namespace));
    let text = args.format == RunFormat::Text;
    let total = rb.step_count();
    let mut records = Vec::new();
    let mut failed = false;
    for c in &steps {
        let mut rec = StepRecord::pending(c.section, &c.step.title, &c.resolved.shown());
        if text {
            println!("[{}/{total}] {}: {}", c.number, c.section, c.step.title);
            println!("  {}", c.resolved.shown().replace('\n', "\n  "));
        }
        rec.started = Some(jiff::Timestamp::now());
        let (_cancel_tx, cancel) = oneshot::channel::<()>();
        let print_line = |l: &str| {
            if text {
                println!("  │ {l}");
            }
        };
        match &c.resolved {
            _ if failed && c.step.mutates => {
                rec.state = StepState::Skipped;
                rec.reason = "not run: an earlier step failed".into();
            }
            Resolved::Command(line) => {
                let r = run_command(
                    line,
                    &env,
                    &c.step.expect,
                    c.step.timeout,
                    cancel,
                    print_line,
                )
                .await;
                rec.state = r.state;
                rec.reason = r.reason;
                rec.exit = r.exit;
                rec.dropped = r.tail.dropped;
                rec.output = r.tail.lines.into_iter().collect();
            }
            Resolved::Action(a) => {
                let (state, reason) = run_action(a, writer.as_ref()).await;
                rec.state = state;
                rec.reason = reason;
            }
            Resolved::Check(check) => {
                let mut lines = Vec::new();
                let (state, reason) = run_check(check, &cx, c.step.timeout, cancel, |l| {
                    print_line(l);
                    lines.push(l.to_string());
                })
                .await;
                rec.state = state;
                rec.reason = reason;
                rec.output = lines;
            }
            Resolved::Manual => {
                rec.state = StepState::Skipped;
                rec.reason = "manual: tick it off in the console".into();
            }
        }
        rec.finished = Some(jiff::Timestamp::now());
        if matches!(rec.state, StepState::Failed | StepState::Refused) {
            failed = true;
        }
        if text {
            let dropped = if rec.dropped > 0 {
                format!(", {} earlier output lines dropped", rec.dropped)
            } else {
                String::new()
            };
            println!(
                "  → {}: {} ({:.1}s{dropped})",
                rec.state.as_str(),
                rec.reason,
                rec.seconds()
            );
        }
        records.push(rec);
    }
    match args.format {
        RunFormat::Text => println!("{}", summary(&records)),
        RunFormat::Json => println!("{}", render_json(rb, &context, &namespace, &records)),
        RunFormat::Junit => print!("{}", render_junit(rb, &records)),
    }
    Ok(if failed { EXIT_FAILED } else { EXIT_PASSED })
}

fn summary(records: &[StepRecord]) -> String {
    let count = |s: StepState| records.iter().filter(|r| r.state == s).count();
    format!(
        "{} steps: {} passed, {} failed, {} skipped",
        records.len(),
        count(StepState::Passed),
        count(StepState::Failed) + count(StepState::Refused),
        count(StepState::Skipped)
    )
}

fn print_dry_run(rb: &Runbook, steps: &[Chosen], format: RunFormat, context: &str, ns: &str) {
    match format {
        RunFormat::Text => {
            println!(
                "{} — {} (dry run: context {context}, namespace {ns})",
                rb.id, rb.title
            );
            for c in steps {
                let mut flags = Vec::new();
                if c.step.mutates {
                    flags.push("writes");
                }
                if c.step.interactive {
                    flags.push("interactive");
                }
                let flags = if flags.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", flags.join(", "))
                };
                println!("[{}] {}: {}{flags}", c.number, c.section, c.step.title);
                println!("  {}", c.resolved.shown().replace('\n', "\n  "));
            }
        }
        RunFormat::Json | RunFormat::Junit => {
            let records: Vec<StepRecord> = steps
                .iter()
                .map(|c| {
                    let mut r = StepRecord::pending(c.section, &c.step.title, &c.resolved.shown());
                    r.state = StepState::Skipped;
                    r.reason = "dry run".into();
                    r
                })
                .collect();
            if format == RunFormat::Json {
                println!("{}", render_json(rb, context, ns, &records));
            } else {
                print!("{}", render_junit(rb, &records));
            }
        }
    }
}

pub fn render_json(rb: &Runbook, context: &str, namespace: &str, records: &[StepRecord]) -> String {
    let passed = records
        .iter()
        .all(|r| !matches!(r.state, StepState::Failed | StepState::Refused));
    let v = serde_json::json!({
        "runbook": rb.id,
        "title": rb.title,
        "context": context,
        "namespace": namespace,
        "passed": passed,
        "steps": records,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// XML text: `&`, `<`, `>`, `"`, `'` escaped; characters XML 1.0 cannot hold dropped.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The run as a JUnit report: one testsuite, one testcase per step (classname
/// `ID.SECTION`), failures with their reason and the end of the output.
pub fn render_junit(rb: &Runbook, records: &[StepRecord]) -> String {
    let failures = records
        .iter()
        .filter(|r| matches!(r.state, StepState::Failed | StepState::Refused))
        .count();
    let skipped = records
        .iter()
        .filter(|r| matches!(r.state, StepState::Skipped | StepState::Pending))
        .count();
    let time: f64 = records.iter().map(StepRecord::seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"kubechat-ops runbook\" tests=\"{}\" failures=\"{failures}\" time=\"{time:.3}\">\n",
        records.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">\n",
        xml_escape(&rb.id),
        records.len()
    ));
    for r in records {
        out.push_str(&format!(
            "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\">\n",
            xml_escape(&rb.id),
            xml_escape(&r.section),
            xml_escape(&r.title),
            r.seconds()
        ));
        match r.state {
            StepState::Failed | StepState::Refused => out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\"/>\n",
                xml_escape(&r.reason),
                r.state.as_str()
            )),
            StepState::Skipped | StepState::Pending => out.push_str(&format!(
                "      <skipped message=\"{}\"/>\n",
                xml_escape(&r.reason)
            )),
            _ => {}
        }
        let start = r.output.len().saturating_sub(JUNIT_LINES);
        let mut body = format!("$ {}\n", r.resolved);
        for l in &r.output[start..] {
            body.push_str(l);
            body.push('\n');
        }
        out.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            xml_escape(&body)
        ));
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
