//! KPI definitions as data: `assets/kpis.yaml` (embedded) or a user file in the config dir,
//! both parsed by [`parse`].

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail};
use serde::Deserialize;

/// The embedded default KPIs.
pub const DEFAULT_KPIS: &str = include_str!("../../../assets/kpis.yaml");
/// How the embedded defaults are named in messages.
pub const DEFAULT_LABEL: &str = "assets/kpis.yaml (built in)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Seconds,
    Rps,
    Count,
}

impl Unit {
    /// The unit's name in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Seconds => "seconds",
            Unit::Rps => "rps",
            Unit::Count => "count",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    #[default]
    Application,
    Infrastructure,
    Security,
}

/// One KPI: its query, unit, target and thresholds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiDef {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub group: Group,
    pub query: String,
    pub unit: Unit,
    pub direction: Direction,
    pub target: f64,
    /// Where the warning starts; the target when absent.
    #[serde(default)]
    pub warn: Option<f64>,
    pub alert: f64,
    #[serde(default)]
    pub scope: BTreeMap<String, String>,
    /// The alert name whose runbook applies.
    #[serde(default)]
    pub runbook: Option<String>,
}

impl KpiDef {
    /// Where the warning starts.
    pub fn warn_at(&self) -> f64 {
        self.warn.unwrap_or(self.target)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KpiFile {
    kpis: Vec<KpiDef>,
}

/// Parses a KPI file; errors name the file, the line and what is wrong.
pub fn parse(text: &str, file_label: &str) -> anyhow::Result<Vec<KpiDef>> {
    let file: KpiFile = serde_yaml_ng::from_str(text).map_err(|e| {
        let line = e
            .location()
            .map(|l| format!(" line {}", l.line()))
            .unwrap_or_default();
        // serde_yaml_ng's message already names the field path ("kpis[2]: missing field ...")
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        anyhow!("{file_label}:{line}: {msg}")
    })?;
    let mut seen = BTreeMap::new();
    for (i, def) in file.kpis.iter().enumerate() {
        let at = line_of_id(text, &def.id)
            .map(|l| format!(" line {l}"))
            .unwrap_or_default();
        let fail = |what: String| anyhow!("{file_label}:{at}: kpis[{i}] ({}): {what}", def.id);
        if def.id.trim().is_empty() {
            return Err(fail("field `id` is empty".into()));
        }
        if def.query.trim().is_empty() {
            return Err(fail("field `query` is empty".into()));
        }
        for (field, v) in [
            ("target", def.target),
            ("warn", def.warn_at()),
            ("alert", def.alert),
        ] {
            if !v.is_finite() {
                return Err(fail(format!("field `{field}` is not a finite number")));
            }
        }
        let ordered = match def.direction {
            Direction::HigherIsBetter => def.alert <= def.warn_at(),
            Direction::LowerIsBetter => def.alert >= def.warn_at(),
        };
        if !ordered {
            return Err(fail(format!(
                "field `alert` ({}) must be on the bad side of `warn`/`target` ({}) for {:?}",
                def.alert,
                def.warn_at(),
                def.direction
            )));
        }
        if seen.insert(def.id.clone(), i).is_some() {
            return Err(fail("field `id` is a duplicate".into()));
        }
    }
    if file.kpis.is_empty() {
        bail!("{file_label}: field `kpis` is empty");
    }
    Ok(file.kpis)
}

fn line_of_id(text: &str, id: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches('-').trim_start();
            l.strip_prefix("id:")
                .map(|rest| rest.trim().trim_matches(['"', '\'']) == id)
                .unwrap_or(false)
        })
        .map(|i| i + 1)
}

/// The built-in KPIs (they are tested to parse).
pub fn builtin() -> Vec<KpiDef> {
    parse(DEFAULT_KPIS, DEFAULT_LABEL).unwrap_or_default()
}

/// The KPIs to use: the user file when given and valid, else the built-in ones, plus the
/// warnings to show (a bad user file names file, line and field, and says the defaults
/// are used).
pub fn load(user_file: Option<&Path>) -> (Vec<KpiDef>, Vec<String>) {
    let mut warnings = Vec::new();
    if let Some(path) = user_file {
        let label = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => match parse(&text, &label) {
                Ok(defs) => return (defs, warnings),
                Err(e) => warnings.push(format!("{e:#}; using the built-in KPIs")),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => warnings.push(format!("{label}: {e}; using the built-in KPIs")),
        }
    }
    match parse(DEFAULT_KPIS, DEFAULT_LABEL) {
        Ok(defs) => (defs, warnings),
        Err(e) => {
            warnings.push(format!("{e:#}"));
            (Vec::new(), warnings)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_kpis_parse_with_all_procedure_kpis() {
        let defs = parse(DEFAULT_KPIS, DEFAULT_LABEL).expect("built-in KPIs parse");
        let ids: Vec<&str> = defs.iter().map(|d| d.id.as_str()).collect();
        for id in [
            "availability",
            "p95_latency",
            "error_rate",
            "throughput",
            "cpu",
            "memory",
            "disk_free",
            "network_latency",
            "auth_failures",
            "rbac_forbidden",
            "api_request_rate",
        ] {
            assert!(ids.contains(&id), "missing {id}");
        }
        let p95 = defs.iter().find(|d| d.id == "p95_latency").unwrap();
        assert_eq!(p95.unit, Unit::Seconds);
        assert_eq!(p95.direction, Direction::LowerIsBetter);
        assert_eq!((p95.target, p95.alert), (0.5, 1.0));
        let err = defs.iter().find(|d| d.id == "error_rate").unwrap();
        assert_eq!(err.runbook.as_deref(), Some("KubeChatHighErrorRate"));
    }

    #[test]
    fn unknown_unit_names_file_line_and_field() {
        let text = "kpis:\n  - id: a\n    title: A\n    query: up\n    unit: parsecs\n    direction: lower_is_better\n    target: 1\n    alert: 2\n";
        let e = parse(text, "/cfg/kpis.yaml").unwrap_err().to_string();
        assert!(e.starts_with("/cfg/kpis.yaml: line 5"), "{e}");
        assert!(e.contains("unit"), "{e}");
        assert!(e.contains("parsecs"), "{e}");
    }

    #[test]
    fn missing_field_is_named() {
        let text = "kpis:\n  - id: a\n    title: A\n    unit: count\n    direction: lower_is_better\n    target: 1\n    alert: 2\n";
        let e = parse(text, "k.yaml").unwrap_err().to_string();
        assert!(e.contains("k.yaml: line"), "{e}");
        assert!(e.contains("missing field `query`"), "{e}");
    }

    #[test]
    fn thresholds_on_the_wrong_side_are_refused_with_line() {
        let text = "kpis:\n  - id: ok\n    title: A\n    query: up\n    unit: count\n    direction: lower_is_better\n    target: 1\n    alert: 2\n  - id: bad\n    title: B\n    query: up\n    unit: percent\n    direction: higher_is_better\n    target: 99\n    alert: 99.9\n";
        let e = parse(text, "k.yaml").unwrap_err().to_string();
        assert!(e.starts_with("k.yaml: line 9: kpis[1] (bad)"), "{e}");
        assert!(e.contains("`alert`"), "{e}");
    }

    #[test]
    fn broken_yaml_gives_a_line() {
        let e = parse("kpis:\n  - id: [\n", "k.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("k.yaml: line"), "{e}");
    }

    #[test]
    fn load_falls_back_to_builtin_with_a_warning() {
        let dir = std::env::temp_dir().join(format!("kpi-defs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kpis.yaml");
        std::fs::write(&path, "kpis:\n  - id: a\n    title: A\n    query: up\n    unit: furlongs\n    direction: lower_is_better\n    target: 1\n    alert: 2\n").unwrap();
        let (defs, warnings) = load(Some(&path));
        assert_eq!(defs, builtin());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("kpis.yaml: line 5"), "{}", warnings[0]);
        assert!(warnings[0].contains("built-in"), "{}", warnings[0]);
        std::fs::write(&path, "kpis:\n  - id: a\n    title: A\n    query: up\n    unit: count\n    direction: lower_is_better\n    target: 1\n    alert: 2\n").unwrap();
        let (defs, warnings) = load(Some(&path));
        assert_eq!((defs.len(), warnings.len()), (1, 0));
        let _ = std::fs::remove_dir_all(&dir);
        let (defs, warnings) = load(Some(&dir.join("absent.yaml")));
        assert_eq!((defs, warnings.len()), (builtin(), 0));
    }
}
