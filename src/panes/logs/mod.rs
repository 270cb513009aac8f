//! The Logs pane: pods' logs read through the API server (never kubectl), from a workload
//! (`l` on a rollout), one of its pods, or a label selector; follow, `--previous`, tail
//! length, search with highlight, wrap. It holds a bounded buffer (`buffer.rs`), so a pod
//! that logs megabytes a second costs no more memory than a quiet one.

mod action;
pub mod buffer;
#[cfg(test)]
mod tests;
mod update;
mod view;

use std::collections::{BTreeMap, BTreeSet};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::cx::{LogSource, LogTarget};
use super::View;
use crate::cluster::detail::row_pods;
use crate::cluster::rows::RowKey;
use crate::cluster::ClusterData;
use crate::effect::{Effect, LogPods, LogStream};
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

pub use update::update;

pub fn render(model: &Model, view: &View, area: Rect, buf: &mut Buffer) {
    view::render(model, view, area, buf);
}
