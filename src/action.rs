//! Everything a user can ask the console to do. Keys resolve to an `Action` first (through
//! the keymap), then `state::update` applies it; the read-only guard looks only at
//! [`Action::is_mutating`].

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    // global
    Quit,
    FocusNext,
    FocusPrev,
    FocusRollouts,
    FocusKpis,
    FocusTimeline,
    ToggleZoom,
    Help,
    Palette,
    CloseOverlay,
    // moving in a list
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    // rollouts: changes to the cluster
    Scale,
    Restart,
    Undo,
    PauseResume,
    SwitchSlot,
    GuidedSwitch,
    Promote,
    PromoteFull,
    Abort,
    Retry,
    // dialogs
    Confirm,
    Cancel,
}

impl Action {
    /// Every action, so tests (and the palette) can walk them all.
    pub const ALL: [Action; 28] = [
        Action::Quit,
        Action::FocusNext,
        Action::FocusPrev,
        Action::FocusRollouts,
        Action::FocusKpis,
        Action::FocusTimeline,
        Action::ToggleZoom,
        Action::Help,
        Action::Palette,
        Action::CloseOverlay,
        Action::Up,
        Action::Down,
        Action::Top,
        Action::Bottom,
        Action::PageUp,
        Action::PageDown,
        Action::Scale,
        Action::Restart,
        Action::Undo,
        Action::PauseResume,
        Action::SwitchSlot,
        Action::GuidedSwitch,
        Action::Promote,
        Action::PromoteFull,
        Action::Abort,
        Action::Retry,
        Action::Confirm,
        Action::Cancel,
    ];

    /// True when the action would change the cluster. Exhaustive on purpose: a new action
    /// must declare itself here.
    pub fn is_mutating(&self) -> bool {
        match self {
            Action::Quit
            | Action::FocusNext
            | Action::FocusPrev
            | Action::FocusRollouts
            | Action::FocusKpis
            | Action::FocusTimeline
            | Action::ToggleZoom
            | Action::Help
            | Action::Palette
            | Action::CloseOverlay
            | Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown
            | Action::Confirm
            | Action::Cancel => false,
            Action::Scale
            | Action::Restart
            | Action::Undo
            | Action::PauseResume
            | Action::SwitchSlot
            | Action::GuidedSwitch
            | Action::Promote
            | Action::PromoteFull
            | Action::Abort
            | Action::Retry => true,
        }
    }

    /// The name used in keymap files and the command palette.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::FocusNext => "focus-next",
            Action::FocusPrev => "focus-prev",
            Action::FocusRollouts => "focus-rollouts",
            Action::FocusKpis => "focus-kpis",
            Action::FocusTimeline => "focus-timeline",
            Action::ToggleZoom => "zoom",
            Action::Help => "help",
            Action::Palette => "palette",
            Action::CloseOverlay => "close",
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageUp => "page-up",
            Action::PageDown => "page-down",
            Action::Scale => "scale",
            Action::Restart => "restart",
            Action::Undo => "undo",
            Action::PauseResume => "pause-resume",
            Action::SwitchSlot => "switch-slot",
            Action::GuidedSwitch => "guided-switch",
            Action::Promote => "promote",
            Action::PromoteFull => "promote-full",
            Action::Abort => "abort",
            Action::Retry => "retry",
            Action::Confirm => "confirm",
            Action::Cancel => "cancel",
        }
    }

    /// One line for the help overlay and the palette.
    pub fn description(&self) -> &'static str {
        match self {
            Action::Quit => "quit the console",
            Action::FocusNext => "focus the next pane",
            Action::FocusPrev => "focus the previous pane",
            Action::FocusRollouts => "focus the Rollouts pane",
            Action::FocusKpis => "focus the KPIs pane",
            Action::FocusTimeline => "focus the Timeline pane",
            Action::ToggleZoom => "zoom the focused pane / back",
            Action::Help => "show the keys for this pane",
            Action::Palette => "find an action by name",
            Action::CloseOverlay => "close the overlay",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Top => "go to the first row",
            Action::Bottom => "go to the last row",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Scale => "scale the selected workload",
            Action::Restart => "restart (rollout restart)",
            Action::Undo => "roll back to the previous revision",
            Action::PauseResume => "pause / resume a Deployment rollout",
            Action::SwitchSlot => "switch blue/green Service to the other slot",
            Action::GuidedSwitch => {
                "guided blue/green switch: ready check, switch, watch errors, cleanup"
            }
            Action::Promote => "promote a canary to the next step",
            Action::PromoteFull => "promote a canary fully",
            Action::Abort => "abort a canary",
            Action::Retry => "retry an aborted canary",
            Action::Confirm => "confirm the dialog",
            Action::Cancel => "cancel the dialog",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }

    #[test]
    fn only_cluster_changes_are_mutating() {
        let mutating: Vec<_> = Action::ALL.iter().filter(|a| a.is_mutating()).collect();
        assert_eq!(mutating.len(), 10);
        assert!(Action::Scale.is_mutating());
        assert!(!Action::Confirm.is_mutating());
    }
}
