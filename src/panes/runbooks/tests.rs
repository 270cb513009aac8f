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
    // [POD_NAME] is picked from the live pods, crash-looping first; a name typed that
    // matches none is taken as typed
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    let Overlay::Pick { choices, .. } = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(choices[0], "kubechat-ai-engine-9e8d7c6b5-p5y3b");
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

fn ctrl_c() -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('c'),
        crossterm::event::KeyModifiers::CONTROL,
    ))
}

#[test]
fn ctrl_c_and_esc_cancel_a_running_step_and_otherwise_keep_their_meaning() {
    let mut s = with_runbooks(false);
    open(&mut s, "kubechat-high-error-rate");
    let id = run_steps(&update(&mut s, code(KeyCode::Enter)))[0].id;
    // Ctrl-C cancels the step (its process group), the console stays
    assert_eq!(update(&mut s, ctrl_c()), vec![Effect::CancelStep(id)]);
    assert!(!s.should_quit);
    update(
        &mut s,
        Msg::Runbook(RunbookMsg::Finished {
            id,
            state: StepState::Failed,
            reason: "cancelled: the command and its process group were killed".into(),
            exit: None,
            dropped: 0,
        }),
    );
    // so does Esc, and the run stays open
    let id = run_steps(&update(&mut s, code(KeyCode::Enter)))[0].id;
    assert_eq!(
        update(&mut s, code(KeyCode::Esc)),
        vec![Effect::CancelStep(id)]
    );
    assert!(s.panes.runbooks.open.is_some());
    update(
        &mut s,
        Msg::Runbook(RunbookMsg::Finished {
            id,
            state: StepState::Failed,
            reason: "cancelled".into(),
            exit: None,
            dropped: 0,
        }),
    );
    // no step running: Ctrl-C quits, as everywhere
    assert!(update(&mut s, ctrl_c()).is_empty());
    assert!(s.should_quit);

    // in the list too
    let mut s = with_runbooks(false);
    update(&mut s, ctrl_c());
    assert!(s.should_quit);
}

#[test]
fn a_writing_command_is_confirmed_by_the_dialog_showing_it_as_it_runs() {
    let mut s = with_runbooks(false);
    open(&mut s, "kubechat-high-error-rate");
    // mitigation 1: kubectl scale
    s.panes.runbooks.open.as_mut().unwrap().cursor = 4;
    assert!(run_steps(&update(&mut s, code(KeyCode::Enter))).is_empty());
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("expected the confirmation, got {:?}", s.overlay)
    };
    let line = opened(&s).run.steps[4].resolved.clone();
    assert!(line.starts_with("kubectl scale deployment kubechat-api-gateway-blue"));
    assert_eq!(p.change, crate::panes::Change::Command(line.clone()));
    assert!(p.prompt.ends_with(&format!("\n{line}")), "{}", p.prompt);
    // no: nothing runs, the step stays pending
    assert!(update(&mut s, key('n')).is_empty());
    assert_eq!(opened(&s).run.steps[4].state, StepState::Pending);
    assert!(opened(&s).awaiting.is_none());
    // yes: it runs, as shown
    update(&mut s, code(KeyCode::Enter));
    let effects = update(&mut s, key('y'));
    let runs = run_steps(&effects);
    assert_eq!(runs.len(), 1, "{effects:?}");
    assert!(runs[0].mutates);
    assert_eq!(
        runs[0].work,
        StepWork::Command {
            line,
            expect: Default::default(),
            timeout: None
        }
    );
    assert_eq!(opened(&s).run.steps[4].state, StepState::Running);
}

#[test]
fn the_pick_list_offers_the_crashing_pod_first_and_filters() {
    let mut s = with_runbooks(false);
    open(&mut s, "kubechat-pod-crash-looping");
    update(&mut s, code(KeyCode::Enter));
    let Overlay::Pick { choices, .. } = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(choices.len(), s.cluster.pods.len());
    // Enter on the first: the crash-looping pod
    let effects = update(&mut s, code(KeyCode::Enter));
    let StepWork::Command { line, .. } = &run_steps(&effects)[0].work else {
        panic!()
    };
    assert_eq!(
        line,
        "kubectl describe pod kubechat-ai-engine-9e8d7c6b5-p5y3b -n kubechat-system"
    );
    // filtered by what is typed, ↓ to the second match
    let mut s = with_runbooks(false);
    open(&mut s, "kubechat-pod-crash-looping");
    update(&mut s, code(KeyCode::Enter));
    for c in "green".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Down));
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(
        opened(&s).run.values["pod_name"],
        "kubechat-api-gateway-green-5c8d7e6f9-e5q3t"
    );
}

fn firing(s: &mut State, labels: &[(&str, &str)]) {
    let alert = crate::kpi::FiringAlert {
        name: "KubeChatPodCrashLooping".into(),
        state: crate::kpi::AlertState::Firing,
        severity: Some("critical".into()),
        summary: None,
        active_at: None,
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let at = s.now_or_epoch();
    update(
        s,
        Msg::Kpi(crate::kpi::KpiMsg::Alerts {
            alerts: vec![alert],
            at,
        }),
    );
}

#[test]
fn the_firing_alerts_pod_label_fills_pod_name() {
    let mut s = with_runbooks(false);
    firing(
        &mut s,
        &[("pod", "kubechat-api-gateway-blue-7f9c6b5d4-x2k4p")],
    );
    // on top, with its pod
    let top = &s.panes.runbooks.entries(&s.kpis)[0];
    let super::Entry::Runbook {
        firing: Some(label),
        ..
    } = top
    else {
        panic!("{top:?}")
    };
    assert!(
        label.contains("pod=kubechat-api-gateway-blue-7f9c6b5d4-x2k4p"),
        "{label}"
    );
    update(&mut s, code(KeyCode::Enter));
    // no question: the step runs with the alert's pod
    let effects = update(&mut s, code(KeyCode::Enter));
    let StepWork::Command { line, .. } = &run_steps(&effects)[0].work else {
        panic!("{effects:?}")
    };
    assert_eq!(
        line,
        "kubectl describe pod kubechat-api-gateway-blue-7f9c6b5d4-x2k4p -n kubechat-system"
    );
}

#[test]
fn the_selection_in_the_pane_left_comes_before_the_alert() {
    let rb = crate::runbook::parse(
        "id: sel\nalerts: [KubeChatPodCrashLooping]\nsections:\n  - name: a\n    steps:\n      - title: t\n        command: kubectl rollout status deployment/{{ deployment }}\n",
        "sel.yaml",
        "sel",
    )
    .unwrap();
    let mut s = state(false);
    s.panes.runbooks = Model::new(vec![rb], Vec::new(), "kubechat-system");
    firing(&mut s, &[("deployment", "kubechat-web")]);
    crate::shell::test_support::select(&mut s, "kubechat-ai-engine");
    update(&mut s, key('6'));
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(opened(&s).run.values["deployment"], "kubechat-ai-engine");
    // from a pane with nothing selected, the alert's label
    update(&mut s, code(KeyCode::Esc));
    update(&mut s, key('2'));
    update(&mut s, key('6'));
    let i = s
        .panes
        .runbooks
        .entries(&s.kpis)
        .iter()
        .position(|e| matches!(e, super::Entry::Runbook { .. }))
        .unwrap();
    s.panes.runbooks.cursor = i;
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(opened(&s).run.values["deployment"], "kubechat-web");
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
