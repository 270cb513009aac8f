//! The kubelet for running pods: readiness, crashes, OOM kills and CrashLoopBackOff
//! restarts, job pods finishing, and the log lines that say why.

use super::*;
use crate::quantity;
use crate::usage;

/// What happens to one container on this pass.
enum Change {
    None,
    Ready,
    Crash(Exit),
    Restart,
    Finish(bool),
}

/// How a container ends: its exit code, the kubelet's reason, its last log lines.
struct Exit {
    code: i64,
    reason: &'static str,
    log: Vec<String>,
}

impl Exit {
    /// The process exits with status 1, saying why.
    fn error(why: &str) -> Exit {
        Exit {
            code: 1,
            reason: "Error",
            log: vec![
                format!("level=error msg=\"fatal: {why}\""),
                "level=error msg=\"shutting down: exit status 1\"".to_string(),
            ],
        }
    }

    /// The kernel kills it (SIGKILL, 128 + 9) when its memory reaches the limit.
    fn oom_killed(container: &Value) -> Exit {
        let limit = usage::memory_limit(container).unwrap_or(0.0);
        Exit {
            code: 137,
            reason: "OOMKilled",
            log: vec![
                "level=info msg=\"warming session cache from postgres-primary:5432\" entries=1240000".to_string(),
                format!(
                    "level=warn msg=\"memory usage near limit\" rss={} limit={}",
                    quantity::mebibytes(limit * usage::OOM_FILL),
                    quantity::mebibytes(limit)
                ),
                "fatal error: runtime: out of memory".to_string(),
            ],
        }
    }
}

pub(super) fn run(ctx: &mut Ctx, pod: &Obj, faults: &Faults) {
    let job_fails = is_job_pod(pod).then(|| job_should_fail(ctx, pod, faults));
    let crash_reason = crash_request(util::namespace(pod), name(pod), faults).map(str::to_string);
    let specs: Vec<Value> = containers(pod).cloned().collect();
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut changes = Vec::new();
    for (i, cs) in statuses.iter().enumerate() {
        let spec = specs.get(i).cloned().unwrap_or(Value::Null);
        let image = cs["image"].as_str().unwrap_or("");
        let running_since = util::timestamp(&cs["state"]["running"]["startedAt"]);
        let change = match (running_since, &cs["state"]["waiting"]["reason"]) {
            (Some(_), _) if crash_reason.is_some() => {
                Change::Crash(Exit::error(crash_reason.as_deref().unwrap_or_default()))
            }
            (Some(t), _) if job_fails.is_some() => {
                if ctx.now >= plus(t, JOB_RUN) {
                    Change::Finish(job_fails == Some(false))
                } else {
                    Change::None
                }
            }
            (Some(t), _) if is_bad(image, faults) => {
                if ctx.now >= plus(t, CRASH_AFTER) {
                    Change::Crash(Exit::error(&bad_image_reason(image)))
                } else {
                    Change::None
                }
            }
            (Some(t), _) if usage::runs_out_of_memory(memory_need(image, faults), &spec) => {
                if ctx.now >= plus(t, OOM_AFTER) {
                    Change::Crash(Exit::oom_killed(&spec))
                } else {
                    Change::None
                }
            }
            (Some(t), _) if cs["ready"] != true && ctx.now >= plus(t, ready_after(&spec)) => {
                Change::Ready
            }
            (None, r) if r == "CrashLoopBackOff" => {
                let finished = util::timestamp(&cs["lastState"]["terminated"]["finishedAt"]);
                let restarts = cs["restartCount"].as_i64().unwrap_or(0);
                if finished.is_some_and(|f| ctx.now >= plus(f, backoff(restarts))) {
                    Change::Restart
                } else {
                    Change::None
                }
            }
            _ => Change::None,
        };
        changes.push(change);
    }
    if changes.iter().all(|c| matches!(c, Change::None)) {
        return;
    }
    apply_changes(ctx, pod, &changes, job_fails.is_some());
}

fn bad_image_reason(image: &str) -> String {
    format!("image {image} cannot start: required setting KUBECHAT_DB_DSN is missing from /etc/kubechat/config.yaml (configuration schema v3 expected, kubechat-config provides v2)")
}

fn job_should_fail(ctx: &Ctx, pod: &Value, faults: &Faults) -> bool {
    let Some(job_name) = util::owner_name(pod, "Job") else {
        return false;
    };
    let job = ctx.store.get(
        resources::of("batch", "jobs"),
        util::namespace(pod),
        job_name,
    );
    let cronjob = job
        .as_deref()
        .and_then(|j| util::owner_name(j, "CronJob").map(str::to_string));
    faults.failing_cronjobs.iter().any(|cj| {
        cronjob.as_deref() == Some(cj.as_str()) || job_name.starts_with(&format!("{cj}-"))
    })
}

fn apply_changes(ctx: &mut Ctx, pod: &Obj, changes: &[Change], is_job: bool) {
    let now = rfc3339(ctx.now);
    let ns = util::namespace(pod).to_string();
    let pod_name = name(pod).to_string();
    let uid = util::uid(pod).to_string();
    let node = pod["spec"]["nodeName"].as_str().unwrap_or("").to_string();
    let mut new = (**pod).clone();
    let mut todo_events: Vec<(EventKind, &'static str, String)> = Vec::new();
    let mut restarted: Vec<(String, String)> = Vec::new();
    let mut crashed: Vec<(String, &Vec<String>)> = Vec::new();
    let mut finished: Vec<(String, bool)> = Vec::new();
    if let Some(list) = new["status"]["containerStatuses"].as_array_mut() {
        for (cs, change) in list.iter_mut().zip(changes) {
            let cname = cs["name"].as_str().unwrap_or("").to_string();
            match change {
                Change::None => {}
                Change::Ready => cs["ready"] = json!(true),
                Change::Crash(exit) => {
                    let restarts = cs["restartCount"].as_i64().unwrap_or(0) + 1;
                    cs["lastState"] = json!({"terminated": {
                        "exitCode": exit.code, "reason": exit.reason,
                        "startedAt": cs["state"]["running"]["startedAt"], "finishedAt": now,
                        "containerID": cs["containerID"],
                    }});
                    cs["restartCount"] = json!(restarts);
                    let wait = backoff(restarts).as_secs();
                    cs["state"] = json!({"waiting": {"reason": "CrashLoopBackOff", "message": format!(
                        "back-off {}s restarting failed container={cname} pod={pod_name}_{ns}({uid})", wait.min(MAX_BACKOFF_SECS))}});
                    cs["ready"] = json!(false);
                    cs["started"] = json!(false);
                    let msg = format!("Back-off restarting failed container {cname} in pod {pod_name}_{ns}({uid})");
                    todo_events.push((EventKind::Warning, "BackOff", msg));
                    crashed.push((cname, &exit.log));
                }
                Change::Restart => {
                    start_one(cs, &now);
                    restarted.push((cname, cs["image"].as_str().unwrap_or("").to_string()));
                }
                Change::Finish(ok) => {
                    let (code, reason) = if *ok { (0, "Completed") } else { (1, "Error") };
                    cs["state"] = json!({"terminated": {
                        "exitCode": code, "reason": reason,
                        "startedAt": cs["state"]["running"]["startedAt"], "finishedAt": now,
                        "containerID": cs["containerID"],
                    }});
                    cs["ready"] = json!(false);
                    cs["started"] = json!(false);
                    finished.push((cname, *ok));
                }
            }
        }
    }
    let all_ready = new["status"]["containerStatuses"]
        .as_array()
        .is_some_and(|l| l.iter().all(|c| c["ready"] == true));
    set_condition(&mut new["status"], "Ready", all_ready, &now);
    set_condition(&mut new["status"], "ContainersReady", all_ready, &now);
    if is_job && !finished.is_empty() {
        let ok = finished.iter().all(|(_, ok)| *ok);
        new["status"]["phase"] = json!(if ok { "Succeeded" } else { "Failed" });
        for c in new["status"]["conditions"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if c["type"] == "Ready" || c["type"] == "ContainersReady" {
                c["reason"] = json!("PodCompleted");
            }
        }
    }
    let Ok(pod) = ctx.store.write(
        resources::core("pods"),
        &ns,
        &pod_name,
        new,
        crate::store::WriteMode::Internal,
    ) else {
        return;
    };
    if !crashed.is_empty() {
        ctx.scenario
            .live()
            .crash_requests
            .retain(|(n, p, _)| !(n == &ns && p == &pod_name));
    }
    for (cname, lines) in &crashed {
        for line in lines.iter() {
            log_line(ctx, &pod, cname, line);
        }
    }
    for (kind, reason, msg) in todo_events {
        events::record(ctx.store, &pod, kind, reason, &msg, kubelet(&node));
    }
    for (cname, image) in restarted {
        ctx.store.restart_container_log(&ns, &pod_name, &cname);
        started_events(ctx, &pod, &cname, &image, &node);
        write_startup_logs(ctx, &pod, &cname, &image, &Faults::default());
    }
    for (cname, ok) in finished {
        let lines: &[&str] = if ok {
            &[
                "pg_dump: dumping database kubechat_prod from postgres-primary:5432",
                "upload: /backup/kubechat_backup.sql.gz to s3://kubechat-backups/postgres/daily/",
                "backup completed",
            ]
        } else {
            &["pg_dump: error: connection to server at \"postgres-primary\" (10.96.41.7), port 5432 failed: FATAL:  password authentication failed for user \"kubechat_user\"",
              "backup failed: pg_dump exited with status 1 (check the postgres-credentials Secret)"]
        };
        for line in lines {
            log_line(ctx, &pod, &cname, line);
        }
    }
}

pub(super) fn write_startup_logs(
    ctx: &mut Ctx,
    pod: &Value,
    container: &str,
    image: &str,
    faults: &Faults,
) {
    let version = image.rsplit(':').next().unwrap_or("latest");
    log_line(
        ctx,
        pod,
        container,
        &format!("level=info msg=\"starting {container}\" version={version}"),
    );
    if is_bad(image, faults) {
        log_line(
            ctx,
            pod,
            container,
            "level=info msg=\"loading configuration from /etc/kubechat/config.yaml\"",
        );
    } else if is_job_pod(pod) {
        // The job's outcome is logged when it finishes.
    } else if container == "postgres" {
        for line in [
            "LOG:  starting PostgreSQL 16 on x86_64-pc-linux-gnu",
            "LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
            "LOG:  database system is ready to accept connections",
        ] {
            log_line(ctx, pod, container, line);
        }
    } else if pod["metadata"]["labels"]["app.kubernetes.io/component"] == "api-gateway" {
        for line in [
            "level=info msg=\"connected to postgres-primary:5432\" pool=20",
            "level=info msg=\"listening on :8080\"",
        ] {
            log_line(ctx, pod, container, line);
        }
    } else {
        log_line(ctx, pod, container, "level=info msg=\"started\"");
    }
}
