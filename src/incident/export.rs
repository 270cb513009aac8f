//! The postmortem draft: a pure function of the journal (no clock, no cluster), so the same
//! journal always gives the same document. Markdown with a summary, the impact, the whole
//! timeline, the actions taken and the open follow-ups; or the journal as JSON.

use std::fmt::Write;

use jiff::Timestamp;
use serde_json::json;

use super::{Incident, Severities, Status, What};

fn utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn span(from: Timestamp, to: Timestamp) -> String {
    crate::text::countdown(from.duration_until(to).as_secs())
}

/// Notes that name something to do later ("todo: …", "follow-up: …", "action item: …").
fn follow_up(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    ["todo:", "follow-up:", "followup:", "action item:"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| text[p.len()..].trim())
}

pub fn markdown(incident: &Incident, severities: &Severities) -> String {
    let mut md = String::new();
    header(&mut md, incident, severities);
    summary_and_impact(&mut md, incident, severities);
    timeline(&mut md, incident, severities);
    actions(&mut md, incident, severities);
    follow_ups(&mut md, incident);
    md
}

fn header(md: &mut String, i: &Incident, severities: &Severities) {
    let definition = severities
        .get(i.severity)
        .filter(|d| d.level == i.severity)
        .map(|d| format!(" ({})", d.definition))
        .unwrap_or_default();
    let _ = writeln!(md, "# Postmortem draft: {}\n", i.title);
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(md, "| Incident | {} |", i.id);
    let _ = writeln!(
        md,
        "| Severity | {}{definition} |",
        severities.name(i.severity)
    );
    let _ = writeln!(md, "| Status | {} |", i.status.label());
    let _ = writeln!(md, "| Declared | {} |", utc(i.declared_at));
    let _ = writeln!(md, "| Impact start | {} |", utc(i.impact_start));
    match i.resolved_at {
        Some(r) => {
            let _ = writeln!(md, "| Resolved | {} |", utc(r));
            let _ = writeln!(md, "| Duration | {} |", span(i.impact_start, r));
        }
        None => {
            let _ = writeln!(md, "| Resolved | not yet |");
        }
    }
    let roles: Vec<String> = i.roles.iter().map(|(r, w)| format!("{r}: {w}")).collect();
    let roles = if roles.is_empty() {
        "none assigned".to_string()
    } else {
        roles.join(", ")
    };
    let _ = writeln!(md, "| Roles | {roles} |");
}

fn summary_and_impact(md: &mut String, i: &Incident, severities: &Severities) {
    let name = |l: u8| severities.name(l);
    let _ = writeln!(md, "\n## Summary\n");
    let _ = writeln!(
        md,
        "{}. Declared {} at {}; status {}. _(What happened and why, in two or three sentences.)_",
        i.title.trim_end_matches('.'),
        name(i.severity),
        utc(i.declared_at),
        i.status.label()
    );
    // what the responders pinned stays at the top of the draft
    for e in &i.entries {
        if let What::Pin { text } = &e.what {
            let _ = writeln!(md, "\n> **Pinned ({}):** {text}", e.at.strftime("%H:%M"));
        }
    }
    let _ = writeln!(md, "\n## Impact\n");
    let until = i
        .resolved_at
        .map(|r| format!("to {} ({})", utc(r), span(i.impact_start, r)))
        .unwrap_or_else(|| "and still open".into());
    let _ = writeln!(md, "- From {} {until}", utc(i.impact_start));
    let levels: Vec<String> = i
        .entries
        .iter()
        .filter_map(|e| match &e.what {
            What::Severity { severity } | What::Declared { severity, .. } => {
                Some(format!("{} at {}", name(*severity), e.at.strftime("%H:%M")))
            }
            _ => None,
        })
        .collect();
    let _ = writeln!(md, "- Severity: {}", levels.join(" → "));
    let breaches: Vec<&str> = i
        .entries
        .iter()
        .filter_map(|e| match &e.what {
            What::Timeline {
                source,
                bad: true,
                text,
            } if source == "kpi" => Some(text.as_str()),
            _ => None,
        })
        .collect();
    if breaches.is_empty() {
        let _ = writeln!(md, "- No KPI breach recorded while the incident was open");
    }
    for b in breaches {
        let _ = writeln!(md, "- {b}");
    }
}

fn timeline(md: &mut String, i: &Incident, severities: &Severities) {
    let _ = writeln!(md, "\n## Timeline\n");
    let _ = writeln!(md, "| time (UTC) | what |\n|---|---|");
    let mut by_time: Vec<_> = i.entries.iter().collect();
    by_time.sort_by_key(|e| e.at);
    for e in by_time {
        let text = e
            .describe(|l| severities.name(l))
            .replace('|', "\\|")
            .replace('\n', " ");
        let _ = writeln!(md, "| {} | {text} |", e.at.strftime("%Y-%m-%d %H:%M:%S"));
    }
}

fn actions(md: &mut String, i: &Incident, severities: &Severities) {
    let _ = writeln!(md, "\n## Actions\n");
    let mut any = false;
    for e in &i.entries {
        let line = match &e.what {
            What::Timeline { source, text, .. }
                if matches!(source.as_str(), "action" | "result" | "refused") =>
            {
                Some(text.clone())
            }
            What::Status { status } => Some(format!("status → {}", status.label())),
            What::Severity { severity } => {
                Some(format!("severity → {}", severities.name(*severity)))
            }
            What::Role { role, who } => Some(format!("{role}: {who}")),
            What::UpdateSent { template, .. } => Some(format!("{template} sent")),
            _ => None,
        };
        if let Some(line) = line {
            any = true;
            let _ = writeln!(md, "- {} {line}", e.at.strftime("%H:%M:%S"));
        }
    }
    if !any {
        let _ = writeln!(md, "- none recorded");
    }
}

fn follow_ups(md: &mut String, i: &Incident) {
    let _ = writeln!(md, "\n## Open follow-ups\n");
    for e in &i.entries {
        if let What::Note { text } = &e.what {
            if let Some(todo) = follow_up(text) {
                let _ = writeln!(md, "- [ ] {todo}");
            }
        }
    }
    for (clock, due) in &i.overdue {
        let _ = writeln!(
            md,
            "- [ ] Review why the {} clock ran out (due {})",
            clock.label(),
            due.strftime("%H:%M:%S")
        );
    }
    if i.status != Status::Resolved {
        let _ = writeln!(md, "- [ ] Resolve the incident");
    }
    let _ = writeln!(md, "- [ ] Root cause and contributing factors");
    let _ = writeln!(md, "- [ ] Preventive actions, each with an owner");
}

/// The incident as it folds, and every entry of its journal.
pub fn json(incident: &Incident, severities: &Severities) -> serde_json::Value {
    json!({
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "severity_name": severities.name(incident.severity),
        "status": incident.status,
        "declared_at": incident.declared_at,
        "impact_start": incident.impact_start,
        "resolved_at": incident.resolved_at,
        "roles": incident.roles,
        "entries": incident.entries,
    })
}
