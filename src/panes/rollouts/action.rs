//! The Rollouts pane's actions: all but `Logs` change the cluster (after a confirmation).

use crate::effect::{
    Permission, PATCH_DEPLOYMENTS, PATCH_ROLLOUTS, PATCH_ROLLOUT_STATUS, PATCH_SERVICES,
    SCALE_DEPLOYMENTS, SCALE_ROLLOUTS,
};
use crate::panes::ActionSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
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
    Logs,
}

impl ActionSpec for Action {
    const ALL: &'static [Action] = &[
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
        Action::Logs,
    ];
    const HINTS: &'static [Action] = &[
        Action::Scale,
        Action::Restart,
        Action::SwitchSlot,
        Action::Promote,
        Action::Logs,
    ];

    fn name(&self) -> &'static str {
        match self {
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
            Action::Logs => "logs",
        }
    }

    fn description(&self) -> &'static str {
        match self {
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
            Action::Logs => "read the selected workload's logs (the Logs pane)",
        }
    }

    /// Exhaustive on purpose: a new action must declare itself.
    fn is_mutating(&self) -> bool {
        match self {
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
            Action::Logs => false,
        }
    }

    fn needs(&self) -> &'static [Permission] {
        match self {
            Action::Scale => &[SCALE_DEPLOYMENTS, SCALE_ROLLOUTS],
            Action::Restart => &[PATCH_DEPLOYMENTS, PATCH_ROLLOUTS],
            Action::Undo | Action::PauseResume => &[PATCH_DEPLOYMENTS],
            Action::SwitchSlot | Action::GuidedSwitch => &[PATCH_SERVICES],
            Action::Promote | Action::PromoteFull | Action::Abort | Action::Retry => {
                &[PATCH_ROLLOUT_STATUS]
            }
            Action::Logs => &[],
        }
    }
}
