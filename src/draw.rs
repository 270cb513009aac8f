//! Small drawing helpers shared by the panes and the shell: pane frames, fitting text,
//! progress bars, phase colours, centred boxes.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::cluster::rows::Phase;
use crate::text::short_image;
use crate::theme::Theme;

/// The frame of a pane: number and title, focus shown by the border.
pub fn pane_block<'a>(
    (number, title): (usize, &str),
    focused: bool,
    extra: Option<String>,
    theme: &Theme,
) -> PaneFrame<'a> {
    let border = if focused { theme.focus } else { theme.border };
    let mut title = vec![
        Span::styled(format!(" {number} "), theme.muted),
        Span::styled(
            format!("{title} "),
            if focused {
                theme.focus.patch(theme.title)
            } else {
                theme.title
            },
        ),
    ];
    if let Some(extra) = extra {
        title.push(Span::styled(format!("{extra} "), theme.muted));
    }
    PaneFrame {
        title: Line::from(title),
        set: if focused {
            border::THICK
        } else {
            border::PLAIN
        },
        style: border,
    }
}

/// A pane's border with its title on the top line. It draws what a ratatui `Block` with
/// `Borders::ALL` draws, but leaves the cells inside alone: `Block` sets its style on its
/// whole area first, which for the panes is the whole screen, every frame (`perf` put
/// `Block` at 6–10 % of the loop's samples while paging through 10,000 rows).
pub struct PaneFrame<'a> {
    title: Line<'a>,
    set: border::Set<'a>,
    style: Style,
}

impl PaneFrame<'_> {
    /// The area inside the border.
    pub fn inner(&self, area: Rect) -> Rect {
        Rect {
            x: area.x.saturating_add(1).min(area.right()),
            y: area.y.saturating_add(1).min(area.bottom()),
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(2),
        }
    }
}

impl Widget for PaneFrame<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let (left, right) = (area.left(), area.right() - 1);
        let (top, bottom) = (area.top(), area.bottom() - 1);
        let mut put = |x: u16, y: u16, symbol: &str| {
            buf[(x, y)].set_symbol(symbol).set_style(self.style);
        };
        for x in left..=right {
            put(x, top, self.set.horizontal_top);
            put(x, bottom, self.set.horizontal_bottom);
        }
        for y in top..=bottom {
            put(left, y, self.set.vertical_left);
            put(right, y, self.set.vertical_right);
        }
        put(left, top, self.set.top_left);
        put(right, top, self.set.top_right);
        put(left, bottom, self.set.bottom_left);
        put(right, bottom, self.set.bottom_right);
        set_line(
            buf,
            left + 1,
            top,
            &self.title,
            area.width.saturating_sub(2),
        );
    }
}

/// Lines from the top of `area`, each cut at its width, as many as fit: what a
/// `Paragraph` without wrapping draws, at a fraction of its cost (it lays every line out
/// grapheme by grapheme before setting a cell; a frame of the Rollouts pane spent a sixth
/// of its time there).
pub fn put_lines(lines: &[Line], area: Rect, buf: &mut Buffer) {
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        set_line(buf, area.x, y, line, area.width);
    }
}

/// What `Buffer::set_line` draws, cell for cell, with a short way for spans made only of
/// characters that are one cell each ([`one_cell`]: almost all of a pane's text), so there
/// is nothing to segment into graphemes or measure. Ratatui's way split every span into graphemes and
/// looked each cell up with a bounds check; on the 100,000-pod screen that was a fifth of
/// a frame's CPU. Other spans go through ratatui as before. A position outside the buffer
/// draws nothing. Returns where the line ended, as `Buffer::set_line` does.
pub fn set_line(buf: &mut Buffer, x: u16, y: u16, line: &Line, max_width: u16) -> (u16, u16) {
    let mut remaining = max_width;
    let mut x = x;
    for span in line {
        if remaining == 0 {
            break;
        }
        let style = line.style.patch(span.style);
        let text = span.content.as_ref();
        if !text.chars().all(one_cell) {
            let end = buf.set_stringn(x, y, text, remaining as usize, style).0;
            remaining = remaining.saturating_sub(end.saturating_sub(x));
            x = end;
            continue;
        }
        let Some(start) = index_of(buf, x, y) else {
            break;
        };
        let room = usize::from(remaining).min(usize::from(buf.area.right() - x));
        let mut n = 0;
        for (cell, c) in buf.content[start..start + room]
            .iter_mut()
            .zip(text.chars())
        {
            cell.set_char(c).set_style(style);
            n += 1;
        }
        // n is at most `remaining`, a u16
        x += n;
        remaining -= n;
    }
    (x, y)
}

/// Whether `c` is a grapheme of its own, one cell wide, whatever comes next in the text:
/// printable ASCII, and the few other characters the panes draw with (a middle dot, an
/// en dash, an ellipsis, arrows, box drawing and block elements: progress bars and tree
/// lines). `set_line_draws_what_ratatui_draws` checks each of them against ratatui.
fn one_cell(c: char) -> bool {
    matches!(c, ' '..='~' | '·' | '–' | '…' | '←'..='↓' | '\u{2500}'..='\u{259F}')
}

/// `Buffer::set_style` a row at a time, without a bounds check for each cell (the shell
/// sets the text style on the whole screen every frame).
pub fn fill_style(buf: &mut Buffer, area: Rect, style: Style) {
    let area = buf.area.intersection(area);
    for y in area.top()..area.bottom() {
        if let Some(start) = index_of(buf, area.x, y) {
            for cell in &mut buf.content[start..start + usize::from(area.width)] {
                cell.set_style(style);
            }
        }
    }
}

/// The index of the cell at (x, y) in `buf.content`, when it is inside the buffer.
fn index_of(buf: &Buffer, x: u16, y: u16) -> Option<usize> {
    let area = buf.area;
    area.contains(ratatui::layout::Position { x, y })
        .then(|| usize::from(y - area.y) * usize::from(area.width) + usize::from(x - area.x))
}

/// "old → new", with only the tags when the repository is the same.
pub fn image_change(old: Option<&str>, new: &str) -> String {
    let new_short = short_image(new);
    match old {
        None => new_short.to_string(),
        Some(old) => {
            let old_short = short_image(old);
            match (old_short.split_once(':'), new_short.split_once(':')) {
                (Some((ro, to)), Some((rn, tn))) if ro == rn => format!("{rn}:{to} → {tn}"),
                _ => format!("{old_short} → {new_short}"),
            }
        }
    }
}

pub fn phase_style(phase: Phase, theme: &Theme) -> Style {
    match phase {
        Phase::Healthy => theme.ok,
        Phase::Paused => theme.info,
        Phase::Progressing => theme.warn,
        Phase::Degraded | Phase::Stalled => theme.crit,
    }
}

/// A bar of `width` cells of the rollout's progress against `desired`: updated and
/// available (█), updated but not yet available (▒), not yet updated (░).
pub fn progress_bar(
    width: usize,
    desired: i32,
    updated: i32,
    available: i32,
) -> (String, String, String) {
    if desired <= 0 || width == 0 {
        return (String::new(), String::new(), "·".repeat(width));
    }
    let cells = |n: i32| ((n.clamp(0, desired) as usize) * width) / desired as usize;
    let full = cells(updated.min(available));
    let part = cells(updated).saturating_sub(full);
    (
        "█".repeat(full),
        "▒".repeat(part),
        "░".repeat(width - full - part),
    )
}

/// Cuts `text` to `width` display cells, with "…" when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    area.centered(
        Constraint::Length(w.min(area.width)),
        Constraint::Length(h.min(area.height)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{countdown, short_age};

    #[test]
    fn helpers() {
        assert_eq!(short_age(59), "59s");
        assert_eq!(short_age(125), "2m");
        assert_eq!(short_age(7300), "2h");
        assert_eq!(countdown(252), "4m12s");
        assert_eq!(
            image_change(Some("reg.io/kc/api:v1"), "reg.io/kc/api:v2"),
            "api:v1 → v2"
        );
        assert_eq!(image_change(Some("a:1"), "b:2"), "a:1 → b:2");
        assert_eq!(fit("kubechat-api", 8), "kubecha…");
        assert_eq!(
            progress_bar(10, 4, 3, 2),
            ("█████".into(), "▒▒".into(), "░░░".into())
        );
    }

    /// A buffer not at the origin, with something already in it, as the panes find it.
    fn canvas() -> Buffer {
        let mut buf = Buffer::empty(Rect::new(3, 2, 12, 3));
        buf.set_string(
            3,
            2,
            "############",
            Style::new().fg(ratatui::style::Color::Red),
        );
        buf
    }

    #[test]
    fn set_line_draws_what_ratatui_draws() {
        use ratatui::style::{Color, Modifier};
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let lines = [
            Line::from("plain ascii"),
            Line::from("longer than the twelve cells"),
            Line::from(vec![
                Span::styled("ab", bold),
                Span::raw(" cd"),
                Span::styled("ef", Style::new().fg(Color::Blue)),
            ]),
            Line::styled("styled line", Style::new().bg(Color::Green)),
            Line::from(vec![Span::raw("日本"), Span::raw("x y"), Span::raw("é✓")]),
            Line::from("tab\there and a\u{7f}del"),
            Line::from(vec![Span::raw(""), Span::raw("after empty")]),
            Line::from("界界界界界界x"),
        ];
        for line in &lines {
            for (x, y, max) in [
                (3, 2, 12),
                (5, 2, 4),
                (3, 4, 20),
                (14, 3, 5),
                (15, 3, 5),
                (4, 3, 0),
            ] {
                let (mut ours, mut theirs) = (canvas(), canvas());
                let a = set_line(&mut ours, x, y, line, max);
                let b = theirs.set_line(x, y, line, max);
                assert_eq!(ours, theirs, "{line:?} at ({x}, {y}) in {max}");
                assert_eq!(a, b, "{line:?} at ({x}, {y}) in {max}");
            }
        }
        // every character the short way takes, between others and before a combining mark
        let singles = (' '..='~')
            .chain(['·', '–', '…'])
            .chain('←'..='↓')
            .chain('\u{2500}'..='\u{259F}');
        for c in singles {
            assert!(one_cell(c));
            for text in [format!("a{c}b{c}"), format!("{c}\u{301}x")] {
                let line = Line::from(text.as_str());
                let (mut ours, mut theirs) = (canvas(), canvas());
                set_line(&mut ours, 3, 3, &line, 12);
                theirs.set_line(3, 3, &line, 12);
                assert_eq!(ours, theirs, "{c:?} in {text:?}");
            }
        }
        // outside the buffer: nothing drawn, no panic
        let mut ours = canvas();
        set_line(&mut ours, 3, 9, &Line::from("below"), 10);
        assert_eq!(ours, canvas());
    }

    #[test]
    fn fill_style_styles_what_ratatui_styles() {
        let style = Style::new()
            .fg(ratatui::style::Color::Yellow)
            .add_modifier(ratatui::style::Modifier::DIM);
        for area in [
            Rect::new(3, 2, 12, 3),
            Rect::new(5, 3, 3, 1),
            Rect::new(0, 0, 40, 40),
            Rect::new(20, 20, 2, 2),
        ] {
            let (mut ours, mut theirs) = (canvas(), canvas());
            fill_style(&mut ours, area, style);
            theirs.set_style(area, style);
            assert_eq!(ours, theirs, "{area:?}");
        }
    }
}
