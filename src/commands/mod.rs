//! The headless subcommands: gates for scripts and CI that print and exit with a code.

pub mod audit;
pub mod backup;
pub mod check;
pub mod incident;
pub mod rollout_status;
pub mod runbook;
pub mod snapshot;

use anyhow::Context as _;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// The client of `context` (default: the kubeconfig's current context, else in-cluster)
/// and the context's name ("in-cluster" there), for the headless commands.
pub async fn connect(context: Option<String>) -> anyhow::Result<(kube::Client, String)> {
    let options = KubeConfigOptions {
        context: context.clone(),
        ..Default::default()
    };
    let name = context
        .or_else(|| Kubeconfig::read().ok().and_then(|k| k.current_context))
        .unwrap_or_else(|| "in-cluster".into());
    let config = kube::Config::from_kubeconfig(&options)
        .await
        .or_else(|e| kube::Config::incluster().map_err(|_| e))
        .context("cannot load the Kubernetes configuration")?;
    let client = kube::Client::try_from(config).context("cannot build the Kubernetes client")?;
    Ok((client, name))
}
