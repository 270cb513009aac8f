//! The Table columns `kubectl get` prints for each kind, as the real API server defines
//! them (pkg/printers/internalversion), and the CRDs' printer columns for custom kinds.

use serde_json::{json, Value};

use super::cells::*;
use super::column::{age, age_col, c, int, n, or_none, s, Column};
use super::crds;
use crate::resources::Resource;

fn name() -> Column {
    c("Name", 0, |o, _| json!(s(&o["metadata"]["name"])))
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
