//! Scenarios: initial objects plus a timeline of actions and faults (owner: sim-controllers). STUB.

#[derive(Debug, Default)]
pub struct Scenario {
    pub name: String,
}
