//! An incident's clocks against its severity, as pure functions of the incident and `now`
//! (the last `Tick`): response due, escalation due, next update due.
//!
//! - response: from the declaration, met by the first thing a person does after it (a
//!   status, a note, a role, an update sent);
//! - escalation: from the declaration, met when the incident first reaches MONITORING;
//! - next update: from the declaration or the last update sent, every `update_every`;
//!
//! all stop when the incident is resolved. A clock is amber in its last quarter (and at
//! most its last 10 minutes), red once overdue.

use jiff::{SignedDuration, Timestamp};

use super::{ClockKind, Incident, Severities};

/// How a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Done in time or late, at this time.
    Met(Timestamp),
    /// Time left, plenty of it.
    Running { left: SignedDuration },
    /// Time left, not much (amber).
    Soon { left: SignedDuration },
    /// Past due by this much (red).
    Overdue { by: SignedDuration },
    /// The incident is resolved.
    Stopped,
}

/// The urgency a clock is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    Calm,
    Amber,
    Red,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub kind: ClockKind,
    pub due: Timestamp,
    pub state: ClockState,
}

impl Clock {
    pub fn urgency(&self) -> Urgency {
        match self.state {
            ClockState::Overdue { .. } => Urgency::Red,
            ClockState::Soon { .. } => Urgency::Amber,
            ClockState::Met(_) | ClockState::Running { .. } | ClockState::Stopped => Urgency::Calm,
        }
    }

    /// "response due in 4m12s", "next update OVERDUE 2m", "escalation met".
    pub fn text(&self) -> String {
        let name = self.kind.label();
        match self.state {
            ClockState::Met(_) => format!("{name} met"),
            ClockState::Running { left } | ClockState::Soon { left } => {
                format!("{name} in {}", crate::text::countdown(left.as_secs()))
            }
            ClockState::Overdue { by } => {
                format!("{name} OVERDUE {}", crate::text::countdown(by.as_secs()))
            }
            ClockState::Stopped => format!("{name} –"),
        }
    }

    /// Still counting (not met, not stopped).
    pub fn running(&self) -> bool {
        matches!(
            self.state,
            ClockState::Running { .. } | ClockState::Soon { .. } | ClockState::Overdue { .. }
        )
    }
}

/// The amber band of a clock of `period`: its last quarter, at most 10 minutes.
pub fn amber_band(period: SignedDuration) -> SignedDuration {
    (period / 4).min(SignedDuration::from_mins(10))
}

/// One clock that started at `start`, runs for `period`, and was met at `met` (if it was).
pub fn clock(
    kind: ClockKind,
    start: Timestamp,
    period: SignedDuration,
    met: Option<Timestamp>,
    now: Timestamp,
) -> Clock {
    let due = start.saturating_add(period).unwrap_or(start);
    let state = match met {
        Some(at) => ClockState::Met(at),
        None => {
            let left = now.duration_until(due);
            if left.is_negative() || left.is_zero() {
                ClockState::Overdue { by: -left }
            } else if left <= amber_band(period) {
                ClockState::Soon { left }
            } else {
                ClockState::Running { left }
            }
        }
    };
    Clock { kind, due, state }
}

/// The incident's three clocks at `now`: response, escalation, next update.
pub fn clocks(incident: &Incident, severities: &Severities, now: Timestamp) -> [Clock; 3] {
    let minute = SignedDuration::from_mins(1);
    let (respond, escalate, every) = severities
        .get(incident.severity)
        .map(|d| (d.respond_within, d.escalate_within, d.update_every))
        .unwrap_or((minute * 15, minute * 30, minute * 30));
    let declared = incident.declared_at;
    let mut out = [
        clock(
            ClockKind::Response,
            declared,
            respond,
            incident.responded_at,
            now,
        ),
        clock(
            ClockKind::Escalation,
            declared,
            escalate,
            incident.mitigated_at,
            now,
        ),
        clock(
            ClockKind::Update,
            incident.last_update.unwrap_or(declared),
            every,
            None,
            now,
        ),
    ];
    if !incident.is_open() {
        for c in &mut out {
            if !matches!(c.state, ClockState::Met(_)) {
                c.state = ClockState::Stopped;
            }
        }
    }
    out
}

/// The clock that matters most now: the most urgent running one, the soonest due first.
pub fn most_urgent(clocks: &[Clock]) -> Option<Clock> {
    clocks
        .iter()
        .filter(|c| c.running())
        .max_by(|a, b| a.urgency().cmp(&b.urgency()).then(b.due.cmp(&a.due)))
        .copied()
}

/// Clocks overdue now that the journal has not recorded yet.
pub fn newly_overdue(incident: &Incident, severities: &Severities, now: Timestamp) -> Vec<Clock> {
    clocks(incident, severities, now)
        .into_iter()
        .filter(|c| matches!(c.state, ClockState::Overdue { .. }))
        .filter(|c| !incident.overdue.contains(&(c.kind, c.due)))
        .collect()
}
