//! Defaulting as the real API server does it on every write of a built-in kind
//! (pkg/apis/*/v1/defaults.go, abridged to the fields kubectl and the console read):
//! Deployment strategy and limits, pod spec fields, Service type and cluster IP, Job and
//! CronJob policies, Secret type. Custom resources are stored as sent.

use serde_json::{json, Value};

use crate::resources::Resource;

/// Sets `obj[key]` to `value` if it is missing or null.
fn default(obj: &mut Value, key: &str, value: Value) {
    if obj.is_object() && obj.get(key).is_none_or(Value::is_null) {
        obj[key] = value;
    }
}

/// The object at `path` (JSON pointer), if there is one. Never inserts, unlike `v[key]`.
fn at<'a>(v: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    v.pointer_mut(path).filter(|x| x.is_object())
}

/// Defaults the object a client wrote, in place.
pub fn apply(res: &Resource, obj: &mut Value) {
    match (res.group, res.plural) {
        ("", "pods") => pod_spec(at(obj, "/spec")),
        ("", "services") => service(obj),
        ("", "secrets") => default(obj, "type", json!("Opaque")),
        ("apps", "deployments") => deployment(at(obj, "/spec")),
        ("apps", "replicasets") => {
            if let Some(spec) = at(obj, "/spec") {
                default(spec, "replicas", json!(1));
                pod_spec(at(spec, "/template/spec"));
            }
        }
        ("batch", "jobs") => job(obj),
        ("batch", "cronjobs") => {
            if let Some(spec) = at(obj, "/spec") {
                default(spec, "concurrencyPolicy", json!("Allow"));
                default(spec, "suspend", json!(false));
                default(spec, "successfulJobsHistoryLimit", json!(3));
                default(spec, "failedJobsHistoryLimit", json!(1));
                job_spec(at(spec, "/jobTemplate/spec"));
            }
        }
        _ => {}
    }
}

/// The status the API server gives a new object of a kind whose status it initialises
/// (a Pod is Pending with its QoS class, a Service has an empty load balancer).
pub fn initial_status(res: &Resource, obj: &Value) -> Option<Value> {
    match (res.group, res.plural) {
        ("", "pods") => Some(json!({"phase": "Pending", "qosClass": qos_class(&obj["spec"])})),
        ("", "services") => Some(json!({"loadBalancer": {}})),
        _ => None,
    }
}

/// Guaranteed when every container's requests equal its limits for cpu and memory,
/// BestEffort when none sets any, Burstable otherwise.
fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = spec["containers"]
        .as_array()
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let resources = |c: &&Value, kind: &str| {
        c["resources"][kind]
            .as_object()
            .map(|m| m.len())
            .unwrap_or(0)
    };
    if containers
        .iter()
        .all(|c| resources(c, "requests") == 0 && resources(c, "limits") == 0)
    {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let limits = &c["resources"]["limits"];
        let requests = &c["resources"]["requests"];
        ["cpu", "memory"].iter().all(|r| {
            limits.get(*r).is_some() && requests.get(*r).is_none_or(|q| Some(q) == limits.get(*r))
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn deployment(spec: Option<&mut Value>) {
    let Some(spec) = spec else {
        return;
    };
    default(spec, "replicas", json!(1));
    default(spec, "revisionHistoryLimit", json!(10));
    default(spec, "progressDeadlineSeconds", json!(600));
    default(spec, "strategy", json!({"type": "RollingUpdate"}));
    if spec["strategy"]["type"] == "RollingUpdate" {
        default(&mut spec["strategy"], "rollingUpdate", json!({}));
        let ru = &mut spec["strategy"]["rollingUpdate"];
        default(ru, "maxSurge", json!("25%"));
        default(ru, "maxUnavailable", json!("25%"));
    }
    pod_spec(at(spec, "/template/spec"));
}

fn job(obj: &mut Value) {
    let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
    job_spec(at(obj, "/spec"));
    if let Some(template) = at(obj, "/spec/template").filter(|_| !name.is_empty()) {
        default(template, "metadata", json!({}));
        default(&mut template["metadata"], "labels", json!({}));
        // (both exist now, so the indexing below inserts nothing)
        let labels = &mut template["metadata"]["labels"];
        default(labels, "batch.kubernetes.io/job-name", json!(name));
        default(labels, "job-name", json!(name));
    }
}

fn job_spec(spec: Option<&mut Value>) {
    let Some(spec) = spec else {
        return;
    };
    default(spec, "completions", json!(1));
    default(spec, "parallelism", json!(1));
    default(spec, "backoffLimit", json!(6));
    default(spec, "completionMode", json!("NonIndexed"));
    default(spec, "suspend", json!(false));
    default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    pod_spec(at(spec, "/template/spec"));
}

fn pod_spec(spec: Option<&mut Value>) {
    let Some(spec) = spec else {
        return;
    };
    default(spec, "restartPolicy", json!("Always"));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "schedulerName", json!("default-scheduler"));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "securityContext", json!({}));
    for list in ["containers", "initContainers"] {
        if let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) {
            containers.iter_mut().for_each(container);
        }
    }
}

/// A container's defaults (also an ephemeral container's, see [`super::ephemeral`]).
pub(super) fn container(c: &mut Value) {
    let image = c["image"].as_str().unwrap_or("");
    let last = image.rsplit('/').next().unwrap_or("");
    let latest = !last.contains(':') && !image.contains('@') || last.ends_with(":latest");
    default(
        c,
        "imagePullPolicy",
        json!(if latest { "Always" } else { "IfNotPresent" }),
    );
    default(c, "terminationMessagePath", json!("/dev/termination-log"));
    default(c, "terminationMessagePolicy", json!("File"));
    default(c, "resources", json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        ports
            .iter_mut()
            .for_each(|p| default(p, "protocol", json!("TCP")));
    }
    for kind in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(kind).filter(|p| p.is_object()) {
            probe(p);
        }
    }
}

/// SetDefaults_Probe and SetDefaults_HTTPGetAction (what `kubectl describe` prints as
/// `http-get http://:8080/health delay=3s timeout=1s period=5s #success=1 #failure=3`).
fn probe(p: &mut Value) {
    default(p, "timeoutSeconds", json!(1));
    default(p, "periodSeconds", json!(10));
    default(p, "successThreshold", json!(1));
    default(p, "failureThreshold", json!(3));
    if let Some(get) = p.get_mut("httpGet").filter(|g| g.is_object()) {
        default(get, "path", json!("/"));
        default(get, "scheme", json!("HTTP"));
    }
}

fn service(obj: &mut Value) {
    let key = format!(
        "{}/{}",
        obj["metadata"]["namespace"].as_str().unwrap_or(""),
        obj["metadata"]["name"].as_str().unwrap_or("")
    );
    let Some(spec) = at(obj, "/spec") else {
        return;
    };
    default(spec, "type", json!("ClusterIP"));
    default(spec, "sessionAffinity", json!("None"));
    default(spec, "internalTrafficPolicy", json!("Cluster"));
    if spec["type"] != "ExternalName" {
        default(spec, "clusterIP", json!(cluster_ip(&key)));
        let ip = spec["clusterIP"].clone();
        default(spec, "clusterIPs", json!([ip]));
        default(spec, "ipFamilies", json!(["IPv4"]));
        default(spec, "ipFamilyPolicy", json!("SingleStack"));
    }
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            default(p, "protocol", json!("TCP"));
            let port = p["port"].clone();
            default(p, "targetPort", port);
        }
    }
}

/// A stable address in 10.96.0.0/16 for a service (FNV-1a of namespace/name).
fn cluster_ip(key: &str) -> String {
    let hash = key.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("10.96.{}.{}", (hash >> 8) & 0xff, (hash & 0xfe).max(2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    #[test]
    fn deployments_get_the_real_defaults_and_keep_what_was_sent() {
        let mut d = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "r/x:1.2", "ports": [{"containerPort": 80}]}]}}}});
        apply(resources::of("apps", "deployments"), &mut d);
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        );
        let cs = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(
            (
                cs[0]["imagePullPolicy"].as_str(),
                cs[1]["imagePullPolicy"].as_str()
            ),
            (Some("Always"), Some("IfNotPresent"))
        );
        assert_eq!(cs[1]["ports"][0]["protocol"], "TCP");
        assert_eq!(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
    }

    #[test]
    fn probes_get_their_timeouts_thresholds_and_scheme() {
        let mut pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x:1",
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5},
            "livenessProbe": {"exec": {"command": ["true"]}}}]}});
        apply(resources::core("pods"), &mut pod);
        let c = &pod["spec"]["containers"][0];
        assert_eq!(
            c["readinessProbe"],
            json!({"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 5,
                "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3})
        );
        assert_eq!(c["livenessProbe"]["periodSeconds"], 10);
        assert!(c.get("startupProbe").is_none());
    }

    #[test]
    fn defaulting_never_adds_null_fields() {
        let mut pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}});
        apply(resources::core("pods"), &mut pod);
        assert!(pod["spec"].get("initContainers").is_none());
        assert!(pod["spec"]["containers"][0].get("ports").is_none());
        let mut bare = json!({"metadata": {"name": "d"}});
        apply(resources::of("apps", "deployments"), &mut bare);
        assert_eq!(bare, json!({"metadata": {"name": "d"}}));
    }

    #[test]
    fn pods_start_pending_with_their_qos_class() {
        let pods = resources::core("pods");
        let with = |res: Value| json!({"spec": {"containers": [{"name": "c", "resources": res}]}});
        let qos = |o: Value| initial_status(pods, &o).unwrap()["qosClass"].clone();
        assert_eq!(qos(with(json!({}))), "BestEffort");
        assert_eq!(
            qos(with(json!({"limits": {"cpu": "1", "memory": "1Gi"}}))),
            "Guaranteed"
        );
        assert_eq!(qos(with(json!({"requests": {"cpu": "100m"}}))), "Burstable");
        assert_eq!(
            initial_status(pods, &with(json!({}))).unwrap()["phase"],
            "Pending"
        );
        assert!(initial_status(resources::of("apps", "deployments"), &json!({})).is_none());
    }

    #[test]
    fn services_get_a_stable_cluster_ip_and_target_ports() {
        let mut s = json!({"metadata": {"name": "gw", "namespace": "ns"}, "spec": {"ports": [{"port": 80}]}});
        apply(resources::core("services"), &mut s);
        let ip = s["spec"]["clusterIP"].as_str().unwrap().to_string();
        assert!(ip.starts_with("10.96."));
        assert_eq!(
            s["spec"]["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        let mut again = json!({"metadata": {"name": "gw", "namespace": "ns"}, "spec": {}});
        apply(resources::core("services"), &mut again);
        assert_eq!(again["spec"]["clusterIP"], ip);
    }
}
