//! The security audit over all namespaces of the `scale` scenario (10,000 pods, churning),
//! issue 13: target ≤ 1 s, and its memory.
//!
//! The simulator runs as its own process (`kubechat-ops sim --scenario scale`), so its
//! work is not counted as ours. Then:
//! 1. `kubechat-ops audit -A --format json` as a process, as a cron job would run it: wall
//!    time and peak RSS (VmHWM, read while it runs);
//! 2. in this process, `io::audit::run` (the lists, pods page by page, and the checks) five
//!    times: median and worst, and what the resident set grew by;
//! 3. the pure checks alone over the 10,000 pods held in memory;
//! 4. where one audit's time goes: the small lists (RBAC, service accounts), then each page
//!    of pods fetched as text (the request and the simulator's answer), decoded whole (as
//!    the audit did) and slim (as it does: name, namespace, spec), and checked.
//!
//! Figures are printed, never asserted. `cargo bench --bench audit`.

#[path = "common/proc.rs"]
mod proc;

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kubechat_ops::audit::{audit, Rbac, ServiceAccounts};
use kubechat_ops::cluster::scope::Scope;
use tokio::io::AsyncBufReadExt;

const PODS: usize = 10_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    kubechat_sim::memory::limit_arenas();
    let dir = std::env::temp_dir().join(format!("audit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let kubeconfig = dir.join("kubeconfig");
    let mut sim = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubechat-ops"))
        .args(["sim", "--scenario", "scale", "--pods"])
        .arg(PODS.to_string())
        .args(["--churn", "200", "--kubeconfig-out"])
        .arg(&kubeconfig)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = sim
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

    // loaded: every pod exists
    let started = Instant::now();
    let pods: Api<Pod> = Api::all(client.clone());
    loop {
        let n = pods
            .list_metadata(&ListParams::default())
            .await
            .map(|l| l.items.len())
            .unwrap_or(0);
        if n >= PODS {
            println!("scale scenario: {n} pods after {:?}", started.elapsed());
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(300),
            "only {n} pods"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    // 1. the command, as its own process
    for _ in 0..3 {
        let t = Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubechat-ops"))
            .args(["audit", "-A", "--format", "json"])
            .env("KUBECONFIG", &kubeconfig)
            .env_remove("KUBERNETES_SERVICE_HOST")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let pid = child.id().to_string();
        let mut peak = 0;
        let mut cpu = 0;
        let status = loop {
            peak = peak.max(proc::status_kib(&pid, "VmHWM:"));
            cpu = cpu.max(proc::cpu_ticks(&pid));
            if let Some(status) = child.try_wait()? {
                break status;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            e.read_to_string(&mut err)?;
        }
        println!(
            "kubechat-ops audit -A --format json: {:.0} ms wall, {} ms CPU (its own; the rest is the \
             simulator answering), peak RSS {:.1} MiB, exit {:?} ({})",
            proc::ms(t.elapsed()),
            cpu * 10,
            proc::mib(peak),
            status.code(),
            err.trim()
        );
    }

    // 2. in-process: lists and checks
    let before = proc::mib(proc::rss_kib("self"));
    let mut times = Vec::new();
    let mut findings = 0;
    let mut read = 0;
    let cpu_before = proc::cpu_ticks("self");
    for _ in 0..5 {
        let t = Instant::now();
        let report = kubechat_ops::io::audit::run(&client, &Scope::All)
            .await
            .map_err(anyhow::Error::msg)?;
        times.push(t.elapsed());
        findings = report.findings.len();
        read = report.pods;
    }
    let cpu = (proc::cpu_ticks("self") - cpu_before) * 10 / 5;
    times.sort();
    let after = proc::mib(proc::rss_kib("self"));
    println!(
        "io::audit::run, all namespaces ({read} pods, {findings} findings): median {:.0} ms wall, worst {:.0} ms, {cpu} ms CPU a run in this process; RSS {before:.1} → {after:.1} MiB (peak {:.1} MiB)",
        proc::ms(times[times.len() / 2]),
        proc::ms(times[times.len() - 1]),
        proc::mib(proc::status_kib("self", "VmHWM:"))
    );

    // 3. the checks alone, the pods in memory
    let all = pods.list(&ListParams::default()).await?.items;
    let t = Instant::now();
    let found = audit(&all, &ServiceAccounts::default(), &Rbac::default());
    println!(
        "the checks alone over {} pods: {:.0} ms ({} findings)",
        all.len(),
        proc::ms(t.elapsed()),
        found.len()
    );
    for limit in [500, 2000, 5000] {
        breakdown(&client, limit).await?;
    }
    let _ = sim.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Step 4: one audit taken apart, in this process, with pages of `limit` pods.
async fn breakdown(client: &kube::Client, limit: u32) -> anyhow::Result<()> {
    use k8s_openapi::api::core::v1::ServiceAccount;
    use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
    use kube::core::ObjectList;

    let t = Instant::now();
    let lp = ListParams::default();
    let (a, b, c, d, e) = (
        Api::<ClusterRoleBinding>::all(client.clone())
            .list(&lp)
            .await?
            .items
            .len(),
        Api::<ClusterRole>::all(client.clone())
            .list(&lp)
            .await?
            .items
            .len(),
        Api::<RoleBinding>::all(client.clone())
            .list(&lp)
            .await?
            .items
            .len(),
        Api::<Role>::all(client.clone())
            .list(&lp)
            .await?
            .items
            .len(),
        Api::<ServiceAccount>::all(client.clone())
            .list(&lp)
            .await?
            .items
            .len(),
    );
    let small = t.elapsed();
    let (mut fetch, mut decode, mut check) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut slim = Duration::ZERO;
    let (mut bytes, mut pages, mut pods) = (0usize, 0usize, 0usize);
    let mut token: Option<String> = None;
    let accounts = ServiceAccounts::default();
    let mut findings = Vec::new();
    loop {
        let mut lp = ListParams::default().limit(limit);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let req = kube::core::Request::new("/api/v1/pods").list(&lp)?;
        let t = Instant::now();
        let text = client.request_text(req).await?;
        fetch += t.elapsed();
        bytes += text.len();
        let t = Instant::now();
        let page: ObjectList<Pod> = serde_json::from_str(&text)?;
        decode += t.elapsed();
        let t = Instant::now();
        let slim_page: ObjectList<kubechat_ops::io::audit::SlimPod> = serde_json::from_str(&text)?;
        let slim_pods: Vec<Pod> = slim_page.items.into_iter().map(|p| p.into_pod()).collect();
        slim += t.elapsed();
        drop(slim_pods);
        let t = Instant::now();
        for pod in &page.items {
            kubechat_ops::audit::audit_pod(pod, &accounts, &mut findings);
        }
        check += t.elapsed();
        pages += 1;
        pods += page.items.len();
        token = page.metadata.continue_.filter(|c| !c.is_empty());
        if token.is_none() {
            break;
        }
    }
    println!(
        "one audit taken apart: the small lists ({a} clusterrolebindings, {b} clusterroles, {c} rolebindings, {d} roles, {e} serviceaccounts, one after the other) {:.0} ms; {pods} pods in {pages} pages of {limit}, {:.1} MiB of JSON: fetched (request + the simulator's answer) {:.0} ms, decoded whole {:.0} ms, slim {:.0} ms, checked {:.0} ms",
        proc::ms(small),
        bytes as f64 / (1024.0 * 1024.0),
        proc::ms(fetch),
        proc::ms(decode),
        proc::ms(slim),
        proc::ms(check)
    );
    Ok(())
}
