//! The Backups pane: every CronJob of the namespace (`postgres-backup` first) judged by
//! `cluster::backup` (fresh, late, failing, stale), the selected one's next run in local
//! time and UTC, what runs now, the last failed run with its reason and its pod's log
//! tail, and the run history. Turning stale or failing goes on the timeline. Running a
//! backup now, suspending and resuming are writes, each asked for with a confirmation.

mod action;
#[cfg(test)]
mod tests;
mod view;

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Change, Cx, Goto, Input, LogSource, LogTarget, PaneEvent, PaneId, View};
use crate::cluster::backup::{assess_all, manual_job_name, BackupHealth, BackupPolicy, Verdict};
use crate::cluster::backup_view::JobView;
use crate::cluster::cnpg_view::Archiving;
use crate::cluster::{ClusterData, Touched};
use crate::effect::{ClusterWrite, Effect, LogPods, LogStream};
use crate::feed::EntryKind;
use crate::kpi::{AlertState, FiringAlert};
use crate::msg::{LogMsg, Msg};
pub use action::Action;

/// The id of the log stream that reads a failed run's tail (far from the Logs pane's ids,
/// which count up from 1).
pub const LOG_STREAM_ID: u64 = 7 << 48;
/// Lines of a failed run's log kept and shown.
pub const LOG_TAIL: usize = 8;

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub cursor: usize,
    /// The selected CronJob's name, so the cursor stays on it as the list changes.
    selected: Option<String>,
    /// Every CronJob judged, as of the last tick or watch change.
    pub health: Vec<BackupHealth>,
    /// Each CronJob's verdict last judged, to tell when one turns stale or failing.
    verdicts: BTreeMap<String, Verdict>,
    /// The RPO per CronJob and the grace (the config's `[backups]`).
    pub policy: BackupPolicy,
    /// The zone "local time" means (None: UTC). Set at start from the system.
    pub tz: Option<TimeZone>,
    /// The failed Job whose log tail is shown, and its lines.
    pub log_job: Option<String>,
    pub log_lines: Vec<String>,
    /// The action whose confirmation is open.
    pub awaiting: Option<Action>,
    /// Each CloudNativePG Cluster's WAL archiving health last judged.
    archiving: BTreeMap<String, Archiving>,
    /// The revisions of what was judged last (`revisions`).
    judged: Option<[u64; 4]>,
}

impl Model {
    pub fn selected(&self) -> Option<&BackupHealth> {
        self.health.get(self.cursor)
    }

    /// The Jobs of CronJob `name`, newest first.
    pub fn history<'a>(cluster: &'a ClusterData, name: &str) -> Vec<&'a JobView> {
        let mut jobs: Vec<&JobView> = cluster
            .jobs
            .values()
            .filter(|j| j.cronjob.as_deref() == Some(name))
            .collect();
        jobs.sort_by(|a, b| (b.created, &b.name).cmp(&(a.created, &a.name)));
        jobs
    }
}

pub fn update(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    match input {
        Input::Action(Action::Logs) => logs(model, cx),
        Input::Action(Action::Snapshot) => {
            cx.toast(false, "snapshot: reading the namespace…");
            return vec![Effect::Snapshot];
        }
        Input::Action(action) => begin_write(model, cx, action),
        Input::Event(PaneEvent::Nav(nav)) => {
            model.cursor = nav.apply(model.cursor, model.health.len());
            model.selected = model.selected().map(|h| h.name.clone());
            cx.changed();
            return follow_failed_log(model);
        }
        Input::Event(PaneEvent::Confirmed(Change::Write(write)))
            if model.awaiting.take().is_some() =>
        {
            let what = write.to_string();
            cx.note(EntryKind::Action, false, format!("{what}: requested"));
            cx.toast(false, format!("{what}: requested"));
            return vec![
                Effect::Log(format!("action confirmed: {what}")),
                Effect::Write(write.clone()),
            ];
        }
        Input::Event(PaneEvent::Cancelled(_)) => model.awaiting = None,
        Input::Event(_) => {}
        // thousands of pod changes a second must not judge the CronJobs again each time
        Input::ClusterChanged(touched) => {
            // its CronJobs, Jobs and CNPG objects are among what touches no row
            if *touched == Touched::Other && cx.shown.contains(PaneId::Backups) {
                cx.changed();
            }
            if model.judged != Some(revisions(cx.cluster)) {
                return judge(model, cx);
            }
        }
        Input::Msg(Msg::Tick(_)) => return judge(model, cx),
        Input::Msg(Msg::Log(m)) => on_log(model, cx, m),
        Input::Msg(Msg::Snapshot(result)) => match result {
            Ok(what) => {
                cx.note(
                    EntryKind::Result,
                    false,
                    format!("configuration snapshot: {what}"),
                );
                cx.toast(false, format!("snapshot: {what}"));
            }
            Err(e) => {
                cx.note(
                    EntryKind::Result,
                    true,
                    format!("configuration snapshot FAILED: {e}"),
                );
                cx.toast(true, format!("snapshot failed: {e}"));
            }
        },
        Input::Msg(_) => {}
    }
    Vec::new()
}

/// What the verdicts are derived from, as it stood: the revisions of the CronJobs, the
/// Jobs and CloudNativePG's Clusters and Backups.
fn revisions(cluster: &crate::cluster::ClusterData) -> [u64; 4] {
    [
        cluster.cronjobs.revision(),
        cluster.jobs.revision(),
        cluster.cnpg_clusters.revision(),
        cluster.cnpg_backups.revision(),
    ]
}

/// Judges every CronJob again; notes those that turned stale or failing (and back), and
/// keeps the failed run's log tail for the selected one.
fn judge(model: &mut Model, cx: &mut Cx) -> Vec<Effect> {
    let cluster = cx.cluster;
    if !(cluster.cronjobs.synced && cluster.jobs.synced) {
        return Vec::new();
    }
    model.judged = Some(revisions(cluster));
    let jobs: Vec<&JobView> = cluster.jobs.values().collect();
    let health = assess_all(cluster.cronjobs.values(), &jobs, cx.now, &model.policy);
    for h in &health {
        let before = model.verdicts.insert(h.name.clone(), h.verdict);
        if before == Some(h.verdict) {
            continue;
        }
        let was_alarming = before.is_some_and(Verdict::is_alarming);
        let key = format!("backup/{}", h.name);
        if h.verdict.is_alarming() {
            cx.alert(
                key,
                Some(FiringAlert {
                    name: match h.verdict {
                        Verdict::Stale => format!("BackupStale {}", h.name),
                        _ => format!("BackupFailing {}", h.name),
                    },
                    state: AlertState::Firing,
                    severity: Some("critical".into()),
                    summary: Some(h.reason.clone()),
                    active_at: Some(cx.now),
                    labels: Default::default(),
                }),
            );
        } else if was_alarming {
            cx.alert(key, None);
        }
        if h.verdict.is_alarming() {
            let mut text = format!("backup {} is {}: {}", h.name, h.verdict.as_str(), h.reason);
            if let Some(reason) = h.last_failure.as_ref().and_then(|f| f.reason.as_ref()) {
                text.push_str(&format!(" (last failure: {reason})"));
            }
            cx.note(EntryKind::Warning, true, text);
        } else if was_alarming {
            cx.note(
                EntryKind::Result,
                false,
                format!(
                    "backup {} is {} again: {}",
                    h.name,
                    h.verdict.as_str(),
                    h.reason
                ),
            );
        }
    }
    let gone: Vec<String> = model
        .verdicts
        .keys()
        .filter(|name| !health.iter().any(|h| &h.name == *name))
        .cloned()
        .collect();
    for name in gone {
        model.verdicts.remove(&name);
        cx.alert(format!("backup/{name}"), None);
    }
    judge_archiving(model, cx);
    let visible = |h: &BackupHealth| {
        (
            h.verdict,
            h.next_run,
            h.reason.clone(),
            h.running.clone(),
            h.last_failure.clone(),
            h.suspended,
        )
    };
    let changed = model.health.len() != health.len()
        || model
            .health
            .iter()
            .zip(&health)
            .any(|(a, b)| a.name != b.name || visible(a) != visible(b));
    model.health = health;
    let at = model
        .selected
        .as_ref()
        .and_then(|n| model.health.iter().position(|h| &h.name == n))
        .unwrap_or(model.cursor);
    model.cursor = at.min(model.health.len().saturating_sub(1));
    model.selected = model.selected().map(|h| h.name.clone());
    if changed {
        cx.changed();
    }
    follow_failed_log(model)
}

/// Notes a CloudNativePG Cluster whose WAL archiving turns failing or stale (and back).
fn judge_archiving(model: &mut Model, cx: &mut Cx) {
    let cluster = cx.cluster;
    let mut seen = Vec::new();
    for c in cluster
        .cnpg_clusters
        .values()
        .filter(|c| c.backup_configured)
    {
        let now = c.archiving_at(cx.now);
        seen.push(c.name.clone());
        let before = model.archiving.insert(c.name.clone(), now);
        if before == Some(now) {
            continue;
        }
        let bad = |a: Archiving| matches!(a, Archiving::Failing | Archiving::Stale);
        let last = c
            .last_archived_wal_time
            .map(|t| {
                format!(
                    "last WAL archived {} ago",
                    crate::text::short_age(cx.now.duration_since(t).as_secs())
                )
            })
            .unwrap_or_else(|| "no WAL archived".into());
        let key = format!("archiving/{}", c.name);
        if bad(now) {
            cx.alert(
                key,
                Some(FiringAlert {
                    name: format!("WALArchivingFailing {}", c.name),
                    state: AlertState::Firing,
                    severity: Some("critical".into()),
                    summary: Some(last.clone()),
                    active_at: Some(cx.now),
                    labels: Default::default(),
                }),
            );
        } else if before.is_some_and(bad) {
            cx.alert(key, None);
        }
        if bad(now) {
            let why = c.archiving.as_ref().map(|(_, w)| w.as_str()).unwrap_or("");
            cx.note(
                EntryKind::Warning,
                true,
                format!(
                    "WAL archiving of cluster {} is {}: {last}; {why}",
                    c.name,
                    now.as_str()
                ),
            );
        } else if before.is_some_and(bad) {
            cx.note(
                EntryKind::Result,
                false,
                format!("WAL archiving of cluster {} works again: {last}", c.name),
            );
        }
    }
    let gone: Vec<String> = model
        .archiving
        .keys()
        .filter(|name| !seen.contains(*name))
        .cloned()
        .collect();
    for name in gone {
        model.archiving.remove(&name);
        cx.alert(format!("archiving/{name}"), None);
    }
}

/// Reads the tail of the selected CronJob's last failed run, once per failed Job.
fn follow_failed_log(model: &mut Model) -> Vec<Effect> {
    let failed = model
        .selected()
        .and_then(|h| h.last_failure.as_ref())
        .map(|f| f.name.clone());
    if failed == model.log_job {
        return Vec::new();
    }
    model.log_lines.clear();
    model.log_job = failed.clone();
    match failed {
        Some(job) => vec![Effect::StreamLogs(LogStream {
            id: LOG_STREAM_ID,
            pods: LogPods::Selector(format!("job-name={job}")),
            container: None,
            follow: false,
            previous: false,
            tail: Some(LOG_TAIL as i64),
        })],
        None => vec![Effect::StopLogs(LOG_STREAM_ID)],
    }
}

fn on_log(model: &mut Model, cx: &mut Cx, m: &LogMsg) {
    if let LogMsg::Lines { id, lines, .. } = m {
        if *id == LOG_STREAM_ID {
            model.log_lines.extend(lines.iter().cloned());
            let extra = model.log_lines.len().saturating_sub(LOG_TAIL);
            model.log_lines.drain(..extra);
            cx.changed();
        }
    }
}

/// A write's confirmation, for the selected CronJob.
fn begin_write(model: &mut Model, cx: &mut Cx, action: Action) {
    let Some(h) = model.selected() else {
        return cx.toast(true, "backups: no CronJob selected");
    };
    let name = h.name.clone();
    let (write, prompt, caution) = match action {
        Action::RunNow => {
            let job = manual_job_name(&name, cx.now);
            let running = (!h.running.is_empty())
                .then(|| format!("already running: {}", h.running.join(", ")));
            (
                ClusterWrite::RunCronJob {
                    cronjob: name.clone(),
                    job: job.clone(),
                },
                format!("Run the backup now: create job {job} from cronjob/{name}?"),
                running,
            )
        }
        Action::Suspend if h.suspended => {
            return cx.toast(true, format!("{name} is already suspended"))
        }
        Action::Suspend => (
            ClusterWrite::SuspendCronJob {
                name: name.clone(),
                suspend: true,
            },
            format!("Suspend cronjob {name}?"),
            Some("no backup runs while it is suspended; the backup goes stale".to_string()),
        ),
        Action::Resume if !h.suspended => {
            return cx.toast(true, format!("{name} is not suspended"))
        }
        Action::Resume => (
            ClusterWrite::SuspendCronJob {
                name: name.clone(),
                suspend: false,
            },
            format!("Resume cronjob {name}?"),
            None,
        ),
        Action::Logs | Action::Snapshot => return,
    };
    model.awaiting = Some(action);
    cx.confirm(write, prompt, caution);
}

/// `l`: the last failed run's pods in the Logs pane.
fn logs(model: &Model, cx: &mut Cx) {
    let Some(failed) = model.selected().and_then(|h| h.last_failure.as_ref()) else {
        return cx.toast(true, "logs: no failed run to read");
    };
    cx.go(Goto::Logs(LogTarget {
        title: format!("job {}", failed.name),
        source: LogSource::Selector(format!("job-name={}", failed.name)),
        container: None,
    }));
}

pub fn render(model: &Model, view: &View, area: Rect, buf: &mut Buffer) {
    view::render(model, view, area, buf);
}
