//! The seed's initial response as a checklist on every incident (`assets/initial_response.yaml`,
//! in the seed's own format): each step with who is responsible, ticked in the journal
//! (`What::Checked`), a step limited to some severities shown as not applying to the others.

use serde::Deserialize;

/// The built-in checklist.
const BUILTIN: &str = include_str!("../../assets/initial_response.yaml");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub step: u8,
    pub action: String,
    pub responsible: String,
    /// The severity levels the step applies to (all when empty).
    #[serde(default)]
    pub only_severities: Vec<u8>,
}

impl Step {
    pub fn applies_to(&self, severity: u8) -> bool {
        self.only_severities.is_empty() || self.only_severities.contains(&severity)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    initial_response: Vec<Step>,
}

/// Parses a checklist file; an error names the file, the line and what is wrong.
pub fn parse(text: &str, file: &str) -> Result<Vec<Step>, String> {
    let parsed: File = serde_yaml_ng::from_str(text).map_err(|e| match e.location() {
        Some(l) => format!("{file}: line {}: {e}", l.line()),
        None => format!("{file}: {e}"),
    })?;
    Ok(parsed.initial_response)
}

/// The seed's initial response.
pub fn builtin() -> Vec<Step> {
    // the embedded file is parsed by a test: it cannot fail here
    parse(BUILTIN, "assets/initial_response.yaml").unwrap_or_default()
}

/// The first step of `steps` still to do for an incident of `severity`.
pub fn next_step(steps: &[Step], severity: u8, checked: &[u8]) -> Option<u8> {
    steps
        .iter()
        .filter(|s| s.applies_to(severity) && !checked.contains(&s.step))
        .map(|s| s.step)
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_initial_response_parses_and_the_war_room_is_for_sev1_and_2() {
        let steps = builtin();
        assert_eq!(steps.len(), 5);
        assert_eq!(steps[3].responsible, "Incident commander");
        assert!(steps[2].applies_to(1) && !steps[2].applies_to(3));
        assert_eq!(next_step(&steps, 3, &[1, 2]), Some(4));
        assert_eq!(next_step(&steps, 2, &[1, 2]), Some(3));
        assert_eq!(next_step(&steps, 1, &[1, 2, 3, 4, 5]), None);
        let err = parse("initial_response:\n  - step: one\n", "x.yaml").unwrap_err();
        assert!(err.starts_with("x.yaml: line 2"), "{err}");
    }
}
