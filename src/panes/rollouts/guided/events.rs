//! The guided switch's reactions to the world (see `guided_switch`): a write's result, an
//! error-rate sample, the clock. Pure.

use jiff::Timestamp;

use super::{switch, GuidedPhase};
use crate::effect::{ClusterWrite, Effect, WriteOutcome};
use crate::feed::EntryKind;
use crate::panes::rollouts::Model;
use crate::panes::Cx;

/// A write's result: the run's next phase.
pub(crate) fn on_write_done(model: &mut Model, cx: &mut Cx, outcome: &WriteOutcome) -> Vec<Effect> {
    let (write, result) = (&outcome.write, &outcome.result);
    let Some(mut g) = model.guided.clone() else {
        return Vec::new();
    };
    let now = cx.now;
    let cfg = &model.guided_config;
    let mut effects = Vec::new();
    let (note, bad) = match (&g.phase, write, result) {
        (GuidedPhase::Switching { abort_requested }, ClusterWrite::SwitchSlot { slot, .. }, r)
            if *slot == g.to_slot =>
        {
            match (r, abort_requested) {
                (Err(e), _) => {
                    g.phase = GuidedPhase::Failed {
                        error: format!("the switch failed: {e}; {} still serves", g.from_slot),
                    };
                    ("guided switch: the switch failed".to_string(), true)
                }
                (Ok(_), true) => {
                    g.phase = GuidedPhase::RollingBack {
                        reason: "aborted by the operator".into(),
                    };
                    effects.push(Effect::Write(switch(&g.service, &g.from_slot)));
                    (
                        format!("guided switch: switching back to {}", g.from_slot),
                        true,
                    )
                }
                (Ok(_), false) => {
                    g.phase = GuidedPhase::Monitoring {
                        since: now,
                        until: now + cfg.window,
                        worst: None,
                    };
                    (
                        format!(
                            "guided switch: {} serves; watching the error rate for {}s",
                            g.to_slot,
                            cfg.window.as_secs()
                        ),
                        false,
                    )
                }
            }
        }
        (GuidedPhase::RollingBack { reason }, ClusterWrite::SwitchSlot { slot, .. }, r)
            if *slot == g.from_slot =>
        {
            let reason = reason.clone();
            match r {
                Ok(_) => {
                    g.phase = GuidedPhase::RolledBack {
                        reason: reason.clone(),
                    };
                    (
                        format!("guided switch rolled back to {}: {reason}", g.from_slot),
                        true,
                    )
                }
                Err(e) => {
                    g.phase = GuidedPhase::Failed {
                        error: format!(
                            "SWITCH BACK FAILED ({e}): {} still serves, switch by hand",
                            g.to_slot
                        ),
                    };
                    ("guided switch: the switch back FAILED".to_string(), true)
                }
            }
        }
        (GuidedPhase::ScalingDown, ClusterWrite::Scale { .. }, r) => match r {
            Ok(_) => {
                g.phase = GuidedPhase::ScaledDown { at: now };
                (
                    format!("guided switch: {} scaled to 0", g.from_deployment),
                    false,
                )
            }
            Err(e) => {
                g.phase = GuidedPhase::Failed {
                    error: format!("scaling {} to 0 failed: {e}", g.from_deployment),
                };
                ("guided switch: the cleanup failed".to_string(), true)
            }
        },
        (GuidedPhase::Deleting, ClusterWrite::DeleteDeployment { .. }, r) => match r {
            Ok(_) => {
                g.phase = GuidedPhase::Done;
                ("guided switch: complete".to_string(), false)
            }
            Err(e) => {
                g.phase = GuidedPhase::Failed {
                    error: format!("deleting {} failed: {e}", g.from_deployment),
                };
                ("guided switch: the delete failed".to_string(), true)
            }
        },
        _ => return Vec::new(),
    };
    cx.note(EntryKind::Action, bad, note);
    model.guided = Some(g);
    effects
}

/// An error-rate sample: above the threshold while monitoring, switch back.
pub(crate) fn on_error_rate(
    model: &mut Model,
    cx: &mut Cx,
    value: f64,
    at: Timestamp,
) -> Vec<Effect> {
    let threshold = model.guided_config.threshold_pct;
    let Some(g) = model.guided.as_mut() else {
        return Vec::new();
    };
    let GuidedPhase::Monitoring { since, worst, .. } = &mut g.phase else {
        return Vec::new();
    };
    if at < *since || !value.is_finite() {
        return Vec::new();
    }
    *worst = Some(worst.map_or(value, |w| w.max(value)));
    if value <= threshold {
        cx.changed();
        return Vec::new();
    }
    let into = (at.as_second() - since.as_second()).max(0);
    let reason = format!(
        "error rate {value:.2}% > {threshold}% {into}s after the switch to {}",
        g.to_slot
    );
    g.phase = GuidedPhase::RollingBack {
        reason: reason.clone(),
    };
    let write = switch(&g.service, &g.from_slot);
    let from = g.from_slot.clone();
    cx.note(
        EntryKind::Action,
        true,
        format!("guided switch: {reason}; switching back to {from}"),
    );
    cx.toast(true, format!("switching back to {from}: {reason}"));
    vec![Effect::Write(write)]
}

/// The clock: the window's end without a spike is success.
pub(crate) fn on_tick(model: &mut Model, cx: &mut Cx, now: Timestamp) {
    let Some(g) = model.guided.as_mut() else {
        return;
    };
    let GuidedPhase::Monitoring { until, worst, .. } = g.phase else {
        return;
    };
    if now < until {
        return;
    }
    let (text, bad) = match worst {
        Some(w) => {
            g.phase = GuidedPhase::Succeeded { worst: Some(w) };
            (
                format!(
                    "guided switch: {} held, worst error rate {w:.2}%; W scales {} to 0",
                    g.to_slot, g.from_deployment
                ),
                false,
            )
        }
        None => {
            g.phase = GuidedPhase::Failed {
                error: format!(
                    "no error-rate sample during the window: {} serves, unconfirmed",
                    g.to_slot
                ),
            };
            (
                "guided switch: no error-rate data during the window".to_string(),
                true,
            )
        }
    };
    cx.note(EntryKind::Action, bad, text);
}
