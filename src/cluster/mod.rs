//! Shared cluster data: the watched collections (slim views, fed by `KubeMsg`s) and the
//! rollout rows derived from them. No pane owns it: panes read it through their context,
//! and the headless `rollout status` uses the same collections and rows.

pub mod analysis_view;
pub mod backup;
pub mod backup_view;
pub mod blue_green;
pub mod canary;
mod change;
pub mod cnpg_view;
pub mod collection;
pub mod detail;
pub mod load;
pub mod pod_fields;
pub mod restore;
pub mod rollout_status;
pub mod rollout_view;
pub mod row_refresh;
pub mod rows;
pub mod scope;
pub mod snapshot;
pub mod views;

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

pub use change::{Change, KubeMsg};
use collection::Collection;
use row_refresh::RowScope;
use rows::{RolloutRow, RowKey};
use views::{DeploymentView, EventView, PodView, ReplicaSetView, RolloutView, ServiceView};

use crate::feed::{EntryKind, TimelineEntry};

/// What one watch change touched, for each pane to judge whether what it shows changed
/// (at a thousand changes a second most touch nothing on screen, and cost no frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    /// The row at this index was derived again, in place.
    Row(usize),
    /// Rows may have been added, removed or regrouped.
    Rows,
    /// A pod of the row at this index (`None`: of no row).
    Pod(Option<usize>),
    /// Anything else: events, Jobs, CronJobs, analysis runs, namespaces, unreadable objects.
    Other,
}

/// Every watched collection, and the Rollouts rows derived from them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterData {
    pub deployments: Collection<DeploymentView>,
    pub replica_sets: Collection<ReplicaSetView>,
    pub pods: Collection<PodView>,
    pub services: Collection<ServiceView>,
    pub events: Collection<EventView>,
    pub rollouts: Collection<RolloutView>,
    pub analysis_runs: Collection<analysis_view::AnalysisRunView>,
    /// Every live namespace (the `:ns` picker), whatever the scope.
    pub namespaces: Collection<views::NamespaceView>,
    /// CronJobs and Jobs: the backups' schedules and runs.
    pub cronjobs: Collection<backup_view::CronJobView>,
    pub jobs: Collection<backup_view::JobView>,
    /// CloudNativePG Clusters and Backups (empty where the CRDs do not exist).
    pub cnpg_clusters: Collection<cnpg_view::CnpgClusterView>,
    pub cnpg_backups: Collection<cnpg_view::CnpgBackupView>,
    /// Every rollout whatever its strategy, derived whenever its inputs change.
    pub rows: Vec<RolloutRow>,
    /// Row key → position in `rows`.
    pub row_index: HashMap<RowKey, usize>,
    /// The longest top-level row name, in characters (the NAME column's width), kept with
    /// the rows rather than measured over 10,000 of them in every frame.
    pub name_width: usize,
    /// Objects the console could not read, by (kind, name): why. The rest of their kind
    /// shows as usual.
    pub unreadable: BTreeMap<(&'static str, String), String>,
}

impl ClusterData {
    /// Puts one watch change into its collection (rows untouched); true when it changed
    /// something. A `SourceError` changes nothing here.
    pub fn apply(&mut self, m: KubeMsg) -> bool {
        match m {
            KubeMsg::Deployments(c) => self.deployments.apply(c),
            KubeMsg::ReplicaSets(c) => self.replica_sets.apply(c),
            KubeMsg::Services(c) => self.services.apply(c),
            KubeMsg::Rollouts(c) => self.rollouts.apply(c),
            KubeMsg::AnalysisRuns(c) => self.analysis_runs.apply(c),
            KubeMsg::CronJobs(c) => self.cronjobs.apply(c),
            KubeMsg::Jobs(c) => self.jobs.apply(c),
            KubeMsg::CnpgClusters(c) => self.cnpg_clusters.apply(c),
            KubeMsg::CnpgBackups(c) => self.cnpg_backups.apply(c),
            KubeMsg::Pods(c) => self.pods.apply(c),
            KubeMsg::Events(c) => self.events.apply(c),
            KubeMsg::Namespaces(c) => self.namespaces.apply(c),
            KubeMsg::Unreadable { kind, name, error } => match error {
                Some(e) => self.unreadable.insert((kind, name), e.clone()).as_ref() != Some(&e),
                None => self.unreadable.remove(&(kind, name)).is_some(),
            },
            KubeMsg::SourceError { .. } => false,
        }
    }

    /// Applies a watch change and keeps the rows current. Returns what changed (`None`:
    /// nothing) and what the timeline should hear of it (new warning events, rollouts that
    /// start, finish, stall or switch slot), stamped `now` unless the cluster says when.
    pub fn update(&mut self, m: KubeMsg, now: Timestamp) -> (Option<Touched>, Vec<TimelineEntry>) {
        let mut notes = Vec::new();
        if let KubeMsg::Events(Change::Upsert(ev)) = &m {
            notes.extend(self.warning_note(ev, now));
        }
        if let KubeMsg::Unreadable {
            kind,
            name,
            error: Some(e),
        } = &m
        {
            if !self.unreadable.contains_key(&(*kind, name.clone())) {
                notes.push(TimelineEntry {
                    at: now,
                    kind: EntryKind::Warning,
                    bad: true,
                    text: format!("cannot read {kind}/{name}: {e} (the rest of {kind} shows)"),
                });
            }
        }
        let scope = row_refresh::rows_scope(self, &m);
        // a removed pod's row is known only before it goes
        let pod = match &m {
            KubeMsg::Pods(change) => Some(self.pod_touched(change)),
            _ => None,
        };
        if !self.apply(m) {
            return (None, notes);
        }
        for (bad, text) in row_refresh::refresh_rows(self, scope.clone()) {
            notes.push(TimelineEntry {
                at: now,
                kind: EntryKind::Rollout,
                bad,
                text,
            });
        }
        let touched = match (pod, scope) {
            (Some(pod), _) => pod,
            (None, RowScope::All) => Touched::Rows,
            (None, RowScope::Deployment(name)) => self.row_touched(RowKey::Deployment(name)),
            (None, RowScope::Rollout(name)) => self.row_touched(RowKey::Rollout(name)),
            (None, RowScope::None) => Touched::Other,
        };
        (Some(touched), notes)
    }

    fn row_touched(&self, key: RowKey) -> Touched {
        self.row_index
            .get(&key)
            .map_or(Touched::Rows, |&i| Touched::Row(i))
    }

    /// Which row a pod change is about: its ReplicaSet's owner's. A slot's pod shows in its
    /// pair's row and its own, so it counts as touching the rows.
    fn pod_touched(&self, change: &Change<PodView>) -> Touched {
        let rs = match change {
            Change::Upsert(pod) => pod.owner_rs.as_deref(),
            Change::Remove(name) => self.pods.get(name).and_then(|p| p.owner_rs.as_deref()),
            Change::Reset | Change::Ready => return Touched::Rows,
        };
        let owner = rs
            .and_then(|rs| self.replica_sets.get(rs))
            .and_then(|rs| rs.owner.as_deref());
        let row = |key| self.row_index.get(&key).copied();
        match row_refresh::owner_scope(self, owner) {
            RowScope::Deployment(name) => Touched::Pod(row(RowKey::Deployment(name))),
            RowScope::Rollout(name) => Touched::Pod(row(RowKey::Rollout(name))),
            RowScope::All => Touched::Rows,
            RowScope::None => Touched::Pod(None),
        }
    }

    /// A Warning event not seen before (or seen again) as a timeline entry.
    fn warning_note(&self, ev: &EventView, now: Timestamp) -> Option<TimelineEntry> {
        let seen = self.events.get(&ev.name).map(|old| old.count);
        (ev.warning && seen.is_none_or(|count| count < ev.count)).then(|| TimelineEntry {
            at: ev.last_seen.unwrap_or(now),
            kind: EntryKind::Warning,
            bad: true,
            text: format!(
                "{} {}/{}: {}",
                ev.reason,
                ev.object_kind.to_lowercase(),
                ev.object_name,
                ev.message
            ),
        })
    }

    /// The row with this key.
    pub fn row(&self, key: &RowKey) -> Option<&RolloutRow> {
        self.row_index.get(key).and_then(|&i| self.rows.get(i))
    }
}
