//! The CronJob controller: creates a Job (`<cronjob>-<scheduled minute>`) when the schedule
//! comes due, tracks `status.active`, lastScheduleTime and lastSuccessfulTime, reports
//! SawCompletedJob and trims finished jobs to the history limits.

use std::str::FromStr as _;

use chrono::{DateTime, Utc};
use jiff::Timestamp;
use serde_json::{json, Value};

use super::job::{finished, jobs, Outcome};
use super::util::{self, name};
use super::{Ctx, Obj};
use crate::clock::rfc3339;
use crate::events::{self, EventKind, Source};
use crate::resources::{self, Resource};

const SOURCE: Source<'static> = Source::component("cronjob-controller");

fn cronjobs() -> &'static Resource {
    resources::of("batch", "cronjobs")
}

pub fn sync_all(ctx: &mut Ctx) {
    let all_jobs = ctx.store.list(jobs(), None);
    let owned = util::by_owner(&all_jobs, |o| util::controller_uid(o));
    for cj in ctx.store.list(cronjobs(), None) {
        if util::is_deleting(&cj) {
            continue;
        }
        let jobs = owned.get(util::uid(&cj)).cloned().unwrap_or_default();
        sync(ctx, &cj, jobs);
    }
}

/// The most recent time the schedule fired in (after, now], if any.
pub fn due_time(
    schedule: &str,
    after: Timestamp,
    now: Timestamp,
) -> Result<Option<Timestamp>, String> {
    let cron = croner::Cron::from_str(schedule).map_err(|e| e.to_string())?;
    let to_chrono = |t: Timestamp| DateTime::<Utc>::from_timestamp(t.as_second(), 0);
    let (Some(after_c), Some(now_c)) = (to_chrono(after), to_chrono(now)) else {
        return Ok(None);
    };
    let next = cron
        .find_next_occurrence(&after_c, false)
        .map_err(|e| e.to_string())?;
    if next > now_c {
        return Ok(None);
    }
    let latest = cron.find_previous_occurrence(&now_c, true).unwrap_or(next);
    Ok(Timestamp::from_second(latest.max(next).timestamp()).ok())
}

fn sync(ctx: &mut Ctx, cj: &Obj, mut owned: Vec<Obj>) {
    let ns = util::namespace(cj).to_string();
    let mut status = cj.get("status").cloned().unwrap_or_else(|| json!({}));
    let was_active: Vec<String> = status["active"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    // Newly finished jobs.
    for job in &owned {
        let Some(outcome) = finished(job) else {
            continue;
        };
        if was_active.iter().any(|n| n == name(job)) {
            let condition = if outcome == Outcome::Complete {
                "Complete"
            } else {
                "Failed"
            };
            let msg = format!("Saw completed job: {}, condition: {condition}", name(job));
            events::record(
                ctx.store,
                cj,
                EventKind::Normal,
                "SawCompletedJob",
                &msg,
                SOURCE,
            );
        }
        if outcome == Outcome::Complete {
            let done = job["status"]["completionTime"].clone();
            let newer = match (
                util::timestamp(&done),
                util::timestamp(&status["lastSuccessfulTime"]),
            ) {
                (Some(d), Some(last)) => d > last,
                (Some(_), None) => true,
                _ => false,
            };
            if newer {
                status["lastSuccessfulTime"] = done;
            }
        }
    }
    // Schedule.
    let suspended = cj["spec"]["suspend"].as_bool() == Some(true);
    let schedule = cj["spec"]["schedule"].as_str().unwrap_or("");
    let after = util::timestamp(&status["lastScheduleTime"])
        .or_else(|| util::timestamp(&cj["metadata"]["creationTimestamp"]))
        .unwrap_or(ctx.now);
    if !suspended {
        match due_time(schedule, after, ctx.now) {
            Ok(Some(at)) => {
                if let Some(job) = create_job(ctx, cj, at) {
                    owned.push(job);
                }
                status["lastScheduleTime"] = json!(rfc3339(at));
            }
            Ok(None) => {}
            Err(e) => {
                let msg = format!("unparseable schedule: \"{schedule}\" : {e}");
                events::record(
                    ctx.store,
                    cj,
                    EventKind::Warning,
                    "UnparseableSchedule",
                    &msg,
                    SOURCE,
                );
            }
        }
    }
    let active: Vec<Value> = owned
        .iter()
        .filter(|j| finished(j).is_none())
        .map(|j| json!({"kind": "Job", "namespace": ns, "name": name(j), "uid": util::uid(j), "apiVersion": "batch/v1", "resourceVersion": j["metadata"]["resourceVersion"]}))
        .collect();
    util::set_or_remove(
        &mut status,
        "active",
        if active.is_empty() {
            Value::Null
        } else {
            json!(active)
        },
    );
    if cj.get("status") != Some(&status) {
        let _ = ctx
            .store
            .modify(cronjobs(), &ns, name(cj), |c| c["status"] = status);
    }
    trim_history(ctx, cj, &owned);
}

fn create_job(ctx: &mut Ctx, cj: &Obj, at: Timestamp) -> Option<Obj> {
    let ns = util::namespace(cj).to_string();
    let job_name = format!("{}-{}", name(cj), at.as_second() / 60);
    if ctx.store.get(jobs(), &ns, &job_name).is_some() {
        return None;
    }
    let template = &cj["spec"]["jobTemplate"];
    let mut metadata = json!({
        "name": job_name,
        "namespace": ns,
        "labels": template["metadata"]["labels"],
        "annotations": template["metadata"]["annotations"],
        "ownerReferences": [util::owner_ref(cj)],
    });
    metadata["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] = json!(rfc3339(at));
    if metadata["labels"].is_null() {
        metadata.as_object_mut().map(|m| m.remove("labels"));
    }
    let job = json!({"metadata": metadata, "spec": template["spec"]});
    let created = ctx.store.create_internal(jobs(), &ns, job).ok()?;
    let msg = format!("Created job {job_name}");
    events::record(
        ctx.store,
        cj,
        EventKind::Normal,
        "SuccessfulCreate",
        &msg,
        SOURCE,
    );
    Some(created)
}

fn trim_history(ctx: &mut Ctx, cj: &Obj, owned: &[Obj]) {
    let limit_ok = cj["spec"]["successfulJobsHistoryLimit"]
        .as_u64()
        .unwrap_or(3) as usize;
    let limit_failed = cj["spec"]["failedJobsHistoryLimit"].as_u64().unwrap_or(1) as usize;
    for (outcome, limit) in [
        (Outcome::Complete, limit_ok),
        (Outcome::Failed, limit_failed),
    ] {
        let mut done: Vec<&Obj> = owned
            .iter()
            .filter(|j| finished(j) == Some(outcome))
            .collect();
        if done.len() <= limit {
            continue;
        }
        done.sort_by_key(|j| {
            j["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap_or("")
                .to_string()
        });
        let extra = done.len() - limit;
        for job in done.into_iter().take(extra) {
            let job_name = name(job).to_string();
            if ctx
                .store
                .delete(jobs(), util::namespace(job), &job_name, Default::default())
                .is_ok()
            {
                let msg = format!("Deleted job {job_name}");
                events::record(
                    ctx.store,
                    cj,
                    EventKind::Normal,
                    "SuccessfulDelete",
                    &msg,
                    SOURCE,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_time_is_the_latest_missed_occurrence() {
        let after: Timestamp = "2026-01-01T02:00:00Z".parse().unwrap();
        let now: Timestamp = "2026-01-03T10:00:00Z".parse().unwrap();
        let due = due_time("0 2 * * *", after, now).unwrap();
        assert_eq!(due, Some("2026-01-03T02:00:00Z".parse().unwrap()));
        let early: Timestamp = "2026-01-01T03:00:00Z".parse().unwrap();
        assert_eq!(due_time("0 2 * * *", after, early).unwrap(), None);
        assert!(due_time("not a schedule", after, now).is_err());
    }
}
