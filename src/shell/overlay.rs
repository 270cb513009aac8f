//! What is drawn over the screen: help, the command palette, a pane's text input and
//! the confirmation dialog before a cluster change.

use ratatui_textarea::TextArea;

use crate::action::{Action, ShellAction};
use crate::cluster::scope::Scope;
use crate::panes::{Change, PaneId};

/// A cluster change waiting for the user's yes; the answer goes back to `owner`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingWrite {
    pub owner: PaneId,
    pub change: Change,
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
    /// The namespace picker: "all" and the live namespaces, filtered by what is typed.
    Namespaces {
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
    /// A list a pane asked to pick from (a pod for `[POD_NAME]`); Enter hands the choice
    /// (or, with no match, what was typed) to `owner`.
    Pick {
        owner: PaneId,
        title: String,
        choices: Vec<String>,
        query: String,
        selected: usize,
    },
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
    // the name typed exactly, then names starting with it, then any other substring
    let mut substring: Vec<Action> = palette_actions()
        .filter(|a| a.name().contains(&q) || a.description().to_lowercase().contains(&q))
        .collect();
    substring.sort_by_key(|a| (a.name() != q, !a.name().starts_with(&q)));
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

/// The choices of a pick list containing `query` (any case), in their order.
pub fn pick_matches<'a>(query: &str, choices: &'a [String]) -> Vec<&'a String> {
    let q = query.trim().to_lowercase();
    choices
        .iter()
        .filter(|c| c.to_lowercase().contains(&q))
        .collect()
}

/// What the namespace picker offers for `query`: "all" first, then the live namespaces
/// containing it; when none does, the typed name itself (namespaces may not be listable).
pub fn namespace_choices(query: &str, live: impl Iterator<Item = String>) -> Vec<Scope> {
    let q = query.trim();
    let mut out: Vec<Scope> = Vec::new();
    if "all".contains(q) || q == "-A" {
        out.push(Scope::All);
    }
    out.extend(live.filter(|n| n.contains(q)).map(Scope::Namespace));
    if !q.is_empty() && !out.iter().any(|s| matches!(s, Scope::Namespace(_))) {
        if let Ok(typed @ Scope::Namespace(_)) = Scope::parse(q) {
            out.push(typed);
        }
    }
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
        // "ns" is in "quit the console" too: the action named so comes first
        assert_eq!(
            palette_matches("ns")[0],
            Action::Shell(ShellAction::Namespaces)
        );
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

#[cfg(test)]
mod namespace_tests {
    use super::*;

    fn live() -> impl Iterator<Item = String> {
        ["default", "kubechat-system", "scale-000"]
            .into_iter()
            .map(String::from)
    }

    #[test]
    fn all_first_then_live_namespaces_then_a_typed_name() {
        let labels = |q: &str| -> Vec<String> {
            namespace_choices(q, live())
                .iter()
                .map(|s| s.label().to_string())
                .collect()
        };
        assert_eq!(
            labels(""),
            vec!["all namespaces", "default", "kubechat-system", "scale-000"]
        );
        assert_eq!(labels("scale"), vec!["scale-000"]);
        assert_eq!(
            labels("a"),
            vec!["all namespaces", "default", "kubechat-system", "scale-000"]
        );
        assert_eq!(labels("other-ns"), vec!["other-ns"]);
        assert_eq!(labels("Not Valid"), Vec::<String>::new());
    }
}
