//! The Rollout's ReplicaSets: created per pod template, scaled to the step's weight.

use super::*;

pub(super) fn selector_text(selector: &Value) -> String {
    selector["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

pub(super) fn create_rs(ctx: &mut Ctx, ro: &Obj, hash: &str, rev: i64, replicas: i64) {
    let ns = util::namespace(ro).to_string();
    let mut template = ro["spec"]["template"].clone();
    template["metadata"]["labels"][HASH_LABEL] = json!(hash);
    let mut selector = ro["spec"]["selector"].clone();
    selector["matchLabels"][HASH_LABEL] = json!(hash);
    let rs_name = format!("{}-{hash}", name(ro));
    let rs = json!({
        "metadata": {
            "name": rs_name, "namespace": ns,
            "labels": template["metadata"]["labels"],
            "annotations": {REVISION: rev.to_string(), "rollout.argoproj.io/desired-replicas": spec_replicas(ro).to_string()},
            "ownerReferences": [util::owner_ref(ro)],
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
        "status": {"replicas": 0},
    });
    if ctx.store.create_internal(replicasets(), &ns, rs).is_ok() && replicas > 0 {
        let msg = format!("Scaled up ReplicaSet {rs_name} (revision {rev}) from 0 to {replicas}");
        events::record(
            ctx.store,
            ro,
            EventKind::Normal,
            "ScalingReplicaSet",
            &msg,
            SOURCE,
        );
    }
}

pub(super) fn scale(ctx: &mut Ctx, ro: &Obj, rs: &Obj, to: i64) {
    let from = spec_replicas(rs);
    let rs_name = name(rs).to_string();
    if ctx
        .store
        .modify(replicasets(), util::namespace(rs), &rs_name, |r| {
            r["spec"]["replicas"] = json!(to)
        })
        .is_ok()
    {
        let dir = if to > from { "up" } else { "down" };
        let msg = format!(
            "Scaled {dir} ReplicaSet {rs_name} (revision {}) from {from} to {to}",
            revision(rs)
        );
        events::record(
            ctx.store,
            ro,
            EventKind::Normal,
            "ScalingReplicaSet",
            &msg,
            SOURCE,
        );
    }
}
