//! Cell values of the Table columns that need more than a field lookup: pod STATUS and
//! RESTARTS, service ports, job status and duration, node roles, and so on.

use jiff::Timestamp;
use serde_json::{json, Value};

use super::column::{age, age_col, c, human_duration, int, n, or_none, s, Column};

/// `.a.b.c` → the value there.
pub(super) fn lookup<'a>(obj: &'a Value, json_path: &str) -> Option<&'a Value> {
    json_path
        .trim_start_matches('.')
        .split('.')
        .try_fold(obj, |v, k| v.get(k))
}

pub(super) fn obj_len(v: &Value) -> usize {
    v.as_object().map_or(0, |m| m.len())
}

pub(super) fn pod_columns() -> Vec<Column> {
    vec![
        c("Ready", 0, |o, _| {
            let (ready, total) = pod_ready_counts(o);
            json!(format!("{ready}/{total}"))
        }),
        c("Status", 0, |o, _| json!(pod_status(o))),
        int("Restarts", 0, |o, now| json!(pod_restarts(o, now))),
        age_col(),
        c("IP", 1, |o, _| or_none(s(&o["status"]["podIP"]))),
        c("Node", 1, |o, _| or_none(s(&o["spec"]["nodeName"]))),
        c("Nominated Node", 1, |o, _| {
            or_none(s(&o["status"]["nominatedNodeName"]))
        }),
        c("Readiness Gates", 1, |_, _| json!("<none>")),
    ]
}

/// The STATUS column of `kubectl get pods` (printPod's reason logic, abridged).
pub fn pod_status(o: &Value) -> String {
    let mut reason = o["status"]["reason"]
        .as_str()
        .or(o["status"]["phase"].as_str())
        .unwrap_or("Pending")
        .to_string();
    let mut running = false;
    if let Some(statuses) = o["status"]["containerStatuses"].as_array() {
        for cs in statuses.iter().rev() {
            let state = &cs["state"];
            if let Some(r) = state["waiting"]["reason"]
                .as_str()
                .filter(|r| !r.is_empty())
            {
                reason = r.to_string();
            } else if let Some(t) = state.get("terminated") {
                reason = match t["reason"].as_str().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None => format!("ExitCode:{}", n(&t["exitCode"])),
                };
            } else if cs["ready"] == true && state.get("running").is_some() {
                running = true;
            }
        }
    }
    if reason == "Completed" && running {
        reason = "Running".into();
    }
    if o["metadata"].get("deletionTimestamp").is_some() {
        reason = "Terminating".into();
    }
    reason
}

pub(super) fn pod_restarts(o: &Value, now: Timestamp) -> Value {
    let (count, last) = pod_restart_facts(o);
    restarts_cell(count, last, now)
}

/// A pod's restarts in all its containers, and when a container last finished (the
/// latest `lastState.terminated.finishedAt`).
pub fn pod_restart_facts(o: &Value) -> (i64, Option<&Value>) {
    let statuses = o["status"]["containerStatuses"].as_array();
    let count: i64 = statuses.map_or(0, |cs| cs.iter().map(|c| n(&c["restartCount"])).sum());
    let last = statuses.and_then(|cs| {
        cs.iter()
            .filter_map(|c| c["lastState"]["terminated"].get("finishedAt"))
            .max_by_key(|v| s(v).to_string())
    });
    (count, last)
}

/// The RESTARTS cell: `3 (2m ago)`, or the bare count.
pub fn restarts_cell(count: i64, last: Option<&Value>, now: Timestamp) -> Value {
    match last {
        Some(t) if count > 0 => json!(format!("{count} ({} ago)", age(Some(t), now))),
        _ => json!(count),
    }
}

/// READY of a pod: ready containers / containers.
pub fn pod_ready_counts(o: &Value) -> (usize, usize) {
    let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = o["status"]["containerStatuses"]
        .as_array()
        .map_or(0, |cs| cs.iter().filter(|c| c["ready"] == true).count());
    (ready, total)
}

pub(super) fn external_ip(o: &Value) -> String {
    match s(&o["spec"]["type"]) {
        "LoadBalancer" => {
            let ips: Vec<&str> = o["status"]["loadBalancer"]["ingress"]
                .as_array()
                .map(|i| {
                    i.iter()
                        .map(|x| x["ip"].as_str().or(x["hostname"].as_str()).unwrap_or(""))
                        .collect()
                })
                .unwrap_or_default();
            if ips.is_empty() {
                "<pending>".into()
            } else {
                ips.join(",")
            }
        }
        "ExternalName" => s(&o["spec"]["externalName"]).to_string(),
        _ => "<none>".into(),
    }
}

pub(super) fn service_ports(o: &Value) -> String {
    let ports: Vec<String> = o["spec"]["ports"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let proto = p["protocol"].as_str().unwrap_or("TCP");
                    match p["nodePort"].as_i64() {
                        Some(np) => format!("{}:{np}/{proto}", n(&p["port"])),
                        None => format!("{}/{proto}", n(&p["port"])),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    }
}

pub(super) fn event_columns() -> Vec<Column> {
    vec![
        c("Last Seen", 0, |o, now| {
            json!(age(
                o.get("lastTimestamp")
                    .filter(|v| !v.is_null())
                    .or(o.get("eventTime")),
                now
            ))
        }),
        c("Type", 0, |o, _| json!(s(&o["type"]))),
        c("Reason", 0, |o, _| json!(s(&o["reason"]))),
        c("Object", 0, |o, _| {
            json!(format!(
                "{}/{}",
                s(&o["involvedObject"]["kind"]).to_lowercase(),
                s(&o["involvedObject"]["name"])
            ))
        }),
        c("Subobject", 1, |o, _| {
            json!(s(&o["involvedObject"]["fieldPath"]))
        }),
        c("Source", 1, |o, _| json!(s(&o["source"]["component"]))),
        c("Message", 0, |o, _| json!(s(&o["message"]))),
        c("First Seen", 1, |o, now| {
            json!(age(o.get("firstTimestamp"), now))
        }),
        int("Count", 1, |o, _| json!(o["count"].as_i64().unwrap_or(1))),
        c("Name", 1, |o, _| json!(s(&o["metadata"]["name"]))),
    ]
}

pub(super) fn job_status(o: &Value) -> &'static str {
    let conds = o["status"]["conditions"].as_array();
    let has = |t: &str| {
        conds.is_some_and(|cs| cs.iter().any(|c| c["type"] == t && c["status"] == "True"))
    };
    if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if o["metadata"].get("deletionTimestamp").is_some() {
        "Terminating"
    } else if has("Suspended") {
        "Suspended"
    } else {
        "Running"
    }
}

pub(super) fn job_duration(o: &Value, now: Timestamp) -> String {
    let parse = |v: &Value| v.as_str().and_then(|t| t.parse::<Timestamp>().ok());
    let Some(start) = parse(&o["status"]["startTime"]) else {
        return String::new();
    };
    let end = parse(&o["status"]["completionTime"]).unwrap_or(now);
    human_duration(end.duration_since(start).as_secs())
}

pub(super) fn node_status(o: &Value) -> String {
    let ready = o["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"));
    let mut status = match ready {
        Some(c) if c["status"] == "True" => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if o["spec"]["unschedulable"] == true {
        status.push_str(",SchedulingDisabled");
    }
    status
}

pub(super) fn node_roles(o: &Value) -> String {
    o["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

pub(super) fn endpoints(o: &Value) -> String {
    let mut out = Vec::new();
    for subset in o["subsets"].as_array().into_iter().flatten() {
        for addr in subset["addresses"].as_array().into_iter().flatten() {
            for port in subset["ports"].as_array().into_iter().flatten() {
                out.push(format!("{}:{}", s(&addr["ip"]), n(&port["port"])));
            }
        }
    }
    if out.len() > 3 {
        let more = out.len() - 3;
        out.truncate(3);
        return format!("{} + {more} more...", out.join(","));
    }
    out.join(",")
}

pub(super) fn access_modes(o: &Value) -> String {
    o["status"]["accessModes"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|x| match s(x) {
                    "ReadWriteOnce" => "RWO",
                    "ReadOnlyMany" => "ROX",
                    "ReadWriteMany" => "RWX",
                    "ReadWriteOncePod" => "RWOP",
                    other => other,
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

pub(super) fn subjects(o: &Value, kind: &str) -> String {
    o["subjects"]
        .as_array()
        .map(|ss| {
            ss.iter()
                .filter(|x| x["kind"] == kind)
                .map(|x| match x["namespace"].as_str() {
                    Some(ns) if kind == "ServiceAccount" => format!("{ns}/{}", s(&x["name"])),
                    _ => s(&x["name"]).to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
