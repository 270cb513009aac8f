//! The simulated KubeChat cluster: a Kubernetes API server over plain HTTP on loopback,
//! simulated controllers and service traffic, on a clock that can run faster than real
//! time. Used by `--demo`, `kubechat-ops sim`, the tests and the benchmarks; never by
//! `state/`, `ui/` or `io/`.
//!
//! A crate of its own so the compiler, not a convention, keeps it apart from the console:
//! it depends on `kubechat-spec` (the KPI format, value classification, durations) and
//! never on `kubechat-ops` (tests/architecture.rs).

pub mod audit;
pub mod clock;
pub mod controllers;
pub mod events;
pub mod handle;
pub mod memory;
pub mod promql;
pub mod quantity;
pub mod resources;
pub mod scenario;
pub mod server;
pub mod status;
pub mod store;
pub mod traffic;
pub mod usage;
pub mod validate;

pub use handle::{SimHandle, SimOptions};

use std::sync::Arc;

/// Everything the simulator's parts share. Built once by [`SimHandle::start`].
pub struct SimShared {
    pub store: store::SharedStore,
    pub clock: clock::SimClock,
    pub scenario: Arc<scenario::Scenario>,
    /// The simulated service traffic (counters and histograms behind `/metrics`).
    pub traffic: traffic::Traffic,
    /// Recent samples of the traffic series, for the Prometheus query API.
    pub tsdb: promql::Tsdb,
    /// Fault switches (dropped watches, refused connections) the server obeys.
    pub faults: server::Faults,
    /// Every write a client sent (the read-only mode's outside check).
    pub audit: audit::Audit,
}
