//! The `:` command palette: type to filter every action by name, Enter runs it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::draw::set_line;
use crate::shell::overlay::{namespace_choices, palette_matches, pick_matches};
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
        let ctx = self.state.key_context();
        let lines = palette_matches(self.query)
            .into_iter()
            .map(|action| {
                let key = self.state.keymap.key_for(ctx, action).unwrap_or_default();
                let denied = self.state.denies(action);
                let disabled = action.is_mutating() && (self.state.read_only || denied);
                let style = if disabled { t.muted } else { t.text };
                let mut spans = vec![
                    Span::styled(
                        format!("{:<16}", action.name()),
                        if disabled { t.muted } else { t.focus },
                    ),
                    Span::styled(format!("{:<6}", key), t.muted),
                ];
                // said first, so a long description cannot push it out of the box
                let rbac = denied && !self.state.read_only;
                if rbac {
                    spans.push(Span::styled("not permitted (RBAC): ", t.muted));
                }
                spans.push(Span::styled(action.description(), style));
                if action.is_mutating() && !rbac {
                    spans.push(Span::styled(
                        if disabled { " (read-only)" } else { " ✎" },
                        if disabled { t.muted } else { t.warn },
                    ));
                }
                Line::from(spans)
            })
            .collect();
        Picker {
            width: 64,
            title: " Actions (Enter runs, Esc closes) ",
            prompt: ": ",
            query: self.query,
            selected: self.selected,
            lines,
            empty: "no action matches",
        }
        .render(area, buf, t);
    }
}

/// What the palette and the namespace picker share: a box near the top, a prompt with
/// what was typed, and the choices with the selected one highlighted.
struct Picker<'a> {
    width: u16,
    title: &'a str,
    prompt: &'a str,
    query: &'a str,
    selected: usize,
    lines: Vec<Line<'a>>,
    /// Said when there is no choice.
    empty: &'a str,
}

impl Picker<'_> {
    fn render(self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let h = (self.lines.len() as u16 + 3).clamp(4, area.height.saturating_sub(2).max(4));
        let w = self.width.min(area.width);
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
            .title(Span::styled(self.title, t.title));
        let inner = block.inner(rect);
        block.render(rect, buf);
        if inner.height == 0 {
            return;
        }
        let prompt = Line::from(vec![
            Span::styled(self.prompt, t.focus),
            Span::styled(self.query, t.text),
            Span::styled("▏", t.focus),
        ]);
        set_line(buf, inner.x, inner.y, &prompt, inner.width);
        let visible = inner.height.saturating_sub(1) as usize;
        let first = self.selected.saturating_sub(visible.saturating_sub(1));
        if self.lines.is_empty() {
            let text = Line::styled(self.empty, t.muted);
            set_line(buf, inner.x, inner.y + 1, &text, inner.width);
        }
        for (i, line) in self.lines.into_iter().enumerate().skip(first).take(visible) {
            let y = inner.y + 1 + (i - first) as u16;
            if i == self.selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selected);
                set_line(buf, inner.x, y, &line.patch_style(t.selected), inner.width);
            } else {
                set_line(buf, inner.x, y, &line, inner.width);
            }
        }
    }
}

/// A list a pane asked to pick from (a pod for `[POD_NAME]`), filtered by what is typed.
pub struct PickList<'a> {
    pub theme: &'a Theme,
    pub title: &'a str,
    pub choices: &'a [String],
    pub query: &'a str,
    pub selected: usize,
}

impl Widget for PickList<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let lines = pick_matches(self.query, self.choices)
            .into_iter()
            .map(|c| Line::styled(c.clone(), t.text))
            .collect();
        let title = format!(" {} (Enter takes it, Esc cancels) ", self.title);
        Picker {
            width: 72,
            title: &title,
            prompt: "> ",
            query: self.query,
            selected: self.selected,
            lines,
            empty: "none matches: Enter takes what is typed",
        }
        .render(area, buf, t);
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
        let lines = namespace_choices(self.query, live)
            .into_iter()
            .map(|scope| {
                let current = scope == self.state.scope;
                Line::from(vec![
                    Span::styled(if current { "● " } else { "  " }, t.focus),
                    Span::styled(scope.label().to_string(), t.text),
                ])
            })
            .collect();
        Picker {
            width: 48,
            title: " Namespace (Enter watches it, Esc closes) ",
            prompt: "ns ",
            query: self.query,
            selected: self.selected,
            lines,
            empty: "no namespace matches (names: a-z, 0-9, -)",
        }
        .render(area, buf, t);
    }
}
