//! `kubechat-ops snapshot [--out PATH]` and `kubechat-ops snapshot diff A B`: the seed's
//! backup-kubernetes-configs.sh done natively. Secrets are redacted to digests unless
//! `--include-secrets` (then every file is written 0600, and it says so); old snapshots
//! in the snapshots directory are pruned after `--keep-days` (30, as the seed).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use jiff::Timestamp;
use kube::config::KubeConfigOptions;

use crate::cluster::snapshot::diff;
use crate::io::snapshot::{prune, read, take};

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

/// Runs `snapshot …`; returns the exit code.
pub async fn run(
    args: SnapshotArgs,
    context: Option<String>,
    namespace: String,
    snapshots_dir: PathBuf,
) -> u8 {
    let result = match args.command {
        Some(SnapshotCommand::Diff(d)) => run_diff(&d),
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

async fn snapshot(
    args: &SnapshotArgs,
    context: Option<String>,
    namespace: &str,
    snapshots_dir: &Path,
) -> anyhow::Result<u8> {
    let options = KubeConfigOptions {
        context: context.clone(),
        ..Default::default()
    };
    let kubeconfig = kube::config::Kubeconfig::read().ok();
    let context_name = context
        .or_else(|| kubeconfig.and_then(|k| k.current_context))
        .unwrap_or_else(|| "in-cluster".into());
    let config = kube::Config::from_kubeconfig(&options)
        .await
        .or_else(|e| kube::Config::incluster().map_err(|_| e))
        .context("cannot load the Kubernetes configuration")?;
    let client = kube::Client::try_from(config).context("cannot build the Kubernetes client")?;
    let now = Timestamp::now();
    let out = match &args.out {
        Some(p) => p.clone(),
        None => snapshots_dir.join(format!("{namespace}-{}", now.strftime("%Y%m%d-%H%M%S"))),
    };
    let manifest = take(
        &client,
        &context_name,
        namespace,
        args.include_secrets,
        &out,
    )
    .await?;
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
            "secrets redacted: each value is its SHA-256 digest (--include-secrets to keep them)"
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
