//! Small drawing helpers shared by the panes and the shell: pane frames, fitting text,
//! progress bars, phase colours, centred boxes.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::cluster::rows::Phase;
use crate::text::short_image;
use crate::theme::Theme;

/// The frame of a pane: number and title, focus shown by the border.
pub fn pane_block<'a>(
    (number, title): (usize, &str),
    focused: bool,
    extra: Option<String>,
    theme: &Theme,
) -> Block<'a> {
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
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(title))
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
