//! `list`: selectors, limit/continue, and the list body (serialised outside the store lock,
//! item by item, straight from the shared objects).

use std::io::Write;

use axum::response::Response;
use serde_json::Value;

use super::request::{ApiPath, IncludeObject, Params};
use super::selectors::{FieldSelector, LabelSelector};
use super::{response, table, views};
use crate::sim::resources::Resource;
use crate::sim::status::ApiError;
use crate::sim::store::Obj;
use crate::sim::SimShared;

/// Which objects a list or watch wants.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Filter {
    pub fn from_params(params: &Params) -> Result<Filter, ApiError> {
        Ok(Filter {
            labels: LabelSelector::parse(params.get("labelSelector").unwrap_or(""))?,
            fields: FieldSelector::parse(params.get("fieldSelector").unwrap_or(""))?,
        })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        (self.labels.is_empty() || self.labels.matches(obj))
            && (self.fields.is_empty() || self.fields.matches(obj))
    }
}

/// Continue tokens: hex of "RV/NAMESPACE/NAME" of the last item returned.
fn encode_continue(rv: u64, obj: &Value) -> String {
    let raw = format!(
        "{rv}/{}/{}",
        obj["metadata"]["namespace"].as_str().unwrap_or(""),
        obj["metadata"]["name"].as_str().unwrap_or("")
    );
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_continue(token: &str) -> Result<(u64, String, String), ApiError> {
    let bad = || {
        ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    };
    if !token.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes: Result<Vec<u8>, _> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2).unwrap_or("zz"), 16))
        .collect();
    let raw = String::from_utf8(bytes.map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = raw.splitn(3, '/');
    let rv = parts.next().and_then(|r| r.parse().ok()).ok_or_else(bad)?;
    let ns = parts.next().ok_or_else(bad)?.to_string();
    let name = parts.next().ok_or_else(bad)?.to_string();
    Ok((rv, ns, name))
}

/// One page of a list, already filtered and presented.
pub struct Page {
    pub items: Vec<Obj>,
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub remaining: usize,
}

pub fn page(sim: &SimShared, path: &ApiPath, params: &Params) -> Result<Page, ApiError> {
    let filter = Filter::from_params(params)?;
    let limit = params
        .number("limit")?
        .filter(|l| *l > 0)
        .map(|l| l as usize);
    let start = params.get("continue").map(decode_continue).transpose()?;
    let storage = views::storage_of(path.res);
    let (objects, rv) = {
        let store = sim
            .store
            .lock()
            .map_err(|_| ApiError::internal("store lock poisoned"))?;
        (
            store.list(storage, path.ns.as_deref()),
            store.resource_version(),
        )
    };
    let rv = start.as_ref().map_or(rv, |(rv, _, _)| *rv);
    let after = |o: &Obj| match &start {
        None => true,
        Some((_, ns, name)) => {
            let key = (
                o["metadata"]["namespace"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or(""),
            );
            key > (ns.as_str(), name.as_str())
        }
    };
    let mut items: Vec<Obj> = objects
        .iter()
        .filter(|o| after(o))
        .map(|o| views::present(path.res, o))
        .filter(|o| filter.matches(o))
        .collect();
    let mut continue_token = None;
    let mut remaining = 0;
    if let Some(limit) = limit {
        if items.len() > limit {
            remaining = items.len() - limit;
            items.truncate(limit);
            continue_token = items.last().map(|o| encode_continue(rv, o));
        }
    }
    Ok(Page {
        items,
        resource_version: rv,
        continue_token,
        remaining,
    })
}

pub fn list(
    sim: &SimShared,
    path: &ApiPath,
    params: &Params,
    table_req: Option<IncludeObject>,
) -> Response {
    let page = match page(sim, path, params) {
        Ok(p) => p,
        Err(e) => return response::error(&e),
    };
    if let Some(include) = table_req {
        let objs: Vec<&Value> = page.items.iter().map(|o| o.as_ref()).collect();
        let now = sim.clock.now();
        let t = table::table(
            path.res,
            &objs,
            now,
            include,
            Some(page.resource_version.to_string()),
            page.continue_token.clone(),
        );
        return response::json(200, &t);
    }
    response::json_bytes(200, list_body(path.res, &page))
}

/// `{"kind":"PodList",...,"items":[...]}` written item by item.
pub fn list_body(res: &Resource, page: &Page) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + page.items.len() * 1024);
    let mut meta = serde_json::json!({"resourceVersion": page.resource_version.to_string()});
    if let Some(c) = &page.continue_token {
        meta["continue"] = serde_json::json!(c);
        meta["remainingItemCount"] = serde_json::json!(page.remaining);
    }
    let _ = write!(
        out,
        r#"{{"kind":"{}List","apiVersion":"{}","metadata":{},"items":["#,
        res.kind,
        res.api_version(),
        meta
    );
    for (i, item) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut out, item.as_ref());
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let obj = serde_json::json!({"metadata": {"namespace": "ns", "name": "a/b"}});
        let token = encode_continue(42, &obj);
        assert_eq!(
            decode_continue(&token).unwrap(),
            (42, "ns".into(), "a/b".into())
        );
        assert_eq!(decode_continue("zz").unwrap_err().code, 400);
    }
}
