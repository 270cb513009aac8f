//! Kubernetes Events as the real control plane records them (owner: sim-controllers). STUB.
