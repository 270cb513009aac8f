//! Cluster-changing actions: dialogs, confirmation, cancel and the read-only guard.

use crossterm::event::KeyCode;

use crate::action::Action;
use crate::effect::Effect;
use crate::effect::{ClusterWrite, WorkloadKind, WriteError, WriteOutcome};
use crate::feed::EntryKind;
use crate::msg::Msg;
use crate::shell::actions::apply_action;
use crate::shell::overlay::Overlay;
use crate::shell::test_support::{code, key, select, state, writes};
use crate::shell::update;
use crate::shell::State;

#[test]
fn scale_asks_number_then_confirmation_then_writes() {
    let mut s = state(false);
    select(&mut s, "kubechat-api-gateway-blue");
    assert!(update(&mut s, key('s')).is_empty());
    assert!(matches!(s.overlay, Overlay::Input { .. }));
    update(&mut s, code(KeyCode::Backspace));
    update(&mut s, key('x'));
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(matches!(&s.overlay, Overlay::Input { error: Some(_), .. }));
    update(&mut s, code(KeyCode::Backspace));
    update(&mut s, key('5'));
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("expected a confirmation, got {:?}", s.overlay)
    };
    assert_eq!(
        p.prompt,
        "Scale deployment kubechat-api-gateway-blue from 3 to 5 replicas?"
    );
    let effects = update(&mut s, key('y'));
    assert_eq!(
        writes(&effects),
        vec![&ClusterWrite::Scale {
            kind: WorkloadKind::Deployment,
            name: "kubechat-api-gateway-blue".into(),
            replicas: 5
        }]
    );
    assert!(s.overlay.is_none());
    let last = s.timeline.last().unwrap();
    assert_eq!(last.kind, EntryKind::Action);
    assert_eq!(
        last.text,
        "scale deployment kubechat-api-gateway-blue to 5: requested"
    );

    // the result comes back as Done and lands on the timeline
    update(
        &mut s,
        Msg::Done(WriteOutcome {
            write: writes(&effects)[0].clone(),
            result: Err(WriteError::Refused {
                code: 403,
                message: "forbidden".into(),
            }),
        }),
    );
    let last = s.timeline.last().unwrap();
    assert_eq!(
        (last.kind, last.bad, last.text.as_str()),
        (
            EntryKind::Result,
            true,
            "scale deployment kubechat-api-gateway-blue to 5: FAILED — forbidden"
        )
    );
}

#[test]
fn cancel_produces_no_effect() {
    let mut s = state(false);
    select(&mut s, "kubechat-api-gateway");
    update(&mut s, key('w'));
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("no confirmation")
    };
    assert_eq!(
        p.prompt,
        "Switch service kubechat-api-gateway from blue to green?"
    );
    assert!(update(&mut s, key('n')).is_empty());
    assert!(s.overlay.is_none());
    update(&mut s, key('w'));
    assert!(update(&mut s, code(KeyCode::Esc)).is_empty());
    assert!(s.overlay.is_none());
    update(&mut s, key('w'));
    let effects = update(&mut s, code(KeyCode::Enter));
    assert_eq!(
        writes(&effects),
        vec![&ClusterWrite::SwitchSlot {
            service: "kubechat-api-gateway".into(),
            slot: "green".into()
        }]
    );
}

#[test]
fn canary_actions_and_not_applicable_ones() {
    let mut s = state(false);
    select(&mut s, "kubechat-chat-service");
    update(&mut s, key('P'));
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("no confirmation")
    };
    assert_eq!(
        p.prompt,
        "Promote rollout kubechat-chat-service to the next step (at step 4/10, weight 10%)?"
    );
    update(&mut s, key('n'));
    // switch on a canary is refused with a reason, no dialog
    update(&mut s, key('w'));
    assert!(s.overlay.is_none());
    assert_eq!(
        s.toast.as_ref().unwrap().text,
        "switch-slot: not a blue/green rollout"
    );
    select(&mut s, "kubechat-auth-service");
    update(&mut s, key('u'));
    // the previous revision is offered; Enter takes it
    update(&mut s, code(KeyCode::Enter));
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("no confirmation")
    };
    assert_eq!(
        p.prompt,
        "Roll back deployment kubechat-auth-service from revision 5 to revision 4?"
    );
    let effects = update(&mut s, key('y'));
    assert_eq!(
        writes(&effects),
        vec![&ClusterWrite::Undo {
            name: "kubechat-auth-service".into(),
            to_revision: None
        }]
    );
    // a revision it does not have is refused in the input
    update(&mut s, key('u'));
    update(&mut s, code(KeyCode::Backspace));
    update(&mut s, key('9'));
    update(&mut s, code(KeyCode::Enter));
    assert!(matches!(
        &s.overlay,
        Overlay::Input { error: Some(e), .. } if e == "choose one of the revisions: 4"
    ));
}

#[test]
fn read_only_guard_refuses_every_mutating_action() {
    for action in Action::all() {
        for name in [
            "kubechat-api-gateway",
            "kubechat-chat-service",
            "kubechat-web",
        ] {
            let mut s = state(true);
            select(&mut s, name);
            let before = s.timeline.len();
            let mut effects = apply_action_for_test(&mut s, action);
            // whatever dialog the action opened, say yes to it
            effects.extend(update(&mut s, key('5')));
            effects.extend(update(&mut s, code(KeyCode::Enter)));
            effects.extend(update(&mut s, key('y')));
            assert!(
                effects.iter().all(|e| !e.is_mutating()),
                "{action} on {name} wrote in read-only mode: {effects:?}"
            );
            if action.is_mutating() {
                let refusal = format!("read-only mode: {} refused", action.name());
                assert_eq!(
                    s.toast.as_ref().map(|t| t.text.as_str()),
                    Some(refusal.as_str())
                );
                assert_eq!(s.timeline.len(), before + 1);
                assert_eq!(s.timeline.last().unwrap().text, refusal);
                assert_eq!(s.timeline.last().unwrap().kind, EntryKind::Refused);
            }
        }
    }
}

fn apply_action_for_test(s: &mut State, action: Action) -> Vec<Effect> {
    apply_action(s, action)
}

#[test]
fn read_only_guard_through_the_keys() {
    let mut s = state(true);
    select(&mut s, "kubechat-api-gateway");
    for c in ['s', 'r', 'u', 'p', 'w', 'P', 'F', 'A', 'R'] {
        let mut effects = update(&mut s, key(c));
        effects.extend(update(&mut s, key('y')));
        effects.extend(update(&mut s, code(KeyCode::Enter)));
        assert!(effects.iter().all(|e| !e.is_mutating()), "key {c}");
        assert!(s.overlay.is_none(), "key {c} opened {:?}", s.overlay);
    }
}
