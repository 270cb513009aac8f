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

/// A user who may look but change nothing: every write the console can make is denied.
const VIEWER: &str = r#"
name: viewer
description: the default cluster, for a user who may change nothing
base: default
permissions:
  deny:
    - {verb: patch, resource: "*"}
    - {verb: update, resource: "*"}
    - {verb: delete, resource: "*"}
    - {verb: create, resource: jobs.batch}
    - {verb: create, resource: configmaps}
"#;

/// The console as the viewer sees it: the self-check's real answers from the simulator,
/// then every action that writes — rollouts, backups, whatever a pane offers — is refused
/// before any confirmation opens and marked "not permitted (RBAC)" in help.
#[tokio::test]
async fn a_viewer_is_refused_every_write_before_its_confirmation() {
    use kubechat_ops::action::Action;
    use kubechat_ops::panes::{PaneAction, PaneId};
    use kubechat_ops::shell::{actions::apply_action, overlay::Overlay, State, StateInit};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("viewer.yaml");
    std::fs::write(&path, VIEWER).unwrap();
    let answers = review(path.to_str().unwrap()).await;
    assert!(answers.iter().all(|(_, a)| *a == Ok(false)), "{answers:?}");
    let mut s = State::new(StateInit {
        context: "kubechat-sim".into(),
        scope: kubechat_ops::cluster::scope::Scope::Namespace("kubechat-system".into()),
        read_only: false,
        demo: None,
        keymap: kubechat_ops::keymap::Keymap::defaults(),
        prometheus: None,
        warnings: vec![],
    });
    kubechat_ops::shell::update(&mut s, kubechat_ops::msg::Msg::Permissions(answers));
    let mut refused = Vec::new();
    for pane in PaneId::ALL {
        for a in PaneAction::all(*pane)
            .into_iter()
            .filter(|a| a.is_mutating())
        {
            let effects = apply_action(&mut s, Action::Pane(a));
            assert!(effects.is_empty(), "{}: {effects:?}", a.name());
            assert!(
                matches!(s.overlay, Overlay::None),
                "{}: {:?}",
                a.name(),
                s.overlay
            );
            let toast = &s.toast.as_ref().unwrap().text;
            assert!(
                toast.starts_with(&format!("not permitted (RBAC): {}", a.name())),
                "{toast}"
            );
            refused.push(a.name());
        }
    }
    for name in [
        "scale",
        "switch-slot",
        "promote",
        "backup-run-now",
        "backup-suspend",
    ] {
        assert!(refused.contains(&name), "{name} in {refused:?}");
    }
}
