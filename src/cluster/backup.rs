//! Backup health, pure: for each CronJob its schedule in words, the next run, the last
//! successful and failed Jobs, the age of the last success against a recovery-point
//! objective, and a verdict (fresh, late, stale, failing). The Backups pane and the
//! headless `backup status` both judge with [`assess`], so they agree by construction.
//!
//! The verdict, worst first:
//! - **stale**: the last success is older than the RPO (or there never was one and the
//!   CronJob is older than the RPO): a restore now would lose more than allowed;
//! - **failing**: the newest finished Job failed and no success came after it;
//! - **late**: the last success is older than one schedule interval (a run is due or
//!   running) but still within the RPO;
//! - **fresh**: otherwise.
//!
//! Schedules are read as the Kubernetes CronJob controller reads them (five fields, the
//! `@daily` nicknames) in the CronJob's `spec.timeZone` (an IANA name; UTC without one): the
//! next run, the interval and so the RPO follow the zone's clock, daylight saving included.

use std::collections::BTreeMap;
use std::str::FromStr as _;

use chrono::{DateTime, Utc};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::backup_view::{CronJobView, JobOutcome, JobView};

/// The grace added to one schedule interval when a CronJob has no RPO of its own.
pub const DEFAULT_GRACE: SignedDuration = SignedDuration::from_hours(1);

/// How fresh a backup must be: a grace on top of the interval, or an RPO per CronJob.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupPolicy {
    pub grace: SignedDuration,
    /// CronJob name → its recovery-point objective.
    pub rpo: BTreeMap<String, SignedDuration>,
}

impl Default for BackupPolicy {
    fn default() -> Self {
        BackupPolicy {
            grace: DEFAULT_GRACE,
            rpo: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Fresh,
    Late,
    Failing,
    Stale,
    /// The schedule cannot be read: nothing can be said.
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fresh => "fresh",
            Verdict::Late => "late",
            Verdict::Failing => "failing",
            Verdict::Stale => "stale",
            Verdict::Unknown => "unknown",
        }
    }

    /// Stale and failing need someone: they go on the timeline and open an alert.
    pub fn is_alarming(self) -> bool {
        matches!(self, Verdict::Stale | Verdict::Failing)
    }
}

/// A finished Job, as the verdict names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRef {
    pub name: String,
    pub at: Option<Timestamp>,
    /// Why it failed (failed Jobs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One CronJob's backup health at `now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupHealth {
    /// "CronJob", or "Cluster" for a CloudNativePG Cluster's continuous archiving.
    pub kind: &'static str,
    pub name: String,
    pub schedule: String,
    /// "At 02:00", or why the schedule cannot be read.
    pub schedule_words: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    pub suspended: bool,
    /// The next time the schedule fires (None when suspended or unreadable).
    pub next_run: Option<Timestamp>,
    /// Seconds between two runs.
    pub interval_seconds: Option<i64>,
    /// Seconds a backup may be old before it is stale.
    pub rpo_seconds: Option<i64>,
    /// Whether the RPO is the CronJob's own (config) or interval + grace.
    pub rpo_configured: bool,
    pub last_success: Option<Timestamp>,
    /// The Job that made it, when it is still there.
    pub last_success_job: Option<String>,
    /// Seconds since the last success.
    pub age_seconds: Option<i64>,
    pub last_failure: Option<JobRef>,
    /// Jobs running now.
    pub running: Vec<String>,
    pub verdict: Verdict,
    /// One line: why this verdict.
    pub reason: String,
}

/// A schedule read as the CronJob controller reads it, in its time zone.
pub struct Schedule {
    cron: croner::Cron,
    tz: TimeZone,
}

/// A wall-clock time as croner takes it: the same digits, read as UTC.
fn as_utc_digits(civil: jiff::civil::DateTime) -> Option<DateTime<Utc>> {
    let t = civil.to_zoned(TimeZone::UTC).ok()?.timestamp();
    DateTime::<Utc>::from_timestamp(t.as_second(), 0)
}

fn from_utc_digits(d: DateTime<Utc>) -> Option<jiff::civil::DateTime> {
    Some(
        Timestamp::from_second(d.timestamp())
            .ok()?
            .to_zoned(TimeZone::UTC)
            .datetime(),
    )
}

impl Schedule {
    /// A schedule in UTC.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        if text.trim().is_empty() {
            return Err("no schedule".into());
        }
        croner::Cron::from_str(text.trim())
            .map(|cron| Schedule {
                cron,
                tz: TimeZone::UTC,
            })
            .map_err(|e| format!("cannot read schedule {text:?}: {e}"))
    }

    /// A schedule in `spec.timeZone` (None: UTC, as the controller on managed clusters).
    pub fn parse_in(text: &str, time_zone: Option<&str>) -> Result<Schedule, String> {
        let mut s = Schedule::parse(text)?;
        if let Some(name) = time_zone {
            s.tz = TimeZone::get(name).map_err(|e| format!("unknown timeZone {name:?}: {e}"))?;
        }
        Ok(s)
    }

    /// "At 02:00" (croner's English, without the final full stop).
    pub fn words(&self) -> String {
        self.cron.describe().trim_end_matches('.').to_string()
    }

    /// The first time it fires strictly after `t`: the next matching wall-clock time in the
    /// zone; one that daylight saving skips fires when the clock resumes, one it repeats
    /// fires once (the earlier).
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        let mut wall = t.to_zoned(self.tz.clone()).datetime();
        // a repeated hour can give back a wall time at or before `t`: look further
        for _ in 0..4 {
            let next = self
                .cron
                .find_next_occurrence(&as_utc_digits(wall)?, false)
                .ok()?;
            wall = from_utc_digits(next)?;
            let at = self.tz.to_ambiguous_timestamp(wall).compatible().ok()?;
            if at > t {
                return Some(at);
            }
        }
        None
    }

    /// The time between the next two runs after `t`.
    pub fn interval_after(&self, t: Timestamp) -> Option<SignedDuration> {
        let a = self.next_after(t)?;
        let b = self.next_after(a)?;
        Some(b.duration_since(a))
    }
}

/// Judges one CronJob from its own status and the Jobs it owns.
pub fn assess(
    cj: &CronJobView,
    jobs: &[&JobView],
    now: Timestamp,
    policy: &BackupPolicy,
) -> BackupHealth {
    let schedule = Schedule::parse_in(&cj.schedule, cj.time_zone.as_deref());
    let (words, next_run, interval) = match &schedule {
        Ok(s) => (
            s.words(),
            (!cj.suspend).then(|| s.next_after(now)).flatten(),
            s.interval_after(now),
        ),
        Err(e) => (e.clone(), None, None),
    };
    let own_rpo = policy.rpo.get(&cj.name).copied();
    let rpo = own_rpo.or_else(|| interval.map(|i| i + policy.grace));

    let newest = |outcome: JobOutcome| {
        jobs.iter()
            .filter(|j| j.outcome == outcome)
            .max_by_key(|j| (j.finished.or(j.created), j.name.clone()))
    };
    let success_job = newest(JobOutcome::Complete);
    let job_success = success_job.and_then(|j| j.finished);
    let last_success = match (cj.last_successful, job_success) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let last_success_job = success_job
        .filter(|j| j.finished.is_some() && j.finished == last_success)
        .map(|j| j.name.clone());
    let last_failure = newest(JobOutcome::Failed).map(|j| JobRef {
        name: j.name.clone(),
        at: j.finished.or(j.created),
        reason: j.failure.clone(),
    });
    let mut running: Vec<String> = jobs
        .iter()
        .filter(|j| j.outcome == JobOutcome::Running)
        .map(|j| j.name.clone())
        .collect();
    for a in &cj.active {
        // the CronJob's status lags its Jobs': one seen finished is not running
        let finished = jobs
            .iter()
            .any(|j| &j.name == a && j.outcome != JobOutcome::Running);
        if !finished && !running.contains(a) {
            running.push(a.clone());
        }
    }
    running.sort();

    let age = last_success.map(|t| now.duration_since(t));
    let failing_since = last_failure
        .as_ref()
        .filter(|f| match (f.at, last_success) {
            (Some(f), Some(s)) => f > s,
            (_, None) => true,
            (None, Some(_)) => false,
        })
        .map(|f| f.name.clone());
    let label = |d: SignedDuration| crate::text::short_age(d.as_secs());
    let rpo_label = |d: SignedDuration| crate::text::duration_label(d.as_secs());
    let (verdict, mut reason) = match (&schedule, rpo) {
        (Err(e), _) => (Verdict::Unknown, e.clone()),
        (Ok(_), None) => (
            Verdict::Unknown,
            "the schedule never fires again: no interval to judge by".to_string(),
        ),
        (Ok(_), Some(rpo)) => {
            // since when the backup has been missing: the last success, else the CronJob
            let since = age.or_else(|| cj.created.map(|c| now.duration_since(c)));
            let what = match age {
                Some(a) => format!("last success {} ago", label(a)),
                None => "never succeeded".to_string(),
            };
            match since {
                Some(s) if s > rpo => (
                    Verdict::Stale,
                    format!("{what}, beyond the RPO of {}", rpo_label(rpo)),
                ),
                _ if failing_since.is_some() => (
                    Verdict::Failing,
                    format!(
                        "job {} failed; {what}",
                        failing_since.as_deref().unwrap_or_default()
                    ),
                ),
                Some(s) if interval.is_some_and(|i| s > i) => (
                    Verdict::Late,
                    format!("{what}, a run is due (RPO {})", rpo_label(rpo)),
                ),
                _ => (
                    Verdict::Fresh,
                    format!("{what}, within the RPO of {}", rpo_label(rpo)),
                ),
            }
        }
    };
    if cj.suspend {
        reason.push_str("; suspended");
    }
    BackupHealth {
        kind: "CronJob",
        name: cj.name.clone(),
        schedule: cj.schedule.clone(),
        schedule_words: words,
        time_zone: cj.time_zone.clone(),
        suspended: cj.suspend,
        next_run,
        interval_seconds: interval.map(|i| i.as_secs()),
        rpo_seconds: rpo.map(|r| r.as_secs()),
        rpo_configured: own_rpo.is_some(),
        last_success,
        last_success_job,
        age_seconds: age.map(|a| a.as_secs()),
        last_failure,
        running,
        verdict,
        reason,
    }
}

/// Every CronJob judged, the seed's `postgres-backup` first, then by name.
pub fn assess_all<'a>(
    cronjobs: impl IntoIterator<Item = &'a CronJobView>,
    jobs: &[&JobView],
    now: Timestamp,
    policy: &BackupPolicy,
) -> Vec<BackupHealth> {
    let mut all: Vec<BackupHealth> = cronjobs
        .into_iter()
        .map(|cj| {
            let owned: Vec<&JobView> = jobs
                .iter()
                .copied()
                .filter(|j| j.cronjob.as_deref() == Some(cj.name.as_str()))
                .collect();
            assess(cj, &owned, now, policy)
        })
        .collect();
    all.sort_by(|a, b| {
        (a.name != POSTGRES_BACKUP, &a.name).cmp(&(b.name != POSTGRES_BACKUP, &b.name))
    });
    all
}

/// The seed's nightly database backup, shown first.
pub const POSTGRES_BACKUP: &str = "postgres-backup";

/// The name `kubectl create job NAME --from=cronjob/CRONJOB` is given by convention (and by
/// Lens and k9s): `<cronjob>-manual-<n>`, cut so the Job name stays a valid label value.
pub fn manual_job_name(cronjob: &str, now: Timestamp) -> String {
    let suffix = format!("-manual-{}", now.as_second() % 1_000_000);
    let room = 63 - suffix.len();
    let base: String = cronjob.chars().take(room).collect();
    format!("{}{suffix}", base.trim_end_matches('-'))
}

#[cfg(test)]
#[path = "backup_tests.rs"]
mod tests;
