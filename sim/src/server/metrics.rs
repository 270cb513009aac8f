//! `metrics.k8s.io/v1beta1` as metrics-server serves it, for `kubectl top pod|node`:
//! PodMetrics of every running pod and NodeMetrics of every node, got or listed (with label
//! and field selectors), read-only.
//!
//! Usage comes from the simulated cluster itself: the traffic's figures for the API
//! gateway's pods (a container that runs out of memory sits near its limit), an estimate
//! from requests for the others ([`crate::usage`]), and per node the sum of its pods plus
//! what the system uses.

use axum::http::Method;
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::list::Filter;
use super::request::{ApiPath, Params};
use super::response;
use crate::clock::rfc3339;
use crate::quantity;
use crate::resources;
use crate::scenario::Scenario;
use crate::status::ApiError;
use crate::store::Store;
use crate::traffic::Traffic;
use crate::usage::{self, Usage};
use crate::SimShared;

pub const GROUP: &str = "metrics.k8s.io";
/// What a node's kubelet, runtime and system daemons use beyond its pods.
const SYSTEM: Usage = Usage {
    cpu_cores: 0.12,
    memory_bytes: 1.1 * 1024.0 * 1024.0 * 1024.0,
};
/// The window metrics-server reports usage over.
const POD_WINDOW: &str = "15.012s";
const NODE_WINDOW: &str = "20.023s";

pub fn handle(sim: &SimShared, method: &Method, path: &ApiPath, params: &Params) -> Response {
    if method != Method::GET {
        return response::error(&ApiError::method_not_allowed(format!(
            "the server does not allow this method on the requested resource ({method} {})",
            path.res.plural
        )));
    }
    match serve(sim, path, params) {
        Ok(v) => response::json(200, &v),
        Err(e) => response::error(&e),
    }
}

fn serve(sim: &SimShared, path: &ApiPath, params: &Params) -> Result<Value, ApiError> {
    let now = sim.clock.now();
    let store = sim
        .store
        .lock()
        .map_err(|_| ApiError::internal("store lock poisoned"))?;
    let nodes = path.res.plural == "nodes";
    let all = if nodes {
        node_metrics(&store, &sim.scenario, &sim.traffic, now)
    } else {
        pod_metrics(&store, &sim.scenario, &sim.traffic, path.ns.as_deref(), now)
    };
    drop(store);
    let kind = path.res.kind;
    if let Some(name) = &path.name {
        return all
            .into_iter()
            .find(|m| m["metadata"]["name"] == name.as_str())
            .ok_or_else(|| not_found(path, name));
    }
    let filter = Filter::from_params(params)?;
    let items: Vec<Value> = all.into_iter().filter(|m| filter.matches(m)).collect();
    Ok(json!({
        "kind": format!("{kind}List"),
        "apiVersion": format!("{GROUP}/v1beta1"),
        "metadata": {},
        "items": items,
    }))
}

/// metrics-server's 404: `podmetrics.metrics.k8s.io "ns/name" not found`.
fn not_found(path: &ApiPath, name: &str) -> ApiError {
    let (resource, shown) = match &path.ns {
        Some(ns) if path.res.namespaced => ("podmetrics", format!("{ns}/{name}")),
        _ => ("nodemetrics", name.to_string()),
    };
    ApiError {
        code: 404,
        reason: "NotFound",
        message: format!("{resource}.{GROUP} \"{shown}\" not found"),
        details: Some(json!({"name": name, "group": GROUP, "kind": resource})),
    }
}

fn usage_json(u: &Usage) -> Value {
    json!({"cpu": quantity::nanocores(u.cpu_cores), "memory": quantity::kibibytes(u.memory_bytes)})
}

/// One pod's containers and what each uses, if the pod is running (metrics-server has no
/// figures for pods that are pending, finished or being deleted).
pub fn pod_usage(
    pod: &Value,
    scenario: &Scenario,
    traffic: &Traffic,
) -> Option<Vec<(String, Usage)>> {
    let name = pod["metadata"]["name"].as_str().unwrap_or("");
    if pod["status"]["phase"] != "Running" || pod["metadata"].get("deletionTimestamp").is_some() {
        return None;
    }
    if let Some(measured) = traffic.pod_usage(name) {
        return Some(measured);
    }
    let containers = pod["spec"]["containers"].as_array()?;
    Some(
        containers
            .iter()
            .map(|c| {
                let need = scenario.memory_need(c["image"].as_str().unwrap_or(""));
                let cname = c["name"].as_str().unwrap_or("").to_string();
                (cname, usage::estimate(name, c, need))
            })
            .collect(),
    )
}

/// PodMetrics of the running pods in `ns` (None: all namespaces).
pub fn pod_metrics(
    store: &Store,
    scenario: &Scenario,
    traffic: &Traffic,
    ns: Option<&str>,
    now: Timestamp,
) -> Vec<Value> {
    let at = rfc3339(now);
    store
        .list(resources::core("pods"), ns)
        .iter()
        .filter_map(|pod| {
            let containers = pod_usage(pod, scenario, traffic)?;
            let meta = &pod["metadata"];
            Some(json!({
                "kind": "PodMetrics",
                "apiVersion": format!("{GROUP}/v1beta1"),
                "metadata": {
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "creationTimestamp": at,
                    "labels": meta.get("labels").cloned().unwrap_or_else(|| json!({})),
                },
                "timestamp": at,
                "window": POD_WINDOW,
                "containers": containers
                    .iter()
                    .map(|(name, u)| json!({"name": name, "usage": usage_json(u)}))
                    .collect::<Vec<_>>(),
            }))
        })
        .collect()
}

/// NodeMetrics of every node: its pods' usage plus the system's.
pub fn node_metrics(
    store: &Store,
    scenario: &Scenario,
    traffic: &Traffic,
    now: Timestamp,
) -> Vec<Value> {
    let at = rfc3339(now);
    let pods = store.list(resources::core("pods"), None);
    store
        .list(resources::core("nodes"), None)
        .iter()
        .map(|node| {
            let name = node["metadata"]["name"].as_str().unwrap_or("");
            let total = pods
                .iter()
                .filter(|p| p["spec"]["nodeName"] == name)
                .filter_map(|p| pod_usage(p, scenario, traffic))
                .flatten()
                .fold(SYSTEM, |sum, (_, u)| sum + u);
            json!({
                "kind": "NodeMetrics",
                "apiVersion": format!("{GROUP}/v1beta1"),
                "metadata": {
                    "name": name,
                    "creationTimestamp": at,
                    "labels": node["metadata"].get("labels").cloned().unwrap_or_else(|| json!({})),
                },
                "timestamp": at,
                "window": NODE_WINDOW,
                "usage": usage_json(&total),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use crate::controllers::World;
    use std::time::Duration;

    const MI: f64 = 1048576.0;

    fn memory(m: &Value) -> f64 {
        quantity::parse(&m["memory"]).unwrap()
    }

    #[test]
    fn pods_and_nodes_report_usage_in_metrics_server_units() {
        let text = r#"
name: t
memory_needs: [{image: "api:1", working_set: 300Mi}]
objects:
  - apiVersion: v1
    kind: Node
    metadata: {name: n1}
    status: {allocatable: {cpu: "4", memory: 16Gi}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: small, namespace: kubechat-system}
    spec:
      replicas: 1
      selector: {matchLabels: {app: small}}
      template:
        metadata: {labels: {app: small}}
        spec: {containers: [{name: app, image: "api:1", resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}]}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: roomy, namespace: kubechat-system}
    spec:
      replicas: 1
      selector: {matchLabels: {app: roomy}}
      template:
        metadata: {labels: {app: roomy}}
        spec: {containers: [{name: app, image: "api:1", resources: {limits: {memory: 1Gi}}}]}
"#;
        let scenario = crate::scenario::parse_str(text, "t.yaml").unwrap();
        let w = World::new(scenario, SimClock::manual()).unwrap();
        w.run_for(Duration::from_secs(3), Duration::from_secs(1))
            .unwrap();
        let now = w.clock.now();
        let pods = w.with_store(|s| pod_metrics(s, &w.scenario, &w.traffic, None, now));
        assert_eq!(pods.len(), 2, "{pods:#?}");
        for p in &pods {
            assert_eq!(p["kind"], "PodMetrics");
            let usage = &p["containers"][0]["usage"];
            assert!(usage["cpu"].as_str().unwrap().ends_with('n'), "{usage}");
            assert!(usage["memory"].as_str().unwrap().ends_with("Ki"), "{usage}");
            let mem = memory(usage);
            if p["metadata"]["labels"]["app"] == "small" {
                // 300Mi does not fit in 256Mi: near the limit, whatever its state
                assert!(mem > 250.0 * MI && mem < 256.0 * MI, "{mem}");
            } else {
                assert!((mem - 300.0 * MI).abs() < MI, "{mem}");
            }
        }
        let nodes = w.with_store(|s| node_metrics(s, &w.scenario, &w.traffic, now));
        assert_eq!(nodes.len(), 1);
        let node_mem = memory(&nodes[0]["usage"]);
        let pods_mem: f64 = pods
            .iter()
            .map(|p| memory(&p["containers"][0]["usage"]))
            .sum();
        assert!((node_mem - pods_mem - SYSTEM.memory_bytes).abs() < 4096.0);
    }
}
