//! A simulated control plane without the HTTP server: store, manual or real clock, scenario
//! and traffic. Tests and benchmarks drive it pass by pass.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::clock::SimClock;
use crate::resources;
use crate::scenario::{self, Scenario};
use crate::store::{HistoryLimits, SharedStore, Store};
use crate::traffic::Traffic;

/// The namespaces every cluster has (the handle creates the same ones).
pub const BASE_NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "monitoring-system",
    "kubechat-system",
];

pub struct World {
    pub store: SharedStore,
    pub clock: SimClock,
    pub scenario: Arc<Scenario>,
    pub traffic: Traffic,
}

impl World {
    /// A cluster seeded with `scenario` on `clock` (use [`SimClock::manual`] in tests).
    pub fn new(scenario: Scenario, clock: SimClock) -> anyhow::Result<World> {
        let mut store = Store::new(clock.clone(), HistoryLimits::default());
        let namespaces = resources::core("namespaces");
        for ns in BASE_NAMESPACES {
            store
                .create(namespaces, "", json!({"metadata": {"name": ns}}))
                .map_err(|e| anyhow::anyhow!("creating namespace {ns}: {e}"))?;
        }
        scenario::seed(&scenario, &mut store)?;
        let traffic = Traffic::new(&scenario);
        Ok(World {
            store: store.shared(),
            clock,
            scenario: Arc::new(scenario),
            traffic,
        })
    }

    /// One pass of every controller.
    pub fn step(&self) -> anyhow::Result<()> {
        super::step_parts(&self.store, &self.scenario, &self.traffic)
    }

    /// Advances a manual clock by `tick` and steps, until `total` has passed.
    pub fn run_for(&self, total: Duration, tick: Duration) -> anyhow::Result<()> {
        let mut passed = Duration::ZERO;
        while passed < total {
            self.clock.advance(tick);
            passed += tick;
            self.step()?;
        }
        Ok(())
    }

    /// Steps (advancing a manual clock by `tick`) until `done` holds or `limit` has passed;
    /// returns whether it held.
    pub fn run_until(
        &self,
        limit: Duration,
        tick: Duration,
        mut done: impl FnMut(&Store) -> bool,
    ) -> anyhow::Result<bool> {
        let mut passed = Duration::ZERO;
        loop {
            if done(&self.store.lock().unwrap_or_else(|e| e.into_inner())) {
                return Ok(true);
            }
            if passed >= limit {
                return Ok(false);
            }
            self.clock.advance(tick);
            passed += tick;
            self.step()?;
        }
    }

    pub fn apply_action(&self, action: serde_json::Value) -> anyhow::Result<()> {
        super::apply_action_parts(&self.store, &self.scenario, &self.traffic, action)
    }

    /// Runs `f` with the store locked.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.store.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
