//! CloudNativePG in the simulated cluster: the default scenario's Cluster archives WAL as
//! the clock runs and a new Backup completes; in `stale-backup` archiving is failing, so
//! nothing moves and a new Backup fails. Read through kube-rs as the console reads them.

use std::time::Duration;

use kube::api::{Api, ApiResource, DynamicObject, PostParams};
use kubechat_sim::{SimHandle, SimOptions};
use serde_json::{json, Value};

const NS: &str = "kubechat-system";
const DEADLINE: Duration = Duration::from_secs(60);

fn kind(kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: "postgresql.cnpg.io".into(),
        version: "v1".into(),
        api_version: "postgresql.cnpg.io/v1".into(),
        kind: kind.into(),
        plural: plural.into(),
    }
}

async fn get(api: &Api<DynamicObject>, name: &str) -> Value {
    serde_json::to_value(api.get(name).await.unwrap()).unwrap()
}

/// Polls `name` until `done` holds (bounded by DEADLINE).
async fn until(api: &Api<DynamicObject>, name: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        let o = get(api, name).await;
        if done(&o) {
            return o;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited for {name}: {o:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn start(scenario: &str) -> (SimHandle, Api<DynamicObject>, Api<DynamicObject>) {
    let sim = SimHandle::start(SimOptions {
        scenario: scenario.into(),
        speed: 120.0,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let client = sim.client();
    let clusters = Api::namespaced_with(client.clone(), NS, &kind("Cluster", "clusters"));
    let backups = Api::namespaced_with(client, NS, &kind("Backup", "backups"));
    (sim, clusters, backups)
}

fn new_backup(name: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "postgresql.cnpg.io/v1", "kind": "Backup",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"cluster": {"name": "kubechat-postgres"}, "method": "barmanObjectStore"}
    }))
    .unwrap()
}

#[tokio::test]
async fn default_archives_wal_as_the_clock_runs_and_a_backup_completes() {
    let (sim, clusters, backups) = start("default").await;
    let before = get(&clusters, "kubechat-postgres").await;
    let wal = before["status"]["lastArchivedWAL"].clone();
    assert!(before["status"]["firstRecoverabilityPoint"].is_string());
    until(&clusters, "kubechat-postgres", |c| {
        c["status"]["lastArchivedWAL"] != wal
    })
    .await;
    backups
        .create(&PostParams::default(), &new_backup("on-demand"))
        .await
        .unwrap();
    let done = until(&backups, "on-demand", |b| {
        b["status"]["phase"] == "completed"
    })
    .await;
    let stopped = done["status"]["stoppedAt"].clone();
    let c = get(&clusters, "kubechat-postgres").await;
    assert_eq!(c["status"]["lastSuccessfulBackup"], stopped);
    sim.shutdown().await;
}

#[tokio::test]
async fn stale_backup_archiving_is_failing_and_a_backup_fails() {
    let (sim, clusters, backups) = start("stale-backup").await;
    let c = get(&clusters, "kubechat-postgres").await;
    let condition = c["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ContinuousArchiving")
        .unwrap()
        .clone();
    assert_eq!(condition["status"], "False");
    backups
        .create(&PostParams::default(), &new_backup("on-demand"))
        .await
        .unwrap();
    let failed = until(&backups, "on-demand", |b| b["status"]["phase"] == "failed").await;
    assert!(failed["status"]["error"]
        .as_str()
        .unwrap()
        .contains("WAL archiving is not working"));
    let after = get(&clusters, "kubechat-postgres").await;
    assert_eq!(
        after["status"]["lastArchivedWALTime"], c["status"]["lastArchivedWALTime"],
        "nothing is archived while archiving fails"
    );
    assert_eq!(
        after["status"]["lastFailedBackup"],
        failed["status"]["stoppedAt"]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_backup_without_its_cluster_is_refused() {
    let (sim, _, backups) = start("default").await;
    let bad: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "postgresql.cnpg.io/v1", "kind": "Backup",
        "metadata": {"name": "bad", "namespace": NS}, "spec": {"method": "barmanObjectStore"}
    }))
    .unwrap();
    let err = backups
        .create(&PostParams::default(), &bad)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 422),
        "{err}"
    );
    sim.shutdown().await;
}
