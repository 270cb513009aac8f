//! Drawing the Runbooks pane: the list, or an open run (its steps above, the output of the
//! step under the cursor below), or the output viewer full size. Only lines on screen are
//! drawn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{Entry, Model, Open};
use crate::draw::{fit, pane_block, set_line};
use crate::panes::{PaneId, View};
use crate::runbook::run::StepState;
use crate::theme::Theme;

pub fn render(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let extra = match &model.open {
        Some(o) => Some(format!("{} · {}", o.runbook.id, o.run.id)),
        None if !model.filter.is_empty() => Some(format!("search: {}", model.filter)),
        None => Some(format!("{} runbooks", model.runbooks.len())),
    };
    let block = pane_block(PaneId::Runbooks.label(), v.focused, extra, t);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    match &model.open {
        None => list(model, v, inner, buf),
        Some(o) if o.viewer => viewer(o, t, inner, buf),
        Some(o) => run(o, v, inner, buf),
    }
}

fn put(buf: &mut Buffer, area: Rect, row: u16, line: Line) {
    if row < area.height {
        set_line(buf, area.x, area.y + row, &line, area.width);
    }
}

fn list(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let entries = model.entries(v.kpis);
    if entries.is_empty() {
        put(
            buf,
            area,
            0,
            Line::styled("no runbook matches the search", t.muted),
        );
        return;
    }
    let w = area.width as usize;
    let h = area.height as usize;
    let first = model.cursor.saturating_sub(h.saturating_sub(1));
    for (row, (i, e)) in entries.iter().enumerate().skip(first).take(h).enumerate() {
        let selected = i == model.cursor && v.focused;
        let line = match e {
            Entry::Runbook { index, firing } => {
                let rb = &model.runbooks[*index];
                let mut spans = Vec::new();
                match firing {
                    Some(_) => spans.push(Span::styled("● ", t.crit)),
                    None => spans.push(Span::styled("  ", t.muted)),
                }
                spans.push(Span::styled(format!("{:<32} ", rb.id), t.text));
                spans.push(Span::styled(rb.title.clone(), t.muted));
                if let Some(f) = firing {
                    spans.push(Span::styled(format!("  firing: {f}"), t.crit));
                }
                if !rb.alerts.is_empty() && firing.is_none() {
                    spans.push(Span::styled(
                        format!("  [{}]", rb.alerts.join(", ")),
                        t.muted,
                    ));
                }
                Line::from(spans)
            }
            Entry::Saved(s) => {
                let r = &model.saved[*s];
                let done = r.steps.iter().filter(|s| s.state.finished()).count();
                let (mark, style) = match r.next_step() {
                    Some(_) => ("↻ resume", t.warn),
                    None => ("✓ finished", t.muted),
                };
                Line::from(vec![
                    Span::styled(format!("{mark} "), style),
                    Span::styled(format!("{} ", r.id), t.text),
                    Span::styled(format!("({done}/{} steps)", r.steps.len()), t.muted),
                ])
            }
        };
        let line = if selected {
            Line::from(fit(&line.to_string(), w)).style(t.selected)
        } else {
            line
        };
        put(buf, area, row as u16, line);
    }
}

fn state_mark(state: StepState, t: &Theme) -> (&'static str, Style) {
    match state {
        StepState::Pending => ("·", t.muted),
        StepState::Running => ("▶", t.info),
        StepState::Passed => ("✓", t.ok),
        StepState::Failed => ("✗", t.crit),
        StepState::Skipped => ("-", t.muted),
        StepState::Done => ("✓", t.ok),
        StepState::Refused => ("⊘", t.crit),
    }
}

fn run(o: &Open, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let w = area.width as usize;
    let mut lines: Vec<(Line, bool)> = Vec::new();
    let mut header = vec![Span::styled(o.runbook.title.clone(), t.title)];
    if !o.runbook.alerts.is_empty() {
        header.push(Span::styled(
            format!("  alerts: {}", o.runbook.alerts.join(", ")),
            t.muted,
        ));
    }
    if v.read_only {
        header.push(Span::styled(
            "  read-only: steps that write are refused",
            t.warn,
        ));
    }
    lines.push((Line::from(header), false));
    let mut section = "";
    let mut cursor_row = 0;
    for (i, (sec, step)) in o.steps().into_iter().enumerate() {
        if sec != section {
            section = sec;
            lines.push((Line::styled(format!("[{sec}]"), t.title), false));
        }
        let rec = &o.run.steps[i];
        let (mark, style) = state_mark(rec.state, t);
        let mut flags = String::new();
        if step.mutates {
            flags.push_str(" writes");
        }
        if step.interactive {
            flags.push_str(" interactive");
        }
        let reason = if rec.reason.is_empty() {
            String::new()
        } else {
            format!(" — {}", rec.reason)
        };
        if i == o.cursor {
            cursor_row = lines.len();
        }
        let selected = i == o.cursor && v.focused;
        let title_style = if selected { t.selected } else { t.text };
        lines.push((
            Line::from(vec![
                Span::styled(format!(" {mark} {:>2} ", i + 1), style),
                Span::styled(step.title.clone(), title_style),
                Span::styled(flags, t.warn),
                Span::styled(format!(" {}", rec.state.as_str()), style),
                Span::styled(reason, t.muted),
            ]),
            selected,
        ));
        lines.push((
            Line::styled(format!("      {}", first_line(&rec.resolved)), t.muted),
            false,
        ));
        if i == o.cursor {
            if let Some(r) = &step.responsible {
                lines.push((
                    Line::styled(format!("      responsible: {r}"), t.muted),
                    false,
                ));
            }
            if let Some(c) = &step.criteria {
                lines.push((Line::styled(format!("      criteria: {c}"), t.muted), false));
            }
            if let Some(n) = &step.note {
                lines.push((Line::styled(format!("      note: {n}"), t.info), false));
            }
            if !rec.note.is_empty() {
                lines.push((
                    Line::styled(
                        format!("      your note: {}", first_line(&rec.note)),
                        t.info,
                    ),
                    false,
                ));
            }
        }
    }
    // the steps take the top part; the cursor step's output the rest
    let out_h = (area.height / 3).max(3).min(area.height.saturating_sub(4));
    let steps_h = area.height - out_h;
    let first = cursor_row.saturating_sub(steps_h as usize / 2);
    for (row, (line, _)) in lines.iter().skip(first).take(steps_h as usize).enumerate() {
        set_line(buf, area.x, area.y + row as u16, line, area.width);
    }
    let out = Rect {
        y: area.y + steps_h,
        height: out_h,
        ..area
    };
    let tail = &o.tails[o.cursor];
    let rec = &o.run.steps[o.cursor];
    let mut head = format!("─ output of step {}", o.cursor + 1);
    if tail.dropped > 0 {
        head.push_str(&format!(" ({} earlier lines dropped)", tail.dropped));
    }
    if let Some(code) = rec.exit {
        head.push_str(&format!(" · exit {code}"));
    }
    head.push_str(" · o: full size ");
    put(buf, out, 0, Line::styled(fit(&head, w), t.muted));
    let body_h = out_h.saturating_sub(1) as usize;
    let n = tail.lines.len();
    for (row, l) in tail.lines.iter().skip(n.saturating_sub(body_h)).enumerate() {
        put(buf, out, row as u16 + 1, Line::styled(fit(l, w), t.text));
    }
}

fn first_line(s: &str) -> String {
    let mut it = s.lines();
    let first = it.next().unwrap_or("").to_string();
    if it.next().is_some() {
        format!("{first} …")
    } else {
        first
    }
}

fn viewer(o: &Open, t: &Theme, area: Rect, buf: &mut Buffer) {
    let w = area.width as usize;
    let tail = &o.tails[o.cursor];
    let rec = &o.run.steps[o.cursor];
    let mut head = format!(
        "{} · {} · {}",
        rec.title,
        rec.state.as_str(),
        first_line(&rec.resolved)
    );
    if tail.dropped > 0 {
        head.push_str(&format!(" · {} earlier lines dropped", tail.dropped));
    }
    if let Some(q) = &o.search {
        head.push_str(&format!(" · search {q:?} (n: next)"));
    }
    put(buf, area, 0, Line::styled(fit(&head, w), t.title));
    let h = area.height.saturating_sub(1) as usize;
    let n = tail.lines.len();
    let end = n.saturating_sub(o.scroll);
    let start = end.saturating_sub(h);
    for (row, l) in tail.lines.range(start..end).enumerate() {
        let hit = o.search.as_deref().is_some_and(|q| l.contains(q));
        let style = if hit { t.warn } else { t.text };
        put(buf, area, row as u16 + 1, Line::styled(fit(l, w), style));
    }
    if n == 0 {
        put(buf, area, 1, Line::styled("no output yet", t.muted));
    }
}
