//! The shell: the root `State` and the router `update` (screens, focus, overlays and
//! dialogs, toasts, the sources' health, the effect guard). It owns the shared data
//! (cluster, KPIs, timeline) and every pane's model, and hands each pane its context.

pub mod actions;
pub mod guard;
pub mod overlay;
#[cfg(test)]
mod permissions_tests;
mod selection;
pub mod sources;
#[cfg(test)]
pub(crate) mod test_support;
pub mod update;
pub mod view;

use jiff::Timestamp;

use crate::cluster::rows::RolloutRow;
use crate::cluster::scope::Scope;
use crate::cluster::ClusterData;
use crate::feed::{EntryKind, Timeline, TimelineEntry};
use crate::keymap::{KeyContext, Keymap};
use crate::kpi::KpiBoard;
use crate::panes::{Cx, PaneId, Panes, Selection};
use crate::screens::Screen;
use overlay::Overlay;
use sources::SourceHealth;

pub use update::update;

/// What the console starts with.
#[derive(Debug, Clone)]
pub struct StateInit {
    pub context: String,
    pub scope: Scope,
    pub read_only: bool,
    /// The demo scenario's name, when running the simulated cluster.
    pub demo: Option<String>,
    pub keymap: Keymap,
    /// The Prometheus shown in the status bar (None: no Prometheus configured).
    pub prometheus: Option<String>,
    /// Config/theme/keymap warnings to show at start.
    pub warnings: Vec<String>,
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
    /// What the watches cover: one namespace or all (`-A`, `:ns`).
    pub scope: Scope,
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
    pub screen: Screen,
    pub focus: PaneId,
    pub zoomed: bool,
    pub overlay: Overlay,
    pub toast: Option<Toast>,
    /// Start-up warnings not yet put on the timeline (they go there on the first tick).
    pub pending_warnings: Vec<String>,
    pub kube: SourceHealth,
    pub prom: SourceHealth,
    /// Shared data: what the watches say, the KPIs, what happened.
    pub cluster: ClusterData,
    pub kpis: KpiBoard,
    pub timeline: Timeline,
    /// Every pane's own model.
    pub panes: Panes,
    /// The writes RBAC does not permit (the self-check's answers; empty until they come).
    pub denied: Vec<crate::effect::Permission>,
    /// What was under the cursor in the pane focused before this one.
    pub selection: Selection,
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
            scope: init.scope,
            read_only: init.read_only,
            demo: init.demo,
            prom: SourceHealth::new(init.prometheus.is_some()),
            prometheus: init.prometheus,
            keymap: init.keymap,
            now: None,
            dirty: true,
            should_quit: false,
            size: (80, 24),
            screen: Screen::Overview,
            focus: PaneId::Rollouts,
            zoomed: false,
            overlay: Overlay::None,
            toast,
            pending_warnings: init.warnings,
            kube: SourceHealth::new(true),
            cluster: ClusterData::default(),
            kpis: KpiBoard::default(),
            timeline: Timeline::default(),
            panes: Panes::default(),
            denied: Vec::new(),
            selection: Selection::new(),
        }
    }

    /// The time to stamp entries with (the epoch before the first tick).
    pub fn now_or_epoch(&self) -> Timestamp {
        self.now.unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The row under the Rollouts cursor.
    pub fn selected_row(&self) -> Option<&RolloutRow> {
        self.cluster.rows.get(self.panes.rollouts.cursor)
    }

    /// The key context keys are looked up in now.
    pub fn key_context(&self) -> KeyContext {
        match self.overlay {
            Overlay::Confirm(_) => KeyContext::Dialog,
            _ => KeyContext::Pane(self.focus),
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

    /// Splits the state into a pane context over the shared data and the pane models.
    /// The context's outbox is applied with [`State::absorb`].
    pub(crate) fn split(&mut self) -> (Cx<'_>, &mut Panes) {
        let console = crate::panes::cx::Console {
            now: self.now_or_epoch(),
            read_only: self.read_only,
            denied: &self.denied,
            scope: &self.scope,
            shown: crate::panes::cx::Shown {
                screen: self.screen,
                zoomed: self.zoomed,
                focus: self.focus,
                height: self.size.1,
            },
        };
        let cx = Cx::new(
            console,
            &self.cluster,
            &self.kpis,
            &self.timeline,
            &self.selection,
        );
        (cx, &mut self.panes)
    }
}
