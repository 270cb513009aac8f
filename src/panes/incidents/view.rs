//! The Incidents pane drawn: the list (open first), then the selected incident's header,
//! roles, clocks (amber when close, red when overdue) and its journal, newest first, each
//! entry marked "saving…" until it is on disk.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{Model, Save, Tracked};
use crate::draw::{fit, pane_block, set_line};
use crate::incident::clocks::{clocks, most_urgent, Clock, Urgency};
use crate::incident::What;
use crate::panes::{PaneId, View};
use crate::theme::Theme;

fn urgency_style(u: Urgency, t: &Theme) -> Style {
    match u {
        Urgency::Calm => t.text,
        Urgency::Amber => t.warn,
        Urgency::Red => t.crit,
    }
}

pub fn render(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let open = model.open().count();
    let extra = (!model.incidents.is_empty()).then(|| format!("{open} open"));
    let block = pane_block(PaneId::Incidents.label(), v.focused, extra, t);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    if model.incidents.is_empty() {
        let text = if model.loaded {
            "no incidents: D declares one (from any screen)"
        } else {
            "reading the incident journals…"
        };
        set_line(
            buf,
            inner.x,
            inner.y,
            &Line::styled(text, t.muted),
            inner.width,
        );
        return;
    }
    let list_h = (model.incidents.len() as u16).min((inner.height / 3).max(1));
    let first = model.cursor.saturating_sub(list_h as usize - 1);
    for (row, (i, tracked)) in model
        .incidents
        .iter()
        .enumerate()
        .skip(first)
        .take(list_h as usize)
        .enumerate()
    {
        let line = list_line(model, v, tracked, i == model.cursor, inner.width);
        set_line(buf, inner.x, inner.y + row as u16, &line, inner.width);
    }
    let Some(selected) = model.selected() else {
        return;
    };
    let detail = Rect {
        y: inner.y + list_h,
        height: inner.height - list_h,
        ..inner
    };
    render_detail(model, v, selected, detail, buf);
}

fn list_line(model: &Model, v: &View, tr: &Tracked, at: bool, width: u16) -> Line<'static> {
    let t = v.theme;
    let i = &tr.incident;
    let marker = if at { "▶ " } else { "  " };
    let base = if !i.is_open() { t.muted } else { t.text };
    let mut spans = vec![
        Span::styled(marker, t.focus),
        Span::styled(format!("{:<22}", i.id), base),
        Span::styled(format!("{:<5} ", model.severities.name(i.severity)), base),
        Span::styled(format!("{:<13} ", i.status.label()), base),
    ];
    let clock = most_urgent(&clocks(i, &model.severities, v.now));
    let clock_text = clock.map(|c| c.text()).unwrap_or_default();
    let saving = if tr.saves.is_empty() {
        ""
    } else {
        " saving…"
    };
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room =
        (width as usize).saturating_sub(used + clock_text.chars().count() + saving.len() + 2);
    spans.push(Span::styled(
        format!("{:<room$}  ", fit(&i.title, room)),
        base,
    ));
    if let Some(c) = clock {
        spans.push(Span::styled(clock_text, urgency_style(c.urgency(), t)));
    }
    if !saving.is_empty() {
        spans.push(Span::styled(saving, t.info));
    }
    Line::from(spans)
}

fn render_detail(model: &Model, v: &View, tr: &Tracked, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let i = &tr.incident;
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::styled("─".repeat(area.width as usize), t.border));
    lines.push(Line::from(vec![
        Span::styled(format!("{} ", i.id), t.title),
        Span::styled(format!("{} ", model.severities.name(i.severity)), t.crit),
        Span::styled(format!("{} ", i.status.label()), t.focus),
        Span::styled(i.title.clone(), t.text),
    ]));
    let ago = crate::text::short_age(i.impact_start.duration_until(v.now).as_secs());
    let roles = if i.roles.is_empty() {
        "no roles yet (a assigns)".to_string()
    } else {
        i.roles
            .iter()
            .map(|(r, w)| format!("{r} {w}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    lines.push(Line::from(vec![
        Span::styled(
            format!(
                "impact since {} ({ago} ago) · ",
                i.impact_start.strftime("%H:%M:%S UTC")
            ),
            t.muted,
        ),
        Span::styled(roles, t.text),
    ]));
    lines.push(clock_line(&clocks(i, &model.severities, v.now), t));
    for e in i.entries.iter().rev() {
        if let What::Pin { text } = &e.what {
            lines.push(Line::styled(format!("▶ pinned: {text}"), t.focus));
        }
    }
    lines.extend(checklist_lines(model, i, t));
    lines.push(Line::styled(
        format!("journal, {} entries (f filters)", model.filter.label()),
        t.muted,
    ));
    let shown = by_time(&i.entries)
        .into_iter()
        .rev()
        .filter(|e| model.filter.shows(&e.what));
    for e in shown {
        if lines.len() >= area.height as usize {
            break;
        }
        let name = |l: u8| model.severities.name(l);
        let style = match &e.what {
            What::Timeline { bad: true, .. } | What::Overdue { .. } => t.warn,
            What::Timeline { .. } => t.muted,
            _ => t.text,
        };
        let mut spans = vec![
            Span::styled(format!("{} ", e.at.strftime("%H:%M:%S")), t.muted),
            Span::styled(e.describe(name), style),
        ];
        match tr.save(&e.id) {
            Some(Save::Saving) => spans.push(Span::styled("  saving…", t.info)),
            Some(Save::Failed(why)) => {
                spans.push(Span::styled(format!("  NOT SAVED: {why}"), t.crit))
            }
            None => {}
        }
        lines.push(Line::from(spans));
    }
    for (n, line) in lines.iter().take(area.height as usize).enumerate() {
        set_line(buf, area.x, area.y + n as u16, line, area.width);
    }
}

/// The initial response: each step done (☑), to do (☐, the next one marked), or not
/// applying to this severity.
fn checklist_lines(model: &Model, i: &crate::incident::Incident, t: &Theme) -> Vec<Line<'static>> {
    let next = crate::incident::checklist::next_step(&model.checklist, i.severity, &i.checked);
    model
        .checklist
        .iter()
        .map(|step| {
            let (mark, style) = if i.checked.contains(&step.step) {
                ("☑", t.ok)
            } else if !step.applies_to(i.severity) {
                ("–", t.muted)
            } else if Some(step.step) == next {
                ("☐", t.warn)
            } else {
                ("☐", t.text)
            };
            let tail = if step.applies_to(i.severity) {
                String::new()
            } else {
                format!(" (not for {})", model.severities.name(i.severity))
            };
            let hint = if Some(step.step) == next {
                "  (c ticks)"
            } else {
                ""
            };
            Line::styled(
                format!(
                    "{mark} {} {} · {}{tail}{hint}",
                    step.step, step.action, step.responsible
                ),
                style,
            )
        })
        .collect()
}

/// The entries by when they happened (a journal is in the order they were written: the
/// timeline copied at the declaration is older than the declaration).
fn by_time(entries: &[crate::incident::Entry]) -> Vec<&crate::incident::Entry> {
    let mut sorted: Vec<_> = entries.iter().collect();
    sorted.sort_by_key(|e| e.at);
    sorted
}

fn clock_line(clocks: &[Clock], t: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for c in clocks {
        spans.push(Span::styled(c.text(), urgency_style(c.urgency(), t)));
        spans.push(Span::raw("   "));
    }
    Line::from(spans)
}
