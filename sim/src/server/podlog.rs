//! `GET pods/NAME/log`: container, tailLines, previous, follow (streams new lines until
//! the pod is deleted, the client goes away or streams are dropped by a fault).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::response::Response;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use super::logs::LogQuery;
use super::request::{ApiPath, Params};
use super::response;
use crate::status::ApiError;
use crate::store::EventType;
use crate::SimShared;

const TEXT: &str = "text/plain";

/// The container a log request means: the named one, the default-container annotation,
/// or the only one.
fn pick_container(pod: &Value, asked: Option<&str>) -> Result<String, ApiError> {
    let name = pod["metadata"]["name"].as_str().unwrap_or("");
    let names: Vec<&str> = ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| pod["spec"][*k].as_array().into_iter().flatten())
        .filter_map(|c| c["name"].as_str())
        .collect();
    let main: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let annotated =
        pod["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"].as_str();
    match asked.or(annotated) {
        Some(c) if names.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if main.len() == 1 => Ok(main[0].to_string()),
        None => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            main.join(" ")
        ))),
    }
}

pub async fn serve(sim: Arc<SimShared>, path: &ApiPath, name: &str, params: &Params) -> Response {
    match prepare(&sim, path, name, params) {
        Ok(r) => r,
        Err(e) => response::error(&e),
    }
}

fn prepare(
    sim: &SimShared,
    path: &ApiPath,
    name: &str,
    params: &Params,
) -> Result<Response, ApiError> {
    let ns = path.ns.clone().unwrap_or_default();
    let now = sim.clock.now();
    let since = match (params.number("sinceSeconds")?, params.get("sinceTime")) {
        (Some(secs), _) => {
            Some(now - jiff::SignedDuration::from_secs(secs.min(i64::MAX as u64) as i64))
        }
        (None, Some(t)) => Some(t.parse::<jiff::Timestamp>().map_err(|e| {
            ApiError::bad_request(format!("sinceTime: Invalid value: \"{t}\": {e}"))
        })?),
        (None, None) => None,
    };
    let query = LogQuery {
        previous: params.flag("previous"),
        tail: params.number("tailLines")?.map(|t| t as usize),
        since,
        timestamps: params.flag("timestamps"),
    };
    let follow = params.flag("follow") && !query.previous;
    let store = sim
        .store
        .lock()
        .map_err(|_| ApiError::internal("store lock poisoned"))?;
    let pod = store
        .get(path.res, &ns, name)
        .ok_or_else(|| ApiError::not_found("pods", "", name))?;
    let container = pick_container(&pod, params.get("container"))?;
    let lines = store
        .logs()
        .read(&ns, name, &container, &query)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            ))
        })?;
    let text = lines.concat();
    if !follow {
        return Ok(response::text(200, TEXT, text));
    }
    let new_lines = store.logs().subscribe();
    let changes = store.subscribe();
    drop(store);
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let _ = tx.try_send(Bytes::from(text));
    let key = (ns, name.to_string(), container);
    tokio::spawn(follow_lines(
        tx,
        new_lines,
        changes,
        sim.faults.watch_drops(),
        key,
        query,
    ));
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
    });
    Ok(response::text(200, TEXT, Body::from_stream(stream)))
}

async fn follow_lines(
    tx: mpsc::Sender<Bytes>,
    mut lines: broadcast::Receiver<super::logs::LogLine>,
    mut changes: broadcast::Receiver<Arc<crate::store::StoreEvent>>,
    mut drops: tokio::sync::watch::Receiver<u64>,
    key: (String, String, String),
    query: LogQuery,
) {
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Ok(l) if *l.key == key => {
                    if tx.send(Bytes::from(query.render(l.at, &l.text))).await.is_err() {
                        return;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            ev = changes.recv() => match ev {
                Ok(ev) if ev.kind == EventType::Deleted
                    && ev.resource.plural == "pods" && ev.resource.group.is_empty()
                    && ev.namespace == key.0
                    && ev.name == key.1 => return,
                Err(broadcast::error::RecvError::Closed) => return,
                _ => {}
            },
            _ = drops.changed() => return,
            _ = tx.closed() => return,
        }
    }
}
