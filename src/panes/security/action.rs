//! The Security pane's actions: none of them changes the cluster (an audit only lists).

use crate::panes::ActionSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Open,
    Rerun,
}

impl ActionSpec for Action {
    const ALL: &'static [Action] = &[Action::Open, Action::Rerun];
    const HINTS: &'static [Action] = &[Action::Open, Action::Rerun];

    fn name(&self) -> &'static str {
        match self {
            Action::Open => "security-open",
            Action::Rerun => "security-rerun",
        }
    }

    fn description(&self) -> &'static str {
        match self {
            Action::Open => "list a check's findings / fold them",
            Action::Rerun => "run the security audit again now (of the console's namespaces)",
        }
    }

    /// Exhaustive on purpose: a new action must declare itself.
    fn is_mutating(&self) -> bool {
        match self {
            Action::Open | Action::Rerun => false,
        }
    }
}
