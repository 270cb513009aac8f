//! The simulated cluster's object store: every object as JSON, one cluster-wide
//! resourceVersion, a history of changes per resource for watches ([`history`]: 75 s of
//! changes, as kube-apiserver's watch cache keeps), and a broadcast of every change. Metadata is kept as the real API server keeps it (uid, creationTimestamp,
//! generation bumped on spec changes, deletionTimestamp with finalizers, garbage
//! collection through ownerReferences).
//!
//! The store is shared as [`SharedStore`] (a `std::sync::Mutex`): hold the lock only for
//! the operation itself, never across an `.await`.
//!
//! Pods and events are kept packed (see [`packed`]): the store stays small at 10,000 pods,
//! lists and watches send their JSON as it is, and the control loop scans [`PodFacts`]
//! instead of parsing every pod. An index from owner uid to dependents makes garbage
//! collection cost what the owner owns, not the size of the namespace.

mod history;
mod packed;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde_json::{json, Map, Value};
use tokio::sync::broadcast;

use super::clock::{rfc3339, SimClock};
use super::resources::{self, Resource};
use super::server::logs::PodLogs;
use super::status::ApiError;
pub use history::{HistoryLimits, HistoryStats};
pub use packed::{controller_uid, ephemeral_pending, ready_condition, PodFacts, PodRow, Stored};

/// A stored object. Shared with watch history and in-flight responses, never mutated in place.
pub type Obj = Arc<Value>;
pub type SharedStore = Arc<Mutex<Store>>;
/// What [`Store::watch_from`] returns: the changes to replay and a receiver for later ones.
pub type WatchStart = (Vec<Arc<StoreEvent>>, broadcast::Receiver<Arc<StoreEvent>>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    /// The watch event `type` as the API server writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as watches replay it. The object is kept as its compact JSON only, so the
/// history holds no parsed old versions.
#[derive(Debug)]
pub struct StoreEvent {
    pub rv: u64,
    pub kind: EventType,
    pub resource: &'static Resource,
    /// "" for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
    pub json: Arc<[u8]>,
}

/// An object that names an owner in its ownerReferences.
#[derive(Debug, Clone)]
struct Dependent {
    res: &'static Resource,
    ns: String,
    name: String,
}

/// How a write treats the incoming object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// A client's write of the main resource: `status` is kept from the stored object
    /// (for kinds with a status subresource); a non-empty stale resourceVersion is a 409.
    Main,
    /// A client's write of the `status` subresource: only `status` is taken.
    Status,
    /// A controller's write: spec and status both taken, no resourceVersion check.
    Internal,
}

/// What happens to dependents (ownerReferences) when an owner is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

/// Changes queued for the watches at most: a watch further behind catches up from the
/// history (see `server/watch.rs`), so this bounds the memory a slow watch pins, not
/// what it can replay.
const BROADCAST_CAPACITY: usize = 1 << 13;

pub struct Store {
    rv: u64,
    collections: HashMap<String, BTreeMap<(String, String), Stored>>,
    /// Owner uid → the objects that name it in their ownerReferences.
    dependents: HashMap<Box<str>, Vec<Dependent>>,
    history: history::History,
    changes: broadcast::Sender<Arc<StoreEvent>>,
    clock: SimClock,
    next_uid: u64,
    logs: PodLogs,
}

impl Store {
    pub fn new(clock: SimClock, history: HistoryLimits) -> Self {
        let (changes, _) = broadcast::channel(BROADCAST_CAPACITY);
        Store {
            rv: 1000,
            collections: HashMap::new(),
            dependents: HashMap::new(),
            history: history::History::new(history),
            changes,
            clock,
            next_uid: 1,
            logs: PodLogs::default(),
        }
    }

    pub fn shared(self) -> SharedStore {
        Arc::new(Mutex::new(self))
    }

    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Wall-clock time (see [`SimClock::wall_now`]): what Events are stamped with.
    pub fn wall_now(&self) -> Timestamp {
        self.clock.wall_now()
    }

    /// The cluster-wide resourceVersion of the latest change.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    pub fn get(&self, res: &Resource, ns: &str, name: &str) -> Option<Obj> {
        self.get_stored(res, ns, name).map(|s| s.value())
    }

    pub fn get_stored(&self, res: &Resource, ns: &str, name: &str) -> Option<&Stored> {
        self.collections
            .get(&res.key())?
            .get(&(scope(res, ns), name.to_string()))
    }

    /// All objects of a kind, in one namespace or (None) in all, ordered by namespace and
    /// name. Parses packed kinds: scan pods with [`Store::pods`] instead.
    pub fn list(&self, res: &Resource, ns: Option<&str>) -> Vec<Obj> {
        self.stored_range(res, ns).map(|(_, s)| s.value()).collect()
    }

    /// [`Store::list`] as stored (cheap: no parsing, no copying).
    pub fn list_stored(&self, res: &Resource, ns: Option<&str>) -> Vec<Stored> {
        self.stored_range(res, ns).map(|(_, s)| s.clone()).collect()
    }

    /// [`Store::list_stored`] with each object's (namespace, name).
    pub fn list_keyed(&self, res: &Resource, ns: Option<&str>) -> Vec<((String, String), Stored)> {
        self.stored_range(res, ns)
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect()
    }

    /// What the control loop needs of every pod, in one namespace or (None) in all.
    pub fn pods(&self, ns: Option<&str>) -> Vec<Arc<PodFacts>> {
        self.stored_range(resources::core("pods"), ns)
            .filter_map(|(_, s)| s.pod_facts().cloned())
            .collect()
    }

    /// The objects of a kind (in one namespace or, None, in all) that come after `after`
    /// in (namespace, name) order, as stored: where a list's next page starts, found in
    /// the map rather than by walking it from the first object.
    pub fn stored_after<'a>(
        &'a self,
        res: &Resource,
        ns: Option<&'a str>,
        after: Option<&(String, String)>,
    ) -> Box<dyn Iterator<Item = (&'a (String, String), &'a Stored)> + 'a> {
        use std::ops::Bound;
        let Some(after) = after else {
            return self.stored_range(res, ns);
        };
        let Some(objects) = self.collections.get(&res.key()) else {
            return Box::new(std::iter::empty());
        };
        let rest = objects.range((Bound::Excluded(after.clone()), Bound::Unbounded));
        match ns.filter(|_| res.namespaced) {
            Some(ns) => Box::new(rest.take_while(move |((n, _), _)| n == ns)),
            None => Box::new(rest),
        }
    }

    fn stored_range<'a>(
        &'a self,
        res: &Resource,
        ns: Option<&'a str>,
    ) -> Box<dyn Iterator<Item = (&'a (String, String), &'a Stored)> + 'a> {
        let Some(objects) = self.collections.get(&res.key()) else {
            return Box::new(std::iter::empty());
        };
        match ns.filter(|_| res.namespaced) {
            Some(ns) => Box::new(
                objects
                    .range((ns.to_string(), String::new())..)
                    .take_while(move |((n, _), _)| n == ns),
            ),
            None => Box::new(objects.iter()),
        }
    }

    /// Number of stored objects of a kind (all namespaces).
    pub fn count(&self, res: &Resource) -> usize {
        self.collections.get(&res.key()).map_or(0, |c| c.len())
    }

    /// A client's create: server-managed metadata is set, `status` of kinds with a
    /// status subresource is dropped.
    pub fn create(
        &mut self,
        res: &'static Resource,
        ns: &str,
        obj: Value,
    ) -> Result<Obj, ApiError> {
        self.insert(res, ns, obj, false)
    }

    /// A controller's or scenario's create: like [`Store::create`] but keeps `status`.
    pub fn create_internal(
        &mut self,
        res: &'static Resource,
        ns: &str,
        obj: Value,
    ) -> Result<Obj, ApiError> {
        self.insert(res, ns, obj, true)
    }

    fn insert(
        &mut self,
        res: &'static Resource,
        ns: &str,
        mut obj: Value,
        keep_status: bool,
    ) -> Result<Obj, ApiError> {
        if !obj.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request must be a JSON object",
            ));
        }
        let ns = scope(res, ns);
        let meta = metadata_mut(&mut obj);
        if let Some(body_ns) = meta.get("namespace").and_then(Value::as_str) {
            if res.namespaced && !body_ns.is_empty() && body_ns != ns {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
        }
        let mut name = meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            let prefix = meta
                .get("generateName")
                .and_then(Value::as_str)
                .unwrap_or("");
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    res.kind,
                    "",
                    "metadata.name: Required value: name or generateName is required",
                ));
            }
            name = format!("{prefix}{}", self.random_suffix());
        }
        if let Some(why) = crate::validate::dns_subdomain(&name) {
            let err =
                crate::validate::FieldError::invalid("metadata.name", format!("{name:?}"), why);
            return Err(ApiError::invalid_fields(res.kind, res.group, &name, &[err]));
        }
        if res.namespaced {
            let ns_res = resources::core("namespaces");
            if self.get(ns_res, "", &ns).is_none() {
                return Err(ApiError::not_found("namespaces", "", &ns));
            }
        }
        if self.get(res, &ns, &name).is_some() {
            return Err(ApiError::already_exists(res.plural, res.group, &name));
        }
        let uid = self.new_uid();
        let now = rfc3339(self.now());
        self.rv += 1;
        let rv = self.rv;
        let map = obj.as_object_mut().expect("checked above");
        map.insert("apiVersion".into(), json!(res.api_version()));
        map.insert("kind".into(), json!(res.kind));
        if !keep_status && res.has_status() && res.kind != "Namespace" {
            map.remove("status");
        }
        let has_spec = map.contains_key("spec");
        let meta = metadata_mut(&mut obj);
        meta.insert("name".into(), json!(name));
        if res.namespaced {
            meta.insert("namespace".into(), json!(ns));
        } else {
            meta.remove("namespace");
        }
        meta.insert("uid".into(), json!(uid));
        meta.insert("creationTimestamp".into(), json!(now));
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        meta.remove("deletionTimestamp");
        if has_spec {
            meta.insert("generation".into(), json!(1));
        }
        if res.kind == "Namespace" && obj.get("status").is_none() {
            obj["status"] = json!({"phase": "Active"});
        }
        let obj = Arc::new(obj);
        let stored = self.put(res, &ns, &name, obj.clone());
        self.record(res, &ns, &name, EventType::Added, stored.json());
        Ok(obj)
    }

    /// Writes a new version of an existing object. See [`WriteMode`] for what is taken
    /// from `new`. A write that changes nothing keeps the resourceVersion and emits nothing.
    pub fn write(
        &mut self,
        res: &'static Resource,
        ns: &str,
        name: &str,
        new: Value,
        mode: WriteMode,
    ) -> Result<Obj, ApiError> {
        let ns = scope(res, ns);
        let old = self
            .get(res, &ns, name)
            .ok_or_else(|| ApiError::not_found(res.plural, res.group, name))?;
        self.write_over(res, &ns, name, old, new, mode)
    }

    /// [`Store::write`] over `old`, the stored version already read (a packed object is
    /// then parsed once per write, not twice).
    fn write_over(
        &mut self,
        res: &'static Resource,
        ns: &str,
        name: &str,
        old: Obj,
        mut new: Value,
        mode: WriteMode,
    ) -> Result<Obj, ApiError> {
        if !new.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request must be a JSON object",
            ));
        }
        if let Some(body_name) = new.pointer("/metadata/name").and_then(Value::as_str) {
            if body_name != name {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({body_name}) does not match the name on the URL ({name})"
                )));
            }
        }
        if mode == WriteMode::Main {
            let sent = new
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            let current = old["metadata"]["resourceVersion"].as_str().unwrap_or("");
            if !sent.is_empty() && sent != current {
                return Err(ApiError::conflict(res.plural, res.group, name));
            }
        }
        match mode {
            WriteMode::Main if res.has_status() => match old.get("status") {
                Some(status) => new["status"] = status.clone(),
                None => {
                    new.as_object_mut().expect("object").remove("status");
                }
            },
            WriteMode::Status => {
                let status = new.get("status").cloned();
                new = (*old).clone();
                match status {
                    Some(status) => new["status"] = status,
                    None => {
                        new.as_object_mut().expect("object").remove("status");
                    }
                }
            }
            _ => {}
        }
        // Server-managed fields always come from the stored object.
        new["apiVersion"] = json!(res.api_version());
        new["kind"] = json!(res.kind);
        {
            let old_meta = &old["metadata"];
            let meta = metadata_mut(&mut new);
            for key in [
                "name",
                "namespace",
                "uid",
                "creationTimestamp",
                "generation",
                "resourceVersion",
                "deletionTimestamp",
            ] {
                match old_meta.get(key) {
                    Some(v) => meta.insert(key.into(), v.clone()),
                    None => meta.remove(key),
                };
            }
        }
        if new.get("spec").is_some() && new.get("spec") != old.get("spec") {
            let generation = old["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
            new["metadata"]["generation"] = json!(generation);
        }
        let deleting = new["metadata"].get("deletionTimestamp").is_some();
        let no_finalizers = new["metadata"]["finalizers"]
            .as_array()
            .is_none_or(|f| f.is_empty());
        if new == *old {
            return Ok(old);
        }
        if deleting && no_finalizers {
            let obj = self.remove(res, ns, name, Arc::new(new));
            self.collect_garbage(&obj, Propagation::Background);
            return Ok(obj);
        }
        self.rv += 1;
        new["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let obj = Arc::new(new);
        let stored = self.put(res, ns, name, obj.clone());
        self.record(res, ns, name, EventType::Modified, stored.json());
        Ok(obj)
    }

    /// A controller's read-modify-write: `change` edits a copy of the object.
    pub fn modify(
        &mut self,
        res: &'static Resource,
        ns: &str,
        name: &str,
        change: impl FnOnce(&mut Value),
    ) -> Result<Obj, ApiError> {
        let old = self
            .get(res, ns, name)
            .ok_or_else(|| ApiError::not_found(res.plural, res.group, name))?;
        let mut new = (*old).clone();
        change(&mut new);
        self.write_over(res, &scope(res, ns), name, old, new, WriteMode::Internal)
    }

    /// Deletes an object. With finalizers it only gets a deletionTimestamp; otherwise it
    /// is removed and its dependents are collected as `propagation` says.
    pub fn delete(
        &mut self,
        res: &'static Resource,
        ns: &str,
        name: &str,
        propagation: Propagation,
    ) -> Result<Obj, ApiError> {
        let ns = scope(res, ns);
        let old = self
            .get(res, &ns, name)
            .ok_or_else(|| ApiError::not_found(res.plural, res.group, name))?;
        let has_finalizers = old["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        if has_finalizers {
            if old["metadata"].get("deletionTimestamp").is_some() {
                return Ok(old);
            }
            let now = rfc3339(self.now());
            let mut new = (*old).clone();
            new["metadata"]["deletionTimestamp"] = json!(now);
            self.rv += 1;
            new["metadata"]["resourceVersion"] = json!(self.rv.to_string());
            let obj = Arc::new(new);
            let stored = self.put(res, &ns, name, obj.clone());
            self.record(res, &ns, name, EventType::Modified, stored.json());
            return Ok(obj);
        }
        let mut gone = (*old).clone();
        if gone["metadata"].get("deletionTimestamp").is_none() {
            gone["metadata"]["deletionTimestamp"] = json!(rfc3339(self.now()));
        }
        let obj = self.remove(res, &ns, name, Arc::new(gone));
        self.collect_garbage(&obj, propagation);
        Ok(obj)
    }

    fn remove(&mut self, res: &'static Resource, ns: &str, name: &str, last: Obj) -> Obj {
        let removed = self
            .collections
            .get_mut(&res.key())
            .and_then(|c| c.remove(&(ns.to_string(), name.to_string())));
        if let Some(removed) = removed {
            self.unindex(res, ns, name, &removed);
        }
        self.rv += 1;
        let mut last = (*last).clone();
        last["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let last = Arc::new(last);
        let json = Stored::new(res, last.clone()).json();
        self.record(res, ns, name, EventType::Deleted, json);
        if res.kind == "Namespace" {
            self.delete_namespace_contents(name);
        }
        if res.kind == "Pod" && res.group.is_empty() {
            self.logs.forget_pod(ns, name);
        }
        last
    }

    fn delete_namespace_contents(&mut self, ns: &str) {
        for res in resources::RESOURCES.iter().filter(|r| r.namespaced) {
            for obj in self.list(res, Some(ns)) {
                let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
                let _ = self.delete(res, ns, &name, Propagation::Background);
            }
        }
    }

    /// Deletes (or orphans) every object that names `owner` in its ownerReferences.
    fn collect_garbage(&mut self, owner: &Value, propagation: Propagation) {
        let Some(uid) = owner["metadata"]["uid"].as_str() else {
            return;
        };
        let dependents = self.dependents.get(uid).cloned().unwrap_or_default();
        for Dependent { res, ns, name } in dependents {
            if propagation == Propagation::Orphan {
                let _ = self.modify(res, &ns, &name, |d| {
                    if let Some(refs) = d["metadata"]["ownerReferences"].as_array_mut() {
                        refs.retain(|r| r["uid"] != uid);
                    }
                });
            } else {
                let _ = self.delete(res, &ns, &name, Propagation::Background);
            }
        }
    }

    /// Everything a watch of `res` from `since` needs: the stored changes of `res` after
    /// it, and a receiver for every later change (taken under the same lock, so nothing
    /// falls between). `since` older than the history kept for `res` is `410 Gone`, as on a
    /// real server.
    pub fn watch_from(&self, res: &'static Resource, since: u64) -> Result<WatchStart, ApiError> {
        let replay = self.history.since(res, since).map_err(|compacted| {
            ApiError::gone(format!(
                "too old resource version: {since} ({})",
                compacted + 1
            ))
        })?;
        Ok((replay, self.changes.subscribe()))
    }

    /// What the watch history holds, per resource.
    pub fn history_stats(&self) -> Vec<HistoryStats> {
        self.history.stats()
    }

    /// Appends one line to a container's log (served by `pods/log`).
    pub fn append_log(&mut self, ns: &str, pod: &str, container: &str, line: &str) {
        let now = self.now();
        self.logs.append_at(now, ns, pod, container, line);
    }

    /// Appends one line written at simulated time `at`.
    pub fn append_log_at(
        &mut self,
        at: Timestamp,
        ns: &str,
        pod: &str,
        container: &str,
        line: &str,
    ) {
        self.logs.append_at(at, ns, pod, container, line);
    }

    /// A container restarted: its log so far becomes the `previous` log.
    pub fn restart_container_log(&mut self, ns: &str, pod: &str, container: &str) {
        self.logs.restart_container(ns, pod, container);
    }

    pub fn logs(&self) -> &PodLogs {
        &self.logs
    }

    /// A receiver for every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoreEvent>> {
        self.changes.subscribe()
    }

    /// Stores `obj` as its kind is kept and keeps the owner index current.
    fn put(&mut self, res: &'static Resource, ns: &str, name: &str, obj: Obj) -> Stored {
        let stored = Stored::new(res, obj);
        let old = self
            .collections
            .entry(res.key())
            .or_default()
            .insert((ns.to_string(), name.to_string()), stored.clone());
        let same_owners = old.as_ref().is_some_and(|o| o.owners() == stored.owners());
        if !same_owners {
            if let Some(old) = old {
                self.unindex(res, ns, name, &old);
            }
            let dependent = Dependent {
                res,
                ns: ns.to_string(),
                name: name.to_string(),
            };
            for uid in stored.owners() {
                self.dependents
                    .entry(Box::from(uid))
                    .or_default()
                    .push(dependent.clone());
            }
        }
        stored
    }

    fn unindex(&mut self, res: &'static Resource, ns: &str, name: &str, old: &Stored) {
        for uid in old.owners() {
            if let Some(deps) = self.dependents.get_mut(uid) {
                deps.retain(|d| !(std::ptr::eq(d.res, res) && d.ns == ns && d.name == name));
                if deps.is_empty() {
                    self.dependents.remove(uid);
                }
            }
        }
    }

    fn record(
        &mut self,
        res: &'static Resource,
        ns: &str,
        name: &str,
        kind: EventType,
        json: Arc<[u8]>,
    ) {
        let event = Arc::new(StoreEvent {
            rv: self.rv,
            kind,
            resource: res,
            namespace: ns.to_string(),
            name: name.to_string(),
            json,
        });
        self.history
            .record(event.clone(), std::time::Instant::now());
        let _ = self.changes.send(event);
    }

    fn new_uid(&mut self) -> String {
        let n = self.next_uid;
        self.next_uid += 1;
        let mix = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (mix >> 32) as u32,
            (mix >> 16) as u16,
            (mix & 0xfff) as u16,
            ((mix >> 20) & 0xfff) as u16,
            n & 0xffff_ffff_ffff
        )
    }

    /// Five characters of [a-z0-9] as Kubernetes uses for generateName and pod names.
    pub fn random_suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let mut x = self.next_uid.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ self.rv;
        self.next_uid += 1;
        (0..5)
            .map(|_| {
                let c = ALPHABET[(x % ALPHABET.len() as u64) as usize] as char;
                x /= ALPHABET.len() as u64;
                c
            })
            .collect()
    }
}

/// The namespace part of a key: "" for cluster-scoped kinds.
fn scope(res: &Resource, ns: &str) -> String {
    if res.namespaced {
        ns.to_string()
    } else {
        String::new()
    }
}

fn metadata_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    obj["metadata"]
        .as_object_mut()
        .expect("just made an object")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let mut s = Store::new(SimClock::new(1.0), HistoryLimits::events(4));
        s.create(
            resources::core("namespaces"),
            "",
            json!({"metadata": {"name": "ns"}}),
        )
        .unwrap();
        s
    }

    #[test]
    fn create_sets_server_metadata_and_drops_status() {
        let mut s = store();
        let deploy = resources::of("apps", "deployments");
        let obj = s
            .create(deploy, "ns", json!({"metadata": {"name": "d"}, "spec": {"replicas": 1}, "status": {"replicas": 9}}))
            .unwrap();
        assert_eq!(obj["apiVersion"], "apps/v1");
        assert_eq!(obj["metadata"]["namespace"], "ns");
        assert_eq!(obj["metadata"]["generation"], 1);
        assert!(obj.get("status").is_none());
        assert_eq!(
            obj["metadata"]["resourceVersion"],
            s.resource_version().to_string()
        );
    }

    #[test]
    fn stale_update_conflicts_and_spec_change_bumps_generation() {
        let mut s = store();
        let deploy = resources::of("apps", "deployments");
        let v1 = s
            .create(
                deploy,
                "ns",
                json!({"metadata": {"name": "d"}, "spec": {"replicas": 1}}),
            )
            .unwrap();
        let mut v2 = (*v1).clone();
        v2["spec"]["replicas"] = json!(3);
        let v2 = s.write(deploy, "ns", "d", v2, WriteMode::Main).unwrap();
        assert_eq!(v2["metadata"]["generation"], 2);
        let err = s
            .write(deploy, "ns", "d", (*v1).clone(), WriteMode::Main)
            .unwrap_err();
        assert_eq!((err.code, err.reason), (409, "Conflict"));
    }

    #[test]
    fn missing_namespace_and_duplicates_are_refused() {
        let mut s = store();
        let cm = resources::core("configmaps");
        let err = s
            .create(cm, "nope", json!({"metadata": {"name": "c"}}))
            .unwrap_err();
        assert_eq!(err.code, 404);
        s.create(cm, "ns", json!({"metadata": {"name": "c"}}))
            .unwrap();
        let err = s
            .create(cm, "ns", json!({"metadata": {"name": "c"}}))
            .unwrap_err();
        assert_eq!(err.reason, "AlreadyExists");
    }

    #[test]
    fn delete_collects_dependents() {
        let mut s = store();
        let rs = resources::of("apps", "replicasets");
        let pods = resources::core("pods");
        let owner = s
            .create(rs, "ns", json!({"metadata": {"name": "rs"}, "spec": {}}))
            .unwrap();
        let uid = owner["metadata"]["uid"].clone();
        s.create(pods, "ns", json!({"metadata": {"name": "p", "ownerReferences": [{"uid": uid, "kind": "ReplicaSet", "name": "rs", "apiVersion": "apps/v1"}]}, "spec": {}})).unwrap();
        s.delete(rs, "ns", "rs", Propagation::Background).unwrap();
        assert!(s.get(pods, "ns", "p").is_none());
    }

    #[test]
    fn garbage_collection_follows_owner_references_as_they_are_now() {
        let mut s = store();
        let rs = resources::of("apps", "replicasets");
        let pods = resources::core("pods");
        let a = s
            .create(rs, "ns", json!({"metadata": {"name": "a"}, "spec": {}}))
            .unwrap();
        let b = s
            .create(rs, "ns", json!({"metadata": {"name": "b"}, "spec": {}}))
            .unwrap();
        let owned_by = |o: &Value| json!([{"uid": o["metadata"]["uid"], "kind": "ReplicaSet", "name": o["metadata"]["name"], "apiVersion": "apps/v1"}]);
        s.create(
            pods,
            "ns",
            json!({"metadata": {"name": "p", "ownerReferences": owned_by(&a)}, "spec": {}}),
        )
        .unwrap();
        // The pod moves to b: deleting a leaves it, deleting b (orphaning) keeps it unowned.
        s.modify(pods, "ns", "p", |p| {
            p["metadata"]["ownerReferences"] = owned_by(&b);
        })
        .unwrap();
        s.delete(rs, "ns", "a", Propagation::Background).unwrap();
        assert!(s.get(pods, "ns", "p").is_some());
        s.delete(rs, "ns", "b", Propagation::Orphan).unwrap();
        let p = s.get(pods, "ns", "p").expect("orphaned, not deleted");
        assert_eq!(p["metadata"]["ownerReferences"], json!([]));
        assert_eq!(s.pods(Some("ns"))[0].controller_uid, None);
    }

    #[test]
    fn watch_from_compacted_version_is_gone() {
        let mut s = store();
        let cm = resources::core("configmaps");
        let start = s.resource_version();
        for i in 0..6 {
            s.create(cm, "ns", json!({"metadata": {"name": format!("c{i}")}}))
                .unwrap();
        }
        assert_eq!(s.watch_from(cm, start).unwrap_err().code, 410);
        let recent = s.resource_version() - 2;
        let (replay, _) = s.watch_from(cm, recent).unwrap();
        assert_eq!(replay.len(), 2);
    }
}
