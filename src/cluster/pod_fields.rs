//! What the console reads of a Pod: the fields [`PodView`](super::views::PodView) is made
//! from, decoded straight from a watch's text. The rest of the object (the spec, conditions,
//! IPs, images, managed fields) is skipped without being kept: at a thousand pod changes a
//! second, reading whole `k8s_openapi` Pods was most of what watching cost.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::views::{HASH_LABEL, SLOT_LABEL};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PodFields {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: ObjectMeta,
    /// How many containers the spec has.
    #[serde(default, rename = "spec", deserialize_with = "count_containers")]
    pub containers: usize,
    #[serde(default)]
    pub status: Option<StatusFields>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusFields {
    pub phase: Option<String>,
    pub reason: Option<String>,
    #[serde(default)]
    pub container_statuses: Vec<ContainerFields>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerFields {
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub restart_count: i32,
    pub state: Option<StateFields>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StateFields {
    pub waiting: Option<Reason>,
    pub terminated: Option<Reason>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reason {
    pub reason: Option<String>,
}

/// The metadata fields the console uses (and the resource version the watcher needs).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaFields {
    name: Option<String>,
    namespace: Option<String>,
    resource_version: Option<String>,
    #[serde(default)]
    labels: LabelFields,
    owner_references: Option<Vec<OwnerReference>>,
    creation_timestamp: Option<Time>,
    deletion_timestamp: Option<Time>,
}

#[derive(Default, Deserialize)]
struct LabelFields {
    #[serde(rename = "pod-template-hash")]
    hash: Option<String>,
    #[serde(rename = "deployment-slot")]
    slot: Option<String>,
}

fn read_meta<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    let m = MetaFields::deserialize(d)?;
    let labels: BTreeMap<String, String> =
        [(HASH_LABEL, m.labels.hash), (SLOT_LABEL, m.labels.slot)]
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), v?)))
            .collect();
    Ok(ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        resource_version: m.resource_version,
        labels: (!labels.is_empty()).then_some(labels),
        owner_references: m.owner_references,
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        ..ObjectMeta::default()
    })
}

fn count_containers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    #[derive(Deserialize)]
    struct Spec {
        #[serde(default)]
        containers: Vec<IgnoredAny>,
    }
    Ok(Option::<Spec>::deserialize(d)?.map_or(0, |s| s.containers.len()))
}

impl From<&Pod> for PodFields {
    /// The same fields taken from a whole Pod (a scenario file, a test).
    fn from(p: &Pod) -> Self {
        let status = p.status.as_ref().map(|s| StatusFields {
            phase: s.phase.clone(),
            reason: s.reason.clone(),
            container_statuses: s
                .container_statuses
                .iter()
                .flatten()
                .map(|c| ContainerFields {
                    ready: c.ready,
                    restart_count: c.restart_count,
                    state: c.state.as_ref().map(|st| StateFields {
                        waiting: st.waiting.as_ref().map(|w| Reason {
                            reason: w.reason.clone(),
                        }),
                        terminated: st.terminated.as_ref().map(|t| Reason {
                            reason: t.reason.clone(),
                        }),
                    }),
                })
                .collect(),
        });
        PodFields {
            metadata: p.metadata.clone(),
            containers: p.spec.as_ref().map_or(0, |s| s.containers.len()),
            status,
        }
    }
}

impl kube::Resource for PodFields {
    type DynamicType = ();
    type Scope = k8s_openapi::NamespaceResourceScope;

    fn kind(_: &()) -> Cow<'_, str> {
        "Pod".into()
    }

    fn group(_: &()) -> Cow<'_, str> {
        "".into()
    }

    fn version(_: &()) -> Cow<'_, str> {
        "v1".into()
    }

    fn plural(_: &()) -> Cow<'_, str> {
        "pods".into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}
