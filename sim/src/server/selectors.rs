//! Label and field selectors, parsed as the API server parses them.
//!
//! Labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`.
//! Fields: `path=value`, `path==value`, `path!=value`, where `path` is a dotted path into
//! the object (`metadata.name`, `status.phase`, `involvedObject.kind`, ...).

use serde_json::Value;

use crate::status::ApiError;

#[derive(Debug, Clone, PartialEq)]
enum LabelOp {
    Eq(String),
    NotEq(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    NotExists,
    Gt(i64),
    Lt(i64),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<(String, LabelOp)>);

/// Splits on commas that are not inside parentheses.
fn split_terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn bad_label(sel: &str, why: &str) -> ApiError {
    ApiError::bad_request(format!("unable to parse requirement: found '{sel}', {why}"))
}

fn value_list(sel: &str, rest: &str) -> Result<Vec<String>, ApiError> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| bad_label(sel, "expected a parenthesised list of values"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        let mut reqs = Vec::new();
        for term in split_terms(s) {
            let req = if let Some(key) = term.strip_prefix('!') {
                (key.trim().to_string(), LabelOp::NotExists)
            } else if let Some((k, v)) = term.split_once("!=") {
                (k.trim().to_string(), LabelOp::NotEq(v.trim().to_string()))
            } else if let Some((k, v)) = term.split_once("==") {
                (k.trim().to_string(), LabelOp::Eq(v.trim().to_string()))
            } else if let Some((k, v)) = term.split_once('=') {
                (k.trim().to_string(), LabelOp::Eq(v.trim().to_string()))
            } else if let Some((k, v)) = term.split_once(" notin ") {
                (k.trim().to_string(), LabelOp::NotIn(value_list(term, v)?))
            } else if let Some((k, v)) = term.split_once(" in ") {
                (k.trim().to_string(), LabelOp::In(value_list(term, v)?))
            } else if let Some((k, v)) = term.split_once('>') {
                let n = v.trim().parse().map_err(|_| bad_label(term, "for 'gt', 'lt' operators, exactly one value is required and it must be an integer"))?;
                (k.trim().to_string(), LabelOp::Gt(n))
            } else if let Some((k, v)) = term.split_once('<') {
                let n = v.trim().parse().map_err(|_| bad_label(term, "for 'gt', 'lt' operators, exactly one value is required and it must be an integer"))?;
                (k.trim().to_string(), LabelOp::Lt(n))
            } else if term.contains(' ') || term.contains('(') {
                return Err(bad_label(
                    term,
                    "expected one of ['=', '==', '!=', 'in', 'notin']",
                ));
            } else {
                (term.to_string(), LabelOp::Exists)
            };
            if req.0.is_empty() {
                return Err(bad_label(term, "a label key is required"));
            }
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    /// From a `matchLabels` map (as in a Deployment's `spec.selector`).
    pub fn from_match_labels(labels: &Value) -> Self {
        LabelSelector(
            labels
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (k.clone(), LabelOp::Eq(v.as_str().unwrap_or("").to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, obj: &Value) -> bool {
        let labels = &obj["metadata"]["labels"];
        self.0.iter().all(|(key, op)| {
            let value = labels.get(key).and_then(Value::as_str);
            match op {
                LabelOp::Eq(v) => value == Some(v.as_str()),
                LabelOp::NotEq(v) => value != Some(v.as_str()),
                LabelOp::In(vs) => value.is_some_and(|x| vs.iter().any(|v| v == x)),
                LabelOp::NotIn(vs) => value.is_none_or(|x| vs.iter().all(|v| v != x)),
                LabelOp::Exists => value.is_some(),
                LabelOp::NotExists => value.is_none(),
                LabelOp::Gt(n) => value
                    .and_then(|x| x.parse::<i64>().ok())
                    .is_some_and(|x| x > *n),
                LabelOp::Lt(n) => value
                    .and_then(|x| x.parse::<i64>().ok())
                    .is_some_and(|x| x < *n),
            }
        })
    }
}

/// The selector string form of `matchLabels` (`a=b,c=d`), as Scale's status.selector.
pub fn match_labels_string(selector: &Value) -> String {
    let labels = selector.get("matchLabels").unwrap_or(selector);
    labels
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        let mut reqs = Vec::new();
        for term in split_terms(s) {
            let (path, equal, value) = if let Some((k, v)) = term.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = term.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = term.split_once('=') {
                (k, true, v)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{s}'; can't understand '{term}'"
                )));
            };
            reqs.push((path.trim().to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector(reqs))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(path, equal, value)| {
            let found = path
                .split('.')
                .try_fold(obj, |v, key| v.get(key))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            (found == *value) == *equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(labels: Value) -> Value {
        json!({"metadata": {"name": "p", "namespace": "ns", "labels": labels}, "status": {"phase": "Running"}})
    }

    #[test]
    fn every_label_operator() {
        let p = pod(json!({"app": "web", "tier": "front", "n": "5"}));
        let yes = [
            "app=web",
            "app==web",
            "app!=db",
            "app in (web, db)",
            "app notin (db)",
            "tier",
            "!missing",
            "n>3",
            "n<9",
            "app=web,tier in (front)",
        ];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(&p), "{s}");
        }
        let no = [
            "app=db",
            "app!=web",
            "app in (db)",
            "app notin (web,db)",
            "missing",
            "!tier",
            "n>5",
            "n<5",
        ];
        for s in no {
            assert!(!LabelSelector::parse(s).unwrap().matches(&p), "{s}");
        }
        assert_eq!(LabelSelector::parse("app in web").unwrap_err().code, 400);
    }

    #[test]
    fn kubectl_describe_finds_a_pods_events_by_name_namespace_kind_and_uid() {
        // what `kubectl describe pod` sends (SearchEvents: GetFieldSelector)
        let selector = FieldSelector::parse("involvedObject.kind=Pod,involvedObject.name=p,involvedObject.namespace=ns,involvedObject.uid=u-1").unwrap();
        let event = |name: &str, uid: &str| json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": name, "namespace": "ns", "uid": uid}});
        assert!(selector.matches(&event("p", "u-1")));
        assert!(
            !selector.matches(&event("p", "u-0")),
            "an earlier pod of the same name"
        );
        assert!(!selector.matches(&event("q", "u-1")));
    }

    #[test]
    fn field_selectors_follow_dotted_paths() {
        let p = pod(json!({}));
        assert!(FieldSelector::parse("metadata.name=p,status.phase!=Failed")
            .unwrap()
            .matches(&p));
        assert!(!FieldSelector::parse("metadata.namespace=other")
            .unwrap()
            .matches(&p));
        assert_eq!(FieldSelector::parse("nonsense").unwrap_err().code, 400);
    }
}
