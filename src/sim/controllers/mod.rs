//! The simulated control plane (owner: sim-controllers). STUB: replaced by the real controllers.
