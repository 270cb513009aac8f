//! What is drawn over the screen: help, the command palette, a pane's text input and
//! the confirmation dialog before a cluster change.

use ratatui_textarea::TextArea;

use crate::action::{Action, ShellAction};
use crate::effect::ClusterWrite;
use crate::panes::PaneId;

/// A cluster change waiting for the user's yes; the answer goes back to `owner`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingWrite {
    pub owner: PaneId,
    pub write: ClusterWrite,
    /// "Scale deployment kubechat-api-gateway-blue from 3 to 5 replicas?"
    pub prompt: String,
    /// Said under the prompt when something looks risky.
    pub caution: Option<String>,
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
    /// A line a pane asked for (replicas, a revision, a search); Enter hands it to `owner`.
    Input {
        owner: PaneId,
        title: String,
        question: String,
        hint: String,
        input: Box<TextArea<'static>>,
        error: Option<String>,
    },
    Confirm(PendingWrite),
    /// Several lines a pane asked to be edited (a communication); Ctrl-S hands them to
    /// `owner`.
    Editor {
        owner: PaneId,
        title: String,
        hint: String,
        editor: Box<TextArea<'static>>,
    },
}

impl Overlay {
    pub fn is_none(&self) -> bool {
        matches!(self, Overlay::None)
    }
}

/// Actions the palette offers (all but the dialog-only ones).
pub fn palette_actions() -> impl Iterator<Item = Action> {
    Action::all().into_iter().filter(|a| {
        !matches!(
            a,
            Action::Shell(ShellAction::Palette | ShellAction::Confirm | ShellAction::Cancel)
        )
    })
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
    use crate::panes::rollouts::Action as Rollouts;
    use crate::panes::PaneAction;

    #[test]
    fn palette_filters_by_substring_then_subsequence() {
        let pane = |a| Action::Pane(PaneAction::Rollouts(a));
        assert_eq!(
            palette_matches("promote"),
            vec![pane(Rollouts::Promote), pane(Rollouts::PromoteFull)]
        );
        assert_eq!(palette_matches("swsl"), vec![pane(Rollouts::SwitchSlot)]);
        assert!(palette_matches("").contains(&Action::Shell(ShellAction::Quit)));
        assert!(!palette_matches("").contains(&Action::Shell(ShellAction::Confirm)));
        assert_eq!(palette_matches("zzzz"), Vec::<Action>::new());
        assert!(
            palette_matches("screen").contains(&Action::Shell(ShellAction::ShowScreen(
                crate::screens::Screen::Overview
            )))
        );
    }
}
