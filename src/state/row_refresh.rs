//! Keeping the Rollouts rows current as watch events arrive. A change to one plain
//! Deployment, its ReplicaSets or one Argo Rollout re-derives that row only (the common case
//! under load); anything that can regroup rows (Services, slot Deployments, new or removed
//! objects, relists) re-derives them all. Rollouts that start, finish, stall or switch slot
//! are noted on the timeline.

use super::rollouts::{
    argo_row, deployment_row, derive_rows, replica_sets_by_owner, row_key, Phase, RolloutRow,
    RowTarget,
};
use super::timeline::EntryKind;
use super::views::ReplicaSetView;
use super::State;
use crate::msg::{Change, KubeMsg};

/// Which rows a watch event can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowScope {
    None,
    All,
    Deployment(String),
    Rollout(String),
}

/// Decided before the change is applied (a removed ReplicaSet's owner is only known then).
pub fn rows_scope(state: &State, m: &KubeMsg) -> RowScope {
    let has = |key: String| state.row_index.contains_key(&key);
    match m {
        KubeMsg::Deployments(Change::Upsert(d)) => {
            let was_plain = state
                .cluster
                .deployments
                .get(&d.name)
                .is_some_and(|old| old.slot.is_none());
            if d.slot.is_none() && was_plain && has(format!("deploy/{}", d.name)) {
                RowScope::Deployment(d.name.clone())
            } else {
                RowScope::All
            }
        }
        KubeMsg::ReplicaSets(Change::Upsert(rs)) => owner_scope(state, rs.owner.as_deref()),
        KubeMsg::ReplicaSets(Change::Remove(name)) => {
            let owner = state
                .cluster
                .replica_sets
                .get(name)
                .and_then(|rs| rs.owner.as_deref());
            owner_scope(state, owner)
        }
        KubeMsg::Rollouts(Change::Upsert(r)) if has(format!("rollout/{}", r.name)) => {
            RowScope::Rollout(r.name.clone())
        }
        KubeMsg::Deployments(_)
        | KubeMsg::ReplicaSets(_)
        | KubeMsg::Services(_)
        | KubeMsg::Rollouts(_) => RowScope::All,
        KubeMsg::Pods(_)
        | KubeMsg::Events(_)
        | KubeMsg::AnalysisRuns(_)
        | KubeMsg::SourceError { .. } => RowScope::None,
    }
}

fn owner_scope(state: &State, owner: Option<&str>) -> RowScope {
    let Some(owner) = owner else {
        return RowScope::None;
    };
    if state.row_index.contains_key(&format!("deploy/{owner}")) {
        RowScope::Deployment(owner.to_string())
    } else if state.row_index.contains_key(&format!("rollout/{owner}")) {
        RowScope::Rollout(owner.to_string())
    } else if state.row_index.contains_key(&format!("slot/{owner}")) {
        RowScope::All
    } else {
        // a ReplicaSet whose owner has no row (yet): its row picks it up when it appears
        RowScope::None
    }
}

pub fn refresh_rows(state: &mut State, scope: RowScope) {
    match scope {
        RowScope::None => {}
        RowScope::All => refresh_all(state),
        RowScope::Deployment(name) => {
            let Some(d) = state.cluster.deployments.get(&name) else {
                return refresh_all(state);
            };
            let rss = owned_by(state, &name);
            let row = deployment_row(d, &rss);
            replace_row(state, row);
        }
        RowScope::Rollout(name) => {
            let Some(r) = state.cluster.rollouts.get(&name) else {
                return refresh_all(state);
            };
            let rss = owned_by(state, &name);
            let row = argo_row(r, &rss);
            replace_row(state, row);
        }
    }
}

fn owned_by<'a>(state: &'a State, owner: &str) -> Vec<&'a ReplicaSetView> {
    state
        .cluster
        .replica_sets
        .values()
        .filter(|rs| rs.owner.as_deref() == Some(owner))
        .collect()
}

fn replace_row(state: &mut State, row: RolloutRow) {
    let Some(&i) = state.row_index.get(&row_key(&row)) else {
        return refresh_all(state);
    };
    let notes = transition_notes(&state.rows[i], &row);
    state.rows[i] = row;
    for (bad, text) in notes {
        state.note(EntryKind::Rollout, bad, text);
    }
}

fn refresh_all(state: &mut State) {
    let data = &state.cluster;
    let by_owner = replica_sets_by_owner(data.replica_sets.values());
    let rows = derive_rows(
        data.deployments.values(),
        &by_owner,
        data.services.values(),
        data.rollouts.values(),
    );
    let selected = state.selected_row().map(row_key);
    let mut notes = Vec::new();
    for row in rows.iter().filter(|r| r.depth == 0) {
        if let Some(&i) = state.row_index.get(&row_key(row)) {
            notes.extend(transition_notes(&state.rows[i], row));
        }
    }
    state.row_index = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (row_key(r), i))
        .collect();
    state.rows = rows;
    state.rollout_cursor = selected
        .and_then(|k| state.row_index.get(&k).copied())
        .unwrap_or(state.rollout_cursor)
        .min(state.rows.len().saturating_sub(1));
    for (bad, text) in notes {
        state.note(EntryKind::Rollout, bad, text);
    }
}

fn live_of(t: &RowTarget) -> Option<&str> {
    match t {
        RowTarget::BlueGreen { live, .. } => live.as_deref(),
        _ => None,
    }
}

fn short_image(image: &str) -> &str {
    image.rsplit('/').next().unwrap_or(image)
}

/// What changed between two versions of a top-level row, as timeline lines (bad?, text).
pub fn transition_notes(old: &RolloutRow, new: &RolloutRow) -> Vec<(bool, String)> {
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
