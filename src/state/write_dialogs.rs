//! The dialogs before a cluster change: what the selected row's action would do, asked as
//! a question naming the object and the change (and the scale number first).

use ratatui_textarea::TextArea;

use super::overlay::{NumberPurpose, Overlay, PendingWrite, ScaleTarget};
use super::rollouts::{canary_position, RowTarget};
use super::State;
use crate::action::Action;
use crate::effect::{ClusterWrite, WorkloadKind};

/// The most replicas the scale dialog accepts.
const MAX_REPLICAS: i32 = 1000;

/// The workload a row's generic actions (scale, restart, undo, pause) act on.
fn workload_of(state: &State) -> Option<(WorkloadKind, String)> {
    match &state.selected_row()?.target {
        RowTarget::Deployment(n) => Some((WorkloadKind::Deployment, n.clone())),
        RowTarget::Slot { deployment, .. } => Some((WorkloadKind::Deployment, deployment.clone())),
        RowTarget::BlueGreen { live, slots, .. } => slots
            .iter()
            .find(|(s, _)| Some(s) == live.as_ref())
            .map(|(_, d)| (WorkloadKind::Deployment, d.clone())),
        RowTarget::Rollout(n) => Some((WorkloadKind::Rollout, n.clone())),
    }
}

fn not_applicable(state: &mut State, action: Action, why: &str) {
    state.toast(true, format!("{}: {why}", action.name()));
}

fn ask(
    state: &mut State,
    action: Action,
    write: ClusterWrite,
    prompt: String,
    caution: Option<String>,
) {
    state.overlay = Overlay::Confirm(PendingWrite {
        action,
        write,
        prompt,
        caution,
    });
}

pub(crate) fn begin_write(state: &mut State, action: Action) {
    let Some(row) = state.selected_row().cloned() else {
        return not_applicable(state, action, "no rollout selected");
    };
    let workload = workload_of(state);
    let rollout = match &row.target {
        RowTarget::Rollout(n) => state.cluster.rollouts.get(n).cloned(),
        _ => None,
    };
    let deployment = match &workload {
        Some((WorkloadKind::Deployment, n)) => state.cluster.deployments.get(n).cloned(),
        _ => None,
    };
    match action {
        Action::Scale => {
            let Some((kind, name)) = workload else {
                return not_applicable(state, action, "nothing to scale");
            };
            let current = deployment
                .map(|d| d.desired)
                .or(rollout.map(|r| r.desired))
                .unwrap_or(0);
            let mut input = TextArea::new(vec![current.to_string()]);
            input.move_cursor(ratatui_textarea::CursorMove::End);
            state.overlay = Overlay::NumberInput {
                purpose: NumberPurpose::Scale(ScaleTarget {
                    kind,
                    name,
                    current,
                }),
                input: Box::new(input),
                error: None,
            };
        }
        Action::Restart => {
            let Some((kind, name)) = workload else {
                return not_applicable(state, action, "nothing to restart");
            };
            let (label, pods) = match kind {
                WorkloadKind::Deployment => ("deployment", deployment.map(|d| d.desired)),
                WorkloadKind::Rollout => ("rollout", rollout.map(|r| r.desired)),
            };
            let prompt = format!(
                "Restart {label} {name}? All {} pods are replaced.",
                pods.unwrap_or(0)
            );
            ask(
                state,
                action,
                ClusterWrite::Restart { kind, name },
                prompt,
                None,
            );
        }
        Action::Undo => {
            let Some(d) = deployment else {
                return not_applicable(state, action, "rollback applies to Deployments");
            };
            let mut revisions: Vec<i64> = state
                .cluster
                .replica_sets
                .values()
                .filter(|rs| rs.owner.as_deref() == Some(d.name.as_str()))
                .filter_map(|rs| rs.revision)
                .filter(|r| Some(*r) != d.revision)
                .collect();
            revisions.sort_unstable_by(|a, b| b.cmp(a));
            let previous = revisions.iter().copied().find(|r| Some(*r) < d.revision);
            let Some(previous) = previous else {
                return not_applicable(state, action, "no previous revision to roll back to");
            };
            let mut input = TextArea::new(vec![previous.to_string()]);
            input.move_cursor(ratatui_textarea::CursorMove::End);
            state.overlay = Overlay::NumberInput {
                purpose: NumberPurpose::Undo {
                    name: d.name.clone(),
                    current: d.revision,
                    previous,
                    revisions,
                },
                input: Box::new(input),
                error: None,
            };
        }
        Action::PauseResume => {
            let Some(d) = deployment else {
                return not_applicable(
                    state,
                    action,
                    "pause/resume applies to Deployments (use promote for a canary)",
                );
            };
            let (verb, paused) = if d.paused {
                ("Resume", false)
            } else {
                ("Pause", true)
            };
            let prompt = format!("{verb} the rollout of deployment {}?", d.name);
            let write = ClusterWrite::SetPaused {
                name: d.name.clone(),
                paused,
            };
            ask(state, action, write, prompt, None);
        }
        Action::SwitchSlot => begin_switch(state, &row.target),
        Action::Promote | Action::PromoteFull | Action::Abort | Action::Retry => {
            let Some(r) = rollout else {
                return not_applicable(state, action, "applies to Argo Rollouts");
            };
            let position = canary_position(&r)
                .map(|(w, i, n)| format!(" (at step {}/{n}, weight {w}%)", (i + 1).min(n)))
                .unwrap_or_default();
            let name = r.name.clone();
            let (write, prompt, caution) = match action {
                Action::Promote => (
                    ClusterWrite::Promote {
                        name: name.clone(),
                        full: false,
                    },
                    format!("Promote rollout {name} to the next step{position}?"),
                    None,
                ),
                Action::PromoteFull => (
                    ClusterWrite::Promote {
                        name: name.clone(),
                        full: true,
                    },
                    format!("Promote rollout {name} fully to 100%{position}?"),
                    Some("All remaining steps and analyses are skipped.".to_string()),
                ),
                Action::Abort => (
                    ClusterWrite::Abort { name: name.clone() },
                    format!("Abort rollout {name}{position}? Traffic goes back to stable."),
                    None,
                ),
                _ => (
                    ClusterWrite::Retry { name: name.clone() },
                    format!("Retry rollout {name}?"),
                    (!r.abort).then(|| "The rollout is not aborted.".to_string()),
                ),
            };
            ask(state, action, write, prompt, caution);
        }
        _ => {}
    }
}

fn begin_switch(state: &mut State, target: &RowTarget) {
    let (service, from, to) = match target {
        RowTarget::BlueGreen {
            service,
            live,
            slots,
        } => {
            let to = slots
                .iter()
                .map(|(s, _)| s)
                .find(|s| Some(*s) != live.as_ref());
            match to {
                Some(to) => (service.clone(), live.clone(), to.clone()),
                None => return not_applicable(state, Action::SwitchSlot, "no other slot"),
            }
        }
        RowTarget::Slot { live: true, .. } => {
            return not_applicable(state, Action::SwitchSlot, "this slot already serves")
        }
        RowTarget::Slot { service, slot, .. } => {
            let live = state
                .cluster
                .services
                .get(service)
                .and_then(|s| s.slot().map(str::to_string));
            (service.clone(), live, slot.clone())
        }
        _ => {
            return not_applicable(state, Action::SwitchSlot, "not a blue/green rollout");
        }
    };
    let idle = state
        .cluster
        .deployments
        .values()
        .find(|d| d.slot.as_deref() == Some(to.as_str()) && d.name.starts_with(service.as_str()))
        .or_else(|| {
            state
                .cluster
                .deployments
                .values()
                .find(|d| d.slot.as_deref() == Some(to.as_str()))
        });
    let caution = idle.and_then(|d| {
        (d.available < d.desired || d.desired == 0).then(|| {
            format!(
                "{to} is not fully ready: {}/{} available",
                d.available, d.desired
            )
        })
    });
    let prompt = format!(
        "Switch service {service} from {} to {to}?",
        from.as_deref().unwrap_or("?")
    );
    let write = ClusterWrite::SwitchSlot { service, slot: to };
    ask(state, Action::SwitchSlot, write, prompt, caution);
}

/// Enter in the number input: a valid number opens the confirmation.
pub fn confirm_number(state: &mut State) {
    let Overlay::NumberInput {
        purpose,
        input,
        error,
    } = &mut state.overlay
    else {
        return;
    };
    let text = input.lines().join("").trim().to_string();
    match purpose {
        NumberPurpose::Scale(target) => match text.parse::<i32>() {
            Ok(n) if (0..=MAX_REPLICAS).contains(&n) => {
                let kind = match target.kind {
                    WorkloadKind::Deployment => "deployment",
                    WorkloadKind::Rollout => "rollout",
                };
                let prompt = format!(
                    "Scale {kind} {} from {} to {n} replicas?",
                    target.name, target.current
                );
                let caution = (n == 0).then(|| "Scaling to 0 stops every pod.".to_string());
                let write = ClusterWrite::Scale {
                    kind: target.kind,
                    name: target.name.clone(),
                    replicas: n,
                };
                ask(state, Action::Scale, write, prompt, caution);
            }
            _ => *error = Some(format!("enter a whole number from 0 to {MAX_REPLICAS}")),
        },
        NumberPurpose::Undo {
            name,
            current,
            previous,
            revisions,
        } => match text.parse::<i64>() {
            Ok(n) if revisions.contains(&n) => {
                let prompt = format!(
                    "Roll back deployment {name} from revision {} to revision {n}?",
                    current.map(|c| c.to_string()).unwrap_or_else(|| "?".into())
                );
                let write = ClusterWrite::Undo {
                    name: name.clone(),
                    to_revision: (n != *previous).then_some(n),
                };
                ask(state, Action::Undo, write, prompt, None);
            }
            _ => {
                let list: Vec<String> = revisions.iter().map(|r| r.to_string()).collect();
                *error = Some(format!("choose one of the revisions: {}", list.join(", ")));
            }
        },
    }
}
