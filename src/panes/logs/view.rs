//! The Logs pane drawn: a status line (the streams, tail, follow, what was dropped, the
//! search), then the newest lines at the bottom. Only the lines on screen are touched, so
//! drawing costs the same with 10 lines held or 10,000.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::buffer::{find_ignore_case, LogLine};
use super::{Model, PodStream, TAILS};
use crate::draw::{fit, pane_block, set_line};
use crate::panes::{PaneId, View};
use crate::theme::Theme;

pub fn render(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let title = model.target.as_ref().map(|target| {
        let one = model
            .only
            .and_then(|i| model.pods.get(i))
            .map(|p| format!(" · pod {p}"))
            .unwrap_or_default();
        format!("{}{one}", target.title)
    });
    let block = pane_block(PaneId::Logs.label(), v.focused, title, t);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    if model.target.is_none() {
        let text = "no logs open: l on a rollout (Rollouts pane), or s here for a label selector";
        set_line(
            buf,
            inner.x,
            inner.y,
            &Line::styled(text, t.muted),
            inner.width,
        );
        return;
    }
    let status = Rect { height: 1, ..inner };
    set_line(
        buf,
        status.x,
        status.y,
        &status_line(model, t),
        status.width,
    );
    let body = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    if model.buffer.is_empty() {
        let text = if model.streams.values().all(|s| *s == PodStream::Ended)
            && !model.streams.is_empty()
        {
            "no lines"
        } else {
            "waiting for lines…"
        };
        set_line(
            buf,
            body.x,
            body.y,
            &Line::styled(text, t.muted),
            body.width,
        );
        return;
    }
    draw_lines(model, t, body, buf);
}

fn status_line(model: &Model, t: &Theme) -> Line<'static> {
    let mut parts = Vec::new();
    let (mut reading, mut ended, mut failed, mut reopened) = (0, 0, 0, 0);
    for s in model.streams.values() {
        match s {
            PodStream::Reading => reading += 1,
            PodStream::Reopened(n) => {
                reading += 1;
                reopened += n;
            }
            PodStream::Ended => ended += 1,
            PodStream::Failed(_) => failed += 1,
        }
    }
    let pods = model.pods.len().max(model.streams.len());
    parts.push(Span::styled(
        format!("{pods} pod{} ", if pods == 1 { "" } else { "s" }),
        t.text,
    ));
    if model.previous {
        parts.push(Span::styled("PREVIOUS container ", t.warn));
    } else if model.follow {
        parts.push(Span::styled(format!("following {reading} "), t.ok));
    }
    if ended > 0 {
        parts.push(Span::styled(format!("· {ended} ended "), t.muted));
    }
    if failed > 0 {
        parts.push(Span::styled(format!("· {failed} failed "), t.crit));
    }
    if reopened > 0 {
        parts.push(Span::styled(format!("· reopened {reopened}× "), t.warn));
    }
    let tail = match TAILS[model.tail] {
        Some(n) => format!("· tail {n} "),
        None => "· all lines ".to_string(),
    };
    parts.push(Span::styled(tail, t.muted));
    parts.push(Span::styled(
        format!("· {} lines", model.buffer.len()),
        t.muted,
    ));
    if model.buffer.dropped > 0 {
        parts.push(Span::styled(
            format!(" ({} older dropped)", model.buffer.dropped),
            t.muted,
        ));
    }
    if model.wrap {
        parts.push(Span::styled(" · wrap", t.muted));
    }
    if model.scroll > 0 {
        parts.push(Span::styled(format!(" · ↑{}", model.scroll), t.info));
    }
    if let Some(q) = &model.search {
        parts.push(Span::styled(format!("  /{q}"), t.focus));
    }
    Line::from(parts)
}

/// The newest line in view sits at the bottom; earlier ones fill upwards.
fn draw_lines(model: &Model, t: &Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width as usize;
    let last = model.buffer.len() - 1 - model.scroll.min(model.buffer.len() - 1);
    let many = model.buffer.pods.len() > 1;
    let query = model.search.as_deref().map(str::to_ascii_lowercase);
    // from the newest up, as many lines as fit (each takes its wrapped height)
    let mut rows: Vec<Line> = Vec::new();
    let mut i = last as isize;
    while i >= 0 && rows.len() < area.height as usize {
        let line = model.buffer.get(i as usize).expect("in range");
        let styled = styled_line(line, many, &model.buffer.pods, query.as_deref(), t);
        let mut pieces = if model.wrap {
            wrap(styled, width)
        } else {
            vec![styled]
        };
        pieces.reverse();
        rows.extend(pieces);
        i -= 1;
    }
    rows.truncate(area.height as usize);
    rows.reverse();
    for (n, row) in rows.iter().enumerate() {
        set_line(buf, area.x, area.y + n as u16, row, area.width);
    }
}

fn styled_line(
    line: &LogLine,
    many: bool,
    pods: &[String],
    query: Option<&str>,
    t: &Theme,
) -> Line<'static> {
    if line.marker {
        return Line::styled(line.text.clone(), t.info);
    }
    let mut spans = Vec::new();
    if many {
        let pod = pods
            .get(line.pod as usize)
            .map(String::as_str)
            .unwrap_or("?");
        let short = pod.rsplit('-').next().unwrap_or(pod);
        spans.push(Span::styled(format!("{} ", fit(short, 6)), t.muted));
    }
    spans.extend(highlight(&line.text, query, t.text, t.selected));
    Line::from(spans)
}

/// The text with every match of `query` (lower case) in `hit`.
fn highlight(text: &str, query: Option<&str>, plain: Style, hit: Style) -> Vec<Span<'static>> {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return vec![Span::styled(text.to_string(), plain)];
    };
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = find_ignore_case(text, q, at) {
        let end = start + q.len();
        if start > at {
            out.push(Span::styled(text[at..start].to_string(), plain));
        }
        out.push(Span::styled(text[start..end].to_string(), hit));
        at = end;
    }
    if at < text.len() {
        out.push(Span::styled(text[at..].to_string(), plain));
    }
    out
}

/// A line cut into rows of `width` characters (styles kept).
fn wrap(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for span in line.spans {
        let mut rest: &str = &span.content;
        while !rest.is_empty() {
            if used == width {
                rows.push(Vec::new());
                used = 0;
            }
            let take = rest
                .char_indices()
                .nth(width - used)
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            let piece = &rest[..take];
            used += piece.chars().count();
            rows.last_mut()
                .expect("one row at least")
                .push(Span::styled(piece.to_string(), span.style));
            rest = &rest[take..];
        }
    }
    rows.into_iter().map(Line::from).collect()
}
