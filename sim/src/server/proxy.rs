//! The API server's service proxy,
//! `/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH` (the port by name or
//! number), as `kubectl get --raw` and staging checks use it. (Prometheus' proxy is routed
//! before this, see `routes.rs`.)
//!
//! A Service without ready endpoints is the proxy's own 503, as on a real cluster. Behind
//! the KubeChat API gateway's pods the simulated gateway answers: `/healthz`, `/livez` and
//! `/health/live` (the process is up), `/readyz` and `/health/ready` (it is, and postgres is
//! reachable through the `postgres-primary` Service), `/auth/login` (the identity provider
//! kubechat-config names). Nothing else in the simulated cluster serves HTTP.

use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value};

use super::request::ApiPath;
use super::response;
use crate::controllers::util;
use crate::resources;
use crate::status::ApiError;
use crate::store::Store;
use crate::traffic;
use crate::SimShared;

/// What a proxied request reached: a status code and a JSON or text body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub code: u16,
    pub body: Value,
}

pub fn serve(sim: &SimShared, method: &Method, path: &ApiPath) -> Response {
    let answer = match sim.store.lock() {
        Ok(store) => answer(&store, method, path),
        Err(_) => Err(ApiError::internal("store lock poisoned")),
    };
    match answer {
        Ok(Answer {
            code,
            body: Value::String(text),
        }) => response::text(code, "text/plain; charset=utf-8", text),
        Ok(Answer { code, body }) => response::json(code, &body),
        Err(e) => response::error(&e),
    }
}

fn unavailable(message: String) -> ApiError {
    ApiError {
        code: 503,
        reason: "ServiceUnavailable",
        message,
        details: None,
    }
}

/// `NAME`, `NAME:PORT` or `SCHEME:NAME:PORT` → (name, port).
fn split_name(id: &str) -> (&str, &str) {
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        [name] => (name, ""),
        [name, port] => (name, port),
        [_scheme, name, port, ..] => (name, port),
        [] => ("", ""),
    }
}

/// What the proxy answers for `path` (its `name` is the service id, its `rest` the path
/// behind it).
pub fn answer(store: &Store, method: &Method, path: &ApiPath) -> Result<Answer, ApiError> {
    let ns = path.ns.as_deref().unwrap_or("");
    let id = path.name.as_deref().unwrap_or("");
    let (name, port) = split_name(id);
    let svc = store
        .get(resources::core("services"), ns, name)
        .ok_or_else(|| ApiError::not_found("services", "", name))?;
    let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
    let found = ports.iter().find(|p| {
        port.is_empty()
            || p["name"] == port
            || p["port"].as_i64().map(|n| n.to_string()) == Some(port.to_string())
    });
    if found.is_none() {
        return Err(unavailable(format!(
            "no service port {port:?} found for service {name:?}"
        )));
    }
    let backends = util::ready_backends(store, ns, name).unwrap_or_default();
    let Some(backend) = backends.first() else {
        return Err(unavailable(format!(
            "no endpoints available for service {name:?}"
        )));
    };
    if backend.label("app.kubernetes.io/component") != Some("api-gateway") {
        return Err(unavailable(format!(
            "error trying to reach service: the simulated cluster runs no HTTP server behind service {name:?}"
        )));
    }
    Ok(gateway(store, ns, method, path.rest.trim_matches('/')))
}

/// The simulated KubeChat API gateway's own endpoints.
fn gateway(store: &Store, ns: &str, method: &Method, route: &str) -> Answer {
    let ok = |body: Value| Answer { code: 200, body };
    match (method, route) {
        (&Method::GET, "healthz" | "livez" | "health/live") => ok(json!({"status": "ok"})),
        (&Method::GET, "readyz" | "health/ready") => {
            let db_up =
                util::ready_backends(store, ns, traffic::DB_SERVICE).is_some_and(|b| !b.is_empty());
            if db_up {
                ok(json!({"status": "ok", "checks": {"database": "ok", "config": "ok"}}))
            } else {
                Answer {
                    code: 503,
                    body: json!({"status": "unavailable", "checks": {
                        "database": format!("dial tcp {}:5432: connect: connection refused", traffic::DB_SERVICE),
                        "config": "ok",
                    }}),
                }
            }
        }
        (&Method::GET | &Method::POST, "auth/login") => {
            let (provider, issuer) = identity_provider(store, ns);
            ok(json!({
                "status": "ok",
                "provider": provider,
                "issuer": issuer,
                "authorizationEndpoint": format!("{issuer}/authorize?client_id=kubechat&response_type=code&scope=openid+profile+email"),
            }))
        }
        _ => Answer {
            code: 404,
            body: Value::String("404 page not found\n".into()),
        },
    }
}

/// `auth.provider` and `auth.issuer` of kubechat-config's `config.yaml` (oidc and none
/// when it says nothing).
fn identity_provider(store: &Store, ns: &str) -> (String, String) {
    let config: Value = store
        .get(resources::core("configmaps"), ns, "kubechat-config")
        .and_then(|cm| cm["data"]["config.yaml"].as_str().map(str::to_string))
        .and_then(|text| serde_yaml_ng::from_str(&text).ok())
        .unwrap_or(Value::Null);
    let auth = &config["auth"];
    (
        auth["provider"].as_str().unwrap_or("oidc").to_string(),
        auth["issuer"].as_str().unwrap_or("").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use crate::controllers::World;
    use crate::server::request::parse_path;
    use std::time::Duration;

    const BASE: &str = "/api/v1/namespaces/kubechat-system/services";

    fn ask(w: &World, method: Method, url: &str) -> Result<Answer, ApiError> {
        let path = parse_path(url).unwrap();
        w.with_store(|s| answer(s, &method, &path))
    }

    #[test]
    fn the_gateway_answers_health_and_login_through_its_service() {
        let scenario = crate::scenario::load("default").unwrap();
        let w = World::new(scenario, SimClock::manual()).unwrap();
        let early = ask(
            &w,
            Method::GET,
            &format!("{BASE}/kubechat-api-gateway:http/proxy/healthz"),
        );
        assert_eq!(early.unwrap_err().code, 503, "no ready pods yet");
        w.run_for(Duration::from_secs(10), Duration::from_secs(1))
            .unwrap();
        for id in [
            "kubechat-api-gateway:http",
            "kubechat-api-gateway:80",
            "http:kubechat-api-gateway:80",
            "kubechat-api-gateway",
        ] {
            let a = ask(&w, Method::GET, &format!("{BASE}/{id}/proxy/healthz")).unwrap();
            assert_eq!(
                a,
                Answer {
                    code: 200,
                    body: json!({"status": "ok"})
                },
                "{id}"
            );
        }
        let ready = ask(
            &w,
            Method::GET,
            &format!("{BASE}/kubechat-api-gateway:80/proxy/readyz"),
        )
        .unwrap();
        assert_eq!(ready.body["checks"]["database"], "ok");
        let login = ask(
            &w,
            Method::POST,
            &format!("{BASE}/kubechat-api-gateway:80/proxy/auth/login"),
        )
        .unwrap();
        assert_eq!(
            (login.code, &login.body["issuer"]),
            (200, &json!("https://sso.company.com"))
        );
        let missing = ask(
            &w,
            Method::GET,
            &format!("{BASE}/kubechat-api-gateway:80/proxy/nothing"),
        )
        .unwrap();
        assert_eq!(missing.code, 404);
        let bad_port = ask(
            &w,
            Method::GET,
            &format!("{BASE}/kubechat-api-gateway:grpc/proxy/healthz"),
        )
        .unwrap_err();
        assert_eq!(bad_port.code, 503);
        let db = ask(
            &w,
            Method::GET,
            &format!("{BASE}/postgres-primary:5432/proxy/"),
        )
        .unwrap_err();
        assert_eq!(db.code, 503);
        assert_eq!(
            ask(&w, Method::GET, &format!("{BASE}/nope/proxy/healthz"))
                .unwrap_err()
                .code,
            404
        );
        // postgres gone: the gateway lives but is not ready
        w.apply_action(
            json!({"action": "scale", "target": "deployment/postgres-primary", "replicas": 0}),
        )
        .unwrap();
        w.run_for(Duration::from_secs(5), Duration::from_secs(1))
            .unwrap();
        let ready = ask(
            &w,
            Method::GET,
            &format!("{BASE}/kubechat-api-gateway:80/proxy/readyz"),
        )
        .unwrap();
        assert_eq!(ready.code, 503);
        let live = ask(
            &w,
            Method::GET,
            &format!("{BASE}/kubechat-api-gateway:80/proxy/healthz"),
        )
        .unwrap();
        assert_eq!(live.code, 200);
    }
}
