//! The Runbooks pane's reactions: keys, the values and notes typed, the confirmation of a
//! native action and its result, a step's lines and result. Pure.

use std::collections::BTreeMap;

use super::{
    alert_labels, candidates, known_values, new_run, restored, shown, Action, Asking, Entry, Model,
    Open,
};
use crate::effect::{Effect, StepRun, StepWork};
use crate::feed::EntryKind;
use crate::msg::{Msg, RunbookMsg};
use crate::panes::cx::DialogRequest;
use crate::panes::{Change, Cx, Input, Nav, PaneEvent};
use crate::runbook::placeholder::{fill, initial_values, kind_of, Kind, Quoting};
use crate::runbook::run::StepState;
use crate::runbook::{Check, NativeAction, What};

pub fn update(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    let effects = match input {
        Input::Action(a) => on_action(model, cx, a),
        Input::Event(PaneEvent::Nav(nav)) => {
            on_nav(model, cx, *nav);
            Vec::new()
        }
        Input::Event(PaneEvent::Entered(text)) => entered(model, cx, text),
        Input::Event(PaneEvent::Confirmed(c)) => confirmed(model, cx, c),
        Input::Event(PaneEvent::Cancelled(w)) => {
            if let Some(open) = &mut model.open {
                if open.awaiting.as_ref().is_some_and(|(a, _)| a == w) {
                    open.awaiting = None;
                }
            }
            Vec::new()
        }
        Input::Msg(Msg::Runbook(m)) => on_runbook_msg(model, cx, m),
        Input::Msg(Msg::Done(outcome)) => {
            let Some(open) = &mut model.open else {
                return Vec::new();
            };
            let Some((Change::Write(w), step)) = open.awaiting.clone() else {
                return Vec::new();
            };
            if w != outcome.write {
                return Vec::new();
            }
            open.awaiting = None;
            let (state, reason) = match &outcome.result {
                Ok(summary) => (StepState::Passed, summary.clone()),
                Err(e) => (StepState::Failed, format!("{w}: {e}")),
            };
            finish(model, cx, step, state, reason, None)
        }
        Input::Event(_) | Input::Msg(_) | Input::ClusterChanged(_) => return Vec::new(),
    };
    cx.changed();
    effects
}

fn on_nav(model: &mut Model, cx: &mut Cx, nav: Nav) {
    match &mut model.open {
        Some(open) if open.viewer => {
            let len = open.tails.get(open.cursor).map_or(0, |t| t.lines.len());
            let up = match nav {
                Nav::Up => Nav::Down,
                Nav::Down => Nav::Up,
                Nav::Top => Nav::Bottom,
                Nav::Bottom => Nav::Top,
                Nav::PageUp => Nav::PageDown,
                Nav::PageDown => Nav::PageUp,
            };
            open.scroll = up.apply(open.scroll, len);
        }
        Some(open) => {
            open.cursor = nav.apply(open.cursor, open.run.steps.len());
        }
        None => {
            let len = model.entries(cx.kpis).len();
            model.cursor = nav.apply(model.cursor, len);
        }
    }
}

fn ask(
    model: &mut Model,
    cx: &mut Cx,
    asking: Asking,
    title: &str,
    question: String,
    initial: String,
) {
    model.asking = Some(asking);
    cx.dialog(DialogRequest::Input {
        title: title.to_string(),
        question,
        initial,
        hint: "Enter: take it · Esc: cancel".into(),
    });
}

fn on_action(model: &mut Model, cx: &mut Cx, action: Action) -> Vec<Effect> {
    if model.open.is_none() {
        return match action {
            Action::Run => open_entry(model, cx),
            Action::Search => {
                let initial = model.filter.clone();
                ask(
                    model,
                    cx,
                    Asking::Filter,
                    "Runbooks",
                    "search by name:".into(),
                    initial,
                );
                Vec::new()
            }
            Action::Back if !model.filter.is_empty() => {
                model.filter.clear();
                Vec::new()
            }
            // nothing of the pane's to go back from or cancel: Esc and Ctrl-C keep their
            // global meaning
            Action::Back | Action::Cancel => {
                cx.pass();
                Vec::new()
            }
            _ => Vec::new(),
        };
    }
    match action {
        Action::Run => {
            let step = model.open.as_ref().map_or(0, |o| o.cursor);
            run_step(model, cx, step)
        }
        Action::RunSection => run_section(model, cx),
        Action::Cancel => cancel(model, cx),
        Action::Back => {
            let open = model.open.as_mut().expect("checked above");
            if open.running.is_some() {
                cancel(model, cx)
            } else if open.viewer {
                open.viewer = false;
                Vec::new()
            } else {
                let save = open.to_save();
                model.open = None;
                // the list shows it among the saved runs
                match model.saved.iter_mut().find(|r| r.id == save.id) {
                    Some(r) => *r = save,
                    None => model.saved.insert(0, save),
                }
                Vec::new()
            }
        }
        Action::Skip | Action::Done => {
            let open = model.open.as_mut().expect("checked above");
            let step = open.cursor;
            if open.running.is_some_and(|(_, s)| s == step) {
                cx.toast(true, "the step is running: cancel it first (x)");
                return Vec::new();
            }
            let (state, reason) = if action == Action::Skip {
                (StepState::Skipped, "skipped")
            } else {
                (StepState::Done, "marked done")
            };
            let effects = finish(model, cx, step, state, reason.to_string(), None);
            if let Some(open) = &mut model.open {
                open.cursor = (step + 1).min(open.run.steps.len().saturating_sub(1));
            }
            effects
        }
        Action::Note => {
            let open = model.open.as_ref().expect("checked above");
            let step = open.cursor;
            let text = open.run.steps[step].note.clone();
            let title = format!("Note on: {}", open.run.steps[step].title);
            model.asking = Some(Asking::Note(step));
            cx.dialog(DialogRequest::Editor {
                title,
                text,
                hint: "Ctrl-S: keep the note · Esc: cancel".into(),
            });
            Vec::new()
        }
        Action::Output => {
            let open = model.open.as_mut().expect("checked above");
            open.viewer = !open.viewer;
            open.scroll = 0;
            Vec::new()
        }
        Action::Search => {
            let initial = model
                .open
                .as_ref()
                .and_then(|o| o.search.clone())
                .unwrap_or_default();
            ask(
                model,
                cx,
                Asking::Search,
                "Output",
                "search the output:".into(),
                initial,
            );
            Vec::new()
        }
        Action::NextMatch => {
            jump(model, cx);
            Vec::new()
        }
        Action::Copy => {
            let open = model.open.as_ref().expect("checked above");
            let values = values_for(model, cx);
            match open.step(open.cursor) {
                Some(step) => {
                    cx.toast(false, "copied the step's command");
                    vec![Effect::Clipboard(shown(step, &values))]
                }
                None => Vec::new(),
            }
        }
    }
}

/// Every value a step can take: the run's own (typed), over what the console knows.
fn values_for(model: &Model, cx: &Cx) -> BTreeMap<String, String> {
    let mut v = known_values(&model.namespace, cx.cluster);
    if let Some(open) = &model.open {
        v.extend(open.run.values.clone());
    }
    v
}

fn open_entry(model: &mut Model, cx: &mut Cx) -> Vec<Effect> {
    let entries = model.entries(cx.kpis);
    let Some(entry) = entries.get(model.cursor).cloned() else {
        return Vec::new();
    };
    let (rb, run) = match entry {
        Entry::Runbook { index, .. } => {
            let rb = model.runbooks[index].clone();
            let mut run = new_run(&rb, cx.now);
            // the selection, then the firing alert's labels; the rest is picked or typed
            run.values = initial_values(
                &rb.placeholders(),
                cx.selection,
                &alert_labels(cx.kpis, &rb),
            );
            (rb, run)
        }
        Entry::Saved(i) => {
            let run = restored(model.saved[i].clone());
            match model.runbooks.iter().find(|r| r.id == run.runbook) {
                Some(rb) if rb.step_count() == run.steps.len() => (rb.clone(), run),
                _ => {
                    cx.toast(
                        true,
                        format!("{}: its runbook changed or is gone: cannot resume", run.id),
                    );
                    return Vec::new();
                }
            }
        }
    };
    model.open = Some(Open::new(rb, run));
    refresh_resolved(model, cx);
    Vec::new()
}

/// Shows every unfinished step as it would run with the values known now.
fn refresh_resolved(model: &mut Model, cx: &Cx) {
    let values = values_for(model, cx);
    let Some(open) = &mut model.open else {
        return;
    };
    let texts: Vec<String> = open
        .steps()
        .iter()
        .map(|(_, s)| shown(s, &values))
        .collect();
    for (rec, text) in open.run.steps.iter_mut().zip(texts) {
        if !rec.state.finished() {
            rec.resolved = text;
        }
    }
}

/// The placeholders of step `i` still without a value.
fn missing(model: &Model, cx: &Cx, i: usize) -> Vec<String> {
    let values = values_for(model, cx);
    let Some(step) = model.open.as_ref().and_then(|o| o.step(i)) else {
        return Vec::new();
    };
    step.placeholders()
        .into_iter()
        .filter(|n| !values.contains_key(n))
        .collect()
}

/// Asks for a placeholder's value: a pick list of the live objects of its kind (pods
/// crash-looping first), else a line to type.
fn ask_value(model: &mut Model, cx: &mut Cx, name: String, step: usize) {
    if let Some(kind) = kind_of(&name) {
        let choices = candidates(kind, cx.cluster);
        let title = match kind {
            Kind::Pod => format!("{} — a pod, crash-looping first", name.to_uppercase()),
            Kind::Deployment | Kind::Rollout => name.to_uppercase(),
        };
        model.asking = Some(Asking::Value { name, step });
        cx.dialog(DialogRequest::Pick { title, choices });
        return;
    }
    let desc = model
        .open
        .as_ref()
        .and_then(|o| o.runbook.inputs.iter().find(|d| d.name == name))
        .map(|d| format!(" — {}", d.description))
        .unwrap_or_default();
    ask(
        model,
        cx,
        Asking::Value {
            name: name.clone(),
            step,
        },
        "Placeholder",
        format!("{name}{desc}"),
        String::new(),
    );
}

fn run_step(model: &mut Model, cx: &mut Cx, i: usize) -> Vec<Effect> {
    start_step(model, cx, i, None)
}

/// Runs step `i`; a command that writes only once `confirmed` is its line as it would run
/// now (else the confirmation is asked).
fn start_step(model: &mut Model, cx: &mut Cx, i: usize, confirmed: Option<&str>) -> Vec<Effect> {
    let Some(open) = &model.open else {
        return Vec::new();
    };
    if open.running.is_some() || open.awaiting.is_some() {
        cx.toast(true, "a step is running: wait for it or cancel it (x)");
        return Vec::new();
    }
    let Some(step) = open.step(i).cloned() else {
        return Vec::new();
    };
    if matches!(step.what, What::Manual) {
        return finish(model, cx, i, StepState::Done, "ticked off".into(), None);
    }
    if let Some(name) = missing(model, cx, i).into_iter().next() {
        ask_value(model, cx, name, i);
        return Vec::new();
    }
    let values = values_for(model, cx);
    let text = shown(&step, &values);
    let open = model.open.as_mut().expect("checked above");
    open.run.steps[i].resolved = text.clone();
    if let What::Action(a) = &step.what {
        let resolved = fill(&a.template, &values, Quoting::Plain).unwrap_or_default();
        let write = match NativeAction::to_write(&resolved, cx.now) {
            Ok(w) => w,
            Err(e) => return finish(model, cx, i, StepState::Failed, e, None),
        };
        if cx.read_only {
            cx.toast(true, format!("read-only mode: {write} refused"));
            cx.note(
                EntryKind::Refused,
                true,
                format!("runbook step refused: {write}"),
            );
            return finish(
                model,
                cx,
                i,
                StepState::Refused,
                format!("read-only mode: {write} refused"),
                None,
            );
        }
        if let Some(why) = cx.not_permitted(&write) {
            // refused before the confirmation, not after the write fails
            cx.toast(true, why.clone());
            cx.note(
                EntryKind::Refused,
                true,
                format!("runbook step refused: {why}"),
            );
            return finish(model, cx, i, StepState::Refused, why, None);
        }
        open.awaiting = Some((Change::Write(write.clone()), i));
        cx.confirm(
            write.clone(),
            format!("Runbook step \"{}\": {write}?", step.title),
            step.note.clone(),
        );
        return Vec::new();
    }
    if step.mutates && !cx.read_only && confirmed != Some(text.as_str()) {
        // confirmed like every other write, with the command exactly as it will run
        open.awaiting = Some((Change::Command(text.clone()), i));
        cx.confirm_command(
            text.clone(),
            format!(
                "Runbook step \"{}\" writes to the cluster. Run it?\n{text}",
                step.title
            ),
            step.note.clone(),
        );
        return Vec::new();
    }
    let work = match &step.what {
        What::Command(c) => StepWork::Command {
            line: fill(c, &values, Quoting::Shell).unwrap_or_default(),
            expect: step.expect.clone(),
            timeout: step.timeout,
        },
        What::Check(c) => StepWork::Check {
            check: fill_check(c, &values),
            timeout: step.timeout,
        },
        What::Manual | What::Action(_) => return Vec::new(),
    };
    let id = model.next_exec_id();
    let open = model.open.as_mut().expect("checked above");
    let rec = &mut open.run.steps[i];
    if step.mutates && cx.read_only {
        // the guard refuses the effect (and says so); the step shows why
        rec.state = StepState::Refused;
        rec.reason = "read-only mode: this step writes to the cluster; refused by the guard".into();
        let save = open.to_save();
        return vec![
            Effect::RunStep(StepRun {
                id,
                work,
                mutates: true,
                interactive: step.interactive,
            }),
            Effect::SaveRun(save),
        ];
    }
    rec.state = StepState::Running;
    rec.reason = String::new();
    rec.exit = None;
    rec.started = Some(cx.now);
    rec.finished = None;
    open.tails[i] = crate::runbook::run::OutputTail::new(crate::runbook::run::MAX_LINES);
    open.running = Some((id, i));
    open.scroll = 0;
    let title = rec.title.clone();
    let save = open.to_save();
    cx.note(
        EntryKind::Action,
        false,
        format!("runbook {}: step started: {title}", open.runbook.id),
    );
    vec![
        Effect::RunStep(StepRun {
            id,
            work,
            mutates: step.mutates,
            interactive: step.interactive,
        }),
        Effect::SaveRun(save),
    ]
}

fn fill_check(c: &Check, values: &BTreeMap<String, String>) -> Check {
    let f = |t: &str| fill(t, values, Quoting::Plain).unwrap_or_else(|_| t.to_string());
    match c {
        Check::PodsReady {
            selector,
            namespace,
        } => Check::PodsReady {
            selector: f(selector),
            namespace: namespace.clone(),
        },
        Check::Promql {
            query,
            cmp,
            threshold,
        } => Check::Promql {
            query: f(query),
            cmp: *cmp,
            threshold: *threshold,
        },
        Check::Http {
            service,
            namespace,
            target,
            status,
            body,
        } => Check::Http {
            service: service.as_deref().map(f),
            namespace: namespace.clone(),
            target: f(target),
            status: *status,
            body: body.clone(),
        },
    }
}

fn run_section(model: &mut Model, cx: &mut Cx) -> Vec<Effect> {
    let Some(open) = &mut model.open else {
        return Vec::new();
    };
    if open.running.is_some() {
        cx.toast(true, "a step is running");
        return Vec::new();
    }
    let steps = open.steps();
    let section = steps
        .get(open.cursor)
        .map(|(s, _)| s.to_string())
        .unwrap_or_default();
    let queue: Vec<usize> = steps
        .iter()
        .enumerate()
        .filter(|(i, (s, st))| {
            *s == section
                && !st.mutates
                && !st.interactive
                && matches!(st.what, What::Command(_) | What::Check(_))
                && !open.run.steps[*i].state.finished()
        })
        .map(|(i, _)| i)
        .collect();
    if queue.is_empty() {
        cx.toast(false, format!("{section}: no read-only step left to run"));
        return Vec::new();
    }
    open.queue = queue[1..].to_vec();
    open.cursor = queue[0];
    run_step(model, cx, queue[0])
}

fn cancel(model: &mut Model, cx: &mut Cx) -> Vec<Effect> {
    let Some(open) = &mut model.open else {
        return Vec::new();
    };
    open.queue.clear();
    match open.running {
        Some((id, _)) => {
            cx.toast(false, "cancelling the step");
            vec![Effect::CancelStep(id)]
        }
        None => {
            cx.pass();
            Vec::new()
        }
    }
}

fn jump(model: &mut Model, cx: &mut Cx) {
    let Some(open) = &mut model.open else {
        return;
    };
    let Some(q) = open.search.clone().filter(|q| !q.is_empty()) else {
        return;
    };
    let Some(tail) = open.tails.get(open.cursor) else {
        return;
    };
    let len = tail.lines.len();
    // from the line at the top of the view, older first
    let from = len.saturating_sub(open.scroll + 1);
    let hit = (0..from)
        .rev()
        .chain((from..len).rev())
        .find(|&i| tail.lines[i].contains(&q));
    match hit {
        Some(i) => {
            open.viewer = true;
            open.scroll = len - 1 - i;
        }
        None => cx.toast(true, format!("no line matches {q:?}")),
    }
}

fn entered(model: &mut Model, cx: &mut Cx, text: &str) -> Vec<Effect> {
    let Some(asking) = model.asking.take() else {
        return Vec::new();
    };
    cx.dialog(DialogRequest::Close);
    match asking {
        Asking::Filter => {
            model.filter = text.trim().to_string();
            model.cursor = 0;
            Vec::new()
        }
        Asking::Search => {
            if let Some(open) = &mut model.open {
                open.search = Some(text.to_string()).filter(|s| !s.is_empty());
                open.scroll = 0;
            }
            jump(model, cx);
            Vec::new()
        }
        Asking::Note(step) => {
            let Some(open) = &mut model.open else {
                return Vec::new();
            };
            if let Some(rec) = open.run.steps.get_mut(step) {
                rec.note = text.to_string();
            }
            vec![Effect::SaveRun(open.to_save())]
        }
        Asking::Value { name, step } => {
            let value = text.trim().to_string();
            if value.is_empty() {
                cx.toast(true, format!("{name}: no value given"));
                return Vec::new();
            }
            if let Some(def) = model
                .open
                .as_ref()
                .and_then(|o| o.runbook.inputs.iter().find(|d| d.name == name))
            {
                if let Err(e) = crate::runbook::parse::validate_input(def, &value) {
                    cx.toast(true, e);
                    return Vec::new();
                }
            }
            if let Some(open) = &mut model.open {
                open.run.values.insert(name, value);
            }
            refresh_resolved(model, cx);
            run_step(model, cx, step)
        }
    }
}

fn confirmed(model: &mut Model, cx: &mut Cx, c: &Change) -> Vec<Effect> {
    let Some(open) = &mut model.open else {
        return Vec::new();
    };
    let Some((awaited, step)) = open.awaiting.clone() else {
        return Vec::new();
    };
    if &awaited != c {
        return Vec::new();
    }
    let w = match c {
        Change::Write(w) => w,
        Change::Command(line) => {
            open.awaiting = None;
            return start_step(model, cx, step, Some(line));
        }
    };
    let rec = &mut open.run.steps[step];
    rec.state = StepState::Running;
    rec.started = Some(cx.now);
    cx.note(
        EntryKind::Action,
        false,
        format!("runbook {}: step started: {}", open.runbook.id, rec.title),
    );
    vec![Effect::Write(w.clone()), Effect::SaveRun(open.to_save())]
}

fn on_runbook_msg(model: &mut Model, cx: &mut Cx, m: &RunbookMsg) -> Vec<Effect> {
    let Some(open) = &mut model.open else {
        return Vec::new();
    };
    match m {
        RunbookMsg::Lines { id, lines } => {
            let Some((running, step)) = open.running else {
                return Vec::new();
            };
            if running != *id {
                return Vec::new();
            }
            let tail = &mut open.tails[step];
            let added = tail.push_all(lines);
            // a viewer scrolled up stays on the same lines (while they are kept)
            if open.scroll > 0 {
                open.scroll = (open.scroll + added).min(tail.lines.len().saturating_sub(1));
            }
            Vec::new()
        }
        RunbookMsg::Finished {
            id,
            state,
            reason,
            exit,
            dropped,
        } => {
            let Some((running, step)) = open.running else {
                return Vec::new();
            };
            if running != *id {
                return Vec::new();
            }
            open.running = None;
            open.tails[step].dropped += dropped;
            let mut effects = finish(model, cx, step, *state, reason.clone(), *exit);
            // the next of a section's steps, unless this one failed
            if let Some(open) = &mut model.open {
                if *state == StepState::Passed && !open.queue.is_empty() {
                    let next = open.queue.remove(0);
                    open.cursor = next;
                    effects.extend(run_step(model, cx, next));
                } else {
                    open.queue.clear();
                }
            }
            effects
        }
    }
}

/// A step's result: recorded, on the timeline, saved.
fn finish(
    model: &mut Model,
    cx: &mut Cx,
    step: usize,
    state: StepState,
    reason: String,
    exit: Option<i32>,
) -> Vec<Effect> {
    let Some(open) = &mut model.open else {
        return Vec::new();
    };
    let Some(rec) = open.run.steps.get_mut(step) else {
        return Vec::new();
    };
    rec.state = state;
    rec.reason = reason.clone();
    rec.exit = exit;
    rec.finished = Some(cx.now);
    if rec.started.is_none() {
        rec.started = Some(cx.now);
    }
    let bad = matches!(state, StepState::Failed | StepState::Refused);
    cx.note(
        EntryKind::Result,
        bad,
        format!(
            "runbook {}: {} {}: {reason}",
            open.runbook.id,
            rec.title,
            state.as_str()
        ),
    );
    vec![Effect::SaveRun(open.to_save())]
}
