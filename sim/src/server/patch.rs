//! PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) through the
//! `json-patch` crate, and strategic merge patch for the built-in kinds (lists of
//! containers, env, ports, volumes, ... merged by their key; `$patch`, `$retainKeys`,
//! `$setElementOrder`, `$deleteFromPrimitiveList` directives as kubectl sends them).

use serde_json::{Map, Value};

use crate::resources::Resource;
use crate::status::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    Merge,
    Json,
    Strategic,
    /// Server-side apply: applied as a merge of the sent fields (a simplification).
    Apply,
}

impl PatchKind {
    pub fn from_content_type(ct: &str) -> Result<PatchKind, ApiError> {
        match ct {
            "application/merge-patch+json" => Ok(PatchKind::Merge),
            "application/json-patch+json" => Ok(PatchKind::Json),
            "application/strategic-merge-patch+json" => Ok(PatchKind::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Ok(PatchKind::Apply),
            other => Err(ApiError::unsupported_media_type(format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {other:?})"
            ))),
        }
    }
}

/// Applies a patch body to `target` and returns the result.
pub fn apply(
    res: &Resource,
    kind: PatchKind,
    target: &Value,
    body: &[u8],
) -> Result<Value, ApiError> {
    let patch: Value = match kind {
        PatchKind::Apply => serde_yaml_ng::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?,
        _ => serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?,
    };
    let mut out = target.clone();
    match kind {
        PatchKind::Merge | PatchKind::Apply => {
            if !patch.is_object() {
                return Err(ApiError::bad_request("a merge patch must be a JSON object"));
            }
            json_patch::merge(&mut out, &patch);
        }
        PatchKind::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch)
                .map_err(|e| ApiError::bad_request(format!("the JSON patch is malformed: {e}")))?;
            json_patch::patch(&mut out, &ops).map_err(|e| ApiError {
                code: 422,
                reason: "Invalid",
                message: format!(
                    "the server rejected our request due to an error in our request: {e}"
                ),
                details: None,
            })?;
        }
        PatchKind::Strategic => {
            if res.is_custom() {
                return Err(ApiError::unsupported_media_type(
                    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                ));
            }
            if !patch.is_object() {
                return Err(ApiError::bad_request(
                    "a strategic merge patch must be a JSON object",
                ));
            }
            strategic_merge(&mut out, &patch, "");
        }
    }
    Ok(out)
}

/// The key list items of `field` merge on; None: the list is replaced.
fn merge_key(field: &str, item: &Value) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "volumeDevices" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "ports" if item.get("containerPort").is_some() => Some("containerPort"),
        "ports" => Some("port"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        _ => None,
    }
}

/// Lists of scalars that strategic merge unions instead of replacing.
fn is_merged_primitive_list(field: &str) -> bool {
    field == "finalizers"
}

pub fn strategic_merge(target: &mut Value, patch: &Value, _field: &str) {
    let Some(pmap) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if pmap.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut clean = pmap.clone();
        clean.remove("$patch");
        *target = Value::Object(clean);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let retain: Option<Vec<String>> =
        pmap.get("$retainKeys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            });
    for (key, value) in pmap {
        if key.starts_with("$setElementOrder/") || key == "$retainKeys" || key == "$patch" {
            continue;
        }
        let tmap = target.as_object_mut().expect("made an object above");
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(list), Some(gone)) = (
                tmap.get_mut(field).and_then(Value::as_array_mut),
                value.as_array(),
            ) {
                list.retain(|x| !gone.contains(x));
            }
            continue;
        }
        match value {
            Value::Null => {
                tmap.remove(key);
            }
            Value::Object(inner)
                if inner.get("$patch").and_then(Value::as_str) == Some("delete") =>
            {
                tmap.remove(key);
            }
            Value::Object(_) => {
                let slot = tmap.entry(key.clone()).or_insert(Value::Null);
                strategic_merge(slot, value, key);
            }
            Value::Array(items) => {
                let slot = tmap.entry(key.clone()).or_insert(Value::Array(Vec::new()));
                merge_list(slot, items, key);
            }
            other => {
                tmap.insert(key.clone(), other.clone());
            }
        }
    }
    if let (Some(keep), Some(tmap)) = (retain, target.as_object_mut()) {
        tmap.retain(|k, _| keep.contains(k));
    }
}

fn merge_list(target: &mut Value, items: &[Value], field: &str) {
    let replace = items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    let strip = |i: &Value| {
        let mut i = i.clone();
        if let Some(m) = i.as_object_mut() {
            m.remove("$patch");
        }
        i
    };
    if replace {
        *target = Value::Array(
            items
                .iter()
                .filter(|i| i.get("$patch").is_none())
                .map(strip)
                .collect(),
        );
        return;
    }
    if is_merged_primitive_list(field) {
        let list = target.as_array_mut();
        if let Some(list) = list {
            for i in items {
                if !list.contains(i) {
                    list.push(i.clone());
                }
            }
            return;
        }
    }
    let Some(key) = items.first().and_then(|first| merge_key(field, first)) else {
        *target = Value::Array(items.to_vec());
        return;
    };
    if !target.is_array() {
        *target = Value::Array(Vec::new());
    }
    let list = target.as_array_mut().expect("made an array above");
    for item in items {
        let id = item.get(key);
        let pos = list.iter().position(|t| id.is_some() && t.get(key) == id);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(p), true) => {
                list.remove(p);
            }
            (None, true) => {}
            (Some(p), false) => strategic_merge(&mut list[p], item, field),
            (None, false) => list.push(strip(item)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use serde_json::json;

    fn deploy() -> Value {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "a:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "side", "image": "s:1"}
        ]}}}})
    }

    #[test]
    fn strategic_merges_containers_and_env_by_name() {
        let res = resources::of("apps", "deployments");
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "a:2", "env": [{"name": "B", "$patch": "delete"}, {"name": "C", "value": "3"}]}
        ]}}}});
        let out = apply(
            res,
            PatchKind::Strategic,
            &deploy(),
            patch.to_string().as_bytes(),
        )
        .unwrap();
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs.as_array().unwrap().len(), 2);
        assert_eq!(cs[0]["image"], "a:2");
        assert_eq!(
            cs[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "C", "value": "3"}])
        );
        assert_eq!(cs[1]["image"], "s:1");
    }

    #[test]
    fn merge_patch_replaces_lists_and_json_patch_applies_ops() {
        let res = resources::of("apps", "deployments");
        let merged = apply(
            res,
            PatchKind::Merge,
            &deploy(),
            br#"{"spec":{"template":{"spec":{"containers":[{"name":"x"}]}}}}"#,
        )
        .unwrap();
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"],
            json!([{"name": "x"}])
        );
        let patched = apply(
            res,
            PatchKind::Json,
            &deploy(),
            br#"[{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"s:2"}]"#,
        )
        .unwrap();
        assert_eq!(
            patched["spec"]["template"]["spec"]["containers"][1]["image"],
            "s:2"
        );
        let err = apply(
            res,
            PatchKind::Json,
            &deploy(),
            br#"[{"op":"test","path":"/spec/x","value":1}]"#,
        )
        .unwrap_err();
        assert_eq!(err.code, 422);
    }

    #[test]
    fn retain_keys_and_strategic_on_custom_resources() {
        let res = resources::of("apps", "deployments");
        let target = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
        let out = apply(
            res,
            PatchKind::Strategic,
            &target,
            patch.to_string().as_bytes(),
        )
        .unwrap();
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
        let rollout = resources::of("argoproj.io", "rollouts");
        assert_eq!(
            apply(rollout, PatchKind::Strategic, &target, b"{}")
                .unwrap_err()
                .code,
            415
        );
    }
}
