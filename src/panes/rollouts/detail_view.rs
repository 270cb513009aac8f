//! The selected rollout's detail: slots side by side (blue/green), canary steps, revisions,
//! pods, events and conditions. Lines past the area's height are not built.

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::cluster::detail::{PauseState, RolloutDetail, SlotLine, StepMark};
use crate::cluster::rows::RolloutRow;
use crate::cluster::views::CanaryStep;
use crate::draw::{fit, image_change, phase_style, put_lines};
use crate::text::{countdown, duration_label, plain_name, short_age, short_image};
use crate::theme::Theme;

pub struct DetailView<'a> {
    pub row: &'a RolloutRow,
    pub detail: &'a RolloutDetail,
    pub theme: &'a Theme,
    pub now: Timestamp,
}

/// Pods listed at least, room permitting more (zoom the pane for all of them).
const MIN_PODS: usize = 3;
const MAX_EVENTS: usize = 6;

impl Widget for DetailView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(t.border)
            .title(Span::styled(
                format!(" {} · {} ", self.row.name, self.row.phase.label()),
                phase_style(self.row.phase, t),
            ));
        let mut inner = block.inner(area);
        block.render(area, buf);
        if !self.detail.slots.is_empty() && inner.height > 5 {
            let slot_h = 4;
            let [slots, rest] =
                Layout::vertical([Constraint::Length(slot_h), Constraint::Fill(1)]).areas(inner);
            render_slots(&self.detail.slots, t, slots, buf);
            inner = rest;
        }
        let lines = self.lines(inner.width as usize, inner.height as usize);
        put_lines(&lines, inner, buf);
    }
}

fn render_slots(slots: &[SlotLine], t: &Theme, area: Rect, buf: &mut Buffer) {
    let areas = Layout::horizontal(vec![Constraint::Fill(1); slots.len().max(1)]).split(area);
    for (slot, a) in slots.iter().zip(areas.iter()) {
        let role = if slot.live { "SERVING" } else { "idle" };
        let style = if slot.live { t.ok } else { t.muted };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(style)
            .title(Span::styled(format!(" {} · {role} ", slot.slot), style));
        let inner = block.inner(*a);
        block.render(*a, buf);
        let w = inner.width as usize;
        let lines = vec![
            Line::from(vec![
                Span::styled(
                    format!("{} ", slot.phase.label()),
                    phase_style(slot.phase, t),
                ),
                Span::styled(
                    format!(
                        "{}/{} ready, {} available",
                        slot.ready, slot.desired, slot.available
                    ),
                    t.text,
                ),
            ]),
            Line::styled(fit(short_image(&slot.image), w), t.muted),
        ];
        put_lines(&lines, inner, buf);
    }
}

impl DetailView<'_> {
    fn lines(&self, width: usize, height: usize) -> Vec<Line<'static>> {
        let (d, t) = (self.detail, self.theme);
        let mut out: Vec<Line<'static>> = Vec::new();
        let label = |s: &str| Span::styled(format!("{s:<11}"), t.title);
        if let Some(c) = &d.canary {
            let mut steps = vec![label("Steps")];
            for (step, mark) in &c.steps {
                let (sym, style) = match mark {
                    StepMark::Done => ("✓", t.ok),
                    StepMark::Current => ("▶", t.focus),
                    StepMark::Pending => ("·", t.muted),
                };
                let text = match step {
                    CanaryStep::SetWeight(w) => format!("{w}%"),
                    CanaryStep::Pause(Some(s)) => format!("pause {}", duration_label(*s)),
                    CanaryStep::Pause(None) => "pause".into(),
                    CanaryStep::Analysis(names) => format!("analysis {}", names.join(",")),
                    CanaryStep::Other(k) => k.clone(),
                };
                steps.push(Span::styled(format!("{sym}{text} "), style));
            }
            out.push(Line::from(steps));
            let mut weights = vec![
                label("Weight"),
                Span::styled(format!("set {}%", c.set_weight), t.text),
            ];
            if let Some(a) = c.actual_weight {
                let style = if a == c.set_weight { t.text } else { t.warn };
                weights.push(Span::styled(format!(" · actual {a}%"), style));
            }
            match &c.pause {
                Some(PauseState::Countdown(left)) => weights.push(Span::styled(
                    format!(" · paused, {} left", countdown(*left)),
                    t.info,
                )),
                Some(PauseState::WaitingForPromotion) => {
                    weights.push(Span::styled(" · waiting for promotion", t.warn))
                }
                None => {}
            }
            out.push(Line::from(weights));
            if let Some(a) = &c.analysis {
                let style = match a.status.as_str() {
                    "Successful" => t.ok,
                    "Failed" | "Error" | "Inconclusive" => t.crit,
                    _ => t.info,
                };
                let msg = a
                    .message
                    .as_deref()
                    .map(|m| format!(" — {m}"))
                    .unwrap_or_default();
                out.push(Line::from(vec![
                    label("Analysis"),
                    Span::styled(format!("{} {}{msg}", a.name, a.status), style),
                ]));
                for m in &c.metrics {
                    let style = if m.at_limit() || m.last_phase.as_deref() == Some("Failed") {
                        t.crit
                    } else {
                        t.text
                    };
                    out.push(Line::from(vec![
                        label(""),
                        Span::styled(m.summary(), style),
                    ]));
                }
            }
        }
        if let Some(m) = &d.message {
            out.push(Line::from(vec![
                label("Message"),
                Span::styled(m.clone(), t.warn),
            ]));
        }
        // a blue/green pair shows its slots above instead of mixed revisions
        let revisions = if d.slots.is_empty() { 4 } else { 0 };
        for (i, rs) in d.replica_sets.iter().enumerate().take(revisions) {
            let rev = rs
                .revision
                .map(|r| format!("#{r}"))
                .unwrap_or_else(|| "#?".into());
            let mark = if rs.current { " (current)" } else { "" };
            out.push(Line::from(vec![
                label(if i == 0 { "Revisions" } else { "" }),
                Span::styled(format!("{rev:<4} "), t.text),
                Span::styled(
                    format!("{:<28} ", fit(&image_change(None, &rs.image), 28)),
                    t.text,
                ),
                Span::styled(format!("{}/{} ready{mark}", rs.ready, rs.desired), t.muted),
            ]));
        }
        let name_w = width.saturating_sub(11 + 5 + 17 + 5).clamp(10, 48);
        // pods get what the events and conditions below leave free
        let below = d.events.len().min(MAX_EVENTS) + d.conditions.len();
        let free = height.saturating_sub(out.len() + below + 1);
        let max_pods = if d.pods.len() <= free {
            d.pods.len()
        } else {
            free.max(MIN_PODS)
        };
        for (i, p) in d.pods.iter().enumerate().take(max_pods) {
            let style = if p.healthy { t.text } else { t.crit };
            out.push(Line::from(vec![
                label(if i == 0 { "Pods" } else { "" }),
                // the row names the namespace; its pods are all in it
                Span::styled(
                    format!("{:<name_w$} ", fit(plain_name(&p.name), name_w)),
                    t.text,
                ),
                Span::styled(format!("{:<4} ", p.ready), style),
                Span::styled(format!("{:<16} ", fit(&p.status, 16)), style),
                Span::styled(
                    if width >= name_w + 11 + 5 + 17 + 11 {
                        format!("{} restarts", p.restarts)
                    } else {
                        format!("↻{}", p.restarts)
                    },
                    if p.restarts > 0 { t.warn } else { t.muted },
                ),
            ]));
        }
        if d.pods.len() > max_pods {
            out.push(Line::from(vec![
                label(""),
                Span::styled(
                    format!("… {} more pods (z zooms)", d.pods.len() - max_pods),
                    t.muted,
                ),
            ]));
        }
        for (i, e) in d.events.iter().enumerate().take(MAX_EVENTS) {
            let age = e
                .last_seen
                .map(|s| short_age(self.now.as_second() - s.as_second()))
                .unwrap_or_else(|| "–".into());
            let style = if e.warning { t.warn } else { t.muted };
            out.push(Line::from(vec![
                label(if i == 0 { "Events" } else { "" }),
                Span::styled(format!("{age:>4} "), t.muted),
                Span::styled(format!("{} ", e.reason), style),
                Span::styled(
                    format!(
                        "{}/{}: {}",
                        e.object_kind.to_lowercase(),
                        e.object_name,
                        e.message
                    ),
                    t.text,
                ),
            ]));
        }
        for (i, c) in d.conditions.iter().enumerate() {
            out.push(Line::from(vec![
                label(if i == 0 { "Conditions" } else { "" }),
                Span::styled(c.clone(), t.muted),
            ]));
        }
        out.truncate(height);
        out
    }
}
