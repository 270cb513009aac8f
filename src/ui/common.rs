//! Small drawing helpers shared by the panes: pane frames, ages, bars, image names.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::state::rollouts::Phase;
use crate::state::Pane;
use crate::theme::Theme;

/// The frame of a pane: number and title, focus shown by the border.
pub fn pane_block<'a>(
    pane: Pane,
    focused: bool,
    extra: Option<String>,
    theme: &Theme,
) -> Block<'a> {
    let border = if focused { theme.focus } else { theme.border };
    let mut title = vec![
        Span::styled(format!(" {} ", pane.number()), theme.muted),
        Span::styled(
            format!("{} ", pane.title()),
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

/// "5s", "4m", "2h", "3d".
pub fn short_age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// "4m12s" for countdowns.
pub fn countdown(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// A step's duration: "2m", "90s", "1h".
pub fn duration_label(secs: i64) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// An image without its registry: "harbor.company.com/kubechat/api-gateway:v2" → "api-gateway:v2".
pub fn short_image(image: &str) -> &str {
    image.rsplit('/').next().unwrap_or(image)
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
