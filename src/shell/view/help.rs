//! The `?` overlay, generated from the keymap for the focused pane (and the global keys).
//! Mutating actions are marked; in read-only mode they are shown disabled.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::draw::centered;
use crate::keymap::KeyContext;
use crate::shell::State;
use crate::theme::Theme;

pub struct HelpOverlay<'a> {
    pub state: &'a State,
    pub theme: &'a Theme,
    pub scroll: usize,
}

impl HelpOverlay<'_> {
    /// The overlay's lines (also what a test can read).
    pub fn lines(&self) -> Vec<Line<'static>> {
        let (s, t) = (self.state, self.theme);
        let mut out = Vec::new();
        let ctx = KeyContext::Pane(s.focus);
        for (title, c) in [(s.focus.title(), ctx), ("Everywhere", KeyContext::Global)] {
            let bindings = s.keymap.bindings(c);
            if bindings.is_empty() {
                continue;
            }
            out.push(Line::styled(title.to_string(), t.title));
            for (action, keys) in bindings {
                let keys: Vec<String> = keys.iter().map(|k| k.label()).collect();
                let mutating = action.is_mutating();
                let denied = s.denies(action);
                let disabled = mutating && (s.read_only || denied);
                let style = if disabled { t.muted } else { t.text };
                let mut spans = vec![
                    Span::styled(
                        format!("  {:<14}", keys.join(" ")),
                        if disabled { t.muted } else { t.focus },
                    ),
                    Span::styled(format!("{:<44}", action.description()), style),
                ];
                if mutating {
                    let (mark, st) = if denied && !s.read_only {
                        ("✎ not permitted (RBAC)", t.muted)
                    } else if disabled {
                        ("✎ disabled: read-only", t.muted)
                    } else {
                        ("✎ changes the cluster", t.warn)
                    };
                    spans.push(Span::styled(mark, st));
                }
                out.push(Line::from(spans));
            }
            out.push(Line::raw(""));
        }
        out
    }
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lines = self.lines();
        let h = (lines.len() as u16 + 2).min(area.height);
        let rect = centered(area, 86, h);
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(self.theme.focus)
            .title(Span::styled(" Keys (Esc closes) ", self.theme.title));
        let scroll = self.scroll.min(lines.len().saturating_sub(1)) as u16;
        Paragraph::new(lines)
            .block(block)
            .style(self.theme.text)
            .scroll((scroll, 0))
            .render(rect, buf);
    }
}
