//! [`KpiBoard`]: every KPI's live state and history. Pure: no I/O, no clock reads; time
//! arrives with each message and with `tick`.

use jiff::{SignedDuration, Timestamp};

use super::defs::KpiDef;
use super::history::{History, Point};
use super::value::{classify, format_value};
use super::{FiringAlert, KpiMsg, KpiState, KpiTransition};

/// 24 h at a 15 s step.
pub const DEFAULT_HISTORY: usize = 24 * 60 * 4;
/// A KPI without a good sample for this long turns stale.
pub const DEFAULT_STALE_AFTER: SignedDuration = SignedDuration::from_secs(60);

/// One KPI on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiEntry {
    pub def: KpiDef,
    pub state: KpiState,
    /// The last value received (NaN kept as is), and when.
    pub value: Option<f64>,
    /// When the last good sample (a value that could be judged) arrived.
    pub last_good: Option<Timestamp>,
    /// Why the KPI is in error or stale, in one line.
    pub error: Option<String>,
    pub history: History,
}

impl KpiEntry {
    fn new(def: KpiDef, history: usize) -> Self {
        KpiEntry {
            def,
            state: KpiState::Stale,
            value: None,
            last_good: None,
            error: Some("waiting for the first sample".into()),
            history: History::new(history),
        }
    }

    /// The value with its unit, or "—".
    pub fn value_text(&self) -> String {
        self.value
            .map(|v| format_value(self.def.unit, v))
            .unwrap_or_else(|| "—".into())
    }
}

/// All KPIs' live state.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiBoard {
    entries: Vec<KpiEntry>,
    /// Alerts Prometheus has firing or pending.
    pub alerts: Vec<FiringAlert>,
    /// Why the alerts could not be read, if the last attempt failed.
    pub alerts_error: Option<String>,
    /// Alerts the console itself raises (a backup stale or failing), by what raised them;
    /// shown in the alert list beside Prometheus' own, which each poll replaces.
    pub console_alerts: std::collections::BTreeMap<String, FiringAlert>,
    stale_after: SignedDuration,
}

impl Default for KpiBoard {
    /// An empty board (no KPIs) with the default limits.
    fn default() -> Self {
        KpiBoard::new(Vec::new())
    }
}

impl KpiBoard {
    /// A board for `defs`, keeping 24 h at a 15 s step of history per KPI.
    pub fn new(defs: Vec<KpiDef>) -> Self {
        Self::with_limits(defs, DEFAULT_HISTORY, DEFAULT_STALE_AFTER)
    }

    pub fn with_limits(defs: Vec<KpiDef>, history: usize, stale_after: SignedDuration) -> Self {
        KpiBoard {
            entries: defs
                .into_iter()
                .map(|d| KpiEntry::new(d, history))
                .collect(),
            alerts: Vec::new(),
            alerts_error: None,
            console_alerts: Default::default(),
            stale_after,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[KpiEntry] {
        &self.entries
    }

    pub fn get(&self, id: &str) -> Option<&KpiEntry> {
        self.entries.iter().find(|e| e.def.id == id)
    }

    /// Bytes the histories hold on the heap.
    pub fn history_bytes(&self) -> usize {
        self.entries.iter().map(|e| e.history.heap_bytes()).sum()
    }

    /// Takes a poller message; returns the KPIs whose state changed.
    pub fn apply(&mut self, msg: KpiMsg, now: Timestamp) -> Vec<KpiTransition> {
        match msg {
            KpiMsg::Backfill { id, points } => {
                if let Some(e) = self.entry_mut(&id) {
                    let pts = points
                        .iter()
                        .filter(|(_, v)| !v.is_nan())
                        .map(|&(t, v)| Point::new(t, v))
                        .collect();
                    e.history.replace(pts);
                }
                Vec::new()
            }
            KpiMsg::Sample { id, value, at } => {
                let Some(e) = self.entry_mut(&id) else {
                    return Vec::new();
                };
                let next = match value {
                    Some(v) => {
                        e.value = Some(v);
                        match classify(&e.def, v) {
                            Some(s) => {
                                e.last_good = Some(at);
                                e.error = None;
                                e.history.push(Point::new(at, v));
                                s
                            }
                            None => {
                                e.error = Some("the query returned NaN (no traffic?)".into());
                                KpiState::Stale
                            }
                        }
                    }
                    None => {
                        e.error = Some("no data (empty result)".into());
                        KpiState::Stale
                    }
                };
                set_state(e, next, now).into_iter().collect()
            }
            KpiMsg::Failed { id, error, .. } => {
                let Some(e) = self.entry_mut(&id) else {
                    return Vec::new();
                };
                e.error = Some(one_line(&error));
                set_state(e, KpiState::Error, now).into_iter().collect()
            }
            KpiMsg::Alerts { alerts, .. } => {
                self.alerts = alerts;
                self.alerts_error = None;
                Vec::new()
            }
            KpiMsg::AlertsFailed { error, .. } => {
                self.alerts_error = Some(one_line(&error));
                Vec::new()
            }
        }
    }

    /// The 1 Hz clock: samples age into stale; returns the KPIs whose state changed.
    pub fn tick(&mut self, now: Timestamp) -> Vec<KpiTransition> {
        let stale_after = self.stale_after;
        let mut out = Vec::new();
        for e in &mut self.entries {
            let fresh = e
                .last_good
                .is_some_and(|t| now.duration_since(t) <= stale_after);
            if matches!(e.state, KpiState::Ok | KpiState::Warn | KpiState::Alert) && !fresh {
                e.error = Some(format!("no sample for over {}s", stale_after.as_secs()));
                out.extend(set_state(e, KpiState::Stale, now));
            }
        }
        out
    }

    fn entry_mut(&mut self, id: &str) -> Option<&mut KpiEntry> {
        self.entries.iter_mut().find(|e| e.def.id == id)
    }
}

fn set_state(e: &mut KpiEntry, to: KpiState, at: Timestamp) -> Option<KpiTransition> {
    let from = e.state;
    e.state = to;
    (from != to).then(|| KpiTransition {
        id: e.def.id.clone(),
        title: e.def.title.clone(),
        from,
        to,
        value: e.value_text(),
        at,
    })
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::defs::builtin;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn sample(id: &str, v: f64, at: i64) -> KpiMsg {
        KpiMsg::Sample {
            id: id.into(),
            value: Some(v),
            at: t(at),
        }
    }

    #[test]
    fn crossing_into_and_out_of_alert_is_reported() {
        let mut b = KpiBoard::new(builtin());
        assert_eq!(b.get("error_rate").unwrap().state, KpiState::Stale);
        let tr = b.apply(sample("error_rate", 0.05, 0), t(0));
        assert_eq!(tr.len(), 1);
        assert_eq!((tr[0].from, tr[0].to), (KpiState::Stale, KpiState::Ok));
        assert!(!tr[0].is_alert_crossing());
        assert!(b.apply(sample("error_rate", 0.06, 1), t(1)).is_empty());
        let tr = b.apply(sample("error_rate", 2.34, 2), t(2));
        assert_eq!((tr[0].from, tr[0].to), (KpiState::Ok, KpiState::Alert));
        assert_eq!(tr[0].value, "2.3 %");
        assert_eq!(tr[0].title, "Error rate (5xx)");
        assert!(tr[0].is_alert_crossing());
        let tr = b.apply(sample("error_rate", 0.5, 3), t(3));
        assert_eq!((tr[0].from, tr[0].to), (KpiState::Alert, KpiState::Warn));
        assert!(tr[0].is_alert_crossing());
        assert_eq!(b.get("error_rate").unwrap().history.len(), 4);
    }

    #[test]
    fn failure_keeps_last_value_and_recovers() {
        let mut b = KpiBoard::new(builtin());
        b.apply(sample("p95_latency", 0.3, 0), t(0));
        let tr = b.apply(
            KpiMsg::Failed {
                id: "p95_latency".into(),
                error: "connection refused\nmore".into(),
                at: t(5),
            },
            t(5),
        );
        assert_eq!((tr[0].from, tr[0].to), (KpiState::Ok, KpiState::Error));
        let e = b.get("p95_latency").unwrap();
        assert_eq!(e.value, Some(0.3));
        assert_eq!(e.error.as_deref(), Some("connection refused"));
        assert_eq!(e.last_good, Some(t(0)));
        let tr = b.apply(sample("p95_latency", 0.31, 9), t(9));
        assert_eq!((tr[0].from, tr[0].to), (KpiState::Error, KpiState::Ok));
        assert_eq!(b.get("p95_latency").unwrap().error, None);
    }

    #[test]
    fn tick_turns_old_samples_stale_but_not_fresh_ones() {
        let mut b = KpiBoard::with_limits(builtin(), 10, SignedDuration::from_secs(30));
        b.apply(sample("throughput", 1500.0, 0), t(0));
        assert!(b.tick(t(30)).is_empty());
        let tr = b.tick(t(31));
        assert_eq!(tr.len(), 1);
        assert_eq!(
            (tr[0].id.as_str(), tr[0].to),
            ("throughput", KpiState::Stale)
        );
        assert!(b.tick(t(40)).is_empty(), "stale is reported once");
        let e = b.get("throughput").unwrap();
        assert_eq!(e.value, Some(1500.0));
        assert!(e.error.as_deref().unwrap().contains("30s"));
    }

    #[test]
    fn no_data_and_nan_are_stale_with_reason() {
        let mut b = KpiBoard::new(builtin());
        b.apply(
            KpiMsg::Sample {
                id: "cpu".into(),
                value: None,
                at: t(0),
            },
            t(0),
        );
        let e = b.get("cpu").unwrap();
        assert_eq!(e.state, KpiState::Stale);
        assert!(e.error.as_deref().unwrap().starts_with("no data"));
        b.apply(sample("cpu", f64::NAN, 1), t(1));
        let e = b.get("cpu").unwrap();
        assert_eq!(e.state, KpiState::Stale);
        assert!(e.history.is_empty());
        assert!(e.last_good.is_none());
    }

    #[test]
    fn history_is_bounded_and_backfill_replaces_it() {
        let mut b = KpiBoard::with_limits(builtin(), 5, DEFAULT_STALE_AFTER);
        let points = (0..20).map(|i| (t(i * 15), i as f64)).collect();
        b.apply(
            KpiMsg::Backfill {
                id: "throughput".into(),
                points,
            },
            t(300),
        );
        for i in 20..40 {
            b.apply(sample("throughput", i as f64, i * 15), t(i * 15));
        }
        let h = &b.get("throughput").unwrap().history;
        assert_eq!(h.len(), 5);
        assert_eq!(h.iter().last().unwrap().value, 39.0);
    }

    #[test]
    fn alerts_are_kept_and_errors_shown() {
        let mut b = KpiBoard::new(builtin());
        let alert = FiringAlert {
            name: "KubeChatHighErrorRate".into(),
            state: crate::kpi::AlertState::Firing,
            severity: Some("warning".into()),
            summary: None,
            active_at: Some(t(0)),
            labels: Default::default(),
        };
        b.apply(
            KpiMsg::Alerts {
                alerts: vec![alert.clone()],
                at: t(1),
            },
            t(1),
        );
        assert_eq!(b.alerts, vec![alert]);
        b.apply(
            KpiMsg::AlertsFailed {
                error: "timeout".into(),
                at: t(2),
            },
            t(2),
        );
        assert_eq!(b.alerts_error.as_deref(), Some("timeout"));
        assert_eq!(b.alerts.len(), 1, "last known alerts are kept");
    }

    #[test]
    fn unknown_ids_are_ignored() {
        let mut b = KpiBoard::new(builtin());
        let before = b.clone();
        assert!(b.apply(sample("nope", 1.0, 0), t(0)).is_empty());
        assert_eq!(b, before);
    }
}
