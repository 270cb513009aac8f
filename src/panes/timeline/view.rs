//! The Timeline pane: newest first, only the visible entries are drawn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::Model;
use crate::draw::{fit, pane_block, set_line};
use crate::feed::EntryKind;
use crate::panes::{PaneId, View};

pub fn render(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let extra = format!("{} · UTC", v.timeline.len());
    let block = pane_block(PaneId::Timeline.label(), v.focused, Some(extra), t);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    if v.timeline.is_empty() {
        set_line(
            buf,
            inner.x,
            inner.y,
            &Line::styled("nothing yet", t.muted),
            inner.width,
        );
        return;
    }
    let text_w = (inner.width as usize).saturating_sub(9 + 8);
    for (i, e) in v
        .timeline
        .newest_first()
        .skip(model.scroll)
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
        set_line(buf, inner.x, inner.y + i as u16, &line, inner.width);
    }
}
