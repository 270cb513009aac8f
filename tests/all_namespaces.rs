//! `-A`: the console's watches, rows, writes and scope switch over every namespace of the
//! simulated cluster (the `scale` scenario spreads its Deployments over `scale-000`,
//! `scale-001`, … beside KubeChat's own `kubechat-system`), through kube-rs over HTTP.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::Api;
use kubechat_ops::cluster::scope::Scope;
use kubechat_ops::cluster::ClusterData;
use kubechat_ops::effect::{ClusterWrite, WorkloadKind};
use kubechat_ops::io::kube_watch;
use kubechat_ops::io::kube_writer::KubeWriter;
use kubechat_ops::msg::Msg;
use kubechat_sim::scenario::ScaleParams;
use kubechat_sim::{SimHandle, SimOptions};
use tokio::sync::mpsc;

async fn sim() -> SimHandle {
    SimHandle::start(SimOptions {
        scenario: "scale".into(),
        scale: Some(ScaleParams {
            deployments: 150,
            pods: 300,
            churn_per_sec: 0.0,
        }),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Folds the watches' messages into cluster data until `done` holds (60 s at most).
async fn watch_until(
    rx: &mut mpsc::Receiver<Msg>,
    data: &mut ClusterData,
    what: &str,
    done: impl Fn(&ClusterData) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done(data) {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("waited 60 s for {what}"))
            .expect("the watches stopped");
        if let Msg::Kube(m) = msg {
            data.update(m, jiff::Timestamp::now());
        }
    }
}

fn synced(d: &ClusterData) -> bool {
    d.deployments.synced && d.replica_sets.synced && d.services.synced && d.rollouts.synced
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_namespaces_show_every_namespace_and_write_to_the_right_one() {
    let sim = sim().await;
    let client = sim.client();

    let (tx, mut rx) = mpsc::channel(4096);
    let watchers = kube_watch::spawn_all(client.clone(), &Scope::All, tx);
    let mut data = ClusterData::default();
    watch_until(&mut rx, &mut data, "every namespace listed", |d| {
        synced(d) && d.namespaces.synced
    })
    .await;
    let names: Vec<&str> = data
        .rows
        .iter()
        .filter(|r| r.depth == 0)
        .map(|r| r.name.as_str())
        .collect();
    // 150 generated Deployments in two namespaces, KubeChat's own rows beside them
    assert_eq!(
        names.iter().filter(|n| n.starts_with("scale-000/")).count(),
        100
    );
    assert_eq!(
        names.iter().filter(|n| n.starts_with("scale-001/")).count(),
        50
    );
    assert!(
        names.contains(&"kubechat-system/postgres-primary"),
        "{names:?}"
    );
    assert!(names.iter().all(|n| n.contains('/')), "{names:?}");
    let live: Vec<&str> = data.namespaces.values().map(|n| n.name.as_str()).collect();
    assert!(
        live.contains(&"scale-001") && live.contains(&"kubechat-system"),
        "{live:?}"
    );

    // a write names the object as the console does; it lands in that object's namespace
    let writer = KubeWriter::new(client.clone(), "kubechat-system");
    let target = names
        .iter()
        .find(|n| n.starts_with("scale-001/"))
        .unwrap()
        .to_string();
    let write = ClusterWrite::Scale {
        kind: WorkloadKind::Deployment,
        name: target.clone(),
        replicas: 7,
    };
    writer.apply_in(&Scope::All, &write).await.unwrap();
    let plain = target.split_once('/').unwrap().1;
    let in_ns: Api<Deployment> = Api::namespaced(client.clone(), "scale-001");
    let d = in_ns.get(plain).await.unwrap();
    assert_eq!(d.spec.unwrap().replicas, Some(7));
    watch_until(&mut rx, &mut data, "the scaled row", |d| {
        d.rows
            .iter()
            .any(|r| r.name == target && r.progress.desired == 7)
    })
    .await;
    // a name without its namespace cannot be located while watching all of them
    let unplaced = ClusterWrite::Scale {
        kind: WorkloadKind::Deployment,
        name: plain.into(),
        replicas: 1,
    };
    let err = writer.apply_in(&Scope::All, &unplaced).await.unwrap_err();
    assert!(err.to_string().contains("names no namespace"), "{err}");
    for w in watchers {
        w.abort();
    }

    // one namespace again: plain names, that namespace only
    let (tx, mut rx) = mpsc::channel(4096);
    let scope = Scope::Namespace("scale-001".into());
    let watchers = kube_watch::spawn_all(client.clone(), &scope, tx);
    let mut data = ClusterData::default();
    watch_until(&mut rx, &mut data, "scale-001 listed", synced).await;
    assert_eq!(data.rows.len(), 50);
    assert!(data.rows.iter().all(|r| !r.name.contains('/')));
    assert!(data
        .rows
        .iter()
        .any(|r| r.name == plain && r.progress.desired == 7));
    for w in watchers {
        w.abort();
    }
    sim.shutdown().await;
}
