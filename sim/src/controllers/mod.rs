//! The simulated control plane: deployment, replicaset, kubelet, cronjob/job, Argo Rollouts
//! canary and analysis controllers, the scenario timeline and the traffic, all driven by the
//! sim clock.
//!
//! [`step`] is one synchronous pass of everything (tests drive it with a manual clock);
//! [`spawn`] runs passes every 100 ms of real time, or less often when a pass is slow. Each
//! phase of a pass (deployments, rollouts, replicasets, ...) holds the store lock for its
//! duration (no `.await` inside) and writes only objects that change.

pub mod analysis;
pub mod cnpg;
pub mod cronjob;
pub mod deployment;
pub mod job;
pub mod kubelet;
pub mod replicaset;
pub mod rollout;
pub mod timeline;
pub mod util;
mod world;

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;

use super::scenario::Scenario;
pub use super::store::Obj;
use super::store::{PodFacts, SharedStore, Store};
use super::traffic::Traffic;
use super::SimShared;
pub use world::World;

/// What every controller gets during a pass.
pub struct Ctx<'a> {
    pub store: &'a mut Store,
    pub scenario: &'a Scenario,
    pub traffic: &'a Traffic,
    pub now: Timestamp,
    /// Simulated time since the clock started (the timeline's reference).
    pub elapsed: Duration,
    /// Pods by their controller's uid, as the pass found them after the churn.
    pub pods_by_owner: std::collections::HashMap<String, Vec<Arc<PodFacts>>>,
}

impl<'a> Ctx<'a> {
    /// A pass at the store's current simulated time.
    pub fn new(store: &'a mut Store, scenario: &'a Scenario, traffic: &'a Traffic) -> Self {
        let now = store.now();
        let elapsed = store.clock().elapsed();
        Ctx {
            store,
            scenario,
            traffic,
            now,
            elapsed,
            pods_by_owner: Default::default(),
        }
    }
}

/// How often the control loop runs, in real time.
pub const TICK: Duration = Duration::from_millis(100);
/// A pass is followed by at least this many times its own duration of rest, so that at
/// scale (a pass over 2,000 Deployments takes tens of milliseconds) the loop takes at most
/// a third of a core and API requests wait for the store lock at most one pass.
const REST_PER_PASS: u32 = 2;
/// The longest rest, so that one pass slowed by a busy machine cannot hold the simulated
/// cluster still for long.
const MAX_REST: Duration = Duration::from_secs(1);

/// How often, at most, freed memory is handed back to the system (see [`crate::memory`]).
const RELEASE_MEMORY_EVERY: Duration = Duration::from_secs(1);

/// The wait before the next pass, after one that took `took`.
fn rest_after(took: Duration) -> Duration {
    TICK.saturating_sub(took)
        .max(took * REST_PER_PASS)
        .min(MAX_REST)
}

/// Runs the control loop on the sim clock until the task is aborted.
pub fn spawn(sim: Arc<SimShared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut released = std::time::Instant::now();
        loop {
            let sim = sim.clone();
            let started = std::time::Instant::now();
            let release = started.duration_since(released) >= RELEASE_MEMORY_EVERY;
            if release {
                released = started;
            }
            let pass = tokio::task::spawn_blocking(move || {
                let pass = step(&sim);
                if release {
                    crate::memory::release_free_memory();
                }
                pass
            })
            .await;
            match pass {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!("simulated control plane: {e:#}"),
                Err(e) => tracing::error!("simulated control plane pass panicked: {e}"),
            }
            tokio::time::sleep(rest_after(started.elapsed())).await;
        }
    })
}

/// One synchronous pass of every controller at the clock's current time.
pub fn step(sim: &SimShared) -> anyhow::Result<()> {
    step_parts(&sim.store, &sim.scenario, &sim.traffic)
}

/// [`step`] over the parts, for callers without a [`SimShared`] (see [`World`]).
///
/// The store lock is taken per phase, not for the whole pass: at scale a pass takes
/// 100-200 ms, and API requests get in between phases. Like a real controller's informer
/// cache, `pods_by_owner` may then be a phase behind; the next pass catches up.
pub fn step_parts(
    store: &SharedStore,
    scenario: &Scenario,
    traffic: &Traffic,
) -> anyhow::Result<()> {
    let (now, elapsed) = {
        let store = lock(store);
        (store.now(), store.clock().elapsed())
    };
    let mut pods_by_owner = Default::default();
    let mut phase = |run: &mut dyn FnMut(&mut Ctx)| {
        let mut store = lock(store);
        let mut ctx = Ctx {
            store: &mut store,
            scenario,
            traffic,
            now,
            elapsed,
            pods_by_owner: std::mem::take(&mut pods_by_owner),
        };
        run(&mut ctx);
        pods_by_owner = ctx.pods_by_owner;
    };
    let mut played = Ok(());
    phase(&mut |ctx| {
        played = timeline::play_due(ctx);
        timeline::churn(ctx);
        ctx.pods_by_owner = util::by_owner(&ctx.store.pods(None), |p| p.controller_uid.as_deref());
    });
    phase(&mut |ctx| deployment::sync_all(ctx));
    phase(&mut |ctx| rollout::sync_all(ctx));
    phase(&mut |ctx| replicaset::sync_all(ctx));
    phase(&mut |ctx| {
        cronjob::sync_all(ctx);
        job::sync_all(ctx);
        cnpg::sync_all(ctx);
    });
    phase(&mut |ctx| kubelet::sync_all(ctx));
    phase(&mut |ctx| traffic.advance(ctx.store, scenario, ctx.now));
    phase(&mut |ctx| {
        analysis::sync_all(ctx);
        timeline::housekeeping(ctx);
    });
    played
}

/// Runs one timeline action now (fault injection), e.g.
/// `{"action": "switch-service", "slot": "green"}`.
pub fn apply_action(sim: &SimShared, action: serde_json::Value) -> anyhow::Result<()> {
    apply_action_parts(&sim.store, &sim.scenario, &sim.traffic, action)
}

/// [`apply_action`] over the parts.
pub fn apply_action_parts(
    store: &SharedStore,
    scenario: &Scenario,
    traffic: &Traffic,
    action: serde_json::Value,
) -> anyhow::Result<()> {
    let action: super::scenario::Action =
        serde_json::from_value(action).map_err(|e| anyhow::anyhow!("invalid action: {e}"))?;
    let mut store = lock(store);
    let mut ctx = Ctx::new(&mut store, scenario, traffic);
    timeline::run(&mut ctx, &action)
}

fn lock(store: &SharedStore) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_pass_keeps_the_tick_and_a_slow_one_rests_twice_as_long_up_to_a_second() {
        assert_eq!(
            rest_after(Duration::from_millis(5)),
            Duration::from_millis(95)
        );
        assert_eq!(
            rest_after(Duration::from_millis(80)),
            Duration::from_millis(160)
        );
        assert_eq!(rest_after(Duration::from_secs(5)), MAX_REST);
    }
}
