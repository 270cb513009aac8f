//! The rollout rows: every rollout whatever its strategy (plain Deployments,
//! blue/green Deployment pairs behind one Service, Argo Rollouts), derived by pure functions
//! from the watched views.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::views::{DeployStrategy, DeploymentView, ReplicaSetView, RolloutView, ServiceView};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Healthy,
    Paused,
    Progressing,
    Degraded,
    Stalled,
}

impl Phase {
    pub fn label(&self) -> &'static str {
        match self {
            Phase::Healthy => "Healthy",
            Phase::Paused => "Paused",
            Phase::Progressing => "Progressing",
            Phase::Degraded => "Degraded",
            Phase::Stalled => "Stalled",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyKind {
    RollingUpdate,
    Recreate,
    BlueGreen,
    Canary,
    ArgoBlueGreen,
}

impl StrategyKind {
    pub fn label(&self) -> &'static str {
        match self {
            StrategyKind::RollingUpdate => "rolling",
            StrategyKind::Recreate => "recreate",
            StrategyKind::BlueGreen => "blue/green",
            StrategyKind::Canary => "canary",
            StrategyKind::ArgoBlueGreen => "argo b/g",
        }
    }
}

/// Replica counts against what is desired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub desired: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
}

/// What a row stands for, and what actions on it act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowTarget {
    Deployment(String),
    /// A blue/green pair behind `service`; `live` is the slot its selector points at.
    BlueGreen {
        service: String,
        live: Option<String>,
        /// (slot, deployment) sorted by slot.
        slots: Vec<(String, String)>,
    },
    /// One slot of a blue/green pair.
    Slot {
        service: String,
        slot: String,
        deployment: String,
        live: bool,
    },
    Rollout(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RolloutRow {
    pub name: String,
    pub target: RowTarget,
    /// 0 for a rollout, 1 for a slot under its blue/green pair.
    pub depth: u8,
    pub strategy: StrategyKind,
    pub phase: Phase,
    pub progress: Progress,
    /// The image being replaced, while it still runs.
    pub image_old: Option<String>,
    pub image_new: String,
    /// When the current rollout began (its newest ReplicaSet's creation).
    pub since: Option<Timestamp>,
    /// Short extra: "live blue", "step 3/10 · 10%", the stall message.
    pub note: Option<String>,
}

pub use super::blue_green::{blue_green_rows, selects};
pub use super::canary::{argo_phase, argo_row, canary_position};

/// ReplicaSets (borrowed) by the Deployment or Rollout that owns them.
pub type ByOwner<'a> = BTreeMap<&'a str, Vec<&'a ReplicaSetView>>;

pub fn replica_sets_by_owner<'a>(rss: impl Iterator<Item = &'a ReplicaSetView>) -> ByOwner<'a> {
    let mut by_owner: ByOwner<'a> = BTreeMap::new();
    for rs in rss {
        if let Some(owner) = &rs.owner {
            by_owner.entry(owner.as_str()).or_default().push(rs);
        }
    }
    by_owner
}

/// Every row of the pane, sorted by name; slot rows follow their pair.
pub fn derive_rows<'a>(
    deployments: impl Iterator<Item = &'a DeploymentView>,
    replica_sets: &ByOwner<'_>,
    services: impl Iterator<Item = &'a ServiceView>,
    rollouts: impl Iterator<Item = &'a RolloutView>,
) -> Vec<RolloutRow> {
    let deployments: Vec<&DeploymentView> = deployments.collect();
    let no_rs: Vec<&ReplicaSetView> = Vec::new();
    let rs_of = |owner: &str| -> &[&ReplicaSetView] {
        replica_sets.get(owner).map(Vec::as_slice).unwrap_or(&no_rs)
    };
    let mut grouped: BTreeSet<&str> = BTreeSet::new();
    let mut blocks: Vec<Vec<RolloutRow>> = Vec::new();

    for svc in services {
        let Some(live) = svc.slot() else { continue };
        let members: Vec<&DeploymentView> = deployments
            .iter()
            .copied()
            .filter(|d| d.slot.is_some() && !grouped.contains(d.name.as_str()))
            .filter(|d| selects(svc, d))
            .collect();
        if members.is_empty() {
            continue;
        }
        grouped.extend(members.iter().map(|d| d.name.as_str()));
        blocks.push(blue_green_rows(svc, live, &members, &rs_of));
    }
    for d in deployments
        .iter()
        .filter(|d| !grouped.contains(d.name.as_str()))
    {
        blocks.push(vec![deployment_row(d, rs_of(&d.name))]);
    }
    for r in rollouts {
        blocks.push(vec![argo_row(r, rs_of(&r.name))]);
    }
    blocks.sort_by(|a, b| a[0].name.cmp(&b[0].name));
    blocks.into_iter().flatten().collect()
}

/// Phase of a Deployment, as `kubectl rollout status` judges it.
pub fn deployment_phase(d: &DeploymentView) -> Phase {
    let stalled = d.conditions.iter().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if stalled {
        return Phase::Stalled;
    }
    if d.paused {
        return Phase::Paused;
    }
    if d.observed_generation < d.generation || d.updated < d.desired || d.replicas > d.updated {
        return Phase::Progressing;
    }
    if d.available < d.desired {
        // a rollout that had completed (NewReplicaSetAvailable) and lost availability since
        // is degraded; one whose new pods are still coming up is progressing
        let completed = d.conditions.iter().any(|c| {
            c.type_ == "Progressing" && c.reason.as_deref() == Some("NewReplicaSetAvailable")
        });
        let unavailable = d
            .conditions
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "False");
        return if completed && unavailable {
            Phase::Degraded
        } else {
            Phase::Progressing
        };
    }
    Phase::Healthy
}

pub(crate) fn newest<'a>(rss: &[&'a ReplicaSetView]) -> Option<&'a ReplicaSetView> {
    rss.iter()
        .copied()
        .max_by_key(|rs| (rs.revision.unwrap_or(0), rs.created))
}

/// The image still running from an older ReplicaSet, if it differs from `new`.
pub(crate) fn old_image(
    rss: &[&ReplicaSetView],
    current: Option<&ReplicaSetView>,
    new: &str,
) -> Option<String> {
    rss.iter()
        .filter(|rs| Some(rs.name.as_str()) != current.map(|c| c.name.as_str()))
        .filter(|rs| rs.replicas > 0 && rs.image != new)
        .max_by_key(|rs| rs.revision.unwrap_or(0))
        .map(|rs| rs.image.clone())
}

fn deployment_progress(d: &DeploymentView) -> Progress {
    Progress {
        desired: d.desired,
        updated: d.updated,
        ready: d.ready,
        available: d.available,
    }
}

fn problem_note(d: &DeploymentView, phase: Phase) -> Option<String> {
    if !matches!(phase, Phase::Stalled | Phase::Degraded) {
        return None;
    }
    d.conditions
        .iter()
        .find(|c| c.status == "False" || c.reason.as_deref() == Some("ProgressDeadlineExceeded"))
        .and_then(|c| c.reason.clone())
}

pub fn deployment_row(d: &DeploymentView, rss: &[&ReplicaSetView]) -> RolloutRow {
    let current = newest(rss);
    let phase = deployment_phase(d);
    RolloutRow {
        name: d.name.clone(),
        target: RowTarget::Deployment(d.name.clone()),
        depth: 0,
        strategy: match d.strategy {
            DeployStrategy::RollingUpdate => StrategyKind::RollingUpdate,
            DeployStrategy::Recreate => StrategyKind::Recreate,
        },
        phase,
        progress: deployment_progress(d),
        image_old: old_image(rss, current, &d.image),
        image_new: d.image.clone(),
        since: current.and_then(|rs| rs.created).or(d.created),
        note: problem_note(d, phase),
    }
}

/// A stable key for a row across updates (for the cursor and for transitions): the kind
/// of row and the name of the object it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RowKey {
    Deployment(String),
    /// A blue/green pair, by its Service.
    BlueGreen(String),
    /// One slot of a pair, by its Deployment.
    Slot(String),
    Rollout(String),
}

impl RolloutRow {
    pub fn key(&self) -> RowKey {
        match &self.target {
            RowTarget::Deployment(n) => RowKey::Deployment(n.clone()),
            RowTarget::BlueGreen { service, .. } => RowKey::BlueGreen(service.clone()),
            RowTarget::Slot { deployment, .. } => RowKey::Slot(deployment.clone()),
            RowTarget::Rollout(n) => RowKey::Rollout(n.clone()),
        }
    }
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
