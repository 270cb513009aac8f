//! Severity levels as data: `assets/severities.yaml` (embedded), or a user file of the same
//! format parsed by the same code. Each level carries its definition and examples (shown
//! when declaring) and its clocks: respond, escalate, and the update cadence.

use anyhow::{anyhow, bail};
use jiff::SignedDuration;
use serde::{Deserialize, Deserializer};

pub const DEFAULT_SEVERITIES: &str = include_str!("../../assets/severities.yaml");
pub const DEFAULT_LABEL: &str = "assets/severities.yaml";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityDef {
    pub level: u8,
    pub name: String,
    pub definition: String,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(deserialize_with = "duration")]
    pub respond_within: SignedDuration,
    #[serde(deserialize_with = "duration")]
    pub escalate_within: SignedDuration,
    #[serde(deserialize_with = "duration")]
    pub update_every: SignedDuration,
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
    let text = String::deserialize(d)?;
    let std = kubechat_spec::parse_duration(&text).map_err(serde::de::Error::custom)?;
    let signed = SignedDuration::try_from(std).map_err(serde::de::Error::custom)?;
    if signed.is_zero() {
        return Err(serde::de::Error::custom(format!(
            "duration {text:?} must be more than 0"
        )));
    }
    Ok(signed)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeverityFile {
    severities: Vec<SeverityDef>,
}

/// The levels, worst (1) first.
#[derive(Debug, Clone, PartialEq)]
pub struct Severities(Vec<SeverityDef>);

impl Default for Severities {
    fn default() -> Self {
        Severities::builtin()
    }
}

impl Severities {
    /// The embedded levels (tested to parse).
    pub fn builtin() -> Severities {
        Severities::parse(DEFAULT_SEVERITIES, DEFAULT_LABEL).unwrap_or(Severities(Vec::new()))
    }

    /// Parses a severities file; an error names the file, the line and what is wrong.
    pub fn parse(text: &str, label: &str) -> anyhow::Result<Severities> {
        let file: SeverityFile = serde_yaml_ng::from_str(text).map_err(|e| {
            let line = e
                .location()
                .map(|l| format!(" line {}", l.line()))
                .unwrap_or_default();
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            anyhow!("{label}:{line}: {msg}")
        })?;
        let mut levels: Vec<SeverityDef> = file.severities;
        if levels.is_empty() {
            bail!("{label}: field `severities` is empty");
        }
        for (i, def) in levels.iter().enumerate() {
            let at = line_of_level(text, def.level)
                .map(|l| format!(" line {l}"))
                .unwrap_or_default();
            if def.level == 0 {
                bail!("{label}:{at}: severities[{i}]: field `level` must be 1 or more");
            }
            if levels[..i].iter().any(|d| d.level == def.level) {
                bail!(
                    "{label}:{at}: severities[{i}]: level {} is a duplicate",
                    def.level
                );
            }
            if def.name.trim().is_empty() {
                bail!("{label}:{at}: severities[{i}]: field `name` is empty");
            }
        }
        levels.sort_by_key(|d| d.level);
        Ok(Severities(levels))
    }

    pub fn all(&self) -> &[SeverityDef] {
        &self.0
    }

    /// The level's definition; an unknown level (a journal written with another file)
    /// takes the nearest known one, so its clocks still run.
    pub fn get(&self, level: u8) -> Option<&SeverityDef> {
        self.0
            .iter()
            .find(|d| d.level == level)
            .or_else(|| self.0.iter().min_by_key(|d| d.level.abs_diff(level)))
    }

    pub fn exists(&self, level: u8) -> bool {
        self.0.iter().any(|d| d.level == level)
    }

    /// "SEV2", or "SEV7" for a level no file defines.
    pub fn name(&self, level: u8) -> String {
        self.0
            .iter()
            .find(|d| d.level == level)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| format!("SEV{level}"))
    }

    /// "1, 2 or 3".
    pub fn choices(&self) -> String {
        let levels: Vec<String> = self.0.iter().map(|d| d.level.to_string()).collect();
        match levels.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    }
}

fn line_of_level(text: &str, level: u8) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches('-').trim_start();
            l.strip_prefix("level:")
                .is_some_and(|rest| rest.trim() == level.to_string())
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_levels_are_the_procedures() {
        let s = Severities::parse(DEFAULT_SEVERITIES, DEFAULT_LABEL).unwrap();
        let sev1 = s.get(1).unwrap();
        assert_eq!(sev1.name, "SEV1");
        assert_eq!(sev1.definition, "Complete service outage");
        assert_eq!(sev1.respond_within, SignedDuration::from_mins(15));
        assert_eq!(sev1.escalate_within, SignedDuration::from_mins(30));
        let sev2 = s.get(2).unwrap();
        assert_eq!(sev2.respond_within, SignedDuration::from_mins(30));
        assert_eq!(sev2.escalate_within, SignedDuration::from_hours(1));
        let sev3 = s.get(3).unwrap();
        assert_eq!(sev3.respond_within, SignedDuration::from_hours(2));
        assert_eq!(sev3.escalate_within, SignedDuration::from_hours(4));
        assert!(sev3.examples.iter().any(|e| e == "Single pod failures"));
        assert_eq!(s.choices(), "1, 2 or 3");
        assert_eq!(s.get(9).unwrap().level, 3, "the nearest level");
        assert_eq!(s.name(9), "SEV9");
    }

    #[test]
    fn a_bad_file_names_file_line_and_what() {
        let bad_duration = "severities:\n  - level: 1\n    name: S1\n    definition: x\n    respond_within: soon\n    escalate_within: 1h\n    update_every: 1h\n";
        let e = Severities::parse(bad_duration, "/c/severities.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/c/severities.yaml: line "), "{e}");
        assert!(e.contains("soon"), "{e}");
        let dup = "severities:\n  - level: 1\n    name: A\n    definition: x\n    respond_within: 1m\n    escalate_within: 1h\n    update_every: 1h\n  - level: 1\n    name: B\n    definition: y\n    respond_within: 1m\n    escalate_within: 1h\n    update_every: 1h\n";
        let e = Severities::parse(dup, "s.yaml").unwrap_err().to_string();
        assert!(e.contains("duplicate"), "{e}");
        assert!(e.starts_with("s.yaml: line 2"), "{e}");
        let e = Severities::parse("severities: [", "s.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.yaml: line"), "{e}");
        let e = Severities::parse("severities: []", "s.yaml")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "s.yaml: field `severities` is empty");
        let unknown = bad_duration.replace(
            "respond_within: soon",
            "respond_within: 1m\n    colour: red",
        );
        let e = Severities::parse(&unknown, "s.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
    }
}
