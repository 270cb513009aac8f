//! Speed and memory of the simulated API server at 10,000 pods (issue 2 targets: a full
//! pod list in ≤250 ms, ≥20,000 watch events/s to one client, ≤200 MiB for the sim).
//!
//! `cargo bench --bench sim_api` (release profile) or, on a busy machine,
//! `cargo bench --profile dev --bench sim_api` for rough figures. Prints a report; asserts
//! nothing.
//!
//! Part 1 runs `kubechat-ops sim --scenario scale` as its own process (its RSS is the sim's
//! alone): RSS once the 10,000 pods run and after a minute of churn, and the time to serve
//! the full pod list (median and p99). Part 2, in-process on an empty scenario: a writer
//! changes pods as fast as it can while one HTTP watch client counts events.

use std::time::{Duration, Instant};

#[path = "common/proc.rs"]
mod proc;

use kubechat_sim::{resources, SimHandle, SimOptions};
use serde_json::json;

const PODS: usize = 10_000;
const WATCH_EVENTS: usize = 50_000;
/// Full pod lists timed against the scale process.
const LIST_RUNS: usize = 11;
/// Changes replayed from the store's history (it keeps `DEFAULT_HISTORY` = 5,000).
const REPLAY: u64 = 4_500;

fn pod(i: usize) -> serde_json::Value {
    json!({
        "metadata": {"name": format!("api-gateway-7d9f8c6b5-{i:05}"),
            "labels": {"app": "kubechat-api-gateway", "pod-template-hash": "7d9f8c6b5", "deployment-slot": "blue"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-gateway-7d9f8c6b5", "uid": "1", "controller": true}]},
        "spec": {"nodeName": format!("node-{}", i % 20), "containers": [{"name": "api", "image": "kubechat/api-gateway:1.4.2",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}], "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
            "env": [{"name": "LOG_LEVEL", "value": "info"}]}]},
        "status": {"phase": "Running", "podIP": format!("10.0.{}.{}", i / 250, i % 250), "startTime": "2026-11-28T10:00:00Z",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "api", "ready": true, "restartCount": 0, "image": "kubechat/api-gateway:1.4.2",
                "state": {"running": {"startedAt": "2026-11-28T10:00:05Z"}}}]}
    })
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Nearest-rank percentile.
fn percentile(mut xs: Vec<Duration>, p: f64) -> Duration {
    xs.sort();
    let rank = ((p / 100.0) * xs.len() as f64).ceil() as usize;
    xs[rank.clamp(1, xs.len()) - 1]
}

/// (all pods, pods whose phase is Running), from one full list.
async fn count_pods(http: &reqwest::Client, base: &str) -> anyhow::Result<(usize, usize)> {
    let list: serde_json::Value = http
        .get(format!("{base}/api/v1/pods"))
        .send()
        .await?
        .json()
        .await?;
    let items = list["items"].as_array().map_or(&[][..], |v| v.as_slice());
    let running = items
        .iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .count();
    Ok((items.len(), running))
}

/// Part 1: the scale scenario in its own process.
async fn scale_process() -> anyhow::Result<()> {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubechat-ops"))
        .args([
            "sim",
            "--scenario",
            "scale",
            "--deployments",
            "2000",
            "--pods",
        ])
        .arg(PODS.to_string())
        .args(["--churn", "200"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().unwrap_or(0).to_string();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let first = tokio::io::BufReader::new(stdout)
        .lines()
        .next_line()
        .await?
        .unwrap_or_default();
    let base = first
        .strip_prefix("listening on ")
        .ok_or_else(|| anyhow::anyhow!("unexpected first line {first:?}"))?
        .to_string();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(300);
    // Loaded: every pod exists and most run (under churn some are always being replaced).
    let (mut total, mut running) = (0, 0);
    let loaded = |total: usize, running: usize| total >= PODS && running >= PODS * 8 / 10;
    while !loaded(total, running) && Instant::now() < deadline {
        (total, running) = count_pods(&http, &base).await.unwrap_or((0, 0));
        if !loaded(total, running) {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    let loaded = proc::mib(proc::rss_kib(&pid));
    println!(
        "scale scenario as its own process (pid {pid}): {total} pods ({running} running) after {:?}",
        started.elapsed()
    );
    let url = format!("{base}/api/v1/pods");
    let mut lists = Vec::new();
    let mut bytes = 0;
    for _ in 0..LIST_RUNS {
        let t = Instant::now();
        bytes = http.get(&url).send().await?.bytes().await?.len();
        lists.push(t.elapsed());
    }
    println!(
        "  full pod list, all namespaces ({:.1} MB JSON, reqwest): median {:?}, p99 {:?} of {} (under churn)",
        bytes as f64 / 1e6,
        median(lists.clone()),
        percentile(lists.clone(), 99.0),
        lists.len()
    );
    // A minute of churn: the sim deletes 200 pods/s and its ReplicaSets replace them.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let churned = proc::mib(proc::rss_kib(&pid));
    let peak = proc::mib(proc::status_kib(&pid, "VmHWM:"));
    println!("  RSS: {loaded:.0} MiB with the pods running, {churned:.0} MiB after 60 s of churn (peak {peak:.0} MiB, during the start-up burst)");
    let mut lists = Vec::new();
    for _ in 0..LIST_RUNS {
        let t = Instant::now();
        http.get(&url).send().await?.bytes().await?;
        lists.push(t.elapsed());
    }
    println!(
        "  full pod list after the minute of churn: median {:?}, p99 {:?} of {}",
        median(lists.clone()),
        percentile(lists.clone(), 99.0),
        lists.len()
    );
    // clock ticks (USER_HZ, 100/s) → seconds
    let cpu = |pid: &str| proc::cpu_ticks(pid) as f64 / 100.0;
    let (c0, t0) = (cpu(&pid), Instant::now());
    tokio::time::sleep(Duration::from_secs(20)).await;
    let used = (cpu(&pid) - c0) / t0.elapsed().as_secs_f64();
    println!(
        "  CPU under churn, no client: {:.0} % of a core",
        used * 100.0
    );
    child.kill().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    kubechat_sim::memory::limit_arenas();
    if std::env::var_os("SIM_BENCH_SKIP_PROCESS").is_none() {
        scale_process().await?;
    }
    let before = proc::mib(proc::rss_kib("self"));
    let empty = std::env::temp_dir().join(format!("sim-bench-empty-{}.yaml", std::process::id()));
    std::fs::write(&empty, "name: bench\n")?;
    let sim = SimHandle::start(SimOptions {
        scenario: empty.to_string_lossy().into_owned(),
        ..SimOptions::default()
    })
    .await?;
    let shared = sim.shared();
    {
        let mut store = shared.store.lock().expect("store");
        let pods = resources::core("pods");
        for i in 0..PODS {
            store.create_internal(pods, "kubechat-system", pod(i))?;
        }
    }
    let seeded = proc::mib(proc::rss_kib("self"));
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/namespaces/kubechat-system/pods", sim.url());
    let mut lists = Vec::new();
    let mut bytes = 0;
    for _ in 0..21 {
        let t = Instant::now();
        bytes = http.get(&url).send().await?.bytes().await?.len();
        lists.push(t.elapsed());
    }
    let mut tables = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        http.get(&url)
            .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .send()
            .await?
            .bytes()
            .await?;
        tables.push(t.elapsed());
    }
    let after_lists = proc::mib(proc::rss_kib("self"));

    // One client watches; a writer thread modifies pods as fast as it can.
    let rv = shared.store.lock().expect("store").resource_version();
    let mut body = http
        .get(format!("{url}?watch=true&resourceVersion={rv}"))
        .send()
        .await?;
    let writer_store = shared.store.clone();
    let writer = std::thread::spawn(move || {
        let pods = resources::core("pods");
        let mut n = 0usize;
        while n < WATCH_EVENTS {
            let mut store = writer_store.lock().expect("store");
            for _ in 0..100 {
                let name = format!("api-gateway-7d9f8c6b5-{:05}", n % PODS);
                let _ = store.modify(pods, "kubechat-system", &name, |o| {
                    o["metadata"]["annotations"] = json!({"n": n.to_string()})
                });
                n += 1;
            }
        }
    });
    let t = Instant::now();
    let mut events = 0usize;
    while events < WATCH_EVENTS {
        match tokio::time::timeout(Duration::from_secs(30), body.chunk()).await {
            Ok(Ok(Some(chunk))) => events += chunk.iter().filter(|b| **b == b'\n').count(),
            _ => break,
        }
    }
    let watch_time = t.elapsed();
    let _ = writer.join();
    let after_watch = proc::mib(proc::rss_kib("self"));

    // The same client replays changes already in the history: the server side alone.
    let newest = shared.store.lock().expect("store").resource_version();
    let replay_from = newest - REPLAY;
    let t = Instant::now();
    let mut replay = http
        .get(format!("{url}?watch=true&resourceVersion={replay_from}"))
        .send()
        .await?;
    let mut replayed = 0usize;
    while replayed < REPLAY as usize {
        match tokio::time::timeout(Duration::from_secs(30), replay.chunk()).await {
            Ok(Ok(Some(chunk))) => replayed += chunk.iter().filter(|b| **b == b'\n').count(),
            _ => break,
        }
    }
    let replay_time = t.elapsed();

    println!("simulated API server, {PODS} pods (process RSS includes the benchmark's client)");
    println!("  RSS: start {before:.0} MiB, seeded {seeded:.0} MiB, after lists {after_lists:.0} MiB, after {WATCH_EVENTS} changes {after_watch:.0} MiB");
    println!(
        "  full pod list ({:.1} MB JSON): median {:?}, p99 {:?} of {}",
        bytes as f64 / 1e6,
        median(lists.clone()),
        percentile(lists.clone(), 99.0),
        lists.len()
    );
    println!("  full pod list as Table: median {:?}", median(tables));
    println!(
        "  watch: {events} events in {watch_time:?} = {:.0} events/s to one client (bounded by the writer)",
        events as f64 / watch_time.as_secs_f64()
    );
    println!(
        "  watch replay from history: {replayed} events in {replay_time:?} = {:.0} events/s",
        replayed as f64 / replay_time.as_secs_f64()
    );
    sim.shutdown().await;
    Ok(())
}
