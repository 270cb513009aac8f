//! The Prometheus query API over the simulator's own series (owner: kpi). STUB.

#[derive(Debug, Default)]
pub struct Tsdb {}
