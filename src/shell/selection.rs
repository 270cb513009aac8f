//! The selection: what was under the cursor in the pane the user leaves, handed to the
//! panes as `Cx::selection` (a runbook's placeholders take it first).

use super::State;
use crate::cluster::rows::RowTarget;
use crate::panes::{PaneId, Selection};

impl State {
    /// The object under the cursor in `pane`: the Rollouts row's workload (a blue/green
    /// pair's live slot), the one pod the Logs pane reads.
    pub fn selection_in(&self, pane: PaneId) -> Selection {
        let mut out = Selection::new();
        match pane {
            PaneId::Rollouts => match self.selected_row().map(|r| &r.target) {
                Some(RowTarget::Deployment(d) | RowTarget::Slot { deployment: d, .. }) => {
                    out.insert("deployment".into(), d.clone());
                }
                Some(RowTarget::BlueGreen { live, slots, .. }) => {
                    let live = slots.iter().find(|(s, _)| Some(s) == live.as_ref());
                    if let Some((_, d)) = live {
                        out.insert("deployment".into(), d.clone());
                    }
                }
                Some(RowTarget::Rollout(r)) => {
                    out.insert("rollout".into(), r.clone());
                }
                None => {}
            },
            PaneId::Logs => {
                let logs = &self.panes.logs;
                let pod = match logs.only {
                    Some(i) => logs.pods.get(i),
                    None if logs.pods.len() == 1 => logs.pods.first(),
                    None => None,
                };
                if let Some(p) = pod {
                    out.insert("pod".into(), p.clone());
                }
            }
            _ => {}
        }
        out
    }
}
