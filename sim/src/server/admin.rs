//! The simulator's admin API, for tests and demos (plain HTTP on the same port):
//!
//! | request | effect |
//! |---|---|
//! | `POST /_sim/drop-watches` | ends every open watch stream (clients see EOF and re-watch) |
//! | `POST /_sim/stall-watches` | every open watch stream goes silent (no events, no bookmarks) with its connection held open; new watches work |
//! | `POST /_sim/refuse?seconds=N` | the server goes away for N seconds: open connections and watches are cut, the listener is closed (clients get "connection refused"), then it listens again on the same port with the same state |
//! | `POST /_sim/action` with a JSON body | injects one scenario timeline action now (`controllers::apply_action`) |
//! | `GET /_sim/status` | `{"resourceVersion": N, "watches": n, "speed": x}` |
//! | `GET /_sim/requests` | Kubernetes API requests since start: `{"watches", "reads", "writes"}` (reads: lists, gets, discovery) |
//! | `GET /_sim/history` | the watch history per resource: `[{"resource", "events", "bytes", "rawBytes", "seconds", "compactedResourceVersion"}]`, busiest first |
//!
//! Success is `200 {"ok": true}`; a bad request is `400` with a `kind: Status` body.
//!
//! In-process, [`crate::SimHandle`] offers the same faults (`drop_watches`,
//! `refuse_connections_for`) plus `stop` (close the listener and every connection, keep
//! the state) and `restart` (listen again on the same port).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::request::Params;
use super::response;
use crate::status::ApiError;
use crate::{controllers, SimShared};

pub fn router() -> Router<Arc<SimShared>> {
    Router::new()
        .route("/_sim/drop-watches", post(drop_watches))
        .route("/_sim/stall-watches", post(stall_watches))
        .route("/_sim/refuse", post(refuse))
        .route("/_sim/action", post(action))
        .route("/_sim/status", get(status))
        .route("/_sim/history", get(history))
        .route("/_sim/requests", get(requests))
}

fn ok() -> Response {
    response::json(200, &json!({"ok": true}))
}

async fn drop_watches(State(sim): State<Arc<SimShared>>) -> Response {
    sim.faults.drop_watches();
    ok()
}

async fn stall_watches(State(sim): State<Arc<SimShared>>) -> Response {
    sim.faults.stall_watches();
    ok()
}

async fn refuse(State(sim): State<Arc<SimShared>>, uri: Uri) -> Response {
    let params = Params::parse(&uri);
    let seconds = params.get("seconds").and_then(|s| s.parse::<f64>().ok());
    match seconds.and_then(|s| Duration::try_from_secs_f64(s).ok()) {
        Some(d) => {
            sim.faults.refuse_connections_for(d);
            ok()
        }
        None => response::error(&ApiError::bad_request(
            "refuse needs ?seconds=N (a non-negative number)",
        )),
    }
}

async fn action(State(sim): State<Arc<SimShared>>, body: Bytes) -> Response {
    let action: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return response::error(&ApiError::bad_request(format!(
                "the action is not valid JSON: {e}"
            )))
        }
    };
    match controllers::apply_action(&sim, action) {
        Ok(()) => ok(),
        Err(e) => response::error(&ApiError::bad_request(format!(
            "the action was refused: {e:#}"
        ))),
    }
}

async fn status(State(sim): State<Arc<SimShared>>) -> Response {
    let rv = sim.store.lock().map(|s| s.resource_version()).unwrap_or(0);
    response::json(
        200,
        &json!({"resourceVersion": rv, "watches": sim.faults.open_watches(), "speed": sim.clock.speed()}),
    )
}

async fn requests(State(sim): State<Arc<SimShared>>) -> Response {
    response::json(200, &json!(sim.audit.request_counts()))
}

async fn history(State(sim): State<Arc<SimShared>>) -> Response {
    let stats = sim
        .store
        .lock()
        .map(|s| s.history_stats())
        .unwrap_or_default();
    let rows: Vec<Value> = stats
        .iter()
        .map(|h| {
            json!({
                "resource": h.resource,
                "events": h.events,
                "bytes": h.bytes,
                "rawBytes": h.raw_bytes,
                "seconds": h.covers.as_secs_f64(),
                "compactedResourceVersion": h.compacted_rv,
            })
        })
        .collect();
    response::json(200, &Value::Array(rows))
}
