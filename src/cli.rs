//! The command line: the console's flags and the subcommands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const ABOUT: &str =
    "A full-screen terminal operations console for the KubeChat service on Kubernetes: \
rollouts, KPIs and the timeline of what just happened, in one keyboard-driven screen.";

const AFTER_HELP: &str = "\
Without a cluster configured (no KUBECONFIG, no ~/.kube/config) the console starts the \
embedded demo cluster. Keys: ? for help, : for the command palette, q to quit.

Examples:
  kubechat-ops                      # your current kube context, namespace kubechat-system
  kubechat-ops --demo bad-canary    # the simulated cluster, a canary that fails analysis
  kubechat-ops --read-only          # monitoring mode: nothing can change the cluster
  kubechat-ops -A                   # every namespace (inside: `:ns NAME`, `:ns all`)
  kubechat-ops check --format json  # gate a script on the KPIs (exit 0 ok, 1 breached, 2 unknown)
  kubechat-ops rollout status deployment/kubechat-auth-service --watch --timeout 5m
  kubechat-ops incident declare --sev 2 --title \"chat messages fail to send\"
  kubechat-ops audit -A --fail-on high # root, privileged, cluster-admin, ... (exit 1 on findings)
  kubechat-ops backup status --format json   # exit 0 all fresh, 1 late/stale/failing, 2 unknown
  kubechat-ops incident export inc-20261128-151000 --format md > postmortem.md
  kubechat-ops runbook run staging-validation --context staging --format junit > staging.xml";

#[derive(Debug, Parser)]
#[command(name = "kubechat-ops", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// Kubernetes context to use (default: the kubeconfig's current context).
    #[arg(long, global = true)]
    pub context: Option<String>,

    /// Namespace that runs KubeChat.
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,

    /// Watch every namespace (`:ns` switches from inside); incidents stay in `-n`'s.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Prometheus base URL (default: the config, else the Kubernetes service proxy).
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,

    /// Monitoring mode: no change to the cluster is possible.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Theme: dark, light, high-contrast, or a path to a theme file.
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,

    /// Config file (default: config.toml in the config directory).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log level or filter for the log file (the screen never shows logs).
    #[arg(long, default_value = "info", value_name = "LEVEL")]
    pub log_level: String,

    /// Run against the embedded simulated cluster, optionally with a scenario
    /// (default, bad-canary, bad-green, crashloop, oomkill, stale-backup, scale).
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "default")]
    pub demo: Option<String>,

    /// Speed of the demo's simulated clock (2 = twice real time).
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub demo_speed: f64,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the simulated KubeChat cluster (a Kubernetes API server on loopback).
    Sim(kubechat_sim::handle::SimArgs),
    /// Evaluate the KPIs once: exit 0 all within thresholds, 1 any breached, 2 unknown.
    Check(crate::commands::check::CheckArgs),
    /// Rollouts without the screen: `rollout status NAME [--watch] [--timeout D]`.
    Rollout(crate::commands::rollout_status::RolloutArgs),
    /// Incidents without the screen: declare, list, show, note, status, export.
    Incident(crate::commands::incident::IncidentArgs),
    /// Security audit: exit 0 nothing at or above --fail-on, 1 findings, 2 could not audit.
    Audit(crate::commands::audit::AuditArgs),
    /// Backups without the screen: `backup status [--format table|json]`.
    Backup(crate::commands::backup::BackupArgs),
    /// Configuration snapshot of the namespace (secrets redacted), or `snapshot diff A B`.
    Snapshot(crate::commands::snapshot::SnapshotArgs),
    /// Runbooks without the screen: list, show ID, run ID (exit 0 passed, 1 failed, 2 could not run).
    Runbook(crate::commands::runbook::RunbookArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn demo_takes_an_optional_scenario() {
        let cli = Cli::parse_from(["kubechat-ops", "--demo"]);
        assert_eq!(cli.demo.as_deref(), Some("default"));
        let cli = Cli::parse_from(["kubechat-ops", "--demo", "bad-canary", "--read-only"]);
        assert_eq!(cli.demo.as_deref(), Some("bad-canary"));
        assert!(cli.read_only);
        let cli = Cli::parse_from(["kubechat-ops", "-n", "x"]);
        assert_eq!(cli.namespace.as_deref(), Some("x"));
        assert!(cli.demo.is_none());
    }
}
