//! One kube-rs watcher per kind, each turning `watcher::Event`s into slim view models and
//! `Msg::Kube(Change)`s. Watch, never poll: the watchers reconnect with backoff on their
//! own, and a failure becomes a `SourceError` message, never the end of the program.

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod, Service};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use super::backups::{cnpg_resource, cnpg_served, cronjob_resource, job_resource};
use crate::cluster::analysis_view::AnalysisRunView;
use crate::cluster::backup_view::{CronJobView, JobView};
use crate::cluster::cnpg_view::{CnpgBackupView, CnpgClusterView};
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
        dynamic::<Pod>(client.clone(), namespace),
        "pods",
        |p| PodView::from(p),
        KubeMsg::Pods,
        tx.clone(),
    ));
    handles.push(spawn_kind(
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &analysis_run_resource()),
        "analysisruns",
        |o: &serde_json::Value| AnalysisRunView::from_json(o),
        KubeMsg::AnalysisRuns,
        tx.clone(),
    ));
    handles.push(spawn_kind(
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &cronjob_resource()),
        "cronjobs",
        |o: &serde_json::Value| CronJobView::from_json(o),
        KubeMsg::CronJobs,
        tx.clone(),
    ));
    handles.push(spawn_kind(
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &job_resource()),
        "jobs",
        |o: &serde_json::Value| JobView::from_json(o),
        KubeMsg::Jobs,
        tx.clone(),
    ));
    handles.push(spawn_cnpg(client.clone(), namespace, tx.clone()));
    handles.push(spawn_kind(
        dynamic::<Event>(client, namespace),
        "events",
        |e| EventView::from(e),
        KubeMsg::Events,
        tx,
    ));
    handles
}

/// CloudNativePG Clusters and Backups, watched only where the CRDs exist (elsewhere the
/// Backups pane shows CronJobs only, and no watch fails over and over).
fn spawn_cnpg(client: Client, namespace: &str, tx: Sender<Msg>) -> JoinHandle<()> {
    let namespace = namespace.to_string();
    tokio::spawn(async move {
        if !cnpg_served(&client).await {
            return;
        }
        let clusters = spawn_kind(
            Api::<DynamicObject>::namespaced_with(
                client.clone(),
                &namespace,
                &cnpg_resource("Cluster", "clusters"),
            ),
            "clusters.postgresql.cnpg.io",
            |o: &serde_json::Value| CnpgClusterView::from_json(o),
            KubeMsg::CnpgClusters,
            tx.clone(),
        );
        let backups = spawn_kind(
            Api::<DynamicObject>::namespaced_with(
                client,
                &namespace,
                &cnpg_resource("Backup", "backups"),
            ),
            "backups.postgresql.cnpg.io",
            |o: &serde_json::Value| CnpgBackupView::from_json(o),
            KubeMsg::CnpgBackups,
            tx,
        );
        // the watchers live as long as this task: aborting it aborts them
        struct AbortOnDrop(Vec<JoinHandle<()>>);
        impl Drop for AbortOnDrop {
            fn drop(&mut self) {
                for h in &self.0 {
                    h.abort();
                }
            }
        }
        let _watchers = AbortOnDrop(vec![clusters, backups]);
        futures::future::pending::<()>().await;
    })
}

/// A built-in kind's API, read as JSON (decoded per object by `spawn_kind`).
fn dynamic<K>(client: Client, namespace: &str) -> Api<DynamicObject>
where
    K: kube::Resource<DynamicType = ()>,
{
    Api::namespaced_with(client, namespace, &ApiResource::erase::<K>(&()))
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
            dynamic::<Deployment>(client.clone(), ns),
            "deployments",
            |d| DeploymentView::from(d),
            KubeMsg::Deployments,
            tx.clone(),
        ),
        spawn_kind(
            dynamic::<ReplicaSet>(client.clone(), ns),
            "replicasets",
            |r| ReplicaSetView::from(r),
            KubeMsg::ReplicaSets,
            tx.clone(),
        ),
        spawn_kind(
            dynamic::<Service>(client.clone(), ns),
            "services",
            |s| ServiceView::from(s),
            KubeMsg::Services,
            tx.clone(),
        ),
        spawn_kind(
            Api::<DynamicObject>::namespaced_with(client, ns, &rollout_resource()),
            "rollouts",
            |o: &serde_json::Value| RolloutView::from_json(o),
            KubeMsg::Rollouts,
            tx,
        ),
    ]
}

/// Watches one kind: maps each event through `to_view` and wraps it with `wrap`.
///
/// Objects arrive as JSON and are decoded one by one (`decode`), so one object the console
/// cannot read is reported on its own (`KubeMsg::Unreadable`) and the rest of the kind
/// still shows; a typed watch would fail the whole list, over and over.
fn spawn_kind<K, V>(
    api: Api<DynamicObject>,
    kind: &'static str,
    to_view: fn(&K) -> V,
    wrap: fn(Change<V>) -> KubeMsg,
    tx: Sender<Msg>,
) -> JoinHandle<()>
where
    K: DeserializeOwned + 'static,
    V: Named + Send + 'static,
{
    tokio::spawn(async move {
        let stream = watcher(api, watcher::Config::default()).default_backoff();
        futures::pin_mut!(stream);
        let mut failing = false;
        while let Some(event) = stream.next().await {
            let event = match event {
                Ok(event) => event,
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
            let msg = match event {
                watcher::Event::Init => wrap(Change::Reset),
                watcher::Event::InitDone => wrap(Change::Ready),
                watcher::Event::InitApply(obj) | watcher::Event::Apply(obj) => {
                    let name = obj.metadata.name.clone().unwrap_or_default();
                    match decode::<K>(&obj) {
                        Ok(k) => wrap(Change::Upsert(to_view(&k))),
                        Err(error) => KubeMsg::Unreadable {
                            kind,
                            name,
                            error: Some(error),
                        },
                    }
                }
                watcher::Event::Delete(obj) => {
                    let name = obj.metadata.name.clone().unwrap_or_default();
                    // gone, whether it could be read or not
                    if tx
                        .send(Msg::Kube(KubeMsg::Unreadable {
                            kind,
                            name: name.clone(),
                            error: None,
                        }))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    wrap(Change::Remove(name))
                }
            };
            if tx.send(Msg::Kube(msg)).await.is_err() {
                return;
            }
        }
    })
}

/// One object as the console's type for it, or why it cannot be: the field's path and
/// what is wrong with it ("spec.replicas: invalid type: string \"three\", expected i32").
pub fn decode<K: DeserializeOwned>(obj: &DynamicObject) -> Result<K, String> {
    let value = serde_json::to_value(obj).map_err(|e| e.to_string())?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if path == "." {
            one_line(&inner)
        } else {
            one_line(&format!("{path}: {inner}"))
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
