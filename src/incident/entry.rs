//! One journal entry: one JSON line of `incidents/<id>.jsonl`. The journal is append-only;
//! an incident is whatever its entries fold to (`Incident::fold`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where an incident stands, in the order it moves through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Investigating,
    Mitigating,
    Monitoring,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Investigating,
        Status::Mitigating,
        Status::Monitoring,
        Status::Resolved,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::Investigating => "INVESTIGATING",
            Status::Mitigating => "MITIGATING",
            Status::Monitoring => "MONITORING",
            Status::Resolved => "RESOLVED",
        }
    }

    /// The next status (None once resolved).
    pub fn next(self) -> Option<Status> {
        match self {
            Status::Investigating => Some(Status::Mitigating),
            Status::Mitigating => Some(Status::Monitoring),
            Status::Monitoring => Some(Status::Resolved),
            Status::Resolved => None,
        }
    }

    /// "mitigating", "MONITORING", "Resolved".
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|s| s.label().eq_ignore_ascii_case(text.trim()))
    }
}

/// The clocks an incident runs against its severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Response,
    Escalation,
    Update,
}

impl ClockKind {
    pub const ALL: [ClockKind; 3] = [
        ClockKind::Response,
        ClockKind::Escalation,
        ClockKind::Update,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ClockKind::Response => "response",
            ClockKind::Escalation => "escalation",
            ClockKind::Update => "next update",
        }
    }
}

/// What an entry records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// The first entry of every journal.
    Declared {
        incident: String,
        title: String,
        severity: u8,
    },
    Status {
        status: Status,
    },
    Severity {
        severity: u8,
    },
    Note {
        text: String,
    },
    /// "commander" → "alice".
    Role {
        role: String,
        who: String,
    },
    /// When the users were first hurt (may be before the declaration).
    ImpactStart {
        since: Timestamp,
    },
    /// Something the shared timeline recorded while the incident was open (`at` is when it
    /// happened): an alert, a KPI breach, a rollout change, an action and its result.
    Timeline {
        source: String,
        bad: bool,
        text: String,
    },
    /// A communication sent (the filled template), which resets the update clock.
    UpdateSent {
        template: String,
        text: String,
    },
    /// A clock ran out (recorded once per clock and due time).
    Overdue {
        clock: ClockKind,
        due: Timestamp,
    },
    /// A step of the initial-response checklist done.
    Checked {
        step: u8,
    },
    /// A line pinned to the top of the incident.
    Pin {
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub at: Timestamp,
    /// Unique: who wrote it and a number ("console-4242-1764-7", "cli-977-1").
    pub id: String,
    #[serde(flatten)]
    pub what: What,
}

impl What {
    /// Written by a person (or the console for them), not copied from the timeline nor
    /// recorded by a clock: what team mode shares.
    pub fn by_people(&self) -> bool {
        match self {
            What::Declared { .. }
            | What::Status { .. }
            | What::Severity { .. }
            | What::Note { .. }
            | What::Role { .. }
            | What::ImpactStart { .. }
            | What::UpdateSent { .. }
            | What::Checked { .. }
            | What::Pin { .. } => true,
            What::Timeline { .. } | What::Overdue { .. } => false,
        }
    }
}

impl Entry {
    /// One JSON line, without its newline.
    pub fn to_line(&self) -> String {
        // an Entry holds only strings, numbers, booleans and timestamps: it always serialises
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_line(line: &str) -> Result<Entry, String> {
        serde_json::from_str(line).map_err(|e| e.to_string())
    }

    /// One line for people: "status MITIGATING", "note: restarted the pods".
    pub fn describe(&self, severity_name: impl Fn(u8) -> String) -> String {
        match &self.what {
            What::Declared {
                title, severity, ..
            } => format!("declared {}: {title}", severity_name(*severity)),
            What::Status { status } => format!("status {}", status.label()),
            What::Severity { severity } => format!("severity {}", severity_name(*severity)),
            What::Note { text } => format!("note: {text}"),
            What::Role { role, who } => format!("{role}: {who}"),
            What::ImpactStart { since } => {
                format!("impact started {}", since.strftime("%Y-%m-%d %H:%M:%S UTC"))
            }
            What::Timeline { source, text, .. } => format!("[{source}] {text}"),
            What::UpdateSent { template, .. } => format!("{template} sent"),
            What::Overdue { clock, .. } => format!("{} OVERDUE", clock.label()),
            What::Checked { step } => format!("initial response step {step} done"),
            What::Pin { text } => format!("pinned: {text}"),
        }
    }
}

/// Makes entry ids: an origin unique to this process and a counter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryIds {
    pub origin: String,
    next: u64,
}

impl EntryIds {
    pub fn new(origin: impl Into<String>) -> EntryIds {
        EntryIds {
            origin: origin.into(),
            next: 1,
        }
    }

    pub fn entry(&mut self, at: Timestamp, what: What) -> Entry {
        let n = self.next.max(1);
        self.next = n + 1;
        Entry {
            at,
            id: format!("{}-{n}", self.origin),
            what,
        }
    }
}

/// An incident's id from its declaration time: "inc-20261128-151000".
pub fn incident_id(at: Timestamp) -> String {
    format!("inc-{}", at.strftime("%Y%m%d-%H%M%S"))
}

/// True for ids a journal file may be named after (no path separators, no dots first).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}
