//! Discovery: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/GROUP/VERSION`.
//!
//! kubectl 1.33 first asks `/api` and `/apis` for the aggregated discovery document
//! (`application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`); we serve it
//! (one request gives every resource) and the legacy documents to everyone else.

use serde_json::{json, Value};

use crate::resources::{Resource, RESOURCES};

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": "v1.33.0-kubechat-sim",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

/// (group, version) pairs of the named groups, in table order.
fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

pub fn groups() -> Value {
    let groups: Vec<Value> = group_versions()
        .into_iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/GROUP`: one APIGroup.
pub fn group(name: &str) -> Option<Value> {
    let (g, v) = group_versions().into_iter().find(|(g, _)| *g == name)?;
    let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
    Some(
        json!({"kind": "APIGroup", "apiVersion": "v1", "name": g, "versions": [gv.clone()], "preferredVersion": gv}),
    )
}

fn entry(r: &Resource) -> Value {
    let mut e = json!({
        "name": r.plural,
        "singularName": r.singular,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        e["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        e["categories"] = json!(r.categories);
    }
    e
}

fn sub_entry(r: &Resource, sub: &str) -> Value {
    let mut e = json!({
        "name": format!("{}/{sub}", r.plural),
        "singularName": "",
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": ["get", "patch", "update"],
    });
    match sub {
        "scale" => {
            e["group"] = json!("autoscaling");
            e["version"] = json!("v1");
            e["kind"] = json!("Scale");
        }
        "log" => {
            e["verbs"] = json!(["get"]);
        }
        "proxy" => {
            e["kind"] = json!("ServiceProxyOptions");
            e["verbs"] = json!(["create", "delete", "get", "patch", "update"]);
        }
        "attach" | "exec" | "portforward" => {
            e["kind"] = json!(connect_options(sub));
            e["verbs"] = json!(["create", "get"]);
        }
        _ => {}
    }
    e
}

/// The options kind of a pod's connect subresource.
fn connect_options(sub: &str) -> &'static str {
    match sub {
        "attach" => "PodAttachOptions",
        "exec" => "PodExecOptions",
        _ => "PodPortForwardOptions",
    }
}

/// `/api/v1` or `/apis/GROUP/VERSION`: an APIResourceList, or None if not served.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let served: Vec<&Resource> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if served.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for r in served {
        list.push(entry(r));
        for sub in r.subresources {
            list.push(sub_entry(r, sub));
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    )
}

/// The content type of aggregated discovery documents.
pub const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether an `Accept` header asks for aggregated discovery (apidiscovery.k8s.io/v2).
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|media| {
        let params: Vec<&str> = media.split(';').skip(1).map(str::trim).collect();
        ["g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"]
            .iter()
            .all(|p| params.contains(p))
    })
}

fn aggregated_resource(r: &Resource) -> Value {
    let kind = json!({"group": r.group, "version": r.version, "kind": r.kind});
    let subresources: Vec<Value> = r
        .subresources
        .iter()
        .map(|sub| {
            let e = sub_entry(r, sub);
            let response_kind = match *sub {
                "scale" => json!({"group": "autoscaling", "version": "v1", "kind": "Scale"}),
                "proxy" => json!({"group": "", "version": "v1", "kind": "ServiceProxyOptions"}),
                "attach" | "exec" | "portforward" => {
                    json!({"group": "", "version": "v1", "kind": connect_options(sub)})
                }
                _ => kind.clone(),
            };
            json!({"subresource": sub, "responseKind": response_kind, "verbs": e["verbs"]})
        })
        .collect();
    let mut out = json!({
        "resource": r.plural,
        "responseKind": kind,
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        out["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        out["categories"] = json!(r.categories);
    }
    if !subresources.is_empty() {
        out["subresources"] = json!(subresources);
    }
    out
}

/// `/api` (core = true) or `/apis` as an APIGroupDiscoveryList.
pub fn aggregated(core: bool) -> Value {
    let groups: Vec<(&str, &str)> = if core {
        vec![("", "v1")]
    } else {
        group_versions()
    };
    let items: Vec<Value> = groups
        .into_iter()
        .map(|(g, v)| {
            let resources: Vec<Value> = RESOURCES
                .iter()
                .filter(|r| r.group == g && r.version == v)
                .map(aggregated_resource)
                .collect();
            json!({
                "metadata": {"name": g, "creationTimestamp": null},
                "versions": [{"version": v, "resources": resources, "freshness": "Current"}],
            })
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_discovery_is_recognised_only_for_v2() {
        assert!(wants_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        ));
        assert!(!wants_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
        ));
        assert!(!wants_aggregated("application/json, */*"));
    }

    #[test]
    fn the_metrics_api_is_discovered_read_only() {
        assert!(group("metrics.k8s.io").is_some());
        let list = resource_list("metrics.k8s.io", "v1beta1").unwrap();
        let kinds: Vec<(&str, &str, bool)> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                assert_eq!(r["verbs"], json!(["get", "list"]));
                (
                    r["name"].as_str().unwrap(),
                    r["kind"].as_str().unwrap(),
                    r["namespaced"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("nodes", "NodeMetrics", false),
                ("pods", "PodMetrics", true)
            ]
        );
    }

    #[test]
    fn aggregated_lists_every_resource_with_its_subresources() {
        let all = aggregated(false);
        let count: usize = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["versions"][0]["resources"].as_array().unwrap().len())
            .sum();
        let core = aggregated(true)["items"][0]["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(count + core, RESOURCES.len());
        let apps = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metadata"]["name"] == "apps")
            .unwrap();
        let deploy = &apps["versions"][0]["resources"][0];
        assert_eq!(deploy["resource"], "deployments");
        assert!(deploy["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["subresource"] == "scale" && s["responseKind"]["kind"] == "Scale"));
    }
}
