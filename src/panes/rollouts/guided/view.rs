//! The guided blue/green switch's progress view: the steps with done/current marks and one
//! line saying where the run is (countdown, worst error rate, what W does next).

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{GuidedConfig, GuidedPhase, GuidedSwitch};
use crate::draw::{fit, set_line};
use crate::theme::Theme;

const STEPS: [&str; 4] = ["ready check", "switch", "watch error rate", "cleanup"];

pub struct GuidedView<'a> {
    pub run: &'a GuidedSwitch,
    pub config: &'a GuidedConfig,
    pub now: Timestamp,
    pub theme: &'a Theme,
}

/// Steps done, and the style of the run as a whole.
fn progress(phase: &GuidedPhase, t: &Theme) -> (usize, Style) {
    match phase {
        GuidedPhase::Switching { .. } => (1, t.info),
        GuidedPhase::Monitoring { .. } => (2, t.info),
        GuidedPhase::RollingBack { .. } | GuidedPhase::RolledBack { .. } => (2, t.crit),
        GuidedPhase::Failed { .. } => (2, t.crit),
        GuidedPhase::Succeeded { .. } | GuidedPhase::ScalingDown => (3, t.ok),
        GuidedPhase::ScaledDown { .. } | GuidedPhase::Deleting => (3, t.ok),
        GuidedPhase::Done => (4, t.ok),
    }
}

impl Widget for GuidedView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (g, t) = (self.run, self.theme);
        if area.height == 0 {
            return;
        }
        let (done, style) = progress(&g.phase, t);
        let mut spans = vec![Span::styled(
            format!(
                "Guided switch {}: {} → {}  ",
                g.service, g.from_slot, g.to_slot
            ),
            t.title,
        )];
        for (i, step) in STEPS.iter().enumerate() {
            let (mark, s) = match i.cmp(&done) {
                std::cmp::Ordering::Less => ("✓", t.ok),
                std::cmp::Ordering::Equal if g.is_running() => ("▶", style),
                _ => ("·", t.muted),
            };
            spans.push(Span::styled(format!("{mark} {step}  "), s));
        }
        set_line(buf, area.x, area.y, &Line::from(spans), area.width);
        if area.height > 1 {
            let text = fit(&g.summary(self.now, self.config), area.width as usize);
            set_line(
                buf,
                area.x,
                area.y + 1,
                &Line::styled(text, style),
                area.width,
            );
        }
    }
}
