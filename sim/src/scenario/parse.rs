//! Reading scenario YAML: the header document, the objects (in `objects:` or as further
//! documents) and the timeline. Every problem becomes one error naming file, line and cause.

use std::time::Duration;

use kubechat_spec::parse_duration;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{Action, BadVersion, MemoryNeed, Scenario, TimedAction};
use crate::resources;

/// A scenario's parsed content, before it becomes a [`Scenario`].
pub(crate) struct Header {
    pub objects: Vec<Value>,
    pub timeline: Vec<TimedAction>,
    pub bad_images: Vec<String>,
    pub bad_versions: Vec<BadVersion>,
    pub memory_needs: Vec<MemoryNeed>,
    pub failing_cronjobs: Vec<String>,
    pub rps: f64,
    pub churn_per_sec: f64,
    pub permissions: super::Permissions,
}

pub(crate) const DEFAULT_RPS: f64 = 1200.0;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderDoc {
    #[serde(default)]
    name: Option<String>,
    /// A built-in scenario whose objects come first (objects here with the same
    /// apiVersion, kind, namespace and name replace them). Its timeline and faults are not
    /// inherited.
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    bad_images: Vec<String>,
    #[serde(default)]
    bad_versions: Vec<BadVersion>,
    #[serde(default)]
    memory_needs: Vec<MemoryNeed>,
    #[serde(default)]
    failing_cronjobs: Vec<String>,
    #[serde(default)]
    rps: Option<f64>,
    #[serde(default)]
    churn_per_sec: f64,
    #[serde(default)]
    timeline: Vec<TimelineEntry>,
    #[serde(default)]
    objects: Vec<KubeObject>,
    #[serde(default)]
    permissions: super::Permissions,
}

#[derive(Deserialize)]
struct TimelineEntry {
    at: DurationText,
    #[serde(flatten)]
    action: Action,
}

struct DurationText(Duration);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let text = match &v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(D::Error::custom(
                    "`at` must be a duration such as 30s or 2m",
                ))
            }
        };
        parse_duration(&text)
            .map(DurationText)
            .map_err(D::Error::custom)
    }
}

/// A Kubernetes object with apiVersion, kind and metadata.name of a kind the sim serves.
struct KubeObject(Value);

impl<'de> Deserialize<'de> for KubeObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Checked inside the mapping's visit, so the error carries the object's own line.
        struct ObjectVisitor;
        impl<'de> serde::de::Visitor<'de> for ObjectVisitor {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a Kubernetes object (a mapping with apiVersion, kind and metadata)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Value, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    out.insert(k, v);
                }
                let v = Value::Object(out);
                check_object(&v).map_err(A::Error::custom)?;
                Ok(v)
            }
        }
        d.deserialize_map(ObjectVisitor).map(KubeObject)
    }
}

fn check_object(v: &Value) -> Result<(), String> {
    if !v.is_object() {
        return Err("an object must be a mapping with apiVersion, kind and metadata".into());
    }
    let kind = v["kind"].as_str().unwrap_or("");
    let name = v["metadata"]["name"].as_str().unwrap_or("");
    let what = match (kind.is_empty(), name.is_empty()) {
        (false, false) => format!("{kind} {name:?}"),
        (false, true) => kind.to_string(),
        _ => "object".to_string(),
    };
    let Some(api_version) = v["apiVersion"].as_str().filter(|s| !s.is_empty()) else {
        return Err(format!("{what} has no apiVersion"));
    };
    if kind.is_empty() {
        return Err(format!("object {name:?} has no kind"));
    }
    if name.is_empty() {
        return Err(format!("{kind} has no metadata.name"));
    }
    if resources::by_kind(api_version, kind).is_none_or(|r| r.is_metrics()) {
        return Err(format!(
            "{what}: kind {kind} of {api_version} is not served by the simulated cluster"
        ));
    }
    Ok(())
}

/// Turns a YAML error into "FILE: line L, column C: PROBLEM".
fn located(source: &str, err: serde_yaml_ng::Error) -> anyhow::Error {
    let text = err.to_string();
    match err.location() {
        Some(loc) => {
            let suffix = format!(" at line {} column {}", loc.line(), loc.column());
            let problem = text.replace(&suffix, "");
            anyhow::anyhow!(
                "scenario {source}: line {}, column {}: {problem}",
                loc.line(),
                loc.column()
            )
        }
        None => anyhow::anyhow!("scenario {source}: {text}"),
    }
}

pub(super) fn parse(text: &str, source: &str, default_name: &str) -> anyhow::Result<Scenario> {
    let mut header: Option<HeaderDoc> = None;
    let mut extra = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        if header.is_none() {
            let parsed: Option<HeaderDoc> =
                Option::deserialize(doc).map_err(|e| located(source, e))?;
            header = Some(parsed.unwrap_or_else(empty_header));
        } else {
            let obj: Option<KubeObject> =
                Option::deserialize(doc).map_err(|e| located(source, e))?;
            extra.extend(obj.map(|o| o.0));
        }
    }
    let header = header.unwrap_or_else(empty_header);
    let mut own: Vec<Value> = header.objects.into_iter().map(|o| o.0).collect();
    let in_header = own.len();
    own.extend(extra);
    for (i, obj) in own.iter().enumerate() {
        let origin = if i < in_header {
            Origin::Header(i)
        } else {
            Origin::Document(i - in_header + 1)
        };
        validate_object(text, source, origin, obj)?;
    }
    let objects = match &header.base {
        Some(base) => {
            let text =
                super::builtin_text(base).filter(|_| base != default_name && base != "scale");
            let text = text.ok_or_else(|| {
                anyhow::anyhow!("scenario {source}: base {base:?} is not a built-in scenario (use one of default, bad-canary, bad-green, crashloop, oomkill, stale-backup)")
            })?;
            let base_scenario = parse(text, &format!("assets/scenarios/{base}.yaml"), base)?;
            merge(base_scenario.objects, own)
        }
        None => own,
    };
    if let Some(bad) = header
        .bad_versions
        .iter()
        .find(|b| !(0.0..=1.0).contains(&b.error_ratio) || b.latency_seconds < 0.0)
    {
        anyhow::bail!(
            "scenario {source}: bad_versions entry {:?}: error_ratio must be within 0..1 and latency_seconds not negative",
            bad.image
        );
    }
    let needs = header
        .memory_needs
        .iter()
        .chain(header.timeline.iter().filter_map(|e| match &e.action {
            Action::MemoryNeed(n) => Some(n),
            _ => None,
        }));
    for need in needs {
        if need.bytes().is_none() {
            anyhow::bail!(
                "scenario {source}: memory need of {:?}: working_set {:?} is not a quantity such as 470Mi",
                need.image,
                need.working_set
            );
        }
    }
    let mut timeline: Vec<TimedAction> = header
        .timeline
        .into_iter()
        .map(|e| TimedAction {
            at: e.at.0,
            action: e.action,
        })
        .collect();
    timeline.sort_by_key(|t| t.at);
    let parsed = Header {
        objects,
        timeline,
        bad_images: header.bad_images,
        bad_versions: header.bad_versions,
        memory_needs: header.memory_needs,
        failing_cronjobs: header.failing_cronjobs,
        rps: header.rps.unwrap_or(DEFAULT_RPS),
        churn_per_sec: header.churn_per_sec,
        permissions: header.permissions,
    };
    let name = header.name.unwrap_or_else(|| default_name.to_string());
    Ok(Scenario::new(name, source.to_string(), parsed))
}

fn identity(o: &Value) -> (Value, Value, Value, Value) {
    (
        o["apiVersion"].clone(),
        o["kind"].clone(),
        o["metadata"]["namespace"].clone(),
        o["metadata"]["name"].clone(),
    )
}

/// The base's objects with same-named ones replaced, then the new ones.
fn merge(base: Vec<Value>, own: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = base
        .into_iter()
        .map(|b| {
            let id = identity(&b);
            own.iter().find(|o| identity(o) == id).cloned().unwrap_or(b)
        })
        .collect();
    for o in own {
        let id = identity(&o);
        if !out.iter().any(|b| identity(b) == id) {
            out.push(o);
        }
    }
    out
}

fn empty_header() -> HeaderDoc {
    HeaderDoc {
        name: None,
        base: None,
        description: None,
        bad_images: Vec::new(),
        bad_versions: Vec::new(),
        memory_needs: Vec::new(),
        failing_cronjobs: Vec::new(),
        rps: None,
        churn_per_sec: 0.0,
        timeline: Vec::new(),
        objects: Vec::new(),
        permissions: super::Permissions::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, "bad.yaml", "bad").unwrap_err().to_string()
    }

    #[test]
    fn broken_yaml_names_file_and_line() {
        let e = err("name: x\nobjects:\n  - apiVersion: v1\n    kind: [unclosed\n");
        assert!(e.starts_with("scenario bad.yaml: line "), "{e}");
    }

    #[test]
    fn unknown_action_names_the_line_and_the_choices() {
        let e = err("timeline:\n  - at: 10s\n    action: set-image\n    target: deployment/a\n    image: x\n  - at: 20s\n    action: explode\n");
        assert!(e.contains("line 6") || e.contains("line 7"), "{e}");
        assert!(e.contains("explode"), "{e}");
    }

    #[test]
    fn object_without_kind_is_refused_with_its_line() {
        let e = err("objects:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - apiVersion: v1\n    metadata: {name: b}\n");
        assert!(e.contains("line "), "{e}");
        assert!(e.contains("\"b\" has no kind"), "{e}");
    }

    #[test]
    fn memory_needs_must_be_quantities() {
        let e = err("memory_needs:\n  - {image: api:1, working_set: lots}\n");
        assert!(e.contains("\"lots\" is not a quantity"), "{e}");
        let s = parse(
            "memory_needs:\n  - {image: api:1, working_set: 470Mi}\n",
            "m.yaml",
            "m",
        )
        .unwrap();
        assert_eq!(s.memory_need("registry/api:1"), Some(470.0 * 1048576.0));
        assert_eq!(s.memory_need("registry/api:2"), None);
    }

    #[test]
    fn later_documents_are_objects_and_timeline_is_sorted() {
        let s = parse(
            "name: t\ntimeline:\n  - {at: 2m, action: fail-backup}\n  - {at: 30s, action: switch-service, slot: green}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            "t.yaml",
            "t",
        )
        .unwrap();
        assert_eq!(s.objects.len(), 1);
        assert_eq!(s.timeline[0].at, Duration::from_secs(30));
        assert!(matches!(s.timeline[1].action, Action::FailBackup { .. }));
    }
}

/// Where an object is in a scenario file: `objects[i]` of the header document, or the
/// n-th document after it.
#[derive(Debug, Clone, Copy)]
enum Origin {
    Header(usize),
    Document(usize),
}

/// Refuses an object the API server would refuse (see [`crate::validate`]), with the line
/// of the offending field: "scenario FILE: line L: Deployment "x": spec.replicas: ...".
fn validate_object(text: &str, source: &str, origin: Origin, obj: &Value) -> anyhow::Result<()> {
    let api_version = obj["apiVersion"].as_str().unwrap_or("");
    let kind = obj["kind"].as_str().unwrap_or("");
    let Some(res) = resources::by_kind(api_version, kind) else {
        return Ok(());
    };
    // As the store would take it: relative times resolved, defaults applied.
    let mut written = obj.clone();
    super::resolve_relative_times(&mut written, jiff::Timestamp::UNIX_EPOCH);
    crate::server::defaults::apply(res, &mut written);
    let errors = crate::validate::validate(res, &written);
    let Some(first) = errors.first() else {
        return Ok(());
    };
    // The deepest part of the field's path the file has (a missing field: its parent).
    let mut path = crate::validate::segments_of(&first.field);
    while !path.is_empty() && !has_path(obj, &path) {
        path.pop();
    }
    let mut full = Vec::new();
    let doc = match origin {
        Origin::Header(i) => {
            full.push(PathPart::Key("objects".into()));
            full.push(PathPart::Index(i));
            0
        }
        Origin::Document(n) => n,
    };
    full.extend(path);
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    let line = line_of(text, doc, &full).map_or(String::new(), |l| format!("line {l}: "));
    anyhow::bail!("scenario {source}: {line}{kind} {name:?}: {first}")
}

use crate::validate::PathPart;

fn has_path(v: &Value, path: &[PathPart]) -> bool {
    path.iter()
        .try_fold(v, |v, p| match p {
            PathPart::Key(k) => v.get(k),
            PathPart::Index(i) => v.get(i),
        })
        .is_some()
}

/// The line where the node at `path` of document `doc` starts: the YAML is read again
/// and a probe stops with an error at that node, which the YAML reader locates.
fn line_of(text: &str, doc: usize, path: &[PathPart]) -> Option<usize> {
    use serde::de::DeserializeSeed;
    let document = serde_yaml_ng::Deserializer::from_str(text).nth(doc)?;
    let err = Probe(path).deserialize(document).err()?;
    err.location().map(|l| l.line())
}

/// Walks to the node at its path and fails there.
struct Probe<'p>(&'p [PathPart]);

const HERE: &str = "the node sought";

impl<'de> serde::de::DeserializeSeed<'de> for Probe<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Probe<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(HERE)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((PathPart::Key(want), rest)) = self.0.split_first() else {
            return Err(A::Error::custom(HERE));
        };
        while let Some(key) = map.next_key::<Value>()? {
            let key = match key {
                Value::String(s) => s,
                other => other.to_string(),
            };
            if &key == want {
                return map.next_value_seed(Probe(rest));
            }
            map.next_value::<serde::de::IgnoredAny>()?;
        }
        Err(A::Error::custom(HERE))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((PathPart::Index(want), rest)) = self.0.split_first() else {
            return Err(A::Error::custom(HERE));
        };
        for _ in 0..*want {
            seq.next_element::<serde::de::IgnoredAny>()?;
        }
        seq.next_element_seed(Probe(rest))?;
        Err(A::Error::custom(HERE))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom(HERE))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom(HERE))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom(HERE))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom(HERE))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom(HERE))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Err(E::custom(HERE))
    }
}

#[cfg(test)]
mod validation_tests {
    #[test]
    fn an_invalid_object_fails_the_load_naming_file_line_and_field() {
        let text = "name: t\nobjects:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: ok}\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: three\n      selector: {matchLabels: {app: web}}\n      template:\n        metadata: {labels: {app: web}}\n        spec:\n          containers: [{name: web, image: nginx}]\n";
        let Err(err) = super::parse(text, "t.yaml", "t") else {
            panic!("refused")
        };
        let err = err.to_string();
        assert_eq!(
            err,
            r#"scenario t.yaml: line 11: Deployment "web": spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#
        );
        let text = "name: t\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: other}\n    spec:\n      containers:\n        - name: web\n";
        let Err(err) = super::parse(text, "t.yaml", "t") else {
            panic!("refused")
        };
        let err = err.to_string();
        assert!(
            err.starts_with("scenario t.yaml: line 10: Deployment \"web\": spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match"),
            "{err}"
        );
    }
}
