//! Incidents as shared data: severity levels (`severity`), the journal entry (`entry`),
//! the incident as a pure fold of its entries (here), its clocks (`clocks`), the severity a
//! declaration is offered from live facts (`suggest`), the postmortem draft (`export`) and
//! the communication templates (`template`).
//!
//! Shared like `kpi/` and `cluster/`: the Incidents pane, the status bar and the headless
//! `incident` commands all read it. Pure: the journal files are `io::incident_journal`'s.

pub mod checklist;
pub mod clocks;
pub mod entry;
pub mod export;
pub mod severity;
pub mod suggest;
pub mod template;

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

pub use entry::{incident_id, valid_id, ClockKind, Entry, EntryIds, Status, What};
pub use severity::{Severities, SeverityDef};

/// An incident: what its journal's entries say, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub severity: u8,
    pub status: Status,
    pub declared_at: Timestamp,
    /// When users were first hurt: the declaration unless an entry said earlier.
    pub impact_start: Timestamp,
    /// Role → who, in role order.
    pub roles: BTreeMap<String, String>,
    /// The first thing a person did after declaring (a status, a note, a role, an update).
    pub responded_at: Option<Timestamp>,
    /// When it first reached MONITORING (the impact mitigated): stops the escalation clock.
    pub mitigated_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// The last communication sent.
    pub last_update: Option<Timestamp>,
    /// Clocks already recorded overdue, by clock and the time it was due.
    pub overdue: BTreeSet<(ClockKind, Timestamp)>,
    /// The initial-response checklist's steps done.
    pub checked: Vec<u8>,
    pub entries: Vec<Entry>,
}

impl Incident {
    /// Folds a journal. A journal without a declaration is not an incident (None). The
    /// entries are taken in order around the first declaration (a merged journal, sorted by
    /// time, may hold timeline items from before it); later declarations change nothing.
    pub fn fold(entries: &[Entry]) -> Option<Incident> {
        let at = entries
            .iter()
            .position(|e| matches!(e.what, What::Declared { .. }))?;
        let mut incident = Incident::declared(&entries[at])?;
        incident.entries.clear();
        for (i, e) in entries.iter().enumerate() {
            if i == at {
                incident.entries.push(e.clone());
            } else {
                incident.apply(e.clone());
            }
        }
        Some(incident)
    }

    /// A new incident from its declaration entry.
    pub fn declared(entry: &Entry) -> Option<Incident> {
        let What::Declared {
            incident,
            title,
            severity,
        } = &entry.what
        else {
            return None;
        };
        Some(Incident {
            id: incident.clone(),
            title: title.clone(),
            severity: *severity,
            status: Status::Investigating,
            declared_at: entry.at,
            impact_start: entry.at,
            roles: BTreeMap::new(),
            responded_at: None,
            mitigated_at: None,
            resolved_at: None,
            last_update: None,
            overdue: BTreeSet::new(),
            checked: Vec::new(),
            entries: vec![entry.clone()],
        })
    }

    /// Takes one more entry.
    pub fn apply(&mut self, e: Entry) {
        let by_a_person = e.what.by_people() && !matches!(e.what, What::Declared { .. });
        if by_a_person && self.responded_at.is_none() {
            self.responded_at = Some(e.at);
        }
        match &e.what {
            What::Declared { .. }
            | What::Note { .. }
            | What::Timeline { .. }
            | What::Pin { .. } => {}
            What::Status { status } => {
                self.status = *status;
                if *status >= Status::Monitoring && self.mitigated_at.is_none() {
                    self.mitigated_at = Some(e.at);
                }
                self.resolved_at = (*status == Status::Resolved).then_some(e.at);
            }
            What::Severity { severity } => self.severity = *severity,
            What::Role { role, who } => {
                self.roles.insert(role.clone(), who.clone());
            }
            What::ImpactStart { since } => self.impact_start = *since,
            What::UpdateSent { .. } => self.last_update = Some(e.at),
            What::Overdue { clock, due } => {
                self.overdue.insert((*clock, *due));
            }
            What::Checked { step } => {
                if !self.checked.contains(step) {
                    self.checked.push(*step);
                }
            }
        }
        self.entries.push(e);
    }

    pub fn is_open(&self) -> bool {
        self.status != Status::Resolved
    }
}

/// Open incidents first, newest first within each group.
pub fn list_order(a: &Incident, b: &Incident) -> std::cmp::Ordering {
    b.is_open()
        .cmp(&a.is_open())
        .then(b.declared_at.cmp(&a.declared_at))
        .then(a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests;
