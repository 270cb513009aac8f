//! Applying an `Action`. The read-only guard is the first line of [`apply_action`]; cluster
//! changes only ever leave as an `Effect::Write` after the confirmation dialog's yes.

use super::overlay::Overlay;
use super::timeline::EntryKind;
use super::write_dialogs::begin_write;
use super::{Pane, State};
use crate::action::Action;
use crate::effect::{ClusterWrite, Effect, WorkloadKind};

/// Rows moved by PgUp/PgDn.
const PAGE: usize = 10;

pub fn apply_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.read_only && action.is_mutating() {
        let text = format!("read-only mode: {} refused", action.name());
        state.toast(true, text.clone());
        state.note(EntryKind::Refused, true, text);
        return Vec::new();
    }
    state.dirty = true;
    match action {
        Action::Quit => state.should_quit = true,
        Action::FocusNext | Action::FocusPrev => {
            let i = state.focus.number() - 1;
            let n = Pane::ALL.len();
            let next = if action == Action::FocusNext {
                i + 1
            } else {
                i + n - 1
            };
            state.focus = Pane::ALL[next % n];
        }
        Action::FocusRollouts => state.focus = Pane::Rollouts,
        Action::FocusKpis => state.focus = Pane::Kpis,
        Action::FocusTimeline => state.focus = Pane::Timeline,
        Action::ToggleZoom => state.zoomed = !state.zoomed,
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        Action::Palette => {
            state.overlay = Overlay::Palette {
                query: String::new(),
                selected: 0,
            }
        }
        Action::CloseOverlay => {
            if state.overlay.is_none() {
                state.zoomed = false;
            }
            state.overlay = Overlay::None;
        }
        Action::Up => move_cursor(state, |c, _| c.saturating_sub(1)),
        Action::Down => move_cursor(state, |c, _| c + 1),
        Action::Top => move_cursor(state, |_, _| 0),
        Action::Bottom => move_cursor(state, |_, n| n.saturating_sub(1)),
        Action::PageUp => move_cursor(state, |c, _| c.saturating_sub(PAGE)),
        Action::PageDown => move_cursor(state, |c, _| c + PAGE),
        Action::Confirm => return confirm(state),
        Action::Cancel => {
            if let Overlay::Confirm(p) = std::mem::take(&mut state.overlay) {
                state.toast(false, format!("cancelled: {}", describe_write(&p.write)));
            }
        }
        Action::Scale
        | Action::Restart
        | Action::Undo
        | Action::PauseResume
        | Action::SwitchSlot
        | Action::Promote
        | Action::PromoteFull
        | Action::Abort
        | Action::Retry => begin_write(state, action),
        Action::GuidedSwitch => super::guided_switch::begin(state),
    }
    Vec::new()
}

fn move_cursor(state: &mut State, f: impl Fn(usize, usize) -> usize) {
    match state.focus {
        Pane::Rollouts => {
            let n = state.rows.len();
            state.rollout_cursor = f(state.rollout_cursor, n).min(n.saturating_sub(1));
        }
        Pane::Kpis => {
            let n = state.kpis.len();
            state.kpi_cursor = f(state.kpi_cursor, n).min(n.saturating_sub(1));
        }
        Pane::Timeline => {
            let n = state.timeline.len();
            state.timeline_scroll = f(state.timeline_scroll, n).min(n.saturating_sub(1));
        }
    }
}

/// The yes of the confirmation dialog: the one place a write effect is made.
fn confirm(state: &mut State) -> Vec<Effect> {
    let Overlay::Confirm(pending) = std::mem::take(&mut state.overlay) else {
        return Vec::new();
    };
    if state.read_only {
        // unreachable through the keys (the guard refuses first); kept as a second lock
        state.toast(true, "read-only mode: write refused");
        return Vec::new();
    }
    if pending.action == Action::GuidedSwitch {
        return super::guided_switch::confirmed(state, pending.write);
    }
    let what = describe_write(&pending.write);
    state.note(EntryKind::Action, false, format!("{what}: requested"));
    state.toast(false, format!("{what}: requested"));
    vec![
        Effect::Log(format!("action confirmed: {what}")),
        Effect::Write(pending.write),
    ]
}

/// One line naming a write, for the timeline and the log.
pub fn describe_write(w: &ClusterWrite) -> String {
    let kind = |k: &WorkloadKind| match k {
        WorkloadKind::Deployment => "deployment",
        WorkloadKind::Rollout => "rollout",
    };
    match w {
        ClusterWrite::Scale {
            kind: k,
            name,
            replicas,
        } => format!("scale {} {name} to {replicas}", kind(k)),
        ClusterWrite::Restart { kind: k, name } => format!("restart {} {name}", kind(k)),
        ClusterWrite::Undo { name, to_revision } => match to_revision {
            Some(r) => format!("undo deployment {name} to revision {r}"),
            None => format!("undo deployment {name}"),
        },
        ClusterWrite::SetPaused { name, paused } => {
            format!(
                "{} deployment {name}",
                if *paused { "pause" } else { "resume" }
            )
        }
        ClusterWrite::SwitchSlot { service, slot } => format!("switch service {service} to {slot}"),
        ClusterWrite::Promote { name, full } => {
            format!(
                "promote{} rollout {name}",
                if *full { " --full" } else { "" }
            )
        }
        ClusterWrite::Abort { name } => format!("abort rollout {name}"),
        ClusterWrite::Retry { name } => format!("retry rollout {name}"),
        ClusterWrite::DeleteDeployment { name } => format!("delete deployment {name}"),
    }
}

#[cfg(test)]
#[path = "actions_tests.rs"]
mod tests;
