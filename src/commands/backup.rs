//! `kubechat-ops backup status`: every CronJob of the namespace judged as the Backups pane
//! judges it (`cluster::backup::assess_all`), for monitoring: exit 0 every backup fresh,
//! 1 one late, stale or failing, 2 cannot tell (the cluster cannot be read, no CronJob, a
//! schedule that cannot be read).

use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use kubechat_spec::parse_duration;
use serde::Serialize;

use crate::cluster::backup::{assess_all, BackupHealth, BackupPolicy, Verdict};
use crate::text::short_age;

pub const EXIT_FRESH: u8 = 0;
pub const EXIT_BAD: u8 = 1;
pub const EXIT_UNKNOWN: u8 = 2;

const STATUS_HELP: &str = "\
A backup is stale when its last success is older than its recovery-point objective (one \
schedule interval plus a grace, 1h by default; [backups] grace and [backups.rpo] in the \
config), failing when its newest Job failed, late when a run is due. Where CloudNativePG \
is installed, each Cluster's continuous WAL archiving is judged too: failing when its \
ContinuousArchiving condition is False, stale when no WAL was archived for 30 minutes.

Exit codes:
  0  every backup fresh
  1  one or more late, stale or failing
  2  cannot tell: the cluster cannot be read, no CronJob, or a schedule that cannot be read";

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: BackupCommand,
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Judge every CronJob's backup: exit 0 all fresh, 1 late/stale/failing, 2 unknown.
    #[command(after_help = STATUS_HELP)]
    Status(StatusArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: StatusFormat,
    /// How long to wait for the cluster (e.g. 10s).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// One row of the JSON: the verdict and the next run in local time beside UTC.
#[derive(Debug, Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    health: &'a BackupHealth,
    next_run_local: Option<String>,
}

/// 1 when any backup is late, stale or failing; else 2 when any cannot be judged or there
/// is none; else 0.
pub fn exit_code(all: &[BackupHealth]) -> u8 {
    if all
        .iter()
        .any(|h| matches!(h.verdict, Verdict::Late | Verdict::Stale | Verdict::Failing))
    {
        EXIT_BAD
    } else if all.is_empty() || all.iter().any(|h| h.verdict == Verdict::Unknown) {
        EXIT_UNKNOWN
    } else {
        EXIT_FRESH
    }
}

/// "2026-12-02 03:00 CET" in `tz`.
pub fn local_time(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn utc_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn render_table(all: &[BackupHealth], tz: &TimeZone) -> String {
    let w = all
        .iter()
        .map(|h| h.name.len() + 8)
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!(
        "{:w$}  {:7}  {:24}  {:12}  {:45}  REASON\n",
        "BACKUP", "VERDICT", "SCHEDULE", "LAST SUCCESS", "NEXT RUN (LOCAL / UTC)"
    );
    for h in all {
        let last = match h.age_seconds {
            Some(a) => format!("{} ago", short_age(a)),
            None => "never".into(),
        };
        let next = match h.next_run {
            Some(t) => format!("{} / {}", local_time(t, tz), utc_time(t)),
            None if h.suspended => "suspended".into(),
            None if h.kind == "Cluster" => "continuous".into(),
            None => "-".into(),
        };
        let words: String = h.schedule_words.chars().take(24).collect();
        let name = match h.kind {
            "Cluster" => format!("cluster/{}", h.name),
            _ => h.name.clone(),
        };
        out.push_str(&format!(
            "{:w$}  {:7}  {:24}  {:12}  {:45}  {}\n",
            name,
            h.verdict.as_str(),
            words,
            last,
            next,
            h.reason
        ));
        if let Some(f) = &h.last_failure {
            if h.kind == "CronJob" && matches!(h.verdict, Verdict::Failing | Verdict::Stale) {
                let reason = f.reason.as_deref().unwrap_or("failed");
                out.push_str(&format!(
                    "{:w$}  last failed job {}: {reason}\n",
                    "", f.name
                ));
            }
        }
    }
    out
}

pub fn render_json(all: &[BackupHealth], tz: &TimeZone) -> String {
    let rows: Vec<Row> = all
        .iter()
        .map(|h| Row {
            health: h,
            next_run_local: h.next_run.map(|t| local_time(t, tz)),
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into())
}

/// Runs `backup …`; returns the exit code.
pub async fn run(
    args: BackupArgs,
    context: Option<String>,
    namespace: String,
    policy: BackupPolicy,
) -> u8 {
    let BackupCommand::Status(args) = args.command;
    match status(&args, context, &namespace, &policy).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kubechat-ops backup status: {e:#}");
            EXIT_UNKNOWN
        }
    }
}

async fn status(
    args: &StatusArgs,
    context: Option<String>,
    namespace: &str,
    policy: &BackupPolicy,
) -> anyhow::Result<u8> {
    let (client, _) = super::connect(context).await?;
    let objects = tokio::time::timeout(args.timeout, crate::io::backups::read(&client, namespace))
        .await
        .map_err(|_| anyhow::anyhow!("the cluster did not answer within {:?}", args.timeout))?
        .with_context(|| format!("cannot read the CronJobs and Jobs of {namespace}"))?;
    let now = Timestamp::now();
    let jobs: Vec<_> = objects.jobs.iter().collect();
    let mut all = assess_all(&objects.cronjobs, &jobs, now, policy);
    all.extend(objects.cnpg_clusters.iter().map(|c| c.health(now)));
    let tz = TimeZone::system();
    match args.format {
        StatusFormat::Table => print!("{}", render_table(&all, &tz)),
        StatusFormat::Json => println!("{}", render_json(&all, &tz)),
    }
    if all.is_empty() {
        eprintln!(
            "kubechat-ops backup status: no CronJob or CloudNativePG Cluster in namespace {namespace}: nothing to judge"
        );
    }
    Ok(exit_code(&all))
}
