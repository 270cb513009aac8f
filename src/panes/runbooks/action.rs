//! The Runbooks pane's actions. Running a step may write to the cluster, but the key
//! itself only asks: a mutating step becomes an `Effect` the guard judges (read-only
//! refuses it), a native action a confirmed write. So no action is mutating as such.

use crate::panes::ActionSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Open the runbook (or the saved run) under the cursor; in a run, run the step.
    Run,
    RunSection,
    Back,
    Cancel,
    Skip,
    Done,
    Note,
    Output,
    Search,
    NextMatch,
    Copy,
}

impl ActionSpec for Action {
    const ALL: &'static [Action] = &[
        Action::Run,
        Action::RunSection,
        Action::Back,
        Action::Cancel,
        Action::Skip,
        Action::Done,
        Action::Note,
        Action::Output,
        Action::Search,
        Action::NextMatch,
        Action::Copy,
    ];
    const HINTS: &'static [Action] = &[
        Action::Run,
        Action::RunSection,
        Action::Output,
        Action::Skip,
        Action::Done,
        Action::Note,
    ];

    fn name(&self) -> &'static str {
        match self {
            Action::Run => "runbooks-run",
            Action::RunSection => "runbooks-run-section",
            Action::Back => "runbooks-back",
            Action::Cancel => "runbooks-cancel",
            Action::Skip => "runbooks-skip",
            Action::Done => "runbooks-done",
            Action::Note => "runbooks-note",
            Action::Output => "runbooks-output",
            Action::Search => "runbooks-search",
            Action::NextMatch => "runbooks-next-match",
            Action::Copy => "runbooks-copy",
        }
    }

    fn description(&self) -> &'static str {
        match self {
            Action::Run => "open the runbook / run the step (a manual one: tick it off)",
            Action::RunSection => "run the section's read-only steps in order",
            Action::Back => "cancel the running step / close the output / back to the list",
            Action::Cancel => {
                "cancel the running step (its whole process group); none running: the key's global meaning"
            }
            Action::Skip => "skip the step",
            Action::Done => "mark the step done",
            Action::Note => "a note on the step",
            Action::Output => "the step's output, full size (scroll, search)",
            Action::Search => "search runbooks by name / search the output",
            Action::NextMatch => "the next match in the output",
            Action::Copy => "copy the step's resolved command",
        }
    }

    /// Exhaustive on purpose: a new action must declare itself. Steps that write are
    /// judged as effects by the guard (`Effect::RunStep`, `Effect::Write`).
    fn is_mutating(&self) -> bool {
        match self {
            Action::Run
            | Action::RunSection
            | Action::Back
            | Action::Cancel
            | Action::Skip
            | Action::Done
            | Action::Note
            | Action::Output
            | Action::Search
            | Action::NextMatch
            | Action::Copy => false,
        }
    }
}
