//! The detail of the selected rollout: ReplicaSets by revision, pods, events, conditions,
//! canary steps and blue/green slots. Pure; built for one row when the pane draws.

use std::collections::HashSet;

use jiff::Timestamp;

use super::analysis_view::MetricView;
use super::rows::{argo_phase, canary_position, deployment_phase, Phase, RolloutRow, RowTarget};
use super::views::{
    AnalysisView, CanaryStep, ConditionView, DeploymentView, EventView, PodView, ReplicaSetView,
    RolloutStrategy, RolloutView,
};
use super::ClusterData;

#[derive(Debug, Clone, PartialEq)]
pub struct RsLine {
    pub name: String,
    pub revision: Option<i64>,
    pub image: String,
    pub desired: i32,
    pub ready: i32,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodLine {
    pub name: String,
    pub ready: String,
    pub restarts: i32,
    /// Running, or the reason it is not (CrashLoopBackOff, Pending, …).
    pub status: String,
    pub healthy: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMark {
    Done,
    Current,
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PauseState {
    /// Seconds left of a timed pause.
    Countdown(i64),
    WaitingForPromotion,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CanaryDetail {
    pub steps: Vec<(CanaryStep, StepMark)>,
    pub set_weight: i32,
    pub actual_weight: Option<i32>,
    pub pause: Option<PauseState>,
    pub analysis: Option<AnalysisView>,
    /// The analysis run's metrics (measurements against successCondition, failures
    /// against failureLimit), when the run is watched.
    pub metrics: Vec<MetricView>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlotLine {
    pub slot: String,
    pub deployment: String,
    pub live: bool,
    pub phase: Phase,
    pub desired: i32,
    pub ready: i32,
    pub available: i32,
    pub image: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RolloutDetail {
    pub replica_sets: Vec<RsLine>,
    pub pods: Vec<PodLine>,
    pub events: Vec<EventView>,
    /// "Type: message" of every condition with a message.
    pub conditions: Vec<String>,
    pub canary: Option<CanaryDetail>,
    pub slots: Vec<SlotLine>,
    pub message: Option<String>,
}

const MAX_EVENTS: usize = 20;

/// The Deployments or Rollout a row stands for.
fn owners_of(row: &RolloutRow) -> Vec<String> {
    match &row.target {
        RowTarget::Deployment(n) | RowTarget::Rollout(n) => vec![n.clone()],
        RowTarget::Slot { deployment, .. } => vec![deployment.clone()],
        RowTarget::BlueGreen { slots, .. } => slots.iter().map(|(_, d)| d.clone()).collect(),
    }
}

fn replica_sets_of<'a>(owners: &[String], data: &'a ClusterData) -> Vec<&'a ReplicaSetView> {
    let mut rss: Vec<&ReplicaSetView> = owners
        .iter()
        .flat_map(|o| data.replica_sets.owned_by(o))
        .collect();
    rss.sort_by(|a, b| a.name.cmp(&b.name));
    rss.dedup_by(|a, b| a.name == b.name);
    rss
}

/// The pods of these ReplicaSets, the ones not ready first.
fn pods_of<'a>(rs_names: &[&str], data: &'a ClusterData) -> Vec<&'a PodView> {
    let mut pods: Vec<&PodView> = rs_names
        .iter()
        .flat_map(|rs| data.pods.owned_by(rs))
        .collect();
    pods.sort_by(|a, b| (a.is_ready(), &a.name).cmp(&(b.is_ready(), &b.name)));
    pods
}

/// The pods running a row's workload (every slot's for a blue/green pair), the ones not
/// ready first: what its logs are read from.
pub fn row_pods<'a>(row: &RolloutRow, data: &'a ClusterData) -> Vec<&'a PodView> {
    let rss = replica_sets_of(&owners_of(row), data);
    let names: Vec<&str> = rss.iter().map(|rs| rs.name.as_str()).collect();
    pods_of(&names, data)
}

pub fn detail_for(row: &RolloutRow, data: &ClusterData, now: Timestamp) -> RolloutDetail {
    let owners = owners_of(row);
    let mut rss = replica_sets_of(&owners, data);
    rss.sort_by_key(|rs| std::cmp::Reverse((rs.revision.unwrap_or(0), rs.created)));
    let rollout = match &row.target {
        RowTarget::Rollout(n) => data.rollouts.get(n),
        _ => None,
    };
    let current_name = match rollout {
        Some(r) => rss
            .iter()
            .find(|rs| rs.pod_template_hash.is_some() && rs.pod_template_hash == r.current_hash)
            .map(|rs| rs.name.clone()),
        None => rss.first().map(|rs| rs.name.clone()),
    };
    let rs_names: Vec<&str> = rss.iter().map(|rs| rs.name.as_str()).collect();
    let pods = pods_of(&rs_names, data);
    let pod_names: HashSet<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    let mut events: Vec<EventView> = data
        .events
        .values()
        .filter(|e| {
            let n = e.object_name.as_str();
            owners.iter().any(|o| o == n) || rs_names.contains(&n) || pod_names.contains(&n)
        })
        .cloned()
        .collect();
    events.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.name.cmp(&b.name)));
    events.truncate(MAX_EVENTS);

    let conditions: Vec<ConditionView> = match (&row.target, rollout) {
        (_, Some(r)) => r.conditions.clone(),
        (RowTarget::Deployment(n), _) | (RowTarget::Slot { deployment: n, .. }, _) => data
            .deployments
            .get(n)
            .map(|d| d.conditions.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let slots = match &row.target {
        RowTarget::BlueGreen { live, slots, .. } => slots
            .iter()
            .filter_map(|(slot, name)| {
                let d = data.deployments.get(name)?;
                Some(slot_line(slot, d, live.as_deref() == Some(slot.as_str())))
            })
            .collect(),
        _ => Vec::new(),
    };
    RolloutDetail {
        replica_sets: rss
            .iter()
            .map(|rs| RsLine {
                name: rs.name.clone(),
                revision: rs.revision,
                image: rs.image.clone(),
                desired: rs.desired,
                ready: rs.ready,
                current: current_name.as_deref() == Some(rs.name.as_str()),
            })
            .collect(),
        pods: pods.iter().map(|p| pod_line(p)).collect(),
        events,
        conditions: conditions
            .iter()
            .filter_map(|c| Some(format!("{}: {}", c.type_, c.message.as_deref()?)))
            .collect(),
        canary: rollout.and_then(|r| canary_detail(r, now)).map(|mut c| {
            c.metrics = c
                .analysis
                .as_ref()
                .and_then(|a| data.analysis_runs.get(&a.name))
                .map(|run| run.metrics.clone())
                .unwrap_or_default();
            c
        }),
        slots,
        message: rollout.and_then(|r| r.message.clone()),
    }
}

fn slot_line(slot: &str, d: &DeploymentView, live: bool) -> SlotLine {
    SlotLine {
        slot: slot.to_string(),
        deployment: d.name.clone(),
        live,
        phase: deployment_phase(d),
        desired: d.desired,
        ready: d.ready,
        available: d.available,
        image: d.image.clone(),
    }
}

pub fn pod_line(p: &PodView) -> PodLine {
    let status = match &p.reason {
        Some(r) => r.clone(),
        None => p.phase.clone(),
    };
    PodLine {
        name: p.name.clone(),
        ready: format!("{}/{}", p.ready_containers, p.containers),
        restarts: p.restarts,
        healthy: p.is_ready() && p.reason.is_none(),
        status,
    }
}

pub fn canary_detail(r: &RolloutView, now: Timestamp) -> Option<CanaryDetail> {
    let RolloutStrategy::Canary { steps } = &r.strategy else {
        return None;
    };
    let (set_weight, index, _) = canary_position(r)?;
    let marks = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mark = match i.cmp(&index) {
                std::cmp::Ordering::Less => StepMark::Done,
                std::cmp::Ordering::Equal => StepMark::Current,
                std::cmp::Ordering::Greater => StepMark::Pending,
            };
            (s.clone(), mark)
        })
        .collect();
    let paused = argo_phase(r) == Phase::Paused;
    let pause = match steps.get(index) {
        Some(CanaryStep::Pause(Some(secs))) if paused => Some(match r.pause_started {
            Some(start) => {
                let left = start.as_second() + secs - now.as_second();
                PauseState::Countdown(left.max(0))
            }
            None => PauseState::Countdown(*secs),
        }),
        Some(CanaryStep::Pause(None)) if paused => Some(PauseState::WaitingForPromotion),
        _ if paused => Some(PauseState::WaitingForPromotion),
        _ => None,
    };
    // promoted: the canary became the stable version, so it has all the traffic (Argo then
    // reports the canary's own weight as 0)
    let promoted = r.current_hash.is_some() && r.current_hash == r.stable_hash;
    let actual_weight = if promoted { Some(100) } else { r.canary_weight };
    Some(CanaryDetail {
        steps: marks,
        set_weight,
        actual_weight,
        pause,
        analysis: r.analysis.clone(),
        metrics: Vec::new(),
    })
}
