//! How the store keeps an object. Most kinds are kept parsed (`Arc<Value>`), because the
//! control loop reads them on every pass. Pods and events, the kinds that number in the
//! tens of thousands at scale, are kept packed: their compact JSON (about 2.5 KiB for a
//! pod, against 21 KiB as a `serde_json::Value`), the uids of their owners, and for pods
//! the few facts the control loop scans on every pass and the pod Table's columns
//! ([`PodFacts`]). They are parsed only when one object is read: `kubectl get pods` is
//! answered from the facts and the stored metadata's bytes.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use super::Obj;
use crate::resources::Resource;

/// Whether objects of this kind are kept packed.
pub fn packs(res: &Resource) -> bool {
    res.group.is_empty() && matches!(res.plural, "pods" | "events")
}

/// One stored object, cheap to clone.
#[derive(Debug, Clone)]
pub enum Stored {
    Parsed(Obj),
    Packed(Arc<Packed>),
}

#[derive(Debug)]
pub struct Packed {
    pub json: Arc<[u8]>,
    /// Where `metadata` is in `json` (a Table row's PartialObjectMetadata).
    pub metadata: std::ops::Range<u32>,
    pub owners: Box<[Box<str>]>,
    pub pod: Option<Arc<PodFacts>>,
    /// An event's `lastTimestamp` (what expiry reads), "" for other kinds.
    pub last_timestamp: Box<str>,
}

impl Stored {
    /// Keeps `obj` as its kind is kept.
    pub fn new(res: &Resource, obj: Obj) -> Stored {
        if !packs(res) {
            return Stored::Parsed(obj);
        }
        let pod = (res.plural == "pods").then(|| Arc::new(PodFacts::of(&obj)));
        let (json, metadata) = to_json_locating_metadata(&obj);
        Stored::Packed(Arc::new(Packed {
            json,
            metadata,
            owners: owner_uids(&obj).map(Box::from).collect(),
            pod,
            last_timestamp: obj["lastTimestamp"].as_str().unwrap_or("").into(),
        }))
    }

    /// The object itself (parsed now if packed; a packed object always parses, since the
    /// store wrote it).
    pub fn value(&self) -> Obj {
        match self {
            Stored::Parsed(obj) => obj.clone(),
            Stored::Packed(p) => Arc::new(serde_json::from_slice(&p.json).unwrap_or(Value::Null)),
        }
    }

    /// Appends the object's compact JSON.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Stored::Parsed(obj) => {
                let _ = serde_json::to_writer(&mut *out, obj.as_ref());
            }
            Stored::Packed(p) => out.extend_from_slice(&p.json),
        }
    }

    /// The compact JSON, shared where it is already packed.
    pub fn json(&self) -> Arc<[u8]> {
        match self {
            Stored::Parsed(obj) => to_json(obj),
            Stored::Packed(p) => p.json.clone(),
        }
    }

    /// The uids in the object's ownerReferences.
    pub fn owners(&self) -> Vec<&str> {
        match self {
            Stored::Parsed(obj) => owner_uids(obj).collect(),
            Stored::Packed(p) => p.owners.iter().map(|o| o.as_ref()).collect(),
        }
    }

    /// An event's `lastTimestamp` ("" when there is none).
    pub fn last_timestamp(&self) -> &str {
        match self {
            Stored::Packed(p) => &p.last_timestamp,
            Stored::Parsed(obj) => obj["lastTimestamp"].as_str().unwrap_or(""),
        }
    }

    /// The JSON of the object's `metadata`, where the object is packed.
    pub fn metadata_json(&self) -> Option<&[u8]> {
        match self {
            Stored::Packed(p) => p
                .json
                .get(p.metadata.start as usize..p.metadata.end as usize)
                .filter(|m| !m.is_empty()),
            Stored::Parsed(_) => None,
        }
    }

    pub fn pod_facts(&self) -> Option<&Arc<PodFacts>> {
        match self {
            Stored::Packed(p) => p.pod.as_ref(),
            Stored::Parsed(_) => None,
        }
    }
}

fn to_json(obj: &Value) -> Arc<[u8]> {
    Arc::from(serde_json::to_vec(obj).unwrap_or_default())
}

/// [`to_json`] (the same bytes), and where `metadata`'s value is in them.
fn to_json_locating_metadata(obj: &Value) -> (Arc<[u8]>, std::ops::Range<u32>) {
    let Value::Object(map) = obj else {
        return (to_json(obj), 0..0);
    };
    let mut out = Vec::with_capacity(2048);
    let mut metadata = 0..0;
    out.push(b'{');
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut out, key);
        out.push(b':');
        let start = out.len();
        let _ = serde_json::to_writer(&mut out, value);
        if key == "metadata" {
            metadata = start as u32..out.len() as u32;
        }
    }
    out.push(b'}');
    (Arc::from(out), metadata)
}

fn owner_uids(obj: &Value) -> impl Iterator<Item = &str> {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str())
}

/// The uid of the controlling owner (ownerReferences with controller: true, else the first).
pub fn controller_uid(obj: &Value) -> Option<&str> {
    let refs = obj["metadata"]["ownerReferences"].as_array()?;
    refs.iter()
        .find(|r| r["controller"].as_bool() == Some(true))
        .or_else(|| refs.first())
        .and_then(|r| r["uid"].as_str())
}

/// A pod's Ready condition, when it is True.
pub fn ready_condition(pod: &Value) -> Option<&Value> {
    pod["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// What the control loop reads of every pod on every pass.
#[derive(Debug, Clone, PartialEq)]
pub struct PodFacts {
    pub namespace: Box<str>,
    pub name: Box<str>,
    /// The uid of the controlling owner (controller: true, else the first reference).
    pub controller_uid: Option<Box<str>>,
    /// Owned by a Job.
    pub job_owned: bool,
    pub phase: Box<str>,
    /// The Ready condition is True.
    pub ready: bool,
    /// When the Ready condition last became True.
    pub ready_since: Option<Timestamp>,
    pub deleting: bool,
    pub creation_timestamp: Box<str>,
    pub labels: Box<[(Box<str>, Box<str>)]>,
    pub images: Box<[Box<str>]>,
    /// An ephemeral container (`kubectl debug`) has no status yet: the kubelet must start it.
    pub ephemeral_pending: bool,
    /// What the pod Table shows (`kubectl get pods`), so its rows need no parsing.
    pub table: PodRow,
}

/// The pod Table's columns that are not in [`PodFacts`] already (see `server/cells.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct PodRow {
    pub ready_containers: u32,
    pub containers: u32,
    /// STATUS: the reason kubectl shows (Running, CrashLoopBackOff, Terminating, ...).
    pub status: Box<str>,
    pub restarts: i64,
    /// When a container last finished (RESTARTS' "(2m ago)").
    pub last_restart: Option<Box<str>>,
    pub pod_ip: Box<str>,
    pub node: Box<str>,
    pub nominated_node: Box<str>,
}

impl PodRow {
    fn of(pod: &Value) -> PodRow {
        use crate::server::cells;
        let text = |v: &Value| Box::<str>::from(v.as_str().unwrap_or(""));
        let (ready, total) = cells::pod_ready_counts(pod);
        let (restarts, last) = cells::pod_restart_facts(pod);
        PodRow {
            ready_containers: ready as u32,
            containers: total as u32,
            status: cells::pod_status(pod).into(),
            restarts,
            last_restart: last.map(text),
            pod_ip: text(&pod["status"]["podIP"]),
            node: text(&pod["spec"]["nodeName"]),
            nominated_node: text(&pod["status"]["nominatedNodeName"]),
        }
    }
}

/// Whether an ephemeral container of the spec has no status yet.
pub fn ephemeral_pending(pod: &Value) -> bool {
    let statuses = pod["status"]["ephemeralContainerStatuses"].as_array();
    pod["spec"]["ephemeralContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| !statuses.is_some_and(|s| s.iter().any(|st| st["name"] == c["name"])))
}

impl PodFacts {
    pub fn of(pod: &Value) -> PodFacts {
        let meta = &pod["metadata"];
        let text = |v: &Value| Box::<str>::from(v.as_str().unwrap_or(""));
        let refs = meta["ownerReferences"].as_array();
        let ready = ready_condition(pod);
        PodFacts {
            namespace: text(&meta["namespace"]),
            name: text(&meta["name"]),
            controller_uid: controller_uid(pod).map(Box::from),
            job_owned: refs.is_some_and(|refs| refs.iter().any(|r| r["kind"] == "Job")),
            phase: text(&pod["status"]["phase"]),
            ready: ready.is_some(),
            ready_since: ready.and_then(|c| c["lastTransitionTime"].as_str()?.parse().ok()),
            deleting: meta.get("deletionTimestamp").is_some(),
            creation_timestamp: text(&meta["creationTimestamp"]),
            labels: meta["labels"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (Box::from(k.as_str()), text(v)))
                .collect(),
            images: pod["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| text(&c["image"]))
                .collect(),
            ephemeral_pending: ephemeral_pending(pod),
            table: PodRow::of(pod),
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v.as_ref())
    }

    /// Counts toward its ReplicaSet or Job: not being deleted, not finished.
    pub fn is_active(&self) -> bool {
        !self.deleting && !matches!(self.phase.as_ref(), "Succeeded" | "Failed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use serde_json::json;

    #[test]
    fn a_packed_pod_reads_back_whole_with_its_facts() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "ns", "labels": {"app": "x"},
                "creationTimestamp": "2026-11-28T10:00:00Z",
                "ownerReferences": [{"uid": "u1", "kind": "ReplicaSet", "controller": true}]},
            "spec": {"containers": [{"name": "c", "image": "img:1"}]},
            "status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-28T10:00:03Z"}]},
        });
        let stored = Stored::new(resources::core("pods"), Arc::new(pod.clone()));
        assert_eq!(*stored.value(), pod);
        assert_eq!(stored.owners(), vec!["u1"]);
        let facts = stored.pod_facts().expect("pods carry facts");
        assert_eq!(facts.controller_uid.as_deref(), Some("u1"));
        assert!(facts.ready && facts.is_active() && !facts.job_owned);
        assert_eq!(facts.label("app"), Some("x"));
        assert_eq!(&*facts.images, &[Box::from("img:1")]);
        assert_eq!(
            facts.ready_since,
            Some("2026-11-28T10:00:03Z".parse().unwrap())
        );
        let mut out = Vec::new();
        stored.write_json(&mut out);
        assert_eq!(out, serde_json::to_vec(&pod).unwrap());
        assert_eq!(
            stored.metadata_json().unwrap(),
            serde_json::to_vec(&pod["metadata"]).unwrap()
        );
        assert_eq!(facts.table.status.as_ref(), "Running");
        assert_eq!(
            (facts.table.ready_containers, facts.table.containers),
            (0, 1)
        );
    }

    #[test]
    fn other_kinds_stay_parsed() {
        let obj = Arc::new(json!({"metadata": {"name": "d"}}));
        let stored = Stored::new(resources::of("apps", "deployments"), obj.clone());
        assert!(matches!(&stored, Stored::Parsed(o) if Arc::ptr_eq(o, &obj)));
        assert!(stored.pod_facts().is_none());
    }
}
