//! The Incidents pane driven through `shell::update` as the loop drives it: declaring,
//! status, notes shown as saving… until the journal's answer, in both modes; the timeline
//! copied into the open incident; clocks running out; journals written by another process.

use crossterm::event::KeyCode;
use jiff::{SignedDuration, Timestamp};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::*;
use crate::effect::IncidentAppend;
use crate::incident::{Entry, EntryIds, Status};
use crate::kpi::{KpiBoard, KpiMsg};
use crate::msg::{IncidentMsg, Msg};
use crate::panes::PaneId;
use crate::shell::overlay::Overlay;
use crate::shell::test_support::{code, key, state, ts};
use crate::shell::{update, State};
use crate::theme::Theme;

const START: &str = "2026-11-28T15:10:00Z";

pub(super) fn appends(effects: &[Effect]) -> Vec<&IncidentAppend> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::AppendIncident(a) => Some(a),
            _ => None,
        })
        .collect()
}

pub(super) fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, key(c));
    }
}

pub(super) fn screen(s: &State, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| crate::shell::view::render(s, &Theme::default(), f))
        .unwrap();
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

/// A console whose journals were read (none there).
pub(super) fn console(read_only: bool) -> State {
    let mut s = state(read_only);
    update(
        &mut s,
        Msg::Incident(IncidentMsg::Loaded {
            dir: "/data/incidents".into(),
        }),
    );
    s
}

pub(super) fn saved(s: &mut State, a: &IncidentAppend, result: Result<(), String>) -> Vec<Effect> {
    update(
        s,
        Msg::Incident(IncidentMsg::Saved {
            incident: a.incident.clone(),
            entries: a.entries.iter().map(|e| e.id.clone()).collect(),
            result,
        }),
    )
}

/// `D`, a title, Enter, the severity, Enter: the declaration's append.
pub(super) fn declare(s: &mut State, title: &str, severity: &str) -> IncidentAppend {
    update(s, key('D'));
    assert!(
        matches!(s.overlay, Overlay::Input { .. }),
        "D opens the title input"
    );
    type_text(s, title);
    update(s, code(KeyCode::Enter));
    let Overlay::Input { question, .. } = &s.overlay else {
        panic!("the severity input follows the title");
    };
    assert!(
        question.contains("1  SEV1  Complete service outage · respond 15m · escalate 30m"),
        "{question}"
    );
    assert!(question.contains("Suggested: SEV"), "{question}");
    // the suggested level is typed in already: replace it
    update(s, code(KeyCode::Backspace));
    type_text(s, severity);
    let effects = update(s, code(KeyCode::Enter));
    assert!(s.overlay.is_none(), "the declaration closes the input");
    let found = appends(&effects);
    assert_eq!(found.len(), 1, "{effects:?}");
    found[0].clone()
}

#[test]
fn declare_from_any_pane_shows_saving_until_the_journal_answers_in_both_modes() {
    for read_only in [false, true] {
        let mut s = console(read_only);
        assert_eq!(s.focus, PaneId::Rollouts, "D is a global key");
        let a = declare(&mut s, "chat messages fail", "2");
        assert!(a.create);
        assert_eq!(a.incident, "inc-20261128-151000");
        let What::Declared {
            title, severity, ..
        } = &a.entries[0].what
        else {
            panic!("{:?}", a.entries[0]);
        };
        assert_eq!((title.as_str(), *severity), ("chat messages fail", 2));
        let t = s.panes.incidents.selected().unwrap();
        assert_eq!(t.saves.len(), a.entries.len());
        s.focus = PaneId::Incidents;
        s.screen = crate::screens::Screen::Solo(PaneId::Incidents);
        let shown = screen(&s, 120, 30);
        assert!(
            shown.contains("declared SEV2: chat messages fail  saving…"),
            "{shown}"
        );
        assert!(shown.contains("response in 30m00s"), "{shown}");
        saved(&mut s, &a, Ok(()));
        assert!(s.panes.incidents.selected().unwrap().saves.is_empty());
        let shown = screen(&s, 120, 30);
        assert!(!shown.contains("fail  saving…"), "{shown}");
        // on every screen, the status bar carries the clock
        assert!(shown.contains("▲ SEV2 response in 30m00s"), "{shown}");
        assert!(s.timeline.last().unwrap().text.contains("declared: SEV2"));
    }
}

#[test]
fn status_and_note_are_saved_only_when_the_result_comes_back() {
    for read_only in [false, true] {
        let mut s = console(read_only);
        let a = declare(&mut s, "db down", "1");
        saved(&mut s, &a, Ok(()));
        update(&mut s, key('5'));
        assert_eq!(s.focus, PaneId::Incidents);
        let effects = update(&mut s, key('s'));
        let status = appends(&effects)[0].clone();
        assert!(!status.create);
        assert_eq!(
            status.entries[0].what,
            What::Status {
                status: Status::Mitigating
            }
        );
        let t = s.panes.incidents.selected().unwrap();
        assert_eq!(t.incident.status, Status::Mitigating);
        assert_eq!(t.save(&status.entries[0].id), Some(&Save::Saving));

        update(&mut s, key('n'));
        type_text(&mut s, "restarted the pods");
        let effects = update(&mut s, code(KeyCode::Enter));
        let note = appends(&effects)[0].clone();
        assert_eq!(
            note.entries[0].what,
            What::Note {
                text: "restarted the pods".into()
            }
        );
        let shown = screen(&s, 120, 30);
        assert!(
            shown.contains("note: restarted the pods  saving…"),
            "{shown}"
        );
        saved(&mut s, &status, Ok(()));
        // a failed write says so, on the entry, as a toast and on the timeline
        saved(&mut s, &note, Err("disk full".into()));
        let t = s.panes.incidents.selected().unwrap();
        assert_eq!(t.save(&status.entries[0].id), None);
        assert_eq!(
            t.save(&note.entries[0].id),
            Some(&Save::Failed("disk full".into()))
        );
        assert!(s
            .toast
            .as_ref()
            .unwrap()
            .text
            .contains("NOT saved: disk full"));
        let shown = screen(&s, 120, 30);
        assert!(shown.contains("NOT SAVED: disk full"), "{shown}");
    }
}

#[test]
fn roles_severity_and_impact_start_are_asked_and_checked() {
    let mut s = console(false);
    let a = declare(&mut s, "slow chat", "3");
    saved(&mut s, &a, Ok(()));
    update(&mut s, key('5'));
    update(&mut s, key('a'));
    type_text(&mut s, "commander");
    update(&mut s, code(KeyCode::Enter));
    let Overlay::Input { error, .. } = &s.overlay else {
        panic!()
    };
    assert!(error.as_deref().unwrap().contains("commander alice"));
    type_text(&mut s, " alice");
    let effects = update(&mut s, code(KeyCode::Enter));
    assert_eq!(appends(&effects).len(), 1);
    update(&mut s, key('v'));
    let effects = update(&mut s, code(KeyCode::Backspace));
    assert!(effects.is_empty());
    type_text(&mut s, "7");
    update(&mut s, code(KeyCode::Enter));
    let Overlay::Input { error, .. } = &s.overlay else {
        panic!()
    };
    assert_eq!(error.as_deref(), Some("a severity: 1, 2 or 3"));
    update(&mut s, code(KeyCode::Backspace));
    type_text(&mut s, "2");
    update(&mut s, code(KeyCode::Enter));
    update(&mut s, key('i'));
    for _ in 0..5 {
        update(&mut s, code(KeyCode::Backspace));
    }
    type_text(&mut s, "20m");
    update(&mut s, code(KeyCode::Enter));
    let i = &s.panes.incidents.selected().unwrap().incident;
    assert_eq!(i.roles["commander"], "alice");
    assert_eq!(i.severity, 2);
    assert_eq!(i.impact_start, ts("2026-11-28T14:50:00Z"));
    assert_eq!(
        asks::parse_when("14:05", ts(START)).unwrap(),
        ts("2026-11-28T14:05:00Z")
    );
    assert_eq!(
        asks::parse_when("16:05", ts(START)).unwrap(),
        ts("2026-11-27T16:05:00Z")
    );
    assert!(asks::parse_when("soon", ts(START)).is_err());
    assert_eq!(
        asks::parse_role("tech-lead: bob"),
        Some(("tech-lead".into(), "bob".into()))
    );
}

#[test]
fn the_suggestion_comes_from_live_facts_and_says_why() {
    let mut s = console(false);
    s.kpis = KpiBoard::new(crate::kpi::defs::builtin());
    update(
        &mut s,
        Msg::Kpi(KpiMsg::Sample {
            id: "error_rate".into(),
            value: Some(62.0),
            at: ts(START),
        }),
    );
    update(&mut s, key('D'));
    type_text(&mut s, "errors");
    update(&mut s, code(KeyCode::Enter));
    let Overlay::Input {
        question, input, ..
    } = &s.overlay
    else {
        panic!()
    };
    assert!(
        question.contains("Suggested: SEV2 (error rate 62 % ≥ 50 %). You decide."),
        "{question}"
    );
    assert_eq!(input.lines(), ["2"]);
}

pub(super) fn tick(s: &mut State, at: Timestamp) -> Vec<Effect> {
    update(s, Msg::Tick(at))
}

#[test]
fn the_timeline_writes_itself_into_the_open_incident() {
    let mut s = console(false);
    s.note(
        crate::feed::EntryKind::Warning,
        true,
        "BackOff pod/x: crash",
    );
    let a = declare(&mut s, "crashes", "3");
    let context: Vec<_> = a.entries.iter().skip(1).map(|e| e.what.clone()).collect();
    assert!(
        context
            .iter()
            .any(|w| matches!(w, What::Timeline { text, .. } if text == "BackOff pod/x: crash")),
        "the last 15 minutes go in with the declaration: {context:?}"
    );
    saved(&mut s, &a, Ok(()));
    tick(&mut s, ts("2026-11-28T15:10:01Z"));
    s.note(
        crate::feed::EntryKind::Action,
        false,
        "restart deployment kubechat-web",
    );
    s.note(
        crate::feed::EntryKind::Source,
        true,
        "prometheus disconnected",
    );
    let effects = tick(&mut s, ts("2026-11-28T15:10:02Z"));
    let copied = appends(&effects);
    assert_eq!(copied.len(), 1, "{effects:?}");
    assert_eq!(
        copied[0]
            .entries
            .iter()
            .map(|e| &e.what)
            .collect::<Vec<_>>(),
        vec![&What::Timeline {
            source: "action".into(),
            bad: false,
            text: "restart deployment kubechat-web".into()
        }],
        "the console's own connection news stays out"
    );
    assert!(
        appends(&tick(&mut s, ts("2026-11-28T15:10:03Z"))).is_empty(),
        "once"
    );
}

#[test]
fn a_clock_that_runs_out_is_recorded_once_and_goes_red() {
    let mut s = console(false);
    let a = declare(&mut s, "db down", "1"); // respond within 15 minutes
    saved(&mut s, &a, Ok(()));
    let before = tick(&mut s, ts("2026-11-28T15:24:59Z"));
    assert!(appends(&before).is_empty());
    let (text, urgency) = badge(&s.panes.incidents, ts("2026-11-28T15:24:59Z")).unwrap();
    assert_eq!(urgency, Urgency::Amber, "{text}");
    let effects = tick(&mut s, ts("2026-11-28T15:25:00Z"));
    let over = appends(&effects);
    assert_eq!(over.len(), 1, "{effects:?}");
    assert!(matches!(
        over[0].entries[0].what,
        What::Overdue {
            clock: crate::incident::ClockKind::Response,
            ..
        }
    ));
    assert!(s.timeline.last().unwrap().text.contains("response OVERDUE"));
    let (text, urgency) = badge(&s.panes.incidents, ts("2026-11-28T15:25:00Z")).unwrap();
    assert_eq!(urgency, Urgency::Red, "{text}");
    assert!(appends(&tick(&mut s, ts("2026-11-28T15:25:01Z"))).is_empty());
}

#[test]
fn journals_written_elsewhere_are_listed_and_merged() {
    let mut s = state(true);
    let mut ids = EntryIds::new("cli-1");
    let at = ts("2026-11-28T14:00:00Z");
    let mut entries: Vec<Entry> = vec![ids.entry(
        at,
        What::Declared {
            incident: "inc-a".into(),
            title: "from the cli".into(),
            severity: 3,
        },
    )];
    let journal = |entries: &Vec<Entry>, warnings: Vec<String>| {
        Msg::Incident(IncidentMsg::Journal {
            id: "inc-a".into(),
            entries: entries.clone(),
            warnings,
            source: crate::msg::JournalSource::Disk,
        })
    };
    update(&mut s, journal(&entries, vec![]));
    assert!(!s.panes.incidents.loaded);
    assert_eq!(s.panes.incidents.incidents.len(), 1);
    entries.push(ids.entry(
        at + SignedDuration::from_mins(1),
        What::Note { text: "hi".into() },
    ));
    let torn = "/d/inc-a.jsonl:3: torn last line (an append was cut short): skipped".to_string();
    update(&mut s, journal(&entries, vec![torn.clone()]));
    update(&mut s, journal(&entries, vec![torn.clone()]));
    let i = &s.panes.incidents.incidents[0].incident;
    assert_eq!(i.entries.len(), 2);
    let warned = s
        .timeline
        .newest_first()
        .filter(|e| e.text.contains("torn last line"))
        .count();
    assert_eq!(warned, 1, "a warning is said once");
}

/// The incident's declaration and its status changes are milestones: marked on the KPI
/// sparklines and drawn as lines on the zoomed chart.
#[test]
fn declaration_and_status_changes_are_milestones_on_the_kpi_charts() {
    let mut s = console(false);
    assert!(s.timeline.milestones().is_empty());
    let a = declare(&mut s, "checkout errors", "2");
    saved(&mut s, &a, Ok(()));
    update(&mut s, key('5'));
    update(&mut s, key('s'));
    let now = s.now_or_epoch();
    assert_eq!(s.timeline.milestones(), vec![now, now]);
    assert!(s.timeline.marks().contains(&now));
    // a note is not a milestone
    update(&mut s, key('n'));
    type_text(&mut s, "looking at the gateway");
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.timeline.milestones().len(), 2);
}

/// With an alert firing, `D` starts from it: the title is the alert's, and the declaration
/// records when it started (the impact start) and its labels.
#[test]
fn declaring_while_an_alert_fires_starts_from_the_alert() {
    let mut s = console(false);
    let now = s.now_or_epoch();
    let since = now - SignedDuration::from_mins(10);
    update(
        &mut s,
        Msg::Kpi(KpiMsg::Alerts {
            alerts: vec![crate::kpi::FiringAlert {
                name: "KubeChatPodCrashLooping".into(),
                state: crate::kpi::AlertState::Firing,
                severity: Some("critical".into()),
                summary: Some("gateway pods restart".into()),
                active_at: Some(since),
                labels: Default::default(),
            }],
            at: now,
        }),
    );
    update(&mut s, key('D'));
    let Overlay::Input {
        input, question, ..
    } = &s.overlay
    else {
        panic!("D opens the title input: {:?}", s.overlay);
    };
    assert_eq!(
        input.lines().join(""),
        "KubeChatPodCrashLooping: gateway pods restart"
    );
    assert!(question.contains("from the firing alert KubeChatPodCrashLooping"));
    update(&mut s, code(KeyCode::Enter));
    let effects = update(&mut s, code(KeyCode::Enter));
    let a = appends(&effects)[0].clone();
    let whats: Vec<&What> = a.entries.iter().map(|e| &e.what).collect();
    assert!(
        matches!(whats[0], What::Declared { title, .. } if title == "KubeChatPodCrashLooping: gateway pods restart")
    );
    assert!(whats.contains(&&What::ImpactStart { since }), "{whats:?}");
    assert!(
        whats.iter().any(|w| matches!(w, What::Note { text }
            if text.contains("alertname=KubeChatPodCrashLooping, severity=critical"))),
        "{whats:?}"
    );
    let t = s.panes.incidents.selected().unwrap();
    assert_eq!(t.incident.impact_start, since);
}

/// The seed's initial response is a checklist on the incident: `c` ticks the next step that
/// applies (the war room only for SEV1/2), each tick journaled; `p` pins a line to the top;
/// `f` filters the journal by kind.
#[test]
fn checklist_pins_and_filter() {
    let mut s = console(false);
    let a = declare(&mut s, "search is slow", "3");
    saved(&mut s, &a, Ok(()));
    update(&mut s, key('5'));
    let mut ticked = Vec::new();
    for _ in 0..5 {
        let effects = update(&mut s, key('c'));
        for a in appends(&effects) {
            for e in &a.entries {
                if let What::Checked { step } = e.what {
                    ticked.push(step);
                }
            }
        }
    }
    // SEV3: no war room (step 3); once all are done, c says so
    assert_eq!(ticked, vec![1, 2, 4, 5]);
    assert!(s
        .toast
        .as_ref()
        .unwrap()
        .text
        .contains("initial response is done"));
    assert_eq!(
        s.panes.incidents.selected().unwrap().incident.checked,
        vec![1, 2, 4, 5]
    );

    update(&mut s, key('p'));
    type_text(&mut s, "root cause: the search index lost a replica");
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(matches!(&appends(&effects)[0].entries[0].what,
        What::Pin { text } if text.starts_with("root cause")));

    let screen = |s: &State| {
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        term.draw(|f| crate::shell::view::render(s, &Theme::default(), f))
            .unwrap();
        format!("{:?}", term.backend())
    };
    let all = screen(&s);
    assert!(all.contains("▶ pinned: root cause"), "{all}");
    assert!(
        all.contains("☑ 1 Acknowledge alert · On-call engineer"),
        "{all}"
    );
    assert!(all.contains("– 3 Start war room if Sev 1/2"), "{all}");
    assert!(all.contains("initial response step 4 done"), "{all}");
    // the timeline's copies only: the people's entries are filtered out
    update(&mut s, key('f'));
    update(&mut s, key('f'));
    assert_eq!(s.panes.incidents.filter, Filter::Timeline);
    let timeline_only = screen(&s);
    assert!(
        !timeline_only.contains("initial response step 4 done"),
        "{timeline_only}"
    );
    assert!(
        timeline_only.contains("journal, timeline entries"),
        "{timeline_only}"
    );
}
