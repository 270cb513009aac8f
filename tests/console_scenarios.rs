//! Whole-screen snapshots: realistic state fed through `update` (the fixture namespace:
//! blue/green pair, a canary mid-steps, a CrashLoopBackOff pod, warning events), drawn with
//! TestBackend at 80×24, 120×40 and 200×60, read-only and read-write, plus overlays.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use kubechat_ops::cluster::load::kube_msgs_from_yaml;
use kubechat_ops::effect::Effect;
use kubechat_ops::keymap::Keymap;
use kubechat_ops::kpi::KpiMsg;
use kubechat_ops::msg::Msg;
use kubechat_ops::panes::PaneId;
use kubechat_ops::screens::pane_areas;
use kubechat_ops::shell::{update, State, StateInit};
use kubechat_ops::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::Terminal;

const FIXTURE: &str = include_str!("fixtures/cluster.yaml");

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn console(read_only: bool) -> State {
    let mut s = State::new(StateInit {
        context: "kind-kubechat".into(),
        scope: kubechat_ops::cluster::scope::Scope::Namespace("kubechat-system".into()),
        read_only,
        demo: Some("default".into()),
        keymap: Keymap::defaults(),
        prometheus: Some("http://127.0.0.1:9090".into()),
        warnings: vec![],
    });
    // Prometheus answered at :56, the cluster's lists arrived at :58
    update(&mut s, Msg::Tick(ts("2026-11-28T15:09:56Z")));
    update(
        &mut s,
        Msg::Kpi(KpiMsg::Alerts {
            alerts: vec![],
            at: ts("2026-11-28T15:09:56Z"),
        }),
    );
    update(&mut s, Msg::Tick(ts("2026-11-28T15:09:58Z")));
    for m in kube_msgs_from_yaml(FIXTURE, "cluster.yaml").expect("fixture") {
        update(&mut s, Msg::Kube(m));
    }
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:00Z")));
    s
}

fn key(s: &mut State, c: char) -> Vec<Effect> {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), mods)))
}

fn select(s: &mut State, name: &str) {
    while s.selected_row().map(|r| r.name.as_str()) != Some(name) {
        let before = s.panes.rollouts.cursor;
        key(s, 'j');
        assert_ne!(before, s.panes.rollouts.cursor, "{name} not in the rows");
    }
}

/// The screen as text. The KPI pane's inside is masked where no overlay covers it: the KPI
/// widget has its own snapshots (kpi::view), so these do not change when it does.
fn draw(s: &State, w: u16, h: u16) -> String {
    let buf = buffer(s, &Theme::default(), w, h);
    let mut bare = s.clone();
    bare.overlay = Default::default();
    let under = buffer(&bare, &Theme::default(), w, h);
    let mut out = buf.clone();
    if h >= 3 {
        let body = Rect::new(0, 1, w, h - 2);
        for (pane, rect) in pane_areas(s.screen, body, s.zoomed, s.focus) {
            if pane == PaneId::Kpis {
                mask(&mut out, &buf, &under, rect.inner(Margin::new(1, 1)));
            }
        }
    }
    TestBackend::with_lines(lines_of(&out)).to_string()
}

/// Blanks the cells of `area` that the overlay left as the pane drew them.
fn mask(out: &mut Buffer, drawn: &Buffer, under: &Buffer, area: Rect) {
    let uncovered = |x: u16, y: u16| drawn[(x, y)] == under[(x, y)];
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if uncovered(x, y) {
                out[(x, y)].set_symbol(" ");
            }
        }
    }
    let label = "(KPI widget)";
    let fits = area.height > 0
        && area.width as usize > label.len()
        && (area.x..area.x + label.len() as u16).all(|x| uncovered(x, area.y));
    if fits {
        out.set_string(area.x, area.y, label, ratatui::style::Style::new());
    }
}

fn lines_of(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

#[test]
fn dashboard_at_every_size_in_both_modes() {
    for read_only in [false, true] {
        let mut s = console(read_only);
        select(&mut s, "kubechat-ai-engine");
        let mode = if read_only { "ro" } else { "rw" };
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            insta::assert_snapshot!(format!("dashboard_{mode}_{w}x{h}"), draw(&s, w, h));
        }
    }
}

#[test]
fn canary_and_blue_green_detail() {
    let mut s = console(false);
    select(&mut s, "kubechat-chat-service");
    insta::assert_snapshot!("canary_detail_120x40", draw(&s, 120, 40));
    let mut s = console(false);
    select(&mut s, "kubechat-api-gateway");
    insta::assert_snapshot!("blue_green_detail_120x40", draw(&s, 120, 40));
}

#[test]
fn zoomed_rollouts_at_80x24() {
    let mut s = console(false);
    select(&mut s, "kubechat-ai-engine");
    key(&mut s, 'z');
    insta::assert_snapshot!("zoomed_rollouts_80x24", draw(&s, 80, 24));
}

#[test]
fn help_overlay_both_modes() {
    let mut s = console(false);
    key(&mut s, '?');
    insta::assert_snapshot!("help_rw_120x40", draw(&s, 120, 40));
    let mut s = console(true);
    key(&mut s, '?');
    insta::assert_snapshot!("help_ro_120x40", draw(&s, 120, 40));
}

#[test]
fn palette_filtered() {
    let mut s = console(false);
    key(&mut s, ':');
    for c in "pro".chars() {
        key(&mut s, c);
    }
    insta::assert_snapshot!("palette_pro_80x24", draw(&s, 80, 24));
}

#[test]
fn confirm_dialog_and_read_only_refusal() {
    let mut s = console(false);
    select(&mut s, "kubechat-api-gateway");
    key(&mut s, 'w');
    insta::assert_snapshot!("confirm_switch_80x24", draw(&s, 80, 24));

    let mut s = console(true);
    select(&mut s, "kubechat-api-gateway");
    assert!(key(&mut s, 'w').is_empty());
    insta::assert_snapshot!("refused_switch_ro_80x24", draw(&s, 80, 24));
}

#[test]
fn rollouts_pane_zoomed_at_160x48() {
    let mut s = console(false);
    select(&mut s, "kubechat-chat-service");
    key(&mut s, 'z');
    insta::assert_snapshot!("rollouts_canary_zoomed_160x48", draw(&s, 160, 48));
}

fn buffer(s: &State, theme: &Theme, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| kubechat_ops::shell::view::render(s, theme, f))
        .expect("draw");
    term.backend().buffer().clone()
}

/// The style of the first cell where `text` starts.
fn style_at(buf: &ratatui::buffer::Buffer, text: &str) -> ratatui::style::Style {
    let area = buf.area;
    for y in 0..area.height {
        let line: String = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        if let Some(byte) = line.find(text) {
            let x = line[..byte].chars().count() as u16;
            return buf[(x, y)].style();
        }
    }
    panic!("{text:?} not on screen");
}

#[test]
fn colours_come_from_the_theme_and_no_color_has_none() {
    let s = console(false);
    for name in ["dark", "light", "high-contrast"] {
        let theme = Theme::built_in(name).expect("built-in theme");
        let buf = buffer(&s, &theme, 120, 40);
        assert_eq!(style_at(&buf, "Stalled").fg, theme.crit.fg, "{name}");
        assert_eq!(style_at(&buf, "Healthy").fg, theme.ok.fg, "{name}");
        assert_eq!(
            style_at(&buf, "READ-WRITE").bg,
            theme.badge_read_write.bg,
            "{name}"
        );
    }
    let buf = buffer(&s, &Theme::no_color(), 120, 40);
    for cell in buf.content() {
        let st = cell.style();
        assert!(
            matches!(st.fg, None | Some(ratatui::style::Color::Reset))
                && matches!(st.bg, None | Some(ratatui::style::Color::Reset)),
            "a coloured cell with NO_COLOR: {cell:?}"
        );
    }
}

#[test]
fn disconnected_kubernetes_shows_with_the_data_age_and_recovers() {
    let mut s = console(false);
    update(
        &mut s,
        Msg::Kube(kubechat_ops::msg::KubeMsg::SourceError {
            kind: "deployments",
            error: Some("connection refused".into()),
            at: ts("2026-11-28T15:10:01Z"),
        }),
    );
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:12Z")));
    let screen = draw(&s, 200, 60);
    let top = screen.lines().next().unwrap_or_default().to_string();
    assert!(top.contains("✕ kube 14s"), "{top}");
    assert!(screen.contains("kubernetes disconnected: deployments: connection refused"));
    let buf = buffer(&s, &Theme::default(), 120, 40);
    assert_eq!(style_at(&buf, "✕ kube").fg, Theme::default().crit.fg);

    update(
        &mut s,
        Msg::Kube(kubechat_ops::msg::KubeMsg::SourceError {
            kind: "deployments",
            error: None,
            at: ts("2026-11-28T15:10:13Z"),
        }),
    );
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:14Z")));
    let screen = draw(&s, 200, 60);
    assert!(screen
        .lines()
        .next()
        .unwrap_or_default()
        .contains("● kube 1s"));
    assert!(screen.contains("kubernetes reconnected"));
}

#[test]
fn any_size_with_any_overlay_draws_without_panicking() {
    let mut states = Vec::new();
    for read_only in [false, true] {
        let base = console(read_only);
        states.push(base.clone());
        for keys in ["?", ":pro", "z", "jjw", "jjjjjs", "jjjjjP"] {
            let mut s = base.clone();
            for c in keys.chars() {
                key(&mut s, c);
            }
            states.push(s);
        }
    }
    states.push(State::new(StateInit {
        context: String::new(),
        scope: kubechat_ops::cluster::scope::Scope::Namespace(String::new()),
        read_only: false,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: None,
        warnings: vec!["a warning".into(), "another".into()],
    }));
    for s in &states {
        for (w, h) in [
            (1, 1),
            (2, 2),
            (10, 3),
            (20, 5),
            (40, 10),
            (79, 23),
            (119, 39),
            (300, 100),
        ] {
            draw(s, w, h);
        }
    }
}

#[test]
fn scale_input_then_confirmation() {
    let mut s = console(false);
    select(&mut s, "kubechat-api-gateway-blue");
    key(&mut s, 's');
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
    );
    key(&mut s, '5');
    insta::assert_snapshot!("scale_input_80x24", draw(&s, 80, 24));
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    insta::assert_snapshot!("scale_confirm_80x24", draw(&s, 80, 24));
}
