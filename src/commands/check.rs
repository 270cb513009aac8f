//! `kubechat-ops check`: evaluate the KPIs once and exit 0 (all within their alert
//! thresholds), 1 (any breached, named on stderr) or 2 (Prometheus cannot answer).

use std::time::Duration;

use kubechat_spec::parse_duration;
use serde::Serialize;

use crate::io::prom::{PromClient, PromConfig, PromError, QueryResult};
use crate::kpi::defs::{Direction, KpiDef};
use crate::kpi::value::{classify, format_thresholds, format_value, worst_of};
use crate::kpi::KpiState;

/// Where `check` looks when neither `--prometheus` nor the config says.
pub use crate::config::DEFAULT_PROMETHEUS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Prometheus base URL (e.g. http://127.0.0.1:9090).
    #[arg(long, value_name = "URL", env = "KUBECHAT_PROMETHEUS")]
    pub prometheus: Option<String>,
    /// Only these KPIs (repeatable); all when absent.
    #[arg(long = "kpi", value_name = "ID")]
    pub kpi: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: CheckFormat,
    /// How long to wait for Prometheus (e.g. 10s, 500ms).
    #[arg(long, default_value = "10s", value_parser = timeout)]
    pub timeout: Duration,
}

/// `--timeout`: a duration (`kubechat_spec::parse_duration`) above zero.
fn timeout(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if d.is_zero() => Err(format!("{s:?}: the timeout must be above zero")),
        d => Ok(d),
    }
}

/// One KPI's verdict, as printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckRow {
    pub id: String,
    /// `None` when unknown (no data, NaN, ±Inf or an error).
    pub value: Option<f64>,
    pub unit: &'static str,
    pub state: &'static str,
    pub message: String,
    #[serde(skip)]
    pub kpi_state: KpiState,
    #[serde(skip)]
    pub unreachable: bool,
}

/// Judges one KPI's answer.
pub fn verdict(def: &KpiDef, answer: Result<QueryResult, PromError>) -> CheckRow {
    let row = |value: Option<f64>, state: KpiState, message: String, unreachable: bool| CheckRow {
        id: def.id.clone(),
        value: value.filter(|v| v.is_finite()),
        unit: def.unit.as_str(),
        state: state.as_str(),
        message,
        kpi_state: state,
        unreachable,
    };
    let thresholds = format_thresholds(def);
    match answer {
        Err(e) => row(None, KpiState::Error, e.to_string(), e.is_unreachable()),
        Ok(result) => match worst_of(def, result.latest_values()) {
            None => row(
                None,
                KpiState::Stale,
                "no data: the query returned no series".into(),
                false,
            ),
            Some(v) => {
                let shown = format_value(def.unit, v);
                match classify(def, v) {
                    None => row(
                        None,
                        KpiState::Stale,
                        "the query returned NaN".into(),
                        false,
                    ),
                    Some(KpiState::Alert) => {
                        let bad = match def.direction {
                            Direction::HigherIsBetter => '<',
                            Direction::LowerIsBetter => '>',
                        };
                        let alert = format_value(def.unit, def.alert);
                        row(
                            Some(v),
                            KpiState::Alert,
                            format!("breached: {shown} (alert {bad}{alert})"),
                            false,
                        )
                    }
                    Some(s) => row(Some(v), s, format!("{shown} · {thresholds}"), false),
                }
            }
        },
    }
}

/// 1 when any KPI is breached; else 2 when any could not be evaluated; else 0.
pub fn exit_code(rows: &[CheckRow]) -> i32 {
    if rows.iter().any(|r| r.kpi_state == KpiState::Alert) {
        1
    } else if rows.iter().any(|r| r.kpi_state == KpiState::Error) {
        2
    } else {
        0
    }
}

pub fn render_table(rows: &[CheckRow]) -> String {
    let idw = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(3);
    let mut out = format!("{:idw$}  {:5}  MESSAGE\n", "KPI", "STATE");
    for r in rows {
        out.push_str(&format!("{:idw$}  {:5}  {}\n", r.id, r.state, r.message));
    }
    out
}

pub fn render_json(rows: &[CheckRow]) -> String {
    serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into())
}

/// Evaluates the selected KPIs with `client` (concurrently).
pub async fn evaluate(client: &PromClient, defs: &[KpiDef]) -> Vec<CheckRow> {
    let answers =
        futures::future::join_all(defs.iter().map(|d| client.instant(&d.query, None))).await;
    defs.iter()
        .zip(answers)
        .map(|(d, a)| verdict(d, a))
        .collect()
}

/// The KPIs `--kpi` selects, or why not.
pub fn select(defs: Vec<KpiDef>, ids: &[String]) -> Result<Vec<KpiDef>, String> {
    if ids.is_empty() {
        return Ok(defs);
    }
    let known: Vec<&str> = defs.iter().map(|d| d.id.as_str()).collect();
    if let Some(bad) = ids.iter().find(|id| !known.contains(&id.as_str())) {
        return Err(format!("unknown KPI {bad:?}; known: {}", known.join(", ")));
    }
    Ok(defs.into_iter().filter(|d| ids.contains(&d.id)).collect())
}

/// Runs `check` against `args.prometheus` (or [`DEFAULT_PROMETHEUS`]).
pub async fn run(args: CheckArgs, defs: Vec<KpiDef>) -> i32 {
    let url = args
        .prometheus
        .clone()
        .unwrap_or_else(|| DEFAULT_PROMETHEUS.into());
    let mut cfg = PromConfig::new(url);
    cfg.timeout = args.timeout;
    match PromClient::new(cfg) {
        Ok(client) => run_with(&client, &args, defs).await,
        Err(e) => {
            eprintln!("check: {e:#}");
            2
        }
    }
}

/// Runs `check` with a client built elsewhere (e.g. through the kube API server's proxy).
pub async fn run_with(client: &PromClient, args: &CheckArgs, defs: Vec<KpiDef>) -> i32 {
    let defs = match select(defs, &args.kpi) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("check: {e}");
            return 2;
        }
    };
    let rows = evaluate(client, &defs).await;
    match args.format {
        CheckFormat::Table => print!("{}", render_table(&rows)),
        CheckFormat::Json => println!("{}", render_json(&rows)),
    }
    let code = exit_code(&rows);
    for r in rows.iter().filter(|r| r.kpi_state == KpiState::Alert) {
        eprintln!("check: {} {}", r.id, r.message);
    }
    if code == 2 {
        let unreachable = rows.iter().any(|r| r.unreachable);
        let why = if unreachable {
            "Prometheus cannot answer"
        } else {
            "a KPI query failed"
        };
        eprintln!("check: {why} ({})", client.base_url());
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::prom::{PromPoint, PromSample};
    use crate::kpi::defs::builtin;

    fn def(id: &str) -> KpiDef {
        builtin().into_iter().find(|d| d.id == id).unwrap()
    }

    fn one(v: f64) -> Result<QueryResult, PromError> {
        Ok(QueryResult::Vector(vec![PromSample {
            metric: Default::default(),
            point: PromPoint { t: 0.0, v },
        }]))
    }

    #[test]
    fn verdicts_and_exit_codes() {
        let ok = verdict(&def("error_rate"), one(0.05));
        assert_eq!((ok.state, ok.value), ("ok", Some(0.05)));
        let bad = verdict(&def("error_rate"), one(2.5));
        assert_eq!(bad.state, "alert");
        assert_eq!(bad.message, "breached: 2.5 % (alert >1 %)");
        let down = verdict(
            &def("p95_latency"),
            Err(PromError::Connect("refused".into())),
        );
        assert_eq!(
            (down.state, down.value, down.unreachable),
            ("error", None, true)
        );
        let nan = verdict(&def("p95_latency"), one(f64::NAN));
        assert_eq!((nan.state, nan.value), ("stale", None));
        assert_eq!(exit_code(&[ok.clone(), nan.clone()]), 0);
        assert_eq!(exit_code(&[ok.clone(), bad.clone(), down.clone()]), 1);
        assert_eq!(exit_code(&[ok, down]), 2);
    }

    #[test]
    fn json_has_the_documented_fields() {
        let rows = vec![
            verdict(&def("error_rate"), one(0.05)),
            verdict(&def("cpu"), Ok(QueryResult::Vector(vec![]))),
        ];
        let v: serde_json::Value = serde_json::from_str(&render_json(&rows)).unwrap();
        assert_eq!(v[0]["id"], "error_rate");
        assert_eq!(v[0]["value"], 0.05);
        assert_eq!(v[0]["unit"], "percent");
        assert_eq!(v[0]["state"], "ok");
        assert_eq!(v[1]["value"], serde_json::Value::Null);
        assert_eq!(v[1]["state"], "stale");
        assert!(v[1]["message"].as_str().unwrap().contains("no data"));
    }

    #[test]
    fn selection_and_timeout() {
        let sel = select(builtin(), &["cpu".into()]).unwrap();
        assert_eq!(sel.len(), 1);
        assert!(select(builtin(), &["nope".into()])
            .unwrap_err()
            .contains("nope"));
        assert_eq!(timeout("1m30s"), Ok(Duration::from_secs(90)));
        assert!(timeout("0").is_err());
    }
}
