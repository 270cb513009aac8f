//! The Prometheus query API over the simulator's own series (owner: kpi): the recorder
//! samples `sim.traffic.series()` every second of sim time into a bounded [`Tsdb`]; the
//! router answers `/api/v1/query`, `/api/v1/query_range`, `/api/v1/alerts` and
//! `/api/v1/status/buildinfo` for the PromQL subset the default KPIs use.

pub mod api;
pub mod binary;
pub mod eval;
pub mod functions;
pub mod tsdb;

use std::sync::{Arc, Weak};
use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

pub use api::{router, router_for, QuerySource};
pub use tsdb::Tsdb;

use super::SimShared;

/// Records the traffic series every second of sim time until the simulator is dropped.
pub fn spawn_recorder(sim: Arc<SimShared>) -> JoinHandle<()> {
    let weak: Weak<SimShared> = Arc::downgrade(&sim);
    let period = sim
        .clock
        .real_for(Duration::from_secs(1))
        .max(Duration::from_millis(1));
    drop(sim);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            ticker.tick().await;
            let Some(sim) = weak.upgrade() else {
                return;
            };
            let now: Timestamp = sim.clock.now();
            sim.tsdb.record(now, &sim.traffic.series());
        }
    })
}

impl QuerySource for SimShared {
    fn tsdb(&self) -> &Tsdb {
        &self.tsdb
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
