//! The only object that can change the cluster. It is built only in read-write mode
//! (see `main`/`app`): in read-only mode it does not exist, so no write can be sent.
//! Each write is the request kubectl (or the Argo Rollouts plugin) sends for the same
//! operation.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};

use super::kube_watch::rollout_resource;
use crate::cluster::scope::Scope;
use crate::effect::{ClusterWrite, WorkloadKind, WriteError, WriteResult};

pub mod incidents;
pub mod restore;

const REVISION: &str = "deployment.kubernetes.io/revision";

#[derive(Clone)]
pub struct KubeWriter {
    client: Client,
    namespace: String,
}

impl KubeWriter {
    pub fn new(client: Client, namespace: &str) -> Self {
        KubeWriter {
            client,
            namespace: namespace.to_string(),
        }
    }

    fn deployments(&self, ns: &str) -> Api<Deployment> {
        Api::namespaced(self.client.clone(), ns)
    }

    fn rollouts(&self, ns: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), ns, &rollout_resource())
    }

    /// Carries out one write on objects of the writer's own namespace.
    pub async fn apply(&self, write: &ClusterWrite) -> WriteResult {
        self.apply_in(&Scope::Namespace(self.namespace.clone()), write)
            .await
    }

    /// Carries out one write whose names are qualified in `scope` (`cluster/scope.rs`);
    /// Ok is a one-line summary for the timeline.
    pub async fn apply_in(&self, scope: &Scope, write: &ClusterWrite) -> WriteResult {
        let Some((ns, _)) = scope.locate(write.subject()) else {
            return Err(WriteError::Failed(format!(
                "{} names no namespace",
                write.subject()
            )));
        };
        let plain = write.with_names(|n| scope.locate(n).map_or(n, |(_, name)| name));
        self.apply_inner(ns, &plain)
            .await
            .map_err(|e| match e.downcast_ref::<kube::Error>() {
                Some(kube::Error::Api(status)) => WriteError::Refused {
                    code: status.code,
                    message: status.message.clone(),
                },
                _ => WriteError::Failed(e.to_string()),
            })
    }

    async fn apply_inner(&self, ns: &str, write: &ClusterWrite) -> anyhow::Result<String> {
        let pp = PatchParams::default();
        match write {
            ClusterWrite::Scale {
                kind: WorkloadKind::Deployment,
                name,
                replicas,
            } => {
                let patch = json!({"spec": {"replicas": replicas}});
                self.deployments(ns)
                    .patch_scale(name, &pp, &Patch::Merge(&patch))
                    .await?;
                Ok(format!("deployment/{name} scaled to {replicas}"))
            }
            ClusterWrite::Scale {
                kind: WorkloadKind::Rollout,
                name,
                replicas,
            } => {
                let patch = json!({"spec": {"replicas": replicas}});
                self.rollouts(ns)
                    .patch(name, &pp, &Patch::Merge(&patch))
                    .await?;
                Ok(format!("rollout/{name} scaled to {replicas}"))
            }
            ClusterWrite::Restart {
                kind: WorkloadKind::Deployment,
                name,
            } => {
                let now = jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    .to_string();
                let patch = json!({"spec": {"template": {"metadata": {"annotations": {
                    "kubectl.kubernetes.io/restartedAt": now}}}}});
                self.deployments(ns)
                    .patch(name, &pp, &Patch::Strategic(&patch))
                    .await?;
                Ok(format!("deployment/{name} restarted"))
            }
            ClusterWrite::Restart {
                kind: WorkloadKind::Rollout,
                name,
            } => {
                let now = jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    .to_string();
                let patch = json!({"spec": {"restartAt": now}});
                self.rollouts(ns)
                    .patch(name, &pp, &Patch::Merge(&patch))
                    .await?;
                Ok(format!("rollout/{name} restarted"))
            }
            ClusterWrite::Undo { name, to_revision } => self.undo(ns, name, *to_revision).await,
            ClusterWrite::SetPaused { name, paused } => {
                let patch = json!({"spec": {"paused": paused}});
                self.deployments(ns)
                    .patch(name, &pp, &Patch::Merge(&patch))
                    .await?;
                Ok(format!(
                    "deployment/{name} {}",
                    if *paused { "paused" } else { "resumed" }
                ))
            }
            ClusterWrite::SwitchSlot { service, slot } => {
                let patch = json!({"spec": {"selector": {"deployment-slot": slot}}});
                let api: Api<Service> = Api::namespaced(self.client.clone(), ns);
                api.patch(service, &pp, &Patch::Merge(&patch)).await?;
                Ok(format!("service/{service} now selects slot {slot}"))
            }
            ClusterWrite::Promote { name, full } => {
                let status = if *full {
                    json!({"status": {"promoteFull": true}})
                } else {
                    json!({"status": {"pauseConditions": null}})
                };
                self.rollouts(ns)
                    .patch_status(name, &pp, &Patch::Merge(&status))
                    .await?;
                let spec = json!({"spec": {"paused": false}});
                self.rollouts(ns)
                    .patch(name, &pp, &Patch::Merge(&spec))
                    .await?;
                Ok(format!(
                    "rollout/{name} promoted{}",
                    if *full { " fully" } else { "" }
                ))
            }
            ClusterWrite::Abort { name } => {
                let status = json!({"status": {"abort": true}});
                self.rollouts(ns)
                    .patch_status(name, &pp, &Patch::Merge(&status))
                    .await?;
                Ok(format!("rollout/{name} aborted"))
            }
            ClusterWrite::Retry { name } => {
                let status = json!({"status": {"abort": false}});
                self.rollouts(ns)
                    .patch_status(name, &pp, &Patch::Merge(&status))
                    .await?;
                Ok(format!("rollout/{name} retried"))
            }
            ClusterWrite::RunCronJob { cronjob, job } => self.run_cronjob(ns, cronjob, job).await,
            ClusterWrite::SuspendCronJob { name, suspend } => {
                let patch = json!({"spec": {"suspend": suspend}});
                let api: Api<CronJob> = Api::namespaced(self.client.clone(), ns);
                api.patch(name, &pp, &Patch::Merge(&patch)).await?;
                Ok(format!(
                    "cronjob/{name} {}",
                    if *suspend { "suspended" } else { "resumed" }
                ))
            }
            ClusterWrite::DeleteDeployment { name } => {
                self.deployments(ns)
                    .delete(name, &DeleteParams::background())
                    .await?;
                Ok(format!("deployment/{name} deleted"))
            }
        }
    }

    /// What `kubectl create job JOB --from=cronjob/CRONJOB` sends: a Job with the
    /// CronJob's job template, its labels and annotations plus
    /// `cronjob.kubernetes.io/instantiate: manual`, owned by the CronJob.
    async fn run_cronjob(&self, ns: &str, cronjob: &str, job: &str) -> anyhow::Result<String> {
        let cronjobs: Api<CronJob> = Api::namespaced(self.client.clone(), ns);
        let cj = cronjobs.get(cronjob).await?;
        let template = cj
            .spec
            .as_ref()
            .map(|s| s.job_template.clone())
            .unwrap_or_default();
        let meta = template.metadata.unwrap_or_default();
        let mut annotations = meta.annotations.unwrap_or_default();
        annotations.insert("cronjob.kubernetes.io/instantiate".into(), "manual".into());
        let owner = OwnerReference {
            api_version: "batch/v1".into(),
            kind: "CronJob".into(),
            name: cronjob.to_string(),
            uid: cj.metadata.uid.clone().unwrap_or_default(),
            controller: Some(true),
            block_owner_deletion: None,
        };
        let new = Job {
            metadata: ObjectMeta {
                name: Some(job.to_string()),
                namespace: Some(ns.to_string()),
                labels: meta.labels,
                annotations: Some(annotations),
                owner_references: Some(vec![owner]),
                ..Default::default()
            },
            spec: template.spec,
            status: None,
        };
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), ns);
        jobs.create(&PostParams::default(), &new).await?;
        Ok(format!("job.batch/{job} created"))
    }

    /// What `kubectl rollout undo [--to-revision=N]` does: copy the pod template of the
    /// ReplicaSet with the wanted revision back into the Deployment.
    async fn undo(&self, ns: &str, name: &str, to_revision: Option<i64>) -> anyhow::Result<String> {
        let deploy = self.deployments(ns).get(name).await?;
        let current: i64 = revision_of(&deploy.metadata.annotations).unwrap_or(0);
        let uid = deploy.metadata.uid.clone().unwrap_or_default();
        let rs_api: Api<ReplicaSet> = Api::namespaced(self.client.clone(), ns);
        let mut owned: Vec<(i64, ReplicaSet)> = rs_api
            .list(&ListParams::default())
            .await?
            .items
            .into_iter()
            .filter(|rs| {
                rs.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == uid)
            })
            .filter_map(|rs| revision_of(&rs.metadata.annotations).map(|r| (r, rs)))
            .collect();
        owned.sort_by_key(|(r, _)| *r);
        let target = match to_revision {
            Some(wanted) => owned.iter().find(|(r, _)| *r == wanted),
            None => owned.iter().rev().find(|(r, _)| *r < current),
        };
        let Some((revision, rs)) = target else {
            anyhow::bail!(match to_revision {
                Some(r) => format!("unable to find specified revision {r} in history"),
                None => "no rollout history found for a previous revision".to_string(),
            });
        };
        let mut template = serde_json::to_value(
            rs.spec
                .as_ref()
                .and_then(|s| s.template.clone())
                .unwrap_or_default(),
        )?;
        if let Some(labels) = template
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove("pod-template-hash");
        }
        let patch: json_patch::Patch = serde_json::from_value(json!([
            {"op": "replace", "path": "/spec/template", "value": template}
        ]))?;
        self.deployments(ns)
            .patch(name, &PatchParams::default(), &Patch::Json::<()>(patch))
            .await?;
        Ok(format!(
            "deployment/{name} rolled back to revision {revision}"
        ))
    }
}

fn revision_of(annotations: &Option<std::collections::BTreeMap<String, String>>) -> Option<i64> {
    annotations.as_ref()?.get(REVISION)?.parse().ok()
}
