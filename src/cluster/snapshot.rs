//! Configuration snapshots, pure: an object cleaned so it re-applies (no status, no
//! server-set metadata, no generated noise), a Secret redacted to keyed digests, and the
//! difference between two snapshots (objects added, removed, changed with field paths).

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The annotation a redacted Secret carries (its values are digests, not data).
pub const REDACTED_ANNOTATION: &str = "kubechat-ops.io/redacted";

/// Metadata the API server sets: never re-applied.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Annotations controllers and kubectl write: noise in a snapshot.
const NOISY_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "rollout.argoproj.io/revision",
];

/// Whether an object is made by a controller (it has an owner): re-applying its owner
/// makes it again, so a snapshot leaves it out (Pods, ReplicaSets, Jobs of CronJobs, …).
pub fn is_generated(obj: &Value) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|o| !o.is_empty())
        || obj["metadata"]["name"] == "kube-root-ca.crt"
}

/// The object as it would be applied: no status, no server-set metadata, no noisy
/// annotations, no allocated Service IPs.
pub fn clean(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(map) = o.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = o["metadata"].as_object_mut() {
        for k in SERVER_METADATA {
            meta.remove(*k);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            for k in NOISY_ANNOTATIONS {
                a.remove(*k);
            }
        }
        if meta
            .get("annotations")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            meta.remove("annotations");
        }
    }
    if o["kind"] == "Service" {
        if let Some(spec) = o["spec"].as_object_mut() {
            for k in ["clusterIP", "clusterIPs"] {
                spec.remove(k);
            }
        }
    }
    o
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key a Secret's values are digested under: random, made once per machine (the data
/// dir), never written into a snapshot — so two snapshots taken on one machine digest a
/// value alike (a diff shows a change), while a digest cannot be brute-forced back to a
/// short password without the key. Its `id` (not the key) names it in the manifest.
#[derive(Clone, PartialEq, Eq)]
pub struct DigestKey([u8; 32]);

impl std::fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DigestKey({})", self.id())
    }
}

impl DigestKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; 32]) -> DigestKey {
        DigestKey(bytes)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Names the key without revealing it: the first 8 bytes of its SHA-256, in hex.
    pub fn id(&self) -> String {
        hex(&Sha256::digest(self.0)[..8])
    }

    /// "hmac-sha256:<hex>" of a value under this key.
    pub fn digest(&self, value: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(value.as_bytes());
        format!("hmac-sha256:{}", hex(&mac.finalize().into_bytes()))
    }
}

/// A Secret with every value replaced by its keyed digest: the keys stay, so a diff still
/// shows a change, but nothing can be read back. Marked with [`REDACTED_ANNOTATION`], whose
/// value names the digest and the key's id ("hmac-sha256:<id>").
pub fn redact_secret(secret: &Value, key: &DigestKey) -> Value {
    let mut s = secret.clone();
    for field in ["data", "stringData"] {
        if let Some(map) = s[field].as_object_mut() {
            for v in map.values_mut() {
                *v = Value::String(key.digest(v.as_str().unwrap_or_default()));
            }
        }
    }
    if s["metadata"].is_object() {
        s["metadata"]["annotations"][REDACTED_ANNOTATION] =
            Value::String(format!("hmac-sha256:{}", key.id()));
    }
    s
}

/// Whether a Secret in a snapshot was redacted.
pub fn is_redacted(obj: &Value) -> bool {
    obj["metadata"]["annotations"][REDACTED_ANNOTATION].is_string()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SnapshotDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ChangedObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedObject {
    pub object: String,
    /// The field paths that differ ("spec.replicas", "data.password").
    pub paths: Vec<String>,
}

impl SnapshotDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    pub fn render_text(&self) -> String {
        if self.is_empty() {
            return "no difference\n".into();
        }
        let mut out = String::new();
        for a in &self.added {
            out.push_str(&format!("+ {a}\n"));
        }
        for r in &self.removed {
            out.push_str(&format!("- {r}\n"));
        }
        for c in &self.changed {
            out.push_str(&format!("~ {}: {}\n", c.object, c.paths.join(", ")));
        }
        out.push_str(&format!(
            "{} added, {} removed, {} changed\n",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        ));
        out
    }
}

/// Objects (by their name in the snapshot, e.g. "namespace/deployments/web") added,
/// removed and changed from `a` to `b`.
pub fn diff(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> SnapshotDiff {
    let mut d = SnapshotDiff::default();
    for (name, old) in a {
        match b.get(name) {
            None => d.removed.push(name.clone()),
            Some(new) => {
                let mut paths = Vec::new();
                field_diff(old, new, "", &mut paths);
                if !paths.is_empty() {
                    d.changed.push(ChangedObject {
                        object: name.clone(),
                        paths,
                    });
                }
            }
        }
    }
    d.added = b.keys().filter(|k| !a.contains_key(*k)).cloned().collect();
    d
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn field_diff(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = join(path, k);
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => field_diff(u, v, &p, out),
                    _ => out.push(p),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                field_diff(u, v, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(if path.is_empty() {
            ".".into()
        } else {
            path.into()
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cleaned_objects_keep_what_re_applies() {
        let o = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "uid": "u", "resourceVersion": "9", "creationTimestamp": "t",
                "managedFields": [{}], "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                "labels": {"app": "web"}},
            "spec": {"clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"], "ports": [{"port": 80}]},
            "status": {"loadBalancer": {}}});
        assert_eq!(
            clean(&o),
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {"ports": [{"port": 80}]}})
        );
        assert!(is_generated(
            &json!({"metadata": {"ownerReferences": [{"name": "x"}]}})
        ));
    }

    #[test]
    fn secrets_keep_keys_and_lose_values() {
        let key = DigestKey::from_bytes([7; 32]);
        let s = json!({"kind": "Secret", "metadata": {"name": "pg"},
            "data": {"password": "c2VjcmV0LXZhbHVl"}, "stringData": {"token": "plain-token"}});
        let r = redact_secret(&s, &key);
        let text = r.to_string();
        assert!(!text.contains("c2VjcmV0LXZhbHVl") && !text.contains("plain-token"));
        assert_eq!(r["data"]["password"], json!(key.digest("c2VjcmV0LXZhbHVl")));
        assert!(is_redacted(&r));
        assert_eq!(
            r["metadata"]["annotations"][REDACTED_ANNOTATION],
            json!(format!("hmac-sha256:{}", key.id()))
        );
    }

    #[test]
    fn digests_are_keyed() {
        let (a, b) = (
            DigestKey::from_bytes([1; 32]),
            DigestKey::from_bytes([2; 32]),
        );
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?")
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // one key: the same value digests alike, a changed one differently
        assert_eq!(a.digest("hunter2"), a.digest("hunter2"));
        assert_ne!(a.digest("hunter2"), a.digest("hunter3"));
        // another key, or no key: nothing in common (a dictionary of SHA-256 does not help)
        assert_ne!(a.digest("hunter2"), b.digest("hunter2"));
        let plain = hex(&Sha256::digest(b"hunter2"));
        assert!(!a.digest("hunter2").contains(&plain));
        // the id names the key without showing it
        assert_eq!(a.id().len(), 16);
        assert_ne!(a.id(), b.id());
        assert!(!format!("{a:?}").contains(&hex(a.bytes())));
    }

    #[test]
    fn diff_names_objects_and_field_paths() {
        let a = BTreeMap::from([
            (
                "namespace/deployments/web".to_string(),
                json!({"spec": {"replicas": 3, "x": [1, 2]}}),
            ),
            ("namespace/configmaps/old".to_string(), json!({})),
        ]);
        let b = BTreeMap::from([
            (
                "namespace/deployments/web".to_string(),
                json!({"spec": {"replicas": 5, "x": [1, 3], "y": 1}}),
            ),
            ("namespace/configmaps/new".to_string(), json!({})),
        ]);
        let d = diff(&a, &b);
        assert_eq!(d.added, vec!["namespace/configmaps/new"]);
        assert_eq!(d.removed, vec!["namespace/configmaps/old"]);
        assert_eq!(
            d.changed[0].paths,
            vec!["spec.replicas", "spec.x[1]", "spec.y"]
        );
        assert!(diff(&a, &a).is_empty());
        assert!(d
            .render_text()
            .contains("~ namespace/deployments/web: spec.replicas"));
    }
}
