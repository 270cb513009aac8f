//! `meta.k8s.io/v1` Table output: what `kubectl get` prints. The columns per kind live in
//! [`super::columns`]; this module assembles rows and the row objects.

use jiff::Timestamp;
use serde_json::{json, Value};

use super::column::Column;
use super::columns;
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
