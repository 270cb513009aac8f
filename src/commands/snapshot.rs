//! `kubechat-ops snapshot [--out PATH]` and `kubechat-ops snapshot diff A B`: the seed's
//! backup-kubernetes-configs.sh done natively. Secrets are redacted to digests unless
//! `--include-secrets` (then every file is written 0600, and it says so); old snapshots
//! in the snapshots directory are pruned after `--keep-days` (30, as the seed).
//! `kubechat-ops snapshot restore PATH --yes` applies one back (a cluster write: refused
//! in read-only mode, and refused when its Secrets are redacted unless told where their
//! values come from).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use jiff::Timestamp;
use kubechat_spec::parse_duration;

use crate::cluster::restore::{plan, Plan, SecretsSource};
use crate::cluster::snapshot::diff;
use crate::config::Config;
use crate::io::kube_writer::KubeWriter;
use crate::io::snapshot::{digest_key, prune, read, read_manifest, take, Secrets};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SnapshotArgs {
    #[command(subcommand)]
    pub command: Option<SnapshotCommand>,
    /// Where to write the snapshot (a new directory; default: the snapshots directory).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Keep Secrets' values in clear (the files are written 0600). Default: digests.
    #[arg(long)]
    pub include_secrets: bool,
    /// Remove snapshots older than this many days from the snapshots directory.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub keep_days: u32,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Objects added, removed and changed (with field paths) from snapshot A to B:
    /// exit 0 no difference, 1 differences, 2 a snapshot cannot be read.
    Diff(DiffArgs),
    /// Apply snapshot PATH to the cluster: the CRDs, the cluster RBAC, the namespace
    /// (created when missing), its objects; then wait for every Deployment to be Available.
    /// Exit 0 restored and available, 1 an object failed or a Deployment is not Available
    /// in time, 2 could not run (nothing was applied).
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The snapshot (a directory written by `kubechat-ops snapshot`).
    pub path: PathBuf,
    /// Apply (without it, nothing is applied and the restore exits 2).
    #[arg(long)]
    pub yes: bool,
    /// Print what would be applied, in order; apply nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The values of the snapshot's redacted Secrets: another snapshot of the namespace,
    /// taken with --include-secrets.
    #[arg(long, value_name = "SNAPSHOT", conflicts_with = "skip_secrets")]
    pub secrets_from: Option<PathBuf>,
    /// Restore without the snapshot's redacted Secrets (they must exist already or be
    /// created by hand).
    #[arg(long)]
    pub skip_secrets: bool,
    /// How long to wait for the CRDs to be established and each Deployment to be Available.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub a: PathBuf,
    pub b: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
}

/// Runs `snapshot …`; returns the exit code. `read_only` is `--read-only`.
pub async fn run(
    args: SnapshotArgs,
    context: Option<String>,
    namespace: String,
    snapshots_dir: PathBuf,
    read_only: bool,
    config: &Config,
) -> u8 {
    let result = match &args.command {
        Some(SnapshotCommand::Diff(d)) => run_diff(d),
        Some(SnapshotCommand::Restore(r)) => restore(r, context, read_only, config).await,
        None => snapshot(&args, context, &namespace, &snapshots_dir).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kubechat-ops snapshot: {e:#}");
            2
        }
    }
}

fn run_diff(args: &DiffArgs) -> anyhow::Result<u8> {
    let a = read(&args.a)?;
    let b = read(&args.b)?;
    let d = diff(&a, &b);
    match args.format {
        DiffFormat::Text => print!("{}", d.render_text()),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&d)?),
    }
    Ok(if d.is_empty() { 0 } else { 1 })
}

/// Exit codes of `snapshot restore`.
const RESTORED: u8 = 0;
const NOT_HEALTHY: u8 = 1;
const CANNOT_RESTORE: u8 = 2;

fn secrets_source(args: &RestoreArgs) -> anyhow::Result<SecretsSource> {
    Ok(match (&args.secrets_from, args.skip_secrets) {
        (Some(p), _) => SecretsSource::From(read(p)?),
        (None, true) => SecretsSource::Skip,
        (None, false) => SecretsSource::Snapshot,
    })
}

fn print_plan(plan: &Plan, verb: &str) {
    for p in &plan.objects {
        println!("{verb} {}", p.label());
    }
    for s in &plan.skipped {
        println!("skipped {s} (redacted, --skip-secrets)");
    }
}

async fn restore(
    args: &RestoreArgs,
    context: Option<String>,
    read_only: bool,
    config: &Config,
) -> anyhow::Result<u8> {
    let manifest = read_manifest(&args.path)?;
    let objects = read(&args.path)?;
    let plan = match plan(&objects, &secrets_source(args)?) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!(
                "kubechat-ops snapshot restore: {}: {e}; nothing was applied",
                args.path.display()
            );
            return Ok(CANNOT_RESTORE);
        }
    };
    let namespace = &manifest.namespace;
    if args.dry_run {
        print_plan(&plan, "would apply");
        println!(
            "{} objects into namespace {namespace} (dry run: nothing applied)",
            plan.objects.len()
        );
        return Ok(RESTORED);
    }
    let (client, context) = super::connect(context).await?;
    if config.read_only(read_only, &context) {
        eprintln!(
            "kubechat-ops snapshot restore: context {context} is read-only: a restore writes to the cluster; nothing was applied"
        );
        return Ok(CANNOT_RESTORE);
    }
    if !args.yes {
        eprintln!(
            "kubechat-ops snapshot restore: applies {} objects to context {context}, namespace {namespace}: give --yes to apply (--dry-run to list them); nothing was applied",
            plan.objects.len()
        );
        return Ok(CANNOT_RESTORE);
    }
    for s in &plan.skipped {
        println!("skipped {s} (redacted, --skip-secrets)");
    }
    let writer = KubeWriter::new(client.clone(), namespace);
    let outcome = crate::io::restore::run(
        &writer,
        &client,
        namespace,
        &plan,
        args.timeout,
        &mut |line| println!("{line}"),
    )
    .await;
    println!(
        "restored {} of {} objects into {namespace} ({context})",
        outcome.applied,
        plan.objects.len()
    );
    for f in outcome.failed.iter().chain(&outcome.unavailable) {
        eprintln!("not restored: {f}");
    }
    Ok(if outcome.healthy() {
        RESTORED
    } else {
        NOT_HEALTHY
    })
}

async fn snapshot(
    args: &SnapshotArgs,
    context: Option<String>,
    namespace: &str,
    snapshots_dir: &Path,
) -> anyhow::Result<u8> {
    let (client, context_name) = super::connect(context).await?;
    let now = Timestamp::now();
    let out = match &args.out {
        Some(p) => p.clone(),
        None => snapshots_dir.join(format!("{namespace}-{}", now.strftime("%Y%m%d-%H%M%S"))),
    };
    let secrets = if args.include_secrets {
        Secrets::Included
    } else {
        Secrets::Redacted(digest_key(snapshots_dir)?)
    };
    let manifest = take(&client, &context_name, namespace, &secrets, &out).await?;
    let total: usize = manifest.counts.values().sum();
    println!(
        "snapshot of {namespace} ({context_name}): {total} objects in {}",
        out.display()
    );
    if args.include_secrets {
        eprintln!(
            "warning: Secrets are included IN CLEAR: every file of {} is written 0600; keep it out of shared storage",
            out.display()
        );
    } else {
        println!(
            "secrets redacted: each value is its HMAC-SHA256 under this machine's key {} (--include-secrets to keep them)",
            manifest.digest_key.as_deref().unwrap_or_default()
        );
    }
    for (kind, why) in &manifest.skipped {
        eprintln!("skipped {kind}: {why}");
    }
    if args.out.is_none() {
        for old in prune(snapshots_dir, args.keep_days, now)? {
            println!(
                "removed {} (older than {} days)",
                old.display(),
                args.keep_days
            );
        }
    }
    Ok(0)
}
