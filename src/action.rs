//! Everything a user can ask for: the shell's own actions (focus, screens, overlays, moving
//! in a list, dialogs) and each pane's typed actions. Keys resolve to an `Action` through
//! the keymap first, then the shell applies it or hands it to the pane that owns it.

use std::fmt;

use crate::panes::{Nav, PaneAction, PaneId};
use crate::screens::Screen;

/// The shell's actions: the same on every pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShellAction {
    Quit,
    FocusNext,
    FocusPrev,
    /// Focus a pane, showing a screen that holds it if the current one does not.
    Focus(PaneId),
    ShowScreen(Screen),
    NextScreen,
    PrevScreen,
    ToggleZoom,
    Help,
    Palette,
    /// Pick the namespace to watch (or all of them): `:ns`.
    Namespaces,
    CloseOverlay,
    Nav(Nav),
    Confirm,
    Cancel,
}

const NAVS: [(Nav, &str, &str); 6] = [
    (Nav::Up, "up", "move up"),
    (Nav::Down, "down", "move down"),
    (Nav::Top, "top", "go to the first row"),
    (Nav::Bottom, "bottom", "go to the last row"),
    (Nav::PageUp, "page-up", "page up"),
    (Nav::PageDown, "page-down", "page down"),
];

impl ShellAction {
    /// Every shell action, in help order.
    pub fn all() -> Vec<ShellAction> {
        let mut out = vec![
            ShellAction::Quit,
            ShellAction::FocusNext,
            ShellAction::FocusPrev,
        ];
        out.extend(PaneId::ALL.iter().map(|p| ShellAction::Focus(*p)));
        out.extend(Screen::all().into_iter().map(ShellAction::ShowScreen));
        out.extend([
            ShellAction::NextScreen,
            ShellAction::PrevScreen,
            ShellAction::ToggleZoom,
            ShellAction::Help,
            ShellAction::Palette,
            ShellAction::Namespaces,
            ShellAction::CloseOverlay,
        ]);
        out.extend(NAVS.iter().map(|(n, _, _)| ShellAction::Nav(*n)));
        out.extend([ShellAction::Confirm, ShellAction::Cancel]);
        out
    }

    /// Never changes the cluster. Exhaustive on purpose: a new shell action must say so.
    pub fn is_mutating(&self) -> bool {
        match self {
            ShellAction::Quit
            | ShellAction::FocusNext
            | ShellAction::FocusPrev
            | ShellAction::Focus(_)
            | ShellAction::ShowScreen(_)
            | ShellAction::NextScreen
            | ShellAction::PrevScreen
            | ShellAction::ToggleZoom
            | ShellAction::Help
            | ShellAction::Palette
            | ShellAction::Namespaces
            | ShellAction::CloseOverlay
            | ShellAction::Nav(_)
            | ShellAction::Confirm
            | ShellAction::Cancel => false,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            ShellAction::Quit => "quit",
            ShellAction::FocusNext => "focus-next",
            ShellAction::FocusPrev => "focus-prev",
            ShellAction::Focus(p) => p.focus_action_name(),
            ShellAction::ShowScreen(s) => s.action_name(),
            ShellAction::NextScreen => "next-screen",
            ShellAction::PrevScreen => "prev-screen",
            ShellAction::ToggleZoom => "zoom",
            ShellAction::Help => "help",
            ShellAction::Palette => "palette",
            ShellAction::Namespaces => "ns",
            ShellAction::CloseOverlay => "close",
            ShellAction::Nav(n) => nav_text(*n).0,
            ShellAction::Confirm => "confirm",
            ShellAction::Cancel => "cancel",
        }
    }

    pub fn description(&self) -> String {
        match self {
            ShellAction::Quit => "quit the console".into(),
            ShellAction::FocusNext => "focus the next pane".into(),
            ShellAction::FocusPrev => "focus the previous pane".into(),
            ShellAction::Focus(p) => format!("focus the {} pane", p.title()),
            ShellAction::ShowScreen(s) => format!("show the {} screen", s.title()),
            ShellAction::NextScreen => "show the next screen".into(),
            ShellAction::PrevScreen => "show the previous screen".into(),
            ShellAction::ToggleZoom => "zoom the focused pane / back".into(),
            ShellAction::Help => "show the keys for this pane".into(),
            ShellAction::Palette => "find an action by name".into(),
            ShellAction::Namespaces => "watch another namespace, or all (ns NAME, ns all)".into(),
            ShellAction::CloseOverlay => "close the overlay".into(),
            ShellAction::Nav(n) => nav_text(*n).1.into(),
            ShellAction::Confirm => "confirm the dialog".into(),
            ShellAction::Cancel => "cancel the dialog".into(),
        }
    }
}

fn nav_text(nav: Nav) -> (&'static str, &'static str) {
    NAVS.iter()
        .find(|(n, _, _)| *n == nav)
        .map(|(_, name, text)| (*name, *text))
        .unwrap_or(("", ""))
}

/// A shell action or a pane's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Shell(ShellAction),
    Pane(PaneAction),
}

impl Action {
    /// Every action, so tests (and the palette) can walk them all: the shell's, then each
    /// pane's in registry order.
    pub fn all() -> Vec<Action> {
        let mut out: Vec<Action> = ShellAction::all().into_iter().map(Action::Shell).collect();
        for p in PaneId::ALL {
            out.extend(PaneAction::all(*p).into_iter().map(Action::Pane));
        }
        out
    }

    /// True when the action would change the cluster.
    pub fn is_mutating(&self) -> bool {
        match self {
            Action::Shell(a) => a.is_mutating(),
            Action::Pane(a) => a.is_mutating(),
        }
    }

    /// The name used in keymap files and the command palette.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Shell(a) => a.name(),
            Action::Pane(a) => a.name(),
        }
    }

    pub fn description(&self) -> String {
        match self {
            Action::Shell(a) => a.description(),
            Action::Pane(a) => a.description().to_string(),
        }
    }

    /// Any pane's action named `name` (the global keys may name one: `D` declares an
    /// incident from every screen).
    pub fn any_pane(name: &str) -> Option<Action> {
        PaneId::ALL
            .iter()
            .find_map(|p| PaneAction::from_name(*p, name))
            .map(Action::Pane)
    }

    /// The action named `name` as seen from `pane` (its own first, then the shell's).
    pub fn from_name(pane: Option<PaneId>, name: &str) -> Option<Action> {
        pane.and_then(|p| PaneAction::from_name(p, name))
            .map(Action::Pane)
            .or_else(|| {
                ShellAction::all()
                    .into_iter()
                    .find(|a| a.name() == name)
                    .map(Action::Shell)
            })
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
    fn names_round_trip_and_are_unique_per_context() {
        for p in PaneId::ALL {
            let mut names = Vec::new();
            for a in Action::all() {
                if let Action::Pane(pa) = a {
                    if pa.pane() != *p {
                        continue;
                    }
                }
                assert_eq!(Action::from_name(Some(*p), a.name()), Some(a));
                names.push(a.name());
            }
            let n = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), n, "names in {p:?} repeat");
        }
    }

    #[test]
    fn no_shell_action_is_mutating() {
        assert!(ShellAction::all().iter().all(|a| !a.is_mutating()));
        assert!(Action::all().iter().any(|a| a.is_mutating()));
    }
}
