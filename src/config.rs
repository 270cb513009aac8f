//! The console's configuration: `config.toml` in the config directory (or `--config`),
//! merged over built-in defaults, and the directories the console uses.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where Prometheus is looked for when nothing says otherwise.
pub const DEFAULT_PROMETHEUS: &str = "http://127.0.0.1:9090";

/// Where the console keeps its files (XDG on Linux, via `directories`).
#[derive(Debug, Clone, PartialEq)]
pub struct Paths {
    /// config.toml, themes/, keymap.toml, kpis.yaml, runbooks/.
    pub config_dir: PathBuf,
    /// Incident journals.
    pub data_dir: PathBuf,
    /// The log file.
    pub state_dir: PathBuf,
}

impl Paths {
    pub fn discover() -> anyhow::Result<Paths> {
        let dirs = directories::ProjectDirs::from("", "", "kubechat-ops")
            .ok_or_else(|| anyhow::anyhow!("no home directory: cannot place config and data"))?;
        Ok(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
            state_dir: dirs
                .state_dir()
                .unwrap_or_else(|| dirs.data_local_dir())
                .to_path_buf(),
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Namespace to watch when `-n` is not given.
    pub namespace: Option<String>,
    /// Theme name or path when `--theme` is not given.
    pub theme: Option<String>,
    /// Contexts matching any of these patterns (`*` and `?` wildcards) are always
    /// read-only, e.g. `["prod-*"]`.
    pub read_only_contexts: Vec<String>,
    pub prometheus: PrometheusConfig,
    pub rollouts: RolloutsConfig,
    pub incidents: IncidentsConfig,
    pub backups: BackupsConfig,
}

/// Backups: how fresh each CronJob's last success must be (`[backups]`, `[backups.rpo]`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupsConfig {
    /// Added to one schedule interval to give a CronJob's RPO ("1h" when absent).
    #[serde(deserialize_with = "some_duration")]
    pub grace: Option<jiff::SignedDuration>,
    /// A CronJob's own recovery-point objective, by name: `postgres-backup = "26h"`.
    #[serde(deserialize_with = "durations")]
    pub rpo: std::collections::BTreeMap<String, jiff::SignedDuration>,
}

impl BackupsConfig {
    /// The policy the backup verdicts are judged by.
    pub fn policy(&self) -> crate::cluster::backup::BackupPolicy {
        crate::cluster::backup::BackupPolicy {
            grace: self.grace.unwrap_or(crate::cluster::backup::DEFAULT_GRACE),
            rpo: self.rpo.clone(),
        }
    }
}

fn to_signed(text: &str) -> Result<jiff::SignedDuration, String> {
    let d = kubechat_spec::parse_duration(text)?;
    jiff::SignedDuration::try_from(d).map_err(|e| format!("{text:?}: {e}"))
}

fn some_duration<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<jiff::SignedDuration>, D::Error> {
    let text = String::deserialize(d)?;
    to_signed(&text).map(Some).map_err(serde::de::Error::custom)
}

fn durations<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, jiff::SignedDuration>, D::Error> {
    let map = std::collections::BTreeMap::<String, Rpo>::deserialize(d)?;
    Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// One RPO value, read on its own so an error points at its line.
struct Rpo(jiff::SignedDuration);

impl<'de> Deserialize<'de> for Rpo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rpo, D::Error> {
        let text = String::deserialize(d)?;
        to_signed(&text)
            .map(Rpo)
            .map_err(|e| serde::de::Error::custom(format!("an RPO: {e}")))
    }
}

/// Incidents (the journals are always local; see README "Incidents").
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentsConfig {
    /// Team mode: also share incidents in the cluster (a ConfigMap per incident in the
    /// namespace), and show the ones the team shares. Read-only consoles only read them.
    pub team: bool,
}

/// The guided blue/green switch (the procedures' switch-traffic.sh).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RolloutsConfig {
    /// How long the error rate is watched after a switch.
    pub switch_monitor_seconds: u64,
    /// Error rate (percent of 5xx) above which the switch is undone by itself.
    pub switch_error_threshold_percent: f64,
    /// The wait between scaling the old slot to 0 and offering to delete it.
    pub cleanup_delay_seconds: u64,
    /// The KPI (an id from kpis.yaml) whose value is the error rate in percent.
    pub switch_error_rate_kpi: String,
}

impl Default for RolloutsConfig {
    fn default() -> Self {
        RolloutsConfig {
            switch_monitor_seconds: 300,
            switch_error_threshold_percent: 1.0,
            cleanup_delay_seconds: 600,
            switch_error_rate_kpi: "error_rate".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrometheusConfig {
    /// Prometheus base URL. Without it the console goes through the Kubernetes API
    /// server's service proxy to `service`.
    pub url: Option<String>,
    /// `NAMESPACE/NAME:PORT` of the Prometheus Service for the service proxy.
    pub service: String,
    pub bearer_token_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    /// Seconds between polls.
    pub interval_seconds: u64,
    /// Seconds before a query is given up.
    pub timeout_seconds: u64,
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        PrometheusConfig {
            url: None,
            service: "monitoring-system/prometheus:9090".into(),
            bearer_token_file: None,
            username: None,
            password_file: None,
            ca_file: None,
            interval_seconds: 5,
            timeout_seconds: 10,
        }
    }
}

impl Config {
    /// Parses config text; an error names the file, the line and what is wrong.
    pub fn parse(text: &str, file: &Path) -> anyhow::Result<Config> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!(toml_error(file, text, &e)))
    }

    /// `--config PATH`: the file must exist and parse.
    pub fn load_explicit(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the config file: {e}", path.display()))?;
        Self::parse(&text, path)
    }

    /// The config dir's `config.toml`: missing is fine (defaults); malformed gives the
    /// defaults and a warning to show on screen.
    pub fn load_default(path: &Path) -> (Config, Option<String>) {
        match std::fs::read_to_string(path) {
            Ok(text) => match Self::parse(&text, path) {
                Ok(config) => (config, None),
                Err(e) => (Config::default(), Some(format!("{e} (using defaults)"))),
            },
            Err(_) => (Config::default(), None),
        }
    }

    /// `--config PATH` when given (must exist and parse), else the config dir's file
    /// (`default_path`) with its warning, if malformed, to show.
    pub fn load(
        explicit: Option<&Path>,
        default_path: &Path,
    ) -> anyhow::Result<(Config, Option<String>)> {
        match explicit {
            Some(path) => Ok((Self::load_explicit(path)?, None)),
            None => Ok(Self::load_default(default_path)),
        }
    }

    /// Whether `context` is read-only: `--read-only` (`flag`) or the config's
    /// `read_only_contexts`. Every headless writer and the console ask this.
    pub fn read_only(&self, flag: bool, context: &str) -> bool {
        flag || self.forces_read_only(context)
    }

    /// True when `context` matches one of `read_only_contexts`.
    pub fn forces_read_only(&self, context: &str) -> bool {
        self.read_only_contexts
            .iter()
            .any(|pattern| wildcard_match(pattern, context))
    }
}

/// One line: `FILE:LINE:COLUMN: message`, from a toml error and the text it came from.
pub fn toml_error(file: &Path, text: &str, err: &toml::de::Error) -> String {
    let (line, col) = err
        .span()
        .map(|span| line_col(text, span.start))
        .unwrap_or((1, 1));
    format!(
        "{}:{line}:{col}: {}",
        file.display(),
        err.message().trim().replace('\n', " ")
    )
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Glob-style match with `*` (any run) and `?` (any one character).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_grace_and_rpo_per_cronjob() {
        let c = Config::parse(
            "[backups]\ngrace = \"30m\"\n[backups.rpo]\npostgres-backup = \"26h\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let policy = c.backups.policy();
        assert_eq!(policy.grace, jiff::SignedDuration::from_mins(30));
        assert_eq!(
            policy.rpo["postgres-backup"],
            jiff::SignedDuration::from_hours(26)
        );
        let err = Config::parse(
            "[backups.rpo]\npostgres-backup = \"a day\"\n",
            Path::new("/x/c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("/x/c.toml:2:"), "{err}");
        assert!(err.contains("an RPO: invalid duration \"a day\""), "{err}");
    }

    #[test]
    fn parses_and_merges_over_defaults() {
        let c = Config::parse(
            "read_only_contexts = [\"prod-*\"]\n[prometheus]\nurl = \"http://p:9090\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.prometheus.url.as_deref(), Some("http://p:9090"));
        assert_eq!(c.prometheus.service, "monitoring-system/prometheus:9090");
        assert!(c.forces_read_only("prod-eu-1"));
        assert!(!c.forces_read_only("staging"));
    }

    #[test]
    fn malformed_config_names_file_line_and_field() {
        let err = Config::parse(
            "theme = \"dark\"\n\n[prometheus]\nurll = 3\n",
            Path::new("/x/config.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("/x/config.toml:4:1: "), "{err}");
        assert!(err.contains("urll"), "{err}");
        let err = Config::parse(
            "[prometheus]\ninterval_seconds = \"soon\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("c.toml:2:"), "{err}");
    }

    #[test]
    fn missing_explicit_config_is_an_error_naming_the_file() {
        let err = Config::load_explicit(Path::new("/nonexistent/kc.toml")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/kc.toml"));
    }

    #[test]
    fn rollouts_settings_default_to_the_procedures() {
        let c = Config::parse(
            "[rollouts]\nswitch_monitor_seconds = 30\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.rollouts.switch_monitor_seconds, 30);
        assert_eq!(c.rollouts.switch_error_threshold_percent, 1.0);
        assert_eq!(Config::default().rollouts.switch_monitor_seconds, 300);
    }

    #[test]
    fn team_incidents_are_off_unless_asked() {
        assert!(!Config::default().incidents.team);
        let c = Config::parse("[incidents]\nteam = true\n", Path::new("c.toml")).unwrap();
        assert!(c.incidents.team);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("prod-*", "prod-"));
        assert!(wildcard_match("*-prod", "eu-prod"));
        assert!(wildcard_match("p?od", "prod"));
        assert!(!wildcard_match("prod-*", "preprod-1"));
    }
}
