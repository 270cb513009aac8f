//! The scenario timeline and fault injection: plays each action when its time comes, runs
//! single actions on demand, applies the scale scenario's pod churn, and tidies up (expired
//! events, logs of deleted pods).

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use serde_json::{json, Value};

use super::util::{self, name};
use super::Ctx;
use crate::events;
use crate::resources::{self, Resource};
use crate::scenario::Action;

const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(10);

/// Plays every timeline action whose time has come; the first failure is returned (the
/// action counts as played either way).
pub fn play_due(ctx: &mut Ctx) -> anyhow::Result<()> {
    let mut first_error = None;
    loop {
        let next = {
            let live = ctx.scenario.live();
            ctx.scenario.timeline.get(live.played).cloned()
        };
        let Some(entry) = next.filter(|e| e.at <= ctx.elapsed) else {
            break;
        };
        ctx.scenario.live().played += 1;
        if let Err(e) = run(ctx, &entry.action) {
            tracing::warn!("timeline action at {:?}: {e:#}", entry.at);
            first_error.get_or_insert(e.context(format!(
                "{}: timeline action at {}s",
                ctx.scenario.source,
                entry.at.as_secs()
            )));
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn workload(target: &str) -> anyhow::Result<(&'static Resource, &str)> {
    let (kind, obj_name) = target
        .split_once('/')
        .ok_or_else(|| anyhow!("target {target:?}: expected deployment/NAME or rollout/NAME"))?;
    let res = match kind {
        "deployment" | "deploy" | "deployments" => resources::of("apps", "deployments"),
        "rollout" | "ro" | "rollouts" => resources::of("argoproj.io", "rollouts"),
        _ => bail!("target {target:?}: expected deployment/NAME or rollout/NAME"),
    };
    Ok((res, obj_name))
}

fn modify(
    ctx: &mut Ctx,
    res: &'static Resource,
    ns: &str,
    obj: &str,
    f: impl FnOnce(&mut Value),
) -> anyhow::Result<()> {
    ctx.store
        .modify(res, ns, obj, f)
        .map(|_| ())
        .map_err(|e| anyhow!("{}", e.message))
}

/// Runs one action now.
pub fn run(ctx: &mut Ctx, action: &Action) -> anyhow::Result<()> {
    match action {
        Action::SetImage {
            target,
            image,
            container,
            namespace,
        } => {
            let (res, obj) = workload(target)?;
            let current = ctx
                .store
                .get(res, namespace, obj)
                .ok_or_else(|| anyhow!("{target} not found in {namespace}"))?;
            let containers = current["spec"]["template"]["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let index = match container {
                Some(c) => containers
                    .iter()
                    .position(|x| x["name"] == c.as_str())
                    .ok_or_else(|| anyhow!("{target} has no container {c}"))?,
                None if containers.is_empty() => bail!("{target} has no containers"),
                None => 0,
            };
            modify(ctx, res, namespace, obj, |o| {
                o["spec"]["template"]["spec"]["containers"][index]["image"] = json!(image)
            })
        }
        Action::Scale {
            target,
            replicas,
            namespace,
        } => {
            let (res, obj) = workload(target)?;
            modify(ctx, res, namespace, obj, |o| {
                o["spec"]["replicas"] = json!(replicas)
            })
        }
        Action::FailBackup { cronjob } => {
            ctx.scenario.live().failing_cronjobs.insert(cronjob.clone());
            Ok(())
        }
        Action::FixBackup { cronjob } => {
            ctx.scenario.live().failing_cronjobs.remove(cronjob);
            Ok(())
        }
        Action::RunJob { cronjob, namespace } => run_job(ctx, cronjob, namespace),
        Action::DeletePod {
            pod,
            selector,
            namespace,
        } => {
            let pod = find_pod(ctx, pod.as_deref(), selector.as_deref(), namespace)?;
            super::kubelet::killing_events(ctx, &pod);
            ctx.store
                .delete(
                    resources::core("pods"),
                    namespace,
                    name(&pod),
                    Default::default(),
                )
                .map(|_| ())
                .map_err(|e| anyhow!("{}", e.message))
        }
        Action::Crash {
            pod,
            selector,
            namespace,
            reason,
        } => {
            let pod = find_pod(ctx, pod.as_deref(), selector.as_deref(), namespace)?;
            let reason = reason.clone().unwrap_or_else(|| {
                "panic: runtime error: invalid memory address or nil pointer dereference".into()
            });
            ctx.scenario.live().crash_requests.push((
                namespace.clone(),
                name(&pod).to_string(),
                reason,
            ));
            Ok(())
        }
        Action::SwitchService {
            service,
            slot,
            namespace,
        } => modify(ctx, resources::core("services"), namespace, service, |s| {
            s["spec"]["selector"]["deployment-slot"] = json!(slot)
        }),
        Action::BadVersion(bad) => {
            ctx.scenario.live().bad_versions.push(bad.clone());
            Ok(())
        }
        Action::MemoryNeed(need) => {
            if need.bytes().is_none() {
                bail!(
                    "memory-need of {:?}: working_set {:?} is not a quantity such as 470Mi",
                    need.image,
                    need.working_set
                );
            }
            ctx.scenario.live().memory_needs.insert(0, need.clone());
            Ok(())
        }
        Action::Promote {
            rollout,
            full,
            namespace,
        } => {
            let res = resources::of("argoproj.io", "rollouts");
            modify(ctx, res, namespace, rollout, |r| {
                if *full {
                    r["status"]["promoteFull"] = json!(true);
                } else if r["status"]["pauseConditions"]
                    .as_array()
                    .is_some_and(|p| !p.is_empty())
                {
                    r["status"]["pauseConditions"] = Value::Null;
                } else {
                    let i = r["status"]["currentStepIndex"].as_i64().unwrap_or(0);
                    r["status"]["currentStepIndex"] = json!(i + 1);
                }
                r["spec"]["paused"] = json!(false);
            })
        }
        Action::Abort { rollout, namespace } => {
            let res = resources::of("argoproj.io", "rollouts");
            modify(ctx, res, namespace, rollout, |r| {
                r["status"]["abort"] = json!(true)
            })
        }
    }
}

fn find_pod(
    ctx: &Ctx,
    pod: Option<&str>,
    selector: Option<&str>,
    ns: &str,
) -> anyhow::Result<crate::store::Obj> {
    let pods = resources::core("pods");
    if let Some(p) = pod {
        return ctx
            .store
            .get(pods, ns, p)
            .ok_or_else(|| anyhow!("pod {ns}/{p} not found"));
    }
    let selector = selector.ok_or_else(|| anyhow!("give a pod name or a selector"))?;
    let mut wanted = serde_json::Map::new();
    for part in selector.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = part
            .split_once('=')
            .with_context(|| format!("selector {selector:?}: expected key=value[,key=value]"))?;
        wanted.insert(k.trim().to_string(), json!(v.trim()));
    }
    ctx.store
        .pods(Some(ns))
        .into_iter()
        .find(|p| {
            !p.deleting
                && !wanted.is_empty()
                && wanted.iter().all(|(k, v)| p.label(k) == v.as_str())
        })
        .and_then(|p| ctx.store.get(pods, ns, &p.name))
        .ok_or_else(|| anyhow!("no pod in {ns} matches {selector}"))
}

/// A Job from a CronJob's template, as `kubectl create job --from=cronjob/NAME` makes it.
fn run_job(ctx: &mut Ctx, cronjob: &str, ns: &str) -> anyhow::Result<()> {
    let cj = ctx
        .store
        .get(resources::of("batch", "cronjobs"), ns, cronjob)
        .ok_or_else(|| anyhow!("cronjob {ns}/{cronjob} not found"))?;
    let suffix = ctx.store.random_suffix();
    let template = &cj["spec"]["jobTemplate"];
    let job = json!({
        "metadata": {
            "name": format!("{cronjob}-manual-{suffix}"),
            "namespace": ns,
            "labels": template["metadata"]["labels"],
            "annotations": {"cronjob.kubernetes.io/instantiate": "manual"},
            "ownerReferences": [util::owner_ref(&cj)],
        },
        "spec": template["spec"],
    });
    ctx.store
        .create_internal(resources::of("batch", "jobs"), ns, job)
        .map(|_| ())
        .map_err(|e| anyhow!("{}", e.message))
}

/// Deletes pods labelled `sim.kubechat.io/churn=true` at the scenario's churn rate.
pub fn churn(ctx: &mut Ctx) {
    let rate = ctx.scenario.churn_per_sec;
    if rate <= 0.0 {
        return;
    }
    let count = {
        let mut live = ctx.scenario.live();
        let dt = live
            .last_churn
            .map_or(0.0, |t| util::secs_since(ctx.now, t).max(0.0));
        live.last_churn = Some(ctx.now);
        live.churn_debt += rate * dt;
        let n = live.churn_debt.floor();
        live.churn_debt -= n;
        n as usize
    };
    if count == 0 {
        return;
    }
    let candidates: Vec<_> = ctx
        .store
        .pods(None)
        .into_iter()
        .filter(|p| p.label("sim.kubechat.io/churn") == Some("true"))
        .collect();
    if candidates.is_empty() {
        return;
    }
    let seed = ctx.store.resource_version() as usize;
    for k in 0..count.min(candidates.len()) {
        let pod = &candidates[(seed.wrapping_add(k.wrapping_mul(7919))) % candidates.len()];
        let _ = ctx.store.delete(
            resources::core("pods"),
            &pod.namespace,
            &pod.name,
            Default::default(),
        );
    }
}

/// Every 10 simulated seconds: drop expired (and surplus) events and the logs of pods that are gone.
pub fn housekeeping(ctx: &mut Ctx) {
    let due = {
        let mut live = ctx.scenario.live();
        let due = live
            .last_housekeeping
            .is_none_or(|t| ctx.now >= util::plus(t, HOUSEKEEPING_EVERY));
        if due {
            live.last_housekeeping = Some(ctx.now);
        }
        due
    };
    if !due {
        return;
    }
    let wall = ctx.store.wall_now();
    events::collect_expired(ctx.store, wall);
}
