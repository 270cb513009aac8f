//! Pure drawing: `render(&State, &Theme, &mut Frame)` only reads. One module per pane plus
//! the status bar, help, palette and dialogs.

pub mod common;
pub mod confirm;
pub mod guided;
pub mod help;
pub mod palette;
pub mod rollout_detail;
pub mod rollouts;
pub mod status_bar;
pub mod timeline;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use ratatui::Frame;

use crate::action::Action;
use crate::kpi::chart::KpiChart;
use crate::kpi::view::KpiPane;
use crate::state::overlay::Overlay;
use crate::state::{Pane, State};
use crate::theme::Theme;
use common::pane_block;

/// Terminal width from which Rollouts sit left and KPIs + Timeline right.
pub const WIDE_FROM: u16 = 120;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    buf.set_style(area, theme.text);
    if area.height < 3 {
        return;
    }
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    status_bar::StatusBar { state, theme }.render(top, buf);
    for (pane, rect) in pane_areas(body, state.zoomed, state.focus) {
        render_pane(state, theme, pane, rect, buf);
    }
    render_bottom(state, theme, bottom, buf);
    match &state.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => help::HelpOverlay {
            state,
            theme,
            scroll: *scroll,
        }
        .render(body, buf),
        Overlay::Palette { query, selected } => palette::PaletteOverlay {
            state,
            theme,
            query,
            selected: *selected,
        }
        .render(body, buf),
        Overlay::NumberInput {
            purpose,
            input,
            error,
        } => confirm::NumberDialog {
            purpose,
            input,
            error: error.as_deref(),
            theme,
        }
        .render(body, buf),
        Overlay::Confirm(pending) => confirm::ConfirmDialog { pending, theme }.render(body, buf),
    }
}

/// Where each pane goes: the focused one alone when zoomed; stacked when narrow; Rollouts
/// left and KPIs over Timeline right when wide.
pub fn pane_areas(body: Rect, zoomed: bool, focus: Pane) -> Vec<(Pane, Rect)> {
    if zoomed {
        return vec![(focus, body)];
    }
    if body.width >= WIDE_FROM {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(body);
        let [kpis, timeline] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(right);
        vec![
            (Pane::Rollouts, left),
            (Pane::Kpis, kpis),
            (Pane::Timeline, timeline),
        ]
    } else {
        let kpi_h = (body.height / 4).clamp(3, 10);
        let [rollouts, kpis, timeline] = Layout::vertical([
            Constraint::Fill(3),
            Constraint::Length(kpi_h),
            Constraint::Fill(2),
        ])
        .areas(body);
        vec![
            (Pane::Rollouts, rollouts),
            (Pane::Kpis, kpis),
            (Pane::Timeline, timeline),
        ]
    }
}

fn render_pane(state: &State, theme: &Theme, pane: Pane, rect: Rect, buf: &mut Buffer) {
    let focused = state.focus == pane;
    match pane {
        Pane::Rollouts => rollouts::RolloutsPane {
            state,
            theme,
            focused,
        }
        .render(rect, buf),
        Pane::Kpis => {
            // our numbered, focus-aware frame; the KPI widget draws inside it
            let block = pane_block(Pane::Kpis, focused, None, theme);
            let inner = block.inner(rect);
            block.render(rect, buf);
            // Zoomed, the selected KPI's history is charted under the list, with its
            // target and alert threshold drawn as lines.
            let list_rows = state.kpis.len() as u16 + 6;
            let chart = (state.zoomed && focused && inner.height >= list_rows + 10)
                .then(|| state.kpis.entries().get(state.kpi_cursor))
                .flatten();
            let (list, chart_area) = match chart {
                Some(_) => {
                    let [list, chart] =
                        Layout::vertical([Constraint::Length(list_rows), Constraint::Min(0)])
                            .areas(inner);
                    (list, Some(chart))
                }
                None => (inner, None),
            };
            KpiPane {
                board: &state.kpis,
                theme,
                now: state.now_or_epoch(),
                selected: focused.then_some(state.kpi_cursor),
                marks: &state.timeline.marks(),
            }
            .render(list, buf);
            if let (Some(entry), Some(area)) = (chart, chart_area) {
                KpiChart {
                    entry,
                    theme,
                    now: state.now_or_epoch(),
                    span: jiff::SignedDuration::from_mins(30),
                }
                .render(area, buf);
            }
        }
        Pane::Timeline => timeline::TimelinePane {
            state,
            theme,
            focused,
        }
        .render(rect, buf),
    }
}

/// The bottom line: the toast if there is one, else the keys that matter here.
fn render_bottom(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if let Some(toast) = &state.toast {
        let style = if toast.bad { theme.warn } else { theme.info };
        buf.set_line(
            area.x,
            area.y,
            &Line::styled(format!(" {}", toast.text), style),
            area.width,
        );
        return;
    }
    let fixed_hints = match &state.overlay {
        Overlay::None => None,
        Overlay::Help { .. } => Some("Esc close  j/k scroll"),
        Overlay::Palette { .. } => Some("type to filter  ↑/↓ choose  Enter run  Esc close"),
        Overlay::NumberInput { .. } => Some("type a number  Enter next  Esc cancel"),
        Overlay::Confirm(_) => Some("y/Enter yes  n/Esc no"),
    };
    if let Some(text) = fixed_hints {
        let line = Line::styled(format!(" {text}"), theme.muted);
        buf.set_line(area.x, area.y, &line, area.width);
        return;
    }
    let ctx = state.key_context();
    let mut hints: Vec<Action> = vec![
        Action::Help,
        Action::Palette,
        Action::FocusNext,
        Action::ToggleZoom,
    ];
    if state.focus == Pane::Rollouts && !state.read_only {
        hints.extend([
            Action::Scale,
            Action::Restart,
            Action::SwitchSlot,
            Action::Promote,
        ]);
    }
    hints.push(Action::Quit);
    let mut spans = vec![Span::raw(" ")];
    for a in hints {
        if let Some(k) = state.keymap.key_for(ctx, a) {
            spans.push(Span::styled(k, theme.focus));
            spans.push(Span::styled(format!(" {}  ", a.name()), theme.muted));
        }
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}
