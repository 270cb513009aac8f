//! The procedures' communication templates (`assets/templates/`: the Incident Declaration
//! and the Status Update), filled from live facts: the severity, the summary, the services
//! degraded now, the user impact from the KPIs, the start, the status, what was done since
//! the last update, and when the next one is due. `{{ name }}` placeholders; one this
//! module does not know is left as it is, for the person to fill.

use jiff::Timestamp;

use super::clocks::clocks;
use super::{ClockKind, Incident, Severities, What};

pub const DECLARATION: &str = include_str!("../../assets/templates/declaration.md");
pub const STATUS_UPDATE: &str = include_str!("../../assets/templates/status-update.md");

/// Which communication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    Declaration,
    StatusUpdate,
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Template::Declaration => "declaration",
            Template::StatusUpdate => "status update",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Template::Declaration => DECLARATION,
            Template::StatusUpdate => STATUS_UPDATE,
        }
    }

    /// The first communication is the declaration, every later one an update.
    pub fn next_for(incident: &Incident) -> Template {
        if incident
            .entries
            .iter()
            .any(|e| matches!(e.what, What::UpdateSent { .. }))
        {
            Template::StatusUpdate
        } else {
            Template::Declaration
        }
    }
}

/// What the templates are filled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub severity: u8,
    pub summary: String,
    /// Rollouts degraded or stalled now.
    pub services: Vec<String>,
    /// KPIs in alert or warning now.
    pub user_impact: Vec<String>,
    pub started: Timestamp,
    pub status: String,
    /// What was done since the last communication (or the declaration).
    pub progress: Vec<String>,
    pub next_update: Timestamp,
}

impl Facts {
    /// The facts for `incident` at `now`, with what the cluster and KPIs say (gathered by
    /// the caller: `suggest::affected_services`, `suggest::user_impact`).
    pub fn gather(
        incident: &Incident,
        severities: &Severities,
        services: Vec<String>,
        user_impact: Vec<String>,
        now: Timestamp,
    ) -> Facts {
        let since = incident.last_update.unwrap_or(incident.declared_at);
        let name = |l: u8| severities.name(l);
        let progress = incident
            .entries
            .iter()
            .filter(|e| e.at > since || (incident.last_update.is_none() && e.at >= since))
            .filter(|e| match &e.what {
                What::Status { .. }
                | What::Severity { .. }
                | What::Note { .. }
                | What::Role { .. }
                | What::ImpactStart { .. }
                | What::Checked { .. }
                | What::Pin { .. } => true,
                What::Timeline { source, .. } => source == "action" || source == "result",
                What::Declared { .. } | What::UpdateSent { .. } | What::Overdue { .. } => false,
            })
            .map(|e| format!("{} {}", e.at.strftime("%H:%M"), e.describe(name)))
            .collect();
        // sending now restarts the cadence
        let mut sent = incident.clone();
        sent.last_update = Some(now);
        let next_update = clocks(&sent, severities, now)
            .into_iter()
            .find(|c| c.kind == ClockKind::Update)
            .map(|c| c.due)
            .unwrap_or(now);
        Facts {
            severity: incident.severity,
            summary: incident.title.clone(),
            services,
            user_impact,
            started: incident.impact_start,
            status: incident.status.label().to_string(),
            progress,
            next_update,
        }
    }
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn bullets(items: &[String], none: &str) -> String {
    if items.is_empty() {
        return format!("- {none}");
    }
    items
        .iter()
        .map(|i| format!("- {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The value of one placeholder (None: unknown, left as it is).
fn value(name: &str, f: &Facts) -> Option<String> {
    let list = |items: &[String], none: &str| {
        if items.is_empty() {
            none.to_string()
        } else {
            items.join(", ")
        }
    };
    Some(match name {
        "severity" => f.severity.to_string(),
        "summary" => f.summary.clone(),
        "services" => list(&f.services, "none degraded now"),
        "user_impact" => list(&f.user_impact, "no KPI in alert now"),
        "impact_change" => list(&f.user_impact, "no KPI in alert now"),
        "started" => utc(f.started),
        "status" => f.status.clone(),
        "war_room" => "(link to the channel)".into(),
        "next_update" => utc(f.next_update),
        "progress" => bullets(&f.progress, "(nothing recorded since the last update)"),
        "next_steps" => bullets(&[], "(planned action)"),
        _ => return None,
    })
}

/// The template with every known `{{ name }}` replaced.
pub fn fill(template: &str, facts: &Facts) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + len].trim();
        out.push_str(&rest[..start]);
        match value(name, facts) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}
