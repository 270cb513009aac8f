//! One kube-rs watcher per kind, each turning `watcher::Event`s into slim view models and
//! `Msg::Kube(Change)`s. Watch, never poll: the watchers reconnect with backoff on their
//! own, and a failure becomes a `SourceError` message, never the end of the program.

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Namespace, Service};
use kube::api::{Api, ApiResource, DynamicObject, PartialObjectMeta};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use super::backups::{cnpg_resource, cnpg_served, cronjob_resource, job_resource};
use crate::cluster::analysis_view::AnalysisRunView;
use crate::cluster::backup_view::{CronJobView, JobView};
use crate::cluster::cnpg_view::{CnpgBackupView, CnpgClusterView};
use crate::cluster::collection::{Named, Qualify};
use crate::cluster::pod_fields::PodFields;
use crate::cluster::scope::Scope;
use crate::cluster::views::NamespaceView;
use crate::cluster::views::{
    DeploymentView, EventView, PodView, ReplicaSetView, RolloutView, ServiceView,
};
use crate::io::lenient::Lenient;
use crate::msg::{Change, KubeMsg, Msg};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// How long a watch may say nothing before it counts as dead: the API server sends a
/// bookmark about every minute on a watch that asked for them (kube-rs watchers do), so a
/// watch silent for longer than this has died without closing (a dead NAT mapping, a hung
/// proxy). The read fails, the source shows stale, and the watcher starts a new watch.
pub const SILENT_WATCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(68);

/// A client for watches: `config`'s, with reads that fail after `silent` without a byte.
pub fn watch_client(config: &kube::Config, silent: std::time::Duration) -> kube::Result<Client> {
    let mut config = config.clone();
    config.read_timeout = Some(silent);
    Client::try_from(config)
}

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

/// How long the other kinds wait for the Deployments' first list before starting anyway
/// (a console that may not list Deployments still watches the rest).
const ROWS_FIRST_AT_MOST: std::time::Duration = std::time::Duration::from_secs(3);

/// Starts a watcher for every kind the console shows, in `scope`.
///
/// The Rollouts pane's rows come first: the Deployments, Services and Rollouts are listed
/// alone, and the other kinds (10,000 pods and their ReplicaSets on a big cluster) start
/// once the Deployments are in. Listed together, the pods' pages held the rows back by
/// seconds; the rows then fill in (revisions, pods) as the rest arrives.
pub fn spawn_all(client: Client, scope: &Scope, tx: Sender<Msg>) -> Vec<JoinHandle<()>> {
    let (listed, rows_listed) = tokio::sync::watch::channel(false);
    let mut handles = spawn_row_kinds(client.clone(), scope, tx.clone(), Some(listed));
    let scope = scope.clone();
    handles.push(tokio::spawn(async move {
        let mut rows_listed = rows_listed;
        let _ = tokio::time::timeout(ROWS_FIRST_AT_MOST, rows_listed.wait_for(|done| *done)).await;
        // the watchers live as long as this task: aborting it aborts them
        let _watchers = AbortOnDrop(spawn_the_rest(client, &scope, tx));
        futures::future::pending::<()>().await;
    }));
    handles
}

/// Aborts the watchers it holds when dropped (their parent task was aborted).
struct AbortOnDrop(Vec<JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

/// Every kind but the rows' own.
fn spawn_the_rest(client: Client, scope: &Scope, tx: Sender<Msg>) -> Vec<JoinHandle<()>> {
    let mut handles = vec![spawn_replica_sets(client.clone(), scope, tx.clone())];
    handles.push(spawn_kind(
        (dynamic::<PodFields>(client.clone(), scope), everything()),
        scope.clone(),
        "pods",
        |p| PodView::from(p),
        KubeMsg::Pods,
        tx.clone(),
        None,
    ));
    handles.push(spawn_kind(
        (
            api_in(client.clone(), scope, &analysis_run_resource()),
            everything(),
        ),
        scope.clone(),
        "analysisruns",
        |o: &serde_json::Value| AnalysisRunView::from_json(o),
        KubeMsg::AnalysisRuns,
        tx.clone(),
        None,
    ));
    handles.push(spawn_kind(
        (
            api_in(client.clone(), scope, &cronjob_resource()),
            everything(),
        ),
        scope.clone(),
        "cronjobs",
        |o: &serde_json::Value| CronJobView::from_json(o),
        KubeMsg::CronJobs,
        tx.clone(),
        None,
    ));
    handles.push(spawn_kind(
        (api_in(client.clone(), scope, &job_resource()), everything()),
        scope.clone(),
        "jobs",
        |o: &serde_json::Value| JobView::from_json(o),
        KubeMsg::Jobs,
        tx.clone(),
        None,
    ));
    handles.push(spawn_cnpg(client.clone(), scope.clone(), tx.clone()));
    handles.push(spawn_kind(
        (
            dynamic::<Event>(client.clone(), scope),
            events_config(scope),
        ),
        scope.clone(),
        "events",
        |e| EventView::from(e),
        KubeMsg::Events,
        tx.clone(),
        None,
    ));
    handles.push(spawn_namespaces(client, tx));
    handles
}

fn everything() -> watcher::Config {
    watcher::Config::default()
}

/// Events: every one in a namespace (a rollout's detail shows its Normal events too);
/// across all namespaces only warnings, which is what the timeline takes from them: a big
/// cluster's Normal events (tens of thousands, thousands a second under churn) would cost
/// more than everything else the console watches together.
fn events_config(scope: &Scope) -> watcher::Config {
    match scope {
        Scope::Namespace(_) => everything(),
        Scope::All => watcher::Config::default().fields("type=Warning"),
    }
}

/// The kind's API over the scope: one namespace, or all of them.
fn api_in(client: Client, scope: &Scope, resource: &ApiResource) -> Api<DynamicObject> {
    match scope {
        Scope::Namespace(ns) => Api::namespaced_with(client, ns, resource),
        Scope::All => Api::all_with(client, resource),
    }
}

/// CloudNativePG Clusters and Backups, watched only where the CRDs exist (elsewhere the
/// Backups pane shows CronJobs only, and no watch fails over and over).
fn spawn_cnpg(client: Client, scope: Scope, tx: Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        if !cnpg_served(&client).await {
            return;
        }
        let clusters = spawn_kind(
            (
                api_in(
                    client.clone(),
                    &scope,
                    &cnpg_resource("Cluster", "clusters"),
                ),
                everything(),
            ),
            scope.clone(),
            "clusters.postgresql.cnpg.io",
            |o: &serde_json::Value| CnpgClusterView::from_json(o),
            KubeMsg::CnpgClusters,
            tx.clone(),
            None,
        );
        let backups = spawn_kind(
            (
                api_in(client, &scope, &cnpg_resource("Backup", "backups")),
                everything(),
            ),
            scope.clone(),
            "backups.postgresql.cnpg.io",
            |o: &serde_json::Value| CnpgBackupView::from_json(o),
            KubeMsg::CnpgBackups,
            tx,
            None,
        );
        // the watchers live as long as this task: aborting it aborts them
        let _watchers = AbortOnDrop(vec![clusters, backups]);
        futures::future::pending::<()>().await;
    })
}

/// A built-in kind's API over the scope, each object read on its own (`Lenient`).
fn dynamic<K>(client: Client, scope: &Scope) -> Api<Lenient<K>>
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>,
{
    match scope {
        Scope::Namespace(ns) => Api::namespaced(client, ns),
        Scope::All => Api::all(client),
    }
}

/// The live namespaces' names, for the `:ns` picker. Only names are kept; a console that
/// may not list namespaces simply offers none.
fn spawn_namespaces(client: Client, tx: Sender<Msg>) -> JoinHandle<()> {
    let api: Api<PartialObjectMeta<Namespace>> = Api::all(client);
    tokio::spawn(async move {
        let stream = watcher(api, watcher::Config::default()).default_backoff();
        futures::pin_mut!(stream);
        while let Some(event) = stream.next().await {
            let change = match event {
                Ok(watcher::Event::Init) => Change::Reset,
                Ok(watcher::Event::InitDone) => Change::Ready,
                Ok(watcher::Event::InitApply(o) | watcher::Event::Apply(o)) => {
                    Change::Upsert(NamespaceView {
                        name: o.metadata.name.unwrap_or_default(),
                    })
                }
                Ok(watcher::Event::Delete(o)) => {
                    Change::Remove(o.metadata.name.unwrap_or_default())
                }
                Err(e) => {
                    tracing::debug!("namespaces watch: {e}");
                    continue;
                }
            };
            if tx
                .send(Msg::Kube(KubeMsg::Namespaces(change)))
                .await
                .is_err()
            {
                return;
            }
        }
    })
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
pub fn spawn_rollout_kinds(client: Client, scope: &Scope, tx: Sender<Msg>) -> Vec<JoinHandle<()>> {
    let mut handles = spawn_row_kinds(client.clone(), scope, tx.clone(), None);
    handles.push(spawn_replica_sets(client, scope, tx));
    handles
}

fn spawn_replica_sets(client: Client, scope: &Scope, tx: Sender<Msg>) -> JoinHandle<()> {
    spawn_kind(
        (dynamic::<ReplicaSet>(client, scope), everything()),
        scope.clone(),
        "replicasets",
        |r| ReplicaSetView::from(r),
        KubeMsg::ReplicaSets,
        tx,
        None,
    )
}

/// The kinds a row is made of before anything else: Deployments (which say on `listed`
/// when their first list is in), Services and Argo Rollouts.
fn spawn_row_kinds(
    client: Client,
    scope: &Scope,
    tx: Sender<Msg>,
    listed: Option<tokio::sync::watch::Sender<bool>>,
) -> Vec<JoinHandle<()>> {
    let ns = scope;
    vec![
        spawn_kind(
            (dynamic::<Deployment>(client.clone(), ns), everything()),
            scope.clone(),
            "deployments",
            |d| DeploymentView::from(d),
            KubeMsg::Deployments,
            tx.clone(),
            listed,
        ),
        spawn_kind(
            (dynamic::<Service>(client.clone(), ns), everything()),
            scope.clone(),
            "services",
            |s| ServiceView::from(s),
            KubeMsg::Services,
            tx.clone(),
            None,
        ),
        spawn_kind(
            (api_in(client, ns, &rollout_resource()), everything()),
            scope.clone(),
            "rollouts",
            |o: &serde_json::Value| RolloutView::from_json(o),
            KubeMsg::Rollouts,
            tx,
            None,
        ),
    ]
}

/// Watches one kind: maps each event through `to_view` and wraps it with `wrap`.
///
/// Objects arrive as JSON and are decoded one by one (`Watched::read`), so one object the console
/// cannot read is reported on its own (`KubeMsg::Unreadable`) and the rest of the kind
/// still shows; a typed watch would fail the whole list, over and over.
fn spawn_kind<W, V>(
    (api, config): (Api<W>, watcher::Config),
    scope: Scope,
    kind: &'static str,
    to_view: fn(&W::Read) -> V,
    wrap: fn(Change<V>) -> KubeMsg,
    tx: Sender<Msg>,
    listed: Option<tokio::sync::watch::Sender<bool>>,
) -> JoinHandle<()>
where
    W: Watched,
    V: Named + Qualify + Send + 'static,
{
    tokio::spawn(async move {
        let stream = watcher(api, config).default_backoff();
        futures::pin_mut!(stream);
        let mut failing = false;
        let mut listing = ListTiming::default();
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
            listing.saw(kind, &event);
            let msg = match event {
                watcher::Event::Init => wrap(Change::Reset),
                watcher::Event::InitDone => {
                    if let Some(listed) = &listed {
                        // after this kind's objects, in the channel's order
                        let _ = tx.send(Msg::Kube(wrap(Change::Ready))).await;
                        listed.send_replace(true);
                        continue;
                    }
                    wrap(Change::Ready)
                }
                watcher::Event::InitApply(obj) | watcher::Event::Apply(obj) => {
                    let name = qualified_name(&scope, obj.meta());
                    let ns = obj.meta().namespace.clone().unwrap_or_default();
                    match obj.read() {
                        Ok(k) => {
                            let mut view = to_view(&k);
                            if scope.is_all() {
                                view.qualify(&scope, &ns);
                            }
                            wrap(Change::Upsert(view))
                        }
                        Err(error) => KubeMsg::Unreadable {
                            kind,
                            name,
                            error: Some(error),
                        },
                    }
                }
                watcher::Event::Delete(obj) => {
                    let name = qualified_name(&scope, obj.meta());
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

/// How long a kind's (re)list took and how many objects it brought, for the log: where a
/// big cluster's start-up time goes.
#[derive(Default)]
struct ListTiming {
    started: Option<std::time::Instant>,
    objects: usize,
}

impl ListTiming {
    fn saw<K>(&mut self, kind: &str, event: &watcher::Event<K>) {
        match event {
            watcher::Event::Init => {
                self.started = Some(std::time::Instant::now());
                self.objects = 0;
            }
            watcher::Event::InitApply(_) => self.objects += 1,
            watcher::Event::InitDone => {
                if let Some(t) = self.started.take() {
                    tracing::info!(
                        "{kind}: listed {} in {} ms",
                        self.objects,
                        t.elapsed().as_millis()
                    );
                }
                if self.objects >= super::memory::TRIM_AFTER_OBJECTS {
                    super::memory::release_free_memory();
                }
            }
            watcher::Event::Apply(_) | watcher::Event::Delete(_) => {}
        }
    }
}

/// The console's name for an object in `scope` (`scope.rs`).
fn qualified_name(scope: &Scope, meta: &ObjectMeta) -> String {
    let name = meta.name.as_deref().unwrap_or_default();
    scope.qualify(meta.namespace.as_deref().unwrap_or_default(), name)
}

/// What a watcher can watch: a built-in kind read leniently (`Lenient`), or an Argo kind
/// as JSON (`DynamicObject`); `read` gives what its view is made from, or why it cannot be.
pub trait Watched:
    kube::Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static
{
    type Read;
    fn read(self) -> Result<Self::Read, String>;
}

impl<K> Watched for Lenient<K>
where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
{
    type Read = K;
    fn read(self) -> Result<K, String> {
        self.into_result().map_err(|e| one_line(&e))
    }
}

impl Watched for DynamicObject {
    type Read = serde_json::Value;
    fn read(self) -> Result<serde_json::Value, String> {
        decode(self)
    }
}

/// One object as the console's type for it, or why it cannot be: the field's path and
/// what is wrong with it ("spec.replicas: invalid type: string \"three\", expected i32").
/// The object's fields move into the typed object rather than being copied.
pub fn decode<K: DeserializeOwned>(obj: DynamicObject) -> Result<K, String> {
    let DynamicObject {
        types,
        metadata,
        mut data,
    } = obj;
    if let serde_json::Value::Object(map) = &mut data {
        let metadata = serde_json::to_value(metadata).map_err(|e| e.to_string())?;
        map.insert("metadata".into(), metadata);
        if let Some(t) = types {
            map.insert("apiVersion".into(), t.api_version.into());
            map.insert("kind".into(), t.kind.into());
        }
    }
    decode_value(data)
}

fn decode_value<K: DeserializeOwned>(value: serde_json::Value) -> Result<K, String> {
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
