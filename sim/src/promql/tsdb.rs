//! The simulator's recent samples: every traffic series, one sample per recording (every
//! second of sim time), kept for a bounded window.

use std::collections::{BTreeMap, VecDeque};
use std::sync::RwLock;

use jiff::{SignedDuration, Timestamp};
use promql_parser::label::{MatchOp, Matcher};

use crate::traffic::Series;

/// Labels sorted by name, `__name__` included.
pub type Labels = Vec<(String, String)>;

/// How long samples are kept (sim time).
pub const DEFAULT_RETENTION: SignedDuration = SignedDuration::from_mins(30);
/// At most this many series are kept; new ones beyond it are dropped.
pub const MAX_SERIES: usize = 50_000;

/// The metric name label.
pub const NAME: &str = "__name__";

/// Prometheus' staleness marker: a series missing from a scrape ends here.
const STALE_BITS: u64 = 0x7ff0_0000_0000_0002;

fn is_stale(v: f64) -> bool {
    v.to_bits() == STALE_BITS
}

#[derive(Debug)]
struct Inner {
    series: BTreeMap<Labels, VecDeque<(i64, f64)>>,
    retention_ms: i64,
    latest_ms: Option<i64>,
}

impl Inner {
    fn record(&mut self, ms: i64, series: &[Series]) {
        let mut seen = std::collections::BTreeSet::new();
        for s in series {
            let labels = labels_of(s);
            seen.insert(labels.clone());
            let full = self.series.len() >= MAX_SERIES;
            let samples = match self.series.get_mut(&labels) {
                Some(v) => v,
                None if full => continue,
                None => self.series.entry(labels).or_default(),
            };
            match samples.back() {
                Some(&(t, _)) if t >= ms => {}
                _ => samples.push_back((ms, s.value)),
            }
        }
        // series gone from this snapshot get a staleness marker, as Prometheus writes one
        // for series missing from a scrape
        for (labels, samples) in self.series.iter_mut() {
            if !seen.contains(labels) {
                if let Some(&(t, v)) = samples.back() {
                    if t < ms && !is_stale(v) {
                        samples.push_back((ms, f64::from_bits(STALE_BITS)));
                    }
                }
            }
        }
        let cutoff = ms - self.retention_ms;
        self.series.retain(|_, v| {
            while v.front().is_some_and(|&(t, _)| t < cutoff) {
                v.pop_front();
            }
            !v.is_empty()
        });
        self.latest_ms = Some(self.latest_ms.map_or(ms, |l| l.max(ms)));
    }
}

/// Recent samples, shared by the recorder (writes) and the query API (reads).
#[derive(Debug)]
pub struct Tsdb {
    inner: RwLock<Inner>,
}

impl Default for Tsdb {
    fn default() -> Self {
        Tsdb::with_retention(DEFAULT_RETENTION)
    }
}

/// One series' samples in a window, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub labels: Labels,
    /// The samples (staleness markers left out).
    pub samples: Vec<(i64, f64)>,
    /// The series disappeared: the window ends with a staleness marker.
    pub ends_stale: bool,
}

impl Tsdb {
    pub fn with_retention(retention: SignedDuration) -> Self {
        Tsdb {
            inner: RwLock::new(Inner {
                series: BTreeMap::new(),
                retention_ms: retention.as_millis().max(1) as i64,
                latest_ms: None,
            }),
        }
    }

    /// Records a snapshot of every series at `at`; forgets what is older than the retention.
    pub fn record(&self, at: Timestamp, series: &[Series]) {
        if let Ok(mut inner) = self.inner.write() {
            inner.record(at.as_millisecond(), series);
        }
    }

    /// Records snapshots (oldest first) at once: a query sees none or all of them.
    pub fn record_all(&self, snapshots: &[(Timestamp, Vec<Series>)]) {
        if let Ok(mut inner) = self.inner.write() {
            for (at, series) in snapshots {
                inner.record(at.as_millisecond(), series);
            }
        }
    }

    /// Every series matching `matchers` with its samples in `[start_ms, end_ms]`.
    pub fn select(&self, matchers: &[Matcher], start_ms: i64, end_ms: i64) -> Vec<Selected> {
        let Ok(inner) = self.inner.read() else {
            return Vec::new();
        };
        inner
            .series
            .iter()
            .filter(|(labels, _)| matchers.iter().all(|m| matches(m, labels)))
            .filter_map(|(labels, samples)| {
                let from = samples.partition_point(|&(t, _)| t < start_ms);
                let to = samples.partition_point(|&(t, _)| t <= end_ms);
                let raw = samples.range(from..to);
                let ends_stale = raw.clone().next_back().is_some_and(|&(_, v)| is_stale(v));
                let samples: Vec<(i64, f64)> =
                    raw.filter(|&&(_, v)| !is_stale(v)).copied().collect();
                (!samples.is_empty()).then(|| Selected {
                    labels: labels.clone(),
                    samples,
                    ends_stale,
                })
            })
            .collect()
    }

    pub fn series_count(&self) -> usize {
        self.inner.read().map(|i| i.series.len()).unwrap_or(0)
    }

    /// The time of the newest recording.
    pub fn latest(&self) -> Option<Timestamp> {
        let ms = self.inner.read().ok()?.latest_ms?;
        Timestamp::from_millisecond(ms).ok()
    }
}

fn labels_of(s: &Series) -> Labels {
    let mut labels: Labels = Vec::with_capacity(s.labels.len() + 1);
    labels.push((NAME.to_string(), s.name.clone()));
    labels.extend(s.labels.iter().filter(|(k, _)| k != NAME).cloned());
    labels.sort();
    labels.dedup_by(|a, b| a.0 == b.0);
    labels
}

/// The value of `name` in `labels` ("" when absent, as Prometheus treats it).
pub fn label<'a>(labels: &'a Labels, name: &str) -> &'a str {
    labels
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn matches(m: &Matcher, labels: &Labels) -> bool {
    let v = label(labels, &m.name);
    match &m.op {
        MatchOp::Equal => m.value == v,
        MatchOp::NotEqual => m.value != v,
        // promql-parser anchors the regex (^(?:...)$) as Prometheus does
        MatchOp::Re(_) | MatchOp::NotRe(_) => m.is_match(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, labels: &[(&str, &str)], value: f64) -> Series {
        Series {
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    #[test]
    fn records_selects_and_forgets_old_samples() {
        let db = Tsdb::with_retention(SignedDuration::from_secs(10));
        for s in 0..30 {
            db.record(at(s), &[series("c", &[("code", "200")], s as f64)]);
        }
        let all = db.select(&[Matcher::new(MatchOp::Equal, NAME, "c")], 0, i64::MAX);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].samples.len(), 11, "10 s of retention, both ends");
        assert_eq!(all[0].samples.last().unwrap().1, 29.0);
        let none = db.select(&[Matcher::new(MatchOp::Equal, "code", "500")], 0, i64::MAX);
        assert!(none.is_empty());
        assert_eq!(db.latest(), Some(at(29)));
    }

    #[test]
    fn a_series_that_disappears_is_marked_stale() {
        let db = Tsdb::default();
        let m = [Matcher::new(MatchOp::Equal, NAME, "up")];
        db.record(
            at(0),
            &[
                series("up", &[("pod", "a")], 1.0),
                series("up", &[("pod", "b")], 1.0),
            ],
        );
        db.record(at(1), &[series("up", &[("pod", "a")], 1.0)]);
        db.record(at(2), &[series("up", &[("pod", "a")], 1.0)]);
        let mut sel = db.select(&m, 0, i64::MAX);
        sel.sort_by(|a, b| a.labels.cmp(&b.labels));
        assert_eq!(sel.len(), 2);
        assert!(!sel[0].ends_stale);
        assert!(sel[1].ends_stale, "pod b is gone");
        assert_eq!(sel[1].samples.len(), 1, "the marker is not a sample");
        // it comes back
        db.record(at(3), &[series("up", &[("pod", "b")], 1.0)]);
        let sel = db.select(&[Matcher::new(MatchOp::Equal, "pod", "b")], 0, i64::MAX);
        assert!(!sel[0].ends_stale);
        assert_eq!(sel[0].samples.len(), 2);
    }

    #[test]
    fn regex_matchers_are_anchored() {
        let db = Tsdb::default();
        db.record(
            at(0),
            &[
                series("c", &[("code", "500")], 1.0),
                series("c", &[("code", "1500")], 1.0),
            ],
        );
        let re = Matcher::new_matcher(
            promql_parser::parser::token::T_EQL_REGEX,
            "code".into(),
            "5..".into(),
        );
        let hits = db.select(&[re.unwrap()], 0, i64::MAX);
        assert_eq!(hits.len(), 1);
        assert_eq!(label(&hits[0].labels, "code"), "500");
    }
}
