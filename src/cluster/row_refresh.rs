//! Keeping the Rollouts rows current as watch events arrive. A change to one plain
//! Deployment, its ReplicaSets or one Argo Rollout re-derives that row only (the common case
//! under load); anything that can regroup rows (Services, slot Deployments, new or removed
//! objects, relists) re-derives them all. Rollouts that start, finish, stall or switch slot
//! are noted on the timeline.

use super::rows::{
    argo_row, deployment_row, derive_rows, replica_sets_by_owner, Phase, RolloutRow, RowKey,
    RowTarget,
};
use super::views::ReplicaSetView;
use super::{Change, ClusterData, KubeMsg};
use crate::text::short_image;

/// A row's change worth a timeline line: (bad news?, text).
pub type RowNote = (bool, String);

/// Which rows a watch event can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowScope {
    None,
    All,
    Deployment(String),
    Rollout(String),
}

/// Decided before the change is applied (a removed ReplicaSet's owner is only known then).
pub fn rows_scope(data: &ClusterData, m: &KubeMsg) -> RowScope {
    let has = |key: RowKey| data.row_index.contains_key(&key);
    match m {
        KubeMsg::Deployments(Change::Upsert(d)) => {
            let was_plain = data
                .deployments
                .get(&d.name)
                .is_some_and(|old| old.slot.is_none());
            if d.slot.is_none() && was_plain && has(RowKey::Deployment(d.name.clone())) {
                RowScope::Deployment(d.name.clone())
            } else {
                RowScope::All
            }
        }
        KubeMsg::ReplicaSets(Change::Upsert(rs)) => owner_scope(data, rs.owner.as_deref()),
        KubeMsg::ReplicaSets(Change::Remove(name)) => {
            let owner = data
                .replica_sets
                .get(name)
                .and_then(|rs| rs.owner.as_deref());
            owner_scope(data, owner)
        }
        KubeMsg::Rollouts(Change::Upsert(r)) if has(RowKey::Rollout(r.name.clone())) => {
            RowScope::Rollout(r.name.clone())
        }
        KubeMsg::Deployments(_)
        | KubeMsg::ReplicaSets(_)
        | KubeMsg::Services(_)
        | KubeMsg::Rollouts(_) => RowScope::All,
        KubeMsg::Pods(_)
        | KubeMsg::Events(_)
        | KubeMsg::AnalysisRuns(_)
        | KubeMsg::Namespaces(_)
        | KubeMsg::CronJobs(_)
        | KubeMsg::Jobs(_)
        | KubeMsg::CnpgClusters(_)
        | KubeMsg::CnpgBackups(_)
        | KubeMsg::Unreadable { .. }
        | KubeMsg::SourceError { .. } => RowScope::None,
    }
}

/// The rows an object owned by `owner` (a ReplicaSet, a pod's ReplicaSet's owner) shows in.
pub(super) fn owner_scope(data: &ClusterData, owner: Option<&str>) -> RowScope {
    let Some(owner) = owner else {
        return RowScope::None;
    };
    let has = |key: RowKey| data.row_index.contains_key(&key);
    if has(RowKey::Deployment(owner.to_string())) {
        RowScope::Deployment(owner.to_string())
    } else if has(RowKey::Rollout(owner.to_string())) {
        RowScope::Rollout(owner.to_string())
    } else if has(RowKey::Slot(owner.to_string())) {
        RowScope::All
    } else {
        // a ReplicaSet whose owner has no row (yet): its row picks it up when it appears
        RowScope::None
    }
}

/// Re-derives the rows `scope` covers; returns what changed, for the timeline.
pub fn refresh_rows(data: &mut ClusterData, scope: RowScope) -> Vec<RowNote> {
    match scope {
        RowScope::None => Vec::new(),
        RowScope::All => refresh_all(data),
        RowScope::Deployment(name) => {
            let Some(d) = data.deployments.get(&name) else {
                return refresh_all(data);
            };
            let row = deployment_row(d, &owned_by(data, &name));
            replace_row(data, row)
        }
        RowScope::Rollout(name) => {
            let Some(r) = data.rollouts.get(&name) else {
                return refresh_all(data);
            };
            let row = argo_row(r, &owned_by(data, &name));
            replace_row(data, row)
        }
    }
}

fn owned_by<'a>(data: &'a ClusterData, owner: &str) -> Vec<&'a ReplicaSetView> {
    data.replica_sets.owned_by(owner).collect()
}

fn replace_row(data: &mut ClusterData, row: RolloutRow) -> Vec<RowNote> {
    let Some(&i) = data.row_index.get(&row.key()) else {
        return refresh_all(data);
    };
    let notes = transition_notes(&data.rows[i], &row);
    data.rows[i] = row;
    notes
}

fn refresh_all(data: &mut ClusterData) -> Vec<RowNote> {
    let by_owner = replica_sets_by_owner(data.replica_sets.values());
    let rows = derive_rows(
        data.deployments.values(),
        &by_owner,
        data.services.values(),
        data.rollouts.values(),
    );
    let mut notes = Vec::new();
    for row in rows.iter().filter(|r| r.depth == 0) {
        if let Some(old) = data.row(&row.key()) {
            notes.extend(transition_notes(old, row));
        }
    }
    data.row_index = rows.iter().enumerate().map(|(i, r)| (r.key(), i)).collect();
    data.name_width = rows
        .iter()
        .filter(|r| r.depth == 0)
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    data.rows = rows;
    notes
}

fn live_of(t: &RowTarget) -> Option<&str> {
    match t {
        RowTarget::BlueGreen { live, .. } => live.as_deref(),
        _ => None,
    }
}

/// What changed between two versions of a top-level row, as timeline lines (bad?, text).
pub fn transition_notes(old: &RolloutRow, new: &RolloutRow) -> Vec<RowNote> {
    let mut notes = Vec::new();
    if new.depth != 0 {
        return notes;
    }
    if let (Some(a), Some(b)) = (live_of(&old.target), live_of(&new.target)) {
        if a != b {
            notes.push((false, format!("{} switched from {a} to {b}", new.name)));
        }
    }
    let images = match &new.image_old {
        Some(o) => format!(" ({} → {})", short_image(o), short_image(&new.image_new)),
        None => String::new(),
    };
    // names can repeat across kinds (a blue/green Service and a Rollout of the same name)
    let who = format!("{} ({})", new.name, new.strategy.label());
    let note = match (old.phase, new.phase) {
        (a, b) if a == b => None,
        (Phase::Healthy, Phase::Progressing) => {
            Some((false, format!("rollout started: {who}{images}")))
        }
        (_, Phase::Healthy) => Some((false, format!("rollout finished: {who}"))),
        (_, p @ (Phase::Stalled | Phase::Degraded)) => {
            let why = new
                .note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            Some((true, format!("{who} is {}{why}", p.label())))
        }
        (_, Phase::Paused) => Some((false, format!("{who} paused"))),
        _ => None,
    };
    notes.extend(note);
    notes
}
