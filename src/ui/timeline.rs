//! The Timeline pane: newest first, only the visible entries are drawn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::common::{fit, pane_block};
use crate::state::timeline::EntryKind;
use crate::state::{Pane, State};
use crate::theme::Theme;

pub struct TimelinePane<'a> {
    pub state: &'a State,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl Widget for TimelinePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (s, t) = (self.state, self.theme);
        let extra = format!("{} · UTC", s.timeline.len());
        let block = pane_block(Pane::Timeline, self.focused, Some(extra), t);
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height == 0 {
            return;
        }
        if s.timeline.is_empty() {
            buf.set_line(
                inner.x,
                inner.y,
                &Line::styled("nothing yet", t.muted),
                inner.width,
            );
            return;
        }
        let text_w = (inner.width as usize).saturating_sub(9 + 8);
        for (i, e) in s
            .timeline
            .newest_first()
            .skip(s.timeline_scroll)
            .take(inner.height as usize)
            .enumerate()
        {
            let kind_style = match (e.kind, e.bad) {
                (_, true) => t.crit,
                (EntryKind::Action | EntryKind::Result, false) => t.info,
                (EntryKind::Rollout, false) => t.ok,
                _ => t.muted,
            };
            let text_style = if e.bad { t.warn } else { t.text };
            let time = e.at.strftime("%H:%M:%S").to_string();
            let line = Line::from(vec![
                Span::styled(format!("{time} "), t.muted),
                Span::styled(format!("{:<8}", e.kind.label()), kind_style),
                Span::styled(fit(&e.text, text_w), text_style),
            ]);
            buf.set_line(inner.x, inner.y + i as u16, &line, inner.width);
        }
    }
}
