//! Binary operators between scalars and vectors: arithmetic, comparison (with `bool`),
//! `and`/`or`/`unless`, and one-to-one vector matching on identical labels, `on()` or
//! `ignoring()`, as Prometheus does it.

use std::collections::BTreeMap;

use promql_parser::parser::{BinaryExpr, LabelModifier, VectorMatchCardinality};

use super::tsdb::Labels;
use super::value::{drop_name, only, unsupported, without, EvalError, Result, Sample, Value};

pub fn is_comparison(op: &str) -> bool {
    matches!(op, "==" | "!=" | ">" | "<" | ">=" | "<=")
}

/// `a op b`: the value, and for comparisons whether it holds.
pub fn apply(op: &str, a: f64, b: f64) -> Result<(f64, bool)> {
    let bool_of = |c: bool| (if c { 1.0 } else { 0.0 }, c);
    Ok(match op {
        "+" => (a + b, true),
        "-" => (a - b, true),
        "*" => (a * b, true),
        "/" => (a / b, true),
        "%" => (a % b, true),
        "^" => (a.powf(b), true),
        "atan2" => (a.atan2(b), true),
        "==" => bool_of(a == b),
        "!=" => bool_of(a != b),
        ">" => bool_of(a > b),
        "<" => bool_of(a < b),
        ">=" => bool_of(a >= b),
        "<=" => bool_of(a <= b),
        other => return unsupported(format!("the operator {other}")),
    })
}

pub fn vector_scalar(
    op: &str,
    v: Vec<Sample>,
    s: f64,
    scalar_left: bool,
    return_bool: bool,
) -> Result<Value> {
    let cmp = is_comparison(op);
    let mut out = Vec::with_capacity(v.len());
    for x in v {
        let (a, b) = if scalar_left { (s, x.v) } else { (x.v, s) };
        let (value, keep) = apply(op, a, b)?;
        if cmp && return_bool {
            out.push(Sample {
                labels: drop_name(x.labels),
                v: if keep { 1.0 } else { 0.0 },
            });
        } else if cmp {
            if keep {
                out.push(x);
            }
        } else {
            out.push(Sample {
                labels: drop_name(x.labels),
                v: value,
            });
        }
    }
    Ok(Value::Vector(out))
}

/// The labels vector matching compares (`on`, `ignoring` or all but the name).
fn signature(labels: &Labels, bin: &BinaryExpr) -> Labels {
    match bin.modifier.as_ref().and_then(|m| m.matching.as_ref()) {
        Some(LabelModifier::Include(on)) => only(labels, &on.labels),
        Some(LabelModifier::Exclude(ign)) => drop_name(without(labels, &ign.labels)),
        None => drop_name(labels.clone()),
    }
}

pub fn vector_vector(
    op: &str,
    l: Vec<Sample>,
    r: Vec<Sample>,
    bin: &BinaryExpr,
    return_bool: bool,
) -> Result<Value> {
    if let Some(m) = &bin.modifier {
        if !matches!(m.card, VectorMatchCardinality::OneToOne) {
            return unsupported("group_left/group_right matching");
        }
    }
    let mut right: BTreeMap<Labels, f64> = BTreeMap::new();
    for s in &r {
        let sig = signature(&s.labels, bin);
        if right.insert(sig.clone(), s.v).is_some() {
            return Err(EvalError(format!(
                "found duplicate series for the match group {} on the right hand-side of the operation: many-to-many matching not allowed: matching labels must be unique on one side",
                show(&sig)
            )));
        }
    }
    let cmp = is_comparison(op);
    let mut seen: BTreeMap<Labels, ()> = BTreeMap::new();
    let mut out = Vec::new();
    for s in l {
        let sig = signature(&s.labels, bin);
        let Some(&rv) = right.get(&sig) else {
            continue;
        };
        if seen.insert(sig.clone(), ()).is_some() {
            return Err(EvalError(format!(
                "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right): {}",
                show(&sig)
            )));
        }
        let (value, keep) = apply(op, s.v, rv)?;
        if cmp && !return_bool && !keep {
            continue;
        }
        let mut labels = if cmp && !return_bool {
            s.labels
        } else {
            drop_name(s.labels)
        };
        match bin.modifier.as_ref().and_then(|m| m.matching.as_ref()) {
            Some(LabelModifier::Include(on)) => labels = only(&labels, &on.labels),
            Some(LabelModifier::Exclude(ign)) => labels = without(&labels, &ign.labels),
            None => {}
        }
        let v = if cmp && return_bool {
            if keep {
                1.0
            } else {
                0.0
            }
        } else if cmp {
            s.v
        } else {
            value
        };
        out.push(Sample { labels, v });
    }
    Ok(Value::Vector(out))
}

pub fn set_op(op: &str, l: Vec<Sample>, r: Vec<Sample>, bin: &BinaryExpr) -> Vec<Sample> {
    let right: Vec<Labels> = r.iter().map(|s| signature(&s.labels, bin)).collect();
    match op {
        "and" => l
            .into_iter()
            .filter(|s| right.contains(&signature(&s.labels, bin)))
            .collect(),
        "unless" => l
            .into_iter()
            .filter(|s| !right.contains(&signature(&s.labels, bin)))
            .collect(),
        _ => {
            let left: Vec<Labels> = l.iter().map(|s| signature(&s.labels, bin)).collect();
            let mut out = l;
            out.extend(
                r.into_iter()
                    .filter(|s| !left.contains(&signature(&s.labels, bin))),
            );
            out
        }
    }
}

fn show(labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", inner.join(", "))
}
