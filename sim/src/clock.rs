//! The simulated clock: real time scaled by a speed factor, so a 10-minute canary pause
//! can pass in seconds. Everything in the simulator reads time from here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;

#[derive(Debug, Clone)]
pub struct SimClock {
    started_real: Instant,
    started_sim: Timestamp,
    speed: f64,
    /// Manual mode (tests): simulated nanoseconds since start, moved only by [`SimClock::advance`].
    /// Shared by every clone, so the store and the controllers see the same time.
    manual: Option<Arc<AtomicU64>>,
}

impl SimClock {
    /// A clock that starts at the current wall time and runs `speed` times faster.
    pub fn new(speed: f64) -> Self {
        SimClock {
            started_real: Instant::now(),
            started_sim: Timestamp::now(),
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
            manual: None,
        }
    }

    /// A clock that stands still until [`SimClock::advance`] moves it (for deterministic tests).
    pub fn manual() -> Self {
        SimClock {
            manual: Some(Arc::new(AtomicU64::new(0))),
            ..SimClock::new(1.0)
        }
    }

    /// Moves a manual clock forward by `by` (no effect on a real-time clock).
    pub fn advance(&self, by: Duration) {
        if let Some(nanos) = &self.manual {
            let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
            nanos.fetch_add(by, Ordering::SeqCst);
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The simulated wall-clock time now.
    pub fn now(&self) -> Timestamp {
        let elapsed = self.elapsed();
        self.started_sim + jiff::SignedDuration::try_from(elapsed).unwrap_or_default()
    }

    /// Wall-clock time now, on the simulated clock's start: the time Events are stamped
    /// with, since clients (`kubectl events`, `kubectl describe`) age them against their
    /// own clock, which a clock running faster would be ahead of (`<invalid>` ages). A
    /// manual clock (tests) has one time only: [`SimClock::now`].
    pub fn wall_now(&self) -> Timestamp {
        if self.manual.is_some() {
            return self.now();
        }
        self.started_sim
            + jiff::SignedDuration::try_from(self.started_real.elapsed()).unwrap_or_default()
    }

    /// Simulated time since the clock started.
    pub fn elapsed(&self) -> Duration {
        if let Some(nanos) = &self.manual {
            return Duration::from_nanos(nanos.load(Ordering::SeqCst));
        }
        self.started_real.elapsed().mul_f64(self.speed)
    }

    /// How long to sleep in real time for `sim` to pass on this clock.
    pub fn real_for(&self, sim: Duration) -> Duration {
        sim.div_f64(self.speed)
    }
}

/// RFC 3339 with seconds, as Kubernetes writes timestamps ("2026-11-28T15:20:26Z").
pub fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
