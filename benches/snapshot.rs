//! Snapshot benchmark (issue 13): a configuration snapshot of one namespace of the `scale`
//! scenario (2,000 Deployments and 10,000 pods over 20 namespaces; the simulator runs as its
//! own process), target ≤ 2 s; and the memory it takes (this process's peak RSS growth,
//! the simulator excluded).
//!
//! Run: `cargo bench --bench snapshot`. Prints the figures; asserts nothing.

#[path = "common/proc.rs"]
mod proc;

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use tokio::io::AsyncBufReadExt as _;

const NAMESPACE: &str = "scale-000";
const RUNS: usize = 5;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("snapshot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let kubeconfig = dir.join("kubeconfig");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubechat-ops"))
        .args(["sim", "--scenario", "scale", "--kubeconfig-out"])
        .arg(&kubeconfig)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let first = tokio::io::BufReader::new(stdout)
        .lines()
        .next_line()
        .await?
        .unwrap_or_default();
    anyhow::ensure!(first.starts_with("listening on "), "unexpected {first:?}");
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig)?,
        &Default::default(),
    )
    .await?;
    let client = kube::Client::try_from(config)?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let started = Instant::now();
    let mut count = 0;
    while started.elapsed() < Duration::from_secs(300) {
        count = pods.list(&ListParams::default()).await?.items.len();
        if count >= 450 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    println!(
        "scale scenario loaded: {count} pods in {NAMESPACE} after {:?}",
        started.elapsed()
    );
    let rss_before = proc::rss_kib("self");
    let mut times = Vec::new();
    let mut objects = 0;
    let secrets = kubechat_ops::io::snapshot::Secrets::Redacted(
        kubechat_ops::io::snapshot::digest_key(&dir.join("snapshots"))?,
    );
    for i in 0..RUNS {
        let out = dir.join(format!("snap-{i}"));
        let t = Instant::now();
        let m =
            kubechat_ops::io::snapshot::take(&client, "bench", NAMESPACE, &secrets, &out).await?;
        times.push(t.elapsed());
        objects = m.counts.values().sum::<usize>();
    }
    let peak = proc::status_kib("self", "VmHWM:");
    times.sort();
    println!(
        "snapshot of {NAMESPACE}: {objects} objects written (of {count} pods listed, owned ones left out); median {:?}, worst {:?} over {RUNS} runs (target ≤ 2 s)",
        times[RUNS / 2],
        times[RUNS - 1]
    );
    println!(
        "memory: RSS {:.1} MiB before, peak {:.1} MiB (growth at most {:.1} MiB)",
        proc::mib(rss_before),
        proc::mib(peak),
        proc::mib(peak.saturating_sub(rss_before))
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
