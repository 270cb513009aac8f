//! Everything that happens is a `Msg`: keys, resizes, the clock, watch events, Prometheus
//! samples and the results of effects. One bounded channel carries them to the loop.

use crossterm::event::KeyEvent;
use jiff::Timestamp;

use crate::effect::Effect;
use crate::state::views::{
    DeploymentView, EventView, PodView, ReplicaSetView, RolloutView, ServiceView,
};

// Views are slim but not tiny; boxing every watch event to please the lint would cost an
// allocation per message for no gain (messages are moved once, through one channel).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The 1 Hz clock: the only way time reaches `update`.
    Tick(Timestamp),
    Kube(KubeMsg),
    /// Samples and errors from the Prometheus poller.
    Kpi(crate::kpi::KpiMsg),
    /// The Prometheus poller's health: `error: None` after a good query, else the error in
    /// one line.
    PromStatus {
        error: Option<String>,
        at: Timestamp,
    },
    /// An effect finished: what it was and how it went (Ok: a one-line summary).
    Done(Effect, Result<String, String>),
}

/// A change in one watched collection, as DESIGN.md §3 maps kube-rs `watcher::Event`:
/// `Reset` starts a relist, `Upsert`s before `Ready` belong to it, `Ready` replaces the
/// whole set with what the relist delivered.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<T> {
    Reset,
    Upsert(T),
    /// The name of an object that is gone.
    Remove(String),
    Ready,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum KubeMsg {
    Deployments(Change<DeploymentView>),
    ReplicaSets(Change<ReplicaSetView>),
    Pods(Change<PodView>),
    Services(Change<ServiceView>),
    Events(Change<EventView>),
    Rollouts(Change<RolloutView>),
    AnalysisRuns(Change<crate::state::analysis_view::AnalysisRunView>),
    /// A watcher failed (the error in one line) or recovered (`None`).
    SourceError {
        kind: &'static str,
        error: Option<String>,
        at: Timestamp,
    },
}
