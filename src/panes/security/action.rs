//! The Security pane's actions: none of them changes the cluster (an audit only lists).

use crate::panes::ActionSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Open,
    Rerun,
    Scope,
}

impl ActionSpec for Action {
    const ALL: &'static [Action] = &[Action::Open, Action::Rerun, Action::Scope];
    const HINTS: &'static [Action] = &[Action::Open, Action::Rerun, Action::Scope];

    fn name(&self) -> &'static str {
        match self {
            Action::Open => "security-open",
            Action::Rerun => "security-rerun",
            Action::Scope => "security-scope",
        }
    }

    fn description(&self) -> &'static str {
        match self {
            Action::Open => "list a check's findings / fold them",
            Action::Rerun => "run the security audit again now",
            Action::Scope => "audit the console's namespace / every namespace",
        }
    }

    /// Exhaustive on purpose: a new action must declare itself.
    fn is_mutating(&self) -> bool {
        match self {
            Action::Open | Action::Rerun | Action::Scope => false,
        }
    }
}
