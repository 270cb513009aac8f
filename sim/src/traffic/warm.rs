//! Warm start: a simulator that looks as though KubeChat had been serving for a while.
//!
//! Once the gateway pods serve (or after [`GIVE_UP`]), the counters move on by what the
//! current rates give over the warm span, and the recorder gets the snapshots of that past
//! (one every [`STEP`]) to backfill its Tsdb before its first recording. So `rate(...[5m])`
//! reads the real rate from the first query instead of under-reading for five minutes.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::{render, Inner, PodStats, Series};

/// The spacing of the backfilled snapshots.
pub const STEP: Duration = Duration::from_secs(2);
/// How long after the traffic starts the warm-up waits for every gateway pod to be ready.
const ALL_READY_WITHIN: SignedDuration = SignedDuration::from_secs(30);
/// With no serving pod this long after the start, the warm-up is abandoned.
const GIVE_UP: SignedDuration = SignedDuration::from_secs(120);

/// Past snapshots, oldest first, each with its time.
pub type Snapshots = Vec<(Timestamp, Vec<Series>)>;

#[derive(Debug, Default, Clone)]
pub(super) enum Warm {
    /// No warm start asked for, or it is over.
    #[default]
    Off,
    /// Waiting for the gateway to serve; then the past `span` is made up.
    Pending { span: Duration },
    /// The made-up past, for the recorder to take.
    Ready(Snapshots),
}

/// What the recorder should do before recording the present.
#[derive(Debug)]
pub enum Backfill {
    /// Nothing to backfill: record as usual.
    None,
    /// Not yet known: record nothing yet, or the backfill would land behind real samples.
    Pending,
    /// Record these first (oldest first).
    Ready(Snapshots),
}

/// Every cumulative counter of the traffic (gauges left out).
#[derive(Debug, Clone, Default)]
pub(super) struct Counters {
    pods: BTreeMap<String, PodStats>,
    auth_failures: f64,
    rbac_denials: BTreeMap<&'static str, f64>,
    api_requests: f64,
    total: f64,
    ok: f64,
}

fn pod_axpy(dst: &mut PodStats, k: f64, x: &PodStats) {
    for (d, v) in dst.requests.iter_mut().zip(x.requests) {
        *d += k * v;
    }
    for (d, v) in dst.buckets.iter_mut().zip(x.buckets) {
        *d += k * v;
    }
    dst.sum += k * x.sum;
    dst.count += k * x.count;
    dst.cpu_seconds += k * x.cpu_seconds;
}

impl Counters {
    pub(super) fn of(inner: &Inner) -> Counters {
        Counters {
            pods: inner.pods.clone(),
            auth_failures: inner.auth_failures,
            rbac_denials: inner.rbac_denials.clone(),
            api_requests: inner.api_requests,
            total: inner.total,
            ok: inner.ok,
        }
    }

    /// Per-second rates from `before` to `self`, `dt` seconds apart.
    fn rate_since(&self, before: &Counters, dt: f64) -> Counters {
        let mut rate = self.clone();
        for (pod, stats) in rate.pods.iter_mut() {
            let zero = PodStats::default();
            let old = before.pods.get(pod).unwrap_or(&zero);
            let now = stats.clone();
            *stats = PodStats::default();
            pod_axpy(stats, 1.0 / dt, &now);
            pod_axpy(stats, -1.0 / dt, old);
        }
        for (reason, v) in rate.rbac_denials.iter_mut() {
            *v = (*v - before.rbac_denials.get(reason).copied().unwrap_or(0.0)) / dt;
        }
        rate.auth_failures = (self.auth_failures - before.auth_failures) / dt;
        rate.api_requests = (self.api_requests - before.api_requests) / dt;
        rate.total = (self.total - before.total) / dt;
        rate.ok = (self.ok - before.ok) / dt;
        rate
    }

    /// Adds `k` × these rates to the counters of `inner`.
    fn add_to(&self, inner: &mut Inner, k: f64) {
        for (pod, rate) in &self.pods {
            if let Some(stats) = inner.pods.get_mut(pod) {
                pod_axpy(stats, k, rate);
            }
        }
        for (reason, rate) in &self.rbac_denials {
            *inner.rbac_denials.entry(reason).or_default() += k * rate;
        }
        inner.auth_failures += k * self.auth_failures;
        inner.api_requests += k * self.api_requests;
        inner.total += k * self.total;
        inner.ok += k * self.ok;
    }
}

/// Whether this pass should make up the past: a warm start is pending, time moved, and
/// the gateway serves with every pod ready (or has served for a while without that).
pub(super) fn due(inner: &mut Inner, now: Timestamp, serving: bool, dt: f64) -> bool {
    let Warm::Pending { .. } = inner.warm else {
        return false;
    };
    let started = *inner.started.get_or_insert(now);
    let waited = now.duration_since(started);
    if !serving {
        if waited > GIVE_UP {
            inner.warm = Warm::Off;
        }
        return false;
    }
    dt > 0.0 && (inner.pods.values().all(|p| p.ready) || waited >= ALL_READY_WITHIN)
}

/// Moves the counters on by the warm span at the rates of the last pass (`before` → now,
/// `dt` seconds) and leaves the snapshots of that past for the recorder.
pub(super) fn make_up_the_past(inner: &mut Inner, before: &Counters, dt: f64, now: Timestamp) {
    let Warm::Pending { span } = inner.warm else {
        return;
    };
    let rate = Counters::of(inner).rate_since(before, dt);
    let span_s = span.as_secs_f64();
    rate.add_to(inner, span_s);
    let mut template = inner.clone();
    template.history.clear();
    template.warm = Warm::Off;
    let step = STEP.as_secs_f64();
    let mut snapshots = Snapshots::new();
    inner.history.clear();
    let mut back = span_s;
    while back >= step {
        let mut past = template.clone();
        rate.add_to(&mut past, -back);
        let at = now - SignedDuration::from_secs_f64(back);
        snapshots.push((
            at,
            render::families(&past)
                .into_iter()
                .flat_map(|f| f.series)
                .collect(),
        ));
        inner.history.push_back((at, past.total, past.ok));
        back -= step;
    }
    inner.history.push_back((now, inner.total, inner.ok));
    inner.warm = Warm::Ready(snapshots);
}

/// Hands the made-up past over (once).
pub(super) fn take(inner: &mut Inner) -> Backfill {
    match std::mem::take(&mut inner.warm) {
        Warm::Off => Backfill::None,
        pending @ Warm::Pending { .. } => {
            inner.warm = pending;
            Backfill::Pending
        }
        Warm::Ready(s) => Backfill::Ready(s),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Backfill, Series, Traffic, WARM_SPAN};
    use crate::clock::SimClock;
    use crate::controllers::World;
    use crate::scenario;

    fn requests(series: &[Series]) -> f64 {
        series
            .iter()
            .filter(|s| s.name == "http_requests_total")
            .map(|s| s.value)
            .sum()
    }

    fn take_when_ready(world: &World) -> super::Snapshots {
        for _ in 0..600 {
            match world.traffic.take_backfill() {
                Backfill::Ready(past) => return past,
                Backfill::Pending => {}
                Backfill::None => panic!("the warm start was abandoned"),
            }
            world.clock.advance(Duration::from_millis(100));
            world.step().expect("step");
        }
        panic!("no backfill after 60 s of sim time")
    }

    #[test]
    fn the_made_up_past_continues_into_the_present_at_the_current_rate() {
        let world = World::new(
            scenario::load("default").expect("default scenario"),
            SimClock::manual(),
        )
        .expect("world");
        world.traffic.warm_start(WARM_SPAN);
        let past = take_when_ready(&world);
        assert!(matches!(world.traffic.take_backfill(), Backfill::None));

        let (first_at, first) = past.first().expect("snapshots");
        let (last_at, last) = past.last().expect("snapshots");
        let span = last_at.duration_since(*first_at).as_secs_f64();
        assert!(span >= WARM_SPAN.as_secs_f64() - 2.0 * super::STEP.as_secs_f64());
        // counters only grow, from the past into the present
        let now = world.traffic.series();
        for w in past.windows(2) {
            assert!(w[0].0 < w[1].0);
            assert!(requests(&w[0].1) <= requests(&w[1].1));
        }
        assert!(requests(last) <= requests(&now));
        // at the model's ~1200 req/s (±5 %)
        let rate = (requests(last) - requests(first)) / span;
        assert!((1100.0..1300.0).contains(&rate), "{rate} req/s");
        assert!(requests(first) >= 0.0);
        // and the analysis' success ratio sees the same past
        let ratio = world
            .traffic
            .success_ratio(None, Duration::from_secs(120))
            .expect("a success ratio");
        assert!(ratio > 0.99, "{ratio}");
    }

    #[test]
    fn without_a_warm_start_there_is_nothing_to_backfill() {
        let traffic = Traffic::default();
        assert!(matches!(traffic.take_backfill(), Backfill::None));
    }
}
