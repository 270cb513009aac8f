//! The values PromQL evaluation produces and passes between its parts (instant samples,
//! range series, scalars, strings), the error a query can end in, and the label-set
//! operations both evaluation and the binary operators apply to samples.

use super::tsdb::{Labels, NAME};

/// One sample of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    pub v: f64,
}

/// A series of a range vector.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: Labels,
    pub points: Vec<(i64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Vector(Vec<Sample>),
    Matrix(Vec<RangeSeries>),
    String(String),
}

/// A query the simulator refuses or cannot evaluate; answered as `bad_data`.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError(pub String);

pub type Result<T> = std::result::Result<T, EvalError>;

pub fn unsupported<T>(what: impl std::fmt::Display) -> Result<T> {
    Err(EvalError(format!(
        "{what} is not supported by the kubechat-ops simulator's query API"
    )))
}

pub fn drop_name(labels: Labels) -> Labels {
    labels.into_iter().filter(|(k, _)| k != NAME).collect()
}

pub fn without(labels: &Labels, names: &[String]) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| !names.contains(k))
        .cloned()
        .collect()
}

pub fn only(labels: &Labels, names: &[String]) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| names.contains(k))
        .cloned()
        .collect()
}
