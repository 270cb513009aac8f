//! KPIs as shared data: their definitions, live state and history.
//!
//! - [`defs`]: the KPIs as data (`assets/kpis.yaml`, or a user file), from `kubechat_spec`
//! - [`value`]: classification against thresholds, values with units (the part the
//!   simulator shares is in `kubechat_spec`)
//! - [`board`]: [`KpiBoard`], the pure live state with bounded history
//!
//! Shared data like the cluster's: the KPIs pane draws it (`panes::kpis`), the rollouts
//! pane's guided switch watches it, `commands::check` judges it.

pub mod board;
pub mod history;
pub mod value;

use jiff::Timestamp;

pub use board::{KpiBoard, KpiEntry};
pub use defs::KpiDef;
// The KPI file format and how a KPI stands: shared with the simulator (kubechat_spec).
pub use kubechat_spec::kpi::{defs, KpiState};

/// A sample, an error or the firing alerts from the Prometheus poller (built by `io::prom`).
#[derive(Debug, Clone, PartialEq)]
pub enum KpiMsg {
    /// History from a range query at start (oldest first); replaces what the board has.
    Backfill {
        id: String,
        points: Vec<(Timestamp, f64)>,
    },
    /// The KPI's current value; `None` when the query returned no series (no data).
    Sample {
        id: String,
        value: Option<f64>,
        at: Timestamp,
    },
    /// The KPI's query failed; the error in one line.
    Failed {
        id: String,
        error: String,
        at: Timestamp,
    },
    /// The alerts Prometheus has firing or pending now.
    Alerts {
        alerts: Vec<FiringAlert>,
        at: Timestamp,
    },
    /// `/api/v1/alerts` failed.
    AlertsFailed { error: String, at: Timestamp },
}

/// One alert from Prometheus' `/api/v1/alerts`.
#[derive(Debug, Clone, PartialEq)]
pub struct FiringAlert {
    /// The `alertname` label, which also names its runbook.
    pub name: String,
    pub state: AlertState,
    pub severity: Option<String>,
    /// The `summary` (or `description`) annotation.
    pub summary: Option<String>,
    pub active_at: Option<Timestamp>,
    /// Its other labels (`pod`, `namespace`, `deployment`, …): they fill the same-named
    /// placeholders of its runbook.
    pub labels: std::collections::BTreeMap<String, String>,
}

/// Where an alert is in Prometheus' life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Firing,
    Pending,
    /// Anything else Prometheus may say ("inactive").
    Inactive,
}

impl AlertState {
    pub fn parse(text: &str) -> AlertState {
        match text {
            "firing" => AlertState::Firing,
            "pending" => AlertState::Pending,
            _ => AlertState::Inactive,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Firing => "firing",
            AlertState::Pending => "pending",
            AlertState::Inactive => "inactive",
        }
    }
}

/// A KPI that changed state (for the timeline): crossing into or recovering from alert.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiTransition {
    pub id: String,
    pub title: String,
    pub from: KpiState,
    pub to: KpiState,
    /// The value with its unit, as shown ("2.3 %").
    pub value: String,
    pub at: Timestamp,
}

impl KpiTransition {
    /// True when the KPI crossed into alert or recovered from it (what the timeline records).
    pub fn is_alert_crossing(&self) -> bool {
        (self.to == KpiState::Alert) != (self.from == KpiState::Alert)
    }
}
