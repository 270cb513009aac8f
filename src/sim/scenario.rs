//! Scenarios: initial objects plus a timeline of actions and faults (owner: sim-controllers). STUB.

use super::store::Store;

#[derive(Debug, Default)]
pub struct Scenario {
    pub name: String,
}

/// PLACEHOLDER (sim-api): the controllers helper's real loader replaces this at merge.
pub fn load(name_or_path: &str) -> anyhow::Result<Scenario> {
    Ok(Scenario {
        name: name_or_path.to_string(),
    })
}

/// PLACEHOLDER (sim-api): creates no objects.
pub fn seed(_scenario: &Scenario, _store: &mut Store) -> anyhow::Result<()> {
    Ok(())
}
