//! `watch=true`: newline-delimited WatchEvents streamed from the store's history and
//! change broadcast. Honours resourceVersion (replay from the resource's history, `410
//! Gone` as an ERROR event when it is older than what that resource keeps),
//! allowWatchBookmarks, sendInitialEvents, timeoutSeconds, Table output and the
//! drop-watches fault. A watch that falls behind the broadcast catches up from the history
//! (75 s of its resource's changes), so only one that far behind is ended with `410`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};

use super::list::Filter;
use super::request::{ApiPath, IncludeObject, Params};
use super::{response, table, views};
use crate::resources::Resource;
use crate::status::ApiError;
use crate::store::{Obj, StoreEvent, Stored};
use crate::SimShared;

/// How often a watch that allows bookmarks gets one (real time).
pub const BOOKMARK_EVERY: Duration = Duration::from_secs(2);
/// Events written into one chunk at most.
const BATCH: usize = 1024;

struct Watcher {
    sim: Arc<SimShared>,
    res: &'static Resource,
    storage: &'static Resource,
    ns: Option<String>,
    filter: Filter,
    table: Option<IncludeObject>,
    /// With a selector: the objects the client has been told match it, so an object that
    /// stops matching is sent as DELETED and one that starts matching as ADDED.
    matching: Option<HashSet<(String, String)>>,
}

fn key_of(obj: &Value) -> (String, String) {
    let m = &obj["metadata"];
    (
        m["namespace"].as_str().unwrap_or("").to_string(),
        m["name"].as_str().unwrap_or("").to_string(),
    )
}

impl Watcher {
    fn wants(&self, ev: &StoreEvent) -> bool {
        std::ptr::eq(ev.resource, self.storage)
            && self.ns.as_deref().is_none_or(|ns| ns == ev.namespace)
    }

    /// Whether objects go to the client exactly as stored: no selector, no Table, no
    /// conversion. Their JSON is then copied, never parsed.
    fn sends_as_stored(&self) -> bool {
        self.matching.is_none() && self.table.is_none() && views::serves_as_stored(self.res)
    }

    /// [`Watcher::write`] from the stored JSON.
    fn write_json(&mut self, out: &mut Vec<u8>, kind: &str, json: &[u8], live: bool) {
        if self.sends_as_stored() {
            write_event(out, kind, |out| out.extend_from_slice(json));
        } else {
            let obj = Arc::new(serde_json::from_slice(json).unwrap_or(Value::Null));
            self.write(out, kind, &obj, live);
        }
    }

    /// Writes one object of the initial list (`ADDED`).
    fn write_stored(&mut self, out: &mut Vec<u8>, stored: &Stored) {
        if self.sends_as_stored() {
            write_event(out, "ADDED", |out| stored.write_json(out));
        } else {
            self.write(out, "ADDED", &stored.value(), false);
        }
    }

    /// Writes one change as the client should see it through its selector; `live` is
    /// false while replaying history (event types are then kept as they were).
    fn write(&mut self, out: &mut Vec<u8>, kind: &str, obj: &Obj, live: bool) {
        let obj = views::present(self.res, obj);
        let matches = self.filter.matches(&obj);
        let Some(known) = self.matching.as_mut() else {
            if matches {
                self.write_unfiltered(out, kind, &obj);
            }
            return;
        };
        let key = key_of(&obj);
        let was_known = known.contains(&key);
        let sent = match (matches, kind) {
            (true, "DELETED") | (false, _) if was_known => {
                known.remove(&key);
                "DELETED"
            }
            (true, "DELETED") | (false, _) => return,
            (true, "MODIFIED") if live && !was_known => {
                known.insert(key);
                "ADDED"
            }
            (true, other) => {
                known.insert(key);
                other
            }
        };
        self.write_unfiltered(out, sent, &obj);
    }

    fn write_unfiltered(&self, out: &mut Vec<u8>, kind: &str, obj: &Value) {
        write_event(out, kind, |out| match self.table {
            Some(include) => {
                let now = table::now_for(self.res, &self.sim.clock);
                table::write_table(out, self.res, &[obj], now, include, None, None);
            }
            None => {
                let _ = serde_json::to_writer(&mut *out, obj);
            }
        });
    }

    fn bookmark(&self, out: &mut Vec<u8>, rv: u64, initial_end: bool) {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let obj =
            json!({"kind": self.res.kind, "apiVersion": self.res.api_version(), "metadata": meta});
        out.extend_from_slice(b"{\"type\":\"BOOKMARK\",\"object\":");
        let _ = serde_json::to_writer(&mut *out, &obj);
        out.extend_from_slice(b"}\n");
    }
}

/// `{"type":KIND,"object":...}` and a newline, the object written by `object`.
fn write_event(out: &mut Vec<u8>, kind: &str, object: impl FnOnce(&mut Vec<u8>)) {
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    object(out);
    out.extend_from_slice(b"}\n");
}

fn error_event(err: &ApiError) -> Vec<u8> {
    let mut out = serde_json::to_vec(&json!({"type": "ERROR", "object": err.to_status()}))
        .unwrap_or_default();
    out.push(b'\n');
    out
}

fn stream_response(rx: mpsc::Receiver<Bytes>) -> Response {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
    });
    let mut resp = response::text(200, response::JSON, Body::from_stream(stream));
    resp.headers_mut().insert(
        "cache-control",
        axum::http::HeaderValue::from_static("no-cache, private"),
    );
    resp
}

pub fn watch(
    sim: Arc<SimShared>,
    path: &ApiPath,
    params: &Params,
    table_req: Option<IncludeObject>,
) -> Response {
    let filter = match Filter::from_params(params) {
        Ok(f) => f,
        Err(e) => return response::error(&e),
    };
    let timeout = match params.number("timeoutSeconds") {
        Ok(t) => t.map(Duration::from_secs),
        Err(e) => return response::error(&e),
    };
    let bookmarks = params.flag("allowWatchBookmarks");
    let send_initial = params.flag("sendInitialEvents");
    let rv_param = params.get("resourceVersion").unwrap_or("");
    let since = if rv_param.is_empty() || rv_param == "0" || send_initial {
        None
    } else {
        match rv_param.parse::<u64>() {
            Ok(rv) => Some(rv),
            Err(_) => {
                return response::error(&ApiError::bad_request(format!(
                    "resourceVersion: Invalid value: \"{rv_param}\": must be a number"
                )))
            }
        }
    };
    let tracks_selector = !filter.labels.is_empty() || !filter.fields.is_empty();
    let mut watcher = Watcher {
        sim: sim.clone(),
        res: path.res,
        storage: views::storage_of(path.res),
        ns: path.ns.clone(),
        filter,
        table: table_req,
        matching: tracks_selector.then(HashSet::new),
    };
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    // Everything before the stream is taken under one lock, so no change falls between.
    let start = {
        let Ok(store) = sim.store.lock() else {
            return response::error(&ApiError::internal("store lock poisoned"));
        };
        match since {
            None => {
                let current = store.list_stored(watcher.storage, watcher.ns.as_deref());
                Ok((
                    current,
                    Vec::new(),
                    store.subscribe(),
                    store.resource_version(),
                ))
            }
            Some(rv) => store.watch_from(watcher.storage, rv).map(|(replay, sub)| {
                if let Some(known) = watcher.matching.as_mut() {
                    for obj in store.list(watcher.storage, watcher.ns.as_deref()) {
                        let obj = views::present(watcher.res, &obj);
                        if watcher.filter.matches(&obj) {
                            known.insert(key_of(&obj));
                        }
                    }
                }
                (Vec::new(), replay, sub, store.resource_version())
            }),
        }
    };
    let (initial, replay, changes, start_rv) = match start {
        Ok(s) => s,
        Err(gone) => {
            let _ = tx.try_send(Bytes::from(error_event(&gone)));
            drop(tx);
            return stream_response(rx);
        }
    };
    let drops = sim.faults.watch_drops();
    let stalls = sim.faults.watch_stalls();
    tokio::spawn(async move {
        let mut out = Vec::new();
        for stored in &initial {
            watcher.write_stored(&mut out, stored);
            if out.len() > 1 << 20
                && tx
                    .send(Bytes::from(std::mem::take(&mut out)))
                    .await
                    .is_err()
            {
                return;
            }
        }
        if send_initial && bookmarks {
            watcher.bookmark(&mut out, start_rv, true);
        }
        let mut last_rv = start_rv;
        for ev in &replay {
            if !watcher.wants(ev) {
                continue;
            }
            watcher.write_json(&mut out, ev.kind.as_str(), &ev.json, false);
            last_rv = last_rv.max(ev.rv);
        }
        if !out.is_empty()
            && tx
                .send(Bytes::from(std::mem::take(&mut out)))
                .await
                .is_err()
        {
            return;
        }
        let faults = StreamFaults { drops, stalls };
        stream_changes(watcher, tx, changes, faults, last_rv, bookmarks, timeout).await;
    });
    stream_response(rx)
}

/// Writes the changes after `last_rv` from the resource's history and subscribes anew (both
/// under one lock, so nothing falls between); the newest version written and the new
/// receiver, or `410 Gone` when `last_rv` is older than the history keeps.
fn catch_up(
    watcher: &mut Watcher,
    out: &mut Vec<u8>,
    mut last_rv: u64,
) -> Result<(u64, broadcast::Receiver<Arc<StoreEvent>>), ApiError> {
    let (replay, rx) = {
        let store = watcher
            .sim
            .store
            .lock()
            .map_err(|_| ApiError::internal("store lock poisoned"))?;
        store.watch_from(watcher.storage, last_rv)?
    };
    for ev in &replay {
        if watcher.wants(ev) {
            watcher.write_json(out, ev.kind.as_str(), &ev.json, true);
        }
        last_rv = last_rv.max(ev.rv);
    }
    Ok((last_rv, rx))
}

/// The faults an open watch stream obeys: dropped (ends at once) or stalled (goes silent).
struct StreamFaults {
    drops: tokio::sync::watch::Receiver<u64>,
    stalls: tokio::sync::watch::Receiver<u64>,
}

async fn stream_changes(
    mut watcher: Watcher,
    tx: mpsc::Sender<Bytes>,
    mut changes: broadcast::Receiver<Arc<StoreEvent>>,
    StreamFaults {
        mut drops,
        mut stalls,
    }: StreamFaults,
    mut last_rv: u64,
    bookmarks: bool,
    timeout: Option<Duration>,
) {
    let deadline = tokio::time::sleep(timeout.unwrap_or(Duration::from_secs(365 * 86400)));
    tokio::pin!(deadline);
    let mut bookmark_tick = tokio::time::interval(BOOKMARK_EVERY);
    bookmark_tick.tick().await;
    loop {
        let mut out = Vec::new();
        tokio::select! {
            ev = changes.recv() => {
                let mut next = ev;
                let mut taken = 0;
                loop {
                    match next {
                        Ok(ev) => {
                            if ev.rv > last_rv {
                                last_rv = ev.rv;
                                if watcher.wants(&ev) {
                                    watcher.write_json(&mut out, ev.kind.as_str(), &ev.json, true);
                                }
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            // Fell behind the broadcast: catch up from the history.
                            match catch_up(&mut watcher, &mut out, last_rv) {
                                Ok((rv, rx)) => {
                                    last_rv = rv;
                                    changes = rx;
                                    break;
                                }
                                Err(gone) => {
                                    out.extend_from_slice(&error_event(&gone));
                                    let _ = tx.send(Bytes::from(out)).await;
                                    return;
                                }
                            }
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                    taken += 1;
                    if taken == BATCH {
                        break;
                    }
                    // Batch whatever is already queued into the same chunk.
                    next = match changes.try_recv() {
                        Ok(ev) => Ok(ev),
                        Err(broadcast::error::TryRecvError::Lagged(n)) => Err(broadcast::error::RecvError::Lagged(n)),
                        Err(_) => break,
                    };
                }
            }
            _ = bookmark_tick.tick(), if bookmarks => watcher.bookmark(&mut out, last_rv, false),
            _ = drops.changed() => return,
            _ = stalls.changed() => {
                // silent until the client gives up: the connection stays open
                tx.closed().await;
                return;
            }
            _ = &mut deadline => return,
            _ = tx.closed() => return,
        }
        if !out.is_empty() && tx.send(Bytes::from(out)).await.is_err() {
            return;
        }
    }
}
