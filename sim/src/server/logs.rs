//! Per-container log buffers behind `pods/log`, kept inside the [`Store`](crate::store::Store) so the kubelet
//! simulation can append while it holds the store lock anyway.
//!
//! This is the one log mechanism of the simulator.
//! Writers (the kubelet simulation's start-up and crash lines, the traffic's access-log
//! samples, tests): [`append`] (or `Store::append_log`) adds a line;
//! `Store::restart_container_log` moves the current buffer to `previous` when a container
//! restarts. Readers: the `pods/log` handler (tailLines, previous, follow).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::broadcast;

use crate::SimShared;

/// Lines kept per container (older ones are dropped).
pub const LINES_PER_CONTAINER: usize = 2_000;

/// (namespace, pod, container)
pub type LogKey = (String, String, String);

#[derive(Debug, Clone)]
pub struct LogLine {
    pub key: Arc<LogKey>,
    /// When it was written (simulated time).
    pub at: Timestamp,
    pub text: String,
}

/// What a `pods/log` request selects.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogQuery {
    pub previous: bool,
    /// The last N lines only.
    pub tail: Option<usize>,
    /// Lines written at or after this time only.
    pub since: Option<Timestamp>,
    /// Prefix each line with its RFC 3339 time, as `kubectl logs --timestamps`.
    pub timestamps: bool,
}

impl LogQuery {
    /// One line as the client sees it (with its newline); times in Go's RFC3339Nano.
    pub fn render(&self, at: Timestamp, text: &str) -> String {
        if self.timestamps {
            format!("{} {text}\n", at.strftime("%Y-%m-%dT%H:%M:%S%.fZ"))
        } else {
            format!("{text}\n")
        }
    }
}

type Buffer = VecDeque<(Timestamp, String)>;

pub struct PodLogs {
    /// Ordered by key, so a pod's buffers are one range (forgetting a pod stays cheap
    /// with 10,000 pods).
    current: BTreeMap<LogKey, Buffer>,
    previous: BTreeMap<LogKey, Buffer>,
    lines: broadcast::Sender<LogLine>,
}

impl Default for PodLogs {
    fn default() -> Self {
        PodLogs {
            current: BTreeMap::new(),
            previous: BTreeMap::new(),
            lines: broadcast::channel(4096).0,
        }
    }
}

impl std::fmt::Debug for PodLogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PodLogs")
            .field("containers", &self.current.len())
            .finish()
    }
}

fn key(ns: &str, pod: &str, container: &str) -> LogKey {
    (ns.to_string(), pod.to_string(), container.to_string())
}

impl PodLogs {
    /// Appends a line written now (wall-clock time; the store passes simulated time).
    pub fn append(&mut self, ns: &str, pod: &str, container: &str, line: &str) {
        self.append_at(Timestamp::now(), ns, pod, container, line);
    }

    pub fn append_at(&mut self, at: Timestamp, ns: &str, pod: &str, container: &str, line: &str) {
        let k = key(ns, pod, container);
        let buf = self.current.entry(k.clone()).or_default();
        if buf.len() == LINES_PER_CONTAINER {
            buf.pop_front();
        }
        buf.push_back((at, line.to_string()));
        let _ = self.lines.send(LogLine {
            key: Arc::new(k),
            at,
            text: line.to_string(),
        });
    }

    /// A container restarted: what it wrote becomes `previous`, the current log starts empty.
    pub fn restart_container(&mut self, ns: &str, pod: &str, container: &str) {
        let k = key(ns, pod, container);
        let old = self.current.remove(&k).unwrap_or_default();
        self.previous.insert(k, old);
    }

    /// The pod is gone: forget its logs.
    pub fn forget_pod(&mut self, ns: &str, pod: &str) {
        for buffers in [&mut self.current, &mut self.previous] {
            let of_pod: Vec<LogKey> = buffers
                .range(key(ns, pod, "")..)
                .take_while(|((n, p, _), _)| n == ns && p == pod)
                .map(|(k, _)| k.clone())
                .collect();
            for k in of_pod {
                buffers.remove(&k);
            }
        }
    }

    /// The lines a query selects, rendered; `None` if `previous` was asked and there is none.
    pub fn read(&self, ns: &str, pod: &str, container: &str, q: &LogQuery) -> Option<Vec<String>> {
        let k = key(ns, pod, container);
        let empty = Buffer::new();
        let buf = if q.previous {
            self.previous.get(&k)?
        } else {
            self.current.get(&k).unwrap_or(&empty)
        };
        let recent: Vec<&(Timestamp, String)> = buf
            .iter()
            .filter(|(at, _)| q.since.is_none_or(|s| *at >= s))
            .collect();
        let skip = q.tail.map_or(0, |t| recent.len().saturating_sub(t));
        Some(
            recent[skip..]
                .iter()
                .map(|(at, text)| q.render(*at, text))
                .collect(),
        )
    }

    /// The lines of one container (`previous`: of the instance before the last restart),
    /// oldest first; `None` if there is no such log.
    pub fn lines(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
    ) -> Option<Vec<(Timestamp, String)>> {
        let k = key(ns, pod, container);
        let buf = if previous {
            self.previous.get(&k)?
        } else {
            self.current.get(&k)?
        };
        Some(buf.iter().cloned().collect())
    }

    /// Every line appended from now on (for `follow`).
    pub fn subscribe(&self) -> broadcast::Receiver<LogLine> {
        self.lines.subscribe()
    }
}

/// Appends one log line for a container (locks the store).
pub fn append(sim: &SimShared, ns: &str, pod: &str, container: &str, line: &str) {
    if let Ok(mut store) = sim.store.lock() {
        store.append_log(ns, pod, container, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_previous_and_bounds() {
        let mut logs = PodLogs::default();
        for i in 0..5 {
            logs.append("ns", "p", "c", &format!("line {i}"));
        }
        let tail2 = LogQuery {
            tail: Some(2),
            ..LogQuery::default()
        };
        assert_eq!(
            logs.read("ns", "p", "c", &tail2).unwrap(),
            ["line 3\n", "line 4\n"]
        );
        let previous = LogQuery {
            previous: true,
            ..LogQuery::default()
        };
        assert!(logs.read("ns", "p", "c", &previous).is_none());
        logs.restart_container("ns", "p", "c");
        assert_eq!(logs.read("ns", "p", "c", &previous).unwrap().len(), 5);
        assert!(logs
            .read("ns", "p", "c", &LogQuery::default())
            .unwrap()
            .is_empty());
        for i in 0..LINES_PER_CONTAINER + 3 {
            logs.append("ns", "p", "c", &i.to_string());
        }
        assert_eq!(
            logs.read("ns", "p", "c", &LogQuery::default())
                .unwrap()
                .len(),
            LINES_PER_CONTAINER
        );
    }

    #[test]
    fn since_and_timestamps() {
        let mut logs = PodLogs::default();
        let t0: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        let t1: Timestamp = "2026-11-28T10:05:00Z".parse().unwrap();
        logs.append_at(t0, "ns", "p", "c", "old");
        logs.append_at(t1, "ns", "p", "c", "new");
        let q = LogQuery {
            since: Some("2026-11-28T10:01:00Z".parse().unwrap()),
            timestamps: true,
            ..LogQuery::default()
        };
        assert_eq!(
            logs.read("ns", "p", "c", &q).unwrap(),
            ["2026-11-28T10:05:00Z new\n"]
        );
    }
}
