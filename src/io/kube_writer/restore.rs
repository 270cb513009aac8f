//! Restoring a snapshot, writing: each object server-side applied (as `kubectl apply
//! --server-side --force-conflicts` sends it, field manager `kubechat-ops`), the namespace
//! created when missing. Only a `KubeWriter` writes, and none exists in read-only mode.

use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use serde_json::json;

use super::KubeWriter;
use crate::cluster::restore::Planned;

const MANAGER: &str = "kubechat-ops";

fn params() -> PatchParams {
    PatchParams::apply(MANAGER).force()
}

/// The API resource of a planned object: its apiVersion and kind, the plural from the
/// snapshot's directory.
pub fn resource(p: &Planned) -> ApiResource {
    let api_version = p.object["apiVersion"].as_str().unwrap_or("v1").to_string();
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.clone()),
    };
    ApiResource {
        group,
        version,
        api_version,
        kind: p.kind().to_string(),
        plural: p.plural().to_string(),
    }
}

fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({} {})", s.message, s.code, s.reason),
        other => other.to_string(),
    }
}

impl KubeWriter {
    /// Creates namespace `ns` when it does not exist (an apply of its name alone).
    pub async fn ensure_namespace(&self, ns: &str) -> Result<(), String> {
        let ar = ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: "Namespace".into(),
            plural: "namespaces".into(),
        };
        let api: Api<DynamicObject> = Api::all_with(self.client.clone(), &ar);
        let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        api.patch(ns, &params(), &Patch::Apply(&body))
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }

    /// Applies one object of a snapshot: cluster-scoped, or in the writer's namespace.
    pub async fn restore(&self, p: &Planned) -> Result<(), String> {
        let ar = resource(p);
        let api: Api<DynamicObject> = if p.namespaced() {
            Api::namespaced_with(self.client.clone(), &self.namespace, &ar)
        } else {
            Api::all_with(self.client.clone(), &ar)
        };
        let mut body = p.object.clone();
        if p.namespaced() {
            body["metadata"]["namespace"] = json!(self.namespace);
        }
        api.patch(p.name(), &params(), &Patch::Apply(&body))
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }
}
