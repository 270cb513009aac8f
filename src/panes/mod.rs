//! The pane registry. A pane is one folder (`panes/<name>/`) that offers, by convention:
//! - `Model` (`Default + Clone + Debug`): its own state, cursor included;
//! - `Action` (implements [`ActionSpec`]): its keys' actions, with an exhaustive
//!   `is_mutating`;
//! - `update(&mut Model, &mut Cx, Input<Action>) -> Vec<Effect>`: pure, no I/O, no clock;
//! - `render(&Model, &View, Rect, &mut Buffer)`: only reads.
//!
//! Adding a pane is that folder plus one line in the `registry!` call below: the pane's id,
//! its module, its title. Focus keys, key contexts, the help overlay, the palette and the
//! pane's own screen all follow from that line.

pub mod backups;
pub mod cx;
pub mod incidents;
pub mod kpis;
pub mod logs;
pub mod rollouts;
pub mod runbooks;
pub mod security;
pub mod timeline;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::cluster::Touched;
use crate::effect::Effect;
use crate::msg::Msg;
pub use cx::{
    ActionSpec, Change, Cx, Goto, Input, LogSource, LogTarget, Nav, PaneEvent, Selection, View,
};

macro_rules! registry {
    ($($id:ident: $module:ident $title:literal),* $(,)?) => {
        /// Every pane, in focus order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum PaneId { $($id),* }

        impl PaneId {
            pub const ALL: &'static [PaneId] = &[$(PaneId::$id),*];

            pub fn title(self) -> &'static str {
                match self { $(PaneId::$id => $title),* }
            }

            /// Its name in keymap files, screen names and the palette.
            pub fn name(self) -> &'static str {
                match self { $(PaneId::$id => stringify!($module)),* }
            }

            /// The action that focuses it ("focus-rollouts").
            pub fn focus_action_name(self) -> &'static str {
                match self { $(PaneId::$id => concat!("focus-", stringify!($module))),* }
            }

            /// Its screen's action ("screen-rollouts").
            pub fn screen_action_name(self) -> &'static str {
                match self { $(PaneId::$id => concat!("screen-", stringify!($module))),* }
            }
        }

        /// One pane's action, typed by the pane that owns it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum PaneAction { $($id($module::Action)),* }

        impl PaneAction {
            pub fn pane(self) -> PaneId {
                match self { $(PaneAction::$id(_) => PaneId::$id),* }
            }

            /// Every action of `pane`, in its declared order.
            pub fn all(pane: PaneId) -> Vec<PaneAction> {
                match pane {
                    $(PaneId::$id => {
                        <$module::Action as ActionSpec>::ALL.iter().map(|a| PaneAction::$id(*a)).collect()
                    })*
                }
            }

            /// The actions the bottom line shows while `pane` has focus.
            pub fn hints(pane: PaneId) -> Vec<PaneAction> {
                match pane {
                    $(PaneId::$id => {
                        <$module::Action as ActionSpec>::HINTS.iter().map(|a| PaneAction::$id(*a)).collect()
                    })*
                }
            }

            pub fn from_name(pane: PaneId, name: &str) -> Option<PaneAction> {
                PaneAction::all(pane).into_iter().find(|a| a.name() == name)
            }

            pub fn name(self) -> &'static str {
                match self { $(PaneAction::$id(a) => a.name()),* }
            }

            pub fn description(self) -> &'static str {
                match self { $(PaneAction::$id(a) => a.description()),* }
            }

            pub fn is_mutating(self) -> bool {
                match self { $(PaneAction::$id(a) => a.is_mutating()),* }
            }

            pub fn needs(self) -> &'static [crate::effect::Permission] {
                match self { $(PaneAction::$id(a) => a.needs()),* }
            }
        }

        /// Every pane's model.
        #[derive(Debug, Clone, Default)]
        pub struct Panes { $(pub $module: $module::Model),* }

        impl Panes {
            /// A key's action, to the pane that owns it.
            pub fn on_action(&mut self, cx: &mut Cx, action: PaneAction) -> Vec<Effect> {
                match action {
                    $(PaneAction::$id(a) => $module::update(&mut self.$module, cx, Input::Action(a))),*
                }
            }

            /// Something only `pane` should hear (navigation, its dialog's answer).
            pub fn on_event(&mut self, pane: PaneId, cx: &mut Cx, event: PaneEvent) -> Vec<Effect> {
                match pane {
                    $(PaneId::$id => $module::update(&mut self.$module, cx, Input::Event(&event))),*
                }
            }

            /// A message every pane hears (after the shared data took it in).
            pub fn on_msg(&mut self, cx: &mut Cx, msg: &Msg) -> Vec<Effect> {
                let mut effects = Vec::new();
                $(effects.extend($module::update(&mut self.$module, cx, Input::Msg(msg)));)*
                effects
            }

            /// The shared cluster data changed (a watch event took effect).
            pub fn on_cluster_changed(&mut self, cx: &mut Cx, touched: &Touched) -> Vec<Effect> {
                let mut effects = Vec::new();
                $(effects.extend($module::update(&mut self.$module, cx, Input::ClusterChanged(touched)));)*
                effects
            }

            pub fn render(&self, pane: PaneId, view: &View, area: Rect, buf: &mut Buffer) {
                match pane {
                    $(PaneId::$id => $module::render(&self.$module, view, area, buf)),*
                }
            }
        }
    };
}

registry! {
    Rollouts: rollouts "Rollouts",
    Kpis: kpis "KPIs",
    Timeline: timeline "Timeline",
    Logs: logs "Logs",
    Incidents: incidents "Incidents",
    Runbooks: runbooks "Runbooks",
    Backups: backups "Backups",
    Security: security "Security",
}

impl PaneId {
    /// 1-based position, shown in the pane's frame and bound to its number key.
    pub fn number(self) -> usize {
        PaneId::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }

    /// Number and title, as a pane's frame shows them.
    pub fn label(self) -> (usize, &'static str) {
        (self.number(), self.title())
    }

    pub fn from_name(name: &str) -> Option<PaneId> {
        PaneId::ALL.iter().copied().find(|p| p.name() == name)
    }
}
