//! The Rollouts pane: one row per rollout whatever the strategy, and the selected one's
//! detail below when there is room. Only visible rows are built.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use jiff::Timestamp;

use super::detail_view::DetailView;
use super::guided::view::GuidedView;
use super::Model;
use crate::cluster::detail::detail_for;
use crate::cluster::rows::{RolloutRow, RowTarget};
use crate::draw::{fit, image_change, pane_block, phase_style, progress_bar, set_line};
use crate::panes::{PaneId, View};
use crate::text::short_age;
use crate::theme::Theme;

/// Inner width from which the images column is shown.
const IMAGES_FROM: u16 = 90;
/// Inner height from which the detail is shown under the list.
const DETAIL_FROM: u16 = 14;
const BAR: usize = 8;

pub fn render(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let rows = &v.cluster.rows;
    let count = format!("{}", rows.len());
    let block = pane_block(PaneId::Rollouts.label(), v.focused, Some(count), t);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    if rows.is_empty() {
        let msg = if v.cluster.deployments.synced {
            "no deployments or rollouts in this namespace"
        } else {
            "waiting for the cluster…"
        };
        Paragraph::new(Span::styled(msg, t.muted)).render(inner, buf);
        return;
    }
    let (list_area, detail_area) = if inner.height >= DETAIL_FROM {
        let list_h = (rows.len() as u16 + 1).clamp(3, inner.height * 2 / 5);
        let [l, d] =
            Layout::vertical([Constraint::Length(list_h), Constraint::Fill(1)]).areas(inner);
        (l, Some(d))
    } else {
        (inner, None)
    };
    render_list(model, v, list_area, buf);
    // the guided switch's progress takes the detail's first lines while it is shown
    let detail_area = match (detail_area, &model.guided) {
        (Some(area), Some(g)) => {
            let [progress, rest] =
                Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(area);
            GuidedView {
                run: g,
                config: &model.guided_config,
                now: v.now,
                theme: t,
            }
            .render(progress, buf);
            Some(rest)
        }
        (area, _) => area,
    };
    if let (Some(area), Some(row)) = (detail_area, model.selected_row(v.cluster)) {
        let now = v.now;
        let detail = detail_for(row, v.cluster, now);
        DetailView {
            row,
            detail: &detail,
            theme: t,
            now,
        }
        .render(area, buf);
    }
}

struct Columns {
    name: usize,
    images: Option<usize>,
}

/// The columns' widths; the name column fits the longest name (`namespace/name` when
/// watching all namespaces) up to a share of the room.
fn columns(width: u16, longest_name: usize) -> Columns {
    // fixed: strategy 11, phase 11, progress BAR+7, age 4, gaps
    let fixed = 11 + 11 + (BAR + 7) + 4 + 5;
    let rest = (width as usize).saturating_sub(fixed);
    if width >= IMAGES_FROM {
        let share = (rest * 45 / 100).clamp(12, 40);
        let name = longest_name.clamp(share, (rest * 60 / 100).max(share));
        Columns {
            name,
            images: Some(rest.saturating_sub(name + 1)),
        }
    } else {
        Columns {
            name: rest.max(8),
            images: None,
        }
    }
}

fn render_list(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let cols = columns(area.width, v.cluster.name_width);
    let mut header = format!(
        "{:<nw$} {:<11}{:<11} {:<pw$} ",
        "NAME",
        "STRATEGY",
        "PHASE",
        "PROGRESS",
        nw = cols.name,
        pw = BAR + 6
    );
    if let Some(iw) = cols.images {
        header.push_str(&format!("{:<iw$} ", "IMAGES"));
    }
    header.push_str("AGE");
    set_line(
        buf,
        area.x,
        area.y,
        &Line::styled(header, t.muted),
        area.width,
    );
    let visible = area.height.saturating_sub(1) as usize;
    if visible == 0 {
        return;
    }
    let first = model.cursor.saturating_sub(visible - 1);
    for (i, row) in v.cluster.rows.iter().enumerate().skip(first).take(visible) {
        let y = area.y + 1 + (i - first) as u16;
        let selected = i == model.cursor;
        let line = row_line(row, &cols, v.now, t);
        let line = if selected {
            line.patch_style(t.selected)
        } else {
            line
        };
        if selected {
            buf.set_style(Rect::new(area.x, y, area.width, 1), t.selected);
        }
        set_line(buf, area.x, y, &line, area.width);
    }
}

/// A slot row's label ("blue · serving") and what its note says beyond it.
fn slot_label(row: &RolloutRow) -> Option<(String, Option<String>)> {
    let RowTarget::Slot { slot, live, .. } = &row.target else {
        return None;
    };
    let label = format!("{slot} · {}", if *live { "serving" } else { "idle" });
    let rest = row
        .note
        .as_deref()
        .and_then(|n| n.strip_prefix(label.as_str()))
        .map(|r| r.trim_start_matches(" · ").to_string())
        .filter(|r| !r.is_empty());
    Some((label, rest))
}

/// The IMAGES cell: the note is kept whole, the images give way first.
fn images_cell(row: &RolloutRow, note: Option<&str>, width: usize) -> String {
    let images = image_change(row.image_old.as_deref(), &row.image_new);
    match note {
        None => fit(&images, width),
        Some(note) => {
            let room = width.saturating_sub(note.chars().count() + 2);
            if room >= 8 {
                format!("{}  {note}", fit(&images, room))
            } else {
                fit(&format!("{images}  {note}"), width)
            }
        }
    }
}

fn row_line<'a>(row: &RolloutRow, cols: &Columns, now: Timestamp, t: &Theme) -> Line<'a> {
    let slot = slot_label(row);
    let name = match (&slot, row.depth) {
        (Some((label, _)), _) => format!(" └ {label}"),
        (None, 0) => row.name.clone(),
        (None, _) => format!(" └ {}", row.name),
    };
    let note = match &slot {
        Some((_, rest)) => rest.clone(),
        None => row.note.clone(),
    };
    let p = row.progress;
    let (full, part, rest) = progress_bar(BAR, p.desired, p.updated, p.available);
    let counts = format!("{}/{}", p.updated.min(p.desired), p.desired);
    // before the clock's first tick `now` is the epoch: no age yet
    let age = match row.since {
        Some(since) if now > Timestamp::UNIX_EPOCH => {
            short_age(now.as_second() - since.as_second())
        }
        _ => "–".into(),
    };
    let mut spans = vec![
        Span::styled(
            format!("{:<w$} ", fit(&name, cols.name), w = cols.name),
            t.text,
        ),
        Span::styled(format!("{:<11}", row.strategy.label()), t.muted),
        Span::styled(
            format!("{:<11}", row.phase.label()),
            phase_style(row.phase, t),
        ),
        Span::raw(" "),
        Span::styled(full, phase_style(row.phase, t)),
        Span::styled(part, t.warn),
        Span::styled(rest, t.muted),
        Span::styled(format!(" {counts:<5} "), t.text),
    ];
    if let Some(iw) = cols.images {
        let text = images_cell(row, note.as_deref(), iw);
        spans.push(Span::styled(format!("{text:<iw$} "), t.text));
    }
    spans.push(Span::styled(format!("{age:>3}"), t.muted));
    Line::from(spans)
}
