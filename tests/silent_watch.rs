//! A watch that dies without closing (no events, no bookmarks, the connection held open)
//! is noticed by the read timeout of the watch client, shown as a source error, and
//! replaced by a new watch that sees later changes — against the simulator's
//! `stall-watches` fault, through kube-rs over HTTP.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use kube::config::KubeConfigOptions;
use kubechat_ops::cluster::scope::Scope;
use kubechat_ops::io::kube_watch;
use kubechat_ops::msg::{KubeMsg, Msg};
use kubechat_sim::{SimHandle, SimOptions};
use serde_json::json;
use tokio::sync::mpsc;

const NS: &str = "kubechat-system";

/// The next message `pick` accepts (60 s at most).
async fn next<T>(rx: &mut mpsc::Receiver<Msg>, what: &str, pick: impl Fn(Msg) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("waited 60 s for {what}"))
            .expect("the watches stopped");
        if let Some(t) = pick(msg) {
            return t;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_silent_watch_is_noticed_and_replaced() {
    let sim = SimHandle::start(SimOptions {
        control_plane: false,
        ..Default::default()
    })
    .await
    .unwrap();
    let config =
        kube::Config::from_custom_kubeconfig(sim.kubeconfig(), &KubeConfigOptions::default())
            .await
            .unwrap();
    // the console's 68 s, shortened: the simulator bookmarks a healthy watch every 2 s
    let client = kube_watch::watch_client(&config, Duration::from_secs(5)).unwrap();
    let (tx, mut rx) = mpsc::channel(4096);
    let watchers = kube_watch::spawn_rollout_kinds(client, &Scope::Namespace(NS.into()), tx);
    next(&mut rx, "the deployments listed", |m| {
        matches!(
            m,
            Msg::Kube(KubeMsg::Deployments(kubechat_ops::cluster::Change::Ready))
        )
        .then_some(())
    })
    .await;

    // a watcher opens its watch after its list: stall what is open until the deployments'
    // watch has gone silent and failed
    let mut tries = 0;
    let error = loop {
        tries += 1;
        assert!(tries <= 10, "the deployments' watch never failed");
        sim.stall_watches();
        let failed = next(&mut rx, "the silent watch to fail", |m| match m {
            Msg::Kube(KubeMsg::SourceError {
                kind: "deployments",
                error: Some(e),
                ..
            }) => Some(e),
            _ => None,
        });
        if let Ok(e) = tokio::time::timeout(Duration::from_secs(7), failed).await {
            break e;
        }
    };
    assert!(!error.is_empty());

    // the new watch sees what changes now, and the source is healthy again with it
    let deployments: Api<Deployment> = Api::namespaced(sim.client(), NS);
    let patch = json!({"metadata": {"labels": {"touched": "after-stall"}}});
    deployments
        .patch(
            "postgres-primary",
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
        .unwrap();
    next(&mut rx, "the source to recover", |m| {
        matches!(
            m,
            Msg::Kube(KubeMsg::SourceError {
                kind: "deployments",
                error: None,
                ..
            })
        )
        .then_some(())
    })
    .await;
    next(&mut rx, "the change after the stall", |m| match m {
        Msg::Kube(KubeMsg::Deployments(kubechat_ops::cluster::Change::Upsert(d)))
            if d.name == "postgres-primary" =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
    for w in watchers {
        w.abort();
    }
    sim.shutdown().await;
}
