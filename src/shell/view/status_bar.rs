//! The top line: context, namespace, mode and demo badges, and each source's health.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::draw::{fit, set_line};
use crate::incident::clocks::Urgency;
use crate::screens::Screen;
use crate::shell::sources::{Health, SourceHealth};
use crate::shell::State;
use crate::text::short_age;
use crate::theme::Theme;

pub struct StatusBar<'a> {
    pub state: &'a State,
    pub theme: &'a Theme,
}

/// Staleness of Prometheus data, in seconds, past which it shows as stale.
const PROM_STALE_SECS: i64 = 60;

fn source_spans<'a>(
    name: &str,
    src: &SourceHealth,
    now: Option<jiff::Timestamp>,
    stale_after: Option<i64>,
    theme: &Theme,
) -> Vec<Span<'a>> {
    let age = now.and_then(|n| src.age_secs(n));
    let age_text = age.map(short_age).unwrap_or_else(|| "–".into());
    let (dot, style, text) = match src.health {
        Health::Off => ("○", theme.muted, format!("{name} off")),
        Health::Unknown => ("○", theme.muted, format!("{name} …")),
        Health::Disconnected => ("✕", theme.crit, format!("{name} {age_text}")),
        Health::Connected => {
            let stale = matches!((age, stale_after), (Some(a), Some(limit)) if a > limit);
            if stale {
                ("●", theme.stale, format!("{name} {age_text}"))
            } else {
                ("●", theme.ok, format!("{name} {age_text}"))
            }
        }
    };
    vec![
        Span::styled(format!("{dot} {text}"), style),
        Span::raw("  "),
    ]
}

/// The open incidents' most urgent clock, on every screen: amber when close, red overdue.
fn incident_badge<'a>(s: &State, t: &Theme) -> Option<Span<'a>> {
    let (text, urgency) = crate::panes::incidents::badge(&s.panes.incidents, s.now?)?;
    let style = match urgency {
        Urgency::Calm => t.focus,
        Urgency::Amber => t.warn,
        Urgency::Red => t.crit,
    };
    Some(Span::styled(format!(" ▲ {text} "), style.reversed()))
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (s, t) = (self.state, self.theme);
        buf.set_style(area, t.text);
        let mut right = source_spans("kube", &s.kube, s.now, None, t);
        right.extend(source_spans(
            "prom",
            &s.prom,
            s.now,
            Some(PROM_STALE_SECS),
            t,
        ));
        let right = Line::from(right);
        let right_w = right.width() as u16;

        let mode = if s.read_only {
            Span::styled(" READ-ONLY ", t.badge_read_only)
        } else {
            Span::styled(" READ-WRITE ", t.badge_read_write)
        };
        let mut badges = vec![Span::raw(" "), mode];
        if let Some(demo) = &s.demo {
            // the scenario's name only when the context fits beside it
            let full = format!(" DEMO {demo} ");
            let wanted = full.chars().count() + s.context.len() + s.scope.label().len() + 20;
            let text = if (area.width as usize) >= wanted + right_w as usize {
                full
            } else {
                " DEMO ".to_string()
            };
            badges.push(Span::raw(" "));
            badges.push(Span::styled(text, t.badge_demo));
        }
        if let Some(span) = incident_badge(s, t) {
            badges.push(Span::raw(" "));
            badges.push(span);
        }
        if s.screen != Screen::Overview {
            badges.push(Span::raw(" "));
            badges.push(Span::styled(
                format!(" {} screen ", s.screen.title()),
                t.focus,
            ));
        }
        let badges_w: usize = badges.iter().map(|b| b.width()).sum();
        let room = (area.width as usize).saturating_sub(right_w as usize + badges_w + 2);
        let ctx_ns = format!(" {} │ {}", s.context, s.scope.label());
        let title = if room >= ctx_ns.chars().count() + 15 {
            format!(" kubechat-ops{ctx_ns}")
        } else {
            fit(&ctx_ns, room)
        };
        let mut left = vec![Span::styled(title, t.title)];
        left.extend(badges);
        set_line(buf, area.x, area.y, &Line::from(left), area.width);
        if area.width > right_w {
            set_line(buf, area.x + area.width - right_w, area.y, &right, right_w);
        }
    }
}
