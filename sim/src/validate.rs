//! What the API server refuses: every client write (create, update, patch after the patch
//! is applied) and every scenario object is checked here, and a refusal is the real
//! server's `422 Invalid` with one cause per field (`details.causes[].field`).
//!
//! - Typed fields: the object is decoded into its k8s-openapi type (built-in kinds) or a
//!   typed outline of the CRD's schema (custom kinds); serde's first error becomes the
//!   field path and the OpenAPI wording (`spec.replicas: Invalid value: "string":
//!   spec.replicas in body must be of type integer: "string"`).
//! - Names: DNS-1123 subdomains (labels for namespaces and services), label keys and values.
//! - Pod specs (pods and every template): containers present, each with a DNS-1123 label
//!   name (no duplicates) and an image.
//! - Workloads: Deployments, ReplicaSets (and Jobs with a selector) need a selector that
//!   matches their template's labels; replicas not negative.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::resources::Resource;
use crate::status::ApiError;

/// One refused field, as `k8s.io/apimachinery/pkg/util/validation/field.Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// `spec.template.spec.containers[0].image`
    pub field: String,
    pub kind: ErrorKind,
    /// The bad value as the server prints it (`"three"`, `3`, `map[string]string{...}`).
    pub value: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
    Required,
    Duplicate,
    NotSupported,
}

impl ErrorKind {
    fn text(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "Invalid value",
            ErrorKind::Required => "Required value",
            ErrorKind::Duplicate => "Duplicate value",
            ErrorKind::NotSupported => "Unsupported value",
        }
    }

    /// The `reason` of a Status cause.
    fn reason(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "FieldValueInvalid",
            ErrorKind::Required => "FieldValueRequired",
            ErrorKind::Duplicate => "FieldValueDuplicate",
            ErrorKind::NotSupported => "FieldValueNotSupported",
        }
    }
}

impl FieldError {
    pub fn invalid(field: impl Into<String>, value: String, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: ErrorKind::Invalid,
            value: Some(value),
            detail: detail.into(),
        }
    }

    fn required(field: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: ErrorKind::Required,
            value: None,
            detail: String::new(),
        }
    }

    /// The error without its field: a Status cause's `message`.
    pub fn body(&self) -> String {
        let mut s = self.kind.text().to_string();
        if let Some(v) = &self.value {
            s.push_str(": ");
            s.push_str(v);
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }

    /// The cause as the Status lists it.
    pub fn cause(&self) -> Value {
        serde_json::json!({"reason": self.kind.reason(), "message": self.body(), "field": self.field})
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// `422 Invalid` for `obj` of `res` when the API server would refuse it.
pub fn check(res: &Resource, obj: &Value) -> Result<(), ApiError> {
    let errors = validate(res, obj);
    if errors.is_empty() {
        return Ok(());
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    Err(ApiError::invalid_fields(res.kind, res.group, name, &errors))
}

/// Everything the API server would refuse in `obj`: a type error alone (the server stops
/// decoding there), else every validation error.
pub fn validate(res: &Resource, obj: &Value) -> Vec<FieldError> {
    if !obj.is_object() {
        return Vec::new();
    }
    if let Some(err) = typed(res, obj) {
        return vec![err];
    }
    let mut errors = Vec::new();
    metadata(res, obj, &mut errors);
    let spec = &obj["spec"];
    match (res.group, res.plural) {
        ("", "pods") => pod_spec(spec, "spec", &mut errors),
        ("apps", "deployments" | "replicasets") => {
            workload(spec, true, &mut errors);
        }
        ("batch", "jobs") => workload(spec, false, &mut errors),
        ("batch", "cronjobs") => {
            let job = &spec["jobTemplate"]["spec"];
            if job.is_object() {
                pod_template(
                    &job["template"],
                    "spec.jobTemplate.spec.template",
                    &mut errors,
                );
            }
        }
        ("argoproj.io", "rollouts") if spec["template"].is_object() => {
            pod_template(&spec["template"], "spec.template", &mut errors);
        }
        _ => {}
    }
    errors
}

// ---- typed fields -------------------------------------------------------------------

/// The first type error of `obj` decoded as its kind's type.
fn typed(res: &Resource, obj: &Value) -> Option<FieldError> {
    use k8s_openapi::api::{apps, batch, core, events, rbac};
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiext;
    let check: fn(&Value) -> Result<(), PathError> = match (res.group, res.plural) {
        ("", "namespaces") => decode::<core::v1::Namespace>,
        ("", "pods") => decode::<core::v1::Pod>,
        ("", "services") => decode::<core::v1::Service>,
        ("", "endpoints") => decode::<core::v1::Endpoints>,
        ("", "events") => decode::<core::v1::Event>,
        ("", "configmaps") => decode::<core::v1::ConfigMap>,
        ("", "secrets") => decode::<core::v1::Secret>,
        ("", "serviceaccounts") => decode::<core::v1::ServiceAccount>,
        ("", "nodes") => decode::<core::v1::Node>,
        ("", "persistentvolumeclaims") => decode::<core::v1::PersistentVolumeClaim>,
        ("apps", "deployments") => decode::<apps::v1::Deployment>,
        ("apps", "replicasets") => decode::<apps::v1::ReplicaSet>,
        ("batch", "cronjobs") => decode::<batch::v1::CronJob>,
        ("batch", "jobs") => decode::<batch::v1::Job>,
        ("events.k8s.io", "events") => decode::<events::v1::Event>,
        ("rbac.authorization.k8s.io", "roles") => decode::<rbac::v1::Role>,
        ("rbac.authorization.k8s.io", "rolebindings") => decode::<rbac::v1::RoleBinding>,
        ("rbac.authorization.k8s.io", "clusterroles") => decode::<rbac::v1::ClusterRole>,
        ("rbac.authorization.k8s.io", "clusterrolebindings") => {
            decode::<rbac::v1::ClusterRoleBinding>
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            decode::<apiext::CustomResourceDefinition>
        }
        ("argoproj.io", "rollouts") => decode::<Custom<RolloutSpec>>,
        ("postgresql.cnpg.io", "clusters") => decode::<Custom<CnpgClusterSpec>>,
        ("postgresql.cnpg.io", "backups") => decode::<Custom<CnpgBackupSpec>>,
        ("argoproj.io", _) => decode::<Custom<Value>>,
        _ => return None,
    };
    // Quantities may be written as numbers (`cpu: 1`): the server reads them as text.
    let mut fixed: Option<Value> = None;
    for _ in 0..64 {
        let current = fixed.as_ref().unwrap_or(obj);
        let err = match check(current) {
            Ok(()) => return None,
            Err(e) => e,
        };
        let value = at_path(current, &err.segments).cloned();
        match value {
            Some(Value::Number(n))
                if err.expects == "string" && is_quantity_path(&err.segments) =>
            {
                let mut copy = current.clone();
                if let Some(slot) = at_path_mut(&mut copy, &err.segments) {
                    *slot = Value::String(n.to_string());
                }
                fixed = Some(copy);
            }
            value => return Some(err.into_field_error(value.as_ref())),
        }
    }
    None
}

/// The outline of a custom resource the CRD's schema types.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Custom<S> {
    metadata: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>,
    spec: Option<S>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct RolloutSpec {
    replicas: Option<i32>,
    selector: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
    template: Option<k8s_openapi::api::core::v1::PodTemplateSpec>,
    min_ready_seconds: Option<i32>,
    revision_history_limit: Option<i32>,
    paused: Option<bool>,
    progress_deadline_seconds: Option<i32>,
    strategy: Option<serde_json::Map<String, Value>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct CnpgClusterSpec {
    instances: Option<i32>,
}

/// A CloudNativePG Backup: the Cluster it backs up (required by the CRD) and its method.
#[derive(Deserialize)]
#[allow(dead_code)]
struct CnpgBackupSpec {
    cluster: CnpgLocalRef,
    method: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct CnpgLocalRef {
    name: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// A decoding error: where, what serde expected (an OpenAPI type name), serde's words.
struct PathError {
    segments: Vec<Segment>,
    expects: &'static str,
    missing: Option<String>,
    message: String,
}

fn decode<T: DeserializeOwned>(obj: &Value) -> Result<(), PathError> {
    match serde_path_to_error::deserialize::<_, T>(obj) {
        Ok(_) => Ok(()),
        Err(e) => {
            let segments = e
                .path()
                .iter()
                .map(|s| match s {
                    serde_path_to_error::Segment::Seq { index } => Segment::Index(*index),
                    serde_path_to_error::Segment::Map { key }
                    | serde_path_to_error::Segment::Enum { variant: key } => {
                        Segment::Key(key.clone())
                    }
                    serde_path_to_error::Segment::Unknown => Segment::Key("?".into()),
                })
                .collect();
            let message = e.into_inner().to_string();
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
                .map(str::to_string);
            let expects = message
                .rsplit_once(", expected ")
                .map_or("", |(_, e)| openapi_type(e));
            Err(PathError {
                segments,
                expects,
                missing,
                message,
            })
        }
    }
}

impl PathError {
    fn into_field_error(self, value: Option<&Value>) -> FieldError {
        let field = field_path(&self.segments);
        if let Some(missing) = &self.missing {
            return FieldError::required(join(&field, missing));
        }
        match value {
            Some(v) if !self.expects.is_empty() => {
                let actual = json_type(v);
                FieldError::invalid(
                    field.clone(),
                    format!("{actual:?}"),
                    format!(
                        "{field} in body must be of type {}: {actual:?}",
                        self.expects
                    ),
                )
            }
            v => FieldError::invalid(
                field,
                v.map_or_else(|| "null".to_string(), go_value),
                self.message,
            ),
        }
    }
}

/// The OpenAPI type of what serde expected ("i32" → "integer", "struct X" → "object").
fn openapi_type(expected: &str) -> &'static str {
    let e = expected.trim();
    match e {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "an integer" => "integer",
        "f32" | "f64" | "a number" => "number",
        "a boolean" => "boolean",
        "a string" | "a borrowed string" | "a character" | "Quantity" | "Time" | "MicroTime"
        | "ByteString" => "string",
        "a sequence" => "array",
        "IntOrString" => "int-or-string",
        _ => "object",
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Keys with dots or slashes (labels, annotations, data) print as `[key]`, as the server
/// prints map keys.
fn field_path(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        match s {
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
            Segment::Key(k) if k.contains(['.', '/']) => out.push_str(&format!("[{k}]")),
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
        }
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn at_path<'a>(v: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    segments.iter().try_fold(v, |v, s| match s {
        Segment::Key(k) => v.get(k),
        Segment::Index(i) => v.get(i),
    })
}

fn at_path_mut<'a>(v: &'a mut Value, segments: &[Segment]) -> Option<&'a mut Value> {
    segments.iter().try_fold(v, |v, s| match s {
        Segment::Key(k) => v.get_mut(k),
        Segment::Index(i) => v.get_mut(i),
    })
}

/// A value in a map of quantities (requests, limits, capacity, ...) or a quantity field.
fn is_quantity_path(segments: &[Segment]) -> bool {
    let key = |i: usize| match segments.len().checked_sub(i).and_then(|j| segments.get(j)) {
        Some(Segment::Key(k)) => k.as_str(),
        _ => "",
    };
    matches!(
        key(2),
        "requests" | "limits" | "capacity" | "allocatable" | "hard" | "used" | "overhead"
    ) || matches!(key(1), "sizeLimit" | "storage")
}

/// A value as Go's `%#v` prints it in field errors (strings quoted, maps typed).
fn go_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Object(m) if m.values().all(Value::is_string) => {
            let entries: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k:?}:{:?}", v.as_str().unwrap_or("")))
                .collect();
            format!("map[string]string{{{}}}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

// ---- names and metadata -------------------------------------------------------------

const SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const KEY_NAME: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

fn alnum_ends(s: &str, ok_lower_only: bool) -> bool {
    let ok = |b: u8| {
        b.is_ascii_digit() || b.is_ascii_lowercase() || (!ok_lower_only && b.is_ascii_uppercase())
    };
    s.bytes().next().is_some_and(ok) && s.bytes().last().is_some_and(ok)
}

/// A DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub fn dns_label(s: &str) -> Option<&'static str> {
    if s.len() > 63 {
        return Some("must be no more than 63 characters");
    }
    let chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (!(chars && alnum_ends(s, true))).then_some(LABEL)
}

/// A DNS-1123 subdomain: labels joined by dots, at most 253 characters.
pub fn dns_subdomain(s: &str) -> Option<&'static str> {
    if s.len() > 253 {
        return Some("must be no more than 253 characters");
    }
    let ok = !s.is_empty()
        && s.split('.').all(|part| {
            part.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && alnum_ends(part, true)
        });
    (!ok).then_some(SUBDOMAIN)
}

fn label_name_part(s: &str) -> bool {
    s.len() <= 63
        && alnum_ends(s, false)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn qualified_name(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if let Some(why) = dns_subdomain(p) {
            return Some(format!("prefix part {why}"));
        }
    }
    if name.is_empty() {
        return Some("name part must be non-empty".into());
    }
    (!label_name_part(name)).then(|| KEY_NAME.to_string())
}

fn metadata(res: &Resource, obj: &Value, errors: &mut Vec<FieldError>) {
    let meta = &obj["metadata"];
    if let Some(name) = meta["name"].as_str().filter(|n| !n.is_empty()) {
        let label_named = res.group.is_empty() && matches!(res.plural, "namespaces" | "services");
        let why = if label_named {
            dns_label(name)
        } else {
            dns_subdomain(name)
        };
        if let Some(why) = why {
            errors.push(FieldError::invalid(
                "metadata.name",
                format!("{name:?}"),
                why,
            ));
        }
    }
    labels(&meta["labels"], "metadata.labels", errors);
    if let Some(annotations) = meta["annotations"].as_object() {
        for key in annotations.keys() {
            if let Some(why) = qualified_name(key) {
                errors.push(FieldError::invalid(
                    "metadata.annotations",
                    format!("{key:?}"),
                    why,
                ));
            }
        }
    }
}

fn labels(labels: &Value, field: &str, errors: &mut Vec<FieldError>) {
    let Some(labels) = labels.as_object() else {
        return;
    };
    for (key, value) in labels {
        if let Some(why) = qualified_name(key) {
            errors.push(FieldError::invalid(field, format!("{key:?}"), why));
        }
        let value = value.as_str().unwrap_or("");
        if value.len() > 63 {
            errors.push(FieldError::invalid(
                field,
                format!("{value:?}"),
                "must be no more than 63 characters",
            ));
        } else if !value.is_empty() && !label_name_part(value) {
            errors.push(FieldError::invalid(
                field,
                format!("{value:?}"),
                LABEL_VALUE,
            ));
        }
    }
}

// ---- pods and workloads --------------------------------------------------------------

fn pod_spec(spec: &Value, field: &str, errors: &mut Vec<FieldError>) {
    let containers = spec["containers"].as_array().filter(|c| !c.is_empty());
    if containers.is_none() {
        errors.push(FieldError::required(format!("{field}.containers")));
    }
    let mut seen: Vec<&str> = Vec::new();
    for list in ["initContainers", "containers"] {
        for (i, c) in spec[list].as_array().into_iter().flatten().enumerate() {
            let at = format!("{field}.{list}[{i}]");
            match c["name"].as_str().filter(|n| !n.is_empty()) {
                None => errors.push(FieldError::required(format!("{at}.name"))),
                Some(name) => {
                    if let Some(why) = dns_label(name) {
                        errors.push(FieldError::invalid(
                            format!("{at}.name"),
                            format!("{name:?}"),
                            why,
                        ));
                    } else if seen.contains(&name) {
                        errors.push(FieldError {
                            field: format!("{at}.name"),
                            kind: ErrorKind::Duplicate,
                            value: Some(format!("{name:?}")),
                            detail: String::new(),
                        });
                    }
                    seen.push(name);
                }
            }
            if c["image"].as_str().is_none_or(|i| i.trim().is_empty()) {
                errors.push(FieldError::required(format!("{at}.image")));
            }
        }
    }
}

fn pod_template(template: &Value, field: &str, errors: &mut Vec<FieldError>) {
    labels(
        &template["metadata"]["labels"],
        &format!("{field}.metadata.labels"),
        errors,
    );
    pod_spec(&template["spec"], &format!("{field}.spec"), errors);
}

/// Whether `selector` (a LabelSelector) selects `labels`.
fn selects(selector: &Value, labels: &Value) -> bool {
    let label = |k: &str| labels[k].as_str();
    let by_labels = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| label(k) == v.as_str());
    let by_exprs = selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|e| {
            let key = e["key"].as_str().unwrap_or("");
            let values: Vec<&str> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match e["operator"].as_str().unwrap_or("") {
                "In" => label(key).is_some_and(|v| values.contains(&v)),
                "NotIn" => label(key).is_none_or(|v| !values.contains(&v)),
                "Exists" => label(key).is_some(),
                "DoesNotExist" => label(key).is_none(),
                _ => false,
            }
        });
    by_labels && by_exprs
}

fn empty_selector(selector: &Value) -> bool {
    let n = |k: &str| {
        selector[k].as_object().map_or(0, |m| m.len()) + selector[k].as_array().map_or(0, Vec::len)
    };
    n("matchLabels") + n("matchExpressions") == 0
}

/// A Deployment's, ReplicaSet's or Job's selector, template and replicas.
fn workload(spec: &Value, selector_required: bool, errors: &mut Vec<FieldError>) {
    if let Some(r) = spec["replicas"].as_i64().filter(|r| *r < 0) {
        errors.push(FieldError::invalid(
            "spec.replicas",
            r.to_string(),
            "must be greater than or equal to 0",
        ));
    }
    let selector = &spec["selector"];
    let template_labels = &spec["template"]["metadata"]["labels"];
    if selector.is_null() {
        if selector_required {
            errors.push(FieldError::required("spec.selector"));
        }
    } else if empty_selector(selector) {
        if selector_required {
            errors.push(FieldError::invalid(
                "spec.selector",
                go_selector(selector),
                "empty selector is invalid for deployment",
            ));
        }
    } else if !selects(selector, template_labels) {
        errors.push(FieldError::invalid(
            "spec.template.metadata.labels",
            go_value(&labels_or_empty(template_labels)),
            "`selector` does not match template `labels`",
        ));
    }
    pod_template(&spec["template"], "spec.template", errors);
}

fn labels_or_empty(labels: &Value) -> Value {
    if labels.is_object() {
        labels.clone()
    } else {
        Value::Object(Default::default())
    }
}

/// `v1.LabelSelector{MatchLabels:map[string]string{...}, MatchExpressions:[]...}`
fn go_selector(selector: &Value) -> String {
    let labels = match selector["matchLabels"].as_object() {
        Some(_) => go_value(&selector["matchLabels"]),
        None => "map[string]string(nil)".into(),
    };
    format!("v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}")
}

/// Where a field error sits in a scenario document: the path as keys and indexes.
pub fn segments_of(field: &str) -> Vec<PathPart> {
    let mut out = Vec::new();
    let mut rest = field;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').unwrap_or(inner.len());
            let part = &inner[..end];
            out.push(match part.parse::<usize>() {
                Ok(i) => PathPart::Index(i),
                Err(_) => PathPart::Key(part.to_string()),
            });
            rest = inner.get(end + 1..).unwrap_or("");
        } else {
            let rest_trimmed = rest.trim_start_matches('.');
            let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
            out.push(PathPart::Key(rest_trimmed[..end].to_string()));
            rest = &rest_trimmed[end..];
        }
        rest = rest.trim_start_matches('.');
    }
    out
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    Key(String),
    Index(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use serde_json::json;

    fn deployment(replicas: Value, selector: Value, labels: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
            "spec": {"replicas": replicas, "selector": selector,
                "template": {"metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": 1, "memory": "1Gi"}}}]}}}})
    }

    fn messages(res: &Resource, obj: &Value) -> Vec<String> {
        validate(res, obj).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn type_errors_name_the_field_as_the_openapi_schema_does() {
        let d = resources::of("apps", "deployments");
        let obj = deployment(
            json!("three"),
            json!({"matchLabels": {"app": "x"}}),
            json!({"app": "x"}),
        );
        assert_eq!(
            messages(d, &obj),
            vec![
                r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#
            ]
        );
        let mut obj = deployment(
            json!(3),
            json!({"matchLabels": {"app": "x"}}),
            json!({"app": "x"}),
        );
        obj["spec"]["template"]["spec"]["containers"][0]["ports"] =
            json!([{"containerPort": "http"}]);
        assert_eq!(
            messages(d, &obj),
            vec![
                r#"spec.template.spec.containers[0].ports[0].containerPort: Invalid value: "string": spec.template.spec.containers[0].ports[0].containerPort in body must be of type integer: "string""#
            ]
        );
        // A valid one (a numeric cpu quantity is fine).
        let ok = deployment(
            json!(3),
            json!({"matchLabels": {"app": "x"}}),
            json!({"app": "x"}),
        );
        assert_eq!(messages(d, &ok), Vec::<String>::new());
    }

    #[test]
    fn selectors_must_match_the_template() {
        let d = resources::of("apps", "deployments");
        let obj = deployment(
            json!(1),
            json!({"matchLabels": {"app": "x"}}),
            json!({"app": "y", "tier": "web"}),
        );
        assert_eq!(
            messages(d, &obj),
            vec![
                r#"spec.template.metadata.labels: Invalid value: map[string]string{"app":"y", "tier":"web"}: `selector` does not match template `labels`"#
            ]
        );
        let mut obj = deployment(
            json!(1),
            json!({"matchLabels": {"app": "x"}}),
            json!({"app": "x"}),
        );
        obj["spec"].as_object_mut().unwrap().remove("selector");
        assert_eq!(messages(d, &obj), vec!["spec.selector: Required value"]);
    }

    #[test]
    fn names_and_required_container_fields() {
        let pods = resources::core("pods");
        let pod = json!({"metadata": {"name": "Bad_Name", "labels": {"ok": "bad value!"}},
            "spec": {"containers": [{"name": "c"}, {"image": "i"}, {"name": "c", "image": "i"}]}});
        let got = messages(pods, &pod);
        assert!(got[0].starts_with(r#"metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of"#), "{got:?}");
        assert!(
            got[1].starts_with(r#"metadata.labels: Invalid value: "bad value!": a valid label"#),
            "{got:?}"
        );
        assert_eq!(
            &got[2..],
            [
                "spec.containers[0].image: Required value",
                "spec.containers[1].name: Required value",
                r#"spec.containers[2].name: Duplicate value: "c""#,
            ]
        );
        let err = check(pods, &pod).unwrap_err();
        assert_eq!((err.code, err.reason), (422, "Invalid"));
        let causes = &err.details.as_ref().unwrap()["causes"];
        assert_eq!(causes[2]["field"], "spec.containers[0].image");
        assert_eq!(causes[2]["reason"], "FieldValueRequired");
    }

    #[test]
    fn field_paths_split_back_into_keys_and_indexes() {
        assert_eq!(
            segments_of("spec.containers[0].resources[app.io/x]"),
            vec![
                PathPart::Key("spec".into()),
                PathPart::Key("containers".into()),
                PathPart::Index(0),
                PathPart::Key("resources".into()),
                PathPart::Key("app.io/x".into()),
            ]
        );
    }
}
