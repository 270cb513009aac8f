//! `meta.k8s.io/v1` Table output: what `kubectl get` prints. The columns per kind live in
//! [`super::columns`]; this module assembles rows, the row objects and ages.

use jiff::Timestamp;
use serde_json::{json, Value};

use super::columns::{self, Column};
use super::request::IncludeObject;
use crate::resources::Resource;

/// Writes a Table for `objects` (a list, a single get, or one watch event) into `out`,
/// row by row, without building the whole Table in memory.
pub fn write_table(
    out: &mut Vec<u8>,
    res: &Resource,
    objects: &[&Value],
    now: Timestamp,
    include: IncludeObject,
    resource_version: Option<String>,
    continue_token: Option<String>,
) {
    let cols = columns::for_resource(res);
    let defs: Vec<Value> = cols
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.kind,
                "format": c.format,
                "description": c.description,
                "priority": c.priority,
            })
        })
        .collect();
    let mut meta = json!({});
    if let Some(rv) = resource_version {
        meta["resourceVersion"] = json!(rv);
    }
    if let Some(c) = continue_token {
        meta["continue"] = json!(c);
    }
    out.extend_from_slice(br#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":"#);
    let _ = serde_json::to_writer(&mut *out, &meta);
    out.extend_from_slice(br#","columnDefinitions":"#);
    let _ = serde_json::to_writer(&mut *out, &defs);
    out.extend_from_slice(br#","rows":["#);
    for (i, obj) in objects.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_row(out, &cols, obj, now, include);
    }
    out.extend_from_slice(b"]}");
}

/// The Table for `objects` as a JSON body.
pub fn table_bytes(
    res: &Resource,
    objects: &[&Value],
    now: Timestamp,
    include: IncludeObject,
    resource_version: Option<String>,
    continue_token: Option<String>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + objects.len() * 256);
    write_table(
        &mut out,
        res,
        objects,
        now,
        include,
        resource_version,
        continue_token,
    );
    out
}

fn write_row(
    out: &mut Vec<u8>,
    cols: &[Column],
    obj: &Value,
    now: Timestamp,
    include: IncludeObject,
) {
    let cells: Vec<Value> = cols.iter().map(|c| (c.cell)(obj, now)).collect();
    out.extend_from_slice(br#"{"cells":"#);
    let _ = serde_json::to_writer(&mut *out, &cells);
    match include {
        IncludeObject::None => {}
        IncludeObject::Object => {
            out.extend_from_slice(br#","object":"#);
            let _ = serde_json::to_writer(&mut *out, obj);
        }
        IncludeObject::Metadata => {
            out.extend_from_slice(
                br#","object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":"#,
            );
            let _ = serde_json::to_writer(&mut *out, &obj["metadata"]);
            out.push(b'}');
        }
    }
    out.push(b'}');
}

/// Kubernetes' `HumanDuration` (apimachinery/pkg/util/duration).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let s = seconds.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let minutes = s / 60;
    if minutes < 10 {
        let rem = s % 60;
        return if rem == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rem}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = s / 3600;
    if hours < 8 {
        let rem = minutes % 60;
        return if rem == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rem}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let rem = hours % 24;
        return if rem == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{rem}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    let years = hours / 24 / 365;
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{days}d")
        };
    }
    format!("{years}y")
}

/// Age of an RFC 3339 timestamp at `now`, `<unknown>` when missing or malformed.
pub fn age(ts: Option<&Value>, now: Timestamp) -> String {
    let Some(t) = ts
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
    else {
        return "<unknown>".into();
    };
    human_duration(now.duration_since(t).as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_kubectl() {
        let cases = [
            (5, "5s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600 + 60, "3h1m"),
            (9 * 3600, "9h"),
            (50 * 3600, "2d2h"),
            (10 * 86400, "10d"),
            (800 * 86400, "2y70d"),
        ];
        for (s, want) in cases {
            assert_eq!(human_duration(s), want, "{s}");
        }
    }
}
