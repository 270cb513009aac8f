//! The guided switch's every branch, driven through `update` as the loop drives it.

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::effect::{ClusterWrite, Effect, WorkloadKind, WriteError, WriteOutcome};
use crate::kpi::{KpiBoard, KpiMsg};
use crate::msg::{Change, KubeMsg, Msg};
use crate::shell::overlay::Overlay;
use crate::shell::test_support::{key, select, state, ts, writes};
use crate::shell::{update, State};

const SVC: &str = "kubechat-api-gateway";

fn at(secs: i64) -> Timestamp {
    ts("2026-11-28T15:10:00Z") + SignedDuration::from_secs(secs)
}

/// The fixture namespace, the built-in KPIs, a 60 s window, the pair selected.
fn ready() -> State {
    let mut s = state(false);
    s.kpis = KpiBoard::new(crate::kpi::defs::builtin());
    s.panes.rollouts.guided_config.window = SignedDuration::from_secs(60);
    select(&mut s, SVC);
    s
}

fn to(slot: &str) -> ClusterWrite {
    ClusterWrite::SwitchSlot {
        service: SVC.into(),
        slot: slot.into(),
    }
}

fn done(s: &mut State, w: ClusterWrite, ok: bool) -> Vec<Effect> {
    let result = if ok {
        Ok("patched".to_string())
    } else {
        Err(WriteError::Refused {
            code: 403,
            message: "forbidden".into(),
        })
    };
    update(s, Msg::Done(WriteOutcome { write: w, result }))
}

fn error_rate(s: &mut State, value: f64, secs: i64) -> Vec<Effect> {
    update(
        s,
        Msg::Kpi(KpiMsg::Sample {
            id: ERROR_RATE_KPI.into(),
            value: Some(value),
            at: at(secs),
        }),
    )
}

fn phase(s: &State) -> &GuidedPhase {
    &s.panes
        .rollouts
        .guided
        .as_ref()
        .expect("a guided run")
        .phase
}

/// W, y: the switch to green is confirmed and sent; its success starts the window.
fn switched(s: &mut State) {
    assert!(update(s, key('W')).is_empty());
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("expected a confirmation, got {:?}", s.overlay)
    };
    assert!(
        p.prompt
            .starts_with("Switch service kubechat-api-gateway from blue to green"),
        "{}",
        p.prompt
    );
    let effects = update(s, key('y'));
    assert_eq!(writes(&effects), vec![&to("green")]);
    assert!(matches!(phase(s), GuidedPhase::Switching { .. }));
    assert!(done(s, to("green"), true).is_empty());
    assert!(matches!(phase(s), GuidedPhase::Monitoring { .. }));
}

#[test]
fn ready_check_refuses_an_idle_slot_not_fully_ready() {
    let mut s = ready();
    let mut green = s
        .cluster
        .deployments
        .get("kubechat-api-gateway-green")
        .cloned()
        .unwrap();
    green.ready = 1;
    green.available = 1;
    update(
        &mut s,
        Msg::Kube(KubeMsg::Deployments(Change::Upsert(green))),
    );
    select(&mut s, SVC);
    assert!(update(&mut s, key('W')).is_empty());
    assert!(s.overlay.is_none(), "no dialog: {:?}", s.overlay);
    assert!(s.panes.rollouts.guided.is_none());
    let last = s.timeline.last().unwrap();
    assert!(last.bad);
    assert!(
        last.text
            .contains("green (kubechat-api-gateway-green) is not fully ready")
            && last.text.contains("1 of 3 ready"),
        "{}",
        last.text
    );
}

#[test]
fn refused_on_a_plain_deployment_and_in_read_only_mode() {
    let mut s = ready();
    select(&mut s, "kubechat-auth-service");
    update(&mut s, key('W'));
    assert!(s.overlay.is_none());
    assert!(s
        .timeline
        .last()
        .unwrap()
        .text
        .contains("not a blue/green pair"));

    let mut s = state(true);
    s.kpis = KpiBoard::new(crate::kpi::defs::builtin());
    select(&mut s, SVC);
    assert!(update(&mut s, key('W')).is_empty());
    assert!(s.overlay.is_none());
    assert!(s.timeline.last().unwrap().text.contains("read-only mode"));
}

#[test]
fn quiet_window_succeeds_then_offers_the_cleanup() {
    let mut s = ready();
    update(&mut s, Msg::Tick(at(1)));
    switched(&mut s);
    assert!(error_rate(&mut s, 0.2, 10).is_empty());
    update(&mut s, Msg::Tick(at(30)));
    assert!(matches!(phase(&s), GuidedPhase::Monitoring { .. }));
    update(&mut s, Msg::Tick(at(61)));
    assert_eq!(phase(&s), &GuidedPhase::Succeeded { worst: Some(0.2) });
    assert!(s.timeline.last().unwrap().text.contains("green held"));

    // the cleanup: scale blue to 0, confirmed
    update(&mut s, key('W'));
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("expected the cleanup dialog")
    };
    assert!(
        p.prompt.contains("kubechat-api-gateway-blue"),
        "{}",
        p.prompt
    );
    let scale = ClusterWrite::Scale {
        kind: WorkloadKind::Deployment,
        name: "kubechat-api-gateway-blue".into(),
        replicas: 0,
    };
    assert_eq!(writes(&update(&mut s, key('y'))), vec![&scale]);
    done(&mut s, scale, true);
    assert!(matches!(phase(&s), GuidedPhase::ScaledDown { .. }));

    // delete, confirmed, with the procedures' wait as a caution
    update(&mut s, key('W'));
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("expected the delete dialog")
    };
    assert!(p.caution.as_deref().unwrap_or("").contains("wait 10m"));
    let delete = ClusterWrite::DeleteDeployment {
        name: "kubechat-api-gateway-blue".into(),
    };
    assert_eq!(writes(&update(&mut s, key('y'))), vec![&delete]);
    done(&mut s, delete, true);
    assert_eq!(phase(&s), &GuidedPhase::Done);
}

#[test]
fn error_spike_switches_back_by_itself_and_says_why() {
    let mut s = ready();
    update(&mut s, Msg::Tick(at(1)));
    switched(&mut s);
    // a sample from before the switch does not count
    assert!(error_rate(&mut s, 5.0, -30).is_empty());
    assert!(error_rate(&mut s, 0.5, 5).is_empty());
    let effects = error_rate(&mut s, 3.4, 20);
    assert_eq!(writes(&effects), vec![&to("blue")]);
    let GuidedPhase::RollingBack { reason } = phase(&s).clone() else {
        panic!("{:?}", phase(&s))
    };
    assert_eq!(
        reason,
        "error rate 3.40% > 1% 19s after the switch to green"
    );
    // no second switch-back for the next sample
    assert!(error_rate(&mut s, 4.0, 25).is_empty());
    done(&mut s, to("blue"), true);
    assert_eq!(phase(&s), &GuidedPhase::RolledBack { reason });
    let last = s.timeline.last().unwrap();
    assert!(last.bad && last.text.contains("rolled back to blue: error rate 3.40%"));
    // a finished run lets a new one start
    update(&mut s, key('W'));
    assert!(matches!(s.overlay, Overlay::Confirm(_)));
}

#[test]
fn abort_while_monitoring_switches_back() {
    let mut s = ready();
    update(&mut s, Msg::Tick(at(1)));
    switched(&mut s);
    update(&mut s, key('W'));
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("expected the abort dialog")
    };
    assert_eq!(
        p.prompt,
        "Abort the guided switch and switch kubechat-api-gateway back to blue?"
    );
    assert_eq!(writes(&update(&mut s, key('y'))), vec![&to("blue")]);
    done(&mut s, to("blue"), true);
    assert_eq!(
        phase(&s),
        &GuidedPhase::RolledBack {
            reason: "aborted by the operator".into()
        }
    );
}

#[test]
fn abort_before_the_switch_lands_switches_back_once_it_does() {
    let mut s = ready();
    update(&mut s, key('W'));
    update(&mut s, key('y'));
    update(&mut s, key('W'));
    assert!(
        writes(&update(&mut s, key('y'))).is_empty(),
        "nothing sent yet"
    );
    let effects = done(&mut s, to("green"), true);
    assert_eq!(writes(&effects), vec![&to("blue")]);
    assert!(matches!(phase(&s), GuidedPhase::RollingBack { .. }));
}

#[test]
fn failed_writes_stop_the_run_and_say_so() {
    let mut s = ready();
    update(&mut s, key('W'));
    update(&mut s, key('y'));
    done(&mut s, to("green"), false);
    let GuidedPhase::Failed { error } = phase(&s) else {
        panic!("{:?}", phase(&s))
    };
    assert!(error.contains("blue still serves"), "{error}");

    let mut s = ready();
    update(&mut s, Msg::Tick(at(1)));
    switched(&mut s);
    error_rate(&mut s, 9.0, 10);
    done(&mut s, to("blue"), false);
    let GuidedPhase::Failed { error } = phase(&s) else {
        panic!("{:?}", phase(&s))
    };
    assert!(error.contains("SWITCH BACK FAILED"), "{error}");
}

#[test]
fn no_sample_in_the_window_is_not_success() {
    let mut s = ready();
    update(&mut s, Msg::Tick(at(1)));
    switched(&mut s);
    update(&mut s, Msg::Tick(at(62)));
    assert!(matches!(phase(&s), GuidedPhase::Failed { .. }));
}

/// The one guard on effects: a run started read-write, then the console turned read-only
/// (as a context in `read_only_contexts` would). Writes no key started (the switch-back on
/// an error spike, the switch-back after an abort that was in flight) never leave `update`;
/// each is refused on screen and on the timeline.
#[test]
fn read_only_guard_stops_writes_no_key_started() {
    let mut s = ready();
    switched(&mut s);
    s.read_only = true;
    let effects = error_rate(&mut s, 7.5, 10);
    assert!(
        effects.iter().all(|e| !e.is_mutating()),
        "a switch-back left in read-only mode: {effects:?}"
    );
    let refusal = "read-only mode: switch service kubechat-api-gateway to blue refused";
    assert_eq!(s.timeline.last().unwrap().text, refusal);
    assert_eq!(
        s.timeline.last().unwrap().kind,
        crate::feed::EntryKind::Refused
    );
    assert_eq!(s.toast.as_ref().unwrap().text, refusal);

    // an abort confirmed while the forward switch was in flight: its switch-back is a
    // write that arrives with the forward switch's result
    let mut s = ready();
    update(&mut s, key('W'));
    update(&mut s, key('y'));
    update(&mut s, key('W'));
    update(&mut s, key('y'));
    s.read_only = true;
    let effects = done(&mut s, to("green"), true);
    assert!(effects.iter().all(|e| !e.is_mutating()), "{effects:?}");
    assert_eq!(s.timeline.last().unwrap().text, refusal);

    // and every key and the palette's every action, with every dialog answered yes
    for action in crate::action::Action::all() {
        let effects = crate::shell::actions::apply_action(&mut s, action);
        let mut effects = effects;
        effects.extend(update(&mut s, key('5')));
        effects.extend(update(
            &mut s,
            crate::shell::test_support::code(crossterm::event::KeyCode::Enter),
        ));
        effects.extend(update(&mut s, key('y')));
        effects.extend(error_rate(&mut s, 50.0, 20));
        assert!(
            effects.iter().all(|e| !e.is_mutating()),
            "{action}: {effects:?}"
        );
    }
}

/// The KPI watched is a setting (`[rollouts] switch_error_rate_kpi`), not a name in code.
#[test]
fn watches_the_kpi_the_config_names() {
    let mut s = ready();
    s.panes.rollouts.guided_config.error_rate_kpi = "p95_latency".into();
    switched(&mut s);
    assert!(writes(&error_rate(&mut s, 50.0, 5)).is_empty());
    let spike = update(
        &mut s,
        Msg::Kpi(KpiMsg::Sample {
            id: "p95_latency".into(),
            value: Some(50.0),
            at: at(6),
        }),
    );
    assert_eq!(writes(&spike), vec![&to("blue")]);
}
