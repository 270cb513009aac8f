//! The Incidents pane's actions. None changes the cluster: they append to the incident's
//! local journal, which read-only consoles keep too.

use crate::panes::ActionSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Declare,
    NextStatus,
    Severity,
    Note,
    Role,
    ImpactStart,
    Communicate,
    Check,
    Pin,
    Filter,
}

impl ActionSpec for Action {
    const ALL: &'static [Action] = &[
        Action::Declare,
        Action::NextStatus,
        Action::Severity,
        Action::Note,
        Action::Role,
        Action::ImpactStart,
        Action::Communicate,
        Action::Check,
        Action::Pin,
        Action::Filter,
    ];

    fn name(&self) -> &'static str {
        match self {
            Action::Declare => "incident-declare",
            Action::NextStatus => "incident-status",
            Action::Severity => "incident-severity",
            Action::Note => "incident-note",
            Action::Role => "incident-role",
            Action::ImpactStart => "incident-impact-start",
            Action::Communicate => "incident-communicate",
            Action::Check => "incident-check",
            Action::Pin => "incident-pin",
            Action::Filter => "incident-filter",
        }
    }

    fn description(&self) -> &'static str {
        match self {
            Action::Declare => "declare an incident (title, then severity)",
            Action::NextStatus => "move the incident to its next status",
            Action::Severity => "change the incident's severity",
            Action::Note => "add a note to the incident",
            Action::Role => "assign a role (commander, tech-lead, comms, …)",
            Action::ImpactStart => "say when the impact started",
            Action::Communicate => "fill the declaration / status update and send it",
            Action::Check => "tick the next step of the initial response",
            Action::Pin => "pin a line to the top of the incident",
            Action::Filter => "show all entries, people's, the timeline's, or alerts and actions",
        }
    }

    /// Exhaustive on purpose: a new action must declare itself. The journal is local.
    fn is_mutating(&self) -> bool {
        match self {
            Action::Declare
            | Action::NextStatus
            | Action::Severity
            | Action::Note
            | Action::Role
            | Action::ImpactStart
            | Action::Communicate
            | Action::Check
            | Action::Pin
            | Action::Filter => false,
        }
    }
}
