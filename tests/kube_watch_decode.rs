//! One object the console cannot decode never blanks a pane: the console's own watchers
//! (`io::kube_watch`) against the simulated cluster, with one Deployment whose
//! `spec.replicas` is a string (put straight into the simulator's store, as an older or
//! buggier API server might hold it). Every other Deployment arrives, and the bad one is
//! named with the field that could not be read.

use std::time::Duration;

use kubechat_ops::cluster::ClusterData;
use kubechat_ops::io::kube_watch::spawn_rollout_kinds;
use kubechat_ops::msg::{Change, KubeMsg, Msg};
use kubechat_sim::resources;
use kubechat_sim::{SimHandle, SimOptions};
use serde_json::json;
use tokio::sync::mpsc;

const NS: &str = "kubechat-system";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_undecodable_deployment_is_named_and_the_rest_show() {
    let sim = SimHandle::start(SimOptions {
        control_plane: false,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let bad = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "three-replicas", "namespace": NS},
        "spec": {
            "replicas": "three",
            "selector": {"matchLabels": {"app": "x"}},
            "template": {"metadata": {"labels": {"app": "x"}},
                         "spec": {"containers": [{"name": "x", "image": "x:1"}]}}
        }
    });
    sim.shared()
        .store
        .lock()
        .unwrap()
        .create_internal(resources::of("apps", "deployments"), NS, bad)
        .unwrap();

    let (tx, mut rx) = mpsc::channel(4096);
    let tasks = spawn_rollout_kinds(
        sim.client(),
        &kubechat_ops::cluster::scope::Scope::Namespace(NS.into()),
        tx,
    );
    let mut data = ClusterData::default();
    let mut unreadable = None;
    let mut errors = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !(data.deployments.synced && unreadable.is_some()) {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the deployments were listed within 30 s")
            .expect("the watchers run");
        let Msg::Kube(m) = msg else { continue };
        match &m {
            KubeMsg::Unreadable {
                name,
                error: Some(e),
                ..
            } => unreadable = Some((name.clone(), e.clone())),
            KubeMsg::SourceError { error: Some(e), .. } => errors.push(e.clone()),
            KubeMsg::Deployments(Change::Ready) => {}
            _ => {}
        }
        data.apply(m);
    }
    let (name, error) = unreadable.unwrap();
    assert_eq!(name, "three-replicas");
    assert!(error.starts_with("spec.replicas: "), "{error}");
    assert!(errors.is_empty(), "the watch failed: {errors:?}");
    // the scenario's Deployments are all there
    assert!(data.deployments.get("postgres-primary").is_some());
    assert!(data.deployments.get("kubechat-api-gateway-blue").is_some());
    assert!(data.deployments.get("three-replicas").is_none());
    assert_eq!(data.unreadable.len(), 1);
    for t in tasks {
        t.abort();
    }
    sim.shutdown().await;
}
