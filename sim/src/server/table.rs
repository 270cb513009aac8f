//! `meta.k8s.io/v1` Table output: what `kubectl get` prints. The columns per kind live in
//! [`super::columns`]; this module assembles rows and the row objects.

use jiff::Timestamp;
use serde_json::{json, Value};

use super::column::{age, Column};
use super::columns;
use super::request::IncludeObject;
use crate::resources::Resource;
use crate::store::{PodFacts, Stored};

/// The time a Table's ages are taken at: Events are stamped with wall-clock time
/// (`events.rs`), every other object with the simulated clock's.
pub fn now_for(res: &Resource, clock: &crate::clock::SimClock) -> Timestamp {
    if res.plural == "events" {
        clock.wall_now()
    } else {
        clock.now()
    }
}

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
    write_head(out, &cols, resource_version, continue_token);
    for (i, obj) in objects.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_row(out, &cols, obj, now, include);
    }
    out.extend_from_slice(b"]}");
}

/// The Table of a list as stored: packed pods' rows come from their [`PodFacts`] and
/// stored metadata, without parsing the pods (a Table of 10,000 pods is what
/// `kubectl get pods -A` asks for); other objects are parsed as for [`write_table`].
pub fn table_bytes_stored(
    res: &Resource,
    items: &[Stored],
    now: Timestamp,
    include: IncludeObject,
    resource_version: Option<String>,
    continue_token: Option<String>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + items.len() * 256);
    let cols = columns::for_resource(res);
    write_head(&mut out, &cols, resource_version, continue_token);
    let pods = res.group.is_empty() && res.plural == "pods";
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match (item.pod_facts(), item.metadata_json()) {
            (Some(facts), Some(metadata)) if pods => {
                write_pod_row(&mut out, facts, metadata, item, now, include)
            }
            _ => write_row(&mut out, &cols, &item.value(), now, include),
        }
    }
    out.extend_from_slice(b"]}");
    out
}

/// One pod's row from its facts: the cells of `cells::pod_columns`, in order.
fn write_pod_row(
    out: &mut Vec<u8>,
    facts: &PodFacts,
    metadata: &[u8],
    item: &Stored,
    now: Timestamp,
    include: IncludeObject,
) {
    let row = &facts.table;
    let or_none = |v: &str| {
        if v.is_empty() {
            "<none>".to_string()
        } else {
            v.to_string()
        }
    };
    let last = row.last_restart.as_deref().map(|t| json!(t));
    let created = json!(facts.creation_timestamp.as_ref());
    let cells = json!([
        facts.name.as_ref(),
        format!("{}/{}", row.ready_containers, row.containers),
        row.status.as_ref(),
        super::cells::restarts_cell(row.restarts, last.as_ref(), now),
        age(
            Some(&created).filter(|_| !facts.creation_timestamp.is_empty()),
            now
        ),
        or_none(&row.pod_ip),
        or_none(&row.node),
        or_none(&row.nominated_node),
        "<none>",
    ]);
    out.extend_from_slice(br#"{"cells":"#);
    let _ = serde_json::to_writer(&mut *out, &cells);
    match include {
        IncludeObject::None => {}
        IncludeObject::Object => {
            out.extend_from_slice(br#","object":"#);
            item.write_json(out);
        }
        IncludeObject::Metadata => {
            out.extend_from_slice(
                br#","object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":"#,
            );
            out.extend_from_slice(metadata);
            out.push(b'}');
        }
    }
    out.push(b'}');
}

/// `{"kind":"Table",...,"rows":[` with the column definitions.
fn write_head(
    out: &mut Vec<u8>,
    cols: &[Column],
    resource_version: Option<String>,
    continue_token: Option<String>,
) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use std::sync::Arc;

    fn pods() -> Vec<Value> {
        vec![
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "a", "namespace": "ns", "creationTimestamp": "2026-11-28T10:00:00Z", "labels": {"app": "x"}},
                "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}, {"name": "d", "image": "i"}]},
                "status": {"phase": "Running", "podIP": "10.0.0.1", "containerStatuses": [
                    {"name": "c", "ready": true, "restartCount": 3, "state": {"running": {}},
                     "lastState": {"terminated": {"exitCode": 137, "finishedAt": "2026-11-28T10:20:00Z"}}},
                    {"name": "d", "ready": false, "restartCount": 1,
                     "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                     "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-28T10:25:00Z"}}}]}}),
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "b", "namespace": "ns", "creationTimestamp": "2026-11-28T09:00:00Z",
                    "deletionTimestamp": "2026-11-28T10:29:00Z"},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
                "status": {"phase": "Pending", "nominatedNodeName": "n2"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "namespace": "ns"}, "spec": {}}),
        ]
    }

    #[test]
    fn pod_rows_from_facts_are_the_rows_from_the_parsed_pods() {
        let res = resources::core("pods");
        let now: Timestamp = "2026-11-28T10:30:00Z".parse().unwrap();
        let values = pods();
        let stored: Vec<Stored> = values
            .iter()
            .map(|p| Stored::new(res, Arc::new(p.clone())))
            .collect();
        assert!(stored.iter().all(|s| s.pod_facts().is_some()));
        let refs: Vec<&Value> = values.iter().collect();
        for include in [
            IncludeObject::None,
            IncludeObject::Metadata,
            IncludeObject::Object,
        ] {
            let parsed = table_bytes(res, &refs, now, include, Some("7".into()), None);
            let fast = table_bytes_stored(res, &stored, now, include, Some("7".into()), None);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(parsed).unwrap()
            );
        }
    }
}
