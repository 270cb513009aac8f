//! What `update` asks the world to do. Only `io` carries effects out.

/// A change to the cluster. Only the kube writer, which exists only in read-write mode,
/// can carry one out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterWrite {
    /// `kubectl scale deployment NAME --replicas=N` (or a Rollout's scale).
    Scale {
        kind: WorkloadKind,
        name: String,
        replicas: i32,
    },
    /// `kubectl rollout restart`: stamps the pod template's restartedAt annotation.
    Restart { kind: WorkloadKind, name: String },
    /// `kubectl rollout undo [--to-revision=N]` for a Deployment (None: the previous one).
    Undo {
        name: String,
        to_revision: Option<i64>,
    },
    /// `kubectl rollout pause|resume`.
    SetPaused { name: String, paused: bool },
    /// Patch a Service's `deployment-slot` selector (blue/green switch).
    SwitchSlot { service: String, slot: String },
    /// `kubectl argo rollouts promote [--full]`.
    Promote { name: String, full: bool },
    /// `kubectl argo rollouts abort`.
    Abort { name: String },
    /// `kubectl argo rollouts retry rollout`.
    Retry { name: String },
    /// Delete a Deployment (blue cleanup).
    DeleteDeployment { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    Rollout,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Write(ClusterWrite),
    /// Append a line to the log file (never the screen).
    Log(String),
}

impl Effect {
    /// True for effects that change the cluster.
    pub fn is_write(&self) -> bool {
        matches!(self, Effect::Write(_))
    }
}
