//! The server's routes: discovery documents, health, `/metrics`, the admin API, the
//! Prometheus query API (at the root and behind its service proxy), the other services'
//! proxy, and everything else through the REST dispatcher.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::request::{self, Params};
use super::{admin, discovery, openapi, protobuf, proxy, response, rest};
use crate::{promql, SimShared};

/// Where clients reach the in-cluster Prometheus through the API server's service proxy.
pub const PROMETHEUS_PROXIES: &[&str] = &[
    "/api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy",
    "/api/v1/namespaces/monitoring-system/services/http:prometheus:9090/proxy",
    "/api/v1/namespaces/monitoring-system/services/prometheus/proxy",
];

/// The largest request body accepted (the real API server's limit is 3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

pub fn router(sim: Arc<SimShared>) -> Router {
    let prom = promql::router(sim.clone());
    let audit = sim.audit.clone();
    let mut app = Router::new()
        .route(
            "/version",
            get(|| async { response::json(200, &discovery::version()) }),
        )
        .route("/api", get(api_versions))
        .route("/api/v1", get(|| async { resources("", "v1") }))
        .route("/apis", get(apis))
        .route("/apis/{group}", get(group))
        .route("/apis/{group}/{version}", get(group_resources))
        .route(
            "/openapi/v3",
            get(|| async { response::json(200, &openapi::index()) }),
        )
        .route("/openapi/v3/{*gv}", get(openapi_gv))
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .merge(admin::router())
        .fallback(api)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(sim);
    for prefix in PROMETHEUS_PROXIES {
        app = app.nest(prefix, prom.clone());
    }
    app.merge(prom).layer(axum::middleware::from_fn_with_state(
        audit,
        crate::audit::record_writes,
    ))
}

fn accept(headers: &HeaderMap) -> &str {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
}

fn aggregated(core: bool) -> Response {
    let body = serde_json::to_vec(&discovery::aggregated(core)).unwrap_or_default();
    response::text(200, discovery::AGGREGATED, body)
}

async fn apis(headers: HeaderMap) -> Response {
    if discovery::wants_aggregated(accept(&headers)) {
        return aggregated(false);
    }
    response::json(200, &discovery::groups())
}

async fn api_versions(headers: HeaderMap) -> Response {
    if discovery::wants_aggregated(accept(&headers)) {
        return aggregated(true);
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    response::json(200, &discovery::core_versions(host))
}

fn resources(group: &str, version: &str) -> Response {
    match discovery::resource_list(group, version) {
        Some(v) => response::json(200, &v),
        None => response::error(&request::not_found_path()),
    }
}

async fn group(Path(group): Path<String>) -> Response {
    match discovery::group(&group) {
        Some(v) => response::json(200, &v),
        None => response::error(&request::not_found_path()),
    }
}

async fn group_resources(Path((group, version)): Path<(String, String)>) -> Response {
    resources(&group, &version)
}

async fn openapi_gv(Path(gv): Path<String>) -> Response {
    match openapi::group_version(gv.trim_matches('/')) {
        Some(v) => response::json(200, &v),
        None => response::error(&request::not_found_path()),
    }
}

async fn metrics(State(sim): State<Arc<SimShared>>) -> Response {
    response::text(
        200,
        "text/plain; version=0.0.4; charset=utf-8",
        sim.traffic.render_text(),
    )
}

async fn api(
    State(sim): State<Arc<SimShared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = match request::parse_path(uri.path()) {
        Ok(p) => p,
        Err(e) => return response::error(&e),
    };
    if path.sub.as_deref() == Some("proxy") {
        return proxy::serve(&sim, &method, &path);
    }
    let body = if request::content_type(&headers) == "application/vnd.kubernetes.protobuf"
        && !body.is_empty()
    {
        match protobuf::decode_body(&body) {
            Ok(v) => Bytes::from(serde_json::to_vec(&v).unwrap_or_default()),
            Err(e) => return response::error(&e),
        }
    } else {
        body
    };
    rest::handle(sim, method, path, Params::parse(&uri), headers, body).await
}
