//! CronJobs and Jobs, slim: what the backup verdict and the Backups pane need (schedule,
//! suspension, the CronJob's own last-success stamp; each Job's owner, times, outcome and
//! why it failed). Pure conversions from the objects as JSON.

use jiff::Timestamp;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CronJobView {
    pub name: String,
    pub uid: String,
    pub schedule: String,
    /// `spec.timeZone`, which the schedule is read in (None: the controller's, UTC on every
    /// managed cluster).
    pub time_zone: Option<String>,
    pub suspend: bool,
    pub created: Option<Timestamp>,
    pub last_schedule: Option<Timestamp>,
    pub last_successful: Option<Timestamp>,
    /// Names of the Jobs running now (`status.active`).
    pub active: Vec<String>,
}

/// How a Job ended, or that it has not yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobOutcome {
    #[default]
    Running,
    Complete,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobView {
    pub name: String,
    /// The CronJob that controls it (its ownerReference), if any.
    pub cronjob: Option<String>,
    pub created: Option<Timestamp>,
    pub started: Option<Timestamp>,
    /// When it completed, or when it was marked failed.
    pub finished: Option<Timestamp>,
    pub outcome: JobOutcome,
    /// The Failed condition's reason and message ("BackoffLimitExceeded: …").
    pub failure: Option<String>,
    /// Started by hand (`cronjob.kubernetes.io/instantiate: manual`).
    pub manual: bool,
}

fn time(v: &Value) -> Option<Timestamp> {
    v.as_str()?.parse().ok()
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

impl CronJobView {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// From a `batch/v1` CronJob as JSON.
    pub fn from_json(o: &Value) -> CronJobView {
        CronJobView {
            name: text(&o["metadata"]["name"]).unwrap_or_default(),
            uid: text(&o["metadata"]["uid"]).unwrap_or_default(),
            schedule: text(&o["spec"]["schedule"]).unwrap_or_default(),
            time_zone: text(&o["spec"]["timeZone"]),
            suspend: o["spec"]["suspend"].as_bool() == Some(true),
            created: time(&o["metadata"]["creationTimestamp"]),
            last_schedule: time(&o["status"]["lastScheduleTime"]),
            last_successful: time(&o["status"]["lastSuccessfulTime"]),
            active: o["status"]["active"]
                .as_array()
                .map(|a| a.iter().filter_map(|r| text(&r["name"])).collect())
                .unwrap_or_default(),
        }
    }
}

impl JobView {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// From a `batch/v1` Job as JSON.
    pub fn from_json(o: &Value) -> JobView {
        let owner = o["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|refs| {
                refs.iter()
                    .find(|r| r["kind"] == "CronJob" && r["controller"] != false)
                    .and_then(|r| text(&r["name"]))
            });
        let conditions = o["status"]["conditions"].as_array();
        let condition = |kind: &str| {
            conditions.and_then(|cs| {
                cs.iter()
                    .find(|c| c["type"] == kind && c["status"] == "True")
            })
        };
        let (outcome, finished, failure) = if let Some(c) = condition("Complete") {
            (
                JobOutcome::Complete,
                time(&o["status"]["completionTime"]).or_else(|| time(&c["lastTransitionTime"])),
                None,
            )
        } else if let Some(c) = condition("Failed") {
            let reason = text(&c["reason"]).unwrap_or_else(|| "Failed".into());
            let failure = match text(&c["message"]).filter(|m| !m.is_empty()) {
                Some(m) => format!("{reason}: {m}"),
                None => reason,
            };
            (
                JobOutcome::Failed,
                time(&c["lastTransitionTime"]),
                Some(failure),
            )
        } else {
            (JobOutcome::Running, None, None)
        };
        JobView {
            name: text(&o["metadata"]["name"]).unwrap_or_default(),
            cronjob: owner,
            created: time(&o["metadata"]["creationTimestamp"]),
            started: time(&o["status"]["startTime"]),
            finished,
            outcome,
            failure,
            manual: o["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failed_job_keeps_its_owner_reason_and_times() {
        let job = JobView::from_json(&json!({
            "metadata": {"name": "postgres-backup-29500000", "creationTimestamp": "2026-12-01T02:00:00Z",
                "ownerReferences": [{"kind": "CronJob", "name": "postgres-backup", "controller": true}],
                "annotations": {"cronjob.kubernetes.io/instantiate": "manual"}},
            "status": {"startTime": "2026-12-01T02:00:01Z", "conditions": [
                {"type": "FailureTarget", "status": "True"},
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit",
                 "lastTransitionTime": "2026-12-01T02:03:00Z"}]}
        }));
        assert_eq!(job.cronjob.as_deref(), Some("postgres-backup"));
        assert_eq!(job.outcome, JobOutcome::Failed);
        assert!(job.manual);
        assert_eq!(
            job.failure.as_deref(),
            Some("BackoffLimitExceeded: Job has reached the specified backoff limit")
        );
        assert_eq!(job.finished, Some("2026-12-01T02:03:00Z".parse().unwrap()));
    }

    #[test]
    fn a_cronjob_reads_even_when_fields_are_missing() {
        let cj = CronJobView::from_json(&json!({"metadata": {"name": "x"}}));
        assert_eq!(cj.name, "x");
        assert!(cj.schedule.is_empty() && cj.last_successful.is_none() && !cj.suspend);
    }
}
