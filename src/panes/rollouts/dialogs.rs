//! The dialogs before a cluster change: what the selected row's action would do, asked as
//! a question naming the object and the change (and the scale number first).

use super::{Action, Model};
use crate::cluster::rows::{canary_position, RolloutRow, RowTarget};
use crate::cluster::views::{DeploymentView, RolloutView};
use crate::cluster::ClusterData;
use crate::effect::{ClusterWrite, Effect, WorkloadKind};
use crate::panes::cx::DialogRequest;
use crate::panes::{ActionSpec, Cx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleTarget {
    pub kind: WorkloadKind,
    pub name: String,
    pub current: i32,
}

/// What a number typed in the input dialog is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberPurpose {
    Scale(ScaleTarget),
    /// Roll a Deployment back to a revision (`kubectl rollout undo --to-revision`).
    Undo {
        name: String,
        current: Option<i64>,
        previous: i64,
        /// The revisions its ReplicaSets still hold, newest first.
        revisions: Vec<i64>,
    },
}

/// The most replicas the scale dialog accepts.
const MAX_REPLICAS: i32 = 1000;

/// The workload a row's generic actions (scale, restart, undo, pause) act on.
fn workload_of(model: &Model, cluster: &ClusterData) -> Option<(WorkloadKind, String)> {
    match &model.selected_row(cluster)?.target {
        RowTarget::Deployment(n) => Some((WorkloadKind::Deployment, n.clone())),
        RowTarget::Slot { deployment, .. } => Some((WorkloadKind::Deployment, deployment.clone())),
        RowTarget::BlueGreen { live, slots, .. } => slots
            .iter()
            .find(|(s, _)| Some(s) == live.as_ref())
            .map(|(_, d)| (WorkloadKind::Deployment, d.clone())),
        RowTarget::Rollout(n) => Some((WorkloadKind::Rollout, n.clone())),
    }
}

fn not_applicable(cx: &mut Cx, action: Action, why: &str) {
    cx.toast(true, format!("{}: {why}", action.name()));
}

fn ask(
    model: &mut Model,
    cx: &mut Cx,
    action: Action,
    write: ClusterWrite,
    prompt: String,
    caution: Option<String>,
) {
    model.awaiting = Some(action);
    cx.confirm(write, prompt, caution);
}

fn ask_number(model: &mut Model, cx: &mut Cx, purpose: NumberPurpose, initial: String) {
    let (title, question) = match &purpose {
        NumberPurpose::Scale(target) => (
            " Scale (Enter: next, Esc: cancel) ",
            format!(
                "Replicas for {} {} (now {}):",
                target.kind.as_str(),
                target.name,
                target.current
            ),
        ),
        NumberPurpose::Undo {
            name,
            current,
            revisions,
            ..
        } => {
            let list: Vec<String> = revisions.iter().map(|r| r.to_string()).collect();
            (
                " Roll back (Enter: next, Esc: cancel) ",
                format!(
                    "Roll {name} back from revision {} to ({}):",
                    current.map(|c| c.to_string()).unwrap_or_else(|| "?".into()),
                    list.join(", ")
                ),
            )
        }
    };
    model.number = Some(purpose);
    cx.dialog(DialogRequest::Input {
        title: title.to_string(),
        question,
        initial,
        hint: "type a number  Enter next  Esc cancel".into(),
    });
}

/// The selected row and the objects an action on it acts on.
struct Selection<'a> {
    row: &'a RolloutRow,
    /// The workload generic actions (scale, restart) act on.
    workload: Option<(WorkloadKind, String)>,
    rollout: Option<&'a RolloutView>,
    deployment: Option<&'a DeploymentView>,
}

impl<'a> Selection<'a> {
    fn of(model: &Model, cluster: &'a ClusterData) -> Option<Selection<'a>> {
        let row = model.selected_row(cluster)?;
        let workload = workload_of(model, cluster);
        let rollout = match &row.target {
            RowTarget::Rollout(n) => cluster.rollouts.get(n),
            _ => None,
        };
        let deployment = match &workload {
            Some((WorkloadKind::Deployment, n)) => cluster.deployments.get(n),
            _ => None,
        };
        Some(Selection {
            row,
            workload,
            rollout,
            deployment,
        })
    }
}

/// A rollouts action on the selected row: the dialog that asks for it (a number first for
/// scale and undo). Nothing is written before the confirmation's yes.
pub(crate) fn begin_write(model: &mut Model, cx: &mut Cx, action: Action) -> Vec<Effect> {
    let Some(sel) = Selection::of(model, cx.cluster) else {
        not_applicable(cx, action, "no rollout selected");
        return Vec::new();
    };
    match action {
        Action::Scale => ask_scale(model, cx, &sel),
        Action::Restart => ask_restart(model, cx, &sel),
        Action::Undo => ask_undo(model, cx, &sel),
        Action::PauseResume => ask_pause_resume(model, cx, &sel),
        Action::SwitchSlot => begin_switch(model, cx, &sel.row.target),
        Action::Promote | Action::PromoteFull | Action::Abort | Action::Retry => {
            ask_canary(model, cx, action, &sel)
        }
        Action::GuidedSwitch | Action::Logs => {}
    }
    Vec::new()
}

fn ask_scale(model: &mut Model, cx: &mut Cx, sel: &Selection) {
    let Some((kind, name)) = sel.workload.clone() else {
        return not_applicable(cx, Action::Scale, "nothing to scale");
    };
    let current = sel
        .deployment
        .map(|d| d.desired)
        .or(sel.rollout.map(|r| r.desired))
        .unwrap_or(0);
    let purpose = NumberPurpose::Scale(ScaleTarget {
        kind,
        name,
        current,
    });
    ask_number(model, cx, purpose, current.to_string());
}

fn ask_restart(model: &mut Model, cx: &mut Cx, sel: &Selection) {
    let Some((kind, name)) = sel.workload.clone() else {
        return not_applicable(cx, Action::Restart, "nothing to restart");
    };
    let pods = match kind {
        WorkloadKind::Deployment => sel.deployment.map(|d| d.desired),
        WorkloadKind::Rollout => sel.rollout.map(|r| r.desired),
    };
    let prompt = format!(
        "Restart {} {name}? All {} pods are replaced.",
        kind.as_str(),
        pods.unwrap_or(0)
    );
    let write = ClusterWrite::Restart { kind, name };
    ask(model, cx, Action::Restart, write, prompt, None);
}

fn ask_undo(model: &mut Model, cx: &mut Cx, sel: &Selection) {
    let Some(d) = sel.deployment else {
        return not_applicable(cx, Action::Undo, "rollback applies to Deployments");
    };
    let mut revisions: Vec<i64> = cx
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
        return not_applicable(cx, Action::Undo, "no previous revision to roll back to");
    };
    let purpose = NumberPurpose::Undo {
        name: d.name.clone(),
        current: d.revision,
        previous,
        revisions,
    };
    ask_number(model, cx, purpose, previous.to_string());
}

fn ask_pause_resume(model: &mut Model, cx: &mut Cx, sel: &Selection) {
    let Some(d) = sel.deployment else {
        let why = "pause/resume applies to Deployments (use promote for a canary)";
        return not_applicable(cx, Action::PauseResume, why);
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
    ask(model, cx, Action::PauseResume, write, prompt, None);
}

/// Promote, promote fully, abort or retry the selected Argo Rollout.
fn ask_canary(model: &mut Model, cx: &mut Cx, action: Action, sel: &Selection) {
    let Some(r) = sel.rollout else {
        return not_applicable(cx, action, "applies to Argo Rollouts");
    };
    let position = canary_position(r)
        .map(|(w, i, n)| format!(" (at step {}/{n}, weight {w}%)", (i + 1).min(n)))
        .unwrap_or_default();
    let name = r.name.clone();
    let (write, prompt, caution) = match action {
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
        Action::Retry => (
            ClusterWrite::Retry { name: name.clone() },
            format!("Retry rollout {name}?"),
            (!r.abort).then(|| "The rollout is not aborted.".to_string()),
        ),
        _ => (
            ClusterWrite::Promote {
                name: name.clone(),
                full: false,
            },
            format!("Promote rollout {name} to the next step{position}?"),
            None,
        ),
    };
    ask(model, cx, action, write, prompt, caution);
}

fn begin_switch(model: &mut Model, cx: &mut Cx, target: &RowTarget) {
    let cluster = cx.cluster;
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
                None => return not_applicable(cx, Action::SwitchSlot, "no other slot"),
            }
        }
        RowTarget::Slot { live: true, .. } => {
            return not_applicable(cx, Action::SwitchSlot, "this slot already serves")
        }
        RowTarget::Slot { service, slot, .. } => {
            let live = cluster
                .services
                .get(service)
                .and_then(|s| s.slot().map(str::to_string));
            (service.clone(), live, slot.clone())
        }
        _ => {
            return not_applicable(cx, Action::SwitchSlot, "not a blue/green rollout");
        }
    };
    // the idle slot's Deployment is the pair's member in that slot (the Service's selector
    // decided the pair)
    let idle = cluster
        .rows
        .iter()
        .find_map(|r| match &r.target {
            RowTarget::BlueGreen {
                service: s, slots, ..
            } if *s == service => slots
                .iter()
                .find(|(slot, _)| *slot == to)
                .map(|(_, d)| d.clone()),
            _ => None,
        })
        .and_then(|name| cluster.deployments.get(&name));
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
    ask(model, cx, Action::SwitchSlot, write, prompt, caution);
}

/// Enter in the number input: a valid number opens the confirmation, anything else says
/// what is wanted.
pub(crate) fn number_entered(model: &mut Model, cx: &mut Cx, text: &str) {
    let Some(purpose) = model.number.clone() else {
        return;
    };
    match purpose {
        NumberPurpose::Scale(target) => match text.parse::<i32>() {
            Ok(n) if (0..=MAX_REPLICAS).contains(&n) => {
                let prompt = format!(
                    "Scale {} {} from {} to {n} replicas?",
                    target.kind.as_str(),
                    target.name,
                    target.current
                );
                let caution = (n == 0).then(|| "Scaling to 0 stops every pod.".to_string());
                let write = ClusterWrite::Scale {
                    kind: target.kind,
                    name: target.name.clone(),
                    replicas: n,
                };
                model.number = None;
                ask(model, cx, Action::Scale, write, prompt, caution);
            }
            _ => cx.dialog(DialogRequest::InputError(format!(
                "enter a whole number from 0 to {MAX_REPLICAS}"
            ))),
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
                    to_revision: (n != previous).then_some(n),
                };
                model.number = None;
                ask(model, cx, Action::Undo, write, prompt, None);
            }
            _ => {
                let list: Vec<String> = revisions.iter().map(|r| r.to_string()).collect();
                cx.dialog(DialogRequest::InputError(format!(
                    "choose one of the revisions: {}",
                    list.join(", ")
                )));
            }
        },
    }
}
