//! The `scale` subresource: an `autoscaling/v1` Scale view of Deployments, ReplicaSets,
//! Rollouts and CNPG Clusters; GET, PUT and PATCH (what `kubectl scale` sends).

use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{json, Value};

use super::crds::scale_paths;
use super::patch::{self, PatchKind};
use super::request::{self, ApiPath};
use super::response;
use super::selectors::match_labels_string;
use crate::resources::Resource;
use crate::status::ApiError;
use crate::store::WriteMode;
use crate::SimShared;

/// The Scale of an object.
pub fn scale_of(res: &Resource, obj: &Value) -> Value {
    let paths = scale_paths(res);
    let selector = match obj.pointer(paths.selector) {
        Some(Value::String(s)) => s.clone(),
        Some(sel @ Value::Object(_)) => match_labels_string(sel),
        _ => match_labels_string(&obj["spec"]["selector"]),
    };
    let status_replicas = obj
        .pointer(paths.status_replicas)
        .or_else(|| obj.pointer("/status/replicas"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let m = &obj["metadata"];
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": m["name"],
            "namespace": m["namespace"],
            "uid": m["uid"],
            "resourceVersion": m["resourceVersion"],
            "creationTimestamp": m["creationTimestamp"],
        },
        "spec": {"replicas": obj.pointer(paths.spec_replicas).and_then(Value::as_i64).unwrap_or(0)},
        "status": {"replicas": status_replicas, "selector": selector},
    })
}

pub fn handle(
    sim: &SimShared,
    method: &Method,
    path: &ApiPath,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    match scale(sim, method, path, name, headers, body) {
        Ok(v) => response::json(200, &v),
        Err(e) => response::error(&e),
    }
}

fn scale(
    sim: &SimShared,
    method: &Method,
    path: &ApiPath,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, ApiError> {
    let res = path.res;
    let ns = path.ns.as_deref().unwrap_or("");
    let mut store = sim
        .store
        .lock()
        .map_err(|_| ApiError::internal("store lock poisoned"))?;
    let current = store
        .get(res, ns, name)
        .ok_or_else(|| ApiError::not_found(res.plural, res.group, name))?;
    let now = scale_of(res, &current);
    let wanted = match *method {
        Method::GET => return Ok(now),
        Method::PUT => serde_json::from_slice::<Value>(body).map_err(|e| {
            ApiError::bad_request(format!("the request body is not a valid Scale: {e}"))
        })?,
        Method::PATCH => {
            let kind = PatchKind::from_content_type(&request::content_type(headers))?;
            // Scale is a built-in type: strategic merge is allowed even for custom kinds.
            let kind = if kind == PatchKind::Strategic {
                PatchKind::Merge
            } else {
                kind
            };
            patch::apply(res, kind, &now, body)?
        }
        _ => {
            return Err(ApiError::method_not_allowed(
                "the scale subresource supports get, update and patch",
            ))
        }
    };
    let sent_rv = wanted
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !sent_rv.is_empty() && Some(sent_rv) != current["metadata"]["resourceVersion"].as_str() {
        return Err(ApiError::conflict(res.plural, res.group, name));
    }
    let Some(replicas) = wanted.pointer("/spec/replicas").and_then(Value::as_i64) else {
        return Err(ApiError::invalid(
            "Scale",
            name,
            "spec.replicas: Required value",
        ));
    };
    if replicas < 0 {
        return Err(ApiError::invalid(
            "Scale",
            name,
            format!("spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"),
        ));
    }
    let mut updated = (*current).clone();
    let spec_path = scale_paths(res).spec_replicas;
    if let Some(slot) = updated.pointer_mut(spec_path) {
        *slot = json!(replicas);
    } else {
        updated["spec"][spec_path.trim_start_matches("/spec/")] = json!(replicas);
    }
    updated["metadata"]["resourceVersion"] = Value::Null;
    let written = store.write(res, ns, name, updated, WriteMode::Main)?;
    Ok(scale_of(res, &written))
}
