//! CloudNativePG, slim: each Cluster's continuous-archiving status (the first
//! recoverability point, the last successful and failed base backups, WAL archiving health)
//! and its Backups, with a pure verdict on the archiving.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// WAL older than this while the condition still says True: archiving has stalled.
/// CloudNativePG switches WAL at least every `archive_timeout` (5 min by default).
pub const WAL_STALE_AFTER: SignedDuration = SignedDuration::from_mins(30);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CnpgClusterView {
    pub name: String,
    /// The earliest time a point-in-time recovery can reach.
    pub first_recoverability_point: Option<Timestamp>,
    pub last_successful_backup: Option<Timestamp>,
    pub last_failed_backup: Option<Timestamp>,
    pub last_archived_wal: Option<String>,
    pub last_archived_wal_time: Option<Timestamp>,
    pub last_failed_wal: Option<String>,
    /// The ContinuousArchiving condition: status, and its reason and message.
    pub archiving: Option<(bool, String)>,
    /// Whether the Cluster has a backup store configured at all.
    pub backup_configured: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CnpgBackupView {
    pub name: String,
    pub cluster: String,
    pub phase: String,
    pub started: Option<Timestamp>,
    pub stopped: Option<Timestamp>,
    pub error: Option<String>,
}

/// WAL archiving's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archiving {
    Ok,
    /// The condition says True but nothing was archived for [`WAL_STALE_AFTER`].
    Stale,
    /// The condition says False.
    Failing,
    /// No backup store, or no condition yet.
    Unknown,
}

impl Archiving {
    pub fn as_str(self) -> &'static str {
        match self {
            Archiving::Ok => "archiving",
            Archiving::Stale => "stale",
            Archiving::Failing => "failing",
            Archiving::Unknown => "unknown",
        }
    }
}

fn time(v: &Value) -> Option<Timestamp> {
    v.as_str()?.parse().ok()
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

impl CnpgClusterView {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn from_json(o: &Value) -> CnpgClusterView {
        let s = &o["status"];
        let archiving = s["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "ContinuousArchiving"))
            .map(|c| {
                let why = match (text(&c["reason"]), text(&c["message"])) {
                    (Some(r), Some(m)) => format!("{r}: {m}"),
                    (r, m) => r.or(m).unwrap_or_default(),
                };
                (c["status"] == "True", why)
            });
        CnpgClusterView {
            name: text(&o["metadata"]["name"]).unwrap_or_default(),
            first_recoverability_point: time(&s["firstRecoverabilityPoint"]),
            last_successful_backup: time(&s["lastSuccessfulBackup"]),
            last_failed_backup: time(&s["lastFailedBackup"]),
            last_archived_wal: text(&s["lastArchivedWAL"]),
            last_archived_wal_time: time(&s["lastArchivedWALTime"]),
            last_failed_wal: text(&s["lastFailedWAL"]),
            archiving,
            backup_configured: !o["spec"]["backup"].is_null(),
        }
    }

    /// WAL archiving's health at `now`.
    pub fn archiving_at(&self, now: Timestamp) -> Archiving {
        match &self.archiving {
            Some((false, _)) => Archiving::Failing,
            Some((true, _)) => match self.last_archived_wal_time {
                Some(t) if now.duration_since(t) > WAL_STALE_AFTER => Archiving::Stale,
                _ => Archiving::Ok,
            },
            None => Archiving::Unknown,
        }
    }
}

impl CnpgClusterView {
    /// The Cluster's continuous archiving judged like a CronJob's backup, for
    /// `backup status`: fresh while WAL is archived, stale when it stalled, failing when
    /// the ContinuousArchiving condition says False. The "last success" is the last WAL
    /// archived (a point-in-time recovery reaches up to it).
    pub fn health(&self, now: Timestamp) -> super::backup::BackupHealth {
        use super::backup::Verdict;
        let archiving = self.archiving_at(now);
        let age = self.last_archived_wal_time.map(|t| now.duration_since(t));
        let ago = |d: SignedDuration| crate::text::short_age(d.as_secs());
        let last = match age {
            Some(a) => format!("last WAL archived {} ago", ago(a)),
            None => "no WAL archived".to_string(),
        };
        let pitr = match self.first_recoverability_point {
            Some(p) => format!("; PITR from {}", p.strftime("%Y-%m-%d %H:%M UTC")),
            None => String::new(),
        };
        let (verdict, reason) = match archiving {
            Archiving::Ok => (Verdict::Fresh, format!("{last}{pitr}")),
            Archiving::Stale => (
                Verdict::Stale,
                format!("{last}, beyond {}{pitr}", ago(WAL_STALE_AFTER)),
            ),
            Archiving::Failing => {
                let why = self
                    .archiving
                    .as_ref()
                    .map(|(_, w)| w.as_str())
                    .unwrap_or("");
                (
                    Verdict::Failing,
                    format!("WAL archiving failing: {why}; {last}"),
                )
            }
            Archiving::Unknown => (
                Verdict::Unknown,
                "no ContinuousArchiving condition yet".to_string(),
            ),
        };
        super::backup::BackupHealth {
            kind: "Cluster",
            name: self.name.clone(),
            schedule: "continuous".into(),
            schedule_words: "Continuous WAL archiving".into(),
            time_zone: None,
            suspended: false,
            next_run: None,
            interval_seconds: None,
            rpo_seconds: Some(WAL_STALE_AFTER.as_secs()),
            rpo_configured: false,
            last_success: self.last_archived_wal_time,
            last_success_job: self.last_archived_wal.clone(),
            age_seconds: age.map(|a| a.as_secs()),
            last_failure: self.last_failed_backup.map(|at| super::backup::JobRef {
                name: "base backup".into(),
                at: Some(at),
                reason: None,
            }),
            running: Vec::new(),
            verdict,
            reason,
        }
    }
}

impl CnpgBackupView {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn from_json(o: &Value) -> CnpgBackupView {
        CnpgBackupView {
            name: text(&o["metadata"]["name"]).unwrap_or_default(),
            cluster: text(&o["spec"]["cluster"]["name"]).unwrap_or_default(),
            phase: text(&o["status"]["phase"]).unwrap_or_else(|| "new".into()),
            started: time(&o["status"]["startedAt"]),
            stopped: time(&o["status"]["stoppedAt"]),
            error: text(&o["status"]["error"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn archiving_is_failing_stale_or_ok() {
        let mut c = CnpgClusterView::from_json(&json!({
            "metadata": {"name": "kubechat-postgres"},
            "spec": {"backup": {"barmanObjectStore": {}}},
            "status": {"firstRecoverabilityPoint": "2026-11-01T00:00:00Z",
                "lastArchivedWALTime": "2026-12-01T09:58:00Z",
                "conditions": [{"type": "ContinuousArchiving", "status": "True",
                    "reason": "ContinuousArchivingSuccess", "message": "Continuous archiving is working"}]}
        }));
        assert!(c.backup_configured);
        assert_eq!(c.archiving_at(ts("2026-12-01T10:00:00Z")), Archiving::Ok);
        assert_eq!(c.archiving_at(ts("2026-12-01T11:00:00Z")), Archiving::Stale);
        c.archiving = Some((false, "ContinuousArchivingFailing: exit status 4".into()));
        assert_eq!(
            c.archiving_at(ts("2026-12-01T10:00:00Z")),
            Archiving::Failing
        );
        assert_eq!(
            c.first_recoverability_point,
            Some(ts("2026-11-01T00:00:00Z"))
        );
    }

    #[test]
    fn a_backup_without_status_is_new() {
        let b = CnpgBackupView::from_json(
            &json!({"metadata": {"name": "b"}, "spec": {"cluster": {"name": "c"}}}),
        );
        assert_eq!((b.phase.as_str(), b.cluster.as_str()), ("new", "c"));
    }
}
