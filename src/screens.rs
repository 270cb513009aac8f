//! Screens: which panes are shown together and how the body is split between them. The
//! overview holds Rollouts, KPIs and the Timeline; every pane also has a screen of its own.
//! Layouts are data (a tree of splits), not arithmetic per pane.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::panes::PaneId;

/// Terminal width from which the overview puts Rollouts left and KPIs + Timeline right.
pub const WIDE_FROM: u16 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Screen {
    Overview,
    /// One pane alone.
    Solo(PaneId),
}

/// How much of a split a part takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Percent(u16),
    /// A share of what is left, like ratatui's `Fill`.
    Fill(u16),
    /// `1/div` of the split's length, kept within `min..=max` cells.
    Fraction {
        div: u16,
        min: u16,
        max: u16,
    },
}

/// A layout tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Pane(PaneId),
    /// Parts side by side.
    Row(&'static [(Size, Split)]),
    /// Parts stacked.
    Column(&'static [(Size, Split)]),
}

const OVERVIEW_WIDE: Split = Split::Row(&[
    (Size::Percent(58), Split::Pane(PaneId::Rollouts)),
    (
        Size::Fill(1),
        Split::Column(&[
            (Size::Percent(45), Split::Pane(PaneId::Kpis)),
            (Size::Fill(1), Split::Pane(PaneId::Timeline)),
        ]),
    ),
]);

const OVERVIEW_NARROW: Split = Split::Column(&[
    (Size::Fill(3), Split::Pane(PaneId::Rollouts)),
    (
        Size::Fraction {
            div: 4,
            min: 3,
            max: 10,
        },
        Split::Pane(PaneId::Kpis),
    ),
    (Size::Fill(2), Split::Pane(PaneId::Timeline)),
]);

impl Screen {
    /// The overview first, then one per pane in registry order.
    pub fn all() -> Vec<Screen> {
        let mut out = vec![Screen::Overview];
        out.extend(PaneId::ALL.iter().map(|p| Screen::Solo(*p)));
        out
    }

    pub fn title(self) -> &'static str {
        match self {
            Screen::Overview => "Overview",
            Screen::Solo(p) => p.title(),
        }
    }

    /// Its action in keymap files and the palette ("screen-overview").
    pub fn action_name(self) -> &'static str {
        match self {
            Screen::Overview => "screen-overview",
            Screen::Solo(p) => p.screen_action_name(),
        }
    }

    /// The layout for a body `width` cells wide.
    pub fn layout(self, width: u16) -> Split {
        match self {
            Screen::Overview if width >= WIDE_FROM => OVERVIEW_WIDE,
            Screen::Overview => OVERVIEW_NARROW,
            Screen::Solo(p) => Split::Pane(p),
        }
    }

    /// The panes it shows, in focus order.
    pub fn panes(self) -> Vec<PaneId> {
        let mut out = Vec::new();
        collect(self.layout(WIDE_FROM), &mut out);
        out.sort();
        out
    }

    pub fn shows(self, pane: PaneId) -> bool {
        self.panes().contains(&pane)
    }

    /// The next (or previous) screen.
    pub fn step(self, forward: bool) -> Screen {
        let all = Screen::all();
        let i = all.iter().position(|s| *s == self).unwrap_or(0);
        let n = all.len();
        all[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

fn collect(split: Split, out: &mut Vec<PaneId>) {
    match split {
        Split::Pane(p) => out.push(p),
        Split::Row(parts) | Split::Column(parts) => {
            for (_, s) in parts {
                collect(*s, out);
            }
        }
    }
}

/// Where each pane of `screen` goes in `body`: the focused one alone when zoomed.
pub fn pane_areas(screen: Screen, body: Rect, zoomed: bool, focus: PaneId) -> Vec<(PaneId, Rect)> {
    if zoomed {
        return vec![(focus, body)];
    }
    let mut out = Vec::new();
    place(screen.layout(body.width), body, &mut out);
    out
}

fn place(split: Split, area: Rect, out: &mut Vec<(PaneId, Rect)>) {
    let (parts, layout, length) = match split {
        Split::Pane(p) => return out.push((p, area)),
        Split::Row(parts) => (parts, Layout::horizontal as fn(_) -> Layout, area.width),
        Split::Column(parts) => (parts, Layout::vertical as fn(_) -> Layout, area.height),
    };
    let constraints: Vec<Constraint> = parts
        .iter()
        .map(|(size, _)| match *size {
            Size::Percent(p) => Constraint::Percentage(p),
            Size::Fill(f) => Constraint::Fill(f),
            Size::Fraction { div, min, max } => Constraint::Length((length / div).clamp(min, max)),
        })
        .collect();
    let rects = layout(constraints).split(area);
    for ((_, child), rect) in parts.iter().zip(rects.iter()) {
        place(*child, *rect, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overview_holds_three_panes_and_every_pane_has_its_screen() {
        assert_eq!(
            Screen::Overview.panes(),
            vec![PaneId::Rollouts, PaneId::Kpis, PaneId::Timeline]
        );
        for p in PaneId::ALL {
            assert!(Screen::all().contains(&Screen::Solo(*p)));
            assert_eq!(Screen::Solo(*p).panes(), vec![*p]);
        }
        assert_eq!(Screen::Overview.step(false), *Screen::all().last().unwrap());
    }

    #[test]
    fn overview_splits_as_the_dashboard_did() {
        let wide = pane_areas(
            Screen::Overview,
            Rect::new(0, 1, 200, 58),
            false,
            PaneId::Kpis,
        );
        assert_eq!(wide[0], (PaneId::Rollouts, Rect::new(0, 1, 116, 58)));
        assert_eq!(wide[1].1.x, 116);
        let narrow = pane_areas(
            Screen::Overview,
            Rect::new(0, 1, 80, 22),
            false,
            PaneId::Kpis,
        );
        assert_eq!(narrow[1], (PaneId::Kpis, Rect::new(0, 11, 80, 5)));
        let zoomed = pane_areas(
            Screen::Overview,
            Rect::new(0, 1, 80, 22),
            true,
            PaneId::Kpis,
        );
        assert_eq!(zoomed, vec![(PaneId::Kpis, Rect::new(0, 1, 80, 22))]);
    }
}
