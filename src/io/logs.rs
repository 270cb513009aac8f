//! Pods' logs through the API server (`pods/log`, as `kubectl logs` reads them), turned into
//! `Msg::Log`s. One task per stream reads every pod it names; lines go out in batches, and
//! one line longer than [`MAX_LINE`] is cut there so a binary or runaway line cannot hold
//! memory. A followed stream that ends (the container restarted, the connection broke) is
//! reopened from the time of its last line, so nothing is shown twice.

use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use kube::Client;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use crate::cluster::scope::Scope;
use crate::effect::{LogPods, LogStream};
use crate::msg::{LogMsg, Msg};

/// The longest line kept, in bytes; the rest of a longer line is dropped.
pub const MAX_LINE: usize = 4096;
/// Lines sent in one message at most.
const BATCH: usize = 256;
/// How many pods one stream reads at most (kubectl's `--max-log-requests` is 5).
pub const MAX_PODS: usize = 8;
/// The wait before a followed stream is reopened.
const REOPEN_AFTER: Duration = Duration::from_secs(1);

/// Starts reading `stream`; the task ends when every pod's stream has ended.
pub fn spawn(client: Client, scope: Scope, stream: LogStream, tx: Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let pods = match &stream.pods {
            LogPods::Named(pods) => pods.clone(),
            LogPods::Selector(selector) => match pods_matching(&client, &scope, selector).await {
                Ok(pods) => {
                    let msg = LogMsg::Pods {
                        id: stream.id,
                        pods: pods.clone(),
                    };
                    if tx.send(Msg::Log(msg)).await.is_err() {
                        return;
                    }
                    pods
                }
                Err(e) => {
                    let ended = LogMsg::Ended {
                        id: stream.id,
                        pod: selector.clone(),
                        error: Some(e),
                    };
                    let _ = tx.send(Msg::Log(ended)).await;
                    return;
                }
            },
        };
        let readers = pods.into_iter().take(MAX_PODS).filter_map(|pod| {
            // names come qualified in the console's scope; the API wants them plain
            let (ns, name) = scope.locate(&pod)?;
            let api: Api<Pod> = Api::namespaced(client.clone(), ns);
            let name = name.to_string();
            Some(read_pod(api, stream.clone(), pod, name, tx.clone()))
        });
        futures::future::join_all(readers).await;
    })
}

/// The pods a selector matches in the scope, by the console's (qualified) names.
async fn pods_matching(
    client: &Client,
    scope: &Scope,
    selector: &str,
) -> Result<Vec<String>, String> {
    let api: Api<Pod> = match scope {
        Scope::Namespace(ns) => Api::namespaced(client.clone(), ns),
        Scope::All => Api::all(client.clone()),
    };
    let list = api
        .list(&ListParams::default().labels(selector))
        .await
        .map_err(|e| e.to_string())?;
    let mut names: Vec<String> = list
        .items
        .into_iter()
        .filter_map(|p| {
            let ns = p.metadata.namespace.unwrap_or_default();
            p.metadata.name.map(|n| scope.qualify(&ns, &n))
        })
        .collect();
    names.sort();
    Ok(names)
}

/// One pod's lines until its stream ends (reopened while following). `pod` is the
/// console's name for it, `name` the API's.
async fn read_pod(api: Api<Pod>, stream: LogStream, pod: String, name: String, tx: Sender<Msg>) {
    let mut since: Option<Timestamp> = None;
    loop {
        let params = LogParams {
            container: stream.container.clone(),
            follow: stream.follow,
            previous: stream.previous,
            // reopened: from the last line's time on, not the tail again
            tail_lines: if since.is_some() { None } else { stream.tail },
            since_time: since,
            timestamps: true,
            ..LogParams::default()
        };
        let result = read_once(&api, &params, &stream, (&pod, &name), &tx, &mut since).await;
        if tx.is_closed() {
            return;
        }
        let pod_gone = matches!(api.get_opt(&name).await, Ok(None));
        if !stream.follow || pod_gone {
            let error = result.err();
            let ended = LogMsg::Ended {
                id: stream.id,
                pod,
                error,
            };
            let _ = tx.send(Msg::Log(ended)).await;
            return;
        }
        tokio::time::sleep(REOPEN_AFTER).await;
        let reopened = LogMsg::Reopened {
            id: stream.id,
            pod: pod.clone(),
        };
        if tx.send(Msg::Log(reopened)).await.is_err() {
            return;
        }
    }
}

/// Reads one response to its end, sending lines in batches and noting the last line's
/// time in `since` (lines at or before the time already seen are skipped).
async fn read_once(
    api: &Api<Pod>,
    params: &LogParams,
    stream: &LogStream,
    (pod, name): (&str, &str),
    tx: &Sender<Msg>,
    since: &mut Option<Timestamp>,
) -> Result<(), String> {
    let reader = api
        .log_stream(name, params)
        .await
        .map_err(|e| e.to_string())?;
    let seen = *since;
    let mut lines = reader.lines().ready_chunks(BATCH);
    while let Some(chunk) = lines.next().await {
        let mut batch = Vec::with_capacity(chunk.len());
        for line in chunk {
            let line = line.map_err(|e| e.to_string())?;
            let (at, text) = split_timestamp(&line);
            if let (Some(at), Some(seen)) = (at, seen) {
                if at <= seen {
                    continue;
                }
            }
            if at.is_some() {
                *since = at;
            }
            batch.push(cap(text));
        }
        if batch.is_empty() {
            continue;
        }
        let msg = LogMsg::Lines {
            id: stream.id,
            pod: pod.to_string(),
            lines: batch,
        };
        if tx.send(Msg::Log(msg)).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// "2026-12-01T10:00:00.123Z text" → (the time, "text"); a line without one is all text.
pub fn split_timestamp(line: &str) -> (Option<Timestamp>, &str) {
    match line.split_once(' ') {
        Some((ts, rest)) => match ts.parse::<Timestamp>() {
            Ok(at) => (Some(at), rest),
            Err(_) => (None, line),
        },
        None => match line.parse::<Timestamp>() {
            Ok(at) => (Some(at), ""),
            Err(_) => (None, line),
        },
    }
}

/// A line cut at [`MAX_LINE`] bytes (on a character boundary), control characters other
/// than tabs shown as `�` so a binary log cannot drive the terminal.
pub fn cap(text: &str) -> String {
    let mut end = text.len().min(MAX_LINE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out: String = text[..end]
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_off_and_lines_capped() {
        let (at, text) = split_timestamp("2026-12-01T10:00:00.5Z GET /healthz 200");
        assert_eq!(at, Some("2026-12-01T10:00:00.5Z".parse().unwrap()));
        assert_eq!(text, "GET /healthz 200");
        assert_eq!(split_timestamp("no time here"), (None, "no time here"));
        let long = "é".repeat(MAX_LINE);
        let capped = cap(&long);
        assert!(capped.len() <= MAX_LINE + '…'.len_utf8());
        assert!(capped.ends_with('…'));
        assert_eq!(cap("a\u{1b}[2Jb\tc"), "a\u{fffd}[2Jb\tc");
    }
}
