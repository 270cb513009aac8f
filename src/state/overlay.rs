//! What is drawn over the dashboard: help, the command palette, the scale input and the
//! confirmation dialog.

use ratatui_textarea::TextArea;

use crate::action::Action;
use crate::effect::{ClusterWrite, WorkloadKind};

/// A cluster change waiting for the user's yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingWrite {
    pub action: Action,
    pub write: ClusterWrite,
    /// "Scale deployment kubechat-api-gateway-blue from 3 to 5 replicas?"
    pub prompt: String,
    /// Said under the prompt when something looks risky.
    pub caution: Option<String>,
}

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

#[derive(Debug, Clone, Default)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: usize,
    },
    Palette {
        query: String,
        selected: usize,
    },
    NumberInput {
        purpose: NumberPurpose,
        input: Box<TextArea<'static>>,
        error: Option<String>,
    },
    Confirm(PendingWrite),
}

impl Overlay {
    pub fn is_none(&self) -> bool {
        matches!(self, Overlay::None)
    }
}

/// Actions the palette offers (all but the dialog-only ones).
pub fn palette_actions() -> impl Iterator<Item = Action> {
    Action::ALL
        .into_iter()
        .filter(|a| !matches!(a, Action::Palette | Action::Confirm | Action::Cancel))
}

/// Actions matching `query`: by substring of name or description, or by the query's
/// letters appearing in order in the name ("sws" finds switch-slot). Substring matches first.
pub fn palette_matches(query: &str) -> Vec<Action> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return palette_actions().collect();
    }
    let substring: Vec<Action> = palette_actions()
        .filter(|a| a.name().contains(&q) || a.description().to_lowercase().contains(&q))
        .collect();
    let subsequence = palette_actions().filter(|a| {
        !substring.contains(a) && {
            let mut name = a.name().chars();
            q.chars()
                .filter(|c| *c != ' ')
                .all(|c| name.any(|n| n == c))
        }
    });
    let mut out = substring.clone();
    out.extend(subsequence);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_filters_by_substring_then_subsequence() {
        assert_eq!(
            palette_matches("promote"),
            vec![Action::Promote, Action::PromoteFull]
        );
        assert_eq!(palette_matches("swsl"), vec![Action::SwitchSlot]);
        assert!(palette_matches("").contains(&Action::Quit));
        assert!(!palette_matches("").contains(&Action::Confirm));
        assert_eq!(palette_matches("zzzz"), Vec::<Action>::new());
    }
}
