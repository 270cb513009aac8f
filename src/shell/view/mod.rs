//! Pure drawing: `render(&State, &Theme, &mut Frame)` only reads. The status bar on top,
//! the current screen's panes (each drawn by its own pane module), the bottom line, and
//! the overlay if one is open.

pub mod dialog;
pub mod help;
pub mod palette;
pub mod status_bar;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use ratatui::Frame;

use super::overlay::Overlay;
use super::State;
use crate::action::{Action, ShellAction};
use crate::draw::{fill_style, set_line};
use crate::panes::{PaneAction, View};
use crate::screens::pane_areas;
use crate::theme::Theme;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    fill_style(buf, area, theme.text);
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
    for (pane, rect) in pane_areas(state.screen, body, state.zoomed, state.focus) {
        let view = View {
            now: state.now_or_epoch(),
            theme,
            read_only: state.read_only,
            focused: state.focus == pane,
            zoomed: state.zoomed,
            cluster: &state.cluster,
            kpis: &state.kpis,
            timeline: &state.timeline,
        };
        state.panes.render(pane, &view, rect, buf);
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
        Overlay::Namespaces { query, selected } => palette::NamespacePicker {
            state,
            theme,
            query,
            selected: *selected,
        }
        .render(body, buf),
        Overlay::Input {
            title,
            question,
            input,
            error,
            ..
        } => dialog::InputDialog {
            title,
            question,
            input,
            error: error.as_deref(),
            theme,
        }
        .render(body, buf),
        Overlay::Confirm(pending) => dialog::ConfirmDialog { pending, theme }.render(body, buf),
        Overlay::Pick {
            title,
            choices,
            query,
            selected,
            ..
        } => palette::PickList {
            theme,
            title,
            choices,
            query,
            selected: *selected,
        }
        .render(body, buf),
        Overlay::Editor { title, editor, .. } => dialog::EditorDialog {
            title,
            editor,
            theme,
        }
        .render(body, buf),
    }
}

/// The bottom line: the toast if there is one, else the keys that matter here.
fn render_bottom(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if let Some(toast) = &state.toast {
        let style = if toast.bad { theme.warn } else { theme.info };
        set_line(
            buf,
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
        Overlay::Namespaces { .. } => Some("type to filter  ↑/↓ choose  Enter watch  Esc close"),
        Overlay::Input { hint, .. } | Overlay::Editor { hint, .. } => Some(hint.as_str()),
        Overlay::Confirm(_) => Some("y/Enter yes  n/Esc no"),
        Overlay::Pick { .. } => {
            Some("type to filter  ↑/↓ choose  Enter take it (no match: what is typed)  Esc cancel")
        }
    };
    if let Some(text) = fixed_hints {
        let line = Line::styled(format!(" {text}"), theme.muted);
        set_line(buf, area.x, area.y, &line, area.width);
        return;
    }
    let ctx = state.key_context();
    let mut hints: Vec<Action> = [
        ShellAction::Help,
        ShellAction::Palette,
        ShellAction::FocusNext,
        ShellAction::ToggleZoom,
    ]
    .map(Action::Shell)
    .to_vec();
    hints.extend(
        PaneAction::hints(state.focus)
            .into_iter()
            .filter(|a| !(state.read_only && a.is_mutating()))
            .map(Action::Pane),
    );
    hints.push(Action::Shell(ShellAction::Quit));
    let mut spans = vec![Span::raw(" ")];
    // "logs-follow" is "follow" on the Logs pane's own line
    let own = format!("{}-", state.focus.name());
    for a in hints {
        if let Some(k) = state.keymap.key_for(ctx, a) {
            let name = a.name().strip_prefix(own.as_str()).unwrap_or(a.name());
            spans.push(Span::styled(k, theme.focus));
            spans.push(Span::styled(format!(" {name}  "), theme.muted));
        }
    }
    set_line(buf, area.x, area.y, &Line::from(spans), area.width);
}
