//! The Argo Rollouts canary controller (argoproj.io/v1alpha1 Rollout): a ReplicaSet per pod
//! template (`<rollout>-<hash>`), setWeight/pause steps, promote, promote --full, abort,
//! retry, background analysis, and the status fields the kubectl plugin and the console read.

use serde_json::{json, Value};

use super::deployment::replicasets;
use super::util::{self, int, name, spec_replicas};
use super::{analysis, Ctx, Obj};
use crate::clock::rfc3339;
use crate::events::{self, EventKind, Source};
use crate::resources::{self, Resource};

mod sets;

const HASH_LABEL: &str = "rollouts-pod-template-hash";
const REVISION: &str = "rollout.argoproj.io/revision";
const SOURCE: Source<'static> = Source::component("rollouts-controller");

pub fn rollouts() -> &'static Resource {
    resources::of("argoproj.io", "rollouts")
}

pub fn sync_all(ctx: &mut Ctx) {
    let all_rs = ctx.store.list(replicasets(), None);
    let owned = util::by_owner(&all_rs, |o| util::controller_uid(o));
    for ro in ctx.store.list(rollouts(), None) {
        if util::is_deleting(&ro) {
            continue;
        }
        let rs = owned.get(util::uid(&ro)).cloned().unwrap_or_default();
        sync(ctx, &ro, &rs);
    }
}

fn revision(obj: &Value) -> i64 {
    util::annotation(obj, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn steps(ro: &Value) -> Vec<Value> {
    ro["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The canary weight while working on step `index` (100 once all steps are done).
pub fn weight_at(steps: &[Value], index: usize) -> i64 {
    if index >= steps.len() {
        return 100;
    }
    steps[..=index]
        .iter()
        .rev()
        .find_map(|s| s["setWeight"].as_i64())
        .unwrap_or(0)
}

/// The event Argo records when step `step_no` of `steps_len` is done.
fn step_completed(
    step: &Value,
    step_no: usize,
    steps_len: usize,
) -> (EventKind, &'static str, String) {
    (
        EventKind::Normal,
        "RolloutStepCompleted",
        format!(
            "Rollout step {step_no}/{steps_len} completed ({})",
            step_text(step)
        ),
    )
}

fn step_text(step: &Value) -> String {
    if let Some(w) = step["setWeight"].as_i64() {
        format!("setWeight: {w}")
    } else if let Some(p) = step.get("pause") {
        match p["duration"]
            .as_str()
            .map(str::to_string)
            .or_else(|| p["duration"].as_i64().map(|s| format!("{s}s")))
        {
            Some(d) => format!("pause: {d}"),
            None => "pause".to_string(),
        }
    } else {
        "step".to_string()
    }
}

fn rs_named<'a>(owned: &'a [Obj], rs_name: &str) -> Option<&'a Obj> {
    owned.iter().find(|rs| name(rs) == rs_name)
}

fn sync(ctx: &mut Ctx, ro: &Obj, owned: &[Obj]) {
    let ns = util::namespace(ro).to_string();
    let ro_name = name(ro).to_string();
    let replicas = spec_replicas(ro);
    let steps = steps(ro);
    let hash = util::template_hash(&ro["spec"]["template"]);
    let now = rfc3339(ctx.now);
    let old_status = ro.get("status").cloned().unwrap_or_else(|| json!({}));
    let mut st = old_status.clone();
    let mut rev = revision(ro);
    let mut new_events: Vec<(EventKind, &'static str, String)> = Vec::new();

    // A new pod template: a new canary (or the very first, stable, version).
    let canary_rs_name = format!("{ro_name}-{hash}");
    if rs_named(owned, &canary_rs_name).is_none() {
        let first = st["stableRS"].as_str().is_none_or(str::is_empty);
        rev = owned.iter().map(|rs| revision(rs)).max().unwrap_or(0) + 1;
        sets::create_rs(ctx, ro, &hash, rev, if first { replicas } else { 0 });
    }
    if st["stableRS"].as_str().is_none_or(str::is_empty) {
        st["stableRS"] = json!(hash);
        st["currentStepIndex"] = json!(steps.len());
    }
    if st["currentPodHash"].as_str() != Some(hash.as_str()) {
        let known = rs_named(owned, &canary_rs_name).map(|rs| revision(rs));
        if let Some(r) = known {
            rev = r.max(rev);
        }
        if !st["currentPodHash"].is_null() {
            new_events.push((
                EventKind::Normal,
                "RolloutUpdated",
                format!("Rollout updated to revision {rev}"),
            ));
        }
        st["currentPodHash"] = json!(hash);
        st["currentStepIndex"] = json!(if st["stableRS"] == hash.as_str() {
            steps.len()
        } else {
            0
        });
        for key in ["pauseConditions", "abortedAt", "promoteFull"] {
            util::set_or_remove(&mut st, key, Value::Null);
        }
        st["abort"] = json!(false);
        st["controllerPause"] = json!(false);
    }
    let stable = st["stableRS"].as_str().unwrap_or("").to_string();
    let stable_rs_name = format!("{ro_name}-{stable}");
    let steps_len = steps.len();
    let mut index = int(&st["currentStepIndex"]).clamp(0, steps_len as i64) as usize;
    let promoted = stable == hash;
    let traffic_routed = !ro["spec"]["strategy"]["canary"]["trafficRouting"].is_null();

    // Retry after an abort: the plugin clears status.abort.
    if st["abort"] != true && !st["abortedAt"].is_null() && !promoted {
        util::set_or_remove(&mut st, "abortedAt", Value::Null);
        index = 0;
        analysis::discard_failed(ctx, ro, &hash);
        new_events.push((
            EventKind::Normal,
            "RolloutRetried",
            "Rollout is retrying the update".into(),
        ));
    }
    // Background analysis.
    let ar = if promoted {
        None
    } else {
        analysis::ensure_background(ctx, ro, &hash, rev)
    };
    if let Some(ar) = &ar {
        st["canary"]["currentBackgroundAnalysisRunStatus"] = json!({
            "name": name(ar), "status": ar["status"]["phase"].as_str().unwrap_or("Pending"),
            "message": ar["status"]["message"],
        });
        if ar["status"]["phase"] == "Failed" && st["abort"] != true && st["abortedAt"].is_null() {
            st["abort"] = json!(true);
            let msg = ar["status"]["message"]
                .as_str()
                .unwrap_or("analysis failed")
                .to_string();
            new_events.push((
                EventKind::Warning,
                "AnalysisRunFailed",
                format!("Analysis Run '{}' Failed: {msg}", name(ar)),
            ));
        }
    } else {
        util::set_or_remove(
            &mut st["canary"],
            "currentBackgroundAnalysisRunStatus",
            Value::Null,
        );
    }
    let aborted = st["abort"] == true && !promoted;
    // A finished or aborted update stops its analysis.
    if promoted || aborted {
        analysis::terminate_for(ctx, ro);
    }
    let user_paused = ro["spec"]["paused"].as_bool() == Some(true);
    if st["promoteFull"] == true && !promoted {
        index = steps_len;
    }
    let weight = if promoted || aborted {
        0
    } else {
        weight_at(&steps, index)
    };
    let canary_want = if promoted {
        0
    } else {
        (replicas * weight + 99) / 100
    };
    // With traffic routing (or at full promotion) the stable set stays at full size;
    // without it the canary replaces stable pods.
    let stable_want = if aborted || promoted || traffic_routed || index >= steps_len {
        replicas
    } else {
        (replicas - canary_want).max(0)
    };
    // Scale the ReplicaSets.
    for rs in owned {
        let rs_name = name(rs);
        let want = if rs_name == stable_rs_name {
            stable_want
        } else if rs_name == canary_rs_name {
            canary_want
        } else {
            0
        };
        if spec_replicas(rs) != want {
            sets::scale(ctx, ro, rs, want);
        }
    }
    let canary_rs = ctx.store.get(replicasets(), &ns, &canary_rs_name);
    let stable_rs = ctx.store.get(replicasets(), &ns, &stable_rs_name);
    let avail = |rs: &Option<Obj>| {
        rs.as_ref()
            .map_or(0, |rs| int(&rs["status"]["availableReplicas"]))
    };

    // Walk the steps.
    let mut phase = "Progressing";
    let mut message = Value::Null;
    if promoted {
        let old_left = owned
            .iter()
            .filter(|rs| name(rs) != stable_rs_name)
            .any(|rs| int(&rs["status"]["replicas"]) > 0);
        if avail(&stable_rs) >= replicas && !old_left {
            phase = "Healthy";
        } else {
            message = json!("updated replicas are still becoming available");
        }
        util::set_or_remove(&mut st, "pauseConditions", Value::Null);
        st["controllerPause"] = json!(false);
    } else if aborted {
        phase = "Degraded";
        if st["abortedAt"].is_null() {
            st["abortedAt"] = json!(now);
            let why = ar
                .as_ref()
                .filter(|a| a["status"]["phase"] == "Failed")
                .and_then(|a| a["status"]["message"].as_str());
            let msg = match why {
                Some(w) => format!("Rollout aborted update to revision {rev}: {w}"),
                None => format!("Rollout aborted update to revision {rev}"),
            };
            new_events.push((EventKind::Warning, "RolloutAborted", msg.clone()));
            st["message"] = json!(format!("RolloutAborted: {msg}"));
        }
        message = st["message"].clone();
        util::set_or_remove(&mut st, "pauseConditions", Value::Null);
        st["controllerPause"] = json!(false);
    } else if user_paused {
        phase = "Paused";
        message = json!("manually paused");
    } else if index >= steps_len {
        if avail(&canary_rs) >= replicas {
            st["stableRS"] = json!(hash);
            new_events.push((
                EventKind::Normal,
                "RolloutCompleted",
                format!("Rollout completed update to revision {rev} ({hash}): Rollout is Healthy"),
            ));
            message = json!("updated replicas are still becoming available");
        } else {
            message = json!("updated replicas are still becoming available");
        }
    } else {
        let step = &steps[index];
        let step_no = index + 1;
        if step.get("setWeight").is_some() {
            if avail(&canary_rs) >= canary_want {
                new_events.push(step_completed(step, step_no, steps_len));
                index += 1;
            } else {
                message = json!("more replicas need to be updated");
            }
        } else if let Some(pause) = step.get("pause") {
            let paused_since = st["pauseConditions"][0]["startTime"]
                .as_str()
                .and_then(|t| t.parse().ok());
            let duration = pause["duration"]
                .as_str()
                .map(str::to_string)
                .or_else(|| pause["duration"].as_i64().map(|s| s.to_string()));
            let duration = duration.and_then(|d| kubechat_spec::parse_duration(&d).ok());
            if st["controllerPause"] != true {
                st["pauseConditions"] = json!([{"reason": "CanaryPauseStep", "startTime": now}]);
                st["controllerPause"] = json!(true);
                new_events.push((
                    EventKind::Normal,
                    "RolloutPaused",
                    "Rollout is paused (CanaryPauseStep)".into(),
                ));
                phase = "Paused";
                message = json!("CanaryPauseStep");
            } else if st["pauseConditions"]
                .as_array()
                .is_none_or(|p| p.is_empty())
                || matches!((paused_since, duration), (Some(since), Some(d)) if ctx.now >= util::plus(since, d))
            {
                util::set_or_remove(&mut st, "pauseConditions", Value::Null);
                st["controllerPause"] = json!(false);
                new_events.push((
                    EventKind::Normal,
                    "RolloutResumed",
                    "Rollout is resumed".into(),
                ));
                new_events.push(step_completed(step, step_no, steps_len));
                index += 1;
            } else {
                phase = "Paused";
                message = json!("CanaryPauseStep");
            }
        } else {
            index += 1;
        }
    }
    if !steps.is_empty() {
        st["currentStepIndex"] = json!(index.min(steps_len));
    }
    st["phase"] = json!(phase);
    util::set_or_remove(&mut st, "message", message);
    let stable_now = st["stableRS"].as_str().unwrap_or("").to_string();
    let canary_weight = if stable_now == hash || aborted {
        0
    } else {
        weight_at(&steps, index)
    };
    st["canary"]["weights"] = json!({
        "canary": {"weight": canary_weight, "podTemplateHash": hash, "serviceName": ro["spec"]["strategy"]["canary"]["canaryService"]},
        "stable": {"weight": 100 - canary_weight, "podTemplateHash": stable_now, "serviceName": ro["spec"]["strategy"]["canary"]["stableService"]},
    });
    // Counts from the (possibly just scaled) ReplicaSets.
    let fresh: Vec<Obj> = owned
        .iter()
        .filter_map(|rs| ctx.store.get(replicasets(), &ns, name(rs)))
        .collect();
    let sum = |f: &str| fresh.iter().map(|rs| int(&rs["status"][f])).sum::<i64>();
    st["replicas"] = json!(sum("replicas"));
    st["readyReplicas"] = json!(sum("readyReplicas"));
    st["availableReplicas"] = json!(sum("availableReplicas"));
    st["updatedReplicas"] = json!(canary_rs
        .as_ref()
        .map_or(0, |rs| int(&rs["status"]["replicas"])));
    st["HPAReplicas"] = st["replicas"].clone();
    st["observedGeneration"] = json!(ro["metadata"]["generation"]
        .as_i64()
        .unwrap_or(1)
        .to_string());
    st["selector"] = json!(sets::selector_text(&ro["spec"]["selector"]));
    st["stableRS"] = json!(stable_now);
    if st != old_status || revision(ro) != rev {
        let rev_text = rev.to_string();
        let written = ctx.store.modify(rollouts(), &ns, &ro_name, |r| {
            r["status"] = st;
            r["metadata"]["annotations"][REVISION] = json!(rev_text);
        });
        if let Ok(ro) = written {
            for (kind, reason, msg) in new_events {
                events::record(ctx.store, &ro, kind, reason, &msg, SOURCE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_is_the_last_set_weight_up_to_the_step() {
        let steps = vec![
            json!({"setWeight": 5}),
            json!({"pause": {"duration": "2m"}}),
            json!({"setWeight": 10}),
        ];
        assert_eq!(weight_at(&steps, 0), 5);
        assert_eq!(weight_at(&steps, 1), 5);
        assert_eq!(weight_at(&steps, 2), 10);
        assert_eq!(weight_at(&steps, 3), 100);
    }
}
