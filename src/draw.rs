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
        buf.set_line(left + 1, top, &self.title, area.width.saturating_sub(2));
    }
}

/// Lines from the top of `area`, each cut at its width, as many as fit: what a
/// `Paragraph` without wrapping draws, at a fraction of its cost (it lays every line out
/// grapheme by grapheme before setting a cell; a frame of the Rollouts pane spent a sixth
/// of its time there).
pub fn put_lines(lines: &[Line], area: Rect, buf: &mut Buffer) {
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        buf.set_line(area.x, y, line, area.width);
    }
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
}
