//! The scheduler and kubelet: Pending → ContainerCreating → Running → Ready after short sim
//! delays; bad images crash-loop (rising restartCount, lastState.terminated, BackOff events,
//! logs saying why); containers whose memory limit is below their version's working set are
//! OOMKilled (exit code 137) and crash-loop the same way; job pods run to completion or fail
//! as the scenario says.

use std::time::Duration;

use serde_json::{json, Value};

use super::util::{self, name, plus};
use super::{Ctx, Obj};
use crate::clock::rfc3339;
use crate::events::{self, EventKind, Source};
use crate::resources;
use crate::scenario::{self, MemoryNeed};
use crate::store::PodFacts;

mod ephemeral;
mod running;

/// Scheduled → containers started.
const START_AFTER: Duration = Duration::from_secs(1);
/// Started → Ready, unless the readiness probe says otherwise.
const READY_AFTER: Duration = Duration::from_secs(2);
/// How long a bad image runs before it exits.
const CRASH_AFTER: Duration = Duration::from_secs(2);
/// How long a container whose working set exceeds its limit runs before it is OOMKilled
/// (it warms its cache at start-up, so it never gets to be ready).
const OOM_AFTER: Duration = Duration::from_secs(2);
/// How long a job's pod runs.
pub const JOB_RUN: Duration = Duration::from_secs(15);
const MAX_BACKOFF_SECS: u64 = 300;

#[derive(Default)]
struct Faults {
    bad_images: Vec<String>,
    crash: Vec<(String, String, String)>,
    failing_cronjobs: Vec<String>,
    memory_needs: Vec<MemoryNeed>,
}

pub fn sync_all(ctx: &mut Ctx) {
    let faults = {
        let live = ctx.scenario.live();
        Faults {
            bad_images: live.bad_images.clone(),
            crash: live.crash_requests.clone(),
            failing_cronjobs: live.failing_cronjobs.iter().cloned().collect(),
            memory_needs: live.memory_needs.clone(),
        }
    };
    let nodes: Vec<String> = ctx
        .store
        .list(resources::core("nodes"), None)
        .iter()
        .map(|n| name(n).to_string())
        .collect();
    for facts in ctx.store.pods(None) {
        if facts.deleting || settled(&facts, &faults) {
            continue;
        }
        if let Some(pod) = ctx
            .store
            .get(resources::core("pods"), &facts.namespace, &facts.name)
        {
            sync_pod(ctx, &pod, &nodes, &faults);
        }
    }
}

fn is_bad(image: &str, faults: &Faults) -> bool {
    faults
        .bad_images
        .iter()
        .any(|b| !b.is_empty() && image.ends_with(b.as_str()))
}

fn memory_need(image: &str, faults: &Faults) -> Option<f64> {
    scenario::memory_need(&faults.memory_needs, image)
}

fn crash_request<'a>(ns: &str, pod: &str, faults: &'a Faults) -> Option<&'a str> {
    faults
        .crash
        .iter()
        .find(|(n, p, _)| n == ns && p == pod)
        .map(|(_, _, reason)| reason.as_str())
}

fn is_job_pod(pod: &Value) -> bool {
    util::owner_name(pod, "Job").is_some()
}

/// Running, ready, healthy and not a job: nothing to do.
fn settled(pod: &PodFacts, faults: &Faults) -> bool {
    if matches!(pod.phase.as_ref(), "Succeeded" | "Failed") {
        return true;
    }
    pod.phase.as_ref() == "Running"
        && pod.ready
        && !pod.ephemeral_pending
        && !pod.job_owned
        && crash_request(&pod.namespace, &pod.name, faults).is_none()
        && !pod.images.iter().any(|image| is_bad(image, faults))
        && !pod
            .images
            .iter()
            .any(|image| memory_need(image, faults).is_some())
}

fn containers(pod: &Value) -> impl Iterator<Item = &Value> {
    pod["spec"]["containers"].as_array().into_iter().flatten()
}

fn kubelet(node: &str) -> Source<'_> {
    Source {
        component: "kubelet",
        host: Some(node),
    }
}

/// Writes a line to a container's log (what `kubectl logs` shows).
pub fn log_line(ctx: &mut Ctx, pod: &Value, container: &str, line: &str) {
    ctx.store
        .append_log_at(ctx.now, util::namespace(pod), name(pod), container, line);
}

pub fn qos_class(spec: &Value) -> &'static str {
    let cs: Vec<&Value> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let has_any = cs.iter().any(|c| {
        c["resources"]["requests"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
            || c["resources"]["limits"]
                .as_object()
                .is_some_and(|m| !m.is_empty())
    });
    let guaranteed = !cs.is_empty()
        && cs.iter().all(|c| {
            let l = &c["resources"]["limits"];
            l["cpu"].is_string() && l["memory"].is_string() && {
                let r = &c["resources"]["requests"];
                (r["cpu"].is_null() || r["cpu"] == l["cpu"])
                    && (r["memory"].is_null() || r["memory"] == l["memory"])
            }
        });
    if guaranteed {
        "Guaranteed"
    } else if has_any {
        "Burstable"
    } else {
        "BestEffort"
    }
}

/// Killing events for a pod being removed.
pub fn killing_events(ctx: &mut Ctx, pod: &Value) {
    let node = pod["spec"]["nodeName"].as_str().unwrap_or("").to_string();
    for c in containers(pod) {
        let msg = format!("Stopping container {}", c["name"].as_str().unwrap_or(""));
        events::record(
            ctx.store,
            pod,
            EventKind::Normal,
            "Killing",
            &msg,
            kubelet(&node),
        );
    }
}

fn sync_pod(ctx: &mut Ctx, pod: &Obj, nodes: &[String], faults: &Faults) {
    let started = util::timestamp(&pod["status"]["startTime"]);
    match (pod["status"]["phase"].as_str(), started) {
        (_, None) => schedule(ctx, pod, nodes),
        (Some("Pending"), Some(t)) if ctx.now >= plus(t, START_AFTER) => {
            start_containers(ctx, pod, faults)
        }
        (Some("Running"), _) if crate::store::ephemeral_pending(pod) => ephemeral::start(ctx, pod),
        (Some("Running"), _) => running::run(ctx, pod, faults),
        _ => {}
    }
}

fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn condition(kind: &str, ok: bool, now: &str, reason: Option<&str>) -> Value {
    let mut c = json!({"type": kind, "status": if ok {"True"} else {"False"}, "lastProbeTime": null, "lastTransitionTime": now});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    c
}

fn schedule(ctx: &mut Ctx, pod: &Obj, nodes: &[String]) {
    let node = pod["spec"]["nodeName"]
        .as_str()
        .map(str::to_string)
        .or_else(|| {
            (!nodes.is_empty()).then(|| nodes[fnv(name(pod)) as usize % nodes.len()].clone())
        })
        .unwrap_or_else(|| "sim-node-1".into());
    let now = rfc3339(ctx.now);
    let statuses: Vec<Value> = containers(pod)
        .map(|c| json!({
            "name": c["name"], "image": c["image"], "imageID": "", "ready": false, "started": false,
            "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}},
        }))
        .collect();
    let host_ip = format!("10.0.0.{}", 10 + fnv(&node) % 200);
    let status = json!({
        "phase": "Pending",
        "conditions": [
            condition("PodReadyToStartContainers", false, &now, None),
            condition("Initialized", true, &now, None),
            condition("Ready", false, &now, Some("ContainersNotReady")),
            condition("ContainersReady", false, &now, Some("ContainersNotReady")),
            condition("PodScheduled", true, &now, None),
        ],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": now,
        "containerStatuses": statuses,
        "qosClass": qos_class(&pod["spec"]),
    });
    let written = ctx.store.modify(
        resources::core("pods"),
        util::namespace(pod),
        name(pod),
        |p| {
            p["spec"]["nodeName"] = json!(node);
            p["status"] = status;
        },
    );
    if let Ok(pod) = written {
        let msg = format!(
            "Successfully assigned {}/{} to {node}",
            util::namespace(&pod),
            name(&pod)
        );
        events::record(
            ctx.store,
            &pod,
            EventKind::Normal,
            "Scheduled",
            &msg,
            Source::component("default-scheduler"),
        );
    }
}

fn start_containers(ctx: &mut Ctx, pod: &Obj, faults: &Faults) {
    let now = rfc3339(ctx.now);
    let h = fnv(name(pod));
    let pod_ip = format!("10.244.{}.{}", (h >> 8) % 250, 2 + h % 250);
    let node = pod["spec"]["nodeName"].as_str().unwrap_or("").to_string();
    let written = ctx.store.modify(
        resources::core("pods"),
        util::namespace(pod),
        name(pod),
        |p| {
            p["status"]["phase"] = json!("Running");
            p["status"]["podIP"] = json!(pod_ip);
            p["status"]["podIPs"] = json!([{"ip": pod_ip}]);
            set_condition(&mut p["status"], "PodReadyToStartContainers", true, &now);
            if let Some(list) = p["status"]["containerStatuses"].as_array_mut() {
                for cs in list {
                    start_one(cs, &now);
                }
            }
        },
    );
    let Ok(pod) = written else { return };
    for c in containers(&pod) {
        let cname = c["name"].as_str().unwrap_or("").to_string();
        started_events(ctx, &pod, &cname, c["image"].as_str().unwrap_or(""), &node);
        running::write_startup_logs(ctx, &pod, &cname, c["image"].as_str().unwrap_or(""), faults);
    }
}

fn start_one(cs: &mut Value, now: &str) {
    let image = cs["image"].as_str().unwrap_or("").to_string();
    let digest = format!("{:08x}{:08x}", fnv(&image), fnv(&format!("{image}#")));
    cs["imageID"] = json!(format!(
        "{}@sha256:{digest}{digest}{digest}{digest}",
        image.split(':').next().unwrap_or("")
    ));
    cs["containerID"] = json!(format!(
        "containerd://{:08x}{:08x}",
        fnv(now),
        fnv(&format!("{image}{now}"))
    ));
    cs["state"] = json!({"running": {"startedAt": now}});
    cs["started"] = json!(true);
    cs["ready"] = json!(false);
}

fn started_events(ctx: &mut Ctx, pod: &Value, container: &str, image: &str, node: &str) {
    let src = kubelet(node);
    let pulled = format!("Container image \"{image}\" already present on machine");
    events::record(ctx.store, pod, EventKind::Normal, "Pulled", &pulled, src);
    let created = format!("Created container: {container}");
    events::record(ctx.store, pod, EventKind::Normal, "Created", &created, src);
    let started = format!("Started container {container}");
    events::record(ctx.store, pod, EventKind::Normal, "Started", &started, src);
}

fn set_condition(status: &mut Value, kind: &str, ok: bool, now: &str) {
    let want = if ok { "True" } else { "False" };
    if let Some(list) = status["conditions"].as_array_mut() {
        for c in list.iter_mut().filter(|c| c["type"] == kind) {
            if c["status"] != want {
                c["status"] = json!(want);
                c["lastTransitionTime"] = json!(now);
                if ok {
                    c.as_object_mut().map(|m| m.remove("reason"));
                } else if kind == "Ready" || kind == "ContainersReady" {
                    c["reason"] = json!("ContainersNotReady");
                }
            }
        }
    }
}

fn backoff(restarts: i64) -> Duration {
    let exp = restarts.clamp(1, 10) - 1;
    Duration::from_secs((10u64 << exp).min(MAX_BACKOFF_SECS))
}

fn ready_after(c: &Value) -> Duration {
    c["readinessProbe"]["initialDelaySeconds"]
        .as_u64()
        .map_or(READY_AFTER, |s| Duration::from_secs(s.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(2), Duration::from_secs(20));
        assert_eq!(backoff(9), Duration::from_secs(300));
    }

    const HUNGRY: &str = r#"
name: hungry
memory_needs: [{image: "api:1", working_set: 300Mi}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: kubechat-system}
    spec:
      replicas: 2
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec: {containers: [{name: api, image: "registry/api:1", resources: {limits: {memory: 256Mi}}}]}
"#;

    fn api_pods(w: &super::super::World) -> Vec<Obj> {
        w.with_store(|s| {
            s.list(resources::core("pods"), Some("kubechat-system"))
                .into_iter()
                .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
                .collect()
        })
    }

    #[test]
    fn a_container_over_its_memory_limit_is_oom_killed_until_the_limit_is_raised() {
        let scenario = crate::scenario::parse_str(HUNGRY, "hungry.yaml").unwrap();
        let w = super::super::World::new(scenario, crate::clock::SimClock::manual()).unwrap();
        let sec = Duration::from_secs(1);
        w.run_for(Duration::from_secs(40), sec).unwrap();
        let pods = api_pods(&w);
        assert_eq!(pods.len(), 2);
        for p in &pods {
            let cs = &p["status"]["containerStatuses"][0];
            assert!(cs["restartCount"].as_i64().unwrap() >= 2, "{cs}");
            assert_eq!(cs["lastState"]["terminated"]["reason"], "OOMKilled");
            assert_eq!(cs["lastState"]["terminated"]["exitCode"], 137);
            assert_eq!(cs["ready"], false);
            let previous = w
                .with_store(|s| s.logs().lines("kubechat-system", name(p), "api", true))
                .unwrap();
            assert_eq!(
                previous.last().map(|(_, l)| l.as_str()),
                Some("fatal error: runtime: out of memory")
            );
        }
        let backoffs = w.with_store(|s| {
            s.list(resources::core("events"), Some("kubechat-system"))
                .iter()
                .filter(|e| e["reason"] == "BackOff" && e["type"] == "Warning")
                .count()
        });
        assert!(backoffs >= 2, "{backoffs} BackOff events");
        // The runbook's fix: a limit above the working set.
        w.with_store(|s| {
            s.modify(
                resources::of("apps", "deployments"),
                "kubechat-system",
                "api",
                |d| {
                    d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
                        ["memory"] = json!("1Gi")
                },
            )
            .unwrap();
        });
        let healed = |s: &crate::store::Store| {
            let pods: Vec<_> = s
                .list(resources::core("pods"), Some("kubechat-system"))
                .into_iter()
                .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
                .collect();
            pods.len() == 2
                && pods.iter().all(|p| {
                    p["spec"]["containers"][0]["resources"]["limits"]["memory"] == "1Gi"
                        && crate::store::ready_condition(p).is_some()
                })
        };
        assert!(w.run_until(Duration::from_secs(120), sec, healed).unwrap());
        w.run_for(Duration::from_secs(60), sec).unwrap();
        for p in api_pods(&w) {
            let cs = &p["status"]["containerStatuses"][0];
            assert_eq!(cs["restartCount"], 0, "{cs}");
            assert_eq!(cs["ready"], true, "{cs}");
        }
    }

    #[test]
    fn qos_follows_resources() {
        assert_eq!(qos_class(&json!({"containers": [{}]})), "BestEffort");
        assert_eq!(
            qos_class(&json!({"containers": [{"resources": {"requests": {"cpu": "1"}}}]})),
            "Burstable"
        );
        assert_eq!(
            qos_class(
                &json!({"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]})
            ),
            "Guaranteed"
        );
    }
}
