use jiff::{SignedDuration, Timestamp};
use ratatui::{backend::TestBackend, Terminal};

use super::*;
use crate::kpi::board::DEFAULT_STALE_AFTER;
use crate::kpi::defs::builtin;
use crate::kpi::history::Point;
use crate::kpi::{FiringAlert, KpiMsg};

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

/// A board with every state: ok, warn, alert, stale (old sample and no data), error.
fn board_with_every_state() -> KpiBoard {
    let mut b = KpiBoard::with_limits(builtin(), 500, DEFAULT_STALE_AFTER);
    let series: &[(&str, f64, f64)] = &[
        ("availability", 99.97, 0.01),
        ("p95_latency", 0.312, 0.02),
        ("error_rate", 2.34, 0.2),   // alert
        ("throughput", 820.0, 15.0), // warn
        ("cpu", 41.0, 3.0),
        ("memory", 63.5, 1.0),
        ("disk_free", 54.0, 0.5),
        ("network_latency", 0.042, 0.004),
        ("auth_failures", 12.0, 4.0),
        ("rbac_forbidden", 3.0, 1.0),
    ];
    for &(id, v, wobble) in series {
        let points = (0..200)
            .map(|i| (t(i * 15 - 3000), v + wobble * ((i % 7) as f64 - 3.0)))
            .collect();
        b.apply(
            KpiMsg::Backfill {
                id: id.into(),
                points,
            },
            t(0),
        );
        b.apply(
            KpiMsg::Sample {
                id: id.into(),
                value: Some(v),
                at: t(0),
            },
            t(0),
        );
    }
    // memory: stale (no sample for 2 minutes)
    b.apply(
        KpiMsg::Sample {
            id: "memory".into(),
            value: Some(63.5),
            at: t(-120),
        },
        t(-120),
    );
    // error: the query failed, last value kept
    b.apply(
        KpiMsg::Failed {
            id: "cpu".into(),
            error: "bad_data: 1:5: parse error: unexpected end of input".into(),
            at: t(0),
        },
        t(0),
    );
    // api_request_rate: never answered (no data)
    b.apply(
        KpiMsg::Sample {
            id: "api_request_rate".into(),
            value: None,
            at: t(0),
        },
        t(0),
    );
    b.apply(
        KpiMsg::Alerts {
            alerts: vec![FiringAlert {
                name: "KubeChatHighErrorRate".into(),
                state: crate::kpi::AlertState::Firing,
                severity: Some("warning".into()),
                summary: Some("5xx ratio above 1 %".into()),
                active_at: Some(t(-60)),
                labels: Default::default(),
            }],
            at: t(0),
        },
        t(0),
    );
    b.tick(t(0) + SignedDuration::from_secs(5));
    b
}

fn render(board: &KpiBoard, w: u16, h: u16, selected: Option<usize>) -> Terminal<TestBackend> {
    let theme = Theme::default();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| {
        let pane = KpiPane {
            board,
            theme: &theme,
            now: t(5),
            selected,
            marks: &[],
        };
        f.render_widget(pane, f.area());
    })
    .unwrap();
    term
}

#[test]
fn every_state_is_present_in_the_fixture() {
    let b = board_with_every_state();
    let states: Vec<KpiState> = b.entries().iter().map(|e| e.state).collect();
    for s in [
        KpiState::Ok,
        KpiState::Warn,
        KpiState::Alert,
        KpiState::Stale,
        KpiState::Error,
    ] {
        assert!(states.contains(&s), "{s:?} missing: {states:?}");
    }
}

#[test]
fn pane_80x24() {
    let term = render(&board_with_every_state(), 80, 24, Some(2));
    insta::assert_snapshot!(term.backend());
}

#[test]
fn pane_160x48() {
    let term = render(&board_with_every_state(), 160, 48, None);
    insta::assert_snapshot!(term.backend());
}

/// The pane as the console gives it at 160 columns (~65 wide inside its border).
#[test]
fn pane_65x18() {
    let term = render(&board_with_every_state(), 65, 18, None);
    insta::assert_snapshot!(term.backend());
}

#[test]
fn titles_are_whole_at_the_consoles_width_and_have_no_border_of_their_own() {
    let b = board_with_every_state();
    for w in [56, 65, 80] {
        let text = format!("{}", render(&b, w, 18, None).backend());
        for e in b.entries() {
            assert!(
                text.contains(&e.def.title),
                "{w}: {:?} cut:\n{text}",
                e.def.title
            );
        }
        assert!(
            !text.contains('┌') && !text.contains('│'),
            "{w}: a border:\n{text}"
        );
    }
}

#[test]
fn rows_are_coloured_by_state() {
    let theme = Theme::default();
    let term = render(&board_with_every_state(), 160, 48, None);
    let buf = term.backend().buffer();
    // row of KPI i is at y = 1 + i (under the header); the mark is at x = 0
    let mark = |i: u16| buf[(0, 1 + i)].style().fg;
    assert_eq!(mark(0), theme.ok.fg, "availability ok");
    assert_eq!(mark(2), theme.crit.fg, "error_rate alert");
    assert_eq!(mark(3), theme.warn.fg, "throughput warn");
    assert_eq!(mark(4), theme.crit.fg, "cpu error");
    assert_eq!(mark(5), theme.stale.fg, "memory stale");
}

#[test]
fn tiny_and_huge_areas_do_not_panic() {
    let b = board_with_every_state();
    for (w, h) in [(1, 1), (10, 3), (30, 5), (80, 6), (200, 60)] {
        render(&b, w, h, Some(10));
    }
    render(&KpiBoard::default(), 80, 24, None);
}

#[test]
fn selection_scrolls_into_view() {
    let term = render(&board_with_every_state(), 80, 8, Some(10));
    let text = format!("{}", term.backend());
    assert!(text.contains("API request rate"), "{text}");
}

#[test]
fn a_mark_reverses_the_first_cell_after_it() {
    let mut h = History::new(16);
    for (i, v) in [1.0, 2.0, 3.0, 4.0].iter().enumerate() {
        h.push(Point::new(t(10 * i as i64), *v));
    }
    let theme = Theme::default();
    let draw = |marks: &[Timestamp]| {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        draw_sparkline(&h, Rect::new(0, 0, 4, 1), &mut buf, theme.ok, marks);
        (0..4)
            .map(|x| buf[(x, 0)].modifier.contains(Modifier::REVERSED))
            .collect::<Vec<_>>()
    };
    assert_eq!(draw(&[]), [false; 4]);
    // a rollout at t=15 shows on the sample at t=20 (the third cell); one at t=30 on t=30
    assert_eq!(draw(&[t(15)]), [false, false, true, false]);
    assert_eq!(draw(&[t(30)]), [false, false, false, true]);
    // before the oldest sample shown: nothing to mark
    assert_eq!(draw(&[t(-5)]), [false; 4]);
}
