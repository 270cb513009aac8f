//! One kube-rs watcher per kind, each turning `watcher::Event`s into slim view models and
//! `Msg::Kube(Change)`s. Watch, never poll: the watchers reconnect with backoff on their
//! own, and a failure becomes a `SourceError` message, never the end of the program.

use std::fmt::Debug;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod, Service};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use crate::cluster::analysis_view::AnalysisRunView;
use crate::cluster::collection::Named;
use crate::cluster::views::{
    DeploymentView, EventView, PodView, ReplicaSetView, RolloutView, ServiceView,
};
use crate::msg::{Change, KubeMsg, Msg};

/// The Argo Rollouts kind, read as JSON (no CRD types compiled in).
pub fn rollout_resource() -> ApiResource {
    ApiResource {
        group: "argoproj.io".into(),
        version: "v1alpha1".into(),
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "Rollout".into(),
        plural: "rollouts".into(),
    }
}

/// Starts a watcher for every kind the console shows, in `namespace`.
pub fn spawn_all(client: Client, namespace: &str, tx: Sender<Msg>) -> Vec<JoinHandle<()>> {
    let mut handles = spawn_rollout_kinds(client.clone(), namespace, tx.clone());
    handles.push(spawn_kind(
        Api::<Pod>::namespaced(client.clone(), namespace),
        "pods",
        |p| PodView::from(p),
        KubeMsg::Pods,
        tx.clone(),
    ));
    handles.push(spawn_kind(
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &analysis_run_resource()),
        "analysisruns",
        |o| AnalysisRunView::from_json(&serde_json::to_value(o).unwrap_or_default()),
        KubeMsg::AnalysisRuns,
        tx.clone(),
    ));
    handles.push(spawn_kind(
        Api::<Event>::namespaced(client, namespace),
        "events",
        |e| EventView::from(e),
        KubeMsg::Events,
        tx,
    ));
    handles
}

/// Argo AnalysisRuns, read as JSON: the canary detail's measurements.
pub fn analysis_run_resource() -> ApiResource {
    ApiResource {
        group: "argoproj.io".into(),
        version: "v1alpha1".into(),
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "AnalysisRun".into(),
        plural: "analysisruns".into(),
    }
}

/// Starts the watchers the rollout rows are derived from (Deployments, ReplicaSets,
/// Services, Argo Rollouts): all the headless `rollout status` needs.
pub fn spawn_rollout_kinds(
    client: Client,
    namespace: &str,
    tx: Sender<Msg>,
) -> Vec<JoinHandle<()>> {
    let ns = namespace;
    vec![
        spawn_kind(
            Api::<Deployment>::namespaced(client.clone(), ns),
            "deployments",
            |d| DeploymentView::from(d),
            KubeMsg::Deployments,
            tx.clone(),
        ),
        spawn_kind(
            Api::<ReplicaSet>::namespaced(client.clone(), ns),
            "replicasets",
            |r| ReplicaSetView::from(r),
            KubeMsg::ReplicaSets,
            tx.clone(),
        ),
        spawn_kind(
            Api::<Service>::namespaced(client.clone(), ns),
            "services",
            |s| ServiceView::from(s),
            KubeMsg::Services,
            tx.clone(),
        ),
        spawn_kind(
            Api::<DynamicObject>::namespaced_with(client, ns, &rollout_resource()),
            "rollouts",
            |o| RolloutView::from_json(&serde_json::to_value(o).unwrap_or_default()),
            KubeMsg::Rollouts,
            tx,
        ),
    ]
}

/// Watches one kind: maps each event through `to_view` and wraps it with `wrap`.
fn spawn_kind<K, V>(
    api: Api<K>,
    kind: &'static str,
    to_view: fn(&K) -> V,
    wrap: fn(Change<V>) -> KubeMsg,
    tx: Sender<Msg>,
) -> JoinHandle<()>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    V: Named + Send + 'static,
{
    tokio::spawn(async move {
        let stream = watcher(api, watcher::Config::default()).default_backoff();
        futures::pin_mut!(stream);
        let mut failing = false;
        while let Some(event) = stream.next().await {
            let change = match event {
                Ok(event) => {
                    if failing {
                        failing = false;
                        let recovered = KubeMsg::SourceError {
                            kind,
                            error: None,
                            at: jiff::Timestamp::now(),
                        };
                        if tx.send(Msg::Kube(recovered)).await.is_err() {
                            return;
                        }
                    }
                    match event {
                        watcher::Event::Init => Change::Reset,
                        watcher::Event::InitApply(obj) | watcher::Event::Apply(obj) => {
                            Change::Upsert(to_view(&obj))
                        }
                        watcher::Event::InitDone => Change::Ready,
                        watcher::Event::Delete(obj) => {
                            Change::Remove(to_view(&obj).key().to_string())
                        }
                    }
                }
                Err(err) => {
                    failing = true;
                    tracing::warn!("{kind} watch failed: {err}");
                    let msg = KubeMsg::SourceError {
                        kind,
                        error: Some(one_line(&err.to_string())),
                        at: jiff::Timestamp::now(),
                    };
                    if tx.send(Msg::Kube(msg)).await.is_err() {
                        return;
                    }
                    continue;
                }
            };
            if tx.send(Msg::Kube(wrap(change))).await.is_err() {
                return;
            }
        }
    })
}

fn one_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.chars().count() > 200 {
        line.chars().take(200).collect::<String>() + "…"
    } else {
        line.to_string()
    }
}
