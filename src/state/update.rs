//! `update`: every `Msg` goes through here. Keys resolve through the keymap to an `Action`
//! (see `actions`); watch events land in their collection and re-derive the rows.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jiff::Timestamp;

use super::actions::apply_action;
use super::guided_switch;
use super::overlay::{palette_matches, Overlay};
use super::row_refresh::{refresh_rows, rows_scope};
use super::sources::SourceTransition;
use super::timeline::{EntryKind, TimelineEntry};
use super::write_dialogs::confirm_number;
use super::{State, TOAST_SECS};
use crate::action::Action;
use crate::effect::Effect;
use crate::kpi::{KpiMsg, KpiState, KpiTransition};
use crate::msg::{Change, KubeMsg, Msg};

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
            Vec::new()
        }
        Msg::Tick(now) => {
            on_tick(state, now);
            guided_switch::on_tick(state, now);
            Vec::new()
        }
        Msg::Kube(m) => {
            on_kube(state, m);
            Vec::new()
        }
        Msg::Kpi(m) => {
            let now = state.now_or_epoch();
            prometheus_health(state, &m);
            let mut effects = Vec::new();
            if let KpiMsg::Sample {
                id,
                value: Some(v),
                at,
            } = &m
            {
                if id == guided_switch::ERROR_RATE_KPI {
                    effects = guided_switch::on_error_rate(state, *v, *at);
                }
            }
            let firing_before = firing(&state.kpis);
            let transitions = state.kpis.apply(m, now);
            note_kpis(state, transitions);
            note_alerts(state, &firing_before);
            state.dirty = true;
            effects
        }
        Msg::PromStatus { error, at } => {
            state.prometheus_status(error.is_none(), error, at);
            Vec::new()
        }
        Msg::Done(effect, result) => on_done(state, effect, result),
    }
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

/// What a poller message says about Prometheus itself: any answer (even "no data") means
/// it is reachable. The alerts query runs every poll whatever the KPIs, so its failure is
/// the source's failure; one KPI's failed query is that KPI's problem (the KPI pane shows
/// it) and would otherwise make the source flap.
fn prometheus_health(state: &mut State, m: &KpiMsg) {
    let transition = match m {
        KpiMsg::Sample { .. } | KpiMsg::Alerts { .. } | KpiMsg::Backfill { .. } => {
            state.prom.ok(state.now)
        }
        KpiMsg::AlertsFailed { error, .. } => state.prom.failed(error.clone()),
        KpiMsg::Failed { .. } => None,
    };
    note_source(state, "prometheus", transition);
}

/// The names of the alerts Prometheus has firing (pending ones are not news yet).
fn firing(board: &crate::kpi::KpiBoard) -> Vec<String> {
    board
        .alerts
        .iter()
        .filter(|a| a.state == "firing")
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
        .filter(|a| a.state == "firing")
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
        let into_alert = t.to == KpiState::Alert;
        if into_alert == (t.from == KpiState::Alert) {
            continue;
        }
        let text = if into_alert {
            format!("{} in alert: {}", t.title, t.value)
        } else {
            format!("{} recovered ({:?}): {}", t.title, t.to, t.value)
        };
        state.timeline.push(TimelineEntry {
            at: t.at,
            kind: EntryKind::Kpi,
            bad: into_alert,
            text,
        });
        state.dirty = true;
    }
}

/// Puts a source's loss or recovery on the timeline.
pub(crate) fn note_source(state: &mut State, source: &str, t: Option<SourceTransition>) {
    match t {
        Some(SourceTransition::Lost(e)) => state.note(
            EntryKind::Source,
            true,
            format!("{source} disconnected: {e}"),
        ),
        Some(SourceTransition::Recovered) => {
            state.note(EntryKind::Source, false, format!("{source} reconnected"))
        }
        None => {}
    }
}

fn on_kube(state: &mut State, m: KubeMsg) {
    let scope = rows_scope(state, &m);
    let data = &mut state.cluster;
    let changed = match m {
        KubeMsg::SourceError { kind, error, at } => {
            let t = match error {
                Some(e) => state.kube.failed(format!("{kind}: {e}")),
                None => state.kube.ok(Some(at)),
            };
            note_source(state, "kubernetes", t);
            state.dirty = true;
            return;
        }
        KubeMsg::Deployments(c) => data.deployments.apply(c),
        KubeMsg::ReplicaSets(c) => data.replica_sets.apply(c),
        KubeMsg::Services(c) => data.services.apply(c),
        KubeMsg::Rollouts(c) => data.rollouts.apply(c),
        KubeMsg::AnalysisRuns(c) => data.analysis_runs.apply(c),
        KubeMsg::Pods(c) => data.pods.apply(c),
        KubeMsg::Events(c) => {
            if let Change::Upsert(ev) = &c {
                let seen = data.events.get(&ev.name).map(|old| old.count);
                if ev.warning && seen.is_none_or(|count| count < ev.count) {
                    let entry = TimelineEntry {
                        at: ev.last_seen.or(state.now).unwrap_or(Timestamp::UNIX_EPOCH),
                        kind: EntryKind::Warning,
                        bad: true,
                        text: format!(
                            "{} {}/{}: {}",
                            ev.reason,
                            ev.object_kind.to_lowercase(),
                            ev.object_name,
                            ev.message
                        ),
                    };
                    state.timeline.push(entry);
                }
            }
            state.cluster.events.apply(c)
        }
    };
    let t = state.kube.ok(state.now);
    note_source(state, "kubernetes", t);
    if changed {
        refresh_rows(state, scope);
    }
    if changed {
        state.dirty = true;
    }
}

fn on_done(state: &mut State, effect: Effect, result: Result<String, String>) -> Vec<Effect> {
    let (what, write) = match &effect {
        Effect::Write(w) => (super::actions::describe_write(w), w),
        Effect::Log(_) => return Vec::new(),
    };
    match &result {
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
    guided_switch::on_write_done(state, write, &result)
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    state.dirty = true;
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    match &mut state.overlay {
        Overlay::None => match state.keymap.resolve(state.key_context(), &key) {
            Some(action) => apply_action(state, action),
            None => Vec::new(),
        },
        Overlay::Help { scroll } => {
            match state.keymap.resolve(state.focus.key_context(), &key) {
                _ if ctrl_c => state.should_quit = true,
                // q closes the overlay rather than the console
                Some(Action::Help | Action::CloseOverlay | Action::Quit) => {
                    state.overlay = Overlay::None
                }
                Some(Action::Down) => *scroll += 1,
                Some(Action::Up) => *scroll = scroll.saturating_sub(1),
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
        Overlay::NumberInput { input, error, .. } => {
            match key.code {
                _ if ctrl_c => state.should_quit = true,
                KeyCode::Esc => {
                    state.overlay = Overlay::None;
                    state.toast(false, "cancelled");
                }
                KeyCode::Enter => confirm_number(state),
                _ => {
                    input.input(key);
                    *error = None;
                }
            }
            Vec::new()
        }
        Overlay::Confirm(_) => match state.keymap.resolve(state.key_context(), &key) {
            Some(action @ (Action::Confirm | Action::Cancel)) => apply_action(state, action),
            _ if ctrl_c => {
                state.should_quit = true;
                Vec::new()
            }
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
