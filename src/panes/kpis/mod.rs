//! The KPIs pane: every KPI's gauge, value, target and alert threshold, sparkline and age,
//! the alerts Prometheus has firing; zoomed, the selected KPI's chart. The live values are
//! shared data (`crate::kpi::KpiBoard`); this pane's model is its cursor.

pub mod chart;
pub mod view;

use jiff::SignedDuration;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

use super::{Cx, Input, PaneEvent, PaneId, View};
use crate::draw::pane_block;
use crate::effect::Effect;
use chart::KpiChart;
use view::KpiPane;

/// How far back the zoomed chart reaches.
const CHART_SPAN: SignedDuration = SignedDuration::from_mins(30);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    pub cursor: usize,
}

/// No actions of its own yet (moving and zooming are the shell's).
pub type Action = super::cx::NoActions;

pub fn update(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    if let Input::Event(PaneEvent::Nav(nav)) = input {
        model.cursor = nav.apply(model.cursor, cx.kpis.len());
        cx.changed();
    }
    Vec::new()
}

/// Our numbered, focus-aware frame with the KPI widget inside it; zoomed, the selected
/// KPI's history is charted under the list with its target and alert lines.
pub fn render(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let block = pane_block(PaneId::Kpis.label(), v.focused, None, v.theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let list_rows = v.kpis.len() as u16 + 6;
    let chart = (v.zoomed && v.focused && inner.height >= list_rows + 10)
        .then(|| v.kpis.entries().get(model.cursor))
        .flatten();
    let (list, chart_area) = match chart {
        Some(_) => {
            let [list, chart] =
                Layout::vertical([Constraint::Length(list_rows), Constraint::Min(0)]).areas(inner);
            (list, Some(chart))
        }
        None => (inner, None),
    };
    KpiPane {
        board: v.kpis,
        theme: v.theme,
        now: v.now,
        selected: v.focused.then_some(model.cursor),
        marks: &v.timeline.marks(),
    }
    .render(list, buf);
    if let (Some(entry), Some(area)) = (chart, chart_area) {
        KpiChart {
            entry,
            theme: v.theme,
            now: v.now,
            span: CHART_SPAN,
            milestones: &v.timeline.milestones(),
        }
        .render(area, buf);
    }
}
