//! The pure model and `update` (owner: console). `update` is the only place state changes:
//! no I/O, no await, no clock (time arrives in `Msg::Tick`).

pub mod actions;
pub mod analysis_view;
pub mod blue_green;
pub mod canary;
pub mod collection;
mod guided_events;
pub mod guided_switch;
pub mod load;
pub mod overlay;
pub mod rollout_detail;
pub mod rollout_status;
pub mod rollout_view;
pub mod rollouts;
pub mod row_refresh;
pub mod sources;
#[cfg(test)]
pub(crate) mod test_support;
pub mod timeline;
pub mod update;
pub mod views;
pub mod write_dialogs;

use jiff::Timestamp;

use crate::keymap::{KeyContext, Keymap};
use crate::kpi::KpiBoard;
use collection::Collection;
use overlay::Overlay;
use rollouts::RolloutRow;
use sources::SourceHealth;
use timeline::{EntryKind, Timeline, TimelineEntry};
use views::{DeploymentView, EventView, PodView, ReplicaSetView, RolloutView, ServiceView};

pub use update::update;

/// What the console starts with.
#[derive(Debug, Clone)]
pub struct StateInit {
    pub context: String,
    pub namespace: String,
    pub read_only: bool,
    /// The demo scenario's name, when running the simulated cluster.
    pub demo: Option<String>,
    pub keymap: Keymap,
    /// The Prometheus shown in the status bar (None: no Prometheus configured).
    pub prometheus: Option<String>,
    /// Config/theme/keymap warnings to show at start.
    pub warnings: Vec<String>,
}

/// The dashboard's panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Rollouts,
    Kpis,
    Timeline,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Rollouts, Pane::Kpis, Pane::Timeline];

    pub fn title(&self) -> &'static str {
        match self {
            Pane::Rollouts => "Rollouts",
            Pane::Kpis => "KPIs",
            Pane::Timeline => "Timeline",
        }
    }

    pub fn number(&self) -> usize {
        Pane::ALL.iter().position(|p| p == self).unwrap_or(0) + 1
    }

    pub fn key_context(&self) -> KeyContext {
        match self {
            Pane::Rollouts => KeyContext::Rollouts,
            Pane::Kpis => KeyContext::Kpis,
            Pane::Timeline => KeyContext::Timeline,
        }
    }
}

/// Every watched collection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterData {
    pub deployments: Collection<DeploymentView>,
    pub replica_sets: Collection<ReplicaSetView>,
    pub pods: Collection<PodView>,
    pub services: Collection<ServiceView>,
    pub events: Collection<EventView>,
    pub rollouts: Collection<RolloutView>,
    pub analysis_runs: Collection<analysis_view::AnalysisRunView>,
}

/// A one-line message at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub bad: bool,
    pub at: Option<Timestamp>,
}

/// Seconds a toast stays.
pub const TOAST_SECS: i64 = 8;

#[derive(Debug, Clone)]
pub struct State {
    pub context: String,
    pub namespace: String,
    pub read_only: bool,
    pub demo: Option<String>,
    pub prometheus: Option<String>,
    pub keymap: Keymap,
    /// The last tick's time (None before the first).
    pub now: Option<Timestamp>,
    /// Something visible changed; the loop clears it after drawing.
    pub dirty: bool,
    pub should_quit: bool,
    pub size: (u16, u16),
    pub focus: Pane,
    pub zoomed: bool,
    pub overlay: Overlay,
    pub toast: Option<Toast>,
    /// Start-up warnings not yet put on the timeline (they go there on the first tick).
    pub pending_warnings: Vec<String>,
    pub cluster: ClusterData,
    /// The Rollouts pane's rows, derived whenever their inputs change.
    pub rows: Vec<RolloutRow>,
    /// Row key (`row_refresh::row_key`) → position in `rows`.
    pub row_index: std::collections::HashMap<String, usize>,
    pub rollout_cursor: usize,
    pub kpi_cursor: usize,
    /// Entries scrolled past at the top of the Timeline (newest first).
    pub timeline_scroll: usize,
    pub timeline: Timeline,
    pub kpis: KpiBoard,
    pub kube: SourceHealth,
    pub prom: SourceHealth,
    /// The guided blue/green switch, once one has been started (the last run stays shown).
    pub guided: Option<guided_switch::GuidedSwitch>,
    /// The run the open guided-switch dialog would start.
    pub guided_offer: Option<guided_switch::GuidedSwitch>,
    /// Its window and threshold (defaults: the procedures' 5 minutes and 1 %).
    pub guided_config: guided_switch::GuidedConfig,
}

impl State {
    pub fn new(init: StateInit) -> State {
        let toast = init.warnings.first().map(|w| Toast {
            text: if init.warnings.len() > 1 {
                format!("{w} (+{} more on the timeline)", init.warnings.len() - 1)
            } else {
                w.clone()
            },
            bad: true,
            at: None,
        });
        State {
            context: init.context,
            namespace: init.namespace,
            read_only: init.read_only,
            demo: init.demo,
            prom: SourceHealth::new(init.prometheus.is_some()),
            prometheus: init.prometheus,
            keymap: init.keymap,
            now: None,
            dirty: true,
            should_quit: false,
            size: (80, 24),
            focus: Pane::Rollouts,
            zoomed: false,
            overlay: Overlay::None,
            toast,
            pending_warnings: init.warnings,
            cluster: ClusterData::default(),
            rows: Vec::new(),
            row_index: Default::default(),
            rollout_cursor: 0,
            kpi_cursor: 0,
            timeline_scroll: 0,
            timeline: Timeline::default(),
            kpis: KpiBoard::default(),
            kube: SourceHealth::new(true),
            guided: None,
            guided_offer: None,
            guided_config: Default::default(),
        }
    }

    /// The time to stamp entries with (the epoch before the first tick).
    pub fn now_or_epoch(&self) -> Timestamp {
        self.now.unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The row under the Rollouts cursor.
    pub fn selected_row(&self) -> Option<&RolloutRow> {
        self.rows.get(self.rollout_cursor)
    }

    /// The key context keys are looked up in now.
    pub fn key_context(&self) -> KeyContext {
        match self.overlay {
            Overlay::Confirm(_) => KeyContext::Dialog,
            _ => self.focus.key_context(),
        }
    }

    pub fn note(&mut self, kind: EntryKind, bad: bool, text: impl Into<String>) {
        let at = self.now_or_epoch();
        self.timeline.push(TimelineEntry {
            at,
            kind,
            bad,
            text: text.into(),
        });
        self.dirty = true;
    }

    pub fn toast(&mut self, bad: bool, text: impl Into<String>) {
        self.toast = Some(Toast {
            text: text.into(),
            bad,
            at: self.now,
        });
        self.dirty = true;
    }

    /// The Prometheus poller's health: `ok` with no error, or the error in one line.
    pub fn prometheus_status(&mut self, ok: bool, error: Option<String>, at: Timestamp) {
        let transition = if ok {
            self.prom.ok(Some(at))
        } else {
            self.prom.failed(error.unwrap_or_else(|| "error".into()))
        };
        update::note_source(self, "prometheus", transition);
        self.dirty = true;
    }
}
