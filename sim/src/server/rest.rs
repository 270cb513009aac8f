//! The REST verbs on resource paths: get, list/watch, create, update, patch, delete and
//! deletecollection, plus the `status` subresource; `scale` and `log` are delegated.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{json, Value};

use super::patch::{self, PatchKind};
use super::request::{self, ApiPath, IncludeObject, Params};
use super::{defaults, ephemeral, list, metrics, podlog, response, scale, table, views, watch};
use crate::resources::Resource;
use crate::status::ApiError;
use crate::store::{Propagation, WriteMode};
use crate::validate;
use crate::SimShared;

pub async fn handle(
    sim: Arc<SimShared>,
    method: Method,
    path: ApiPath,
    params: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if path.res.is_metrics() {
        return metrics::handle(&sim, &method, &path, &params);
    }
    let table_req = request::table_request(&headers, &params);
    let result = match (&method, path.name.as_deref(), path.sub.as_deref()) {
        (&Method::GET, None, _) if params.flag("watch") => {
            return watch::watch(sim, &path, &params, table_req)
        }
        (&Method::GET, None, _) => return list::list(&sim, &path, &params, table_req),
        (&Method::GET, Some(name), Some("log")) => {
            return podlog::serve(sim, &path, name, &params).await
        }
        (_, Some(name), Some("scale")) => {
            return scale::handle(&sim, &method, &path, name, &headers, &body)
        }
        (_, Some(_), Some(sub @ ("attach" | "exec" | "portforward"))) => {
            Err(ephemeral::no_processes(sub))
        }
        (&Method::PATCH | &Method::PUT, Some(name), Some("ephemeralcontainers")) => {
            ephemeral_containers(&sim, &method, &path, name, &headers, &body)
        }
        (&Method::GET, Some(name), _) => get(&sim, &path, name),
        (&Method::POST, None, None) => create(&sim, &path, &params, &body),
        (&Method::PUT, Some(name), sub) => update(&sim, &path, name, sub, &body),
        (&Method::PATCH, Some(name), sub) => patch(&sim, &path, name, sub, &headers, &body),
        (&Method::DELETE, Some(name), None) => return delete(&sim, &path, name, &params, &body),
        (&Method::DELETE, None, None) => return delete_collection(&sim, &path, &params),
        _ => Err(ApiError::method_not_allowed(format!(
            "the server does not allow this method on the requested resource ({method} {})",
            path.res.plural
        ))),
    };
    match result {
        Ok((code, obj)) => render(&sim, &path, code, &obj, table_req),
        Err(e) => response::error(&e),
    }
}

fn render(
    sim: &SimShared,
    path: &ApiPath,
    code: u16,
    obj: &Value,
    table_req: Option<IncludeObject>,
) -> Response {
    match table_req {
        Some(include) if obj["kind"] != "Status" => {
            let rv = obj["metadata"]["resourceVersion"]
                .as_str()
                .map(str::to_string);
            let now = table::now_for(path.res, &sim.clock);
            response::json_bytes(
                code,
                table::table_bytes(path.res, &[obj], now, include, rv, None),
            )
        }
        _ => response::json(code, obj),
    }
}

fn lock(sim: &SimShared) -> Result<std::sync::MutexGuard<'_, crate::store::Store>, ApiError> {
    sim.store
        .lock()
        .map_err(|_| ApiError::internal("store lock poisoned"))
}

fn ns_of(path: &ApiPath) -> &str {
    path.ns.as_deref().unwrap_or("")
}

fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).or_else(|json_err| {
        serde_yaml_ng::from_slice(body).map_err(|_| {
            ApiError::bad_request(format!("the request body is not valid JSON: {json_err}"))
        })
    })
}

fn get(sim: &SimShared, path: &ApiPath, name: &str) -> Result<(u16, Value), ApiError> {
    let storage = views::storage_of(path.res);
    let obj = lock(sim)?
        .get(storage, ns_of(path), name)
        .ok_or_else(|| ApiError::not_found(path.res.plural, path.res.group, name))?;
    Ok((200, (*views::present(path.res, &obj)).clone()))
}

fn dry_run(params: &Params) -> bool {
    params.get("dryRun") == Some("All")
}

fn create(
    sim: &SimShared,
    path: &ApiPath,
    params: &Params,
    body: &[u8],
) -> Result<(u16, Value), ApiError> {
    let mut obj = parse_body(body)?;
    if path.res.kind == "SelfSubjectAccessReview" {
        return Ok((201, access_review(sim, obj)));
    }
    if path.res.namespaced && path.ns.is_none() {
        return Err(ApiError::method_not_allowed("the server does not allow this method on the requested resource: create needs a namespace"));
    }
    obj = views::to_storage(path.res, obj);
    if obj["metadata"]["namespace"].is_null() {
        if let Some(ns) = &path.ns {
            obj["metadata"]["namespace"] = json!(ns);
        }
    }
    defaults::apply(path.res, &mut obj);
    let storage = views::storage_of(path.res);
    checked(storage, &obj, WriteMode::Main)?;
    let mut store = lock(sim)?;
    if dry_run(params) {
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if store.get(storage, ns_of(path), name).is_some() {
            return Err(ApiError::already_exists(
                path.res.plural,
                path.res.group,
                name,
            ));
        }
        return Ok((201, obj));
    }
    let created = match defaults::initial_status(path.res, &obj) {
        // The server sets the first status itself (a client's status is ignored).
        Some(status) => {
            obj["status"] = status;
            store.create_internal(storage, ns_of(path), obj)?
        }
        None => store.create(storage, ns_of(path), obj)?,
    };
    Ok((201, (*views::present(path.res, &created)).clone()))
}

/// SelfSubjectAccessReview: allowed unless the scenario's `permissions` deny it.
fn access_review(sim: &SimShared, mut review: Value) -> Value {
    review["apiVersion"] = json!("authorization.k8s.io/v1");
    review["kind"] = json!("SelfSubjectAccessReview");
    if !review["metadata"].is_object() {
        review["metadata"] = json!({});
    }
    review["metadata"]["creationTimestamp"] = Value::Null;
    let attrs = &review["spec"]["resourceAttributes"];
    let text = |k: &str| attrs[k].as_str().unwrap_or("");
    let request = crate::scenario::AccessRequest {
        verb: text("verb"),
        group: text("group"),
        resource: text("resource"),
        namespace: text("namespace"),
    };
    let status = match sim.scenario.permissions.denied_by(&request) {
        Some(rule) => json!({
            "allowed": false,
            "denied": true,
            "reason": format!(
                "the scenario denies {} on {}",
                rule.verb, rule.resource
            ),
        }),
        None => json!({"allowed": true, "reason": "the scenario allows it"}),
    };
    review["status"] = status;
    review
}

/// `422 Invalid` when the API server would refuse to store `obj` (see [`validate`]). A
/// main-resource write's `status` is not checked: the stored status is kept instead.
fn checked(res: &Resource, obj: &Value, mode: WriteMode) -> Result<(), ApiError> {
    if mode == WriteMode::Main && res.has_status() && obj.get("status").is_some() {
        let mut without = obj.clone();
        if let Some(map) = without.as_object_mut() {
            map.remove("status");
        }
        return validate::check(res, &without);
    }
    validate::check(res, obj)
}

fn mode_for(sub: Option<&str>) -> Result<WriteMode, ApiError> {
    match sub {
        None => Ok(WriteMode::Main),
        Some("status") => Ok(WriteMode::Status),
        Some(other) => Err(ApiError::method_not_allowed(format!(
            "the {other} subresource cannot be written"
        ))),
    }
}

fn update(
    sim: &SimShared,
    path: &ApiPath,
    name: &str,
    sub: Option<&str>,
    body: &[u8],
) -> Result<(u16, Value), ApiError> {
    let mode = mode_for(sub)?;
    let mut obj = views::to_storage(path.res, parse_body(body)?);
    if mode == WriteMode::Main {
        defaults::apply(path.res, &mut obj);
    }
    let storage = views::storage_of(path.res);
    checked(storage, &obj, mode)?;
    let written = lock(sim)?.write(storage, ns_of(path), name, obj, mode)?;
    Ok((200, (*views::present(path.res, &written)).clone()))
}

fn patch(
    sim: &SimShared,
    path: &ApiPath,
    name: &str,
    sub: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(u16, Value), ApiError> {
    let mode = mode_for(sub)?;
    let kind = PatchKind::from_content_type(&request::content_type(headers))?;
    let storage = views::storage_of(path.res);
    let ns = ns_of(path);
    let mut store = lock(sim)?;
    let Some(current) = store.get(storage, ns, name) else {
        if kind == PatchKind::Apply {
            let obj = views::to_storage(path.res, patch::apply(path.res, kind, &json!({}), body)?);
            checked(storage, &obj, WriteMode::Main)?;
            let created = store.create(storage, ns, obj)?;
            return Ok((201, (*views::present(path.res, &created)).clone()));
        }
        return Err(ApiError::not_found(path.res.plural, path.res.group, name));
    };
    let presented = views::present(path.res, &current);
    let patched = views::to_storage(path.res, patch::apply(path.res, kind, &presented, body)?);
    checked(storage, &patched, mode)?;
    let written = store.write(storage, ns, name, patched, mode)?;
    Ok((200, (*views::present(path.res, &written)).clone()))
}

fn ephemeral_containers(
    sim: &SimShared,
    method: &Method,
    path: &ApiPath,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(u16, Value), ApiError> {
    let kind = match *method {
        Method::PATCH => Some(PatchKind::from_content_type(&request::content_type(
            headers,
        ))?),
        _ => None,
    };
    let written = ephemeral::write(&mut *lock(sim)?, path.res, ns_of(path), name, kind, body)?;
    Ok((200, (*written).clone()))
}

fn propagation(params: &Params, body: &[u8]) -> Result<Propagation, ApiError> {
    let from_body = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|b| b["propagationPolicy"].as_str().map(str::to_string));
    let policy = from_body.or_else(|| params.get("propagationPolicy").map(str::to_string));
    match policy.as_deref() {
        None | Some("Background") => Ok(Propagation::Background),
        Some("Foreground") => Ok(Propagation::Foreground),
        Some("Orphan") => Ok(Propagation::Orphan),
        Some(other) => Err(ApiError::bad_request(format!(
            "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
        ))),
    }
}

fn delete(sim: &SimShared, path: &ApiPath, name: &str, params: &Params, body: &[u8]) -> Response {
    let result = (|| {
        let policy = propagation(params, body)?;
        let storage = views::storage_of(path.res);
        let mut store = lock(sim)?;
        if dry_run(params)
            || serde_json::from_slice::<Value>(body).is_ok_and(|b| b["dryRun"] == json!(["All"]))
        {
            let obj = store
                .get(storage, ns_of(path), name)
                .ok_or_else(|| ApiError::not_found(path.res.plural, path.res.group, name))?;
            return Ok((*obj).clone());
        }
        let gone = store.delete(storage, ns_of(path), name, policy)?;
        let still_there = store.get(storage, ns_of(path), name).is_some();
        Ok(if still_there {
            (*views::present(path.res, &gone)).clone()
        } else {
            response::success_status(
                name,
                path.res.group,
                path.res.plural,
                &gone["metadata"]["uid"],
            )
        })
    })();
    match result {
        Ok(v) => response::json(200, &v),
        Err(e) => response::error(&e),
    }
}

fn delete_collection(sim: &SimShared, path: &ApiPath, params: &Params) -> Response {
    let page = match list::page(sim, path, params) {
        Ok(p) => p,
        Err(e) => return response::error(&e),
    };
    let storage = views::storage_of(path.res);
    if let Ok(mut store) = sim.store.lock() {
        for obj in page.objects() {
            let ns = obj["metadata"]["namespace"].as_str().unwrap_or("");
            let name = obj["metadata"]["name"].as_str().unwrap_or("");
            let _ = store.delete(storage, ns, name, Propagation::Background);
        }
    }
    response::json_bytes(200, list::list_body(path.res, &page))
}
