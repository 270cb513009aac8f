//! How stored objects are presented per served resource: `events.k8s.io/v1` Events are the
//! stored core Events converted (and written back converted), Secrets' `stringData`
//! becomes base64 `data` on write, as the real API server does.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::resources::{self, Resource};
use crate::store::Obj;

fn is_events_v1(res: &Resource) -> bool {
    res.group == "events.k8s.io"
}

/// Whether the resource serves its stored objects as they are (so their stored JSON can be
/// sent without parsing).
pub fn serves_as_stored(res: &Resource) -> bool {
    !is_events_v1(res)
}

/// The collection an API resource is stored in.
pub fn storage_of(res: &'static Resource) -> &'static Resource {
    if is_events_v1(res) {
        resources::core("events")
    } else {
        res
    }
}

/// The stored object as the resource serves it.
pub fn present(res: &Resource, obj: &Obj) -> Obj {
    if is_events_v1(res) {
        Arc::new(core_event_to_v1(obj))
    } else {
        obj.clone()
    }
}

/// An incoming body, converted to how it is stored.
pub fn to_storage(res: &Resource, mut body: Value) -> Value {
    if is_events_v1(res) {
        return v1_event_to_core(&body);
    }
    if res.group.is_empty() && res.plural == "secrets" {
        secret_string_data(&mut body);
    }
    body
}

const RENAMES: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("count", "deprecatedCount"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("source", "deprecatedSource"),
];
const SAME: &[&str] = &[
    "metadata",
    "reason",
    "type",
    "eventTime",
    "action",
    "series",
    "related",
    "reportingInstance",
];

fn core_event_to_v1(e: &Value) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!("events.k8s.io/v1"));
    out.insert("kind".into(), json!("Event"));
    for (core, v1) in RENAMES {
        if let Some(v) = e.get(*core).filter(|v| !v.is_null()) {
            out.insert((*v1).into(), v.clone());
        }
    }
    for key in SAME {
        if let Some(v) = e.get(*key).filter(|v| !v.is_null()) {
            out.insert((*key).into(), v.clone());
        }
    }
    let controller = e["reportingComponent"]
        .as_str()
        .filter(|s| !s.is_empty())
        .or(e["source"]["component"].as_str())
        .unwrap_or("");
    out.insert("reportingController".into(), json!(controller));
    if !out.contains_key("eventTime") {
        out.insert("eventTime".into(), Value::Null);
    }
    Value::Object(out)
}

fn v1_event_to_core(e: &Value) -> Value {
    let mut out = Map::new();
    for (core, v1) in RENAMES {
        if let Some(v) = e.get(*v1) {
            out.insert((*core).into(), v.clone());
        }
    }
    for key in SAME {
        if let Some(v) = e.get(*key) {
            out.insert((*key).into(), v.clone());
        }
    }
    if let Some(c) = e.get("reportingController") {
        out.insert("reportingComponent".into(), c.clone());
    }
    Value::Object(out)
}

fn secret_string_data(body: &mut Value) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    let Some(Value::Object(string_data)) = map.remove("stringData") else {
        return;
    };
    let data = map.entry("data").or_insert_with(|| json!({}));
    if !data.is_object() {
        *data = json!({});
    }
    for (k, v) in string_data {
        data[k.as_str()] = json!(base64(v.as_str().unwrap_or("").as_bytes()));
    }
}

/// Standard base64 with padding.
pub fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"hunter2"), "aHVudGVyMg==");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn events_round_trip_between_versions() {
        let core = json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p"}, "message": "m", "reason": "BackOff", "type": "Warning", "count": 3, "source": {"component": "kubelet"}});
        let v1 = core_event_to_v1(&core);
        assert_eq!(v1["regarding"]["name"], "p");
        assert_eq!(v1["note"], "m");
        assert_eq!(v1["reportingController"], "kubelet");
        let back = v1_event_to_core(&v1);
        assert_eq!(back["involvedObject"], core["involvedObject"]);
        assert_eq!(back["count"], 3);
    }
}
