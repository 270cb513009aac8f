//! Evaluating the PromQL subset over a [`Tsdb`] at one instant, with Prometheus (2.x)
//! semantics: a 5 m lookback for instant selectors, left-closed range windows, rate and
//! increase extrapolation, `histogram_quantile` interpolation, vector matching.

use std::collections::BTreeMap;

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{
    self, AggregateExpr, BinaryExpr, Call, Expr, LabelModifier, VectorSelector,
};

use super::binary::{apply, is_comparison, set_op, vector_scalar, vector_vector};
use super::functions::{bucket_quantile, extrapolated_rate, irate};
use super::tsdb::{Labels, Tsdb, NAME};
use super::value::{
    drop_name, only, unsupported, without, EvalError, RangeSeries, Result, Sample, Value,
};

/// Prometheus' default lookback for instant vector selectors.
pub const LOOKBACK_MS: i64 = 5 * 60 * 1000;

/// Parses a query as Prometheus does (errors worded like its `invalid parameter` answers).
pub fn parse(query: &str) -> Result<Expr> {
    parser::parse(query).map_err(|e| EvalError(format!("invalid parameter \"query\": {e}")))
}

/// Evaluates `expr` at `t_ms`.
pub fn eval(db: &Tsdb, expr: &Expr, t_ms: i64) -> Result<Value> {
    Ev { db, t: t_ms }.eval(expr)
}

struct Ev<'a> {
    db: &'a Tsdb,
    t: i64,
}

impl Ev<'_> {
    fn eval(&self, expr: &Expr) -> Result<Value> {
        match expr {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::StringLiteral(s) => Ok(Value::String(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr),
            Expr::Unary(u) => match self.eval(&u.expr)? {
                Value::Scalar(v) => Ok(Value::Scalar(-v)),
                Value::Vector(v) => Ok(Value::Vector(
                    v.into_iter()
                        .map(|s| Sample {
                            labels: drop_name(s.labels),
                            v: -s.v,
                        })
                        .collect(),
                )),
                _ => unsupported("unary minus on a range vector"),
            },
            Expr::VectorSelector(vs) => self.instant_selector(vs),
            Expr::MatrixSelector(ms) => {
                let range = ms.range.as_millis() as i64;
                Ok(Value::Matrix(self.range_selector(&ms.vs, range)?))
            }
            Expr::Call(call) => self.call(call),
            Expr::Aggregate(agg) => self.aggregate(agg),
            Expr::Binary(bin) => self.binary(bin),
            Expr::Subquery(_) => unsupported("a subquery"),
            Expr::Extension(_) => unsupported("an extension expression"),
        }
    }

    fn matchers(&self, vs: &VectorSelector) -> Result<Vec<Matcher>> {
        if vs.offset.is_some() {
            return unsupported("the offset modifier");
        }
        if vs.at.is_some() {
            return unsupported("the @ modifier");
        }
        if !vs.matchers.or_matchers.is_empty() {
            return unsupported("`or` inside a selector");
        }
        let mut m = vs.matchers.matchers.clone();
        if let Some(name) = &vs.name {
            if !m.iter().any(|x| x.name == NAME) {
                m.push(Matcher::new(MatchOp::Equal, NAME, name));
            }
        }
        Ok(m)
    }

    fn instant_selector(&self, vs: &VectorSelector) -> Result<Value> {
        let m = self.matchers(vs)?;
        let out = self
            .db
            .select(&m, self.t - LOOKBACK_MS, self.t)
            .into_iter()
            .filter(|s| !s.ends_stale)
            .filter_map(|s| {
                s.samples.last().map(|&(_, v)| Sample {
                    labels: s.labels,
                    v,
                })
            })
            .collect();
        Ok(Value::Vector(out))
    }

    fn range_selector(&self, vs: &VectorSelector, range_ms: i64) -> Result<Vec<RangeSeries>> {
        let m = self.matchers(vs)?;
        Ok(self
            .db
            .select(&m, self.t - range_ms, self.t)
            .into_iter()
            .map(|s| RangeSeries {
                labels: s.labels,
                points: s.samples,
            })
            .collect())
    }

    fn call(&self, call: &Call) -> Result<Value> {
        let args = &call.args.args;
        match call.func.name {
            name @ ("rate" | "increase" | "irate") => {
                let Some(Expr::MatrixSelector(ms)) = args.first().map(|a| a.as_ref()) else {
                    return unsupported(format!("{name}() of anything but a range selector"));
                };
                let range = ms.range.as_millis() as i64;
                let series = self.range_selector(&ms.vs, range)?;
                let out = series
                    .into_iter()
                    .filter_map(|s| {
                        let v = match name {
                            "irate" => irate(&s.points),
                            _ => {
                                extrapolated_rate(&s.points, self.t - range, self.t, name == "rate")
                            }
                        }?;
                        Some(Sample {
                            labels: drop_name(s.labels),
                            v,
                        })
                    })
                    .collect();
                Ok(Value::Vector(out))
            }
            "histogram_quantile" => {
                let q = self.scalar_arg(arg(args, 0))?;
                let Value::Vector(v) = self.eval(arg(args, 1)?)? else {
                    return unsupported("histogram_quantile() of a non-vector");
                };
                let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
                for s in v {
                    let Some(le) = s.labels.iter().find(|(k, _)| k == "le") else {
                        continue;
                    };
                    let Ok(upper) = parse_le(&le.1) else {
                        continue;
                    };
                    let key = drop_name(without(&s.labels, &["le".to_string()]));
                    groups.entry(key).or_default().push((upper, s.v));
                }
                Ok(Value::Vector(
                    groups
                        .into_iter()
                        .map(|(labels, buckets)| Sample {
                            labels,
                            v: bucket_quantile(q, buckets),
                        })
                        .collect(),
                ))
            }
            "time" => Ok(Value::Scalar(self.t as f64 / 1000.0)),
            "vector" => Ok(Value::Vector(vec![Sample {
                labels: Vec::new(),
                v: self.scalar_arg(arg(args, 0))?,
            }])),
            "scalar" => match self.eval(arg(args, 0)?)? {
                Value::Vector(v) if v.len() == 1 => Ok(Value::Scalar(v[0].v)),
                Value::Vector(_) => Ok(Value::Scalar(f64::NAN)),
                _ => unsupported("scalar() of a non-vector"),
            },
            other => unsupported(format!("the function {other}()")),
        }
    }

    fn scalar_arg(&self, e: Result<&Expr>) -> Result<f64> {
        match self.eval(e?)? {
            Value::Scalar(v) => Ok(v),
            _ => unsupported("a non-scalar where a scalar is expected"),
        }
    }

    fn aggregate(&self, agg: &AggregateExpr) -> Result<Value> {
        let op = agg.op.to_string();
        if !matches!(op.as_str(), "sum" | "avg" | "min" | "max" | "count") {
            return unsupported(format!("the aggregation {op}"));
        }
        let Value::Vector(v) = self.eval(&agg.expr)? else {
            return unsupported(format!("{op} of a non-vector"));
        };
        // group key → (sum, count, min, max)
        let mut groups: BTreeMap<Labels, (f64, f64, f64, f64)> = BTreeMap::new();
        for s in v {
            let key = match &agg.modifier {
                None => Vec::new(),
                Some(LabelModifier::Include(l)) => only(&s.labels, &l.labels),
                Some(LabelModifier::Exclude(l)) => drop_name(without(&s.labels, &l.labels)),
            };
            let g = groups.entry(key).or_insert((0.0, 0.0, f64::NAN, f64::NAN));
            g.0 += s.v;
            g.1 += 1.0;
            if g.2.is_nan() || s.v < g.2 {
                g.2 = s.v;
            }
            if g.3.is_nan() || s.v > g.3 {
                g.3 = s.v;
            }
        }
        let out = groups
            .into_iter()
            .map(|(labels, (sum, n, min, max))| Sample {
                labels,
                v: match op.as_str() {
                    "sum" => sum,
                    "avg" => sum / n,
                    "min" => min,
                    "max" => max,
                    _ => n,
                },
            })
            .collect();
        Ok(Value::Vector(out))
    }

    fn binary(&self, bin: &BinaryExpr) -> Result<Value> {
        let op = bin.op.to_string();
        let return_bool = bin.return_bool();
        let lhs = self.eval(&bin.lhs)?;
        let rhs = self.eval(&bin.rhs)?;
        if matches!(op.as_str(), "and" | "or" | "unless") {
            return match (lhs, rhs) {
                (Value::Vector(l), Value::Vector(r)) => Ok(Value::Vector(set_op(&op, l, r, bin))),
                _ => unsupported(format!("{op} between non-vectors")),
            };
        }
        let cmp = is_comparison(&op);
        match (lhs, rhs) {
            (Value::Scalar(a), Value::Scalar(b)) => {
                if cmp && !return_bool {
                    return Err(EvalError(
                        "comparisons between scalars must use BOOL modifier".into(),
                    ));
                }
                Ok(Value::Scalar(apply(&op, a, b)?.0))
            }
            (Value::Vector(v), Value::Scalar(s)) => vector_scalar(&op, v, s, false, return_bool),
            (Value::Scalar(s), Value::Vector(v)) => vector_scalar(&op, v, s, true, return_bool),
            (Value::Vector(l), Value::Vector(r)) => vector_vector(&op, l, r, bin, return_bool),
            _ => unsupported(format!("the operator {op} on these operand types")),
        }
    }
}

fn arg(args: &[Box<Expr>], i: usize) -> Result<&Expr> {
    args.get(i)
        .map(|b| b.as_ref())
        .ok_or_else(|| EvalError("missing function argument".into()))
}

fn parse_le(s: &str) -> std::result::Result<f64, ()> {
    match s {
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => s.parse().map_err(|_| ()),
    }
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
