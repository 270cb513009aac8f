//! The Logs pane's actions: none of them changes the cluster.

use crate::panes::ActionSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Follow,
    Previous,
    Tail,
    Wrap,
    Search,
    NextMatch,
    PrevMatch,
    OnePod,
    Selector,
    Clear,
}

impl ActionSpec for Action {
    const ALL: &'static [Action] = &[
        Action::Follow,
        Action::Previous,
        Action::Tail,
        Action::Wrap,
        Action::Search,
        Action::NextMatch,
        Action::PrevMatch,
        Action::OnePod,
        Action::Selector,
        Action::Clear,
    ];
    const HINTS: &'static [Action] = &[
        Action::Follow,
        Action::Previous,
        Action::Search,
        Action::Wrap,
        Action::OnePod,
    ];

    fn name(&self) -> &'static str {
        match self {
            Action::Follow => "logs-follow",
            Action::Previous => "logs-previous",
            Action::Tail => "logs-tail",
            Action::Wrap => "logs-wrap",
            Action::Search => "logs-search",
            Action::NextMatch => "logs-next-match",
            Action::PrevMatch => "logs-prev-match",
            Action::OnePod => "logs-one-pod",
            Action::Selector => "logs-selector",
            Action::Clear => "logs-clear",
        }
    }

    fn description(&self) -> &'static str {
        match self {
            Action::Follow => "follow new lines / stop following",
            Action::Previous => "the previous (terminated) container's logs / the current",
            Action::Tail => "how many lines to start from: 500, 5000, all",
            Action::Wrap => "wrap long lines / cut them",
            Action::Search => "search the logs (highlighted)",
            Action::NextMatch => "the next match, older",
            Action::PrevMatch => "the previous match, newer",
            Action::OnePod => "one pod at a time / all of them",
            Action::Selector => "logs of the pods a label selector matches",
            Action::Clear => "clear the view",
        }
    }

    /// Exhaustive on purpose: a new action must declare itself.
    fn is_mutating(&self) -> bool {
        match self {
            Action::Follow
            | Action::Previous
            | Action::Tail
            | Action::Wrap
            | Action::Search
            | Action::NextMatch
            | Action::PrevMatch
            | Action::OnePod
            | Action::Selector
            | Action::Clear => false,
        }
    }
}
