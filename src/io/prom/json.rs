//! The Prometheus HTTP API's JSON (v1) into typed results: values arrive as strings
//! ("1.5", "NaN", "+Inf", "-Inf"), results as vector, scalar, matrix or string.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::PromError;

/// One value at a time (seconds since the epoch, as Prometheus sends it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromPoint {
    pub t: f64,
    pub v: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PromSample {
    pub metric: BTreeMap<String, String>,
    pub point: PromPoint,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PromSeries {
    pub metric: BTreeMap<String, String>,
    pub points: Vec<PromPoint>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Vector(Vec<PromSample>),
    Scalar(PromPoint),
    Matrix(Vec<PromSeries>),
    String(String),
}

impl QueryResult {
    /// The latest value of every series in the answer (a scalar is one series).
    pub fn latest_values(&self) -> Vec<f64> {
        match self {
            QueryResult::Scalar(p) => vec![p.v],
            QueryResult::Vector(v) => v.iter().map(|s| s.point.v).collect(),
            QueryResult::Matrix(m) => m
                .iter()
                .filter_map(|s| s.points.last().map(|p| p.v))
                .collect(),
            QueryResult::String(_) => Vec::new(),
        }
    }
}

/// One alert from `/api/v1/alerts`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromAlert {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub state: String,
    #[serde(default)]
    pub active_at: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    pub version: String,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub branch: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Parses a Prometheus value string: "1.5", "NaN", "+Inf", "-Inf".
pub fn parse_value(s: &str) -> Result<f64, PromError> {
    match s {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => s
            .parse::<f64>()
            .map_err(|_| PromError::Decode(format!("bad sample value {s:?}"))),
    }
}

/// The `data` of a successful response, or the API error it carries. `status` is the HTTP
/// status, used when the body is not Prometheus JSON (a proxy's 404 page).
pub fn data_of(status: u16, body: &str) -> Result<Value, PromError> {
    match serde_json::from_str::<Envelope>(body) {
        Ok(env) if env.status == "success" => env
            .data
            .ok_or_else(|| PromError::Decode("success without data".into())),
        Ok(env) => Err(PromError::Api {
            error_type: env.error_type.unwrap_or_else(|| "unknown".into()),
            error: env.error.unwrap_or_else(|| format!("HTTP {status}")),
        }),
        Err(_) if (200..300).contains(&status) => Err(PromError::Decode(format!(
            "not Prometheus JSON: {}",
            first_line(body)
        ))),
        Err(_) => Err(PromError::Http {
            status,
            body: first_line(body),
        }),
    }
}

fn first_line(body: &str) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    line.chars().take(120).collect()
}

fn point(v: &Value) -> Result<PromPoint, PromError> {
    let bad = || PromError::Decode(format!("bad sample {v}"));
    let arr = v.as_array().filter(|a| a.len() == 2).ok_or_else(bad)?;
    let t = arr[0].as_f64().ok_or_else(bad)?;
    let v = parse_value(arr[1].as_str().ok_or_else(bad)?)?;
    Ok(PromPoint { t, v })
}

fn metric(v: &Value) -> BTreeMap<String, String> {
    v.get("metric")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The `data` of a query or query_range answer.
pub fn query_result(data: &Value) -> Result<QueryResult, PromError> {
    let kind = data.get("resultType").and_then(Value::as_str).unwrap_or("");
    let result = data
        .get("result")
        .ok_or_else(|| PromError::Decode("no result in data".into()))?;
    let items = || {
        result
            .as_array()
            .ok_or_else(|| PromError::Decode(format!("{kind} result is not an array")))
    };
    match kind {
        "vector" => items()?
            .iter()
            .map(|s| {
                let value = s
                    .get("value")
                    .ok_or_else(|| PromError::Decode("sample without value".into()))?;
                Ok(PromSample {
                    metric: metric(s),
                    point: point(value)?,
                })
            })
            .collect::<Result<_, _>>()
            .map(QueryResult::Vector),
        "matrix" => items()?
            .iter()
            .map(|s| {
                let values = s
                    .get("values")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                Ok(PromSeries {
                    metric: metric(s),
                    points: values.iter().map(point).collect::<Result<_, _>>()?,
                })
            })
            .collect::<Result<_, _>>()
            .map(QueryResult::Matrix),
        "scalar" => point(result).map(QueryResult::Scalar),
        "string" => {
            let arr = result.as_array().filter(|a| a.len() == 2);
            let s = arr.and_then(|a| a[1].as_str()).unwrap_or_default();
            Ok(QueryResult::String(s.to_string()))
        }
        other => Err(PromError::Decode(format!("unknown resultType {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> QueryResult {
        query_result(&data_of(200, body).unwrap()).unwrap()
    }

    #[test]
    fn vector_with_nan_and_infinities() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","job":"a"},"value":[1435781451.781,"1"]},
            {"metric":{},"value":[1435781451.781,"NaN"]},
            {"metric":{"le":"+Inf"},"value":[1435781451.781,"+Inf"]},
            {"metric":{},"value":[1435781451.781,"-Inf"]}]}}"#;
        let QueryResult::Vector(v) = ok(body) else {
            panic!("not a vector")
        };
        assert_eq!(v.len(), 4);
        assert_eq!(v[0].metric.get("job").map(String::as_str), Some("a"));
        assert_eq!(
            v[0].point,
            PromPoint {
                t: 1435781451.781,
                v: 1.0
            }
        );
        assert!(v[1].point.v.is_nan());
        assert_eq!(v[2].point.v, f64::INFINITY);
        assert_eq!(v[3].point.v, f64::NEG_INFINITY);
    }

    #[test]
    fn scalar_matrix_and_string() {
        let s = ok(
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"2.5"]}}"#,
        );
        assert_eq!(s, QueryResult::Scalar(PromPoint { t: 1.7e9, v: 2.5 }));
        let m = ok(
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1,"1"],[2,"3e2"]]}]}}"#,
        );
        let QueryResult::Matrix(m) = m else {
            panic!("not a matrix")
        };
        assert_eq!(
            m[0].points,
            vec![PromPoint { t: 1.0, v: 1.0 }, PromPoint { t: 2.0, v: 300.0 }]
        );
        let st = ok(r#"{"status":"success","data":{"resultType":"string","result":[1,"hi"]}}"#);
        assert_eq!(st, QueryResult::String("hi".into()));
    }

    #[test]
    fn error_bodies_become_api_errors() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"}"#;
        let e = data_of(400, body).unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad_data: invalid parameter \"query\": 1:5: parse error: unexpected end of input"
        );
        let e = data_of(503, r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#).unwrap_err();
        assert!(matches!(e, PromError::Api { ref error_type, .. } if error_type == "timeout"));
    }

    #[test]
    fn non_json_404_is_one_line() {
        let e = data_of(404, "404 page not found\n").unwrap_err();
        assert_eq!(e.to_string(), "HTTP 404: 404 page not found");
        let e = data_of(200, "<html>hello").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad answer: not Prometheus JSON: <html>hello"
        );
        let e = data_of(502, "<html>\n<body>Bad Gateway</body></html>").unwrap_err();
        assert_eq!(e.to_string(), "HTTP 502: <html>");
    }

    #[test]
    fn malformed_values_are_decode_errors() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}"#;
        let e = query_result(&data_of(200, body).unwrap()).unwrap_err();
        assert!(e.to_string().contains("abc"), "{e}");
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}"#;
        assert!(query_result(&data_of(200, body).unwrap()).is_err());
    }
}
