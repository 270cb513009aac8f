//! Speed and memory of the simulated API server at 10,000 pods (issue 2 targets: a full
//! pod list in ≤250 ms, ≥20,000 watch events/s to one client; issue 14: the pod Table in
//! ≤100 ms, 75 s of watch history per resource, ≤300 MiB for the sim, and the real
//! `kubectl get pods -A -w` running against the scale scenario without an error).
//!
//! `cargo bench --bench sim_api` (release profile) or, on a busy machine,
//! `cargo bench --profile dev --bench sim_api` for rough figures. Prints a report; asserts
//! nothing.
//!
//! Part 1 runs `kubechat-ops sim --scenario scale` as its own process (its RSS is the sim's
//! alone): RSS once the 10,000 pods run and after a minute of churn, the time to serve the
//! full pod list and the pod Table (median and p99), the watch history per resource
//! (`GET /_sim/history`), and the real kubectl's `get pods -A -w` running throughout
//! (`SIM_BENCH_WATCH_SECS`, default 60; skipped without a kubectl). Part 2, in-process on
//! an empty scenario: a writer changes pods as fast as it can while one HTTP watch client
//! counts events.

use std::time::{Duration, Instant};

#[path = "common/proc.rs"]
mod proc;

use kubechat_sim::{resources, SimHandle, SimOptions};
use serde_json::json;

const PODS: usize = 10_000;
const WATCH_EVENTS: usize = 50_000;
/// Full pod lists timed against the scale process.
const LIST_RUNS: usize = 11;
/// Changes replayed from the pods' history (it keeps 75 s, up to 102,400 changes).
const REPLAY: u64 = 45_000;
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";

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
/// The real kubectl, found as `tests/support/kubectl.rs` finds it.
fn kubectl() -> Option<std::path::PathBuf> {
    let from_env = std::env::var_os("KUBECHAT_TEST_KUBECTL").map(std::path::PathBuf::from);
    let image = std::path::PathBuf::from("/usr/lib/google-cloud-sdk/bin/kubectl.1.33");
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("kubectl"))
            .find(|p| p.is_file())
    });
    from_env
        .filter(|p| p.is_file())
        .or(Some(image).filter(|p| p.is_file()))
        .or(on_path)
}

/// `kubectl get pods -A -w` against the sim, started now, run until `until`: (lines
/// printed, what it wrote to stderr, whether it was still running at the end).
async fn kubectl_watch(
    kubeconfig: std::path::PathBuf,
    home: std::path::PathBuf,
    run_for: Duration,
) -> anyhow::Result<(usize, String, bool)> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    let Some(kubectl) = kubectl() else {
        anyhow::bail!("no kubectl found");
    };
    let mut child = tokio::process::Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "pods", "-A", "-w"])
        .env("HOME", &home)
        .env("KUBECACHEDIR", home.join("cache"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut stderr = child.stderr.take().expect("piped");
    let mut count = 0usize;
    let deadline = tokio::time::sleep(run_for);
    tokio::pin!(deadline);
    let running = loop {
        tokio::select! {
            line = lines.next_line() => match line? {
                Some(_) => count += 1,
                None => break false,
            },
            _ = &mut deadline => break true,
        }
    };
    let still = running && child.try_wait()?.is_none();
    let _ = child.kill().await;
    let mut err = String::new();
    let _ = stderr.read_to_string(&mut err).await;
    Ok((count, err, still))
}

/// Median and p99 of `runs` GETs of `url` (with `accept`), and the body's size.
async fn time_gets(
    http: &reqwest::Client,
    url: &str,
    accept: &str,
    runs: usize,
) -> anyhow::Result<(Duration, Duration, usize)> {
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        bytes = http
            .get(url)
            .header("Accept", accept)
            .send()
            .await?
            .bytes()
            .await?
            .len();
        times.push(t.elapsed());
    }
    Ok((median(times.clone()), percentile(times, 99.0), bytes))
}

async fn scale_process() -> anyhow::Result<()> {
    use tokio::io::AsyncBufReadExt;
    let dir = std::env::temp_dir().join(format!("sim-bench-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let kubeconfig = dir.join("kubeconfig");
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
        .args(["--churn", "200", "--kubeconfig-out"])
        .arg(&kubeconfig)
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
    let (table_p50, table_p99, table_bytes) = time_gets(&http, &url, TABLE, LIST_RUNS).await?;
    println!(
        "  pod Table, all namespaces (kubectl get pods -A; {:.1} MB): median {table_p50:?}, p99 {table_p99:?} of {LIST_RUNS} (under churn)",
        table_bytes as f64 / 1e6
    );
    // The real kubectl watches all pods throughout the churn that follows.
    let watch_secs: u64 = std::env::var("SIM_BENCH_WATCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let watcher = tokio::spawn(kubectl_watch(
        kubeconfig.clone(),
        dir.clone(),
        Duration::from_secs(watch_secs),
    ));
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
    let history: serde_json::Value = http
        .get(format!("{base}/_sim/history"))
        .send()
        .await?
        .json()
        .await?;
    println!("  watch history per resource (kept; seconds covered; memory, compressed from):");
    for h in history.as_array().into_iter().flatten().take(6) {
        println!(
            "    {:<28} {:>7} changes, {:>5.1} s, {:>5.1} MiB (from {:.1} MiB of JSON)",
            h["resource"].as_str().unwrap_or(""),
            h["events"],
            h["seconds"].as_f64().unwrap_or(0.0),
            h["bytes"].as_f64().unwrap_or(0.0) / 1048576.0,
            h["rawBytes"].as_f64().unwrap_or(0.0) / 1048576.0,
        );
    }
    match watcher.await? {
        Ok((lines, err, running)) => println!(
            "  kubectl get pods -A -w for {watch_secs} s under churn: {lines} lines, {}{}",
            if running {
                "still running at the end"
            } else {
                "ENDED EARLY"
            },
            if err.trim().is_empty() {
                String::from(", nothing on stderr")
            } else {
                format!(", stderr: {}", err.trim())
            }
        ),
        Err(e) => println!("  kubectl get pods -A -w: skipped ({e})"),
    }
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
    let _ = std::fs::remove_dir_all(&dir);
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
    let (table_p50, table_p99, _) = time_gets(&http, &url, TABLE, 11).await?;
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
    println!("  full pod list as Table: median {table_p50:?}, p99 {table_p99:?} of 11");
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
