//! The simulated control plane (owner: sim-controllers). STUB: replaced by the real controllers.

use std::sync::Arc;

use super::SimShared;

/// PLACEHOLDER (sim-api): a task that does nothing.
pub fn spawn(_sim: Arc<SimShared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {})
}

/// PLACEHOLDER (sim-api): accepts any action and does nothing.
pub fn apply_action(_sim: &SimShared, action: serde_json::Value) -> anyhow::Result<()> {
    if !action.is_object() {
        anyhow::bail!("an action must be a JSON object");
    }
    Ok(())
}
