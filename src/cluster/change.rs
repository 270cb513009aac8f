//! What a watcher says: a change in one collection, or the watch's own health.

use jiff::Timestamp;

use super::analysis_view::AnalysisRunView;
use super::views::{
    DeploymentView, EventView, NamespaceView, PodView, ReplicaSetView, RolloutView, ServiceView,
};

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
    AnalysisRuns(Change<AnalysisRunView>),
    /// The live namespaces (names only), whatever the scope.
    Namespaces(Change<NamespaceView>),
    CronJobs(Change<super::backup_view::CronJobView>),
    Jobs(Change<super::backup_view::JobView>),
    CnpgClusters(Change<super::cnpg_view::CnpgClusterView>),
    CnpgBackups(Change<super::cnpg_view::CnpgBackupView>),
    /// One object of `kind` could not be read (the field and what is wrong), or (`None`)
    /// the object so named is readable again or gone.
    Unreadable {
        kind: &'static str,
        name: String,
        error: Option<String>,
    },
    /// A watcher failed (the error in one line) or recovered (`None`).
    SourceError {
        kind: &'static str,
        error: Option<String>,
        at: Timestamp,
    },
}
