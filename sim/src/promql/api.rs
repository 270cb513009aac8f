//! The HTTP side of the simulator's Prometheus API, with the real JSON shapes and errors.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use kubechat_spec::kpi::defs::{builtin, KpiDef};
use kubechat_spec::kpi::value::{classify, format_thresholds, format_value};
use kubechat_spec::kpi::KpiState;
use serde_json::{json, Value as Json_};

use super::eval;
use super::tsdb::{Labels, Tsdb};
use super::value::Value;
use crate::SimShared;

/// Prometheus refuses range queries with more points than this per series.
pub const MAX_POINTS: i64 = 11_000;

/// What the API reads: the samples and the (simulated) time.
pub trait QuerySource: Send + Sync + 'static {
    fn tsdb(&self) -> &Tsdb;
    fn now(&self) -> Timestamp;
}

struct Api {
    src: Arc<dyn QuerySource>,
    /// The KPIs whose alert thresholds make `/api/v1/alerts`.
    defs: Vec<KpiDef>,
    /// When each firing alert started.
    active: Mutex<BTreeMap<String, Timestamp>>,
}

type Params = HashMap<String, String>;

/// The query API over the simulator's series.
pub fn router(sim: Arc<SimShared>) -> Router {
    router_for(sim)
}

/// The query API over any source (tests use a bare [`Tsdb`]).
pub fn router_for<S: QuerySource>(src: Arc<S>) -> Router {
    let api = Arc::new(Api {
        src,
        defs: builtin(),
        active: Mutex::new(BTreeMap::new()),
    });
    Router::new()
        .route("/api/v1/query", get(query_get).post(query_post))
        .route("/api/v1/query_range", get(range_get).post(range_post))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/status/buildinfo", get(buildinfo))
        .with_state(api)
}

fn bad_data(msg: impl Into<String>) -> Response {
    let body = json!({"status": "error", "errorType": "bad_data", "error": msg.into()});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn success(data: Json_) -> Response {
    Json(json!({"status": "success", "data": data})).into_response()
}

async fn query_get(State(api): State<Arc<Api>>, Query(p): Query<Params>) -> Response {
    instant(&api, &p)
}

async fn query_post(
    State(api): State<Arc<Api>>,
    Query(mut p): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    p.extend(f);
    instant(&api, &p)
}

async fn range_get(State(api): State<Arc<Api>>, Query(p): Query<Params>) -> Response {
    range(&api, &p)
}

async fn range_post(
    State(api): State<Arc<Api>>,
    Query(mut p): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    p.extend(f);
    range(&api, &p)
}

/// Seconds (with fraction) or RFC 3339, as Prometheus accepts; in milliseconds.
fn parse_time(name: &str, s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() {
            return Ok((secs * 1000.0).round() as i64);
        }
    }
    s.parse::<Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            format!("invalid parameter \"{name}\": cannot parse \"{s}\" to a valid timestamp")
        })
}

/// Seconds or a Prometheus duration ("15s", "1m30s"); in milliseconds.
fn parse_step(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() {
            return Ok((secs * 1000.0).round() as i64);
        }
    }
    promql_parser::util::parse_duration(s)
        .map(|d| d.as_millis() as i64)
        .map_err(|_| {
            format!("invalid parameter \"step\": cannot parse \"{s}\" to a valid duration")
        })
}

fn instant(api: &Api, p: &Params) -> Response {
    let Some(q) = p.get("query") else {
        return bad_data("invalid parameter \"query\": unknown position: parse error: no expression found in input");
    };
    let t = match p.get("time") {
        Some(s) => match parse_time("time", s) {
            Ok(t) => t,
            Err(e) => return bad_data(e),
        },
        None => api.src.now().as_millisecond(),
    };
    let expr = match eval::parse(q) {
        Ok(e) => e,
        Err(e) => return bad_data(e.0),
    };
    match eval::eval(api.src.tsdb(), &expr, t) {
        Ok(v) => success(value_json(&v, t)),
        Err(e) => bad_data(e.0),
    }
}

fn range(api: &Api, p: &Params) -> Response {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let parsed = (|| {
        let start = parse_time("start", get("start"))?;
        let end = parse_time("end", get("end"))?;
        let step = parse_step(get("step"))?;
        if end < start {
            return Err("end timestamp must not be before start time".to_string());
        }
        if step <= 0 {
            return Err("zero or negative query resolution step widths are not accepted. Try a positive integer".into());
        }
        if (end - start) / step > MAX_POINTS {
            return Err("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".into());
        }
        Ok((start, end, step))
    })();
    let (start, end, step) = match parsed {
        Ok(x) => x,
        Err(e) => return bad_data(e),
    };
    let expr = match eval::parse(get("query")) {
        Ok(e) => e,
        Err(e) => return bad_data(e.0),
    };
    let mut series: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
    let mut t = start;
    while t <= end {
        match eval::eval(api.src.tsdb(), &expr, t) {
            Ok(Value::Vector(v)) => {
                for s in v {
                    series.entry(s.labels).or_default().push((t, s.v));
                }
            }
            Ok(Value::Scalar(v)) => series.entry(Vec::new()).or_default().push((t, v)),
            Ok(Value::Matrix(_)) => {
                return bad_data("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector")
            }
            Ok(Value::String(_)) => {
                return bad_data("invalid expression type \"string\" for range query, must be Scalar or instant Vector")
            }
            Err(e) => return bad_data(e.0),
        }
        t += step;
    }
    let result: Vec<Json_> = series
        .into_iter()
        .map(|(labels, points)| json!({"metric": metric_json(&labels), "values": points.iter().map(|&(t, v)| point_json(t, v)).collect::<Vec<_>>()}))
        .collect();
    success(json!({"resultType": "matrix", "result": result}))
}

/// A sample value as Prometheus writes it: shortest decimal, "NaN", "+Inf", "-Inf".
pub fn value_string(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

fn point_json(t_ms: i64, v: f64) -> Json_ {
    json!([t_ms as f64 / 1000.0, value_string(v)])
}

fn metric_json(labels: &Labels) -> Json_ {
    Json_::Object(
        labels
            .iter()
            .map(|(k, v)| (k.clone(), Json_::String(v.clone())))
            .collect(),
    )
}

fn value_json(v: &Value, t: i64) -> Json_ {
    match v {
        Value::Scalar(x) => json!({"resultType": "scalar", "result": point_json(t, *x)}),
        Value::String(s) => json!({"resultType": "string", "result": [t as f64 / 1000.0, s]}),
        Value::Vector(samples) => json!({
            "resultType": "vector",
            "result": samples.iter().map(|s| json!({"metric": metric_json(&s.labels), "value": point_json(t, s.v)})).collect::<Vec<_>>(),
        }),
        Value::Matrix(series) => json!({
            "resultType": "matrix",
            "result": series.iter().map(|s| json!({"metric": metric_json(&s.labels), "values": s.points.iter().map(|&(t, v)| point_json(t, v)).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        }),
    }
}

/// Go's `%e` ("2.5e+00"), as Prometheus writes alert values.
fn go_exp(v: f64) -> String {
    let s = format!("{v:.6e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = e.strip_prefix('-').map(|d| ('-', d)).unwrap_or(('+', e));
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

async fn alerts(State(api): State<Arc<Api>>) -> Response {
    let now = api.src.now();
    let t = now.as_millisecond();
    let mut firing = Vec::new();
    for def in &api.defs {
        let Ok(expr) = eval::parse(&def.query) else {
            continue;
        };
        let value = match eval::eval(api.src.tsdb(), &expr, t) {
            Ok(Value::Scalar(v)) => Some(v),
            Ok(Value::Vector(v)) => v.first().map(|s| s.v),
            _ => None,
        };
        if let Some(v) = value.filter(|&v| classify(def, v) == Some(KpiState::Alert)) {
            firing.push((def, v));
        }
    }
    let Ok(mut active) = api.active.lock() else {
        return success(json!({"alerts": []}));
    };
    let names: Vec<String> = firing.iter().map(|(d, _)| alert_name(d)).collect();
    active.retain(|k, _| names.contains(k));
    let list: Vec<Json_> = firing
        .into_iter()
        .map(|(def, v)| {
            let name = alert_name(def);
            let since = *active.entry(name.clone()).or_insert(now);
            let severity = if def.alert == def.target { "critical" } else { "warning" };
            let mut labels = json!({"alertname": name, "severity": severity, "kpi": def.id});
            if name == POD_ALERT {
                if let (Some(extra), Some(map)) = (worst_pod(api.src.tsdb(), t), labels.as_object_mut()) {
                    map.extend(extra.into_iter().map(|(k, v)| (k, Json_::String(v))));
                }
            }
            json!({
                "labels": labels,
                "annotations": {"summary": format!("{} is {} ({})", def.title, format_value(def.unit, v), format_thresholds(def))},
                "state": "firing",
                "activeAt": since.to_string(),
                "value": go_exp(v),
            })
        })
        .collect();
    success(json!({"alerts": list}))
}

/// The alert about a pod: like the real rule (one alert a crash-looping pod), it carries
/// the pod's labels: the pod restarting most.
const POD_ALERT: &str = "KubeChatPodCrashLooping";

/// `namespace`, `pod`, `container` of the container with the most restarts, if any restarted.
fn worst_pod(tsdb: &Tsdb, t: i64) -> Option<Vec<(String, String)>> {
    let expr = eval::parse("kube_pod_container_status_restarts_total").ok()?;
    let Ok(Value::Vector(samples)) = eval::eval(tsdb, &expr, t) else {
        return None;
    };
    let worst = samples
        .iter()
        .filter(|s| s.v > 0.0)
        .max_by(|a, b| a.v.total_cmp(&b.v))?;
    let keep = ["namespace", "pod", "container"];
    Some(
        worst
            .labels
            .iter()
            .filter(|(k, _)| keep.contains(&k.as_str()))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn alert_name(def: &KpiDef) -> String {
    def.runbook
        .clone()
        .unwrap_or_else(|| format!("KubeChatKpi_{}", def.id))
}

async fn buildinfo() -> Response {
    success(json!({
        "version": "2.42.0",
        "revision": "kubechat-ops-sim",
        "branch": "sim",
        "buildUser": "kubechat-ops",
        "buildDate": "",
        "goVersion": "none (kubechat-ops simulator)",
    }))
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
