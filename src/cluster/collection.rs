//! A watched collection keyed by name, fed by [`Change`]s: `Reset` starts buffering a
//! relist, `Upsert`s go to the buffer, `Ready` swaps it in. Outside a relist `Upsert` and
//! `Remove` apply directly.

use std::collections::BTreeMap;

use super::Change;

/// What a view type must offer to live in a [`Collection`].
pub trait Named {
    fn key(&self) -> &str;
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
use super::backup_view::{CronJobView, JobView};
use super::cnpg_view::{CnpgBackupView, CnpgClusterView};
use super::views::{DeploymentView, EventView, PodView, ReplicaSetView, RolloutView, ServiceView};
named!(
    AnalysisRunView,
    CnpgBackupView,
    CnpgClusterView,
    CronJobView,
    JobView,
    DeploymentView,
    ReplicaSetView,
    PodView,
    ServiceView,
    EventView,
    RolloutView
);

#[derive(Debug, Clone, PartialEq)]
pub struct Collection<T> {
    items: BTreeMap<String, T>,
    relist: Option<BTreeMap<String, T>>,
    /// True once the first list has completed.
    pub synced: bool,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection {
            items: BTreeMap::new(),
            relist: None,
            synced: false,
        }
    }
}

impl<T: Named> Collection<T> {
    /// Applies a change; true when the visible set changed.
    pub fn apply(&mut self, change: Change<T>) -> bool {
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
                    None => {
                        self.items.insert(key, item);
                        true
                    }
                }
            }
            Change::Remove(name) => match &mut self.relist {
                Some(buffer) => {
                    buffer.remove(&name);
                    false
                }
                None => self.items.remove(&name).is_some(),
            },
            Change::Ready => {
                if let Some(buffer) = self.relist.take() {
                    self.items = buffer;
                }
                self.synced = true;
                true
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
