//! Console benchmark (issue 3): draw time per frame at 200×60 with 2,000 pods in view,
//! time from start to the first full frame on the demo, and idle CPU over 30 s.
//! Run: `cargo bench --bench console` (add `-- --quick` for a 10 s idle window).
//! Prints the figures; asserts nothing.

#[path = "common/proc.rs"]
mod proc;
#[path = "../tests/common/tmux.rs"]
mod tmux;

use std::path::Path;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kubechat_ops::cluster::views::{DeploymentView, PodView, ReplicaSetView};
use kubechat_ops::keymap::Keymap;
use kubechat_ops::msg::{Change, KubeMsg, Msg};
use kubechat_ops::shell::{update, State, StateInit};
use kubechat_ops::theme::Theme;
use kubechat_sim::{SimHandle, SimOptions};
use ratatui::{backend::TestBackend, Terminal};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_kubechat-ops");

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    draw_time();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        first_frame();
        idle_cpu(if quick { 10 } else { 30 }).await;
    });
}

fn state_with_pods(pods: usize) -> State {
    let mut state = State::new(StateInit {
        context: "bench".into(),
        scope: kubechat_ops::cluster::scope::Scope::Namespace("kubechat-system".into()),
        read_only: false,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: None,
        warnings: vec![],
    });
    let now: Timestamp = "2026-11-28T15:00:00Z".parse().unwrap();
    update(&mut state, Msg::Tick(now));
    let labels = json!({"app": "big"});
    let deploy: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "big", "namespace": "kubechat-system", "uid": "d1", "generation": 1,
                     "creationTimestamp": "2026-11-28T14:00:00Z",
                     "annotations": {"deployment.kubernetes.io/revision": "1"}},
        "spec": {"replicas": pods, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "big:1"}]}}},
        "status": {"observedGeneration": 1, "replicas": pods, "updatedReplicas": pods, "readyReplicas": pods, "availableReplicas": pods}
    })).unwrap();
    let rs: ReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": "big-abc", "namespace": "kubechat-system", "uid": "r1",
                     "creationTimestamp": "2026-11-28T14:00:00Z",
                     "annotations": {"deployment.kubernetes.io/revision": "1"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "big", "uid": "d1", "controller": true}]},
        "spec": {"replicas": pods, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "big:1"}]}}},
        "status": {"replicas": pods, "readyReplicas": pods, "availableReplicas": pods}
    })).unwrap();
    update(
        &mut state,
        Msg::Kube(KubeMsg::Deployments(Change::Upsert(DeploymentView::from(
            &deploy,
        )))),
    );
    update(
        &mut state,
        Msg::Kube(KubeMsg::ReplicaSets(Change::Upsert(ReplicaSetView::from(
            &rs,
        )))),
    );
    for i in 0..pods {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": format!("big-abc-{i:05}"), "namespace": "kubechat-system",
                         "creationTimestamp": "2026-11-28T14:00:00Z",
                         "labels": {"app": "big", "pod-template-hash": "abc"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "big-abc", "uid": "r1", "controller": true}]},
            "spec": {"containers": [{"name": "c", "image": "big:1"}], "nodeName": "node-1"},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "c", "ready": true, "restartCount": 0, "image": "big:1", "imageID": "", "started": true}]}
        })).unwrap();
        update(
            &mut state,
            Msg::Kube(KubeMsg::Pods(Change::Upsert(PodView::from(&pod)))),
        );
    }
    update(&mut state, Msg::Tick(now));
    state
}

fn draw_time() {
    let state = state_with_pods(2_000);
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    for _ in 0..20 {
        terminal
            .draw(|f| kubechat_ops::shell::view::render(&state, &theme, f))
            .unwrap();
    }
    let mut times: Vec<Duration> = (0..500)
        .map(|_| {
            let t = Instant::now();
            terminal
                .draw(|f| kubechat_ops::shell::view::render(&state, &theme, f))
                .unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "draw 200x60, 2000 pods: mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms (target <= 2 ms)",
        proc::ms(mean),
        proc::ms(times[times.len() / 2]),
        proc::ms(times[times.len() * 99 / 100])
    );
}

fn isolated(dir: &Path) -> Vec<(String, String)> {
    ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"]
        .iter()
        .map(|k| (k.to_string(), dir.join(k).display().to_string()))
        .collect()
}

fn first_frame() {
    let mut figures = Vec::new();
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let env = isolated(dir.path());
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let t = tmux::Tmux::start(dir.path(), &format!("{BIN} --demo"), &env, 160, 48);
        let log = dir
            .path()
            .join("XDG_STATE_HOME/kubechat-ops/kubechat-ops.log");
        let deadline = Instant::now() + Duration::from_secs(30);
        let ms = loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.contains("first frame drawn")) {
                let n: u64 = line
                    .split("drawn ")
                    .nth(1)
                    .and_then(|r| r.split(' ').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                break n;
            }
            assert!(Instant::now() < deadline, "no first frame logged");
            std::thread::sleep(Duration::from_millis(20));
        };
        t.keys(&["q"]);
        t.wait_exit();
        figures.push(ms);
    }
    figures.sort();
    println!("start to first full frame (--demo, in-process sim): median {} ms, max {} ms over 5 runs (target <= 300 ms)", figures[2], figures[4]);
}

async fn idle_cpu(seconds: u64) {
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let mut env = isolated(dir.path());
    env.push(("KUBECONFIG".into(), kubeconfig.display().to_string()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let t = tmux::Tmux::start(dir.path(), BIN, &env, 160, 48);
    t.wait_text("postgres-primary");
    tokio::time::sleep(Duration::from_secs(5)).await;
    // the pane runs the tmux helper's wrapper shell; the console is its child
    let shell = t.pane("pane_pid");
    let out = std::process::Command::new("pgrep")
        .args(["-P", &shell])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!pid.is_empty(), "the console's pid");
    let (cpu0, t0) = (proc::cpu_ticks(&pid), Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu1, elapsed) = (proc::cpu_ticks(&pid), t0.elapsed());
    let hz = 100.0; // USER_HZ on Linux
    let share = (cpu1 - cpu0) as f64 / hz / elapsed.as_secs_f64() * 100.0;
    let rss = proc::rss_kib(&pid);
    println!(
        "idle CPU over {seconds} s (default scenario, sim in another process, KPI polls every 5 s): {share:.2} % of a core, RSS {:.1} MiB (target <= 0.5 %)",
        rss as f64 / 1024.0
    );
    t.keys(&["q"]);
    t.wait_exit();
    sim.shutdown().await;
}
