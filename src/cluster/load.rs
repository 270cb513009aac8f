//! Kubernetes objects from a multi-document YAML file (fixtures, snapshots, offline demos)
//! into the same `KubeMsg`s the watchers produce: per kind a `Reset`, the `Upsert`s and
//! `Ready`, as an initial list. Bad input is an error naming the file, document and line.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod, Service};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::views::{DeploymentView, EventView, PodView, ReplicaSetView, RolloutView, ServiceView};
use super::{Change, KubeMsg};

#[derive(Default)]
struct Lists {
    deployments: Vec<DeploymentView>,
    replica_sets: Vec<ReplicaSetView>,
    pods: Vec<PodView>,
    services: Vec<ServiceView>,
    events: Vec<EventView>,
    rollouts: Vec<RolloutView>,
    analysis_runs: Vec<super::analysis_view::AnalysisRunView>,
}

fn typed<T: DeserializeOwned>(v: serde_yaml_ng::Value, at: &str) -> Result<T, String> {
    serde_yaml_ng::from_value(v).map_err(|e| format!("{at}: {e}"))
}

pub fn kube_msgs_from_yaml(text: &str, file: &str) -> Result<Vec<KubeMsg>, String> {
    let mut lists = Lists::default();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let value = serde_yaml_ng::Value::deserialize(doc).map_err(|e| match e.location() {
            Some(l) => format!("{file}:{}: {e}", l.line()),
            None => format!("{file}: document {}: {e}", i + 1),
        })?;
        if value.is_null() {
            continue;
        }
        let kind = value
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        let name = value
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or("?");
        let at = format!("{file}: document {} ({kind} {name})", i + 1);
        match kind.as_str() {
            "Deployment" => lists
                .deployments
                .push(DeploymentView::from(&typed::<Deployment>(value, &at)?)),
            "ReplicaSet" => lists
                .replica_sets
                .push(ReplicaSetView::from(&typed::<ReplicaSet>(value, &at)?)),
            "Pod" => lists.pods.push(PodView::from(&typed::<Pod>(value, &at)?)),
            "Service" => lists
                .services
                .push(ServiceView::from(&typed::<Service>(value, &at)?)),
            "Event" => lists
                .events
                .push(EventView::from(&typed::<Event>(value, &at)?)),
            "Rollout" => {
                let json = serde_json::to_value(&value).map_err(|e| format!("{at}: {e}"))?;
                lists.rollouts.push(RolloutView::from_json(&json));
            }
            "AnalysisRun" => {
                let json = serde_json::to_value(&value).map_err(|e| format!("{at}: {e}"))?;
                lists
                    .analysis_runs
                    .push(super::analysis_view::AnalysisRunView::from_json(&json));
            }
            other => return Err(format!("{at}: unsupported kind {other:?}")),
        }
    }
    let mut out = Vec::new();
    fn listed<T>(out: &mut Vec<KubeMsg>, items: Vec<T>, wrap: fn(Change<T>) -> KubeMsg) {
        out.push(wrap(Change::Reset));
        out.extend(items.into_iter().map(|i| wrap(Change::Upsert(i))));
        out.push(wrap(Change::Ready));
    }
    listed(&mut out, lists.services, KubeMsg::Services);
    listed(&mut out, lists.replica_sets, KubeMsg::ReplicaSets);
    listed(&mut out, lists.deployments, KubeMsg::Deployments);
    listed(&mut out, lists.rollouts, KubeMsg::Rollouts);
    listed(&mut out, lists.analysis_runs, KubeMsg::AnalysisRuns);
    listed(&mut out, lists.pods, KubeMsg::Pods);
    listed(&mut out, lists.events, KubeMsg::Events);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_loads() {
        let msgs = kube_msgs_from_yaml(
            include_str!("../../tests/fixtures/cluster.yaml"),
            "cluster.yaml",
        )
        .unwrap();
        let pods = msgs
            .iter()
            .filter(|m| matches!(m, KubeMsg::Pods(Change::Upsert(_))))
            .count();
        assert_eq!(pods, 17);
    }

    #[test]
    fn bad_yaml_names_file_and_line() {
        let err = kube_msgs_from_yaml("kind: Pod\nmetadata: {name: [\n", "x.yaml").unwrap_err();
        assert!(err.starts_with("x.yaml:"), "{err}");
        let err =
            kube_msgs_from_yaml("kind: Pod\nmetadata: {name: p}\nspec: 3\n", "x.yaml").unwrap_err();
        assert!(err.starts_with("x.yaml: document 1 (Pod p): "), "{err}");
        let err = kube_msgs_from_yaml("kind: Secret\n", "x.yaml").unwrap_err();
        assert_eq!(
            err,
            "x.yaml: document 1 (Secret ?): unsupported kind \"Secret\""
        );
    }
}
