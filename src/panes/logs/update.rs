//! The Logs pane's reactions: its keys, the text it asked for (a search, a selector), the
//! log reader's messages. Pure.

use super::{Action, Asking, Model, PodStream, TAILS};
use crate::effect::Effect;
use crate::feed::EntryKind;
use crate::msg::{LogMsg, Msg};
use crate::panes::cx::{DialogRequest, Goto, LogSource, LogTarget};
use crate::panes::{Cx, Input, Nav, PaneEvent};

pub fn update(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    let effects = match input {
        Input::Action(action) => on_action(model, cx, action),
        Input::Event(PaneEvent::Open(Goto::Logs(target))) => model.open(target.clone(), cx.cluster),
        Input::Event(PaneEvent::Nav(nav)) => {
            // the view counts from the newest line up
            let up = match nav {
                Nav::Up => Nav::Down,
                Nav::Down => Nav::Up,
                Nav::Top => Nav::Bottom,
                Nav::Bottom => Nav::Top,
                Nav::PageUp => Nav::PageDown,
                Nav::PageDown => Nav::PageUp,
            };
            model.scroll = up.apply(model.scroll, model.buffer.len());
            Vec::new()
        }
        Input::Event(PaneEvent::Entered(text)) => entered(model, cx, text),
        Input::ClusterChanged(_) => return model.follow_pods(cx.cluster),
        Input::Event(_) => return Vec::new(),
        Input::Msg(Msg::Log(m)) => on_log(model, cx, m),
        Input::Msg(_) => return Vec::new(),
    };
    cx.changed();
    effects
}

fn on_action(model: &mut Model, cx: &mut Cx, action: Action) -> Vec<Effect> {
    match action {
        Action::Follow => {
            model.follow = !model.follow;
            if model.follow {
                model.scroll = 0;
            }
            return model.restart_if_open();
        }
        Action::Previous => {
            model.previous = !model.previous;
            return model.restart_if_open();
        }
        Action::Tail => {
            model.tail = (model.tail + 1) % TAILS.len();
            return model.restart_if_open();
        }
        Action::Wrap => model.wrap = !model.wrap,
        Action::Search => ask(model, cx, Asking::Search),
        Action::Selector => ask(model, cx, Asking::Selector),
        Action::NextMatch | Action::PrevMatch => jump(model, cx, action == Action::PrevMatch),
        Action::OnePod => {
            if model.pods.len() > 1 {
                model.only = match model.only {
                    None => Some(0),
                    Some(i) if i + 1 < model.pods.len() => Some(i + 1),
                    Some(_) => None,
                };
                return model.restart_if_open();
            }
        }
        Action::Clear => {
            model.buffer.clear();
            model.scroll = 0;
        }
    }
    Vec::new()
}

fn ask(model: &mut Model, cx: &mut Cx, asking: Asking) {
    model.asking = Some(asking);
    let (title, question, initial) = match asking {
        Asking::Search => (
            " Search the logs ",
            "Text to find (case ignored; empty clears):",
            model.search.clone().unwrap_or_default(),
        ),
        Asking::Selector => (
            " Logs by label selector ",
            "Pods whose labels match (as kubectl logs -l), e.g. app=postgresql:",
            String::new(),
        ),
    };
    cx.dialog(DialogRequest::Input {
        title: title.into(),
        question: question.into(),
        initial,
        hint: "type  Enter ok  Esc cancel".into(),
    });
}

fn entered(model: &mut Model, cx: &mut Cx, text: &str) -> Vec<Effect> {
    let text = text.trim();
    match model.asking.take() {
        Some(Asking::Search) => {
            model.search = (!text.is_empty()).then(|| text.to_string());
            cx.dialog(DialogRequest::Close);
            if model.search.is_some() {
                jump(model, cx, false);
            }
            Vec::new()
        }
        Some(Asking::Selector) if !text.is_empty() => {
            cx.dialog(DialogRequest::Close);
            let target = LogTarget {
                title: format!("-l {text}"),
                source: LogSource::Selector(text.to_string()),
                container: None,
            };
            model.open(target, cx.cluster)
        }
        Some(Asking::Selector) => {
            model.asking = Some(Asking::Selector);
            cx.dialog(DialogRequest::InputError(
                "a selector, e.g. app=postgresql".into(),
            ));
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// Scrolls to the next match above the view (or below it with `back`).
fn jump(model: &mut Model, cx: &mut Cx, back: bool) {
    let Some(query) = model.search.clone() else {
        return cx.toast(false, "no search: / to search");
    };
    let len = model.buffer.len();
    let at = model.bottom().saturating_sub(model.scroll);
    let found = if back {
        let mut m: Vec<usize> = model.buffer.matches(&query).filter(|&i| i > at).collect();
        m.sort_unstable();
        m.first().copied()
    } else {
        model
            .buffer
            .matches(&query)
            .find(|&i| i < at || (model.scroll == 0 && i == at))
    };
    match found {
        Some(i) => {
            model.scroll = len.saturating_sub(1).saturating_sub(i);
            model.follow = model.follow && model.scroll == 0;
        }
        None => cx.toast(false, format!("{query:?}: no more matches")),
    }
}

fn on_log(model: &mut Model, cx: &mut Cx, m: &LogMsg) -> Vec<Effect> {
    let id = match m {
        LogMsg::Lines { id, .. }
        | LogMsg::Pods { id, .. }
        | LogMsg::Ended { id, .. }
        | LogMsg::Reopened { id, .. } => *id,
    };
    if !model.live.contains(&id) {
        return Vec::new();
    }
    match m {
        LogMsg::Lines { pod, lines, .. } => {
            model.streams.insert(pod.clone(), PodStream::Reading);
            let before = model.buffer.len() + model.buffer.dropped as usize;
            for line in lines {
                model.buffer.push(pod, line.clone(), false);
            }
            // scrolled up: keep the same lines in view as new ones arrive
            if model.scroll > 0 {
                let added = model.buffer.len() + model.buffer.dropped as usize - before;
                model.scroll = (model.scroll + added).min(model.bottom());
            }
        }
        LogMsg::Pods { pods, .. } => {
            model.pods = pods.clone();
            if pods.is_empty() {
                cx.toast(true, "logs: no pod matches the selector");
            }
        }
        LogMsg::Reopened { pod, .. } => {
            let n = match model.streams.get(pod) {
                Some(PodStream::Reopened(n)) => n + 1,
                _ => 1,
            };
            model.streams.insert(pod.clone(), PodStream::Reopened(n));
            let text = format!(
                "── {pod}: stream reopened (the container restarted or the connection broke) ──"
            );
            model.buffer.push(pod, text, true);
        }
        LogMsg::Ended { pod, error, .. } => {
            let state = match error {
                Some(e) => {
                    cx.note(EntryKind::Source, true, format!("logs of {pod}: {e}"));
                    model.buffer.push(pod, format!("── {pod}: {e} ──"), true);
                    PodStream::Failed(e.clone())
                }
                None => PodStream::Ended,
            };
            model.streams.insert(pod.clone(), state);
        }
    }
    Vec::new()
}
