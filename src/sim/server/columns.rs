//! The Table columns `kubectl get` prints for each kind, as the real API server defines
//! them (pkg/printers/internalversion), and the CRDs' printer columns for custom kinds.

use jiff::Timestamp;
use serde_json::{json, Value};

use super::crds;
use super::table::age;
use crate::sim::resources::Resource;

type Cell = Box<dyn Fn(&Value, Timestamp) -> Value + Send + Sync>;

pub struct Column {
    pub name: &'static str,
    pub kind: &'static str,
    pub format: &'static str,
    pub description: &'static str,
    pub priority: u8,
    pub cell: Cell,
}

fn c(
    name: &'static str,
    priority: u8,
    cell: impl Fn(&Value, Timestamp) -> Value + Send + Sync + 'static,
) -> Column {
    let (kind, format) = match name {
        "Name" | "NAME" => ("string", "name"),
        _ => ("string", ""),
    };
    Column {
        name,
        kind,
        format,
        description: "",
        priority,
        cell: Box::new(cell),
    }
}

fn int(
    name: &'static str,
    priority: u8,
    cell: impl Fn(&Value, Timestamp) -> Value + Send + Sync + 'static,
) -> Column {
    Column {
        kind: "integer",
        ..c(name, priority, cell)
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn or_none(v: &str) -> Value {
    json!(if v.is_empty() { "<none>" } else { v })
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn name() -> Column {
    c("Name", 0, |o, _| json!(s(&o["metadata"]["name"])))
}

fn age_col() -> Column {
    c("Age", 0, |o, now| {
        json!(age(o["metadata"].get("creationTimestamp"), now))
    })
}

fn containers_of(template_spec: &Value, field: &str) -> String {
    template_spec["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| s(&c[field]))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// CONTAINERS, IMAGES, SELECTOR (all priority 1) for workloads.
fn workload_wide(spec_path: &'static str) -> Vec<Column> {
    vec![
        c("Containers", 1, move |o, _| {
            json!(containers_of(
                o.pointer(spec_path).unwrap_or(&Value::Null),
                "name"
            ))
        }),
        c("Images", 1, move |o, _| {
            json!(containers_of(
                o.pointer(spec_path).unwrap_or(&Value::Null),
                "image"
            ))
        }),
        c("Selector", 1, |o, _| {
            or_none(&selector_string(&o["spec"]["selector"]))
        }),
    ]
}

fn selector_string(sel: &Value) -> String {
    let mut parts: Vec<String> = sel["matchLabels"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", s(v))).collect())
        .unwrap_or_default();
    if let Some(exprs) = sel["matchExpressions"].as_array() {
        for e in exprs {
            let values: Vec<&str> = e["values"]
                .as_array()
                .map(|v| v.iter().map(s).collect())
                .unwrap_or_default();
            parts.push(format!(
                "{} {} ({})",
                s(&e["key"]),
                s(&e["operator"]).to_lowercase(),
                values.join(",")
            ));
        }
    }
    parts.join(",")
}

fn map_string(m: &Value) -> String {
    m.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", s(v)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

pub fn for_resource(res: &Resource) -> Vec<Column> {
    let mut cols = vec![name()];
    match (res.group, res.plural) {
        ("", "pods") => cols.extend(pod_columns()),
        ("apps", "deployments") => {
            cols.push(c("Ready", 0, |o, _| {
                json!(format!(
                    "{}/{}",
                    n(&o["status"]["readyReplicas"]),
                    n(&o["spec"]["replicas"])
                ))
            }));
            cols.push(int("Up-to-date", 0, |o, _| {
                json!(n(&o["status"]["updatedReplicas"]))
            }));
            cols.push(int("Available", 0, |o, _| {
                json!(n(&o["status"]["availableReplicas"]))
            }));
            cols.push(age_col());
            cols.extend(workload_wide("/spec/template/spec"));
        }
        ("apps", "replicasets") => {
            cols.push(int("Desired", 0, |o, _| json!(n(&o["spec"]["replicas"]))));
            cols.push(int("Current", 0, |o, _| json!(n(&o["status"]["replicas"]))));
            cols.push(int("Ready", 0, |o, _| {
                json!(n(&o["status"]["readyReplicas"]))
            }));
            cols.push(age_col());
            cols.extend(workload_wide("/spec/template/spec"));
        }
        ("", "services") => {
            cols.push(c("Type", 0, |o, _| {
                json!(o["spec"]["type"].as_str().unwrap_or("ClusterIP"))
            }));
            cols.push(c("Cluster-IP", 0, |o, _| {
                or_none(s(&o["spec"]["clusterIP"]))
            }));
            cols.push(c("External-IP", 0, |o, _| json!(external_ip(o))));
            cols.push(c("Port(s)", 0, |o, _| json!(service_ports(o))));
            cols.push(age_col());
            cols.push(c("Selector", 1, |o, _| {
                or_none(&map_string(&o["spec"]["selector"]))
            }));
        }
        ("", "events") => return event_columns(),
        ("batch", "jobs") => {
            cols.push(c("Status", 0, |o, _| json!(job_status(o))));
            cols.push(c("Completions", 0, |o, _| {
                json!(format!(
                    "{}/{}",
                    n(&o["status"]["succeeded"]),
                    o["spec"]["completions"].as_i64().unwrap_or(1)
                ))
            }));
            cols.push(c("Duration", 0, |o, now| json!(job_duration(o, now))));
            cols.push(age_col());
            cols.extend(workload_wide("/spec/template/spec"));
        }
        ("batch", "cronjobs") => {
            cols.push(c("Schedule", 0, |o, _| json!(s(&o["spec"]["schedule"]))));
            cols.push(c("Timezone", 0, |o, _| or_none(s(&o["spec"]["timeZone"]))));
            cols.push(c("Suspend", 0, |o, _| {
                json!(if o["spec"]["suspend"].as_bool().unwrap_or(false) {
                    "True"
                } else {
                    "False"
                })
            }));
            cols.push(int("Active", 0, |o, _| {
                json!(o["status"]["active"].as_array().map_or(0, Vec::len))
            }));
            cols.push(c("Last Schedule", 0, |o, now| {
                match o["status"].get("lastScheduleTime") {
                    Some(t) => json!(age(Some(t), now)),
                    None => json!("<none>"),
                }
            }));
            cols.push(age_col());
            cols.extend(workload_wide("/spec/jobTemplate/spec/template/spec"));
        }
        ("", "configmaps") => {
            cols.push(int("Data", 0, |o, _| {
                json!(obj_len(&o["data"]) + obj_len(&o["binaryData"]))
            }));
            cols.push(age_col());
        }
        ("", "secrets") => {
            cols.push(c("Type", 0, |o, _| {
                json!(o["type"].as_str().unwrap_or("Opaque"))
            }));
            cols.push(int("Data", 0, |o, _| json!(obj_len(&o["data"]))));
            cols.push(age_col());
        }
        ("", "namespaces") => {
            cols.push(c("Status", 0, |o, _| {
                json!(o["status"]["phase"].as_str().unwrap_or("Active"))
            }));
            cols.push(age_col());
        }
        ("", "nodes") => {
            cols.push(c("Status", 0, |o, _| json!(node_status(o))));
            cols.push(c("Roles", 0, |o, _| or_none(&node_roles(o))));
            cols.push(age_col());
            cols.push(c("Version", 0, |o, _| {
                json!(s(&o["status"]["nodeInfo"]["kubeletVersion"]))
            }));
        }
        ("", "endpoints") => {
            cols.push(c("Endpoints", 0, |o, _| or_none(&endpoints(o))));
            cols.push(age_col());
        }
        ("", "serviceaccounts") => {
            cols.push(int("Secrets", 0, |o, _| {
                json!(o["secrets"].as_array().map_or(0, Vec::len))
            }));
            cols.push(age_col());
        }
        ("", "persistentvolumeclaims") => {
            cols.push(c("Status", 0, |o, _| {
                json!(o["status"]["phase"].as_str().unwrap_or("Pending"))
            }));
            cols.push(c("Volume", 0, |o, _| json!(s(&o["spec"]["volumeName"]))));
            cols.push(c("Capacity", 0, |o, _| {
                json!(s(&o["status"]["capacity"]["storage"]))
            }));
            cols.push(c("Access Modes", 0, |o, _| json!(access_modes(o))));
            cols.push(c("StorageClass", 0, |o, _| {
                or_none(s(&o["spec"]["storageClassName"]))
            }));
            cols.push(c("VolumeAttributesClass", 0, |o, _| {
                or_none(s(&o["spec"]["volumeAttributesClassName"]))
            }));
            cols.push(age_col());
        }
        ("rbac.authorization.k8s.io", "roles" | "clusterroles") | ("apiextensions.k8s.io", _) => {
            cols.push(c("Created At", 0, |o, _| {
                json!(s(&o["metadata"]["creationTimestamp"]))
            }));
        }
        ("rbac.authorization.k8s.io", "rolebindings" | "clusterrolebindings") => {
            cols.push(c("Role", 0, |o, _| {
                json!(format!(
                    "{}/{}",
                    s(&o["roleRef"]["kind"]),
                    s(&o["roleRef"]["name"])
                ))
            }));
            cols.push(age_col());
            for (title, kind) in [
                ("Users", "User"),
                ("Groups", "Group"),
                ("ServiceAccounts", "ServiceAccount"),
            ] {
                cols.push(c(title, 1, move |o, _| json!(subjects(o, kind))));
            }
        }
        _ if res.is_custom() => {
            for pc in crds::printer_columns(res) {
                let path = pc.json_path;
                let is_date = pc.kind == "date";
                cols.push(Column {
                    name: pc.name,
                    kind: pc.kind,
                    format: "",
                    description: pc.description,
                    priority: pc.priority,
                    cell: Box::new(move |o, now| {
                        let v = lookup(o, path);
                        if is_date {
                            json!(age(v, now))
                        } else {
                            v.cloned().unwrap_or(Value::Null)
                        }
                    }),
                });
            }
        }
        _ => cols.push(age_col()),
    }
    cols
}

/// `.a.b.c` → the value there.
fn lookup<'a>(obj: &'a Value, json_path: &str) -> Option<&'a Value> {
    json_path
        .trim_start_matches('.')
        .split('.')
        .try_fold(obj, |v, k| v.get(k))
}

fn obj_len(v: &Value) -> usize {
    v.as_object().map_or(0, |m| m.len())
}

fn pod_columns() -> Vec<Column> {
    vec![
        c("Ready", 0, |o, _| {
            let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
            let ready = o["status"]["containerStatuses"]
                .as_array()
                .map_or(0, |cs| cs.iter().filter(|c| c["ready"] == true).count());
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
fn pod_status(o: &Value) -> String {
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

fn pod_restarts(o: &Value, now: Timestamp) -> Value {
    let statuses = o["status"]["containerStatuses"].as_array();
    let count: i64 = statuses.map_or(0, |cs| cs.iter().map(|c| n(&c["restartCount"])).sum());
    let last = statuses.and_then(|cs| {
        cs.iter()
            .filter_map(|c| c["lastState"]["terminated"].get("finishedAt"))
            .max_by_key(|v| s(v).to_string())
    });
    match last {
        Some(t) if count > 0 => json!(format!("{count} ({} ago)", age(Some(t), now))),
        _ => json!(count),
    }
}

fn external_ip(o: &Value) -> String {
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

fn service_ports(o: &Value) -> String {
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

fn event_columns() -> Vec<Column> {
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

fn job_status(o: &Value) -> &'static str {
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

fn job_duration(o: &Value, now: Timestamp) -> String {
    let parse = |v: &Value| v.as_str().and_then(|t| t.parse::<Timestamp>().ok());
    let Some(start) = parse(&o["status"]["startTime"]) else {
        return String::new();
    };
    let end = parse(&o["status"]["completionTime"]).unwrap_or(now);
    super::table::human_duration(end.duration_since(start).as_secs())
}

fn node_status(o: &Value) -> String {
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

fn node_roles(o: &Value) -> String {
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

fn endpoints(o: &Value) -> String {
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

fn access_modes(o: &Value) -> String {
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

fn subjects(o: &Value, kind: &str) -> String {
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
