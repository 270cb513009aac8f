//! The RBAC self-check as the shell takes it: asked at the first tick; a write RBAC denies
//! is refused before its confirmation opens, said on the timeline, marked in help.

use crossterm::event::KeyCode;

use super::overlay::Overlay;
use super::test_support::{code, key, select, state, ts, writes};
use super::update;
use super::State;
use crate::effect::{
    Effect, Permission, CONSOLE_WRITES, CREATE_JOBS, PATCH_CRONJOBS, PATCH_SERVICES,
    SCALE_DEPLOYMENTS,
};
use crate::feed::EntryKind;
use crate::msg::Msg;

fn answers(denied: &[Permission]) -> Msg {
    Msg::Permissions(
        CONSOLE_WRITES
            .iter()
            .map(|p| (*p, Ok(!denied.contains(p))))
            .collect(),
    )
}

fn help_text(s: &State) -> String {
    let theme = crate::theme::Theme::built_in("dark").unwrap();
    super::view::help::HelpOverlay {
        state: s,
        theme: &theme,
        scroll: 0,
    }
    .lines()
    .iter()
    .map(|l| l.to_string())
    .collect::<Vec<_>>()
    .join("\n")
}

#[test]
fn asked_once_at_the_first_tick() {
    let mut s = State::new(super::StateInit {
        context: "c".into(),
        scope: crate::cluster::scope::Scope::Namespace("kubechat-system".into()),
        read_only: true,
        demo: None,
        keymap: crate::keymap::Keymap::defaults(),
        prometheus: None,
        warnings: vec![],
    });
    let first = update(&mut s, Msg::Tick(ts("2026-11-28T15:10:00Z")));
    // it only asks: it passes the read-only guard
    assert!(first.contains(&Effect::CheckPermissions), "{first:?}");
    let second = update(&mut s, Msg::Tick(ts("2026-11-28T15:10:01Z")));
    assert!(!second.contains(&Effect::CheckPermissions));
}

#[test]
fn a_denied_write_is_refused_before_its_confirmation() {
    let mut s = state(false);
    update(&mut s, answers(&[PATCH_SERVICES]));
    assert!(s
        .timeline
        .newest_first()
        .any(|e| e.text == "not permitted (RBAC): patch services" && e.bad));
    select(&mut s, "kubechat-api-gateway");
    for k in ['w', 'W'] {
        assert!(update(&mut s, key(k)).is_empty());
        assert!(s.overlay.is_none(), "{:?}", s.overlay);
        let toast = &s.toast.as_ref().unwrap().text;
        assert!(toast.starts_with("not permitted (RBAC): "), "{toast}");
        assert!(toast.ends_with("needs patch services"), "{toast}");
        assert_eq!(s.timeline.last().unwrap().kind, EntryKind::Refused);
    }
    // what is permitted still asks as before
    select(&mut s, "kubechat-api-gateway-blue");
    update(&mut s, key('r'));
    assert!(matches!(s.overlay, Overlay::Confirm(_)), "{:?}", s.overlay);

    // scale: a Deployment's needs deployments/scale, which is denied (rollouts' is not),
    // so the number is asked, and the confirmation refused
    let mut s = state(false);
    update(&mut s, answers(&[SCALE_DEPLOYMENTS]));
    select(&mut s, "kubechat-api-gateway-blue");
    update(&mut s, key('s'));
    assert!(matches!(s.overlay, Overlay::Input { .. }));
    update(&mut s, code(KeyCode::Backspace));
    update(&mut s, key('5'));
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(writes(&effects).is_empty());
    assert!(s.overlay.is_none(), "{:?}", s.overlay);
    assert_eq!(
        s.toast.as_ref().unwrap().text,
        "not permitted (RBAC): scale deployment kubechat-api-gateway-blue to 5 needs patch deployments.apps/scale"
    );
}

#[test]
fn help_says_not_permitted() {
    let mut s = state(false);
    update(&mut s, key('1'));
    assert!(!help_text(&s).contains("not permitted (RBAC)"));
    update(&mut s, answers(&[PATCH_SERVICES]));
    let help = help_text(&s);
    let switch = help
        .lines()
        .find(|l| l.contains("switch blue/green Service to the other slot"))
        .unwrap();
    assert!(switch.contains("✎ not permitted (RBAC)"), "{help}");
    let scale = help
        .lines()
        .find(|l| l.contains("scale the selected workload"))
        .unwrap();
    assert!(scale.contains("✎ changes the cluster"), "{help}");
}

fn palette_text(s: &State, query: &str) -> String {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::Widget as _;
    let theme = crate::theme::Theme::built_in("dark").unwrap();
    let area = Rect::new(0, 0, 160, 40);
    let mut buf = Buffer::empty(area);
    super::view::palette::PaletteOverlay {
        state: s,
        theme: &theme,
        query,
        selected: 0,
    }
    .render(area, &mut buf);
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every action that changes the cluster says what RBAC must allow, and the self-check
/// asks about it: none can slip past "not permitted (RBAC)".
#[test]
fn every_mutating_action_declares_what_it_needs_and_it_is_asked() {
    for pane in crate::panes::PaneId::ALL {
        for a in crate::panes::PaneAction::all(*pane) {
            assert_eq!(
                a.is_mutating(),
                !a.needs().is_empty(),
                "{} must declare what RBAC it needs",
                a.name()
            );
            for p in a.needs() {
                assert!(CONSOLE_WRITES.contains(p), "{p} is not asked at start");
            }
        }
    }
}

#[test]
fn backup_actions_rbac_denies_are_refused_before_their_confirmation_and_marked() {
    let mut s = state(false);
    update(&mut s, answers(&[CREATE_JOBS, PATCH_CRONJOBS]));
    update(&mut s, key('7'));
    for (k, name, needs) in [
        ('r', "backup-run-now", "create jobs.batch"),
        ('s', "backup-suspend", "patch cronjobs.batch"),
        ('u', "backup-resume", "patch cronjobs.batch"),
    ] {
        assert!(update(&mut s, key(k)).is_empty());
        assert!(s.overlay.is_none(), "{:?}", s.overlay);
        assert_eq!(
            s.toast.as_ref().unwrap().text,
            format!("not permitted (RBAC): {name} needs {needs}")
        );
        assert_eq!(s.timeline.last().unwrap().kind, EntryKind::Refused);
    }
    let help = help_text(&s);
    for what in [
        "run the selected backup now",
        "suspend the selected CronJob",
    ] {
        let line = help.lines().find(|l| l.contains(what)).unwrap();
        assert!(line.contains("✎ not permitted (RBAC)"), "{help}");
    }
    let palette = palette_text(&s, "backup");
    let run_now = palette
        .lines()
        .find(|l| l.contains("backup-run-now"))
        .unwrap();
    assert!(run_now.contains("not permitted (RBAC)"), "{palette}");
    // from the palette too: refused, no confirmation
    update(&mut s, key(':'));
    for c in "backup-run-now".chars() {
        update(&mut s, key(c));
    }
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(s.overlay.is_none(), "{:?}", s.overlay);
    assert!(s
        .toast
        .as_ref()
        .unwrap()
        .text
        .starts_with("not permitted (RBAC): backup-run-now"));
    // what the self-check did not deny stays as it was
    let mut s = state(false);
    update(&mut s, answers(&[PATCH_SERVICES]));
    update(&mut s, key('7'));
    assert!(!palette_text(&s, "backup").contains("not permitted"));
}
