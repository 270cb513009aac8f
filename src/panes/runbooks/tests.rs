//! The Runbooks pane through `shell::update`, as keys reach it: steps as effects (the guard
//! refuses one that writes in read-only mode), lines and results, a section's read-only steps
//! in order, a native action as a confirmed write, a saved run resumed.

use crossterm::event::KeyCode;

use super::{Model, Open};
use crate::effect::{ClusterWrite, Effect, StepWork, WriteOutcome};
use crate::msg::{Msg, RunbookMsg};
use crate::runbook::builtin::builtin;
use crate::runbook::run::StepState;
use crate::shell::overlay::Overlay;
use crate::shell::test_support::{code, key, state};
use crate::shell::{update, State};

fn with_runbooks(read_only: bool) -> State {
    let mut s = state(read_only);
    s.panes.runbooks = Model::new(builtin(), Vec::new(), "kubechat-system");
    update(&mut s, key('6'));
    s
}

/// Opens runbook `id` from the list.
fn open(s: &mut State, id: &str) {
    let entries = s.panes.runbooks.entries(&s.kpis);
    let i = entries
        .iter()
        .position(|e| matches!(e, super::Entry::Runbook { index, .. } if s.panes.runbooks.runbooks[*index].id == id))
        .unwrap();
    s.panes.runbooks.cursor = i;
    update(s, code(KeyCode::Enter));
    assert!(s.panes.runbooks.open.is_some());
}

fn opened(s: &State) -> &Open {
    s.panes.runbooks.open.as_ref().unwrap()
}

fn run_steps(effects: &[Effect]) -> Vec<&crate::effect::StepRun> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::RunStep(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn a_step_runs_with_its_value_quoted_streams_and_passes() {
    let mut s = with_runbooks(false);
    open(&mut s, "kubechat-pod-crash-looping");
    // [POD_NAME] is asked, offered from the live pods
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    let Overlay::Input { .. } = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    for _ in 0..80 {
        update(&mut s, code(KeyCode::Backspace));
    }
    for c in "web-1; rm -rf /".chars() {
        update(&mut s, key(c));
    }
    let effects = update(&mut s, code(KeyCode::Enter));
    let runs = run_steps(&effects);
    assert_eq!(runs.len(), 1, "{effects:?}");
    assert!(!runs[0].mutates);
    let StepWork::Command { line, .. } = &runs[0].work else {
        panic!()
    };
    assert_eq!(
        line,
        "kubectl describe pod 'web-1; rm -rf /' -n kubechat-system"
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::SaveRun(_))));
    let id = runs[0].id;
    assert_eq!(opened(&s).run.steps[0].state, StepState::Running);
    update(
        &mut s,
        Msg::Runbook(RunbookMsg::Lines {
            id,
            lines: vec!["Reason: OOMKilled".into()],
        }),
    );
    let effects = update(
        &mut s,
        Msg::Runbook(RunbookMsg::Finished {
            id,
            state: StepState::Passed,
            reason: "exit status 0".into(),
            exit: Some(0),
            dropped: 0,
        }),
    );
    let Some(Effect::SaveRun(saved)) = effects.iter().find(|e| matches!(e, Effect::SaveRun(_)))
    else {
        panic!("{effects:?}")
    };
    assert_eq!(saved.steps[0].state, StepState::Passed);
    assert_eq!(saved.steps[0].output, ["Reason: OOMKilled"]);
    assert_eq!(saved.values["pod_name"], "web-1; rm -rf /");
    assert!(s
        .timeline
        .newest_first()
        .any(|e| e.text.contains("Check pod events passed")));
}

#[test]
fn a_section_runs_its_read_only_steps_in_order() {
    let mut s = with_runbooks(false);
    open(&mut s, "kubechat-high-error-rate");
    let effects = update(&mut s, key('a'));
    let first = run_steps(&effects)[0].clone();
    let StepWork::Command { line, .. } = &first.work else {
        panic!()
    };
    // the live slot, from the Service's selector
    assert_eq!(
        line,
        "kubectl get deployment kubechat-api-gateway-blue -o yaml | grep image"
    );
    let effects = update(
        &mut s,
        Msg::Runbook(RunbookMsg::Finished {
            id: first.id,
            state: StepState::Passed,
            reason: "exit status 0".into(),
            exit: Some(0),
            dropped: 0,
        }),
    );
    let next = run_steps(&effects);
    assert_eq!(next.len(), 1);
    assert_eq!(opened(&s).cursor, 1);
    // a failure stops the section
    let effects = update(
        &mut s,
        Msg::Runbook(RunbookMsg::Finished {
            id: next[0].id,
            state: StepState::Failed,
            reason: "exit status 1".into(),
            exit: Some(1),
            dropped: 0,
        }),
    );
    assert!(run_steps(&effects).is_empty());
    assert!(opened(&s).queue.is_empty());
}

#[test]
fn read_only_refuses_a_writing_step_through_the_guard() {
    let mut s = with_runbooks(true);
    open(&mut s, "kubechat-high-error-rate");
    // mitigation 1: kubectl scale
    s.panes.runbooks.open.as_mut().unwrap().cursor = 4;
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(
        run_steps(&effects).is_empty(),
        "the guard let it out: {effects:?}"
    );
    let rec = &opened(&s).run.steps[4];
    assert_eq!(rec.state, StepState::Refused);
    assert!(rec
        .resolved
        .starts_with("kubectl scale deployment kubechat-api-gateway-blue"));
    assert!(s
        .timeline
        .newest_first()
        .any(|e| e.text.contains("a runbook step that writes refused")));
    // a read-only step still runs
    s.panes.runbooks.open.as_mut().unwrap().cursor = 0;
    let effects = update(&mut s, code(KeyCode::Enter));
    assert_eq!(run_steps(&effects).len(), 1);
}

#[test]
fn a_native_action_is_a_confirmed_write() {
    let mut s = with_runbooks(false);
    open(&mut s, "canary-promotion");
    s.panes.runbooks.open.as_mut().unwrap().cursor = 2;
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(matches!(s.overlay, Overlay::Confirm(_)), "{:?}", s.overlay);
    let effects = update(&mut s, key('y'));
    let write = ClusterWrite::Promote {
        name: "kubechat-api-gateway".into(),
        full: false,
    };
    assert!(
        effects.contains(&Effect::Write(write.clone())),
        "{effects:?}"
    );
    update(
        &mut s,
        Msg::Done(WriteOutcome {
            write,
            result: Ok("promoted".into()),
        }),
    );
    assert_eq!(opened(&s).run.steps[2].state, StepState::Passed);

    let mut s = with_runbooks(true);
    open(&mut s, "canary-promotion");
    s.panes.runbooks.open.as_mut().unwrap().cursor = 2;
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(crate::shell::test_support::writes(&effects).is_empty());
    assert!(!matches!(s.overlay, Overlay::Confirm(_)));
    assert_eq!(opened(&s).run.steps[2].state, StepState::Refused);
}

#[test]
fn a_saved_run_resumes_at_its_first_unfinished_step() {
    let mut s = with_runbooks(false);
    open(&mut s, "kubechat-high-error-rate");
    update(&mut s, key('s'));
    update(&mut s, key('d'));
    let mut saved = opened(&s).to_save();
    saved.steps[2].state = StepState::Running;
    let mut s = state(false);
    s.panes.runbooks = Model::new(builtin(), vec![saved], "kubechat-system");
    update(&mut s, key('6'));
    assert_eq!(s.panes.runbooks.entries(&s.kpis)[0], super::Entry::Saved(0));
    update(&mut s, code(KeyCode::Enter));
    let o = opened(&s);
    assert_eq!(o.cursor, 2);
    assert_eq!(o.run.steps[0].state, StepState::Skipped);
    assert_eq!(o.run.steps[1].state, StepState::Done);
    assert_eq!(o.run.steps[2].state, StepState::Pending);
    assert!(o.run.steps[2].reason.starts_with("interrupted"));
}

#[test]
fn a_native_action_rbac_denies_is_refused_before_its_confirmation() {
    let mut s = with_runbooks(false);
    s.denied = vec![crate::effect::PATCH_ROLLOUT_STATUS];
    open(&mut s, "canary-promotion");
    s.panes.runbooks.open.as_mut().unwrap().cursor = 2;
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(crate::shell::test_support::writes(&effects).is_empty());
    assert!(!matches!(s.overlay, Overlay::Confirm(_)), "{:?}", s.overlay);
    let rec = &opened(&s).run.steps[2];
    assert_eq!(rec.state, StepState::Refused);
    assert_eq!(
        rec.reason,
        "not permitted (RBAC): promote rollout kubechat-api-gateway needs patch rollouts.argoproj.io/status"
    );
    assert!(s.timeline.newest_first().any(|e| e
        .text
        .starts_with("runbook step refused: not permitted (RBAC)")));
}
