//! Team mode, reading: incidents shared in the cluster, one ConfigMap per incident in the
//! console's namespace (`kubechat-incident-<id>`, labelled for the console), its data
//! `journal.jsonl` in the journal's own format. Every console watches them (reading is not a
//! write, so read-only consoles too) and merges what the team wrote by entry id. Writing is
//! `KubeWriter::share_incident` (`kube_writer/incidents.rs`), which exists only in read-write
//! mode.

use std::collections::BTreeMap;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use super::incident_journal::{parse, Journal};
use crate::msg::{IncidentMsg, JournalSource, Msg};

/// The label every incident ConfigMap carries (the watch selects on it).
pub const LABEL: (&str, &str) = ("app.kubernetes.io/managed-by", "kubechat-ops");
/// What the ConfigMap holds.
pub const KIND_LABEL: (&str, &str) = ("kubechat-ops.io/kind", "incident");
/// The annotation naming the incident.
pub const ID_ANNOTATION: &str = "kubechat-ops.io/incident";
/// The data key of the journal.
pub const DATA_KEY: &str = "journal.jsonl";
/// A ConfigMap holds at most 1 MiB; past this the journal is no longer shared.
pub const MAX_BYTES: usize = 900 * 1024;

pub fn selector() -> String {
    format!("{}={},{}={}", LABEL.0, LABEL.1, KIND_LABEL.0, KIND_LABEL.1)
}

/// The ConfigMap's name for incident `id`: a DNS name, or why the id cannot be one.
pub fn configmap_name(id: &str) -> Result<String, String> {
    let name = format!("kubechat-incident-{id}");
    let dns = name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if dns {
        Ok(name)
    } else {
        Err(format!("incident id {id:?} cannot name a ConfigMap"))
    }
}

/// The labels and annotation of incident `id`'s ConfigMap.
pub fn metadata(id: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let labels = [LABEL, KIND_LABEL]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let annotations = [(ID_ANNOTATION.to_string(), id.to_string())].into();
    (labels, annotations)
}

/// The incident a ConfigMap holds: its id and its journal (lines that do not parse are
/// warnings naming the ConfigMap and the line).
pub fn journal_of(cm: &ConfigMap) -> Option<(String, Journal)> {
    let name = cm.metadata.name.clone().unwrap_or_default();
    let id = cm
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ID_ANNOTATION).cloned())
        .or_else(|| name.strip_prefix("kubechat-incident-").map(str::to_string))?;
    let text = cm
        .data
        .as_ref()
        .and_then(|d| d.get(DATA_KEY))
        .map(String::as_str)
        .unwrap_or("");
    Some((id, parse(text.as_bytes(), &format!("configmap/{name}"))))
}

/// Every shared incident in `namespace`.
pub async fn read_all(client: Client, namespace: &str) -> Result<Vec<(String, Journal)>, String> {
    let api: Api<ConfigMap> = Api::namespaced(client, namespace);
    let list = api
        .list(&ListParams::default().labels(&selector()))
        .await
        .map_err(|e| e.to_string())?;
    Ok(list.items.iter().filter_map(journal_of).collect())
}

/// Watches the shared incidents: each ConfigMap as it is now, at start and on every change,
/// as an `IncidentMsg::Journal` from the cluster.
pub fn spawn_watch(client: Client, namespace: &str, tx: Sender<Msg>) -> JoinHandle<()> {
    let api: Api<ConfigMap> = Api::namespaced(client, namespace);
    tokio::spawn(async move {
        let config = watcher::Config::default().labels(&selector());
        let stream = watcher(api, config).default_backoff().applied_objects();
        futures::pin_mut!(stream);
        while let Some(event) = stream.next().await {
            let cm = match event {
                Ok(cm) => cm,
                Err(e) => {
                    tracing::warn!("watching the shared incidents: {e}");
                    continue;
                }
            };
            let Some((id, journal)) = journal_of(&cm) else {
                continue;
            };
            let msg = IncidentMsg::Journal {
                id,
                entries: journal.entries,
                warnings: journal.warnings,
                source: JournalSource::Cluster,
            };
            if tx.send(Msg::Incident(msg)).await.is_err() {
                return;
            }
        }
    })
}
