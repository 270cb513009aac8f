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
    /// `kubectl create job JOB --from=cronjob/CRONJOB`: run a backup now.
    RunCronJob { cronjob: String, job: String },
    /// `kubectl patch cronjob NAME -p '{"spec":{"suspend":…}}'`.
    SuspendCronJob { name: String, suspend: bool },
}

impl ClusterWrite {
    /// The object the write is about (the Service for a switch).
    pub fn subject(&self) -> &str {
        match self {
            ClusterWrite::Scale { name, .. }
            | ClusterWrite::Restart { name, .. }
            | ClusterWrite::Undo { name, .. }
            | ClusterWrite::SetPaused { name, .. }
            | ClusterWrite::Promote { name, .. }
            | ClusterWrite::Abort { name }
            | ClusterWrite::Retry { name }
            | ClusterWrite::DeleteDeployment { name }
            | ClusterWrite::SuspendCronJob { name, .. } => name,
            ClusterWrite::SwitchSlot { service, .. } => service,
            ClusterWrite::RunCronJob { cronjob, .. } => cronjob,
        }
    }

    /// The same write with every object name in it mapped (qualified → plain at the
    /// writer).
    pub fn with_names<'a>(&'a self, f: impl Fn(&'a str) -> &'a str) -> ClusterWrite {
        let mut w = self.clone();
        let map = |n: &'a String| f(n.as_str()).to_string();
        match (&mut w, self) {
            (
                ClusterWrite::RunCronJob { cronjob, job },
                ClusterWrite::RunCronJob {
                    cronjob: c0,
                    job: j0,
                },
            ) => {
                *cronjob = map(c0);
                *job = map(j0);
            }
            (
                ClusterWrite::Scale { name, .. }
                | ClusterWrite::Restart { name, .. }
                | ClusterWrite::Undo { name, .. }
                | ClusterWrite::SetPaused { name, .. }
                | ClusterWrite::Promote { name, .. }
                | ClusterWrite::Abort { name }
                | ClusterWrite::Retry { name }
                | ClusterWrite::DeleteDeployment { name }
                | ClusterWrite::SuspendCronJob { name, .. }
                | ClusterWrite::SwitchSlot { service: name, .. }
                | ClusterWrite::RunCronJob { cronjob: name, .. },
                _,
            ) => *name = f(self.subject()).to_string(),
        }
        w
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    Rollout,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::Rollout => "rollout",
        }
    }
}

impl std::fmt::Display for ClusterWrite {
    /// One line naming the write, for the timeline and the log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClusterWrite::Scale {
                kind,
                name,
                replicas,
            } => write!(f, "scale {} {name} to {replicas}", kind.as_str()),
            ClusterWrite::Restart { kind, name } => write!(f, "restart {} {name}", kind.as_str()),
            ClusterWrite::Undo {
                name,
                to_revision: Some(r),
            } => write!(f, "undo deployment {name} to revision {r}"),
            ClusterWrite::Undo {
                name,
                to_revision: None,
            } => write!(f, "undo deployment {name}"),
            ClusterWrite::SetPaused { name, paused } => {
                let verb = if *paused { "pause" } else { "resume" };
                write!(f, "{verb} deployment {name}")
            }
            ClusterWrite::SwitchSlot { service, slot } => {
                write!(f, "switch service {service} to {slot}")
            }
            ClusterWrite::Promote { name, full } => {
                let full = if *full { " --full" } else { "" };
                write!(f, "promote{full} rollout {name}")
            }
            ClusterWrite::Abort { name } => write!(f, "abort rollout {name}"),
            ClusterWrite::Retry { name } => write!(f, "retry rollout {name}"),
            ClusterWrite::DeleteDeployment { name } => write!(f, "delete deployment {name}"),
            ClusterWrite::RunCronJob { cronjob, job } => {
                write!(f, "create job {job} --from=cronjob/{cronjob}")
            }
            ClusterWrite::SuspendCronJob { name, suspend } => {
                let verb = if *suspend { "suspend" } else { "resume" };
                write!(f, "{verb} cronjob {name}")
            }
        }
    }
}

/// What RBAC must allow for a write: a SelfSubjectAccessReview's resource attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission {
    pub verb: &'static str,
    /// The API group ("" for the core group).
    pub group: &'static str,
    pub resource: &'static str,
    /// "" for the resource itself, else "scale", "status".
    pub subresource: &'static str,
}

impl std::fmt::Display for Permission {
    /// `patch deployments.apps/scale`, as `kubectl auth can-i` names it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.verb, self.resource)?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        if !self.subresource.is_empty() {
            write!(f, "/{}", self.subresource)?;
        }
        Ok(())
    }
}

const fn perm(
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    subresource: &'static str,
) -> Permission {
    Permission {
        verb,
        group,
        resource,
        subresource,
    }
}

pub const PATCH_DEPLOYMENTS: Permission = perm("patch", "apps", "deployments", "");
pub const SCALE_DEPLOYMENTS: Permission = perm("patch", "apps", "deployments", "scale");
pub const DELETE_DEPLOYMENTS: Permission = perm("delete", "apps", "deployments", "");
pub const PATCH_SERVICES: Permission = perm("patch", "", "services", "");
pub const PATCH_ROLLOUTS: Permission = perm("patch", "argoproj.io", "rollouts", "");
pub const SCALE_ROLLOUTS: Permission = perm("patch", "argoproj.io", "rollouts", "scale");
pub const PATCH_ROLLOUT_STATUS: Permission = perm("patch", "argoproj.io", "rollouts", "status");
pub const CREATE_JOBS: Permission = perm("create", "batch", "jobs", "");
pub const PATCH_CRONJOBS: Permission = perm("patch", "batch", "cronjobs", "");
pub const CREATE_CONFIGMAPS: Permission = perm("create", "", "configmaps", "");
pub const UPDATE_CONFIGMAPS: Permission = perm("update", "", "configmaps", "");

/// Every write the console can make: the RBAC self-check asks about each at start.
pub const CONSOLE_WRITES: &[Permission] = &[
    PATCH_DEPLOYMENTS,
    SCALE_DEPLOYMENTS,
    DELETE_DEPLOYMENTS,
    PATCH_SERVICES,
    PATCH_ROLLOUTS,
    SCALE_ROLLOUTS,
    PATCH_ROLLOUT_STATUS,
    CREATE_JOBS,
    PATCH_CRONJOBS,
    CREATE_CONFIGMAPS,
    UPDATE_CONFIGMAPS,
];

impl ClusterWrite {
    /// What RBAC must allow for it (exhaustive: a new write must say).
    pub fn needs(&self) -> Permission {
        match self {
            ClusterWrite::Scale {
                kind: WorkloadKind::Deployment,
                ..
            } => SCALE_DEPLOYMENTS,
            ClusterWrite::Scale {
                kind: WorkloadKind::Rollout,
                ..
            } => SCALE_ROLLOUTS,
            ClusterWrite::Restart {
                kind: WorkloadKind::Rollout,
                ..
            } => PATCH_ROLLOUTS,
            ClusterWrite::Restart {
                kind: WorkloadKind::Deployment,
                ..
            }
            | ClusterWrite::Undo { .. }
            | ClusterWrite::SetPaused { .. } => PATCH_DEPLOYMENTS,
            ClusterWrite::SwitchSlot { .. } => PATCH_SERVICES,
            ClusterWrite::RunCronJob { .. } => CREATE_JOBS,
            ClusterWrite::SuspendCronJob { .. } => PATCH_CRONJOBS,
            ClusterWrite::Promote { .. }
            | ClusterWrite::Abort { .. }
            | ClusterWrite::Retry { .. } => PATCH_ROLLOUT_STATUS,
            ClusterWrite::DeleteDeployment { .. } => DELETE_DEPLOYMENTS,
        }
    }
}

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// Read-only mode: no cluster writer exists, nothing was sent.
    ReadOnly,
    /// The API server answered with an error Status (its code and message).
    Refused { code: u16, message: String },
    /// No answer could be had (connection, timeout, a response that could not be read).
    Failed(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::ReadOnly => {
                f.write_str("read-only mode: no cluster writer exists, nothing was sent")
            }
            WriteError::Refused { message, .. } => f.write_str(message),
            WriteError::Failed(e) => f.write_str(e),
        }
    }
}

/// A write's result: Ok is a one-line summary of what the cluster now says.
pub type WriteResult = Result<String, WriteError>;

/// A write that finished, as it comes back to `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    pub write: ClusterWrite,
    pub result: WriteResult,
}

/// Which pods a log stream reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogPods {
    /// These pods, by name.
    Named(Vec<String>),
    /// The pods a label selector matches now (`kubectl logs -l`).
    Selector(String),
}

/// Read pods' logs through the API server (`pods/log`), as `kubectl logs` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    /// Names this stream in the `Msg::Log`s that come back.
    pub id: u64,
    pub pods: LogPods,
    /// The container (None: the pod's only or first one).
    pub container: Option<String>,
    /// Keep reading as lines are written; reopened when a container restarts.
    pub follow: bool,
    /// The terminated container's logs (`--previous`).
    pub previous: bool,
    /// The last N lines only.
    pub tail: Option<i64>,
}

/// Entries to append to an incident's journal (the local file, not the cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentAppend {
    pub incident: String,
    pub entries: Vec<crate::incident::Entry>,
    /// A declaration: the journal must not exist yet.
    pub create: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Write(ClusterWrite),
    /// Append a line to the log file (never the screen).
    Log(String),
    /// Start reading logs (replacing any stream with the same id).
    StreamLogs(LogStream),
    /// Stop reading a stream.
    StopLogs(u64),
    /// Append to an incident's journal and sync it; the result comes back as
    /// `IncidentMsg::Saved`.
    AppendIncident(IncidentAppend),
    /// Put text on the terminal's clipboard (OSC 52), e.g. a communication to paste.
    Clipboard(String),
    /// Team mode: append to the incident's ConfigMap in the cluster (a cluster write); the
    /// result comes back as `IncidentMsg::Shared`.
    ShareIncident(IncidentAppend),
    /// Watch the cluster in this scope from now on (the old scope's watches stop; the
    /// writer and the log reader locate names in the new one).
    Watch(crate::cluster::scope::Scope),
    /// Run the security audit (lists pods and RBAC: reads only); the findings come back
    /// as `Msg::Audit`.
    Audit(crate::cluster::scope::Scope),
    /// The RBAC self-check: a SelfSubjectAccessReview for each of [`CONSOLE_WRITES`] in
    /// the console's namespace (asks, changes nothing); answered by `Msg::Permissions`.
    CheckPermissions,
    /// Take a configuration snapshot of the namespace (Secrets redacted) into the
    /// snapshots directory; the result comes back as `Msg::Snapshot`.
    Snapshot,
    /// Run a runbook step's command or check (`io::runbook_runner`); its lines and result
    /// come back as `Msg::Runbook`. A cluster write when the step writes.
    RunStep(StepRun),
    /// Cancel a running step: its whole process group is killed.
    CancelStep(u64),
    /// Save a runbook run to the data dir (a local file).
    SaveRun(crate::runbook::run::SavedRun),
}

/// One runbook step to carry out.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRun {
    /// Names this execution in the messages that come back.
    pub id: u64,
    pub work: StepWork,
    /// The step writes to the cluster (given, or inferred from the kubectl verb).
    pub mutates: bool,
    /// The step needs the terminal: the console steps aside while it runs.
    pub interactive: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepWork {
    /// `sh -c LINE` (placeholders filled in, shell-quoted).
    Command {
        line: String,
        expect: crate::runbook::Expect,
        timeout: Option<std::time::Duration>,
    },
    Check {
        check: crate::runbook::Check,
        timeout: Option<std::time::Duration>,
    },
}

impl Effect {
    /// True for effects that change the cluster. Exhaustive on purpose: a new effect must
    /// declare itself, and the shell's guard drops mutating effects in read-only mode.
    pub fn is_mutating(&self) -> bool {
        match self {
            Effect::Write(_) | Effect::ShareIncident(_) => true,
            Effect::RunStep(run) => run.mutates,
            // the incident journal is a local file: writing it changes nothing in the
            // cluster, so read-only consoles keep their incidents too
            Effect::Log(_)
            | Effect::StreamLogs(_)
            | Effect::StopLogs(_)
            | Effect::AppendIncident(_)
            | Effect::Clipboard(_)
            | Effect::Watch(_)
            | Effect::Audit(_)
            | Effect::CheckPermissions
            | Effect::CancelStep(_)
            | Effect::SaveRun(_) => false,
            // reads the cluster, writes local files (secrets redacted)
            Effect::Snapshot => false,
        }
    }
}
