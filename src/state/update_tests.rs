//! `update` tests: build a State, feed Msgs, assert fields and the returned Effects.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;

use super::*;
use crate::effect::{ClusterWrite, WorkloadKind};
use crate::keymap::Keymap;
use crate::state::load::kube_msgs_from_yaml;
use crate::state::{Pane, StateInit};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn state(read_only: bool) -> State {
    let mut s = State::new(StateInit {
        context: "kind-kubechat".into(),
        namespace: "kubechat-system".into(),
        read_only,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: Some("http://127.0.0.1:9090".into()),
        warnings: vec![],
    });
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:00Z")));
    let text = include_str!("../../tests/fixtures/cluster.yaml");
    for m in kube_msgs_from_yaml(text, "cluster.yaml").unwrap() {
        update(&mut s, Msg::Kube(m));
    }
    s
}

fn key(c: char) -> Msg {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn select(s: &mut State, name: &str) {
    s.rollout_cursor = s.rows.iter().position(|r| r.name == name).unwrap();
}

fn writes(effects: &[Effect]) -> Vec<&ClusterWrite> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Write(w) => Some(w),
            _ => None,
        })
        .collect()
}

#[test]
fn focus_moves_by_tab_backtab_and_numbers() {
    let mut s = state(false);
    assert_eq!(s.focus, Pane::Rollouts);
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(s.focus, Pane::Kpis);
    update(&mut s, code(KeyCode::Tab));
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(s.focus, Pane::Rollouts);
    update(&mut s, code(KeyCode::BackTab));
    assert_eq!(s.focus, Pane::Timeline);
    update(&mut s, key('2'));
    assert_eq!(s.focus, Pane::Kpis);
    update(&mut s, key('1'));
    assert_eq!(s.focus, Pane::Rollouts);
}

#[test]
fn zoom_and_back() {
    let mut s = state(false);
    update(&mut s, key('3'));
    update(&mut s, key('z'));
    assert!(s.zoomed);
    assert_eq!(s.focus, Pane::Timeline);
    update(&mut s, key('z'));
    assert!(!s.zoomed);
    update(&mut s, key('z'));
    update(&mut s, code(KeyCode::Esc));
    assert!(!s.zoomed, "Esc also leaves zoom");
}

#[test]
fn help_opens_and_closes() {
    let mut s = state(false);
    update(&mut s, key('?'));
    assert!(matches!(s.overlay, Overlay::Help { scroll: 0 }));
    update(&mut s, key('j'));
    assert!(matches!(s.overlay, Overlay::Help { scroll: 1 }));
    // keys other than the help's own do nothing while it is open
    update(&mut s, key('2'));
    assert_eq!(s.focus, Pane::Rollouts);
    update(&mut s, code(KeyCode::Esc));
    assert!(s.overlay.is_none());
    update(&mut s, key('?'));
    update(&mut s, key('?'));
    assert!(s.overlay.is_none());
}

#[test]
fn palette_filters_and_runs() {
    let mut s = state(false);
    update(&mut s, key(':'));
    for c in "timeline".chars() {
        update(&mut s, key(c));
    }
    assert!(matches!(&s.overlay, Overlay::Palette { query, .. } if query == "timeline"));
    update(&mut s, code(KeyCode::Enter));
    assert!(s.overlay.is_none());
    assert_eq!(s.focus, Pane::Timeline);

    // a mutating action from the palette goes to its confirmation like its key
    update(&mut s, key('1'));
    select(&mut s, "kubechat-web");
    update(&mut s, key(':'));
    for c in "restart".chars() {
        update(&mut s, key(c));
    }
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(effects.is_empty());
    assert!(matches!(&s.overlay, Overlay::Confirm(p) if p.action == Action::Restart));

    update(&mut s, code(KeyCode::Esc));
    update(&mut s, key(':'));
    update(&mut s, key('q'));
    update(&mut s, key('z'));
    update(&mut s, key('x'));
    update(&mut s, code(KeyCode::Enter));
    assert!(!s.should_quit, "no match runs nothing");
}

#[test]
fn scale_asks_number_then_confirmation_then_writes() {
    let mut s = state(false);
    select(&mut s, "kubechat-api-gateway-blue");
    assert!(update(&mut s, key('s')).is_empty());
    assert!(matches!(s.overlay, Overlay::NumberInput { .. }));
    update(&mut s, code(KeyCode::Backspace));
    update(&mut s, key('x'));
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(matches!(
        &s.overlay,
        Overlay::NumberInput { error: Some(_), .. }
    ));
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
        Msg::Done(effects[1].clone(), Err("forbidden".into())),
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
        Overlay::NumberInput { error: Some(e), .. } if e == "choose one of the revisions: 4"
    ));
}

#[test]
fn read_only_guard_refuses_every_mutating_action() {
    for action in Action::ALL {
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
                effects.iter().all(|e| !e.is_write()),
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
    super::super::actions::apply_action(s, action)
}

#[test]
fn read_only_guard_through_the_keys() {
    let mut s = state(true);
    select(&mut s, "kubechat-api-gateway");
    for c in ['s', 'r', 'u', 'p', 'w', 'P', 'F', 'A', 'R'] {
        let mut effects = update(&mut s, key(c));
        effects.extend(update(&mut s, key('y')));
        effects.extend(update(&mut s, code(KeyCode::Enter)));
        assert!(effects.iter().all(|e| !e.is_write()), "key {c}");
        assert!(s.overlay.is_none(), "key {c} opened {:?}", s.overlay);
    }
}

#[test]
fn warnings_sources_and_rollout_transitions_reach_the_timeline() {
    let mut s = state(false);
    let warnings: Vec<&str> = s
        .timeline
        .newest_first()
        .filter(|e| e.kind == EntryKind::Warning)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        warnings,
        vec![
            "Unhealthy pod/kubechat-auth-service-8a9b0c1d2-k2v8y: Readiness probe failed: HTTP probe failed with statuscode: 503",
            "BackOff pod/kubechat-ai-engine-9e8d7c6b5-p5y3b: Back-off restarting failed container main in pod kubechat-ai-engine-9e8d7c6b5-p5y3b",
            "ProgressDeadlineExceeded deployment/kubechat-ai-engine: ReplicaSet \"kubechat-ai-engine-9e8d7c6b5\" has timed out progressing.",
        ]
    );
    // the same event again (a relist) is not a new entry; a higher count is
    let ev = s
        .cluster
        .events
        .get("kubechat-ai-engine.2")
        .unwrap()
        .clone();
    let n = s.timeline.len();
    update(
        &mut s,
        Msg::Kube(KubeMsg::Events(Change::Upsert(ev.clone()))),
    );
    assert_eq!(s.timeline.len(), n);
    let mut again = ev;
    again.count += 1;
    update(&mut s, Msg::Kube(KubeMsg::Events(Change::Upsert(again))));
    assert_eq!(s.timeline.len(), n + 1);

    // source lost and recovered
    let at = ts("2026-11-28T15:10:05Z");
    update(
        &mut s,
        Msg::Kube(KubeMsg::SourceError {
            kind: "pods",
            error: Some("connection refused".into()),
            at,
        }),
    );
    assert_eq!(s.kube.health, crate::state::sources::Health::Disconnected);
    assert_eq!(
        s.timeline.last().unwrap().text,
        "kubernetes disconnected: pods: connection refused"
    );
    update(
        &mut s,
        Msg::Kube(KubeMsg::SourceError {
            kind: "pods",
            error: None,
            at,
        }),
    );
    assert_eq!(s.timeline.last().unwrap().text, "kubernetes reconnected");

    // a rollout finishing: auth-service's status catches up
    let mut d = s
        .cluster
        .deployments
        .get("kubechat-auth-service")
        .unwrap()
        .clone();
    (d.replicas, d.updated, d.ready, d.available) = (3, 3, 3, 3);
    update(&mut s, Msg::Kube(KubeMsg::Deployments(Change::Upsert(d))));
    assert_eq!(
        s.timeline.last().unwrap().text,
        "rollout finished: kubechat-auth-service"
    );
    // and starting again
    let mut d = s.cluster.deployments.get("kubechat-web").unwrap().clone();
    d.generation += 1;
    update(&mut s, Msg::Kube(KubeMsg::Deployments(Change::Upsert(d))));
    assert_eq!(
        s.timeline.last().unwrap().text,
        "rollout started: kubechat-web"
    );
}

#[test]
fn prometheus_status_and_ages() {
    let mut s = state(false);
    assert_eq!(s.prom.health, crate::state::sources::Health::Unknown);
    update(
        &mut s,
        Msg::PromStatus {
            error: None,
            at: ts("2026-11-28T15:10:00Z"),
        },
    );
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:04Z")));
    assert_eq!(s.prom.age_secs(s.now.unwrap()), Some(4));
    update(
        &mut s,
        Msg::PromStatus {
            error: Some("timeout".into()),
            at: ts("2026-11-28T15:10:05Z"),
        },
    );
    assert_eq!(
        s.timeline.last().unwrap().text,
        "prometheus disconnected: timeout"
    );
}

#[test]
fn quit_and_cursor_bounds() {
    let mut s = state(false);
    update(&mut s, key('G'));
    assert_eq!(s.rollout_cursor, s.rows.len() - 1);
    update(&mut s, key('j'));
    assert_eq!(s.rollout_cursor, s.rows.len() - 1);
    update(&mut s, key('g'));
    assert_eq!(s.rollout_cursor, 0);
    update(&mut s, key('k'));
    assert_eq!(s.rollout_cursor, 0);
    assert!(!s.should_quit);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(s.should_quit);
}

fn rows_from_scratch(s: &State) -> Vec<crate::state::rollouts::RolloutRow> {
    use crate::state::rollouts::{derive_rows, replica_sets_by_owner};
    let d = &s.cluster;
    derive_rows(
        d.deployments.values(),
        &replica_sets_by_owner(d.replica_sets.values()),
        d.services.values(),
        d.rollouts.values(),
    )
}

#[test]
fn single_row_updates_match_a_full_derivation() {
    let mut s = state(false);
    assert_eq!(s.rows, rows_from_scratch(&s));
    // a ReplicaSet of a plain Deployment scales: only that row is re-derived
    let mut rs = s
        .cluster
        .replica_sets
        .get("kubechat-auth-service-6b7c8d9e0")
        .unwrap()
        .clone();
    rs.replicas = 0;
    update(&mut s, Msg::Kube(KubeMsg::ReplicaSets(Change::Upsert(rs))));
    assert_eq!(s.rows, rows_from_scratch(&s));
    assert_eq!(
        s.rows[4].image_old, None,
        "old image gone once its pods are"
    );
    // the canary moves a step
    let mut r = s
        .cluster
        .rollouts
        .get("kubechat-chat-service")
        .unwrap()
        .clone();
    r.current_step = Some(4);
    r.phase = Some("Progressing".into());
    update(&mut s, Msg::Kube(KubeMsg::Rollouts(Change::Upsert(r))));
    assert_eq!(s.rows, rows_from_scratch(&s));
    // a removed ReplicaSet and Deployment
    update(
        &mut s,
        Msg::Kube(KubeMsg::ReplicaSets(Change::Remove(
            "kubechat-ai-engine-4d5e6f7a8".into(),
        ))),
    );
    assert_eq!(s.rows, rows_from_scratch(&s));
    update(
        &mut s,
        Msg::Kube(KubeMsg::Deployments(Change::Remove("kubechat-web".into()))),
    );
    assert_eq!(s.rows, rows_from_scratch(&s));
    assert_eq!(s.rows.len(), 6);
    assert_eq!(s.row_index.len(), 6);
}

#[test]
fn start_up_warnings_show_then_go_to_the_timeline() {
    let mut s = State::new(StateInit {
        context: "c".into(),
        namespace: "n".into(),
        read_only: false,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: None,
        warnings: vec![
            "themes/x.toml:3: field `warn`: fg: unknown colour".into(),
            "keymap.toml:2: unknown action".into(),
        ],
    });
    assert_eq!(
        s.toast.as_ref().unwrap().text,
        "themes/x.toml:3: field `warn`: fg: unknown colour (+1 more on the timeline)"
    );
    update(&mut s, Msg::Tick(ts("2026-11-28T15:00:00Z")));
    let texts: Vec<&str> = s.timeline.newest_first().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "keymap.toml:2: unknown action",
            "themes/x.toml:3: field `warn`: fg: unknown colour"
        ]
    );
    // the toast goes after a while, on the clock
    update(&mut s, Msg::Tick(ts("2026-11-28T15:00:07Z")));
    assert!(s.toast.is_some());
    update(&mut s, Msg::Tick(ts("2026-11-28T15:00:08Z")));
    assert!(s.toast.is_none());
    assert_eq!(s.prom.health, crate::state::sources::Health::Off);
}
