//! A watched collection keyed by name, fed by [`Change`]s: `Reset` starts buffering a
//! relist, `Upsert`s go to the buffer, `Ready` swaps it in. Outside a relist `Upsert` and
//! `Remove` apply directly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::scope::Scope;
use super::Change;

/// What a view type must offer to live in a [`Collection`].
pub trait Named {
    fn key(&self) -> &str;

    /// The object that owns this one (a ReplicaSet's Deployment, a pod's ReplicaSet): the
    /// collection indexes it, so a row finds its objects without scanning them all.
    fn owner(&self) -> Option<&str> {
        None
    }
}

macro_rules! named {
    ($($t:ty),*) => {$(
        impl Named for $t {
            fn key(&self) -> &str {
                self.name()
            }
        }
    )*};
}

use super::analysis_view::AnalysisRunView;
use super::views::{
    DeploymentView, EventView, NamespaceView, PodView, ReplicaSetView, RolloutView, ServiceView,
};
impl Named for NamespaceView {
    fn key(&self) -> &str {
        &self.name
    }
}

use super::backup_view::{CronJobView, JobView};
use super::cnpg_view::{CnpgBackupView, CnpgClusterView};
named!(
    AnalysisRunView,
    CnpgBackupView,
    CnpgClusterView,
    CronJobView,
    JobView,
    DeploymentView,
    ServiceView,
    EventView,
    RolloutView
);

impl Named for ReplicaSetView {
    fn key(&self) -> &str {
        self.name()
    }

    fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }
}

impl Named for PodView {
    fn key(&self) -> &str {
        self.name()
    }

    fn owner(&self) -> Option<&str> {
        self.owner_rs.as_deref()
    }
}

/// A view whose names can be qualified with its namespace (`scope.rs`): its own name and
/// every name it refers to in the same namespace (owners, subjects, analysis runs).
pub trait Qualify {
    fn qualify(&mut self, scope: &Scope, ns: &str);
}

fn qualify_opt(name: &mut Option<String>, scope: &Scope, ns: &str) {
    if let Some(n) = name {
        *n = scope.qualify(ns, n);
    }
}

impl Qualify for DeploymentView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
    }
}

impl Qualify for ServiceView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
    }
}

impl Qualify for ReplicaSetView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
        qualify_opt(&mut self.owner, scope, ns);
    }
}

impl Qualify for PodView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
        qualify_opt(&mut self.owner_rs, scope, ns);
    }
}

impl Qualify for EventView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
        self.object_name = scope.qualify(ns, &self.object_name);
    }
}

impl Qualify for RolloutView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
        if let Some(a) = &mut self.analysis {
            a.name = scope.qualify(ns, &a.name);
        }
    }
}

impl Qualify for AnalysisRunView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
    }
}

impl Qualify for CronJobView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
        for job in &mut self.active {
            *job = scope.qualify(ns, job);
        }
    }
}

impl Qualify for JobView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
        qualify_opt(&mut self.cronjob, scope, ns);
    }
}

impl Qualify for CnpgClusterView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
    }
}

impl Qualify for CnpgBackupView {
    fn qualify(&mut self, scope: &Scope, ns: &str) {
        self.name = scope.qualify(ns, &self.name);
        self.cluster = scope.qualify(ns, &self.cluster);
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Collection<T> {
    items: BTreeMap<String, T>,
    relist: Option<BTreeMap<String, T>>,
    /// Owner → the keys of the items it owns (`Named::owner`).
    by_owner: HashMap<String, BTreeSet<String>>,
    /// True once the first list has completed.
    pub synced: bool,
    /// Counts the changes taken in: what is derived from the collection needs deriving
    /// again only when this moved.
    revision: u64,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection {
            items: BTreeMap::new(),
            relist: None,
            by_owner: HashMap::new(),
            synced: false,
            revision: 0,
        }
    }
}

impl<T: Named + PartialEq> Collection<T> {
    /// Applies a change; true when the visible set changed.
    pub fn apply(&mut self, change: Change<T>) -> bool {
        let changed = self.take(change);
        if changed {
            self.revision = self.revision.wrapping_add(1);
        }
        changed
    }

    /// Moves with every change the collection took in (`apply` returned true).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    fn take(&mut self, change: Change<T>) -> bool {
        match change {
            Change::Reset => {
                self.relist = Some(BTreeMap::new());
                false
            }
            Change::Upsert(item) => {
                let key = item.key().to_string();
                match &mut self.relist {
                    Some(buffer) => {
                        buffer.insert(key, item);
                        false
                    }
                    // most of a pod's changes are to what its view does not keep (conditions,
                    // IPs, timestamps): an equal view changes nothing
                    None if self.items.get(&key) == Some(&item) => false,
                    None => {
                        if let Some(owner) = item.owner() {
                            let owner = owner.to_string();
                            self.by_owner.entry(owner).or_default().insert(key.clone());
                        }
                        if let Some(old) = self.items.insert(key, item) {
                            self.unindex(&old);
                        }
                        true
                    }
                }
            }
            Change::Remove(name) => match &mut self.relist {
                Some(buffer) => {
                    buffer.remove(&name);
                    false
                }
                None => match self.items.remove(&name) {
                    Some(old) => {
                        self.unindex(&old);
                        true
                    }
                    None => false,
                },
            },
            Change::Ready => {
                if let Some(buffer) = self.relist.take() {
                    self.items = buffer;
                    self.reindex();
                }
                self.synced = true;
                true
            }
        }
    }

    /// The items `owner` owns, by key.
    pub fn owned_by<'a>(&'a self, owner: &str) -> impl Iterator<Item = &'a T> + 'a {
        self.by_owner
            .get(owner)
            .into_iter()
            .flatten()
            .filter_map(|key| self.items.get(key))
    }

    /// Drops `old` from its owner's entry unless the item now under its key (an update
    /// that kept the owner) is still there.
    fn unindex(&mut self, old: &T) {
        let Some(owner) = old.owner() else { return };
        let key = old.key();
        let kept = self
            .items
            .get(key)
            .is_some_and(|now| now.owner() == Some(owner));
        if kept {
            return;
        }
        if let Some(keys) = self.by_owner.get_mut(owner) {
            keys.remove(key);
            if keys.is_empty() {
                self.by_owner.remove(owner);
            }
        }
    }

    fn reindex(&mut self) {
        self.by_owner.clear();
        for (key, item) in &self.items {
            if let Some(owner) = item.owner() {
                let keys = self.by_owner.entry(owner.to_string()).or_default();
                keys.insert(key.clone());
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&T> {
        self.items.get(name)
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.values()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// True while a relist is being buffered.
    pub fn relisting(&self) -> bool {
        self.relist.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(name: &str) -> ServiceView {
        ServiceView {
            name: name.into(),
            selector: vec![],
        }
    }

    fn names(c: &Collection<ServiceView>) -> Vec<&str> {
        c.values().map(|s| s.name()).collect()
    }

    #[test]
    fn direct_upserts_and_removes() {
        let mut c = Collection::default();
        assert!(c.apply(Change::Upsert(svc("b"))));
        assert!(c.apply(Change::Upsert(svc("a"))));
        assert_eq!(names(&c), vec!["a", "b"]);
        assert!(c.apply(Change::Remove("a".into())));
        assert!(!c.apply(Change::Remove("zzz".into())));
        assert_eq!(names(&c), vec!["b"]);
    }

    fn rs(name: &str, owner: &str) -> ReplicaSetView {
        ReplicaSetView {
            name: name.into(),
            owner: Some(owner.into()),
            ..ReplicaSetView::default()
        }
    }

    fn owned(c: &Collection<ReplicaSetView>, owner: &str) -> Vec<String> {
        c.owned_by(owner).map(|r| r.name.clone()).collect()
    }

    #[test]
    fn the_owner_index_follows_upserts_removes_and_relists() {
        let mut c = Collection::default();
        c.apply(Change::Upsert(rs("a-1", "a")));
        c.apply(Change::Upsert(rs("a-2", "a")));
        c.apply(Change::Upsert(rs("b-1", "b")));
        assert_eq!(owned(&c, "a"), vec!["a-1", "a-2"]);
        // an update that keeps the owner keeps the entry; one that changes it moves it
        c.apply(Change::Upsert(rs("a-1", "a")));
        assert_eq!(owned(&c, "a"), vec!["a-1", "a-2"]);
        c.apply(Change::Upsert(rs("a-2", "b")));
        assert_eq!(owned(&c, "a"), vec!["a-1"]);
        assert_eq!(owned(&c, "b"), vec!["a-2", "b-1"]);
        c.apply(Change::Remove("a-1".into()));
        assert!(owned(&c, "a").is_empty());
        // a relist rebuilds it from what the relist delivered
        c.apply(Change::Reset);
        c.apply(Change::Upsert(rs("c-1", "c")));
        assert_eq!(owned(&c, "b"), vec!["a-2", "b-1"]);
        c.apply(Change::Ready);
        assert!(owned(&c, "b").is_empty());
        assert_eq!(owned(&c, "c"), vec!["c-1"]);
    }

    #[test]
    fn relist_is_buffered_then_swapped_in() {
        let mut c = Collection::default();
        c.apply(Change::Upsert(svc("old")));
        c.apply(Change::Reset);
        c.apply(Change::Upsert(svc("new1")));
        c.apply(Change::Upsert(svc("new2")));
        // until Ready the old set stays visible
        assert_eq!(names(&c), vec!["old"]);
        assert!(c.relisting());
        assert!(!c.synced);
        assert!(c.apply(Change::Ready));
        assert_eq!(names(&c), vec!["new1", "new2"]);
        assert!(c.synced);
        assert!(!c.relisting());
    }
}
