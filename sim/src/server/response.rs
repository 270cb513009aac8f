//! Building HTTP responses: JSON bodies and `kind: Status` errors.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::status::ApiError;

pub const JSON: &str = "application/json";

pub fn json_bytes(code: u16, body: Vec<u8>) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
        .header(header::CONTENT_TYPE, JSON)
        .body(Body::from(body))
        .unwrap_or_default()
}

pub fn json(code: u16, body: &Value) -> Response {
    json_bytes(code, serde_json::to_vec(body).unwrap_or_default())
}

pub fn error(err: &ApiError) -> Response {
    json(err.code, &err.to_status())
}

pub fn text(code: u16, content_type: &str, body: impl Into<Body>) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap_or_default()
}

/// The `Status` a successful delete answers with.
pub fn success_status(name: &str, group: &str, kind: &str, uid: &Value) -> Value {
    serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": group, "kind": kind, "uid": uid},
    })
}
