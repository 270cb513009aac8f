//! The Logs pane: pods' logs read through the API server (never kubectl), from a workload
//! (`l` on a rollout), one of its pods, or a label selector; follow, `--previous`, tail
//! length, search with highlight, wrap. It holds a bounded buffer (`buffer.rs`), so a pod
//! that logs megabytes a second costs no more memory than a quiet one.

mod action;
pub mod buffer;
#[cfg(test)]
mod tests;
mod view;

use std::collections::{BTreeMap, BTreeSet};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::cx::{DialogRequest, Goto, LogSource, LogTarget};
use super::{Cx, Input, Nav, PaneEvent, View};
use crate::cluster::detail::row_pods;
use crate::cluster::rows::RowKey;
use crate::cluster::ClusterData;
use crate::effect::{Effect, LogPods, LogStream};
use crate::feed::EntryKind;
use crate::msg::{LogMsg, Msg};
pub use action::Action;
use buffer::LogBuffer;

/// The tail lengths `t` steps through (None: everything the container has).
pub const TAILS: [Option<i64>; 3] = [Some(500), Some(5000), None];

/// How one pod's stream stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodStream {
    Reading,
    /// Reopened this many times (each a restart of the container or a broken connection).
    Reopened(u32),
    Ended,
    Failed(String),
}

/// What the text input is open for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    Search,
    Selector,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub target: Option<LogTarget>,
    /// With several pods: only this one (an index into `pods`), or all.
    pub only: Option<usize>,
    /// The pods the target reads (a row's as they come and go, a selector's once resolved).
    pub pods: Vec<String>,
    pub follow: bool,
    pub previous: bool,
    pub wrap: bool,
    /// Index into [`TAILS`].
    pub tail: usize,
    pub buffer: LogBuffer,
    /// Lines scrolled up from the newest (0: the newest line is at the bottom).
    pub scroll: usize,
    pub search: Option<String>,
    /// Each pod's stream, by pod.
    pub streams: BTreeMap<String, PodStream>,
    /// The streams being read (by id); messages of any other id are from a stream stopped
    /// since, and ignored.
    pub live: BTreeSet<u64>,
    next_id: u64,
    asking: Option<Asking>,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            target: None,
            only: None,
            pods: Vec::new(),
            follow: true,
            previous: false,
            wrap: false,
            tail: 0,
            buffer: LogBuffer::default(),
            scroll: 0,
            search: None,
            streams: BTreeMap::new(),
            live: BTreeSet::new(),
            next_id: 1,
            asking: None,
        }
    }
}

impl Model {
    fn stream(&mut self, pods: LogPods, tail: Option<i64>) -> Effect {
        let id = self.next_id;
        self.next_id += 1;
        self.live.insert(id);
        Effect::StreamLogs(LogStream {
            id,
            pods,
            container: self.target.as_ref().and_then(|t| t.container.clone()),
            // the previous container's logs are complete: nothing to follow
            follow: self.follow && !self.previous,
            previous: self.previous,
            tail,
        })
    }

    /// The pods to read now: all, or the one chosen with `o`.
    fn chosen(&self) -> Vec<String> {
        match self.only.and_then(|i| self.pods.get(i)) {
            Some(pod) => vec![pod.clone()],
            None => self.pods.clone(),
        }
    }

    /// Starts over with the current settings: stops every stream, clears the view, reads
    /// each chosen pod (a selector's pods through one stream until they are known).
    fn restart(&mut self) -> Vec<Effect> {
        let mut effects: Vec<Effect> = std::mem::take(&mut self.live)
            .into_iter()
            .map(Effect::StopLogs)
            .collect();
        self.buffer.clear();
        self.streams.clear();
        self.scroll = 0;
        let Some(target) = &self.target else {
            return effects;
        };
        let tail = TAILS[self.tail];
        match (&target.source, self.only) {
            (LogSource::Selector(selector), None) => {
                let selector = selector.clone();
                effects.push(self.stream(LogPods::Selector(selector), tail));
            }
            _ => {
                for pod in self.chosen() {
                    effects.push(self.stream(LogPods::Named(vec![pod]), tail));
                }
            }
        }
        effects
    }

    fn open(&mut self, target: LogTarget, cluster: &ClusterData) -> Vec<Effect> {
        self.pods = match &target.source {
            LogSource::Row(key) => row_pod_names(cluster, key),
            LogSource::Pods(pods) => pods.clone(),
            LogSource::Selector(_) => Vec::new(),
        };
        self.target = Some(target);
        self.only = None;
        self.restart()
    }

    /// A row's pods changed (a rollout replaced them, a pod crashed and was recreated):
    /// read the new ones from their first line; the ones gone end by themselves.
    fn follow_pods(&mut self, cluster: &ClusterData) -> Vec<Effect> {
        let Some(LogSource::Row(key)) = self.target.as_ref().map(|t| &t.source) else {
            return Vec::new();
        };
        let now = row_pod_names(cluster, key);
        let new: Vec<String> = now
            .iter()
            .filter(|p| !self.pods.contains(p))
            .cloned()
            .collect();
        if new.is_empty() {
            return Vec::new();
        }
        self.pods.extend(new.iter().cloned());
        if self.only.is_some() || self.previous {
            return Vec::new();
        }
        new.into_iter()
            .map(|pod| self.stream(LogPods::Named(vec![pod]), None))
            .collect()
    }

    fn restart_if_open(&mut self) -> Vec<Effect> {
        if self.target.is_some() {
            self.restart()
        } else {
            Vec::new()
        }
    }

    /// The index of the newest line, the scroll's bound.
    fn bottom(&self) -> usize {
        self.buffer.len().saturating_sub(1)
    }
}

fn row_pod_names(cluster: &ClusterData, key: &RowKey) -> Vec<String> {
    cluster
        .row(key)
        .map(|row| {
            row_pods(row, cluster)
                .into_iter()
                .map(|p| p.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

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
        Input::ClusterChanged => return model.follow_pods(cx.cluster),
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

pub fn render(model: &Model, view: &View, area: Rect, buf: &mut Buffer) {
    view::render(model, view, area, buf);
}
