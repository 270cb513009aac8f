//! The RBAC self-check (`io::permissions`) against the simulated cluster: a scenario with a
//! restricted user (`permissions: deny`), asked through SelfSubjectAccessReviews as the
//! console asks at start.

use kubechat_ops::effect::{Permission, CONSOLE_WRITES, DELETE_DEPLOYMENTS, PATCH_SERVICES};
use kubechat_sim::{SimHandle, SimOptions};

const RESTRICTED: &str = r#"
name: restricted
description: the default cluster, for a user who may not patch services nor delete deployments
base: default
permissions:
  deny:
    - {verb: patch, resource: services}
    - {verb: delete, resource: deployments.apps, namespace: kubechat-system}
"#;

async fn review(scenario: &str) -> Vec<(Permission, Result<bool, String>)> {
    let sim = SimHandle::start(SimOptions {
        scenario: scenario.into(),
        ..SimOptions::default()
    })
    .await
    .expect("the simulator starts");
    let answers = kubechat_ops::io::permissions::review(&sim.client(), "kubechat-system").await;
    sim.shutdown().await;
    answers
}

#[tokio::test]
async fn a_restricted_user_is_told_what_is_not_permitted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restricted.yaml");
    std::fs::write(&path, RESTRICTED).unwrap();
    let answers = review(path.to_str().unwrap()).await;
    assert_eq!(answers.len(), CONSOLE_WRITES.len());
    let denied: Vec<Permission> = answers
        .iter()
        .filter(|(_, a)| *a == Ok(false))
        .map(|(p, _)| *p)
        .collect();
    assert_eq!(denied, [DELETE_DEPLOYMENTS, PATCH_SERVICES], "{answers:?}");
    assert!(answers.iter().all(|(_, a)| a.is_ok()), "{answers:?}");

    // the default scenario's user may do everything the console does
    let answers = review("default").await;
    assert!(answers.iter().all(|(_, a)| *a == Ok(true)), "{answers:?}");
}
