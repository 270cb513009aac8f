//! Rollouts pane benchmark (issue 4): the `scale` scenario's 2,000 Deployments with their
//! ReplicaSets and 10,000 pods fed into one State, then
//! - event → drawn latency: one watch event through `update` and a full render to a
//!   160×48 TestBackend, p50/p99 (target p99 ≤ 100 ms);
//! - memory: process RSS growth for the State with 10k pods (target ≤ 64 MiB steady);
//! - CPU: 200 events/s sustained for 10 s, each drawn, as a share of one core
//!   (target ≤ 10 %).
//!
//! Run: `cargo bench --bench rollouts` (add `-- --quick` for a 3 s CPU window). Prints the
//! figures; asserts nothing.

#[path = "common/proc.rs"]
mod proc;

use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kubechat_ops::cluster::views::{DeploymentView, PodView, ReplicaSetView};
use kubechat_ops::keymap::Keymap;
use kubechat_ops::msg::{Change, KubeMsg, Msg};
use kubechat_ops::shell::{update, State, StateInit};
use kubechat_ops::theme::Theme;
use kubechat_sim::scenario::{ScaleParams, Scenario};
use ratatui::{backend::TestBackend, Terminal};
use serde_json::{json, Value};

const NS: &str = "kubechat-system";

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rss_before = proc::rss_kib("self");
    let (mut state, pods) = scale_state();
    let rss_after = proc::rss_kib("self");
    println!(
        "state: {} rows, {} pods, {} replica sets; RSS {:.1} MiB → {:.1} MiB (+{:.1} MiB for the State; target steady RSS <= 64 MiB)",
        state.cluster.rows.len(),
        state.cluster.pods.len(),
        state.cluster.replica_sets.len(),
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        (rss_after.saturating_sub(rss_before)) as f64 / 1024.0,
    );
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test backend");
    update(&mut state, Msg::Resize(160, 48));
    let mut events = EventSource::new(pods);

    // event → drawn latency
    let mut times: Vec<Duration> = (0..2_000)
        .map(|_| {
            let msg = events.next();
            let t = Instant::now();
            update(&mut state, msg);
            terminal
                .draw(|f| kubechat_ops::shell::view::render(&state, &theme, f))
                .expect("draw");
            state.dirty = false;
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "event → drawn (update + render 160x48, 2000 watch events): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (target p99 <= 100 ms)",
        proc::ms(times[times.len() / 2]),
        proc::ms(times[times.len() * 99 / 100]),
        proc::ms(times[times.len() - 1]),
    );

    // CPU at 200 events/s: each event drawn (worst case), then as the app's loop draws
    // (at most one frame per app::FRAME_INTERVAL).
    let seconds = if quick { 3 } else { 10 };
    for (label, interval) in [
        ("each drawn", Duration::ZERO),
        ("loop's frame interval", kubechat_ops::app::FRAME_INTERVAL),
    ] {
        let period = Duration::from_millis(5);
        let (cpu0, t0) = (proc::cpu_ticks("self"), Instant::now());
        let mut next = t0;
        let mut last_draw = t0 - interval;
        let mut frames = 0;
        for _ in 0..(200 * seconds) {
            let msg = events.next();
            update(&mut state, msg);
            if state.dirty && last_draw.elapsed() >= interval {
                terminal
                    .draw(|f| kubechat_ops::shell::view::render(&state, &theme, f))
                    .expect("draw");
                state.dirty = false;
                last_draw = Instant::now();
                frames += 1;
            }
            next += period;
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let elapsed = t0.elapsed().as_secs_f64();
        let share = (proc::cpu_ticks("self") - cpu0) as f64 / 100.0 / elapsed * 100.0;
        println!(
            "CPU at 200 events/s for {seconds} s, {label} ({frames} frames, {elapsed:.1} s wall): {share:.1} % of a core; RSS {:.1} MiB (target <= 10 %)",
            proc::rss_kib("self") as f64 / 1024.0
        );
    }
}

/// The scale scenario's Deployments (all in one namespace, all complete), one ReplicaSet
/// each and their pods, as the watchers would deliver them.
fn scale_state() -> (State, Vec<(String, String, String)>) {
    let mut state = State::new(StateInit {
        context: "bench".into(),
        scope: kubechat_ops::cluster::scope::Scope::Namespace(NS.into()),
        read_only: false,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: None,
        warnings: vec![],
    });
    let now: Timestamp = "2026-11-28T15:00:00Z".parse().expect("timestamp");
    update(&mut state, Msg::Tick(now));
    let scenario = Scenario::scale(ScaleParams::default());
    let mut pods = Vec::new();
    update(&mut state, Msg::Kube(KubeMsg::Deployments(Change::Reset)));
    update(&mut state, Msg::Kube(KubeMsg::ReplicaSets(Change::Reset)));
    update(&mut state, Msg::Kube(KubeMsg::Pods(Change::Reset)));
    for obj in scenario
        .objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
    {
        let name = obj["metadata"]["name"].as_str().unwrap_or("x").to_string();
        if !name.starts_with("app-") {
            continue;
        }
        let replicas = obj["spec"]["replicas"].as_i64().unwrap_or(1);
        let (d, rs) = deployment_and_rs(obj, &name, replicas);
        update(
            &mut state,
            Msg::Kube(KubeMsg::Deployments(Change::Upsert(DeploymentView::from(
                &d,
            )))),
        );
        update(
            &mut state,
            Msg::Kube(KubeMsg::ReplicaSets(Change::Upsert(ReplicaSetView::from(
                &rs,
            )))),
        );
        for i in 0..replicas {
            let pod_name = format!("{name}-7d9f8-{i:03}");
            let pod = pod(&name, &pod_name, true);
            update(
                &mut state,
                Msg::Kube(KubeMsg::Pods(Change::Upsert(PodView::from(&pod)))),
            );
            pods.push((name.clone(), pod_name, format!("{name}-7d9f8")));
        }
    }
    drop(scenario);
    for msg in [
        KubeMsg::Deployments(Change::Ready),
        KubeMsg::ReplicaSets(Change::Ready),
        KubeMsg::Pods(Change::Ready),
        KubeMsg::Services(Change::Ready),
        KubeMsg::Rollouts(Change::Ready),
        KubeMsg::Events(Change::Ready),
    ] {
        update(&mut state, Msg::Kube(msg));
    }
    update(&mut state, Msg::Tick(now));
    (state, pods)
}

fn deployment_and_rs(obj: &Value, name: &str, replicas: i64) -> (Deployment, ReplicaSet) {
    let mut d = obj.clone();
    d["metadata"]["namespace"] = json!(NS);
    d["metadata"]["uid"] = json!(format!("{name}-uid"));
    d["metadata"]["generation"] = json!(1);
    d["metadata"]["creationTimestamp"] = json!("2026-11-28T14:00:00Z");
    d["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "1"});
    d["status"] = json!({"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                         "readyReplicas": replicas, "availableReplicas": replicas});
    let rs = json!({
        "metadata": {"name": format!("{name}-7d9f8"), "namespace": NS, "uid": format!("{name}-rs"),
                     "creationTimestamp": "2026-11-28T14:00:00Z",
                     "annotations": {"deployment.kubernetes.io/revision": "1"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                                          "uid": format!("{name}-uid"), "controller": true}]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": obj["spec"]["template"].clone()},
        "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}
    });
    (
        serde_json::from_value(d).expect("a Deployment"),
        serde_json::from_value(rs).expect("a ReplicaSet"),
    )
}

fn pod(app: &str, name: &str, ready: bool) -> Pod {
    let flag = if ready { "True" } else { "False" };
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": NS, "creationTimestamp": "2026-11-28T14:00:00Z",
                     "labels": {"app": app, "pod-template-hash": "7d9f8"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": format!("{app}-7d9f8"), "uid": format!("{app}-rs"), "controller": true}]},
        "spec": {"containers": [{"name": "app", "image": "registry.local/scale/app:1.0.0"}], "nodeName": "sim-node-1"},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": flag}],
                   "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 0,
                                          "image": "registry.local/scale/app:1.0.0", "imageID": "", "started": true}]}
    }))
    .expect("a Pod")
}

/// The churn: pods flipping readiness, prebuilt so building them is not measured.
struct EventSource {
    msgs: Vec<Msg>,
    next: usize,
}

impl EventSource {
    fn new(pods: Vec<(String, String, String)>) -> EventSource {
        let msgs = pods
            .iter()
            .step_by(7)
            .take(1_000)
            .flat_map(|(app, name, _)| {
                [false, true].map(|ready| {
                    Msg::Kube(KubeMsg::Pods(Change::Upsert(PodView::from(&pod(
                        app, name, ready,
                    )))))
                })
            })
            .collect();
        EventSource { msgs, next: 0 }
    }

    fn next(&mut self) -> Msg {
        let msg = self.msgs[self.next % self.msgs.len()].clone();
        self.next += 1;
        msg
    }
}
