//! `update`: every `Msg` goes through here. The shell takes in what is shared (the clock,
//! watch changes, KPI samples, write results), hands every pane its part, and passes the
//! effects through the one guard on their way out. Keys resolve through the keymap to an
//! `Action` first; the shell applies its own and hands pane actions to their pane.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jiff::Timestamp;

use super::actions::{
    apply_action, apply_key_action, close_input, editor_sent, input_entered, switch_scope, to_pane,
};
use super::guard::{guard, refusal};
use super::overlay::{namespace_choices, palette_matches, pick_matches, Overlay};
use super::sources::SourceTransition;
use super::{State, TOAST_SECS};
use crate::action::{Action, ShellAction};
use crate::cluster::scope::Scope;
use crate::cluster::Touched;
use crate::effect::{Effect, Permission, WriteOutcome};
use crate::feed::{EntryKind, TimelineEntry};
use crate::kpi::{AlertState, KpiMsg, KpiState, KpiTransition};
use crate::msg::{KubeMsg, Msg};

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let effects = route(state, msg);
    let (allowed, refused) = guard(state.read_only, effects);
    for effect in &refused {
        let text = refusal(effect);
        state.toast(true, text.clone());
        state.note(EntryKind::Refused, true, text);
    }
    allowed
}

fn route(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
            Vec::new()
        }
        Msg::Kube(m) => {
            if let Some(touched) = on_kube(state, m) {
                let (mut cx, panes) = state.split();
                let mut effects = panes.on_cluster_changed(&mut cx, &touched);
                let out = cx.out;
                effects.extend(state.absorb(out, None));
                effects
            } else {
                Vec::new()
            }
        }
        Msg::Permissions(answers) => {
            on_permissions(state, answers);
            Vec::new()
        }
        msg => {
            let mut effects = Vec::new();
            match &msg {
                // the RBAC self-check, once, at the first tick
                Msg::Tick(now) if state.now.is_none() => {
                    effects.push(Effect::CheckPermissions);
                    on_tick(state, *now)
                }
                Msg::Tick(now) => on_tick(state, *now),
                Msg::Kpi(m) => on_kpi(state, m.clone()),
                Msg::Done(outcome) => on_done(state, outcome),
                Msg::Key(_)
                | Msg::Resize(..)
                | Msg::Kube(_)
                | Msg::Log(_)
                | Msg::Incident(_)
                | Msg::Audit(_)
                | Msg::Permissions(_) => {}
                Msg::Snapshot(_) => {}
                Msg::Runbook(_) => {}
            }
            let (mut cx, panes) = state.split();
            effects.extend(panes.on_msg(&mut cx, &msg));
            let out = cx.out;
            effects.extend(state.absorb(out, None));
            effects
        }
    }
}

/// The RBAC self-check's answers: what is not permitted is refused before its dialog, and
/// said once on the timeline.
fn on_permissions(state: &mut State, answers: Vec<(Permission, Result<bool, String>)>) {
    state.denied = answers
        .iter()
        .filter(|(_, a)| *a == Ok(false))
        .map(|(p, _)| *p)
        .collect();
    let failed: Vec<String> = answers
        .iter()
        .filter_map(|(p, a)| a.as_ref().err().map(|e| format!("{p}: {e}")))
        .collect();
    if !state.denied.is_empty() {
        let list: Vec<String> = state.denied.iter().map(|p| p.to_string()).collect();
        state.note(
            EntryKind::Source,
            true,
            format!("not permitted (RBAC): {}", list.join(", ")),
        );
    }
    if let Some(first) = failed.first() {
        state.note(
            EntryKind::Source,
            true,
            format!("the RBAC self-check could not ask ({first}): writes are not checked before"),
        );
    }
    state.dirty = true;
}

fn on_tick(state: &mut State, now: Timestamp) {
    let first = state.now.is_none();
    state.now = Some(now);
    state.kube.tick(now);
    state.prom.tick(now);
    if first {
        if let Some(t) = state.toast.as_mut() {
            t.at = Some(now);
        }
        for w in std::mem::take(&mut state.pending_warnings) {
            state.note(EntryKind::Source, true, w);
        }
    }
    let expired = state
        .toast
        .as_ref()
        .and_then(|t| t.at)
        .is_some_and(|at| now.as_second() - at.as_second() >= TOAST_SECS);
    if expired {
        state.toast = None;
    }
    let transitions = state.kpis.tick(now);
    note_kpis(state, transitions);
    // ages in the status bar and countdowns change every second
    state.dirty = true;
}

fn on_kpi(state: &mut State, m: KpiMsg) {
    let now = state.now_or_epoch();
    prometheus_health(state, &m);
    let firing_before = firing(&state.kpis);
    let transitions = state.kpis.apply(m, now);
    note_kpis(state, transitions);
    note_alerts(state, &firing_before);
    state.dirty = true;
}

/// What a poller message says about Prometheus itself: any answer (even "no data") means
/// it is reachable. The alerts query runs every poll whatever the KPIs, so its failure is
/// the source's failure; one KPI's failed query is that KPI's problem (the KPI pane shows
/// it) and would otherwise make the source flap.
fn prometheus_health(state: &mut State, m: &KpiMsg) {
    let transition = match m {
        KpiMsg::Sample { .. } | KpiMsg::Alerts { .. } | KpiMsg::Backfill { .. } => {
            state.prom.ok(state.now)
        }
        KpiMsg::AlertsFailed { error, .. } => {
            let now = state.now_or_epoch();
            state.prom.failed(error.clone(), now)
        }
        KpiMsg::Failed { .. } => None,
    };
    note_source(state, "prometheus", transition);
}

/// The names of the alerts Prometheus has firing (pending ones are not news yet).
fn firing(board: &crate::kpi::KpiBoard) -> Vec<String> {
    board
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .map(|a| a.name.clone())
        .collect()
}

/// Prometheus alerts that started or stopped firing go on the timeline, naming the
/// runbook (the alert's name) to follow.
fn note_alerts(state: &mut State, before: &[String]) {
    let now_firing: Vec<(String, Option<String>)> = state
        .kpis
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .map(|a| (a.name.clone(), a.summary.clone()))
        .collect();
    for (name, summary) in &now_firing {
        if !before.contains(name) {
            let why = summary
                .as_deref()
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            state.note(
                EntryKind::Kpi,
                true,
                format!("alert {name} firing{why} · runbook {name}"),
            );
        }
    }
    for name in before {
        if !now_firing.iter().any(|(n, _)| n == name) {
            state.note(EntryKind::Kpi, false, format!("alert {name} resolved"));
        }
    }
}

/// KPIs crossing into alert or recovering from it go on the timeline (the other state
/// changes show in the KPI pane).
fn note_kpis(state: &mut State, transitions: Vec<KpiTransition>) {
    for t in transitions {
        if !t.is_alert_crossing() {
            continue;
        }
        let text = if t.to == KpiState::Alert {
            format!("{} in alert: {}", t.title, t.value)
        } else {
            format!("{} recovered ({:?}): {}", t.title, t.to, t.value)
        };
        state.timeline.push(TimelineEntry {
            at: t.at,
            kind: EntryKind::Kpi,
            bad: t.to == KpiState::Alert,
            text,
        });
        state.dirty = true;
    }
}

/// Puts a source's loss or recovery on the timeline. A flapping source (lost again soon
/// after each recovery) keeps one entry whose count goes up, not a pair of entries a flap.
pub(crate) fn note_source(state: &mut State, source: &str, t: Option<SourceTransition>) {
    let health = match source {
        "prometheus" => &state.prom,
        _ => &state.kube,
    };
    let (flapping, flaps) = (health.flapping(), health.flaps);
    match t {
        Some(SourceTransition::Lost(e)) => {
            let prefix = format!("{source} disconnected");
            let text = format!("{prefix}: {e}");
            let counted = format!("{text} (lost {flaps}× within a minute of coming back)");
            if !(flapping
                && state
                    .timeline
                    .rewrite_newest(EntryKind::Source, &prefix, counted))
            {
                state.note(EntryKind::Source, true, text);
            }
            state.dirty = true;
        }
        Some(SourceTransition::Recovered) if !flapping => {
            state.note(EntryKind::Source, false, format!("{source} reconnected"))
        }
        Some(SourceTransition::Recovered) | None => {}
    }
}

/// Takes a watch change into the shared data; what it touched, for the panes. The frame
/// is asked for by the panes that show it (or here, for the timeline's new entries).
fn on_kube(state: &mut State, m: KubeMsg) -> Option<Touched> {
    if let KubeMsg::SourceError { kind, error, at } = m {
        let t = match error {
            Some(e) => {
                let now = state.now_or_epoch();
                state.kube.failed(format!("{kind}: {e}"), now)
            }
            None => state.kube.ok(Some(at)),
        };
        note_source(state, "kubernetes", t);
        state.dirty = true;
        return None;
    }
    let (touched, notes) = state.cluster.update(m, state.now_or_epoch());
    if !notes.is_empty() {
        state.dirty = true;
    }
    for entry in notes {
        state.timeline.push(entry);
    }
    let t = state.kube.ok(state.now);
    note_source(state, "kubernetes", t);
    touched
}

/// A write's result on the timeline and as a toast; the pane that asked hears it too.
fn on_done(state: &mut State, outcome: &WriteOutcome) {
    let what = outcome.write.to_string();
    match &outcome.result {
        Ok(summary) => {
            state.note(
                EntryKind::Result,
                false,
                format!("{what}: done — {summary}"),
            );
            state.toast(false, format!("{what}: done"));
        }
        Err(e) => {
            state.note(EntryKind::Result, true, format!("{what}: FAILED — {e}"));
            state.toast(true, format!("{what} failed: {e}"));
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    state.dirty = true;
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    let action = state.keymap.resolve(state.key_context(), &key);
    match &mut state.overlay {
        Overlay::None => match action {
            Some(action) => apply_key_action(state, action, &key),
            None => Vec::new(),
        },
        Overlay::Help { scroll } => {
            match action {
                _ if ctrl_c => state.should_quit = true,
                // q closes the overlay rather than the console
                Some(Action::Shell(
                    ShellAction::Help | ShellAction::CloseOverlay | ShellAction::Quit,
                )) => state.overlay = Overlay::None,
                Some(Action::Shell(ShellAction::Nav(crate::panes::Nav::Down))) => *scroll += 1,
                Some(Action::Shell(ShellAction::Nav(crate::panes::Nav::Up))) => {
                    *scroll = scroll.saturating_sub(1)
                }
                _ => {}
            }
            Vec::new()
        }
        Overlay::Palette { query, selected } => {
            match key.code {
                _ if ctrl_c => state.should_quit = true,
                KeyCode::Esc => state.overlay = Overlay::None,
                KeyCode::Up => *selected = selected.saturating_sub(1),
                KeyCode::Down => *selected += 1,
                KeyCode::Backspace => {
                    query.pop();
                    *selected = 0;
                }
                KeyCode::Char(c) => {
                    query.push(c);
                    *selected = 0;
                }
                KeyCode::Enter if query.trim_start().starts_with("ns ") => {
                    // `:ns NAME` / `:ns all`, as k9s users type it
                    let arg = query.trim_start()["ns ".len()..].to_string();
                    state.overlay = Overlay::None;
                    return match Scope::parse(&arg) {
                        Ok(scope) => switch_scope(state, scope),
                        Err(e) => {
                            state.toast(true, e);
                            Vec::new()
                        }
                    };
                }
                KeyCode::Enter => {
                    let matches = palette_matches(query);
                    let chosen = matches.get((*selected).min(matches.len().saturating_sub(1)));
                    let chosen = chosen.copied();
                    state.overlay = Overlay::None;
                    if let Some(action) = chosen {
                        return apply_action(state, action);
                    }
                }
                _ => {}
            }
            if let Overlay::Palette { query, selected } = &mut state.overlay {
                let n = palette_matches(query).len();
                *selected = (*selected).min(n.saturating_sub(1));
            }
            Vec::new()
        }
        Overlay::Namespaces { query, selected } => {
            let choices = |q: &str, s: &State| {
                namespace_choices(q, s.cluster.namespaces.values().map(|n| n.name.clone()))
            };
            match key.code {
                _ if ctrl_c => state.should_quit = true,
                KeyCode::Esc => state.overlay = Overlay::None,
                KeyCode::Up => *selected = selected.saturating_sub(1),
                KeyCode::Down => *selected += 1,
                KeyCode::Backspace => {
                    query.pop();
                    *selected = 0;
                }
                KeyCode::Char(c) => {
                    query.push(c);
                    *selected = 0;
                }
                KeyCode::Enter => {
                    let (q, i) = (query.clone(), *selected);
                    state.overlay = Overlay::None;
                    let all = choices(&q, state);
                    return match all.get(i.min(all.len().saturating_sub(1))) {
                        Some(scope) => switch_scope(state, scope.clone()),
                        None => {
                            state.toast(true, format!("no namespace {q:?}"));
                            Vec::new()
                        }
                    };
                }
                _ => {}
            }
            let n = match &state.overlay {
                Overlay::Namespaces { query, .. } => choices(query, state).len(),
                _ => 0,
            };
            if let Overlay::Namespaces { selected, .. } = &mut state.overlay {
                *selected = (*selected).min(n.saturating_sub(1));
            }
            Vec::new()
        }
        Overlay::Input { input, error, .. } => match key.code {
            _ if ctrl_c => {
                state.should_quit = true;
                Vec::new()
            }
            KeyCode::Esc => {
                close_input(state);
                Vec::new()
            }
            KeyCode::Enter => input_entered(state),
            _ => {
                input.input(key);
                *error = None;
                Vec::new()
            }
        },
        Overlay::Editor { .. } => on_editor_key(state, key, ctrl_c),
        Overlay::Pick { .. } => on_pick_key(state, key, ctrl_c),
        Overlay::Confirm(_) => match action {
            Some(action @ Action::Shell(ShellAction::Confirm | ShellAction::Cancel)) => {
                apply_action(state, action)
            }
            _ if ctrl_c => {
                state.should_quit = true;
                Vec::new()
            }
            _ => Vec::new(),
        },
    }
}

/// A key in a pick list: type to filter, ↑/↓ choose, Enter hands the choice (with no
/// match, what was typed) to its pane, Esc cancels.
fn on_pick_key(state: &mut State, key: KeyEvent, ctrl_c: bool) -> Vec<Effect> {
    let Overlay::Pick {
        owner,
        choices,
        query,
        selected,
        ..
    } = &mut state.overlay
    else {
        return Vec::new();
    };
    match key.code {
        _ if ctrl_c => state.should_quit = true,
        KeyCode::Esc => close_input(state),
        KeyCode::Up => *selected = selected.saturating_sub(1),
        KeyCode::Down => {
            let n = pick_matches(query, choices).len();
            *selected = (*selected + 1).min(n.saturating_sub(1));
        }
        KeyCode::Backspace => {
            query.pop();
            *selected = 0;
        }
        KeyCode::Char(c) => {
            query.push(c);
            *selected = 0;
        }
        KeyCode::Enter => {
            let owner = *owner;
            let chosen = pick_matches(query, choices)
                .get(*selected)
                .map(|c| c.to_string())
                .unwrap_or_else(|| query.trim().to_string());
            state.overlay = Overlay::None;
            return to_pane(state, owner, crate::panes::PaneEvent::Entered(chosen));
        }
        _ => {}
    }
    Vec::new()
}

/// A key in the editor: Ctrl-S hands the text to its pane, Esc cancels, the rest edits.
fn on_editor_key(state: &mut State, key: KeyEvent, ctrl_c: bool) -> Vec<Effect> {
    match key.code {
        _ if ctrl_c => state.should_quit = true,
        KeyCode::Esc => close_input(state),
        KeyCode::Char('s') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return editor_sent(state)
        }
        KeyCode::Char('y') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.toast(false, "copied to the clipboard");
            return super::actions::editor_text(state)
                .map(Effect::Clipboard)
                .into_iter()
                .collect();
        }
        _ => {
            if let Overlay::Editor { editor, .. } = &mut state.overlay {
                editor.input(key);
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
