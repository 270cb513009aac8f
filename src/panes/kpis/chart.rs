//! The larger chart for one KPI: its history as a line, with the target and the alert
//! threshold drawn as horizontal lines. Pure drawing from a [`KpiEntry`].

use jiff::{SignedDuration, Timestamp};
use ratatui::{
    buffer::Buffer,
    layout::{Constraint, Rect},
    symbols::Marker,
    text::Span,
    widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, LegendPosition, Widget},
};

use super::view::state_style;
use crate::kpi::board::KpiEntry;
use crate::kpi::value::format_value;
use crate::text::short_age;
use crate::theme::Theme;

pub struct KpiChart<'a> {
    pub entry: &'a KpiEntry,
    pub theme: &'a Theme,
    pub now: Timestamp,
    /// How far back the chart reaches.
    pub span: SignedDuration,
    /// Incident milestones (declared, status changes), drawn as vertical lines.
    pub milestones: &'a [Timestamp],
}

impl Widget for KpiChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (e, t) = (self.entry, self.theme);
        let now = self.now.as_second();
        let span = self.span.as_secs().max(60);
        let from = now - span;
        // x: seconds relative to now (negative = past)
        let line: Vec<(f64, f64)> = e
            .history
            .iter()
            .filter(|p| i64::from(p.secs) >= from && p.value.is_finite())
            .map(|p| ((i64::from(p.secs) - now) as f64, f64::from(p.value)))
            .collect();
        let x = [-(span as f64), 0.0];
        let target = [(x[0], e.def.target), (x[1], e.def.target)];
        let alert = [(x[0], e.def.alert), (x[1], e.def.alert)];
        let (mut lo, mut hi) = (e.def.target.min(e.def.alert), e.def.target.max(e.def.alert));
        for &(_, v) in &line {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let pad = ((hi - lo) * 0.1).max(f64::EPSILON);
        // values that cannot go negative do not get a negative axis
        let lo = if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        };
        let hi = hi + pad;
        let unit = e.def.unit;
        let title = format!(
            " {} · {} · {} ",
            e.def.title,
            e.value_text(),
            e.state.as_str()
        );
        let marks: Vec<[(f64, f64); 2]> = self
            .milestones
            .iter()
            .map(|m| (m.as_second() - now) as f64)
            .filter(|x| (-(span as f64)..=0.0).contains(x))
            .map(|x| [(x, lo), (x, hi)])
            .collect();
        let mut datasets = vec![
            Dataset::default()
                .name(format!("target {}", format_value(unit, e.def.target)))
                .graph_type(GraphType::Line)
                .marker(Marker::Braille)
                .style(t.ok)
                .data(&target),
            Dataset::default()
                .name(format!("alert {}", format_value(unit, e.def.alert)))
                .graph_type(GraphType::Line)
                .marker(Marker::Braille)
                .style(t.crit)
                .data(&alert),
            Dataset::default()
                .name(e.def.id.as_str())
                .graph_type(GraphType::Line)
                .marker(Marker::Braille)
                .style(state_style(t, e.state))
                .data(&line),
        ];
        datasets.extend(marks.iter().map(|m| {
            Dataset::default()
                .graph_type(GraphType::Line)
                .marker(Marker::Braille)
                .style(t.warn)
                .data(m)
        }));
        let ago = format!("-{}", short_age(span));
        let chart = Chart::new(datasets)
            .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)))
            .legend_position(Some(LegendPosition::TopLeft))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.border)
                    .title(title)
                    .title_style(t.title),
            )
            .x_axis(
                Axis::default()
                    .style(t.muted)
                    .bounds(x)
                    .labels([Span::raw(ago), Span::raw("now")]),
            )
            .y_axis(Axis::default().style(t.muted).bounds([lo, hi]).labels([
                Span::raw(format_value(unit, lo)),
                Span::raw(format_value(unit, hi)),
            ]));
        chart.render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use ratatui::{backend::TestBackend, Terminal};

    use super::*;
    use crate::kpi::defs::builtin;
    use crate::kpi::{KpiBoard, KpiMsg};

    #[test]
    fn chart_of_the_error_rate_with_threshold_lines() {
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        let mut board = KpiBoard::new(builtin());
        let points = (0..120)
            .map(|i| {
                (
                    t0 + SignedDuration::from_secs(i * 15 - 1800),
                    0.05 + (i as f64 / 40.0).powi(2),
                )
            })
            .collect();
        board.apply(
            KpiMsg::Backfill {
                id: "error_rate".into(),
                points,
            },
            t0,
        );
        board.apply(
            KpiMsg::Sample {
                id: "error_rate".into(),
                value: Some(2.3),
                at: t0,
            },
            t0,
        );
        let theme = Theme::default();
        let mut term = Terminal::new(TestBackend::new(80, 20)).unwrap();
        term.draw(|f| {
            let chart = KpiChart {
                entry: board.get("error_rate").unwrap(),
                theme: &theme,
                now: t0,
                span: SignedDuration::from_mins(30),
                milestones: &[],
            };
            f.render_widget(chart, f.area());
        })
        .unwrap();
        insta::assert_snapshot!(term.backend());
        // an incident declared 10 minutes ago: a vertical line where it was
        let mut marked = Terminal::new(TestBackend::new(80, 20)).unwrap();
        marked
            .draw(|f| {
                let chart = KpiChart {
                    entry: board.get("error_rate").unwrap(),
                    theme: &theme,
                    now: t0,
                    span: SignedDuration::from_mins(30),
                    milestones: &[t0 - SignedDuration::from_mins(10)],
                };
                f.render_widget(chart, f.area());
            })
            .unwrap();
        // columns drawn top to bottom of the plot (braille in every row)
        let column = |term: &Terminal<TestBackend>| {
            let buf = term.backend().buffer();
            let braille = |x, y| {
                let c = buf[(x, y)].symbol().chars().next().unwrap_or(' ');
                ('\u{2801}'..='\u{28ff}').contains(&c)
            };
            (1..buf.area.width - 1)
                .filter(|&x| (1..buf.area.height - 3).all(|y| braille(x, y)))
                .count()
        };
        assert_eq!(column(&term), 0);
        assert_eq!(
            column(&marked),
            1,
            "one full-height line where the incident was declared"
        );
        // tiny areas do not panic
        let mut small = Terminal::new(TestBackend::new(5, 3)).unwrap();
        small
            .draw(|f| {
                let entry = board.get("cpu").unwrap();
                let chart = KpiChart {
                    entry,
                    theme: &theme,
                    now: t0,
                    span: SignedDuration::ZERO,
                    milestones: &[],
                };
                f.render_widget(chart, f.area());
            })
            .unwrap();
    }
}
