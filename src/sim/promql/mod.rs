//! The Prometheus query API over the simulator's own series (owner: kpi). STUB.

use std::sync::Arc;

use super::SimShared;

#[derive(Debug, Default)]
pub struct Tsdb {}

/// PLACEHOLDER (sim-api): a task that records nothing.
pub fn spawn_recorder(_sim: Arc<SimShared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {})
}

/// PLACEHOLDER (sim-api): only `/api/v1/status/buildinfo`, so the mounts can be tested.
pub fn router(_sim: Arc<SimShared>) -> axum::Router {
    axum::Router::new().route(
        "/api/v1/status/buildinfo",
        axum::routing::get(|| async {
            axum::Json(serde_json::json!({"status": "success", "data": {"version": "placeholder"}}))
        }),
    )
}
