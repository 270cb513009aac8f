//! The Security pane driven through `shell::update` as the loop drives it.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::*;
use crate::audit::{ObjectRef, Severity};
use crate::msg::AuditMsg;
use crate::panes::PaneId;
use crate::shell::test_support::{code, key, state, ts};
use crate::shell::{update, State};
use crate::theme::Theme;

fn audits(effects: &[Effect]) -> Vec<&Scope> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Audit(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn finding(check: Check, severity: Severity, name: &str, container: Option<&str>) -> Finding {
    Finding {
        check,
        severity,
        object: ObjectRef {
            kind: "Pod".into(),
            namespace: Some("kubechat-system".into()),
            name: name.into(),
            container: container.map(String::from),
        },
        message: format!("{} problem", check.id()),
        fix: "do better".into(),
        evidence: vec![format!("spec.{}: yes", check.id())],
    }
}

/// The default scenario's seeded problems.
fn seeded() -> Vec<Finding> {
    let mut sa = finding(Check::ClusterAdmin, Severity::High, "kubechat-admin", None);
    sa.object.kind = "ServiceAccount".into();
    let mut f = vec![
        finding(
            Check::RunAsRoot,
            Severity::High,
            "postgres-primary-a-b",
            None,
        ),
        finding(
            Check::Privileged,
            Severity::High,
            "log-shipper-a-b",
            Some("fluent-bit"),
        ),
        sa,
        finding(Check::HostPath, Severity::High, "log-shipper-a-b", None),
    ];
    crate::audit::sort(&mut f);
    f
}

fn back(s: &mut State, scope: Scope, result: Result<Vec<Finding>, String>) -> Vec<Effect> {
    let result = result.map(|findings| AuditReport { findings, pods: 18 });
    update(s, Msg::Audit(AuditMsg { scope, result }))
}

fn screen(s: &State) -> String {
    let theme = Theme::built_in("dark").unwrap();
    let area = Rect::new(0, 0, 150, 40);
    let mut buf = Buffer::empty(area);
    let view = View {
        now: s.now_or_epoch(),
        theme: &theme,
        read_only: s.read_only,
        focused: true,
        zoomed: false,
        cluster: &s.cluster,
        kpis: &s.kpis,
        timeline: &s.timeline,
    };
    render(&s.panes.security, &view, area, &mut buf);
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn audits_the_consoles_scope_once_shown_not_at_start_in_both_modes() {
    let ns = Scope::Namespace("kubechat-system".into());
    for read_only in [false, true] {
        // the fixture's first tick did not ask: the pane is not on screen
        let mut s = state(read_only);
        assert!(!s.panes.security.running);
        assert!(s.panes.security.started.is_none());
        update(&mut s, key('8'));
        let effects = update(&mut s, Msg::Tick(ts("2026-11-28T15:10:01Z")));
        // an audit only reads: it passes the read-only guard
        assert_eq!(audits(&effects), [&ns], "{effects:?}");
        assert!(effects.iter().all(|e| !e.is_mutating()));
        // not again while it runs
        let effects = update(&mut s, Msg::Tick(ts("2026-11-28T15:20:00Z")));
        assert!(audits(&effects).is_empty());
        back(&mut s, ns.clone(), Ok(seeded()));
        assert!(!s.panes.security.running);
        // on screen: again every five minutes
        let effects = update(&mut s, Msg::Tick(ts("2026-11-28T15:20:01Z")));
        assert_eq!(audits(&effects), [&ns], "{effects:?}");
        back(&mut s, ns.clone(), Ok(seeded()));
        // off screen: not again
        update(&mut s, key('1'));
        let effects = update(&mut s, Msg::Tick(ts("2026-11-28T15:40:00Z")));
        assert!(audits(&effects).is_empty(), "{effects:?}");
    }
}

#[test]
fn the_audit_follows_the_consoles_scope() {
    let ns = Scope::Namespace("kubechat-system".into());
    let mut s = state(false);
    update(&mut s, key('8'));
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:01Z")));
    // `:ns all` while it runs: every namespace is audited at once, the old answer dropped
    crate::shell::actions::switch_scope(&mut s, Scope::All);
    let effects = update(&mut s, Msg::Tick(ts("2026-11-28T15:10:02Z")));
    assert_eq!(audits(&effects), [&Scope::All], "{effects:?}");
    back(&mut s, ns.clone(), Ok(seeded()));
    assert!(s.panes.security.last.is_none());
    back(&mut s, Scope::All, Ok(seeded()));
    assert_eq!(s.panes.security.last.as_ref().unwrap().scope, Scope::All);
    assert!(
        screen(&s).contains("Security all namespaces"),
        "{}",
        screen(&s)
    );
    // back to the namespace while the pane is off screen: audited when next shown
    update(&mut s, key('1'));
    crate::shell::actions::switch_scope(&mut s, ns.clone());
    assert!(audits(&update(&mut s, Msg::Tick(ts("2026-11-28T15:11:00Z")))).is_empty());
    update(&mut s, key('8'));
    let effects = update(&mut s, Msg::Tick(ts("2026-11-28T15:11:01Z")));
    assert_eq!(audits(&effects), [&ns], "{effects:?}");
    assert!(
        s.panes.security.last.is_none(),
        "the other scope's findings are gone"
    );
}

#[test]
fn findings_grouped_by_check_with_counts_and_a_drill_down() {
    let mut s = state(false);
    back(&mut s, Scope::All, Ok(seeded()));
    let m = &s.panes.security;
    assert_eq!(m.count(Check::RunAsRoot), 1);
    assert_eq!(m.count(Check::ImageTag), 0);
    // every check that found something is open: 12 checks + 4 findings
    assert_eq!(m.rows().len(), 16);
    assert!(s.timeline.newest_first().any(
        |e| e.text == "security audit of all namespaces: 4 findings (4 high, 0 medium, 0 low)"
    ));
    update(&mut s, key('8'));
    assert_eq!(s.focus, PaneId::Security);
    let text = screen(&s);
    assert!(
        text.contains("4 findings (4 high, 0 medium, 0 low) · 18 pods"),
        "{text}"
    );
    assert!(text.contains("▾ high   Pods running as root"), "{text}");
    assert!(
        text.contains("Pod kubechat-system/postgres-primary-a-b"),
        "{text}"
    );
    assert!(text.contains("Images with :latest or no tag"), "{text}");
    assert!(text.contains("Security alerts (KPIs)"), "{text}");
    // the cursor on the privileged container: its fields, why, the fix
    for _ in 0..3 {
        update(&mut s, code(KeyCode::Down));
    }
    assert_eq!(s.panes.security.selected(), Some(Row::Finding(1)));
    let text = screen(&s);
    assert!(
        text.contains(
            "Pod kubechat-system/log-shipper-a-b (container fluent-bit)  high · privileged"
        ),
        "{text}"
    );
    assert!(text.contains("  spec.privileged: yes"), "{text}");
    assert!(text.contains("why  privileged problem"), "{text}");
    assert!(text.contains("fix  do better"), "{text}");
    // Enter on a finding folds its check, the cursor on it; Enter again opens it
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(
        s.panes.security.selected(),
        Some(Row::Check(Check::Privileged))
    );
    assert_eq!(s.panes.security.rows().len(), 15);
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.panes.security.rows().len(), 16);
    // the same audit again is not news for the timeline
    let before = s.timeline.len();
    back(&mut s, Scope::All, Ok(seeded()));
    assert_eq!(s.timeline.len(), before);
}

#[test]
fn r_reruns_and_failures_are_said() {
    let ns = Scope::Namespace("kubechat-system".into());
    let mut s = state(false);
    update(&mut s, key('8'));
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:01Z")));
    back(&mut s, ns.clone(), Ok(vec![]));
    let text = screen(&s);
    assert!(
        text.contains("0 findings (0 high, 0 medium, 0 low)"),
        "{text}"
    );
    assert!(
        text.contains("Pods running as root") && text.contains("none"),
        "{text}"
    );
    let effects = update(&mut s, key('r'));
    assert_eq!(audits(&effects), [&ns]);
    // once is enough while it runs
    assert!(audits(&update(&mut s, key('r'))).is_empty());
    back(
        &mut s,
        ns.clone(),
        Err("cannot list pods in namespace kubechat-system: forbidden (403 Forbidden)".into()),
    );
    let text = screen(&s);
    assert!(
        text.contains("could not audit: cannot list pods in namespace kubechat-system: forbidden"),
        "{text}"
    );
    assert!(s.timeline.newest_first().next().unwrap().bad);
}
