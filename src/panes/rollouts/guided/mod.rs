//! The guided blue/green switch (issue 4 §4), as the procedures' `switch-traffic.sh` runs
//! it: check the idle slot is fully ready → switch the Service selector → watch the
//! `error_rate` KPI for a window → above the threshold, switch back by itself and say why;
//! on success offer the blue cleanup (scale to 0, then delete), each a confirmed step.
//! Pure: driven by confirmations, write results, KPI samples and ticks.

use jiff::{SignedDuration, Timestamp};

use super::{Action, Model};
use crate::cluster::rows::{Phase, RowTarget};
use crate::effect::{ClusterWrite, Effect, WorkloadKind};
use crate::feed::EntryKind;
use crate::panes::Cx;
use crate::text::duration_label;

mod events;
pub mod view;

pub(crate) use events::{on_error_rate, on_tick, on_write_done};

/// The KPI watched after the switch, unless the config names another.
pub const ERROR_RATE_KPI: &str = "error_rate";

/// How long and against what the error rate is watched.
#[derive(Debug, Clone, PartialEq)]
pub struct GuidedConfig {
    /// The KPI (by id) whose value is the error rate in percent.
    pub error_rate_kpi: String,
    /// The monitoring window (the procedures: 5 minutes).
    pub window: SignedDuration,
    /// Percent of 5xx above which the switch is undone (the procedures: 1 %).
    pub threshold_pct: f64,
    /// The wait the procedures keep between scaling the old slot to 0 and deleting it.
    pub delete_after: SignedDuration,
}

impl Default for GuidedConfig {
    fn default() -> Self {
        GuidedConfig {
            error_rate_kpi: ERROR_RATE_KPI.to_string(),
            window: SignedDuration::from_mins(5),
            threshold_pct: 1.0,
            delete_after: SignedDuration::from_mins(10),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum GuidedPhase {
    /// The selector patch is on its way.
    Switching {
        abort_requested: bool,
    },
    /// Switched; the error rate is watched until `until`.
    Monitoring {
        since: Timestamp,
        until: Timestamp,
        /// The highest error rate seen in the window (None: no sample yet).
        worst: Option<f64>,
    },
    /// Switching back (error spike or abort), for this reason.
    RollingBack {
        reason: String,
    },
    /// Back on the old slot.
    RolledBack {
        reason: String,
    },
    /// The window passed under the threshold: the cleanup is offered.
    Succeeded {
        worst: Option<f64>,
    },
    ScalingDown,
    /// The old slot is at 0 replicas; deleting it is offered after `delete_after`.
    ScaledDown {
        at: Timestamp,
    },
    Deleting,
    Done,
    /// A write failed; the run stops here and says what to do.
    Failed {
        error: String,
    },
}

/// One run of the guided switch.
#[derive(Debug, Clone, PartialEq)]
pub struct GuidedSwitch {
    pub service: String,
    pub from_slot: String,
    pub from_deployment: String,
    pub to_slot: String,
    pub to_deployment: String,
    pub phase: GuidedPhase,
}

impl GuidedSwitch {
    /// True while it still acts by itself (a switch or a switch-back in flight, monitoring).
    pub fn is_running(&self) -> bool {
        matches!(
            self.phase,
            GuidedPhase::Switching { .. }
                | GuidedPhase::Monitoring { .. }
                | GuidedPhase::RollingBack { .. }
        )
    }

    /// One line for the progress view.
    pub fn summary(&self, now: Timestamp, cfg: &GuidedConfig) -> String {
        let (from, to) = (&self.from_slot, &self.to_slot);
        let pct = |v: Option<f64>| v.map_or("no data".to_string(), |v| format!("{v:.2}%"));
        match &self.phase {
            GuidedPhase::Switching { .. } => format!("switching {} → {to}…", self.service),
            GuidedPhase::Monitoring { until, worst, .. } => {
                let left = (until.as_second() - now.as_second()).max(0);
                format!(
                    "on {to}: watching error rate, {}m{:02}s left; worst {} (limit {}%) · W aborts",
                    left / 60,
                    left % 60,
                    pct(*worst),
                    cfg.threshold_pct
                )
            }
            GuidedPhase::RollingBack { reason } => format!("switching back to {from}: {reason}"),
            GuidedPhase::RolledBack { reason } => format!("rolled back to {from}: {reason}"),
            GuidedPhase::Succeeded { worst } => format!(
                "{to} serves; error rate stayed ≤ {}% (worst {}) · W scales {from} to 0",
                cfg.threshold_pct,
                pct(*worst)
            ),
            GuidedPhase::ScalingDown => format!("scaling {} to 0…", self.from_deployment),
            GuidedPhase::ScaledDown { .. } => {
                format!("{} at 0 · W deletes it", self.from_deployment)
            }
            GuidedPhase::Deleting => format!("deleting {}…", self.from_deployment),
            GuidedPhase::Done => format!("done: {to} serves, {from} removed"),
            GuidedPhase::Failed { error } => format!("stopped: {error}"),
        }
    }
}

pub(crate) fn switch(service: &str, slot: &str) -> ClusterWrite {
    ClusterWrite::SwitchSlot {
        service: service.to_string(),
        slot: slot.to_string(),
    }
}

fn ask(
    model: &mut Model,
    cx: &mut Cx,
    write: ClusterWrite,
    prompt: String,
    caution: Option<String>,
) {
    model.awaiting = Some(Action::GuidedSwitch);
    cx.confirm(write, prompt, caution);
}

fn refuse(cx: &mut Cx, why: String) {
    let text = format!("guided switch: {why}");
    cx.toast(true, text.clone());
    cx.note(EntryKind::Action, true, text);
}

/// The key: start a run on the selected blue/green pair, or offer the current run's next
/// step (abort while running, the cleanup after success).
pub(crate) fn begin(model: &mut Model, cx: &mut Cx) -> Vec<Effect> {
    if let Some(g) = model.guided.clone() {
        match g.phase {
            GuidedPhase::Switching { .. } | GuidedPhase::Monitoring { .. } => {
                let prompt = format!(
                    "Abort the guided switch and switch {} back to {}?",
                    g.service, g.from_slot
                );
                return ask_step(model, cx, switch(&g.service, &g.from_slot), prompt, None);
            }
            GuidedPhase::RollingBack { .. } | GuidedPhase::ScalingDown | GuidedPhase::Deleting => {
                cx.toast(false, "guided switch: a step is in flight");
                return Vec::new();
            }
            GuidedPhase::Succeeded { .. } => {
                let write = ClusterWrite::Scale {
                    kind: WorkloadKind::Deployment,
                    name: g.from_deployment.clone(),
                    replicas: 0,
                };
                let prompt = format!(
                    "Scale deployment {} ({}, no longer serving) to 0 replicas?",
                    g.from_deployment, g.from_slot
                );
                return ask_step(model, cx, write, prompt, None);
            }
            GuidedPhase::ScaledDown { at } => {
                let wait = model.guided_config.delete_after;
                let caution = (cx.now < at + wait).then(|| {
                    format!(
                        "the procedures wait {}m after scaling to 0 before deleting",
                        wait.as_mins()
                    )
                });
                let write = ClusterWrite::DeleteDeployment {
                    name: g.from_deployment.clone(),
                };
                let prompt = format!("Delete deployment {}?", g.from_deployment);
                return ask_step(model, cx, write, prompt, caution);
            }
            GuidedPhase::RolledBack { .. } | GuidedPhase::Done | GuidedPhase::Failed { .. } => {}
        }
    }
    start(model, cx);
    Vec::new()
}

/// `ask` for a step of a run, from `begin`'s match arms.
fn ask_step(
    model: &mut Model,
    cx: &mut Cx,
    write: ClusterWrite,
    prompt: String,
    caution: Option<String>,
) -> Vec<Effect> {
    ask(model, cx, write, prompt, caution);
    Vec::new()
}

/// The ready check, then the confirmation of the switch.
fn start(model: &mut Model, cx: &mut Cx) {
    let cluster = cx.cluster;
    let Some(row) = model.selected_row(cluster) else {
        return refuse(cx, "no rollout selected".into());
    };
    let service = match &row.target {
        RowTarget::BlueGreen { service, .. } | RowTarget::Slot { service, .. } => service.clone(),
        _ => return refuse(cx, format!("{} is not a blue/green pair", row.name)),
    };
    let pair = cluster.rows.iter().find_map(|r| match &r.target {
        RowTarget::BlueGreen {
            service: s,
            live,
            slots,
        } if *s == service => Some((live.clone(), slots.clone())),
        _ => None,
    });
    let Some((Some(live), slots)) = pair else {
        return refuse(cx, format!("{service} selects no slot"));
    };
    let idle: Vec<&(String, String)> = slots.iter().filter(|(s, _)| *s != live).collect();
    let (Some(from), [to]) = (slots.iter().find(|(s, _)| *s == live), idle.as_slice()) else {
        return refuse(cx, format!("{service} needs exactly two slots"));
    };
    let (from, to) = (from.clone(), (*to).clone());
    let kpi = &model.guided_config.error_rate_kpi;
    if cx.kpis.get(kpi).is_none() {
        let why = format!("no {kpi} KPI to watch after the switch");
        return refuse(cx, why);
    }
    let idle = cluster
        .rows
        .iter()
        .find(|r| matches!(&r.target, RowTarget::Slot { deployment, .. } if *deployment == to.1));
    let not_ready = match idle {
        None => Some("not found".to_string()),
        Some(r) => {
            let p = r.progress;
            let ready = r.phase == Phase::Healthy
                && p.desired > 0
                && p.ready >= p.desired
                && p.available >= p.desired
                && p.updated >= p.desired;
            (!ready).then(|| {
                format!(
                    "{}, {} of {} ready, {} available",
                    r.phase.label(),
                    p.ready,
                    p.desired,
                    p.available
                )
            })
        }
    };
    if let Some(why) = not_ready {
        return refuse(cx, format!("{} ({}) is not fully ready: {why}", to.0, to.1));
    }
    let cfg = &model.guided_config;
    let prompt = format!(
        "Switch service {service} from {} to {}, then watch the error rate for {} and \
         switch back by itself above {}%?",
        from.0,
        to.0,
        duration_label(cfg.window.as_secs()),
        cfg.threshold_pct
    );
    ask(model, cx, switch(&service, &to.0), prompt, None);
    // the run is recorded only when confirmed; remember what the dialog is about
    model.guided_offer = Some(GuidedSwitch {
        service,
        from_slot: from.0,
        from_deployment: from.1,
        to_slot: to.0,
        to_deployment: to.1,
        phase: GuidedPhase::Switching {
            abort_requested: false,
        },
    });
}

/// The yes of a guided-switch dialog: what it asked for decides the step.
pub(crate) fn confirmed(model: &mut Model, cx: &mut Cx, write: ClusterWrite) -> Vec<Effect> {
    let mut effects = vec![Effect::Log(format!("guided switch confirmed: {write}"))];
    let Some(mut g) = model.guided.clone().filter(|g| {
        !matches!(
            g.phase,
            GuidedPhase::RolledBack { .. } | GuidedPhase::Done | GuidedPhase::Failed { .. }
        )
    }) else {
        // a new run
        let Some(g) = model.guided_offer.take() else {
            return Vec::new();
        };
        cx.note(
            EntryKind::Action,
            false,
            format!(
                "guided switch: {} {} → {} (ready check passed)",
                g.service, g.from_slot, g.to_slot
            ),
        );
        model.guided = Some(g);
        effects.push(Effect::Write(write));
        return effects;
    };
    match (&g.phase, &write) {
        (GuidedPhase::Switching { .. }, ClusterWrite::SwitchSlot { .. }) => {
            // the forward patch is in flight: switch back as soon as it lands
            g.phase = GuidedPhase::Switching {
                abort_requested: true,
            };
            cx.note(EntryKind::Action, true, "guided switch: abort requested");
        }
        (GuidedPhase::Monitoring { .. }, ClusterWrite::SwitchSlot { .. }) => {
            g.phase = GuidedPhase::RollingBack {
                reason: "aborted by the operator".into(),
            };
            cx.note(
                EntryKind::Action,
                true,
                format!("guided switch aborted: switching back to {}", g.from_slot),
            );
            effects.push(Effect::Write(write));
        }
        (GuidedPhase::Succeeded { .. }, ClusterWrite::Scale { .. }) => {
            g.phase = GuidedPhase::ScalingDown;
            effects.push(Effect::Write(write));
        }
        (GuidedPhase::ScaledDown { .. }, ClusterWrite::DeleteDeployment { .. }) => {
            g.phase = GuidedPhase::Deleting;
            effects.push(Effect::Write(write));
        }
        _ => {
            // the run moved on while the dialog was open
            cx.toast(true, "guided switch: that step no longer applies");
            return Vec::new();
        }
    }
    model.guided = Some(g);
    effects
}

#[cfg(test)]
mod tests;
