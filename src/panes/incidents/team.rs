//! Team mode: what people write in an incident (not the timeline copied in, not the
//! clocks) is also shared in the cluster, so every console on the team sees it. A read-only
//! console never shares: it does not ask, and the guard would refuse it (`ShareIncident` is
//! a cluster write).

use super::Model;
use crate::effect::{Effect, IncidentAppend, CREATE_CONFIGMAPS, UPDATE_CONFIGMAPS};
use crate::feed::EntryKind;
use crate::panes::Cx;

/// For every journal append that carries something a person wrote, the share of the
/// incident's entries by people (all of them: the ConfigMap takes the ones it lacks, so an
/// incident declared before team mode, or on another console, converges). When RBAC does
/// not permit writing the ConfigMaps, nothing is sent and it is said.
pub fn share(model: &Model, cx: &mut Cx, mut effects: Vec<Effect>) -> Vec<Effect> {
    if !model.team || cx.read_only {
        return effects;
    }
    let denied: Vec<String> = [CREATE_CONFIGMAPS, UPDATE_CONFIGMAPS]
        .iter()
        .filter(|p| cx.denied.contains(p))
        .map(|p| p.to_string())
        .collect();
    let shares: Vec<Effect> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::AppendIncident(a) if a.entries.iter().any(|e| e.what.by_people()) => {
                model.get(&a.incident)
            }
            _ => None,
        })
        .map(|t| {
            Effect::ShareIncident(IncidentAppend {
                incident: t.incident.id.clone(),
                entries: t
                    .incident
                    .entries
                    .iter()
                    .filter(|e| e.what.by_people())
                    .cloned()
                    .collect(),
                create: false,
            })
        })
        .collect();
    if !denied.is_empty() {
        for s in &shares {
            if let Effect::ShareIncident(a) = s {
                let text = format!(
                    "incident {}: not shared with the team: not permitted (RBAC): needs {}",
                    a.incident,
                    denied.join(", ")
                );
                cx.toast(true, text.clone());
                cx.note(EntryKind::Refused, true, text);
            }
        }
        return effects;
    }
    effects.extend(shares);
    effects
}

/// A share's result: a failure is said (the entry is still saved on this machine).
pub fn shared(cx: &mut Cx, incident: &str, result: &Result<(), String>) {
    if let Err(e) = result {
        let text = format!("incident {incident}: not shared with the team: {e}");
        cx.toast(true, text.clone());
        cx.note(EntryKind::Incident, true, text);
    }
}
