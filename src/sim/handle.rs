//! Starting and stopping the simulator in-process (owner: sim-api). STUB.

#[derive(Debug, Clone)]
pub struct SimOptions {}

pub struct SimHandle {}
