//! Team mode, writing: appending to an incident's ConfigMap. A read-modify-write with the
//! object's resourceVersion as precondition: when another console wrote in between, the API
//! server answers 409 Conflict and the append starts again from a fresh read. Entries are
//! appended by id, so a retry (or a console sending entries already there) never doubles
//! one.

use std::collections::HashSet;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ObjectMeta, PostParams};

use super::KubeWriter;
use crate::effect::IncidentAppend;
use crate::incident::Entry;
use crate::io::incident_cluster::{configmap_name, metadata, DATA_KEY, MAX_BYTES};

/// Conflicting writes an append survives before it gives up.
pub const MAX_ATTEMPTS: u32 = 20;

fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

/// The entries not yet in `journal`, as lines.
fn missing_lines(journal: &str, entries: &[Entry]) -> String {
    let have: HashSet<String> = journal
        .lines()
        .filter_map(|l| Entry::from_line(l).ok())
        .map(|e| e.id)
        .collect();
    entries
        .iter()
        .filter(|e| !have.contains(&e.id))
        .map(|e| e.to_line() + "\n")
        .collect()
}

impl KubeWriter {
    /// Appends `append.entries` (those not there yet) to the incident's ConfigMap, creating
    /// it if there is none. Ok is the number of attempts it took (1 without a conflict).
    pub async fn share_incident(&self, append: &IncidentAppend) -> Result<u32, String> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.namespace);
        let name = configmap_name(&append.incident)?;
        let pp = PostParams::default();
        for attempt in 1..=MAX_ATTEMPTS {
            let current = api.get_opt(&name).await.map_err(|e| e.to_string())?;
            let result = match current {
                None => {
                    let (labels, annotations) = metadata(&append.incident);
                    let data = missing_lines("", &append.entries);
                    let cm = ConfigMap {
                        metadata: ObjectMeta {
                            name: Some(name.clone()),
                            labels: Some(labels),
                            annotations: Some(annotations),
                            ..ObjectMeta::default()
                        },
                        data: Some([(DATA_KEY.to_string(), data)].into()),
                        ..ConfigMap::default()
                    };
                    api.create(&pp, &cm).await.map(|_| ())
                }
                Some(mut cm) => {
                    let journal = cm
                        .data
                        .get_or_insert_with(Default::default)
                        .entry(DATA_KEY.to_string())
                        .or_default();
                    let new = missing_lines(journal, &append.entries);
                    if new.is_empty() {
                        return Ok(attempt);
                    }
                    if !journal.is_empty() && !journal.ends_with('\n') {
                        journal.push('\n');
                    }
                    journal.push_str(&new);
                    if journal.len() > MAX_BYTES {
                        return Err(format!(
                            "configmap/{name} would pass {} KiB: not shared",
                            MAX_BYTES / 1024
                        ));
                    }
                    // the resourceVersion read is the precondition of the replace
                    api.replace(&name, &pp, &cm).await.map(|_| ())
                }
            };
            match result {
                Ok(()) => return Ok(attempt),
                Err(e) if is_conflict(&e) => continue,
                Err(e) => return Err(format!("configmap/{name}: {e}")),
            }
        }
        Err(format!(
            "configmap/{name}: {MAX_ATTEMPTS} conflicting writes in a row: not shared"
        ))
    }
}
