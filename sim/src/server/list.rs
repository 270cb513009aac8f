//! `list`: selectors, limit/continue, and the list body (serialised outside the store lock,
//! item by item, straight from the shared objects).

use std::io::Write;

use axum::response::Response;
use serde_json::Value;

use super::request::{ApiPath, IncludeObject, Params};
use super::selectors::{FieldSelector, LabelSelector};
use super::{response, table, views};
use crate::resources::Resource;
use crate::status::ApiError;
use crate::store::{Obj, Stored};
use crate::SimShared;

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

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }

    pub fn matches(&self, obj: &Value) -> bool {
        (self.labels.is_empty() || self.labels.matches(obj))
            && (self.fields.is_empty() || self.fields.matches(obj))
    }
}

/// Continue tokens: hex of "RV/NAMESPACE/NAME" of the last item returned.
fn encode_continue(rv: u64, (ns, name): &(String, String)) -> String {
    let raw = format!("{rv}/{ns}/{name}");
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
    pub items: Vec<Stored>,
    pub resource_version: u64,
    pub continue_token: Option<String>,
    /// How many objects follow this page; unknown (and, as a real API server does, not
    /// said) when a selector filters the list.
    pub remaining: Option<usize>,
}

impl Page {
    /// The items as objects (parsed where the store keeps them packed).
    pub fn objects(&self) -> Vec<Obj> {
        self.items.iter().map(Stored::value).collect()
    }
}

pub fn page(sim: &SimShared, path: &ApiPath, params: &Params) -> Result<Page, ApiError> {
    let filter = Filter::from_params(params)?;
    let limit = params
        .number("limit")?
        .filter(|l| *l > 0)
        .map(|l| l as usize);
    let start = params.get("continue").map(decode_continue).transpose()?;
    let storage = views::storage_of(path.res);
    // Served as stored and unfiltered: the stored JSON goes out untouched, never parsed.
    let as_stored = views::serves_as_stored(path.res) && filter.is_empty();
    let after = start
        .as_ref()
        .map(|(_, ns, name)| (ns.clone(), name.clone()));
    let (objects, rv, rest) = {
        let store = sim
            .store
            .lock()
            .map_err(|_| ApiError::internal("store lock poisoned"))?;
        let mut from = store.stored_after(storage, path.ns.as_deref(), after.as_ref());
        // Unfiltered, a page is its own size to copy (a page of 100,000 pods used to
        // copy all of them) and what follows it is only counted; filtered, every object
        // must be looked at, outside the lock.
        let (objects, rest) = match limit.filter(|_| as_stored) {
            Some(limit) => {
                let page: Vec<_> = from
                    .by_ref()
                    .take(limit)
                    .map(|(k, s)| (k.clone(), s.clone()))
                    .collect();
                (page, from.count())
            }
            None => (from.map(|(k, s)| (k.clone(), s.clone())).collect(), 0),
        };
        (objects, store.resource_version(), rest)
    };
    let rv = start.as_ref().map_or(rv, |(rv, _, _)| *rv);
    // filtered: read only until the page and one more object are found
    let wanted = limit.map_or(usize::MAX, |l| l.saturating_add(1));
    let unfiltered_rest = (filter.is_empty() && !as_stored)
        .then(|| objects.len().saturating_sub(limit.unwrap_or(usize::MAX)));
    let mut items: Vec<((String, String), Stored)> = objects
        .into_iter()
        .filter_map(|(key, stored)| {
            if as_stored {
                return Some((key, stored));
            }
            let obj = views::present(path.res, &stored.value());
            filter.matches(&obj).then_some((key, Stored::Parsed(obj)))
        })
        .take(wanted)
        .collect();
    let mut more = rest > 0;
    if let Some(limit) = limit {
        if items.len() > limit {
            more = true;
            items.truncate(limit);
        }
    }
    let remaining = if as_stored {
        more.then_some(rest)
    } else {
        unfiltered_rest.filter(|_| more)
    };
    let continue_token = more
        .then(|| items.last().map(|(key, _)| encode_continue(rv, key)))
        .flatten();
    Ok(Page {
        items: items.into_iter().map(|(_, stored)| stored).collect(),
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
        let now = table::now_for(path.res, &sim.clock);
        let body = table::table_bytes_stored(
            path.res,
            &page.items,
            now,
            include,
            Some(page.resource_version.to_string()),
            page.continue_token.clone(),
        );
        return response::json_bytes(200, body);
    }
    response::json_bytes(200, list_body(path.res, &page))
}

/// `{"kind":"PodList",...,"items":[...]}` written item by item.
pub fn list_body(res: &Resource, page: &Page) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + page.items.len() * 1024);
    let mut meta = serde_json::json!({"resourceVersion": page.resource_version.to_string()});
    if let Some(c) = &page.continue_token {
        meta["continue"] = serde_json::json!(c);
        if let Some(remaining) = page.remaining {
            meta["remainingItemCount"] = serde_json::json!(remaining);
        }
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
        item.write_json(&mut out);
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let token = encode_continue(42, &("ns".into(), "a/b".into()));
        assert_eq!(
            decode_continue(&token).unwrap(),
            (42, "ns".into(), "a/b".into())
        );
        assert_eq!(decode_continue("zz").unwrap_err().code, 400);
    }
}
