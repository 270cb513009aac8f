//! KPI definitions, their live state and history, and the KPI pane (owner: kpi). STUB: the
//! names below are the contract the console's `state` and `ui` use.

use jiff::Timestamp;

/// A sample, an error or a firing alert from the Prometheus poller (built by `io::prom`).
#[derive(Debug, Clone, PartialEq)]
pub enum KpiMsg {}

/// How a KPI stands against its target and thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiState {
    Ok,
    Warn,
    Alert,
    Stale,
    Error,
}

/// A KPI that changed state (for the timeline): crossing into or recovering from alert.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiTransition {
    pub id: String,
    pub title: String,
    pub from: KpiState,
    pub to: KpiState,
    /// The value with its unit, as shown ("2.3 %").
    pub value: String,
    pub at: Timestamp,
}

/// All KPIs' live state: pure, updated only through `apply` and `tick`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiBoard {}

impl KpiBoard {
    /// Takes a poller message; returns the KPIs whose state changed.
    pub fn apply(&mut self, _msg: KpiMsg, _now: Timestamp) -> Vec<KpiTransition> {
        Vec::new()
    }

    /// The 1 Hz clock: samples age into stale; returns the KPIs whose state changed.
    pub fn tick(&mut self, _now: Timestamp) -> Vec<KpiTransition> {
        Vec::new()
    }
}

pub mod view {
    //! The KPI pane's widget. STUB.
    use ratatui::{buffer::Buffer, layout::Rect, widgets::Widget};

    use super::KpiBoard;
    use crate::theme::Theme;

    pub struct KpiPane<'a> {
        pub board: &'a KpiBoard,
        pub theme: &'a Theme,
        pub now: jiff::Timestamp,
        /// The KPI the cursor is on, when the pane has focus.
        pub selected: Option<usize>,
    }

    impl Widget for KpiPane<'_> {
        fn render(self, _area: Rect, _buf: &mut Buffer) {}
    }
}
