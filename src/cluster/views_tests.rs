//! Conversions: k8s-openapi objects (and Argo JSON) → slim views, whole structs.

use super::*;
use crate::cluster::rollout_view::AnalysisView;
use serde_json::json;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn fixture<T: serde::de::DeserializeOwned>(kind: &str, name: &str) -> T {
    let text = include_str!("../../tests/fixtures/cluster.yaml");
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let v: serde_yaml_ng::Value = serde::Deserialize::deserialize(doc).unwrap();
        if v["kind"].as_str() == Some(kind) && v["metadata"]["name"].as_str() == Some(name) {
            return serde_yaml_ng::from_value(v).unwrap();
        }
    }
    panic!("{kind} {name} not in the fixture");
}

#[test]
fn deployment_view() {
    let d: Deployment = fixture("Deployment", "kubechat-api-gateway-green");
    let labels = |slot: &str| {
        vec![
            (
                "app.kubernetes.io/component".to_string(),
                "api-gateway".to_string(),
            ),
            ("app.kubernetes.io/name".to_string(), "kubechat".to_string()),
            ("deployment-slot".to_string(), slot.to_string()),
        ]
    };
    assert_eq!(
        DeploymentView::from(&d),
        DeploymentView {
            name: "kubechat-api-gateway-green".into(),
            created: Some(ts("2026-11-28T14:40:00Z")),
            generation: 1,
            observed_generation: 1,
            strategy: DeployStrategy::RollingUpdate,
            paused: false,
            desired: 3,
            replicas: 3,
            updated: 3,
            ready: 3,
            available: 3,
            image: "harbor.company.com/kubechat/api-gateway:v2.5.0".into(),
            slot: Some("green".into()),
            pod_labels: labels("green"),
            revision: Some(1),
            progress_deadline_seconds: Some(600),
            conditions: vec![
                ConditionView {
                    type_: "Available".into(),
                    status: "True".into(),
                    reason: Some("MinimumReplicasAvailable".into()),
                    message: Some("Deployment has minimum availability.".into()),
                },
                ConditionView {
                    type_: "Progressing".into(),
                    status: "True".into(),
                    reason: Some("NewReplicaSetAvailable".into()),
                    message: Some(
                        "ReplicaSet \"kubechat-api-gateway-green\" has successfully progressed."
                            .into()
                    ),
                },
            ],
        }
    );
}

#[test]
fn pod_view_in_crash_loop() {
    let p: Pod = fixture("Pod", "kubechat-ai-engine-9e8d7c6b5-p5y3b");
    assert_eq!(
        PodView::from(&p),
        PodView {
            name: "kubechat-ai-engine-9e8d7c6b5-p5y3b".into(),
            owner_rs: Some("kubechat-ai-engine-9e8d7c6b5".into()),
            pod_template_hash: Some("9e8d7c6b5".into()),
            slot: None,
            phase: "Running".into(),
            ready_containers: 0,
            containers: 1,
            restarts: 7,
            reason: Some("CrashLoopBackOff".into()),
            created: Some(ts("2026-11-28T14:55:02Z")),
        }
    );
}

#[test]
fn replica_set_service_and_event_views() {
    let rs: ReplicaSet = fixture("ReplicaSet", "kubechat-chat-service-7d8e9f0a1b");
    assert_eq!(
        ReplicaSetView::from(&rs),
        ReplicaSetView {
            name: "kubechat-chat-service-7d8e9f0a1b".into(),
            owner: Some("kubechat-chat-service".into()),
            revision: Some(8),
            pod_template_hash: Some("7d8e9f0a1b".into()),
            desired: 1,
            replicas: 1,
            ready: 1,
            available: 1,
            image: "harbor.company.com/kubechat/chat-service:v2.1.0".into(),
            created: Some(ts("2026-11-28T15:03:00Z")),
        }
    );
    let s: Service = fixture("Service", "kubechat-api-gateway");
    let view = ServiceView::from(&s);
    assert_eq!(view.slot(), Some("blue"));
    assert_eq!(view.selector.len(), 3);
    let e: Event = fixture("Event", "kubechat-ai-engine-9e8d7c6b5-p5y3b.1");
    assert_eq!(
        EventView::from(&e),
        EventView {
            name: "kubechat-ai-engine-9e8d7c6b5-p5y3b.1".into(),
            warning: true,
            reason: "BackOff".into(),
            message: "Back-off restarting failed container main in pod kubechat-ai-engine-9e8d7c6b5-p5y3b".into(),
            object_kind: "Pod".into(),
            object_name: "kubechat-ai-engine-9e8d7c6b5-p5y3b".into(),
            count: 31,
            last_seen: Some(ts("2026-11-28T15:09:12Z")),
        }
    );
}

#[test]
fn terminating_pod_says_so() {
    let mut p: Pod = fixture("Pod", "kubechat-web-3a4b5c6d7-q6z4c");
    p.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts(
        "2026-11-28T15:10:00Z",
    )));
    assert_eq!(PodView::from(&p).reason.as_deref(), Some("Terminating"));
}

#[test]
fn aborted_canary_with_failed_analysis() {
    let v = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "kubechat-api-gateway", "generation": 5,
                     "creationTimestamp": "2026-11-28T07:00:00Z"},
        "spec": {
            "replicas": 10,
            "strategy": {"canary": {"steps": [
                {"setWeight": 5},
                {"analysis": {"templates": [{"templateName": "success-rate"}]}},
                {"pause": {}},
                {"setCanaryScale": {"replicas": 2}}
            ]}},
            "template": {"spec": {"containers": [{"name": "gw", "image": "reg/kc/api-gateway:v2.6.0"}]}}
        },
        "status": {
            "phase": "Degraded",
            "message": "RolloutAborted: Rollout aborted update to revision 5: Metric \"success-rate\" assessed Failed due to failed (4) > failureLimit (3)",
            "abort": true,
            "observedGeneration": "5",
            "currentStepIndex": 0,
            "replicas": 10, "updatedReplicas": 0, "readyReplicas": 10, "availableReplicas": 10,
            "stableRS": "6f7d8c9b0a", "currentPodHash": "5e6f7a8b9c",
            "canary": {
                "weights": {"canary": {"weight": 0}},
                "currentStepAnalysisRunStatus": {"name": "kubechat-api-gateway-5e6f7a8b9c-5-1",
                                                 "status": "Failed",
                                                 "message": "Metric \"success-rate\" assessed Failed due to failed (4) > failureLimit (3)"}
            },
            "conditions": [{"type": "Progressing", "status": "False", "reason": "RolloutAborted",
                            "message": "Rollout aborted update to revision 5"}]
        }
    });
    assert_eq!(
        RolloutView::from_json(&v),
        RolloutView {
            name: "kubechat-api-gateway".into(),
            created: Some(ts("2026-11-28T07:00:00Z")),
            generation: 5,
            observed_generation: Some(5),
            strategy: RolloutStrategy::Canary {
                steps: vec![
                    CanaryStep::SetWeight(5),
                    CanaryStep::Analysis(vec!["success-rate".into()]),
                    CanaryStep::Pause(None),
                    CanaryStep::Other("setCanaryScale".into()),
                ]
            },
            desired: 10,
            replicas: 10,
            updated: 0,
            ready: 10,
            available: 10,
            paused: false,
            abort: true,
            phase: Some("Degraded".into()),
            message: Some("RolloutAborted: Rollout aborted update to revision 5: Metric \"success-rate\" assessed Failed due to failed (4) > failureLimit (3)".into()),
            current_step: Some(0),
            pause_started: None,
            pause_reasons: vec![],
            stable_hash: Some("6f7d8c9b0a".into()),
            current_hash: Some("5e6f7a8b9c".into()),
            canary_weight: Some(0),
            image: "reg/kc/api-gateway:v2.6.0".into(),
            conditions: vec![ConditionView {
                type_: "Progressing".into(),
                status: "False".into(),
                reason: Some("RolloutAborted".into()),
                message: Some("Rollout aborted update to revision 5".into()),
            }],
            analysis: Some(AnalysisView {
                name: "kubechat-api-gateway-5e6f7a8b9c-5-1".into(),
                status: "Failed".into(),
                message: Some(
                    "Metric \"success-rate\" assessed Failed due to failed (4) > failureLimit (3)"
                        .into()
                ),
            }),
        }
    );
    let row = crate::cluster::rows::argo_row(&RolloutView::from_json(&v), &[]);
    assert_eq!(row.phase, crate::cluster::rows::Phase::Degraded);
    assert!(row.note.unwrap().starts_with("RolloutAborted"));
}

#[test]
fn an_argo_replica_set_has_its_revision_from_argos_annotation() {
    let rs: k8s_openapi::api::apps::v1::ReplicaSet = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "kubechat-api-gateway-6f7d", "annotations": {"rollout.argoproj.io/revision": "3"},
                     "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "kubechat-api-gateway", "uid": "u", "controller": true}]},
        "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "api-gateway", "image": "api-gateway:2.4.1"}]}}}
    }))
    .unwrap();
    assert_eq!(ReplicaSetView::from(&rs).revision, Some(3));
}

#[test]
fn a_pod_read_field_by_field_from_its_text_views_as_the_whole_pod_does() {
    let text = include_str!("../../tests/fixtures/cluster.yaml");
    let mut pods = 0;
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let v: serde_json::Value = serde::Deserialize::deserialize(doc).unwrap();
        if v["kind"].as_str() != Some("Pod") {
            continue;
        }
        pods += 1;
        let whole: Pod = serde_json::from_value(v.clone()).unwrap();
        let json = serde_json::to_string(&v).unwrap();
        let fields: crate::cluster::pod_fields::PodFields = serde_json::from_str(&json).unwrap();
        assert_eq!(PodView::from(&fields), PodView::from(&whole), "{json}");
        assert_eq!(
            kube::Resource::meta(&fields).resource_version,
            whole.metadata.resource_version
        );
    }
    assert!(pods >= 3, "the fixture has pods");
}
