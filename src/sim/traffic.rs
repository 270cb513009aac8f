//! Simulated KubeChat service traffic and its Prometheus metrics (owner: sim-controllers). STUB.

#[derive(Debug, Default)]
pub struct Traffic {}
