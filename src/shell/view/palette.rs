//! The `:` command palette: type to filter every action by name, Enter runs it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::shell::overlay::{namespace_choices, palette_matches};
use crate::shell::State;
use crate::theme::Theme;

pub struct PaletteOverlay<'a> {
    pub state: &'a State,
    pub theme: &'a Theme,
    pub query: &'a str,
    pub selected: usize,
}

impl Widget for PaletteOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let matches = palette_matches(self.query);
        let h = (matches.len() as u16 + 3).clamp(4, area.height.saturating_sub(2).max(4));
        let w = 64.min(area.width);
        let rect = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + 1,
            w,
            h.min(area.height),
        );
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.focus)
            .title(Span::styled(" Actions (Enter runs, Esc closes) ", t.title));
        let inner = block.inner(rect);
        block.render(rect, buf);
        if inner.height == 0 {
            return;
        }
        let prompt = Line::from(vec![
            Span::styled(": ", t.focus),
            Span::styled(self.query.to_string(), t.text),
            Span::styled("▏", t.focus),
        ]);
        buf.set_line(inner.x, inner.y, &prompt, inner.width);
        let visible = inner.height.saturating_sub(1) as usize;
        let first = self.selected.saturating_sub(visible.saturating_sub(1));
        let ctx = self.state.key_context();
        for (i, action) in matches.iter().enumerate().skip(first).take(visible) {
            let y = inner.y + 1 + (i - first) as u16;
            let key = self.state.keymap.key_for(ctx, *action).unwrap_or_default();
            let disabled = action.is_mutating() && self.state.read_only;
            let style = if disabled { t.muted } else { t.text };
            let mut spans = vec![
                Span::styled(
                    format!("{:<16}", action.name()),
                    if disabled { t.muted } else { t.focus },
                ),
                Span::styled(format!("{:<6}", key), t.muted),
                Span::styled(action.description(), style),
            ];
            if action.is_mutating() {
                spans.push(Span::styled(
                    if disabled { " (read-only)" } else { " ✎" },
                    if disabled { t.muted } else { t.warn },
                ));
            }
            let line = Line::from(spans);
            if i == self.selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selected);
                buf.set_line(inner.x, y, &line.patch_style(t.selected), inner.width);
            } else {
                buf.set_line(inner.x, y, &line, inner.width);
            }
        }
        if matches.is_empty() {
            buf.set_line(
                inner.x,
                inner.y + 1,
                &Line::styled("no action matches", t.muted),
                inner.width,
            );
        }
    }
}

/// The `:ns` picker: "all" and the live namespaces, the one watched now marked.
pub struct NamespacePicker<'a> {
    pub state: &'a State,
    pub theme: &'a Theme,
    pub query: &'a str,
    pub selected: usize,
}

impl Widget for NamespacePicker<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let live = self
            .state
            .cluster
            .namespaces
            .values()
            .map(|n| n.name.clone());
        let choices = namespace_choices(self.query, live);
        let h = (choices.len() as u16 + 3).clamp(4, area.height.saturating_sub(2).max(4));
        let w = 48.min(area.width);
        let rect = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + 1,
            w,
            h.min(area.height),
        );
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.focus)
            .title(Span::styled(
                " Namespace (Enter watches it, Esc closes) ",
                t.title,
            ));
        let inner = block.inner(rect);
        block.render(rect, buf);
        if inner.height == 0 {
            return;
        }
        let prompt = Line::from(vec![
            Span::styled("ns ", t.focus),
            Span::styled(self.query.to_string(), t.text),
            Span::styled("▏", t.focus),
        ]);
        buf.set_line(inner.x, inner.y, &prompt, inner.width);
        let visible = inner.height.saturating_sub(1) as usize;
        let first = self.selected.saturating_sub(visible.saturating_sub(1));
        for (i, scope) in choices.iter().enumerate().skip(first).take(visible) {
            let y = inner.y + 1 + (i - first) as u16;
            let current = *scope == self.state.scope;
            let line = Line::from(vec![
                Span::styled(if current { "● " } else { "  " }, t.focus),
                Span::styled(scope.label().to_string(), t.text),
            ]);
            if i == self.selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selected);
                buf.set_line(inner.x, y, &line.patch_style(t.selected), inner.width);
            } else {
                buf.set_line(inner.x, y, &line, inner.width);
            }
        }
        if choices.is_empty() {
            let text = "no namespace matches (names: a-z, 0-9, -)";
            buf.set_line(
                inner.x,
                inner.y + 1,
                &Line::styled(text, t.muted),
                inner.width,
            );
        }
    }
}
