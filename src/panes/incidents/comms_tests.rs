//! Communications through `shell::update`: the declaration first, filled from live facts,
//! edited, sent with Ctrl-S; the update clock restarts; then a status update.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{appends, console, declare, saved, tick, type_text};
use crate::effect::Effect;
use crate::incident::clocks::clocks;
use crate::incident::{ClockKind, What};
use crate::msg::Msg;
use crate::shell::overlay::Overlay;
use crate::shell::test_support::{code, key, ts};
use crate::shell::{update, State};

fn ctrl(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::CONTROL))
}

fn ctrl_s() -> Msg {
    ctrl(KeyCode::Char('s'))
}

fn editor_text(s: &State) -> String {
    match &s.overlay {
        Overlay::Editor { editor, .. } => editor.lines().join("\n"),
        other => panic!("no editor: {other:?}"),
    }
}

#[test]
fn the_declaration_then_updates_are_filled_edited_sent_and_restart_the_clock() {
    for read_only in [false, true] {
        let mut s = console(read_only);
        let a = declare(&mut s, "chat messages fail", "2");
        saved(&mut s, &a, Ok(()));
        update(&mut s, key('5'));
        tick(&mut s, ts("2026-11-28T15:40:00Z"));
        update(&mut s, key('u'));
        let text = editor_text(&s);
        assert!(text.starts_with("**INCIDENT DECLARED - SEV 2**"), "{text}");
        assert!(text.contains("**Summary:** chat messages fail"), "{text}");
        assert!(
            text.contains("- Services affected: kubechat-ai-engine"),
            "{text}"
        );
        assert!(
            text.contains("**Next Update:** 2026-11-28 16:40 UTC"),
            "{text}"
        );
        // Enter breaks the line in the editor; the edit goes out as typed
        update(&mut s, code(KeyCode::Enter));
        type_text(&mut s, "war room: #inc-chat");
        let copied = update(&mut s, ctrl(KeyCode::Char('y')));
        assert!(matches!(&copied[..], [Effect::Clipboard(t)] if t.ends_with("#inc-chat")));
        let effects = update(&mut s, ctrl_s());
        assert!(s.overlay.is_none());
        assert!(
            effects.iter().any(|e| matches!(e, Effect::Clipboard(_))),
            "sending copies too"
        );
        let sent = appends(&effects)[0].clone();
        let What::UpdateSent { template, text } = &sent.entries[0].what else {
            panic!("{sent:?}");
        };
        assert_eq!(template, "declaration");
        assert!(text.ends_with("war room: #inc-chat"), "{text}");
        assert!(s.timeline.last().unwrap().text.contains("declaration sent"));
        let i = &s.panes.incidents.selected().unwrap().incident;
        let update_clock = clocks(i, &s.panes.incidents.severities, ts("2026-11-28T15:40:00Z"))
            .into_iter()
            .find(|c| c.kind == ClockKind::Update)
            .unwrap();
        assert_eq!(update_clock.due, ts("2026-11-28T16:40:00Z"), "restarted");
        // the next one is a status update; Esc leaves it unsent
        update(&mut s, key('u'));
        assert!(editor_text(&s).starts_with("**INCIDENT UPDATE - SEV 2**"));
        assert!(editor_text(&s).contains("**Current Status:** INVESTIGATING"));
        let effects = update(&mut s, code(KeyCode::Esc));
        assert!(effects.is_empty() && s.overlay.is_none());
    }
}

/// The Incidents screen, an incident open with a communication in the editor, at any size.
#[test]
fn draws_at_any_size_without_panicking() {
    let mut s = console(false);
    declare(
        &mut s,
        "a title long enough to be cut on a narrow screen",
        "1",
    );
    update(&mut s, key('5'));
    for overlay in [false, true] {
        if overlay {
            update(&mut s, key('u'));
        }
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 12), (80, 24), (200, 60)] {
            super::tests::screen(&s, w, h);
        }
    }
}
