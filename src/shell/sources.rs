//! Health of each data source (Kubernetes, Prometheus): connected or not, when good data
//! last arrived, the last error.

use jiff::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Nothing heard yet.
    Unknown,
    Connected,
    Disconnected,
    /// Not configured (no Prometheus given).
    Off,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceHealth {
    pub health: Health,
    pub last_ok: Option<Timestamp>,
    pub last_error: Option<String>,
    /// Data arrived before the clock's first tick; stamp it on that tick.
    pending_ok: bool,
    /// When it last came back after a loss.
    last_recovered: Option<Timestamp>,
    /// Losses in a row, each within [`FLAP_WINDOW_SECS`] of the recovery before it.
    pub flaps: u32,
}

/// A source lost again within this many seconds of coming back is flapping: its losses
/// are counted on one timeline entry instead of a disconnected/reconnected pair each.
pub const FLAP_WINDOW_SECS: i64 = 60;

/// What a source report changed, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceTransition {
    Lost(String),
    Recovered,
}

impl SourceHealth {
    pub fn new(configured: bool) -> Self {
        SourceHealth {
            health: if configured {
                Health::Unknown
            } else {
                Health::Off
            },
            last_ok: None,
            last_error: None,
            pending_ok: false,
            last_recovered: None,
            flaps: 0,
        }
    }

    /// Good data arrived at `now` (None before the first tick).
    pub fn ok(&mut self, now: Option<Timestamp>) -> Option<SourceTransition> {
        let was = self.health;
        self.health = Health::Connected;
        match now {
            Some(t) => self.last_ok = Some(t),
            None => self.pending_ok = true,
        }
        if was != Health::Disconnected {
            return None;
        }
        self.last_recovered = now;
        Some(SourceTransition::Recovered)
    }

    /// The source failed at `now`; a loss soon after a recovery counts as a flap.
    pub fn failed(&mut self, error: String, now: Timestamp) -> Option<SourceTransition> {
        let was = self.health;
        self.health = Health::Disconnected;
        self.last_error = Some(error.clone());
        if was == Health::Disconnected {
            return None;
        }
        let soon = self
            .last_recovered
            .is_some_and(|t| now.as_second() - t.as_second() <= FLAP_WINDOW_SECS);
        self.flaps = if soon { self.flaps + 1 } else { 1 };
        Some(SourceTransition::Lost(error))
    }

    /// Flapping: lost more than once, each time soon after coming back.
    pub fn flapping(&self) -> bool {
        self.flaps > 1
    }

    pub fn tick(&mut self, now: Timestamp) {
        if self.pending_ok {
            self.pending_ok = false;
            self.last_ok = Some(now);
        }
    }

    /// Seconds since good data, if any came.
    pub fn age_secs(&self, now: Timestamp) -> Option<i64> {
        self.last_ok
            .map(|t| (now.as_second() - t.as_second()).max(0))
    }
}
