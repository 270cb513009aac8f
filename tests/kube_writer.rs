//! Every cluster write the console can make, carried out by `io::kube_writer::KubeWriter`
//! against the simulated cluster over HTTP, and checked with kube-rs the way `kubectl get`
//! would show it.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kubechat_ops::effect::{ClusterWrite, WorkloadKind};
use kubechat_ops::io::kube_watch::rollout_resource;
use kubechat_ops::io::kube_writer::KubeWriter;
use kubechat_sim::{SimHandle, SimOptions};
use serde_json::json;

const NS: &str = "kubechat-system";

async fn apply(writer: &KubeWriter, write: ClusterWrite) -> String {
    writer
        .apply(&write)
        .await
        .unwrap_or_else(|e| panic!("{write:?}: {e}"))
}

/// Polls `check` until it holds (the simulated controllers act asynchronously).
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "waited 60 s for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_writes_change_the_cluster_as_kubectl_would() {
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let client = sim.client();
    let writer = KubeWriter::new(client.clone(), NS);
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), NS);

    apply(
        &writer,
        ClusterWrite::Scale {
            kind: WorkloadKind::Deployment,
            name: "postgres-primary".into(),
            replicas: 2,
        },
    )
    .await;
    let d = deployments.get("postgres-primary").await.unwrap();
    assert_eq!(d.spec.unwrap().replicas, Some(2));

    apply(
        &writer,
        ClusterWrite::SetPaused {
            name: "kubechat-log-shipper".into(),
            paused: true,
        },
    )
    .await;
    assert_eq!(
        deployments
            .get("kubechat-log-shipper")
            .await
            .unwrap()
            .spec
            .unwrap()
            .paused,
        Some(true)
    );
    apply(
        &writer,
        ClusterWrite::SetPaused {
            name: "kubechat-log-shipper".into(),
            paused: false,
        },
    )
    .await;
    assert_eq!(
        deployments
            .get("kubechat-log-shipper")
            .await
            .unwrap()
            .spec
            .unwrap()
            .paused,
        Some(false)
    );

    apply(
        &writer,
        ClusterWrite::Restart {
            kind: WorkloadKind::Deployment,
            name: "kubechat-log-shipper".into(),
        },
    )
    .await;
    let template = deployments
        .get("kubechat-log-shipper")
        .await
        .unwrap()
        .spec
        .unwrap()
        .template;
    let annotations = template.metadata.unwrap().annotations.unwrap_or_default();
    assert!(
        annotations.contains_key("kubectl.kubernetes.io/restartedAt"),
        "{annotations:?}"
    );

    // Undo: after the restart made revision 2, roll back to revision 1's template.
    let rs_api: Api<ReplicaSet> = Api::namespaced(client.clone(), NS);
    eventually("a second ReplicaSet for the restart", || async {
        rs_api
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .filter(|rs| {
                rs.metadata
                    .name
                    .as_deref()
                    .unwrap_or("")
                    .starts_with("kubechat-log-shipper-")
            })
            .count()
            >= 2
    })
    .await;
    let summary = apply(
        &writer,
        ClusterWrite::Undo {
            name: "kubechat-log-shipper".into(),
            to_revision: None,
        },
    )
    .await;
    assert!(summary.contains("rolled back to revision 1"), "{summary}");
    let template = deployments
        .get("kubechat-log-shipper")
        .await
        .unwrap()
        .spec
        .unwrap()
        .template;
    let annotations = template.metadata.unwrap().annotations.unwrap_or_default();
    assert!(
        !annotations.contains_key("kubectl.kubernetes.io/restartedAt"),
        "revision 1 had no restart stamp"
    );

    let err = writer
        .apply(&ClusterWrite::Undo {
            name: "kubechat-log-shipper".into(),
            to_revision: Some(99),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("revision 99"), "{err}");

    apply(
        &writer,
        ClusterWrite::SwitchSlot {
            service: "kubechat-api-gateway".into(),
            slot: "green".into(),
        },
    )
    .await;
    let services: Api<Service> = Api::namespaced(client.clone(), NS);
    let selector = services
        .get("kubechat-api-gateway")
        .await
        .unwrap()
        .spec
        .unwrap()
        .selector
        .unwrap();
    assert_eq!(
        selector.get("deployment-slot").map(String::as_str),
        Some("green")
    );
    assert_eq!(
        selector.get("app.kubernetes.io/name").map(String::as_str),
        Some("kubechat"),
        "the rest of the selector stays"
    );

    apply(
        &writer,
        ClusterWrite::DeleteDeployment {
            name: "kubechat-api-gateway-blue".into(),
        },
    )
    .await;
    eventually("the blue deployment gone", || async {
        deployments
            .get_opt("kubechat-api-gateway-blue")
            .await
            .unwrap()
            .is_none()
    })
    .await;

    let err = writer
        .apply(&ClusterWrite::Scale {
            kind: WorkloadKind::Deployment,
            name: "nope".into(),
            replicas: 1,
        })
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not found"),
        "a failed write says why: {err}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_writes_change_the_cluster_as_the_argo_plugin_would() {
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let client = sim.client();
    let writer = KubeWriter::new(client.clone(), NS);
    let rollouts: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), NS, &rollout_resource());
    let name = "kubechat-api-gateway";

    apply(
        &writer,
        ClusterWrite::Scale {
            kind: WorkloadKind::Rollout,
            name: name.into(),
            replicas: 12,
        },
    )
    .await;
    assert_eq!(
        rollouts.get(name).await.unwrap().data["spec"]["replicas"],
        12
    );

    apply(
        &writer,
        ClusterWrite::Restart {
            kind: WorkloadKind::Rollout,
            name: name.into(),
        },
    )
    .await;
    assert!(rollouts.get(name).await.unwrap().data["spec"]["restartAt"].is_string());

    // A new image starts a canary that pauses at its first pause step.
    let image = json!({"spec": {"template": {"spec": {"containers": [{"name": "api-gateway", "image": "harbor.company.com/kubechat/api-gateway:2.4.2"}]}}}});
    rollouts
        .patch(name, &PatchParams::default(), &Patch::Merge(&image))
        .await
        .unwrap();
    eventually("the canary paused at a step", || async {
        let r = rollouts.get(name).await.unwrap();
        r.data["status"]["pauseConditions"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    })
    .await;
    apply(
        &writer,
        ClusterWrite::Promote {
            name: name.into(),
            full: false,
        },
    )
    .await;
    let r = rollouts.get(name).await.unwrap();
    assert_ne!(r.data["spec"]["paused"], true);
    eventually("the canary past its first pause", || async {
        rollouts.get(name).await.unwrap().data["status"]["currentStepIndex"]
            .as_i64()
            .unwrap_or(0)
            >= 2
    })
    .await;

    apply(&writer, ClusterWrite::Abort { name: name.into() }).await;
    assert_eq!(
        rollouts.get(name).await.unwrap().data["status"]["abort"],
        true
    );
    eventually("the aborted rollout Degraded", || async {
        rollouts.get(name).await.unwrap().data["status"]["phase"] == "Degraded"
    })
    .await;
    apply(&writer, ClusterWrite::Retry { name: name.into() }).await;
    assert_ne!(
        rollouts.get(name).await.unwrap().data["status"]["abort"],
        true
    );

    apply(
        &writer,
        ClusterWrite::Promote {
            name: name.into(),
            full: true,
        },
    )
    .await;
    eventually(
        "the fully promoted rollout Healthy on the new image",
        || async {
            let r = rollouts.get(name).await.unwrap();
            r.data["status"]["phase"] == "Healthy"
        },
    )
    .await;
    sim.shutdown().await;
}
