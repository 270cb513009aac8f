//! Applying an `Action`: the shell's own (focus, screens, overlays, dialogs) here; a pane's
//! goes to that pane, after the read-only check that refuses a mutating action before any
//! dialog opens. What a pane hands back (timeline entries, a toast, a dialog) is absorbed.

use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea};

use super::overlay::{Overlay, PendingWrite};
use super::State;
use crate::action::{Action, ShellAction};
use crate::cluster::scope::Scope;
use crate::cluster::ClusterData;
use crate::effect::Effect;
use crate::feed::EntryKind;
use crate::panes::cx::{DialogRequest, Goto, Outbox};
use crate::panes::{Change, PaneEvent, PaneId};
use crate::screens::Screen;

pub fn apply_action(state: &mut State, action: Action) -> Vec<Effect> {
    apply(state, action).0
}

/// A key's action; when its pane passes on it (nothing to do now), the key's global
/// binding applies instead (Ctrl-C cancels a running step, else quits).
pub fn apply_key_action(state: &mut State, action: Action, key: &KeyEvent) -> Vec<Effect> {
    let (mut effects, passed) = apply(state, action);
    if passed {
        if let Some(global) = state.keymap.resolve_global(key).filter(|g| *g != action) {
            effects.extend(apply_action(state, global));
        }
    }
    effects
}

/// The action's effects, and whether its pane passed on it.
fn apply(state: &mut State, action: Action) -> (Vec<Effect>, bool) {
    let before = state.focus;
    let out = apply_here(state, action);
    if state.focus != before {
        // leaving a pane: what was under its cursor is the selection (runbook values)
        state.selection = state.selection_in(before);
    }
    out
}

fn apply_here(state: &mut State, action: Action) -> (Vec<Effect>, bool) {
    state.dirty = true;
    match action {
        Action::Shell(a) => (apply_shell(state, a), false),
        Action::Pane(a) => {
            if state.read_only && a.is_mutating() {
                let text = format!("read-only mode: {} refused", a.name());
                state.toast(true, text.clone());
                state.note(EntryKind::Refused, true, text);
                return (Vec::new(), false);
            }
            if state.not_permitted(a) {
                let needs: Vec<String> = a.needs().iter().map(|p| p.to_string()).collect();
                let text = format!(
                    "not permitted (RBAC): {} needs {}",
                    a.name(),
                    needs.join(" or ")
                );
                state.toast(true, text.clone());
                state.note(EntryKind::Refused, true, text);
                return (Vec::new(), false);
            }
            let (mut cx, panes) = state.split();
            let mut effects = panes.on_action(&mut cx, a);
            let out = cx.out;
            let passed = out.passed;
            effects.extend(state.absorb(out, Some(a.pane())));
            (effects, passed)
        }
    }
}

fn apply_shell(state: &mut State, action: ShellAction) -> Vec<Effect> {
    match action {
        ShellAction::Quit => state.should_quit = true,
        ShellAction::FocusNext | ShellAction::FocusPrev => {
            let panes = state.screen.panes();
            let i = panes.iter().position(|p| *p == state.focus).unwrap_or(0);
            let n = panes.len().max(1);
            let next = if action == ShellAction::FocusNext {
                i + 1
            } else {
                i + n - 1
            };
            if let Some(p) = panes.get(next % n) {
                state.focus = *p;
            }
        }
        ShellAction::Focus(pane) => focus(state, pane),
        ShellAction::ShowScreen(screen) => show(state, screen),
        ShellAction::NextScreen => show(state, state.screen.step(true)),
        ShellAction::PrevScreen => show(state, state.screen.step(false)),
        ShellAction::ToggleZoom => state.zoomed = !state.zoomed,
        ShellAction::Help => state.overlay = Overlay::Help { scroll: 0 },
        ShellAction::Palette => {
            state.overlay = Overlay::Palette {
                query: String::new(),
                selected: 0,
            }
        }
        ShellAction::Namespaces => {
            state.overlay = Overlay::Namespaces {
                query: String::new(),
                selected: 0,
            }
        }
        ShellAction::CloseOverlay => {
            if state.overlay.is_none() {
                state.zoomed = false;
            }
            state.overlay = Overlay::None;
        }
        ShellAction::Nav(nav) => return to_pane(state, state.focus, PaneEvent::Nav(nav)),
        ShellAction::Confirm => {
            if let Overlay::Confirm(p) = std::mem::take(&mut state.overlay) {
                return to_pane(state, p.owner, PaneEvent::Confirmed(p.change));
            }
        }
        ShellAction::Cancel => {
            if let Overlay::Confirm(p) = std::mem::take(&mut state.overlay) {
                state.toast(false, format!("cancelled: {}", p.change));
                return to_pane(state, p.owner, PaneEvent::Cancelled(p.change));
            }
        }
    }
    Vec::new()
}

/// Watch `scope` from now on: the old scope's objects go (the new watches list the new
/// ones), the namespaces stay, and the executor restarts the watches.
pub fn switch_scope(state: &mut State, scope: Scope) -> Vec<Effect> {
    state.dirty = true;
    if scope == state.scope {
        state.toast(false, format!("already watching {}", scope.label()));
        return Vec::new();
    }
    let namespaces = std::mem::take(&mut state.cluster.namespaces);
    state.cluster = ClusterData {
        namespaces,
        ..ClusterData::default()
    };
    let text = format!(
        "now watching {} (was {})",
        scope.label(),
        state.scope.label()
    );
    state.scope = scope.clone();
    state.toast(false, text.clone());
    state.note(EntryKind::Action, false, text);
    vec![Effect::Watch(scope)]
}

/// Focus `pane`, showing the first screen that holds it if the current one does not.
fn focus(state: &mut State, pane: PaneId) {
    if !state.screen.shows(pane) {
        state.screen = Screen::all()
            .into_iter()
            .find(|s| s.shows(pane))
            .unwrap_or(Screen::Solo(pane));
        state.zoomed = false;
    }
    state.focus = pane;
}

fn show(state: &mut State, screen: Screen) {
    state.screen = screen;
    state.zoomed = false;
    if !screen.shows(state.focus) {
        if let Some(first) = screen.panes().first() {
            state.focus = *first;
        }
    }
}

pub(crate) fn to_pane(state: &mut State, pane: PaneId, event: PaneEvent) -> Vec<Effect> {
    let (mut cx, panes) = state.split();
    let mut effects = panes.on_event(pane, &mut cx, event);
    let out = cx.out;
    effects.extend(state.absorb(out, Some(pane)));
    effects
}

/// Enter in the text input: the owning pane checks what was typed and acts on it (opens the
/// confirmation, searches), or says what is wrong with it.
pub fn input_entered(state: &mut State) -> Vec<Effect> {
    let Overlay::Input { owner, input, .. } = &state.overlay else {
        return Vec::new();
    };
    let (owner, text) = (*owner, input.lines().join("").trim().to_string());
    to_pane(state, owner, PaneEvent::Entered(text))
}

/// Ctrl-S in the editor: the owning pane takes the text, lines kept, and it is copied to
/// the clipboard (to paste where the team talks).
pub fn editor_sent(state: &mut State) -> Vec<Effect> {
    let Some(text) = editor_text(state) else {
        return Vec::new();
    };
    let Overlay::Editor { owner, .. } = &state.overlay else {
        return Vec::new();
    };
    let mut effects = to_pane(state, *owner, PaneEvent::Entered(text.clone()));
    effects.push(Effect::Clipboard(text));
    effects
}

/// The editor's text, lines kept.
pub fn editor_text(state: &State) -> Option<String> {
    match &state.overlay {
        Overlay::Editor { editor, .. } => Some(editor.lines().join("\n")),
        _ => None,
    }
}

/// Esc in the text input.
pub fn close_input(state: &mut State) {
    state.overlay = Overlay::None;
    state.toast(false, "cancelled");
}

impl State {
    /// RBAC denies every write `action` could make (the self-check's answers).
    pub fn not_permitted(&self, action: crate::panes::PaneAction) -> bool {
        let needs = action.needs();
        !needs.is_empty() && needs.iter().all(|p| self.denied.contains(p))
    }

    /// [`State::not_permitted`] for any action (the shell's own never write).
    pub fn denies(&self, action: Action) -> bool {
        match action {
            Action::Pane(a) => self.not_permitted(a),
            Action::Shell(_) => false,
        }
    }

    /// Applies what a pane handed back: timeline entries, a toast, a move to another pane
    /// (whose effects are returned), a dialog (opened on behalf of `owner`; a dialog from a
    /// broadcast message has no owner and is dropped).
    pub(crate) fn absorb(&mut self, out: Outbox, owner: Option<PaneId>) -> Vec<Effect> {
        let mut effects = Vec::new();
        for entry in out.notes {
            self.timeline.push(entry);
        }
        if let Some((bad, text)) = out.toast {
            self.toast(bad, text);
        }
        for (key, alert) in out.alerts {
            match alert {
                Some(a) => self.kpis.console_alerts.insert(key, a),
                None => self.kpis.console_alerts.remove(&key),
            };
        }
        if let Some(goto) = out.goto {
            let pane = match &goto {
                Goto::Logs(_) => PaneId::Logs,
            };
            focus(self, pane);
            effects = to_pane(self, pane, PaneEvent::Open(goto));
        }
        if out.dirty {
            self.dirty = true;
        }
        let (Some(owner), Some(dialog)) = (owner, out.dialog) else {
            return effects;
        };
        match dialog {
            DialogRequest::Confirm {
                change: Change::Write(write),
                ..
            } if self.denied.contains(&write.needs()) => {
                // refused before the confirmation, not after the write fails
                let text = format!("not permitted (RBAC): {write} needs {}", write.needs());
                // the number input that led here closes; the pane forgets what it asked;
                // the toast then says why
                self.overlay = Overlay::None;
                effects.extend(to_pane(
                    self,
                    owner,
                    PaneEvent::Cancelled(Change::Write(write)),
                ));
                self.toast(true, text.clone());
                self.note(EntryKind::Refused, true, text);
            }
            DialogRequest::Confirm {
                change,
                prompt,
                caution,
            } => {
                self.overlay = Overlay::Confirm(PendingWrite {
                    owner,
                    change,
                    prompt,
                    caution,
                })
            }
            DialogRequest::Input {
                title,
                question,
                initial,
                hint,
            } => {
                let mut input = TextArea::new(vec![initial]);
                input.move_cursor(CursorMove::End);
                self.overlay = Overlay::Input {
                    owner,
                    title,
                    question,
                    hint,
                    input: Box::new(input),
                    error: None,
                };
            }
            DialogRequest::Editor { title, text, hint } => {
                let lines: Vec<String> = text.lines().map(str::to_string).collect();
                let mut editor = TextArea::new(lines);
                editor.move_cursor(CursorMove::Bottom);
                editor.move_cursor(CursorMove::End);
                self.overlay = Overlay::Editor {
                    owner,
                    title,
                    hint,
                    editor: Box::new(editor),
                };
            }
            DialogRequest::Pick { title, choices } => {
                self.overlay = Overlay::Pick {
                    owner,
                    title,
                    choices,
                    query: String::new(),
                    selected: 0,
                };
            }
            DialogRequest::InputError(e) => {
                if let Overlay::Input { error, .. } = &mut self.overlay {
                    *error = Some(e);
                }
            }
            DialogRequest::Close => {
                if matches!(
                    self.overlay,
                    Overlay::Input { .. } | Overlay::Editor { .. } | Overlay::Pick { .. }
                ) {
                    self.overlay = Overlay::None;
                }
            }
        }
        self.dirty = true;
        effects
    }
}
