//! The Prometheus query API over the simulator's own series (owner: kpi): the recorder
//! samples `sim.traffic.series()` every second of sim time into a bounded [`Tsdb`]; the
//! router answers `/api/v1/query`, `/api/v1/query_range`, `/api/v1/alerts` and
//! `/api/v1/status/buildinfo` for the PromQL subset the default KPIs use.

pub mod api;
pub mod binary;
pub mod eval;
pub mod functions;
pub mod tsdb;
pub mod value;

use std::sync::{Arc, Weak};
use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

pub use api::{router, router_for, QuerySource};
pub use tsdb::Tsdb;

use super::traffic::Backfill;
use super::SimShared;

/// Records the traffic series every second of sim time until the simulator is dropped.
/// With a warm start pending, nothing is recorded until its made-up past is stored first.
pub fn spawn_recorder(sim: Arc<SimShared>) -> JoinHandle<()> {
    let period = sim.clock.real_for(Duration::from_secs(1));
    record_every(Arc::downgrade(&sim), period, |sim| {
        match sim.traffic.take_backfill() {
            Backfill::Pending => return,
            Backfill::Ready(past) => sim.tsdb.record_all(&past),
            Backfill::None => {}
        }
        sim.tsdb.record(sim.clock.now(), &sim.traffic.series())
    })
}

/// Calls `record` every `period` (missed ticks skipped) while `owner` is alive.
pub fn record_every<T, F>(owner: Weak<T>, period: Duration, record: F) -> JoinHandle<()>
where
    T: Send + Sync + 'static,
    F: Fn(&T) + Send + 'static,
{
    let period = period.max(Duration::from_millis(1));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            ticker.tick().await;
            let Some(owner) = owner.upgrade() else {
                return;
            };
            record(&owner);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use crate::traffic::Series;

    struct Fake {
        clock: SimClock,
        tsdb: Tsdb,
    }

    #[tokio::test]
    async fn records_on_the_sim_clock_until_the_owner_is_dropped() {
        let fake = Arc::new(Fake {
            clock: SimClock::new(100.0),
            tsdb: Tsdb::default(),
        });
        let period = fake.clock.real_for(Duration::from_secs(1));
        let task = record_every(Arc::downgrade(&fake), period, |f: &Fake| {
            let s = Series {
                name: "up".into(),
                labels: vec![],
                value: 1.0,
            };
            f.tsdb.record(f.clock.now(), &[s]);
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        // five recordings, in order
        loop {
            let sel = fake.tsdb.select(&[], i64::MIN, i64::MAX);
            if sel.first().is_some_and(|s| s.samples.len() >= 5) {
                let t: Vec<i64> = sel[0].samples.iter().map(|p| p.0).collect();
                assert!(t.windows(2).all(|w| w[1] > w[0]), "{t:?}");
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no recordings");
            tokio::time::sleep(period).await;
        }
        drop(fake);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !task.is_finished() {
            assert!(
                std::time::Instant::now() < deadline,
                "the recorder outlived the simulator"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
