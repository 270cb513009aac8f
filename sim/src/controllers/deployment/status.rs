//! The Deployment status: counts from its ReplicaSets and the Available and Progressing
//! conditions (NewReplicaSetAvailable, ReplicaSetUpdated, ProgressDeadlineExceeded).

use super::*;

pub(super) fn sync_status(
    ctx: &mut Ctx,
    deploy: &Obj,
    new_rs: Option<&Obj>,
    old: &[Obj],
    replicas: i64,
    surge: i64,
    paused: bool,
) {
    // Re-read the ReplicaSets: this pass may have scaled them.
    let ns = util::namespace(deploy).to_string();
    let fresh = |rs: &Obj| {
        ctx.store
            .get(replicasets(), &ns, name(rs))
            .unwrap_or_else(|| rs.clone())
    };
    let new_rs = new_rs.map(fresh);
    let old: Vec<Obj> = old.iter().map(fresh).collect();
    let all: Vec<&Obj> = new_rs.iter().chain(old.iter()).collect();
    let sum = |f: &str| all.iter().map(|rs| int(&rs["status"][f])).sum::<i64>();
    let total_spec: i64 = all.iter().map(|rs| spec_replicas(rs)).sum();
    let actual = sum("replicas");
    let ready = sum("readyReplicas");
    let avail = sum("availableReplicas");
    let updated = new_rs
        .as_ref()
        .map_or(0, |rs| int(&rs["status"]["replicas"]));
    let unavailable = (total_spec - avail).max(0);
    let old_status = &deploy["status"];
    let progressed = [
        ("replicas", actual),
        ("updatedReplicas", updated),
        ("readyReplicas", ready),
        ("availableReplicas", avail),
    ]
    .iter()
    .any(|(k, v)| int(&old_status[*k]) != *v);
    let now = rfc3339(ctx.now);
    let rs_name = new_rs.as_ref().map_or("", |rs| name(rs)).to_string();
    let complete = updated == replicas
        && actual == replicas
        && avail == replicas
        && old.iter().all(|rs| int(&rs["status"]["replicas"]) == 0);
    let deadline = deploy["spec"]["progressDeadlineSeconds"]
        .as_i64()
        .unwrap_or(600);
    let old_progressing = old_status["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == "Progressing"))
        .cloned()
        .unwrap_or(Value::Null);
    let (p_status, p_reason, p_message) = if paused {
        (
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused".to_string(),
        )
    } else if complete {
        (
            "True",
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
        )
    } else {
        let last_update = util::timestamp(&old_progressing["lastUpdateTime"]);
        let timed_out = !progressed
            && (old_progressing["reason"] == "ProgressDeadlineExceeded"
                || last_update.is_some_and(|t| util::secs_since(ctx.now, t) > deadline as f64));
        if timed_out {
            (
                "False",
                "ProgressDeadlineExceeded",
                format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
            )
        } else {
            (
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{rs_name}\" is progressing."),
            )
        }
    };
    let max_unavailable = max_unavailable(deploy, replicas);
    let (a_status, a_reason, a_message) = if avail >= replicas - max_unavailable {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    let progressing = condition(
        &old_progressing,
        "Progressing",
        p_status,
        p_reason,
        &p_message,
        progressed && !complete,
        &now,
    );
    let old_available = old_status["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == "Available"))
        .cloned()
        .unwrap_or(Value::Null);
    let available_c = condition(
        &old_available,
        "Available",
        a_status,
        a_reason,
        a_message,
        false,
        &now,
    );
    let mut status = json!({
        "observedGeneration": deploy["metadata"]["generation"],
        "replicas": actual,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": avail,
        "conditions": [available_c, progressing],
    });
    if unavailable > 0 {
        status["unavailableReplicas"] = json!(unavailable);
    }
    for key in [
        "readyReplicas",
        "availableReplicas",
        "updatedReplicas",
        "replicas",
    ] {
        if status[key] == 0 {
            status.as_object_mut().map(|m| m.remove(key));
        }
    }
    let _ = surge;
    if deploy.get("status") != Some(&status) {
        let _ = ctx
            .store
            .modify(deployments(), &ns, name(deploy), |d| d["status"] = status);
    }
}

/// A condition that keeps its timestamps while nothing about it changes.
pub(crate) fn condition(
    old: &Value,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    touch: bool,
    now: &str,
) -> Value {
    let same = old["status"] == status && old["reason"] == reason && old["message"] == message;
    let transition = if old["status"] == status {
        old["lastTransitionTime"].clone()
    } else {
        json!(now)
    };
    let update = if same && !touch {
        old["lastUpdateTime"].clone()
    } else {
        json!(now)
    };
    json!({
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": if update.is_null() { json!(now) } else { update },
        "lastTransitionTime": if transition.is_null() { json!(now) } else { transition },
    })
}
