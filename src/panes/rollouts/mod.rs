//! The Rollouts pane: every rollout whatever its strategy (the rows are shared cluster
//! data), the selected one's detail, and the actions an operator takes on it: scale,
//! restart, undo, pause/resume, switch slot, the guided blue/green switch, and the canary's
//! promote, abort and retry. Every write is asked for with a confirmation first.

mod action;
mod detail_view;
mod dialogs;
pub mod guided;
#[cfg(test)]
mod tests;
mod view;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Change, Cx, Goto, Input, LogSource, LogTarget, PaneEvent, PaneId, View};
use crate::cluster::rows::{RolloutRow, RowKey, RowTarget};
use crate::cluster::{ClusterData, Touched};
use crate::effect::{ClusterWrite, Effect};
use crate::feed::EntryKind;
use crate::kpi::KpiMsg;
use crate::msg::Msg;
pub use action::Action;
pub use dialogs::NumberPurpose;
use guided::{GuidedConfig, GuidedSwitch};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    /// Position of the selected row in the shared rows.
    pub cursor: usize,
    /// The selected row's key, so the cursor stays on it when rows are re-derived.
    selected: Option<RowKey>,
    /// The guided blue/green switch, once one has been started (the last run stays shown).
    pub guided: Option<GuidedSwitch>,
    /// The run the open guided-switch dialog would start.
    pub guided_offer: Option<GuidedSwitch>,
    /// Its window, threshold and the KPI it watches.
    pub guided_config: GuidedConfig,
    /// What the open number input is for.
    pub number: Option<NumberPurpose>,
    /// The action whose confirmation is open.
    pub awaiting: Option<Action>,
}

impl Model {
    pub fn selected_row<'a>(&self, cluster: &'a ClusterData) -> Option<&'a RolloutRow> {
        cluster.rows.get(self.cursor)
    }

    /// Puts the cursor on row `i` (bounded by the rows there are).
    pub fn select(&mut self, cluster: &ClusterData, i: usize) {
        self.cursor = i.min(cluster.rows.len().saturating_sub(1));
        self.selected = cluster.rows.get(self.cursor).map(RolloutRow::key);
    }

    /// Whether a change touched what the pane shows: a row that can be in the list's window
    /// (it never reaches further than the terminal's height from the cursor), the selected
    /// row's pods (its detail), or anything else the detail may show (events, analysis).
    fn shows(&self, touched: &Touched, height: u16) -> bool {
        match touched {
            Touched::Row(i) => self.cursor.abs_diff(*i) <= usize::from(height),
            Touched::Pod(row) => *row == Some(self.cursor),
            Touched::Rows | Touched::Other => true,
        }
    }

    /// The rows were re-derived: follow the row the user chose to where it is now (until
    /// the user moves, the cursor stays on the top row while the lists arrive).
    fn follow(&mut self, cluster: &ClusterData) {
        let at = self
            .selected
            .as_ref()
            .and_then(|k| cluster.row_index.get(k).copied())
            .unwrap_or(self.cursor);
        self.cursor = at.min(cluster.rows.len().saturating_sub(1));
    }
}

pub fn update(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    match input {
        Input::Action(Action::GuidedSwitch) => return guided::begin(model, cx),
        Input::Action(Action::Logs) => logs(model, cx),
        Input::Action(action) => return dialogs::begin_write(model, cx, action),
        Input::Event(PaneEvent::Nav(nav)) => {
            let cluster = cx.cluster;
            model.select(cluster, nav.apply(model.cursor, cluster.rows.len()));
            cx.changed();
        }
        Input::Event(PaneEvent::Entered(text)) => dialogs::number_entered(model, cx, text),
        Input::Event(PaneEvent::Confirmed(Change::Write(write))) => {
            return match model.awaiting.take() {
                Some(Action::GuidedSwitch) => guided::confirmed(model, cx, write.clone()),
                _ => confirmed(cx, write.clone()),
            };
        }
        Input::Event(PaneEvent::Cancelled(_)) => {
            model.awaiting = None;
            model.guided_offer = None;
        }
        // a command's confirmation is a runbook's
        Input::Event(PaneEvent::Open(_) | PaneEvent::Confirmed(Change::Command(_))) => {}
        Input::ClusterChanged(touched) => {
            model.follow(cx.cluster);
            if cx.shown.contains(PaneId::Rollouts) && model.shows(touched, cx.shown.height) {
                cx.changed();
            }
        }
        Input::Msg(msg) => return on_msg(model, cx, msg),
    }
    Vec::new()
}

fn on_msg(model: &mut Model, cx: &mut Cx, msg: &Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => guided::on_tick(model, cx, *now),
        Msg::Kpi(KpiMsg::Sample {
            id,
            value: Some(v),
            at,
        }) if *id == model.guided_config.error_rate_kpi => {
            return guided::on_error_rate(model, cx, *v, *at);
        }
        Msg::Done(outcome) => return guided::on_write_done(model, cx, outcome),
        _ => {}
    }
    Vec::new()
}

/// The yes to a plain write's confirmation: the write leaves, noted on the timeline.
fn confirmed(cx: &mut Cx, write: ClusterWrite) -> Vec<Effect> {
    let what = write.to_string();
    cx.note(EntryKind::Action, false, format!("{what}: requested"));
    cx.toast(false, format!("{what}: requested"));
    vec![
        Effect::Log(format!("action confirmed: {what}")),
        Effect::Write(write),
    ]
}

/// `l`: the selected workload's pods in the Logs pane, followed as they come and go.
fn logs(model: &Model, cx: &mut Cx) {
    let Some(row) = model.selected_row(cx.cluster) else {
        return cx.toast(true, "logs: no rollout selected");
    };
    let kind = match &row.target {
        RowTarget::Deployment(_) | RowTarget::Slot { .. } => "deployment",
        RowTarget::BlueGreen { .. } => "service",
        RowTarget::Rollout(_) => "rollout",
    };
    let target = LogTarget {
        title: format!("{kind} {}", row.name),
        source: LogSource::Row(row.key()),
        container: None,
    };
    cx.go(Goto::Logs(target));
}

pub fn render(model: &Model, view: &View, area: Rect, buf: &mut Buffer) {
    view::render(model, view, area, buf);
}
