//! The ReplicaSet controller: keeps `spec.replicas` pods (`<rs>-<5 chars>`, template labels,
//! ownerReferences) and reports replicas/ready/available in status.

use std::sync::Arc;

use serde_json::{json, Value};

use super::deployment::replicasets;
use super::util::{self, name, spec_replicas};
use super::{Ctx, Obj};
use crate::events::{self, EventKind, Source};
use crate::resources;
use crate::store::PodFacts;

const SOURCE: Source<'static> = Source::component("replicaset-controller");

pub fn sync_all(ctx: &mut Ctx) {
    for rs in ctx.store.list(replicasets(), None) {
        if util::is_deleting(&rs) {
            continue;
        }
        let pods = ctx
            .pods_by_owner
            .get(util::uid(&rs))
            .cloned()
            .unwrap_or_default();
        sync(ctx, &rs, pods);
    }
}

pub fn is_ready(pod: &Value) -> bool {
    crate::store::ready_condition(pod).is_some()
}

fn is_available(pod: &PodFacts, min_ready_secs: i64, now: jiff::Timestamp) -> bool {
    pod.ready_since
        .is_some_and(|t| min_ready_secs <= 0 || util::secs_since(now, t) >= min_ready_secs as f64)
}

fn sync(ctx: &mut Ctx, rs: &Obj, pods: Vec<Arc<PodFacts>>) {
    let ns = util::namespace(rs).to_string();
    let mut active: Vec<Arc<PodFacts>> = pods.into_iter().filter(|p| p.is_active()).collect();
    let want = spec_replicas(rs);
    let have = active.len() as i64;
    if have < want {
        for _ in have..want {
            if let Some(pod) = create_pod(ctx, rs) {
                active.push(Arc::new(PodFacts::of(&pod)));
            }
        }
    } else if have > want {
        // Delete the least useful first: not ready before ready, newest first.
        active.sort_by(|a, b| {
            (a.ready, &b.creation_timestamp).cmp(&(b.ready, &a.creation_timestamp))
        });
        let extra = (have - want) as usize;
        for pod in active.drain(..extra) {
            delete_pod(ctx, rs, &pod);
        }
    }
    let min_ready = rs["spec"]["minReadySeconds"].as_i64().unwrap_or(0);
    let ready = active.iter().filter(|p| p.ready).count();
    let available = active
        .iter()
        .filter(|p| is_available(p, min_ready, ctx.now))
        .count();
    let old = &rs["status"];
    let unchanged = util::int(&old["replicas"]) == active.len() as i64
        && util::int(&old["fullyLabeledReplicas"]) == active.len() as i64
        && util::int(&old["readyReplicas"]) == ready as i64
        && util::int(&old["availableReplicas"]) == available as i64
        && old["observedGeneration"] == rs["metadata"]["generation"];
    if unchanged {
        return;
    }
    let mut status = json!({
        "replicas": active.len(),
        "fullyLabeledReplicas": active.len(),
        "readyReplicas": ready,
        "availableReplicas": available,
        "observedGeneration": rs["metadata"]["generation"],
    });
    for key in ["readyReplicas", "availableReplicas", "fullyLabeledReplicas"] {
        if status[key] == 0 {
            status.as_object_mut().map(|m| m.remove(key));
        }
    }
    let _ = ctx
        .store
        .modify(replicasets(), &ns, name(rs), |r| r["status"] = status);
}

fn create_pod(ctx: &mut Ctx, rs: &Obj) -> Option<Obj> {
    let ns = util::namespace(rs).to_string();
    let template = &rs["spec"]["template"];
    let pod_name = format!("{}-{}", name(rs), ctx.store.random_suffix());
    let mut metadata = json!({
        "name": pod_name,
        "generateName": format!("{}-", name(rs)),
        "namespace": ns,
        "labels": template["metadata"]["labels"],
        "ownerReferences": [util::owner_ref(rs)],
    });
    if let Some(annotations) = template["metadata"].get("annotations") {
        metadata["annotations"] = annotations.clone();
    }
    let pod = json!({
        "metadata": metadata,
        "spec": template["spec"],
        "status": {"phase": "Pending", "qosClass": super::kubelet::qos_class(&template["spec"])},
    });
    let created = ctx
        .store
        .create_internal(resources::core("pods"), &ns, pod)
        .ok()?;
    let msg = format!("Created pod: {pod_name}");
    events::record(
        ctx.store,
        rs,
        EventKind::Normal,
        "SuccessfulCreate",
        &msg,
        SOURCE,
    );
    Some(created)
}

fn delete_pod(ctx: &mut Ctx, rs: &Obj, pod: &PodFacts) {
    let ns = pod.namespace.to_string();
    let pod_name = pod.name.to_string();
    if let Some(pod) = ctx.store.get(resources::core("pods"), &ns, &pod_name) {
        super::kubelet::killing_events(ctx, &pod);
    }
    if ctx
        .store
        .delete(resources::core("pods"), &ns, &pod_name, Default::default())
        .is_ok()
    {
        let msg = format!("Deleted pod: {pod_name}");
        events::record(
            ctx.store,
            rs,
            EventKind::Normal,
            "SuccessfulDelete",
            &msg,
            SOURCE,
        );
    }
}
