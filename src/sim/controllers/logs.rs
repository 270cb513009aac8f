//! Per-container log buffers the kubelet writes and `pods/log` reads: the current and the
//! previous (before the last restart) instance of each container, bounded.

use std::collections::{HashMap, VecDeque};

use jiff::Timestamp;

const MAX_LINES: usize = 200;

type Key = (String, String, String);

#[derive(Debug, Default)]
struct ContainerLog {
    current: VecDeque<(Timestamp, String)>,
    previous: Option<VecDeque<(Timestamp, String)>>,
}

#[derive(Debug, Default)]
pub struct PodLogs {
    by_container: HashMap<Key, ContainerLog>,
}

impl PodLogs {
    pub fn append(&mut self, ns: &str, pod: &str, container: &str, at: Timestamp, line: &str) {
        let log = self
            .by_container
            .entry((ns.into(), pod.into(), container.into()))
            .or_default();
        if log.current.len() == MAX_LINES {
            log.current.pop_front();
        }
        log.current.push_back((at, line.to_string()));
    }

    /// The container restarted: what it wrote becomes the `--previous` log.
    pub fn restart(&mut self, ns: &str, pod: &str, container: &str) {
        if let Some(log) = self
            .by_container
            .get_mut(&(ns.into(), pod.into(), container.into()))
        {
            log.previous = Some(std::mem::take(&mut log.current));
        }
    }

    /// The lines of one container (`previous`: of the instance before the last restart).
    /// None if the container never logged (or, for `previous`, never restarted).
    pub fn lines(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
    ) -> Option<Vec<(Timestamp, String)>> {
        let log = self
            .by_container
            .get(&(ns.into(), pod.into(), container.into()))?;
        let lines = if previous {
            log.previous.as_ref()?
        } else {
            &log.current
        };
        Some(lines.iter().cloned().collect())
    }

    /// Forgets the logs of pods for which `keep(ns, pod)` is false.
    pub fn retain_pods(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        self.by_container.retain(|(ns, pod, _), _| keep(ns, pod));
    }
}
