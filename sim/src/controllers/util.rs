//! Small helpers the controllers share: reading fields, label selectors, owner references,
//! pod-template hashes, int-or-percent values and durations.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{json, Value};

pub use crate::store::controller_uid;

pub fn name(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

pub fn namespace(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or("")
}

pub fn uid(obj: &Value) -> &str {
    obj["metadata"]["uid"].as_str().unwrap_or("")
}

pub fn is_deleting(obj: &Value) -> bool {
    obj["metadata"].get("deletionTimestamp").is_some()
}

pub fn int(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .unwrap_or(0)
}

/// `spec.replicas` with the API default of 1.
pub fn spec_replicas(obj: &Value) -> i64 {
    obj["spec"]
        .get("replicas")
        .filter(|v| !v.is_null())
        .map_or(1, int)
}

pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj["metadata"]["annotations"][key].as_str()
}

/// The name of the controlling owner of the given kind.
pub fn owner_name<'a>(obj: &'a Value, kind: &str) -> Option<&'a str> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["kind"] == kind)
        .and_then(|r| r["name"].as_str())
}

/// An ownerReference with controller: true, as controllers set it.
pub fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// The ready pods behind a Service (what its endpoints would list): in its namespace,
/// matching its selector, Ready and not being deleted. None if there is no such Service; a
/// Service without a selector has none.
pub fn ready_backends(
    store: &crate::store::Store,
    ns: &str,
    service: &str,
) -> Option<Vec<std::sync::Arc<crate::store::PodFacts>>> {
    let svc = store.get(crate::resources::core("services"), ns, service)?;
    let selector = svc["spec"]["selector"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if selector.is_empty() {
        return Some(Vec::new());
    }
    Some(
        store
            .pods(Some(ns))
            .into_iter()
            .filter(|p| p.ready && !p.deleting)
            .filter(|p| {
                selector
                    .iter()
                    .all(|(k, v)| v.as_str().is_some_and(|v| p.label(k) == Some(v)))
            })
            .collect(),
    )
}

/// Whether `labels` satisfy a LabelSelector (`matchLabels` and `matchExpressions`).
/// An empty or missing selector matches nothing, as for workload controllers.
pub fn selector_matches(selector: &Value, labels: &Value) -> bool {
    let match_labels = selector["matchLabels"].as_object();
    let exprs = selector["matchExpressions"].as_array();
    if match_labels.is_none_or(|m| m.is_empty()) && exprs.is_none_or(|e| e.is_empty()) {
        return false;
    }
    let labels_ok = match_labels.is_none_or(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)));
    let exprs_ok = exprs.is_none_or(|exprs| {
        exprs.iter().all(|e| {
            let key = e["key"].as_str().unwrap_or("");
            let values: Vec<&str> = e["values"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let have = labels.get(key).and_then(Value::as_str);
            match e["operator"].as_str().unwrap_or("") {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => false,
            }
        })
    });
    labels_ok && exprs_ok
}

/// Whether `labels` satisfy a Service's plain `selector` map (empty matches nothing).
pub fn map_selector_matches(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The pod-template-hash of a pod template: FNV-1a of its JSON (without the hash label),
/// encoded with the alphabet Kubernetes uses, 10 characters or less.
pub fn template_hash(template: &Value) -> String {
    let mut template = template.clone();
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
        labels.remove("rollouts-pod-template-hash");
    }
    let text = serde_json::to_string(&template).unwrap_or_default();
    let mut hash: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let mut x = u64::from(hash);
    let mut out = String::new();
    loop {
        out.push(SAFE_ALPHABET[(x % SAFE_ALPHABET.len() as u64) as usize] as char);
        x /= SAFE_ALPHABET.len() as u64;
        if x == 0 {
            break;
        }
    }
    out
}

/// A template with the hash label removed, to compare with a Deployment's template.
pub fn strip_hash(template: &Value) -> Value {
    let mut template = template.clone();
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
        labels.remove("rollouts-pod-template-hash");
    }
    template
}

/// An int-or-percent field (`maxSurge: 25%`), resolved against `total`.
pub fn int_or_percent(v: &Value, total: i64, round_up: bool, default: &str) -> i64 {
    let text = match v {
        Value::Number(n) => return n.as_i64().unwrap_or(0).max(0),
        Value::String(s) => s.as_str(),
        _ => default,
    };
    match text.strip_suffix('%').map(str::parse::<f64>) {
        Some(Ok(pct)) => {
            let exact = pct * total as f64 / 100.0;
            let v = if round_up {
                exact.ceil()
            } else {
                exact.floor()
            };
            v.max(0.0) as i64
        }
        _ => text.parse().unwrap_or(0),
    }
}

/// A Kubernetes timestamp field read back.
pub fn timestamp(v: &Value) -> Option<Timestamp> {
    v.as_str()?.parse().ok()
}

/// Seconds from `since` to `now` (negative if `since` is later).
pub fn secs_since(now: Timestamp, since: Timestamp) -> f64 {
    now.duration_since(since).as_secs_f64()
}

/// Adds `by` to `ts`.
pub fn plus(ts: Timestamp, by: Duration) -> Timestamp {
    ts + jiff::SignedDuration::try_from(by).unwrap_or_default()
}

/// Sets `obj[key]` to `value`, or removes the key when `value` is null.
pub fn set_or_remove(obj: &mut Value, key: &str, value: Value) {
    if let Some(map) = obj.as_object_mut() {
        if value.is_null() {
            map.remove(key);
        } else {
            map.insert(key.to_string(), value);
        }
    }
}

/// Items grouped by their controlling owner's uid (as `owner` reads it), for O(1) lookups
/// in a pass.
pub fn by_owner<T: Clone>(
    items: &[T],
    owner: impl Fn(&T) -> Option<&str>,
) -> HashMap<String, Vec<T>> {
    let mut map: HashMap<String, Vec<T>> = HashMap::with_capacity(items.len() / 2);
    for item in items {
        if let Some(uid) = owner(item) {
            map.entry(uid.to_string()).or_default().push(item.clone());
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_or_percent_rounds_like_kubernetes() {
        assert_eq!(int_or_percent(&json!("25%"), 10, true, "25%"), 3);
        assert_eq!(int_or_percent(&json!("25%"), 10, false, "25%"), 2);
        assert_eq!(int_or_percent(&json!(2), 10, false, "25%"), 2);
        assert_eq!(int_or_percent(&Value::Null, 4, true, "25%"), 1);
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels = json!({"app": "a", "tier": "web"});
        assert!(selector_matches(
            &json!({"matchLabels": {"app": "a"}}),
            &labels
        ));
        assert!(!selector_matches(
            &json!({"matchLabels": {"app": "b"}}),
            &labels
        ));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]}),
            &labels
        ));
        assert!(!selector_matches(&json!({}), &labels));
    }

    #[test]
    fn template_hash_ignores_the_hash_label_and_follows_changes() {
        let a = json!({"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"image": "x:1"}]}});
        let mut b = a.clone();
        b["metadata"]["labels"]["pod-template-hash"] = json!("zzz");
        assert_eq!(template_hash(&a), template_hash(&b));
        b["spec"]["containers"][0]["image"] = json!("x:2");
        assert_ne!(template_hash(&a), template_hash(&b));
    }
}
