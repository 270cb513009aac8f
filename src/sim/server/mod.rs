//! The HTTP API server (owner: sim-api). STUB.

#[derive(Debug, Default)]
pub struct Faults {}
