//! What a request to the REST API names: the resource, namespace, object, subresource
//! (parsed from the URL path) and the query parameters the handlers read.

use std::collections::HashMap;

use axum::http::HeaderMap;

use crate::resources::{self, Resource};
use crate::status::ApiError;

/// `/api/v1/namespaces/NS/pods/NAME/log` and friends, resolved.
#[derive(Debug, Clone)]
pub struct ApiPath {
    pub res: &'static Resource,
    /// None: all namespaces (or a cluster-scoped kind).
    pub ns: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
    /// What follows a `proxy` subresource ("" when nothing).
    pub rest: String,
}

/// Parses a REST path below `/api/v1` or `/apis/GROUP/VERSION`. `None` if the path is
/// not a resource path at all (the caller answers 404).
pub fn parse_path(path: &str) -> Result<ApiPath, ApiError> {
    let segs: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let (group, version, rest) = match segs.first().map(String::as_str) {
        Some("api") if segs.len() >= 2 => ("", segs[1].as_str(), &segs[2..]),
        Some("apis") if segs.len() >= 3 => (segs[1].as_str(), segs[2].as_str(), &segs[3..]),
        _ => return Err(not_found_path()),
    };
    let namespaced_path = rest.len() >= 3
        && rest[0] == "namespaces"
        && !(rest.len() == 3 && matches!(rest[2].as_str(), "status" | "finalize"));
    let (ns, rest) = if namespaced_path {
        (Some(rest[1].clone()), &rest[2..])
    } else {
        (None, rest)
    };
    let Some(plural) = rest.first() else {
        return Err(not_found_path());
    };
    let res = resources::find(group, plural)
        .filter(|r| r.version == version)
        .ok_or_else(not_found_path)?;
    if ns.is_some() && !res.namespaced {
        return Err(not_found_path());
    }
    let name = rest.get(1).cloned();
    let sub = rest.get(2).cloned();
    if let Some(sub) = &sub {
        if !res.subresources.contains(&sub.as_str()) {
            return Err(not_found_path());
        }
    }
    let tail = if rest.len() > 3 {
        rest[3..].join("/")
    } else {
        String::new()
    };
    if rest.len() > 3 && sub.as_deref() != Some("proxy") {
        return Err(not_found_path());
    }
    Ok(ApiPath {
        res,
        ns,
        name,
        sub,
        rest: tail,
    })
}

/// `%3A` → `:`; invalid escapes are kept as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The 404 of a path that names no resource. Its `details` are empty, not absent, as the
/// real server sends them: kubectl tells this 404 from an object's by the empty name (and
/// `kubectl debug` dereferences them).
pub fn not_found_path() -> ApiError {
    ApiError {
        code: 404,
        reason: "NotFound",
        message: "the server could not find the requested resource".into(),
        details: Some(serde_json::json!({})),
    }
}

/// The query parameters, last value wins.
#[derive(Debug, Default, Clone)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    pub fn parse(uri: &axum::http::Uri) -> Params {
        axum::extract::Query::<HashMap<String, String>>::try_from_uri(uri)
            .map(|q| Params(q.0))
            .unwrap_or_default()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }

    pub fn number(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!("{key}: invalid value {v:?}: must be a number"))
            }),
        }
    }
}

/// How the client wants objects rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// `Some` when the client asked for `meta.k8s.io` Table output.
pub fn table_request(headers: &HeaderMap, params: &Params) -> Option<IncludeObject> {
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let wants = accept.split(',').any(|part| {
        let part = part.replace(' ', "");
        part.contains("as=Table") && part.contains("g=meta.k8s.io")
    });
    if !wants {
        return None;
    }
    Some(match params.get("includeObject") {
        Some("None") => IncludeObject::None,
        Some("Object") => IncludeObject::Object,
        _ => IncludeObject::Metadata,
    })
}

pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_namespaced_object_and_subresource() {
        let p = parse_path("/apis/apps/v1/namespaces/ns/deployments/web/scale").unwrap();
        assert_eq!(p.res.kind, "Deployment");
        assert_eq!(p.ns.as_deref(), Some("ns"));
        assert_eq!(p.name.as_deref(), Some("web"));
        assert_eq!(p.sub.as_deref(), Some("scale"));
    }

    #[test]
    fn namespace_object_and_its_status_are_not_namespaced_paths() {
        let p = parse_path("/api/v1/namespaces/kube-system/status").unwrap();
        assert_eq!(p.res.plural, "namespaces");
        assert_eq!(p.name.as_deref(), Some("kube-system"));
        assert_eq!(p.sub.as_deref(), Some("status"));
        let p = parse_path("/api/v1/namespaces/kube-system").unwrap();
        assert!(p.ns.is_none());
    }

    #[test]
    fn unknown_resources_and_subresources_are_404() {
        assert_eq!(parse_path("/api/v1/widgets").unwrap_err().code, 404);
        assert_eq!(
            parse_path("/api/v1/namespaces/a/configmaps/b/scale")
                .unwrap_err()
                .code,
            404
        );
        assert_eq!(
            parse_path("/apis/apps/v2/deployments").unwrap_err().code,
            404
        );
    }
}
