//! The headless `kubechat-ops rollout status NAME` (issue 4 §5): the pane's phase and
//! progress for one rollout in plain text, with exit codes a script can gate on. The
//! objects arrive through the console's own watchers (`io::kube_watch`); the verdict is the
//! pure `cluster::rollout_status`.

use std::time::Duration;

use clap::{Args, Subcommand};
use kubechat_spec::parse_duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::cluster::rollout_status::{
    find_row, row_ref, rows_of, rows_synced, status_line, verdict, FindError, Verdict,
};
use crate::cluster::ClusterData;
use crate::io::kube_watch::spawn_rollout_kinds;
use crate::msg::{KubeMsg, Msg};

/// Exit code: the rollout is complete.
pub const EXIT_COMPLETE: u8 = 0;
/// Exit code: degraded, stalled, or not complete before the timeout.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: no such rollout, an ambiguous name, or the cluster cannot be read.
pub const EXIT_NOT_FOUND: u8 = 2;
/// Exit code (without --watch): still progressing or paused.
pub const EXIT_IN_PROGRESS: u8 = 3;

const STATUS_HELP: &str = "\
NAME is a Deployment, a blue/green pair (named by its Service) or an Argo Rollout; prefix \
it with deployment/, service/ or rollout/ when two kinds share the name.

Exit codes:
  0  complete (healthy: every replica updated and available)
  1  degraded or stalled, or not complete before --timeout
  2  no such rollout, an ambiguous NAME, or the cluster cannot be read
  3  (without --watch or --timeout) still progressing or paused

A --timeout waits like --watch, as kubectl rollout status does.";

#[derive(Debug, Args)]
pub struct RolloutArgs {
    #[command(subcommand)]
    pub command: RolloutCommand,
}

#[derive(Debug, Subcommand)]
pub enum RolloutCommand {
    /// Print a rollout's phase and progress; exit 0 when complete, 1 when degraded.
    #[command(after_help = STATUS_HELP)]
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The rollout: NAME, deployment/NAME, service/NAME (blue/green) or rollout/NAME.
    pub name: String,
    /// Keep watching, printing each change, until complete, degraded or the timeout.
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Give up after this long (30s, 5m, 1h30m); 0 waits for ever.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0")]
    pub timeout: Duration,
}

impl StatusArgs {
    /// Whether to wait for a final verdict: `--watch`, or a `--timeout` to wait within.
    fn waits(&self) -> bool {
        self.watch || !self.timeout.is_zero()
    }
}

/// Runs `rollout …`; returns the exit code.
pub async fn run(args: RolloutArgs, context: Option<String>, namespace: String) -> u8 {
    let RolloutCommand::Status(args) = args.command;
    match status(args, context, namespace).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kubechat-ops: {e:#}");
            EXIT_NOT_FOUND
        }
    }
}

async fn status(
    args: StatusArgs,
    context: Option<String>,
    namespace: String,
) -> anyhow::Result<u8> {
    let (client, _) = super::connect(context).await?;
    let (tx, mut rx) = mpsc::channel::<Msg>(256);
    let scope = crate::cluster::scope::Scope::Namespace(namespace.clone());
    let watchers = spawn_rollout_kinds(client, &scope, tx);
    let deadline = (!args.timeout.is_zero()).then(|| Instant::now() + args.timeout);
    let code = follow(&args, &namespace, &mut rx, deadline).await;
    for w in watchers {
        w.abort();
    }
    Ok(code)
}

/// Applies watch messages until the verdict is final; prints each new status line.
async fn follow(
    args: &StatusArgs,
    namespace: &str,
    rx: &mut mpsc::Receiver<Msg>,
    deadline: Option<Instant>,
) -> u8 {
    let mut data = ClusterData::default();
    let mut last_line = String::new();
    loop {
        let next = match deadline {
            Some(at) => match tokio::time::timeout_at(at, rx.recv()).await {
                Ok(m) => m,
                Err(_) => {
                    let what = if last_line.is_empty() {
                        "the first list of the cluster's objects".to_string()
                    } else {
                        last_line.clone()
                    };
                    eprintln!(
                        "timed out after {}s waiting for {}: {what}",
                        args.timeout.as_secs_f64(),
                        args.name
                    );
                    return EXIT_FAILED;
                }
            },
            None => rx.recv().await,
        };
        let Some(Msg::Kube(m)) = next else {
            eprintln!("kubechat-ops: the watchers stopped");
            return EXIT_NOT_FOUND;
        };
        if let KubeMsg::SourceError {
            kind,
            error: Some(error),
            ..
        } = &m
        {
            let error = format!("{kind}: {error}");
            if !rows_synced(&data) {
                eprintln!("kubechat-ops: cannot read the cluster: {error}");
                return EXIT_NOT_FOUND;
            }
            continue;
        }
        data.apply(m);
        if !rows_synced(&data) {
            continue;
        }
        let rows = rows_of(&data);
        let row = match find_row(&rows, &args.name) {
            Ok(row) => row,
            Err(e) => {
                eprintln!("{}", find_error(&e, &args.name, namespace));
                return EXIT_NOT_FOUND;
            }
        };
        let line = status_line(row);
        if line != last_line {
            println!("{}: {line}", row_ref(row));
            last_line = line;
        }
        match verdict(row) {
            Verdict::Complete => return EXIT_COMPLETE,
            Verdict::Failed => return EXIT_FAILED,
            Verdict::Waiting if !args.waits() => return EXIT_IN_PROGRESS,
            Verdict::Waiting => {}
        }
    }
}

fn find_error(e: &FindError, name: &str, namespace: &str) -> String {
    match e {
        FindError::NotFound => format!(
            "no rollout named {name} in namespace {namespace} (no Deployment, blue/green \
             Service or Argo Rollout has that name)"
        ),
        FindError::Ambiguous(refs) => format!(
            "{name} is ambiguous in namespace {namespace}: say which of {}",
            refs.join(", ")
        ),
        FindError::BadKind(kind) => {
            format!("{name}: unknown kind {kind:?} (use deployment/, service/ or rollout/)")
        }
    }
}
