//! The kubelet's side of `kubectl debug`: an ephemeral container added to a running pod
//! is pulled and started (its status turns running, with the events a kubelet records).
//! Nothing runs in it, and its log says so.

use super::*;

pub(super) fn start(ctx: &mut Ctx, pod: &Obj) {
    let now = rfc3339(ctx.now);
    let node = pod["spec"]["nodeName"].as_str().unwrap_or("").to_string();
    let known: Vec<Value> = pod["status"]["ephemeralContainerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let new: Vec<Value> = pod["spec"]["ephemeralContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| !known.iter().any(|k| k["name"] == c["name"]))
        .cloned()
        .collect();
    if new.is_empty() {
        return;
    }
    let mut statuses = known;
    for c in &new {
        let mut cs = json!({
            "name": c["name"], "image": c["image"], "imageID": "", "ready": false,
            "restartCount": 0, "lastState": {}, "state": {},
        });
        start_one(&mut cs, &now);
        statuses.push(cs);
    }
    let written = ctx.store.modify(
        resources::core("pods"),
        util::namespace(pod),
        name(pod),
        |p| p["status"]["ephemeralContainerStatuses"] = Value::Array(statuses),
    );
    let Ok(pod) = written else { return };
    let src = kubelet(&node);
    for c in &new {
        let cname = c["name"].as_str().unwrap_or("");
        let image = c["image"].as_str().unwrap_or("");
        let pulling = format!("Pulling image \"{image}\"");
        events::record(ctx.store, &pod, EventKind::Normal, "Pulling", &pulling, src);
        let pulled = format!("Successfully pulled image \"{image}\" in 1.2s (1.2s including waiting). Image size: 2155590 bytes.");
        events::record(ctx.store, &pod, EventKind::Normal, "Pulled", &pulled, src);
        let created = format!("Created container: {cname}");
        events::record(ctx.store, &pod, EventKind::Normal, "Created", &created, src);
        let started = format!("Started container {cname}");
        events::record(ctx.store, &pod, EventKind::Normal, "Started", &started, src);
        log_line(
            ctx,
            &pod,
            cname,
            &format!("the simulated cluster runs no processes: debug container {cname} ({image}) has no shell to attach to"),
        );
    }
}
