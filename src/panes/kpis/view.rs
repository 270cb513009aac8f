//! The KPI pane: one row per KPI (state mark, title, value, target and alert threshold,
//! sparkline of recent history, age of the last good sample), then Prometheus' alerts.
//! Pure drawing from a [`KpiBoard`] into the area the console's bordered pane gives it (no
//! border of its own); fits 40 to 200 columns. When narrow, titles keep their full width
//! and the thresholds, then the sparkline, give way.

use jiff::Timestamp;
use ratatui::{
    buffer::Buffer,
    layout::Rect,
    style::{Modifier, Style},
    widgets::Widget,
};

use crate::kpi::board::{KpiBoard, KpiEntry};
use crate::kpi::history::History;
use crate::kpi::value::format_thresholds_fit;
use crate::kpi::{AlertState, KpiState};
use crate::text::short_age;
use crate::theme::Theme;

pub struct KpiPane<'a> {
    pub board: &'a KpiBoard,
    pub theme: &'a Theme,
    pub now: Timestamp,
    /// The KPI the cursor is on, when the pane has focus.
    pub selected: Option<usize>,
    /// When rollouts changed or actions were taken (from the timeline): the sparkline
    /// cell whose sample follows such a moment is marked, so a KPI's move can be read
    /// against the change that caused it.
    pub marks: &'a [Timestamp],
}

/// Column widths for one pane width.
struct Columns {
    title: u16,
    value: u16,
    thresholds: u16,
    spark: u16,
    age: u16,
}

/// The title column is never wider than this.
const MAX_TITLE: u16 = 22;
/// Nor narrower (when the pane is too narrow for the longest title).
const MIN_TITLE: u16 = 8;
/// The thresholds column is shown only where the sparkline keeps this many cells.
const MIN_SPARK: u16 = 10;

impl Columns {
    /// Widths for a pane `w` wide whose longest title is `longest_title` characters: the
    /// title first, then value and age; thresholds only where the sparkline keeps room.
    fn for_width(w: u16, longest_title: u16) -> Self {
        let title = longest_title.clamp(MIN_TITLE, MAX_TITLE);
        // (value, thresholds, age), widest first: the first that leaves the title whole
        // and the sparkline MIN_SPARK cells
        let tiers = [(12, 40, 5), (11, 30, 4), (10, 0, 4)];
        let (value, thresholds, age) = tiers
            .into_iter()
            .find(|&(v, th, a)| w >= Self::others(v, th, a) + title + MIN_SPARK)
            .unwrap_or((10, 0, 4));
        let others = Self::others(value, thresholds, age);
        let title = title.min(w.saturating_sub(others)).max(MIN_TITLE);
        Columns {
            title,
            value,
            thresholds,
            spark: w.saturating_sub(others + title),
            age,
        }
    }

    /// Everything but the title and the sparkline: mark (2), columns, gaps (4).
    fn others(value: u16, thresholds: u16, age: u16) -> u16 {
        2 + value + thresholds + age + 4
    }
}

pub fn state_style(theme: &Theme, state: KpiState) -> Style {
    match state {
        KpiState::Ok => theme.ok,
        KpiState::Warn => theme.warn,
        KpiState::Alert => theme.crit,
        KpiState::Stale => theme.stale,
        KpiState::Error => theme.crit,
    }
}

fn state_mark(state: KpiState) -> &'static str {
    match state {
        KpiState::Ok => "●",
        KpiState::Warn => "▲",
        KpiState::Alert => "◆",
        KpiState::Stale => "○",
        KpiState::Error => "✗",
    }
}

impl Widget for KpiPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let inner = area;
        if inner.height < 2 || inner.width < 30 {
            return;
        }
        let board = self.board;
        let longest_title = board
            .entries()
            .iter()
            .map(|e| e.def.title.chars().count())
            .max()
            .unwrap_or(0);
        let cols = Columns::for_width(inner.width, longest_title.min(MAX_TITLE as usize) as u16);
        let alert_lines = alert_lines(board).min(inner.height.saturating_sub(3) as usize / 3);
        let rows_for_kpis = inner.height as usize - alert_lines - 1;

        // header
        let mut x = inner.x + 2;
        let y = inner.y;
        for (text, w) in [
            ("KPI", cols.title),
            ("VALUE", cols.value),
            ("TARGET · ALERT", cols.thresholds),
            ("HISTORY", cols.spark),
            ("AGE", cols.age),
        ] {
            if w > 0 {
                buf.set_stringn(x, y, text, w as usize, t.muted);
                x += w + 1;
            }
        }

        // scroll so the selection stays visible
        let n = board.len();
        let first = match self.selected {
            Some(s) if s >= rows_for_kpis => s + 1 - rows_for_kpis,
            _ => 0,
        };
        for (row, i) in (first..n).take(rows_for_kpis).enumerate() {
            let y = inner.y + 1 + row as u16;
            let line = Rect::new(inner.x, y, inner.width, 1);
            let entry = &board.entries()[i];
            draw_row(entry, &cols, line, buf, t, self.now, self.marks);
            if self.selected == Some(i) {
                buf.set_style(line, t.selected);
            }
        }

        if alert_lines > 0 {
            let top = inner.y + inner.height - alert_lines as u16;
            draw_alerts(
                board,
                Rect::new(inner.x, top, inner.width, alert_lines as u16),
                buf,
                t,
            );
        }
    }
}

fn draw_row(
    e: &KpiEntry,
    cols: &Columns,
    line: Rect,
    buf: &mut Buffer,
    t: &Theme,
    now: Timestamp,
    marks: &[Timestamp],
) {
    let state = state_style(t, e.state);
    let judged = matches!(e.state, KpiState::Ok | KpiState::Warn | KpiState::Alert);
    let value_style = if judged { state } else { t.stale };
    let mut x = line.x;
    buf.set_string(x, line.y, state_mark(e.state), state);
    x += 2;
    buf.set_stringn(x, line.y, &e.def.title, cols.title as usize, t.text);
    x += cols.title + 1;
    let value = e.value_text();
    let pad = (cols.value as usize).saturating_sub(value.chars().count());
    buf.set_stringn(
        x + pad as u16,
        line.y,
        &value,
        cols.value as usize,
        value_style,
    );
    x += cols.value + 1;

    // thresholds, or why the KPI is not judged, then the sparkline
    let reason_width = (cols.thresholds + cols.spark + 1) as usize;
    match (&e.error, e.state) {
        (Some(err), KpiState::Error) => {
            buf.set_stringn(x, line.y, format!("✗ {err}"), reason_width, t.crit);
        }
        (Some(why), KpiState::Stale) if cols.thresholds > 0 => {
            buf.set_stringn(x, line.y, why, cols.thresholds as usize, t.stale);
            let sx = x + cols.thresholds + 1;
            draw_sparkline(
                &e.history,
                Rect::new(sx, line.y, cols.spark, 1),
                buf,
                t.stale,
                marks,
            );
        }
        _ => {
            if cols.thresholds > 0 {
                let th = format_thresholds_fit(&e.def, cols.thresholds as usize);
                buf.set_stringn(x, line.y, th, cols.thresholds as usize, t.muted);
            }
            let sx = x + cols.thresholds + if cols.thresholds > 0 { 1 } else { 0 };
            let style = if judged { state } else { t.stale };
            draw_sparkline(
                &e.history,
                Rect::new(sx, line.y, cols.spark, 1),
                buf,
                style,
                marks,
            );
        }
    }

    let age = e
        .last_good
        .map(|at| short_age(now.duration_since(at).as_secs()))
        .unwrap_or_else(|| "—".into());
    let ax = line.x + line.width - cols.age;
    let pad = (cols.age as usize).saturating_sub(age.chars().count()) as u16;
    buf.set_stringn(ax + pad, line.y, age, cols.age as usize, t.muted);
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The newest points, one per cell, scaled between their own min and max. A cell whose
/// sample is the first after a mark (a rollout change, an action) is drawn reversed.
fn draw_sparkline(h: &History, area: Rect, buf: &mut Buffer, style: Style, marks: &[Timestamp]) {
    let w = area.width as usize;
    if w == 0 || h.is_empty() {
        return;
    }
    let shown: Vec<(u32, f32)> = h
        .iter()
        .rev()
        .take(w + 1)
        .map(|p| (p.secs, p.value))
        .collect();
    // one sample before the first shown, so the first cell's interval is known too
    let before_first = shown.get(w).map(|p| p.0);
    let shown = &shown[..shown.len().min(w)];
    let finite = shown.iter().map(|p| p.1).filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let start = area.x + (w - shown.len()) as u16;
    let mut previous = before_first;
    for (i, (secs, v)) in shown.iter().rev().enumerate() {
        let level = if !v.is_finite() {
            if *v > 0.0 {
                7
            } else {
                0
            }
        } else if hi > lo {
            (((v - lo) / (hi - lo)) * 7.0).round() as usize
        } else {
            3
        };
        let marked = marks.iter().any(|m| {
            let m = m.as_second();
            m <= i64::from(*secs) && previous.is_none_or(|p| m > i64::from(p))
        }) && previous.is_some();
        let cell_style = if marked {
            style.add_modifier(Modifier::REVERSED)
        } else {
            style
        };
        buf.set_string(
            start + i as u16,
            area.y,
            BARS[level.min(7)].to_string(),
            cell_style,
        );
        previous = Some(*secs);
    }
}

fn breached(board: &KpiBoard) -> impl Iterator<Item = &KpiEntry> {
    board
        .entries()
        .iter()
        .filter(|e| e.state == KpiState::Alert)
}

fn alert_lines(board: &KpiBoard) -> usize {
    let items = breached(board).count() + board.alerts.len() + board.console_alerts.len();
    1 + items.max(1) + usize::from(board.alerts_error.is_some())
}

/// The alerts: KPIs beyond their alert threshold, then what Prometheus has firing, each
/// with the runbook (by alert name) that applies.
fn draw_alerts(board: &KpiBoard, area: Rect, buf: &mut Buffer, t: &Theme) {
    let w = area.width as usize;
    let bottom = area.y + area.height;
    let firing = board
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .count();
    let kpis: Vec<&KpiEntry> = breached(board).collect();
    let mut header = format!(
        "Alerts: {} KPI breached · Prometheus: {firing} firing, {} pending",
        kpis.len(),
        board.alerts.len() - firing
    );
    if !board.console_alerts.is_empty() {
        header.push_str(&format!(" · console: {}", board.console_alerts.len()));
    }
    buf.set_stringn(area.x, area.y, header, w, t.title);
    let mut lines: Vec<(String, Style)> = Vec::new();
    for e in kpis {
        let runbook = e
            .def
            .runbook
            .as_deref()
            .map(|r| format!(" · runbook {r}"))
            .unwrap_or_default();
        // the narrowest fit is "alert >1 %"
        let threshold = format_thresholds_fit(&e.def, 0);
        let text = format!(
            "◆ {} {} ({threshold}){runbook}",
            e.def.title,
            e.value_text()
        );
        lines.push((text, t.crit));
    }
    if let Some(err) = &board.alerts_error {
        lines.push((format!("○ Prometheus alerts unavailable: {err}"), t.stale));
    }
    for a in board.alerts.iter().chain(board.console_alerts.values()) {
        let style = if a.state == AlertState::Firing {
            t.crit
        } else {
            t.warn
        };
        let sev = a.severity.as_deref().unwrap_or("-");
        let summary = a
            .summary
            .as_deref()
            .map(|s| format!(" · {s}"))
            .unwrap_or_default();
        // the alert's name is also its runbook's name
        lines.push((
            format!("◆ {} · {} · {sev}{summary}", a.name, a.state.as_str()),
            style,
        ));
    }
    if lines.is_empty() {
        lines.push(("  none".into(), t.muted));
    }
    let room = bottom.saturating_sub(area.y + 1) as usize;
    let total = lines.len();
    for (i, (text, style)) in lines.into_iter().enumerate().take(room) {
        let y = area.y + 1 + i as u16;
        if i + 1 == room && total > room {
            buf.set_stringn(area.x, y, format!("  … {} more", total - i), w, t.muted);
            break;
        }
        buf.set_stringn(area.x, y, text, w, style);
    }
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
