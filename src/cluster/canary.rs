//! Argo Rollouts: phase, canary position and the row.

use super::rows::{newest, Phase, Progress, RolloutRow, RowTarget, StrategyKind};
use super::views::{CanaryStep, ReplicaSetView, RolloutStrategy, RolloutView};

/// Phase of an Argo Rollout: Argo's own phase, sharpened by abort and the deadline.
pub fn argo_phase(r: &RolloutView) -> Phase {
    let stalled = r.conditions.iter().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if stalled {
        return Phase::Stalled;
    }
    if r.abort {
        return Phase::Degraded;
    }
    match r.phase.as_deref() {
        Some("Healthy") => Phase::Healthy,
        Some("Paused") => Phase::Paused,
        Some("Degraded") => Phase::Degraded,
        Some("Progressing") => Phase::Progressing,
        _ if r.paused || !r.pause_reasons.is_empty() => Phase::Paused,
        _ if r.observed_generation.unwrap_or(0) < r.generation
            || r.updated < r.desired
            || r.available < r.desired =>
        {
            Phase::Progressing
        }
        _ => Phase::Healthy,
    }
}

/// (set weight, number of steps) of a canary at its current step.
pub fn canary_position(r: &RolloutView) -> Option<(i32, usize, usize)> {
    let RolloutStrategy::Canary { steps } = &r.strategy else {
        return None;
    };
    let index = r.current_step.unwrap_or(steps.len()).min(steps.len());
    let weight = if index >= steps.len() {
        100
    } else {
        steps[..index]
            .iter()
            .rev()
            .find_map(|s| match s {
                CanaryStep::SetWeight(w) => Some(*w),
                _ => None,
            })
            .unwrap_or(0)
    };
    Some((weight, index, steps.len()))
}

pub fn argo_row(r: &RolloutView, rss: &[&ReplicaSetView]) -> RolloutRow {
    let phase = argo_phase(r);
    let current = rss
        .iter()
        .copied()
        .find(|rs| rs.pod_template_hash.is_some() && rs.pod_template_hash == r.current_hash)
        .or_else(|| newest(rss));
    let stable = rss
        .iter()
        .copied()
        .find(|rs| rs.pod_template_hash.is_some() && rs.pod_template_hash == r.stable_hash);
    let image_old = stable
        .filter(|s| s.image != r.image && s.replicas > 0)
        .map(|s| s.image.clone());
    let note = match (&r.strategy, canary_position(r)) {
        (RolloutStrategy::Canary { .. }, Some((w, i, n))) if i < n => {
            Some(format!("step {}/{n} · {w}%", i + 1))
        }
        _ => None,
    };
    let note = match phase {
        Phase::Degraded | Phase::Stalled if r.message.is_some() => r.message.clone(),
        _ => note,
    };
    RolloutRow {
        name: r.name.clone(),
        target: RowTarget::Rollout(r.name.clone()),
        depth: 0,
        strategy: match r.strategy {
            RolloutStrategy::Canary { .. } => StrategyKind::Canary,
            RolloutStrategy::BlueGreen { .. } => StrategyKind::ArgoBlueGreen,
        },
        phase,
        progress: Progress {
            desired: r.desired,
            updated: r.updated,
            ready: r.ready,
            available: r.available,
        },
        image_old,
        image_new: r.image.clone(),
        since: current.and_then(|rs| rs.created).or(r.created),
        note,
    }
}
