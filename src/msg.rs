//! Everything that happens is a `Msg`: keys, resizes, the clock, watch events, Prometheus
//! samples and the results of effects. One bounded channel carries them to the loop.

use crossterm::event::KeyEvent;
use jiff::Timestamp;

pub use crate::cluster::{Change, KubeMsg};
use crate::effect::WriteOutcome;
use crate::incident::Entry;
use crate::kpi::KpiMsg;

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
    Kpi(KpiMsg),
    /// A cluster write finished: what it was and how it went.
    Done(WriteOutcome),
    /// Lines from a log stream, or its end.
    Log(LogMsg),
    /// Incident journals read from disk, and the results of appending to them.
    Incident(IncidentMsg),
    /// A security audit (`Effect::Audit`) finished: its findings, or why it could not run.
    Audit(AuditMsg),
    /// The RBAC self-check's answers: each write the console can make, allowed or not
    /// (Err: it could not be asked).
    Permissions(Vec<(crate::effect::Permission, Result<bool, String>)>),
    /// A configuration snapshot was taken (where, how many objects), or why not.
    Snapshot(Result<String, String>),
    /// A runbook step's output and result.
    Runbook(RunbookMsg),
}

/// What `Effect::Audit` sends back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditMsg {
    pub scope: crate::cluster::scope::Scope,
    pub result: Result<crate::audit::AuditReport, String>,
}

/// What `io::runbook_runner` sends back for a step (`Effect::RunStep`'s id).
#[derive(Debug, Clone, PartialEq)]
pub enum RunbookMsg {
    /// Output lines, printable, in order.
    Lines { id: u64, lines: Vec<String> },
    /// The step ended.
    Finished {
        id: u64,
        state: crate::runbook::run::StepState,
        reason: String,
        exit: Option<i32>,
        /// Lines that did not reach the console (it was behind).
        dropped: u64,
    },
}

/// Where a journal was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalSource {
    /// This machine's data directory.
    Disk,
    /// The incident's ConfigMap (team mode): the entries the team shared.
    Cluster,
}

/// What `io::incident_journal` (and, in team mode, `io::incident_cluster`) sends back.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentMsg {
    /// A journal as it is on disk now: at start, and whenever its file changes (another
    /// console or `kubechat-ops incident …` wrote to it). Lines that could not be read are
    /// in `warnings`, naming file and line.
    Journal {
        id: String,
        entries: Vec<Entry>,
        warnings: Vec<String>,
        source: JournalSource,
    },
    /// The first reading of the journals' directory is done.
    Loaded { dir: String },
    /// Entries shared with the team (team mode: the incident's ConfigMap in the cluster)
    /// were written there, or why not.
    Shared {
        incident: String,
        entries: Vec<String>,
        result: Result<(), String>,
    },
    /// An append finished: `Ok` once the entries are on disk (synced), else why not.
    Saved {
        incident: String,
        /// The ids of the entries appended.
        entries: Vec<String>,
        result: Result<(), String>,
    },
}

/// What a log stream (`Effect::StreamLogs`) sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogMsg {
    /// Lines of one pod, oldest first, without their newlines.
    Lines {
        id: u64,
        pod: String,
        lines: Vec<String>,
    },
    /// The pods a selector matched, once resolved.
    Pods { id: u64, pods: Vec<String> },
    /// One pod's stream stopped: `None` when it ended (not following, or the pod is
    /// gone), else why it failed. A followed stream that breaks is reopened by `io`, which
    /// says so with `Reopened`.
    Ended {
        id: u64,
        pod: String,
        error: Option<String>,
    },
    /// A followed stream was reopened (the container restarted, or the connection broke).
    Reopened { id: u64, pod: String },
}
