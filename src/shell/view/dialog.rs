//! The confirmation dialog (naming the object and the change) and a pane's text input.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};
use ratatui_textarea::TextArea;

use crate::draw::centered;
use crate::shell::overlay::PendingWrite;
use crate::theme::Theme;

pub struct ConfirmDialog<'a> {
    pub pending: &'a PendingWrite,
    pub theme: &'a Theme,
}

impl Widget for ConfirmDialog<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let w = 70.min(area.width);
        let inner_w = w.saturating_sub(4).max(1) as usize;
        // a prompt may hold lines of its own (a step's command under the question)
        let prompt_h: u16 = self
            .pending
            .prompt
            .lines()
            .map(|l| {
                // wrapping at word ends may take a row more than the characters fill
                let rows = l.chars().count().div_ceil(inner_w).max(1);
                (rows + usize::from(rows > 1)) as u16
            })
            .sum();
        let h = prompt_h + 5 + u16::from(self.pending.caution.is_some());
        let rect = centered(area, w, h);
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.warn)
            .title(Span::styled(" Confirm — changes the cluster ", t.warn));
        let mut lines: Vec<Line> = self
            .pending
            .prompt
            .lines()
            .map(|l| Line::styled(l.to_string(), t.title))
            .collect();
        if let Some(c) = &self.pending.caution {
            lines.push(Line::styled(format!("⚠ {c}"), t.warn));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(" y ", t.badge_read_write),
            Span::styled(" yes   ", t.text),
            Span::styled(" n ", t.badge_read_only),
            Span::styled(" no (Esc)", t.text),
        ]));
        Paragraph::new(lines)
            .block(block.padding(ratatui::widgets::Padding::horizontal(1)))
            .wrap(Wrap { trim: true })
            .render(rect, buf);
    }
}

pub struct InputDialog<'a> {
    pub title: &'a str,
    pub question: &'a str,
    pub input: &'a TextArea<'static>,
    pub error: Option<&'a str>,
    pub theme: &'a Theme,
}

impl Widget for InputDialog<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        // a question may be several lines (the severity levels with their definitions)
        let question: Vec<&str> = self.question.lines().collect();
        let widest = question
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
        let w = (widest as u16 + 2).clamp(60, area.width.max(60));
        let h = question.len().max(1) as u16 + 6;
        let rect = centered(area, w, h);
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.focus)
            .title(Span::styled(self.title.to_string(), t.title));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let [label, input, error] = Layout::vertical([
            Constraint::Length(question.len().max(1) as u16),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let lines: Vec<Line> = question
            .iter()
            .map(|l| Line::styled(l.to_string(), t.text))
            .collect();
        Paragraph::new(lines).render(label, buf);
        self.input.render(input, buf);
        if let Some(e) = self.error {
            Paragraph::new(Line::styled(e.to_string(), t.crit)).render(error, buf);
        }
    }
}

/// A text of several lines to edit (a communication before it is sent).
pub struct EditorDialog<'a> {
    pub title: &'a str,
    pub editor: &'a TextArea<'static>,
    pub theme: &'a Theme,
}

impl Widget for EditorDialog<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let w = (area.width.saturating_mul(4) / 5).max(40);
        let h = (area.height.saturating_mul(4) / 5).max(8);
        let rect = centered(area, w, h);
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.focus)
            .title(Span::styled(self.title.to_string(), t.title));
        let inner = block.inner(rect);
        block.render(rect, buf);
        self.editor.render(inner, buf);
    }
}
