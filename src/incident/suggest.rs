//! The severity a declaration is offered, from live facts, and why. The person declaring
//! decides; this only says what the console sees:
//! - SEV1: every rollout degraded or stalled, or (nearly) every request a 5xx;
//! - SEV2: the error rate at 50 % or more, or p95 latency over 5 s;
//! - SEV3: any KPI in alert, any Prometheus alert firing, any rollout degraded;
//! - else SEV3, saying nothing points higher.

use crate::cluster::rows::Phase;
use crate::cluster::ClusterData;
use crate::kpi::{AlertState, KpiBoard, KpiState};

/// The KPI (`assets/kpis.yaml`) whose value is the share of 5xx, in percent.
pub const ERROR_RATE_KPI: &str = "error_rate";
/// The KPI whose value is the p95 latency, in seconds.
pub const LATENCY_KPI: &str = "p95_latency";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub severity: u8,
    pub why: String,
}

/// A KPI's live value (None when stale, failed or never sampled).
fn live(kpis: &KpiBoard, id: &str) -> Option<(f64, String)> {
    let e = kpis.get(id)?;
    let fresh = matches!(e.state, KpiState::Ok | KpiState::Warn | KpiState::Alert);
    e.value
        .filter(|v| fresh && v.is_finite())
        .map(|v| (v, e.value_text()))
}

pub fn suggest(kpis: &KpiBoard, cluster: &ClusterData) -> Suggestion {
    let s = |severity, why: String| Suggestion { severity, why };
    let rollouts: Vec<_> = cluster.rows.iter().filter(|r| r.depth == 0).collect();
    let bad = |p: Phase| matches!(p, Phase::Degraded | Phase::Stalled);
    let degraded: Vec<&str> = rollouts
        .iter()
        .filter(|r| bad(r.phase))
        .map(|r| r.name.as_str())
        .collect();
    if !rollouts.is_empty() && degraded.len() == rollouts.len() {
        return s(1, format!("every rollout is degraded ({})", degraded.len()));
    }
    let error_rate = live(kpis, ERROR_RATE_KPI);
    if let Some((v, text)) = &error_rate {
        if *v >= 99.0 {
            return s(
                1,
                format!("error rate {text}: (nearly) every request is a 5xx"),
            );
        }
        if *v >= 50.0 {
            return s(2, format!("error rate {text} ≥ 50 %"));
        }
    }
    if let Some((v, text)) = live(kpis, LATENCY_KPI) {
        if v > 5.0 {
            return s(2, format!("p95 latency {text} > 5 s"));
        }
    }
    if let Some(e) = kpis.entries().iter().find(|e| e.state == KpiState::Alert) {
        return s(3, format!("{} in alert: {}", e.def.title, e.value_text()));
    }
    if let Some(a) = kpis.alerts.iter().find(|a| a.state == AlertState::Firing) {
        return s(3, format!("alert {} firing", a.name));
    }
    if let Some(name) = degraded.first() {
        return s(3, format!("rollout {name} degraded"));
    }
    s(3, "nothing in alert: no live fact points higher".into())
}

/// The services an incident touches, from the rollouts degraded or stalled now.
pub fn affected_services(cluster: &ClusterData) -> Vec<String> {
    cluster
        .rows
        .iter()
        .filter(|r| r.depth == 0 && matches!(r.phase, Phase::Degraded | Phase::Stalled))
        .map(|r| r.name.clone())
        .collect()
}

/// What users feel, from the KPIs in alert or warning now ("Error rate (5xx) 12.0 % (alert)").
pub fn user_impact(kpis: &KpiBoard) -> Vec<String> {
    kpis.entries()
        .iter()
        .filter(|e| matches!(e.state, KpiState::Alert | KpiState::Warn))
        .filter(|e| e.def.group == kubechat_spec::kpi::defs::Group::Application)
        .map(|e| format!("{} {} ({})", e.def.title, e.value_text(), e.state.as_str()))
        .collect()
}
