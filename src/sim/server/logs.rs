//! Per-container log buffers behind `pods/log`, kept inside the [`Store`] so the kubelet
//! simulation can append while it holds the store lock anyway.
//!
//! Writers (the controllers): [`append`] (or `Store::append_log`) adds a line;
//! `Store::restart_container_log` moves the current buffer to `previous` when a container
//! restarts. Readers: the `pods/log` handler (tailLines, previous, follow).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::sim::SimShared;

/// Lines kept per container (older ones are dropped).
pub const LINES_PER_CONTAINER: usize = 2_000;

/// (namespace, pod, container)
pub type LogKey = (String, String, String);

#[derive(Debug, Clone)]
pub struct LogLine {
    pub key: Arc<LogKey>,
    pub text: String,
}

pub struct PodLogs {
    current: HashMap<LogKey, VecDeque<String>>,
    previous: HashMap<LogKey, VecDeque<String>>,
    lines: broadcast::Sender<LogLine>,
}

impl Default for PodLogs {
    fn default() -> Self {
        PodLogs {
            current: HashMap::new(),
            previous: HashMap::new(),
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
    pub fn append(&mut self, ns: &str, pod: &str, container: &str, line: &str) {
        let k = key(ns, pod, container);
        let buf = self.current.entry(k.clone()).or_default();
        if buf.len() == LINES_PER_CONTAINER {
            buf.pop_front();
        }
        buf.push_back(line.to_string());
        let _ = self.lines.send(LogLine {
            key: Arc::new(k),
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
        self.current.retain(|(n, p, _), _| !(n == ns && p == pod));
        self.previous.retain(|(n, p, _), _| !(n == ns && p == pod));
    }

    /// The last `tail` lines (all when None); `None` if `previous` was asked and there is none.
    pub fn read(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
        tail: Option<usize>,
    ) -> Option<Vec<String>> {
        let k = key(ns, pod, container);
        let buf = if previous {
            self.previous.get(&k)?
        } else {
            match self.current.get(&k) {
                Some(b) => b,
                None => return Some(Vec::new()),
            }
        };
        let skip = tail.map_or(0, |t| buf.len().saturating_sub(t));
        Some(buf.iter().skip(skip).cloned().collect())
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
        assert_eq!(
            logs.read("ns", "p", "c", false, Some(2)).unwrap(),
            ["line 3", "line 4"]
        );
        assert!(logs.read("ns", "p", "c", true, None).is_none());
        logs.restart_container("ns", "p", "c");
        assert_eq!(logs.read("ns", "p", "c", true, None).unwrap().len(), 5);
        assert!(logs.read("ns", "p", "c", false, None).unwrap().is_empty());
        for i in 0..LINES_PER_CONTAINER + 3 {
            logs.append("ns", "p", "c", &i.to_string());
        }
        assert_eq!(
            logs.read("ns", "p", "c", false, None).unwrap().len(),
            LINES_PER_CONTAINER
        );
    }
}
