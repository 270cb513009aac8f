//! The Deployment controller: one ReplicaSet per pod template (`<deploy>-<hash>`), rolling
//! updates within maxSurge/maxUnavailable, Recreate, pause, revisions and status with the
//! Progressing and Available conditions, as `kubectl rollout status|history|undo` expect.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::util::{self, int, name, spec_replicas};
use super::{Ctx, Obj};
use crate::clock::rfc3339;
use crate::events::{self, EventKind, Source};
use crate::resources::{self, Resource};

mod status;

const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX: &str = "deployment.kubernetes.io/max-replicas";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const SOURCE: Source<'static> = Source::component("deployment-controller");

fn deployments() -> &'static Resource {
    resources::of("apps", "deployments")
}

pub(crate) fn replicasets() -> &'static Resource {
    resources::of("apps", "replicasets")
}

pub fn sync_all(ctx: &mut Ctx) {
    let all_rs = ctx.store.list(replicasets(), None);
    let owned = util::by_owner(&all_rs, |o| util::controller_uid(o));
    for deploy in ctx.store.list(deployments(), None) {
        if util::is_deleting(&deploy) {
            continue;
        }
        let rs = owned.get(util::uid(&deploy)).cloned().unwrap_or_default();
        if !settled(&deploy, &rs) {
            sync(ctx, &deploy, rs);
        }
    }
}

/// Nothing to do: the spec was seen, one ReplicaSet runs every replica available and
/// the status already says so. (A template change bumps the generation, so a settled
/// deployment never hides a rollout.)
fn settled(deploy: &Value, owned: &[Obj]) -> bool {
    let replicas = spec_replicas(deploy);
    let st = &deploy["status"];
    if st["observedGeneration"] != deploy["metadata"]["generation"]
        || deploy["spec"]["paused"].as_bool() == Some(true)
    {
        return false;
    }
    let mut running = owned
        .iter()
        .filter(|rs| spec_replicas(rs) > 0 || int(&rs["status"]["replicas"]) > 0);
    let current = match (running.next(), running.next()) {
        (Some(rs), None) => rs,
        (None, None) => return replicas == 0 && int(&st["replicas"]) == 0,
        _ => return false,
    };
    let rs_st = &current["status"];
    let counts = [
        spec_replicas(current),
        int(&rs_st["replicas"]),
        int(&rs_st["availableReplicas"]),
        int(&rs_st["readyReplicas"]),
        int(&st["replicas"]),
        int(&st["updatedReplicas"]),
        int(&st["availableReplicas"]),
        int(&st["readyReplicas"]),
    ];
    counts.iter().all(|c| *c == replicas)
        && util::annotation(deploy, REVISION) == util::annotation(current, REVISION)
        && st["conditions"][1]["reason"] == "NewReplicaSetAvailable"
        && st["conditions"][0]["status"] == "True"
}

/// The ReplicaSet's revision annotation as a number.
pub fn revision(obj: &Value) -> i64 {
    util::annotation(obj, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn sync(ctx: &mut Ctx, deploy: &Obj, mut owned: Vec<Obj>) {
    let ns = util::namespace(deploy).to_string();
    let replicas = spec_replicas(deploy);
    let template = &deploy["spec"]["template"];
    let hash = util::template_hash(template);
    let new_name = format!("{}-{hash}", name(deploy));
    let max_revision = owned.iter().map(|rs| revision(rs)).max().unwrap_or(0);
    let paused = deploy["spec"]["paused"].as_bool() == Some(true);
    let recreate = deploy["spec"]["strategy"]["type"] == "Recreate";
    let surge = if recreate {
        0
    } else {
        max_surge(deploy, replicas)
    };

    let new_rs = match owned.iter().position(|rs| name(rs) == new_name) {
        Some(i) => {
            let rs = owned.remove(i);
            if revision(&rs) < max_revision && !paused {
                bump_revision(ctx, deploy, &rs, max_revision + 1)
            } else {
                Some(rs)
            }
        }
        None if paused => None,
        None => create_new_rs(ctx, deploy, &hash, max_revision + 1, &owned, recreate),
    };
    let old = owned;
    if let Some(new_rs) = &new_rs {
        let rev = revision(new_rs).to_string();
        if util::annotation(deploy, REVISION) != Some(rev.as_str()) {
            let _ = ctx.store.modify(deployments(), &ns, name(deploy), |d| {
                d["metadata"]["annotations"][REVISION] = json!(rev)
            });
        }
    }

    if !paused {
        if let Some(new_rs) = &new_rs {
            if recreate {
                roll_recreate(ctx, deploy, new_rs, &old, replicas);
            } else {
                roll_rolling(ctx, deploy, new_rs, &old, replicas, surge);
            }
        }
    }
    status::sync_status(ctx, deploy, new_rs.as_ref(), &old, replicas, surge, paused);
    clean_up_history(ctx, deploy, &old);
}

/// Deletes the oldest scaled-down ReplicaSets beyond `spec.revisionHistoryLimit` (10).
fn clean_up_history(ctx: &mut Ctx, deploy: &Value, old: &[Obj]) {
    let limit = deploy["spec"]["revisionHistoryLimit"]
        .as_u64()
        .unwrap_or(10) as usize;
    let mut idle: Vec<&Obj> = old
        .iter()
        .filter(|rs| spec_replicas(rs) == 0 && int(&rs["status"]["replicas"]) == 0)
        .collect();
    if idle.len() <= limit {
        return;
    }
    idle.sort_by_key(|rs| revision(rs));
    let extra = idle.len() - limit;
    for rs in idle.into_iter().take(extra) {
        let _ = ctx.store.delete(
            replicasets(),
            util::namespace(rs),
            name(rs),
            Default::default(),
        );
    }
}

fn max_surge(deploy: &Value, replicas: i64) -> i64 {
    let ru = &deploy["spec"]["strategy"]["rollingUpdate"];
    let surge = util::int_or_percent(&ru["maxSurge"], replicas, true, "25%");
    let unavailable = util::int_or_percent(&ru["maxUnavailable"], replicas, false, "25%");
    if surge == 0 && unavailable == 0 {
        0
    } else {
        surge
    }
}

fn max_unavailable(deploy: &Value, replicas: i64) -> i64 {
    let ru = &deploy["spec"]["strategy"]["rollingUpdate"];
    let surge = util::int_or_percent(&ru["maxSurge"], replicas, true, "25%");
    let unavailable = util::int_or_percent(&ru["maxUnavailable"], replicas, false, "25%");
    if surge == 0 && unavailable == 0 {
        1
    } else {
        unavailable.min(replicas)
    }
}

fn create_new_rs(
    ctx: &mut Ctx,
    deploy: &Obj,
    hash: &str,
    revision: i64,
    old: &[Obj],
    recreate: bool,
) -> Option<Obj> {
    let ns = util::namespace(deploy).to_string();
    let replicas = spec_replicas(deploy);
    let surge = max_surge(deploy, replicas);
    let old_total: i64 = old.iter().map(|rs| spec_replicas(rs)).sum();
    // A first rollout starts at full size; an update starts within the surge budget.
    let start = if old_total == 0 {
        replicas
    } else if recreate {
        0
    } else {
        (replicas + surge - old_total).clamp(0, replicas)
    };
    let mut template = deploy["spec"]["template"].clone();
    template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut selector = deploy["spec"]["selector"].clone();
    selector["matchLabels"]["pod-template-hash"] = json!(hash);
    let mut annotations = json!({
        REVISION: revision.to_string(),
        DESIRED: replicas.to_string(),
        MAX: (replicas + surge).to_string(),
    });
    if let Some(cause) = util::annotation(deploy, CHANGE_CAUSE) {
        annotations[CHANGE_CAUSE] = json!(cause);
    }
    let rs_name = format!("{}-{hash}", name(deploy));
    let rs = json!({
        "metadata": {
            "name": rs_name,
            "namespace": ns,
            "labels": template["metadata"]["labels"],
            "annotations": annotations,
            "ownerReferences": [util::owner_ref(deploy)],
        },
        "spec": {
            "replicas": start,
            "minReadySeconds": deploy["spec"]["minReadySeconds"].as_i64().unwrap_or(0),
            "selector": selector,
            "template": template,
        },
        "status": {"replicas": 0, "observedGeneration": 1},
    });
    let created = ctx.store.create_internal(replicasets(), &ns, rs).ok()?;
    if start > 0 {
        scaled_event(ctx, deploy, &rs_name, 0, start);
    }
    Some(created)
}

/// A rollback to an old template: its ReplicaSet becomes the newest revision.
fn bump_revision(ctx: &mut Ctx, deploy: &Obj, rs: &Obj, revision: i64) -> Option<Obj> {
    let cause = util::annotation(deploy, CHANGE_CAUSE).map(str::to_string);
    ctx.store
        .modify(replicasets(), util::namespace(rs), name(rs), |r| {
            r["metadata"]["annotations"][REVISION] = json!(revision.to_string());
            if let Some(cause) = cause {
                r["metadata"]["annotations"][CHANGE_CAUSE] = json!(cause);
            }
        })
        .ok()
}

fn available(rs: &Value) -> i64 {
    int(&rs["status"]["availableReplicas"])
}

fn roll_rolling(ctx: &mut Ctx, deploy: &Obj, new_rs: &Obj, old: &[Obj], replicas: i64, surge: i64) {
    let max_unavailable = max_unavailable(deploy, replicas);
    let new_spec = spec_replicas(new_rs);
    let all_spec: i64 = new_spec + old.iter().map(|rs| spec_replicas(rs)).sum::<i64>();
    // Scale up the new ReplicaSet within maxSurge.
    let target_new = if new_spec > replicas {
        replicas
    } else {
        (new_spec + (replicas + surge - all_spec).max(0)).min(replicas)
    };
    if target_new != new_spec {
        scale_rs(ctx, deploy, new_rs, target_new, replicas, surge);
    }
    // Scale down old ReplicaSets while keeping replicas - maxUnavailable available.
    let min_available = replicas - max_unavailable;
    let new_unavailable = (new_spec - available(new_rs)).max(0);
    let mut budget = all_spec - min_available - new_unavailable;
    let mut old_sorted: Vec<&Obj> = old.iter().filter(|rs| spec_replicas(rs) > 0).collect();
    old_sorted.sort_by_key(|rs| revision(rs));
    // First the old pods that are not available anyway.
    let mut targets: BTreeMap<String, i64> = BTreeMap::new();
    for rs in &old_sorted {
        if budget <= 0 {
            break;
        }
        let unhealthy = (spec_replicas(rs) - available(rs)).max(0).min(budget);
        if unhealthy > 0 {
            targets.insert(name(rs).to_string(), spec_replicas(rs) - unhealthy);
            budget -= unhealthy;
        }
    }
    let all_available: i64 = available(new_rs) + old.iter().map(|rs| available(rs)).sum::<i64>();
    let mut can_scale = (all_available - min_available).max(0);
    for rs in &old_sorted {
        if can_scale <= 0 {
            break;
        }
        let current = targets
            .get(name(rs))
            .copied()
            .unwrap_or_else(|| spec_replicas(rs));
        let down = current.min(can_scale);
        if down > 0 {
            targets.insert(name(rs).to_string(), current - down);
            can_scale -= down;
        }
    }
    for rs in old_sorted {
        if let Some(&target) = targets.get(name(rs)) {
            scale_rs(ctx, deploy, rs, target, replicas, surge);
        }
    }
}

fn roll_recreate(ctx: &mut Ctx, deploy: &Obj, new_rs: &Obj, old: &[Obj], replicas: i64) {
    let mut old_running = 0;
    for rs in old {
        old_running += int(&rs["status"]["replicas"]);
        if spec_replicas(rs) > 0 {
            scale_rs(ctx, deploy, rs, 0, replicas, 0);
        }
    }
    if old_running == 0 && spec_replicas(new_rs) != replicas {
        scale_rs(ctx, deploy, new_rs, replicas, replicas, 0);
    }
}

fn scale_rs(ctx: &mut Ctx, deploy: &Obj, rs: &Obj, to: i64, replicas: i64, surge: i64) {
    let from = spec_replicas(rs);
    let written = ctx
        .store
        .modify(replicasets(), util::namespace(rs), name(rs), |r| {
            r["spec"]["replicas"] = json!(to);
            r["metadata"]["annotations"][DESIRED] = json!(replicas.to_string());
            r["metadata"]["annotations"][MAX] = json!((replicas + surge).to_string());
        });
    if written.is_ok() && from != to {
        scaled_event(ctx, deploy, name(rs), from, to);
    }
}

fn scaled_event(ctx: &mut Ctx, deploy: &Value, rs: &str, from: i64, to: i64) {
    let dir = if to > from { "up" } else { "down" };
    let msg = format!("Scaled {dir} replica set {rs} from {from} to {to}");
    events::record(
        ctx.store,
        deploy,
        EventKind::Normal,
        "ScalingReplicaSet",
        &msg,
        SOURCE,
    );
}
