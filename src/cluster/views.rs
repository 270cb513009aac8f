//! Slim view models of the watched objects, converted from k8s-openapi types by pure
//! functions. They keep only what a pane shows (10,000 pods must fit in the console's
//! memory budget): no full objects, no label maps on pods.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod, PodSpec, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::pod_fields::PodFields;
pub use super::rollout_view::{AnalysisView, CanaryStep, RolloutStrategy, RolloutView};

/// The pod label that tells the blue/green slots apart.
pub const SLOT_LABEL: &str = "deployment-slot";
const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
const ARGO_REVISION_ANNOTATION: &str = "rollout.argoproj.io/revision";
pub const HASH_LABEL: &str = "pod-template-hash";

/// A condition as the panes show it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConditionView {
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeployStrategy {
    #[default]
    RollingUpdate,
    Recreate,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeploymentView {
    pub name: String,
    pub created: Option<Timestamp>,
    pub generation: i64,
    pub observed_generation: i64,
    pub strategy: DeployStrategy,
    pub paused: bool,
    /// spec.replicas (1 when unset, as the API server defaults it).
    pub desired: i32,
    /// status.replicas: all pods of every ReplicaSet.
    pub replicas: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    /// Images of the pod template's containers, comma separated.
    pub image: String,
    /// The template's `deployment-slot` label (blue/green).
    pub slot: Option<String>,
    /// The pod template's labels (to match Service selectors), sorted.
    pub pod_labels: Vec<(String, String)>,
    pub revision: Option<i64>,
    pub progress_deadline_seconds: Option<i32>,
    pub conditions: Vec<ConditionView>,
}

impl DeploymentView {
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplicaSetView {
    pub name: String,
    /// The owning Deployment or Rollout.
    pub owner: Option<String>,
    pub revision: Option<i64>,
    pub pod_template_hash: Option<String>,
    pub desired: i32,
    pub replicas: i32,
    pub ready: i32,
    pub available: i32,
    pub image: String,
    pub created: Option<Timestamp>,
}

impl ReplicaSetView {
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodView {
    pub name: String,
    pub owner_rs: Option<String>,
    pub pod_template_hash: Option<String>,
    pub slot: Option<String>,
    /// Pending, Running, Succeeded, Failed, Unknown.
    pub phase: String,
    pub ready_containers: u16,
    pub containers: u16,
    pub restarts: i32,
    /// Why it is not running well: CrashLoopBackOff, ImagePullBackOff, OOMKilled,
    /// Terminating, …
    pub reason: Option<String>,
    pub created: Option<Timestamp>,
}

impl PodView {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_ready(&self) -> bool {
        self.containers > 0 && self.ready_containers == self.containers
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceView {
    pub name: String,
    /// spec.selector, sorted.
    pub selector: Vec<(String, String)>,
}

impl ServiceView {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The slot the selector points at, if it selects by `deployment-slot`.
    pub fn slot(&self) -> Option<&str> {
        self.selector
            .iter()
            .find(|(k, _)| k == SLOT_LABEL)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventView {
    pub name: String,
    pub warning: bool,
    pub reason: String,
    pub message: String,
    pub object_kind: String,
    pub object_name: String,
    pub count: i32,
    pub last_seen: Option<Timestamp>,
}

impl EventView {
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn name_of(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn created_of(meta: &ObjectMeta) -> Option<Timestamp> {
    meta.creation_timestamp.as_ref().map(|t| t.0)
}

/// A Deployment's or ReplicaSet's revision; an Argo Rollout's ReplicaSets carry theirs
/// under Argo's own annotation.
fn revision_of(meta: &ObjectMeta) -> Option<i64> {
    let annotations = meta.annotations.as_ref()?;
    [REVISION_ANNOTATION, ARGO_REVISION_ANNOTATION]
        .iter()
        .find_map(|a| annotations.get(*a)?.parse().ok())
}

fn images_of(spec: Option<&PodSpec>) -> String {
    spec.map(|s| {
        s.containers
            .iter()
            .filter_map(|c| c.image.as_deref())
            .collect::<Vec<_>>()
            .join(",")
    })
    .unwrap_or_default()
}

impl From<&Deployment> for DeploymentView {
    fn from(d: &Deployment) -> Self {
        let spec = d.spec.as_ref();
        let status = d.status.as_ref();
        let template_meta = spec.and_then(|s| s.template.metadata.as_ref());
        let mut pod_labels: Vec<(String, String)> = template_meta
            .and_then(|m| m.labels.as_ref())
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        pod_labels.sort();
        let slot = pod_labels
            .iter()
            .find(|(k, _)| k == SLOT_LABEL)
            .map(|(_, v)| v.clone())
            .or_else(|| d.metadata.labels.as_ref()?.get(SLOT_LABEL).cloned());
        let strategy = match spec
            .and_then(|s| s.strategy.as_ref())
            .and_then(|s| s.type_.as_deref())
        {
            Some("Recreate") => DeployStrategy::Recreate,
            _ => DeployStrategy::RollingUpdate,
        };
        DeploymentView {
            name: name_of(&d.metadata),
            created: created_of(&d.metadata),
            generation: d.metadata.generation.unwrap_or(0),
            observed_generation: status.and_then(|s| s.observed_generation).unwrap_or(0),
            strategy,
            paused: spec.and_then(|s| s.paused).unwrap_or(false),
            desired: spec.and_then(|s| s.replicas).unwrap_or(1),
            replicas: status.and_then(|s| s.replicas).unwrap_or(0),
            updated: status.and_then(|s| s.updated_replicas).unwrap_or(0),
            ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
            available: status.and_then(|s| s.available_replicas).unwrap_or(0),
            image: images_of(spec.and_then(|s| s.template.spec.as_ref())),
            slot,
            pod_labels,
            revision: revision_of(&d.metadata),
            progress_deadline_seconds: spec.and_then(|s| s.progress_deadline_seconds),
            conditions: status
                .and_then(|s| s.conditions.as_ref())
                .map(|cs| {
                    cs.iter()
                        .map(|c| ConditionView {
                            type_: c.type_.clone(),
                            status: c.status.clone(),
                            reason: c.reason.clone(),
                            message: c.message.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

impl From<&ReplicaSet> for ReplicaSetView {
    fn from(rs: &ReplicaSet) -> Self {
        let spec = rs.spec.as_ref();
        let status = rs.status.as_ref();
        let owner = rs.metadata.owner_references.as_ref().and_then(|os| {
            os.iter()
                .find(|o| o.controller == Some(true))
                .or_else(|| os.first())
                .map(|o| o.name.clone())
        });
        ReplicaSetView {
            name: name_of(&rs.metadata),
            owner,
            revision: revision_of(&rs.metadata),
            pod_template_hash: rs
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(HASH_LABEL).cloned()),
            desired: spec.and_then(|s| s.replicas).unwrap_or(1),
            replicas: status.map(|s| s.replicas).unwrap_or(0),
            ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
            available: status.and_then(|s| s.available_replicas).unwrap_or(0),
            image: images_of(
                spec.and_then(|s| s.template.as_ref())
                    .and_then(|t| t.spec.as_ref()),
            ),
            created: created_of(&rs.metadata),
        }
    }
}

impl From<&Pod> for PodView {
    fn from(p: &Pod) -> Self {
        PodView::from(&PodFields::from(p))
    }
}

impl From<&PodFields> for PodView {
    fn from(p: &PodFields) -> Self {
        let labels = p.metadata.labels.as_ref();
        let status = p.status.as_ref();
        let statuses = status.map_or(&[][..], |s| &s.container_statuses[..]);
        let containers = if p.containers > 0 {
            p.containers
        } else {
            statuses.len()
        };
        let waiting_or_terminated = statuses.iter().find_map(|c| {
            let state = c.state.as_ref()?;
            if let Some(w) = &state.waiting {
                return w.reason.clone();
            }
            if let Some(t) = &state.terminated {
                return t.reason.clone().or_else(|| Some("Terminated".into()));
            }
            None
        });
        let reason = if p.metadata.deletion_timestamp.is_some() {
            Some("Terminating".to_string())
        } else {
            waiting_or_terminated.or_else(|| status.and_then(|s| s.reason.clone()))
        };
        PodView {
            name: name_of(&p.metadata),
            owner_rs: p.metadata.owner_references.as_ref().and_then(|os| {
                os.iter()
                    .find(|o| o.kind == "ReplicaSet")
                    .map(|o| o.name.clone())
            }),
            pod_template_hash: labels.and_then(|l| l.get(HASH_LABEL).cloned()),
            slot: labels.and_then(|l| l.get(SLOT_LABEL).cloned()),
            phase: status
                .and_then(|s| s.phase.clone())
                .unwrap_or_else(|| "Pending".into()),
            ready_containers: statuses.iter().filter(|c| c.ready).count() as u16,
            containers: containers as u16,
            restarts: statuses.iter().map(|c| c.restart_count).sum(),
            reason,
            created: created_of(&p.metadata),
        }
    }
}

impl From<&Service> for ServiceView {
    fn from(s: &Service) -> Self {
        let mut selector: Vec<(String, String)> = s
            .spec
            .as_ref()
            .and_then(|sp| sp.selector.as_ref())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        selector.sort();
        ServiceView {
            name: name_of(&s.metadata),
            selector,
        }
    }
}

impl From<&Event> for EventView {
    fn from(e: &Event) -> Self {
        let last_seen = e
            .last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or_else(|| e.event_time.as_ref().map(|t| t.0))
            .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
            .or_else(|| created_of(&e.metadata));
        EventView {
            name: name_of(&e.metadata),
            warning: e.type_.as_deref() == Some("Warning"),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default(),
            object_kind: e.involved_object.kind.clone().unwrap_or_default(),
            object_name: e.involved_object.name.clone().unwrap_or_default(),
            count: e
                .series
                .as_ref()
                .and_then(|s| s.count)
                .or(e.count)
                .unwrap_or(1),
            last_seen,
        }
    }
}

#[cfg(test)]
#[path = "views_tests.rs"]
mod tests;

/// A namespace, by name only: what the `:ns` picker offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceView {
    pub name: String,
}
