//! The Job controller: runs a pod until `completions` succeed or `backoffLimit` failures,
//! then sets the Complete or Failed condition, as batch/v1 reports it.

use std::time::Duration;

use serde_json::{json, Value};

use super::util::{self, name};
use super::{Ctx, Obj};
use crate::clock::rfc3339;
use crate::events::{self, EventKind, Source};
use crate::resources::{self, Resource};

const SOURCE: Source<'static> = Source::component("job-controller");
const RETRY_AFTER: Duration = Duration::from_secs(10);

pub fn jobs() -> &'static Resource {
    resources::of("batch", "jobs")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Complete,
    Failed,
}

/// Whether a job has finished, and how.
pub fn finished(job: &Value) -> Option<Outcome> {
    let conds = job["status"]["conditions"].as_array()?;
    let is = |t: &str| {
        conds
            .iter()
            .any(|c| c["type"] == t && c["status"] == "True")
    };
    if is("Complete") {
        Some(Outcome::Complete)
    } else if is("Failed") {
        Some(Outcome::Failed)
    } else {
        None
    }
}

pub fn sync_all(ctx: &mut Ctx) {
    for job in ctx.store.list(jobs(), None) {
        if util::is_deleting(&job) || finished(&job).is_some() {
            continue;
        }
        // A job owns a pod or a few: read them whole.
        let pods: Vec<Obj> = ctx
            .pods_by_owner
            .get(util::uid(&job))
            .into_iter()
            .flatten()
            .filter_map(|p| {
                ctx.store
                    .get(resources::core("pods"), &p.namespace, &p.name)
            })
            .collect();
        sync(ctx, &job, &pods);
    }
}

fn sync(ctx: &mut Ctx, job: &Obj, pods: &[Obj]) {
    let ns = util::namespace(job).to_string();
    let completions = job["spec"]["completions"].as_i64().unwrap_or(1).max(1);
    let backoff_limit = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
    let phase = |p: &&Obj| p["status"]["phase"].as_str().unwrap_or("").to_string();
    let succeeded = pods.iter().filter(|p| phase(p) == "Succeeded").count() as i64;
    let failed = pods.iter().filter(|p| phase(p) == "Failed").count() as i64;
    let active = pods.len() as i64 - succeeded - failed;
    let ready = pods
        .iter()
        .filter(|p| super::replicaset::is_ready(p))
        .count();
    let now = rfc3339(ctx.now);
    let mut status = job.get("status").cloned().unwrap_or_else(|| json!({}));
    if status["startTime"].is_null() {
        status["startTime"] = json!(now);
    }
    status["active"] = json!(active);
    status["ready"] = json!(ready);
    status["succeeded"] = json!(succeeded);
    status["failed"] = json!(failed);
    status["terminating"] = json!(0);
    status["uncountedTerminatedPods"] = json!({});
    for key in ["active", "succeeded", "failed"] {
        if status[key] == 0 {
            status.as_object_mut().map(|m| m.remove(key));
        }
    }
    let cond = |t: &str, reason: &str, message: &str| json!({"type": t, "status": "True", "reason": reason, "message": message, "lastProbeTime": now, "lastTransitionTime": now});
    let mut event = None;
    if succeeded >= completions {
        status["conditions"] = json!([
            cond(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods"
            ),
            cond(
                "Complete",
                "CompletionsReached",
                "Reached expected number of succeeded pods"
            ),
        ]);
        status["completionTime"] = json!(now);
        event = Some((EventKind::Normal, "Completed", "Job completed"));
    } else if failed > backoff_limit {
        let msg = "Job has reached the specified backoff limit";
        status["conditions"] = json!([
            cond("FailureTarget", "BackoffLimitExceeded", msg),
            cond("Failed", "BackoffLimitExceeded", msg),
        ]);
        event = Some((EventKind::Warning, "BackoffLimitExceeded", msg));
    } else if active == 0 && retry_due(ctx, pods) {
        create_pod(ctx, job);
        status["active"] = json!(1);
    }
    if job.get("status") != Some(&status) {
        if let Ok(job) = ctx
            .store
            .modify(jobs(), &ns, name(job), |j| j["status"] = status)
        {
            if let Some((kind, reason, msg)) = event {
                events::record(ctx.store, &job, kind, reason, msg, SOURCE);
            }
        }
    }
}

/// No pod failed in the last [`RETRY_AFTER`].
fn retry_due(ctx: &Ctx, pods: &[Obj]) -> bool {
    let last_failure = pods
        .iter()
        .filter_map(|p| {
            p["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"].as_str()
        })
        .filter_map(|t| t.parse::<jiff::Timestamp>().ok())
        .max();
    last_failure.is_none_or(|t| ctx.now >= util::plus(t, RETRY_AFTER))
}

fn create_pod(ctx: &mut Ctx, job: &Obj) {
    let ns = util::namespace(job).to_string();
    let template = &job["spec"]["template"];
    let pod_name = format!("{}-{}", name(job), ctx.store.random_suffix());
    let mut labels = template["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", util::uid(job)),
        ("batch.kubernetes.io/job-name", name(job)),
        ("controller-uid", util::uid(job)),
        ("job-name", name(job)),
    ] {
        labels[k] = json!(v);
    }
    let pod = json!({
        "metadata": {"name": pod_name, "generateName": format!("{}-", name(job)), "namespace": ns, "labels": labels, "ownerReferences": [util::owner_ref(job)]},
        "spec": template["spec"],
        "status": {"phase": "Pending", "qosClass": super::kubelet::qos_class(&template["spec"])},
    });
    if ctx
        .store
        .create_internal(resources::core("pods"), &ns, pod)
        .is_ok()
    {
        let msg = format!("Created pod: {pod_name}");
        events::record(
            ctx.store,
            job,
            EventKind::Normal,
            "SuccessfulCreate",
            &msg,
            SOURCE,
        );
    }
}
