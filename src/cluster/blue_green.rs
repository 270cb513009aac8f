//! Blue/green pairs: Deployments that differ by the `deployment-slot` label behind one
//! Service; the live slot is whatever the Service's selector points at.

use super::rows::{deployment_row, Phase, Progress, RolloutRow, RowTarget, StrategyKind};
use super::scope::namespace_of;
use super::views::{DeploymentView, ReplicaSetView, ServiceView, SLOT_LABEL};

/// True when the Service's selector, apart from the slot, matches the pod labels of a
/// Deployment in its own namespace.
pub fn selects(svc: &ServiceView, d: &DeploymentView) -> bool {
    namespace_of(&svc.name) == namespace_of(&d.name)
        && svc
            .selector
            .iter()
            .filter(|(k, _)| k != SLOT_LABEL)
            .all(|kv| d.pod_labels.contains(kv))
}

pub fn blue_green_rows<'a>(
    svc: &ServiceView,
    live: &str,
    members: &[&DeploymentView],
    rs_of: &dyn Fn(&str) -> &'a [&'a ReplicaSetView],
) -> Vec<RolloutRow> {
    let mut members = members.to_vec();
    members.sort_by(|a, b| a.slot.cmp(&b.slot).then(a.name.cmp(&b.name)));
    let slot_rows: Vec<RolloutRow> = members
        .iter()
        .map(|d| {
            let slot = d.slot.clone().unwrap_or_default();
            let is_live = slot == live;
            let mut row = deployment_row(d, rs_of(&d.name));
            row.target = RowTarget::Slot {
                service: svc.name.clone(),
                slot: slot.clone(),
                deployment: d.name.clone(),
                live: is_live,
            };
            row.depth = 1;
            row.strategy = StrategyKind::BlueGreen;
            row.note = Some(match (is_live, row.note.take()) {
                (true, None) => format!("{slot} · serving"),
                (false, None) => format!("{slot} · idle"),
                (true, Some(n)) => format!("{slot} · serving · {n}"),
                (false, Some(n)) => format!("{slot} · idle · {n}"),
            });
            row
        })
        .collect();
    let live_row = slot_rows
        .iter()
        .find(|r| matches!(&r.target, RowTarget::Slot { live: true, .. }));
    let active_phase = slot_rows
        .iter()
        .filter(|r| r.progress.desired > 0 || r.phase != Phase::Healthy)
        .map(|r| r.phase)
        .max()
        .unwrap_or(Phase::Healthy);
    let (phase, progress, image, since, note) = match live_row {
        Some(l) => (
            active_phase.max(if l.phase == Phase::Degraded {
                Phase::Degraded
            } else {
                Phase::Healthy
            }),
            l.progress,
            l.image_new.clone(),
            l.since,
            format!("live {live}"),
        ),
        None => (
            Phase::Degraded,
            Progress::default(),
            String::new(),
            None,
            format!("selector points at missing slot {live}"),
        ),
    };
    // a troubled pair says which slot is in trouble and why
    let note = match slot_rows.iter().find(|r| r.phase == phase) {
        Some(r) if matches!(phase, Phase::Degraded | Phase::Stalled) => {
            format!("{note}; {}", r.note.as_deref().unwrap_or(""))
        }
        _ => note,
    };
    let mut rows = vec![RolloutRow {
        name: svc.name.clone(),
        target: RowTarget::BlueGreen {
            service: svc.name.clone(),
            live: Some(live.to_string()),
            slots: members
                .iter()
                .map(|d| (d.slot.clone().unwrap_or_default(), d.name.clone()))
                .collect(),
        },
        depth: 0,
        strategy: StrategyKind::BlueGreen,
        phase,
        progress,
        image_old: None,
        image_new: image,
        since,
        note: Some(note),
    }];
    rows.extend(slot_rows);
    rows
}
