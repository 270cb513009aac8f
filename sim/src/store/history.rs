//! The watch history, kept per resource as kube-apiserver's watch cache keeps it: each
//! resource holds the changes of at least the last [`HistoryLimits::window`] (75 s, real
//! time) and at most [`HistoryLimits::max_events`] (102,400), so a busy kind (pods under
//! churn) never pushes a quiet kind's changes out, and a watch from a version older than
//! its own resource's window is `410 Gone`.
//!
//! Kept compactly: the newest changes of a resource stay as they were recorded (an open
//! block, at most [`BLOCK_BYTES`] of JSON); older ones are sealed into LZ4-compressed
//! blocks (pod JSON shrinks about 9:1 there, since consecutive versions of similar pods
//! repeat each other). A watch that replays old changes decompresses the blocks it needs.
//! Changes are dropped a whole block at a time.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{EventType, StoreEvent};
use crate::resources::Resource;

/// How much history each resource keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimits {
    /// Changes younger than this are kept (up to `max_events`).
    pub window: Duration,
    /// At most this many changes per resource.
    pub max_events: usize,
    /// At least this many changes per resource are kept, however old (a quiet kind's).
    pub min_events: usize,
}

impl Default for HistoryLimits {
    /// kube-apiserver's: a watch cache sized to 75 s of events, between 100 and 102,400.
    fn default() -> Self {
        HistoryLimits {
            window: Duration::from_secs(75),
            max_events: 100 * 1024,
            min_events: 100,
        }
    }
}

impl HistoryLimits {
    /// At most `max_events` per resource, whatever their age (tests).
    pub fn events(max_events: usize) -> Self {
        HistoryLimits {
            window: Duration::ZERO,
            max_events: max_events.max(1),
            min_events: 0,
        }
    }
}

/// Raw JSON gathered before a block is sealed (and compressed).
pub const BLOCK_BYTES: usize = 64 * 1024;
/// Changes gathered before a block is sealed, whatever their size.
const BLOCK_EVENTS: usize = 512;

/// What one resource's history holds (`GET /_sim/history`, the bench).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryStats {
    /// The resource's store key ("pods", "deployments.apps").
    pub resource: String,
    pub events: usize,
    /// Bytes held: compressed blocks plus the open block's JSON.
    pub bytes: usize,
    /// The JSON those changes had before compression.
    pub raw_bytes: usize,
    /// Real time between the oldest and the newest kept change.
    pub covers: Duration,
    /// Versions up to this one are no longer kept (a watch from before it is 410 Gone).
    pub compacted_rv: u64,
}

/// Every resource's history.
#[derive(Debug)]
pub struct History {
    limits: HistoryLimits,
    /// By the address of the (static) resource.
    resources: HashMap<usize, ResourceHistory>,
}

#[derive(Debug)]
struct ResourceHistory {
    resource: &'static Resource,
    sealed: VecDeque<Block>,
    open: VecDeque<(Instant, Arc<StoreEvent>)>,
    open_bytes: usize,
    /// Changes kept, sealed and open.
    len: usize,
    compacted_rv: u64,
}

#[derive(Debug)]
struct Block {
    last_rv: u64,
    oldest: Instant,
    newest: Instant,
    count: usize,
    raw_bytes: usize,
    /// LZ4 (size prepended) of the changes, encoded by [`encode`].
    data: Box<[u8]>,
}

fn res_id(res: &'static Resource) -> usize {
    std::ptr::from_ref(res) as usize
}

impl History {
    pub fn new(limits: HistoryLimits) -> Self {
        History {
            limits,
            resources: HashMap::new(),
        }
    }

    /// Appends one change, recorded at `now` (real time), and drops what the limits no
    /// longer keep.
    pub fn record(&mut self, event: Arc<StoreEvent>, now: Instant) {
        let limits = self.limits;
        let h = self
            .resources
            .entry(res_id(event.resource))
            .or_insert_with(|| ResourceHistory {
                resource: event.resource,
                sealed: VecDeque::new(),
                open: VecDeque::new(),
                open_bytes: 0,
                len: 0,
                compacted_rv: 0,
            });
        h.open_bytes += event_size(&event);
        h.open.push_back((now, event));
        h.len += 1;
        if h.open_bytes >= BLOCK_BYTES || h.open.len() >= BLOCK_EVENTS {
            h.seal();
        }
        h.evict(&limits, now);
    }

    /// The changes of `res` after `since`, or the highest version no longer kept when
    /// `since` is older than that (the caller answers `410 Gone`).
    pub fn since(&self, res: &'static Resource, since: u64) -> Result<Vec<Arc<StoreEvent>>, u64> {
        let Some(h) = self.resources.get(&res_id(res)) else {
            return Ok(Vec::new());
        };
        if since < h.compacted_rv {
            return Err(h.compacted_rv);
        }
        let mut out = Vec::new();
        let first = h.sealed.partition_point(|b| b.last_rv <= since);
        for block in h.sealed.range(first..) {
            out.extend(
                decode(h.resource, &block.data)
                    .into_iter()
                    .filter(|e| e.rv > since),
            );
        }
        out.extend(
            h.open
                .iter()
                .filter(|(_, e)| e.rv > since)
                .map(|(_, e)| e.clone()),
        );
        Ok(out)
    }

    /// What each resource's history holds, busiest first.
    pub fn stats(&self) -> Vec<HistoryStats> {
        let mut stats: Vec<HistoryStats> = self
            .resources
            .values()
            .map(|h| {
                let oldest = h
                    .sealed
                    .front()
                    .map(|b| b.oldest)
                    .or(h.open.front().map(|(t, _)| *t));
                let newest = h
                    .open
                    .back()
                    .map(|(t, _)| *t)
                    .or(h.sealed.back().map(|b| b.newest));
                HistoryStats {
                    resource: h.resource.key(),
                    events: h.len,
                    bytes: h.sealed.iter().map(|b| b.data.len()).sum::<usize>() + h.open_bytes,
                    raw_bytes: h.sealed.iter().map(|b| b.raw_bytes).sum::<usize>() + h.open_bytes,
                    covers: match (oldest, newest) {
                        (Some(o), Some(n)) => n.saturating_duration_since(o),
                        _ => Duration::ZERO,
                    },
                    compacted_rv: h.compacted_rv,
                }
            })
            .collect();
        stats.sort_by(|a, b| b.events.cmp(&a.events).then(a.resource.cmp(&b.resource)));
        stats
    }
}

impl ResourceHistory {
    fn seal(&mut self) {
        let Some(&(oldest, _)) = self.open.front() else {
            return;
        };
        let (newest, last_rv) = self
            .open
            .back()
            .map(|(t, e)| (*t, e.rv))
            .unwrap_or((oldest, 0));
        let events: Vec<Arc<StoreEvent>> = self.open.drain(..).map(|(_, e)| e).collect();
        let raw = encode(&events);
        self.sealed.push_back(Block {
            last_rv,
            oldest,
            newest,
            count: events.len(),
            raw_bytes: self.open_bytes,
            data: lz4_flex::block::compress_prepend_size(&raw).into_boxed_slice(),
        });
        self.open_bytes = 0;
    }

    fn evict(&mut self, limits: &HistoryLimits, now: Instant) {
        while let Some(front) = self.sealed.front() {
            let over = self.len > limits.max_events;
            let stale = now.saturating_duration_since(front.newest) > limits.window
                && self.len - front.count >= limits.min_events;
            if !(over || stale) {
                break;
            }
            self.compacted_rv = front.last_rv;
            self.len -= front.count;
            self.sealed.pop_front();
        }
        // Limits smaller than a block (tests): drop single open changes.
        while self.len > limits.max_events {
            let Some((_, e)) = self.open.pop_front() else {
                break;
            };
            self.open_bytes -= event_size(&e);
            self.compacted_rv = e.rv;
            self.len -= 1;
        }
    }
}

fn event_size(e: &StoreEvent) -> usize {
    e.json.len() + e.namespace.len() + e.name.len() + 16
}

/// rv (u64), type (u8), namespace and name (u16 length + bytes), JSON (u32 length + bytes),
/// one change after the other, little-endian.
fn encode(events: &[Arc<StoreEvent>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(events.iter().map(|e| event_size(e)).sum());
    for e in events {
        out.extend_from_slice(&e.rv.to_le_bytes());
        out.push(match e.kind {
            EventType::Added => 0,
            EventType::Modified => 1,
            EventType::Deleted => 2,
        });
        for text in [&e.namespace, &e.name] {
            out.extend_from_slice(&(text.len() as u16).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
        out.extend_from_slice(&(e.json.len() as u32).to_le_bytes());
        out.extend_from_slice(&e.json);
    }
    out
}

fn decode(resource: &'static Resource, data: &[u8]) -> Vec<Arc<StoreEvent>> {
    // The store compressed these bytes itself: they always decompress and decode.
    let Ok(raw) = lz4_flex::block::decompress_size_prepended(data) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rest = raw.as_slice();
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let mut next = || -> Option<StoreEvent> {
        let rv = u64::from_le_bytes(take(8)?.try_into().ok()?);
        let kind = match take(1)?[0] {
            0 => EventType::Added,
            1 => EventType::Modified,
            _ => EventType::Deleted,
        };
        let mut text = || -> Option<String> {
            let n = u16::from_le_bytes(take(2)?.try_into().ok()?) as usize;
            String::from_utf8(take(n)?.to_vec()).ok()
        };
        let namespace = text()?;
        let name = text()?;
        let n = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let json = Arc::from(take(n)?);
        Some(StoreEvent {
            rv,
            kind,
            resource,
            namespace,
            name,
            json,
        })
    };
    while let Some(e) = next() {
        out.push(Arc::new(e));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    fn event(res: &'static Resource, rv: u64, json_len: usize) -> Arc<StoreEvent> {
        Arc::new(StoreEvent {
            rv,
            kind: EventType::Modified,
            resource: res,
            namespace: "ns".into(),
            name: format!("o{rv}"),
            json: Arc::from(format!("{{\"pad\":\"{}\"}}", "x".repeat(json_len)).as_bytes()),
        })
    }

    #[test]
    fn a_busy_kind_does_not_push_out_a_quiet_kinds_history() {
        let pods = resources::core("pods");
        let cms = resources::core("configmaps");
        let mut h = History::new(HistoryLimits::events(1_000));
        let now = Instant::now();
        h.record(event(cms, 1, 10), now);
        for rv in 2..20_000 {
            h.record(event(pods, rv, 300), now);
        }
        // The config map's one change is still there; pods kept at most 1,000.
        let cm = h.since(cms, 0).unwrap();
        assert_eq!(cm.len(), 1);
        assert_eq!(cm[0].rv, 1);
        let compacted = h.since(pods, 1).unwrap_err();
        assert!(compacted > 18_000, "{compacted}");
        let kept = h.since(pods, compacted).unwrap();
        // Dropped a whole block at a time: between 1,000 less one block and 1,000.
        assert!((750..=1_000).contains(&kept.len()), "{}", kept.len());
        assert_eq!(kept.last().unwrap().rv, 19_999);
        assert!(kept.windows(2).all(|w| w[0].rv + 1 == w[1].rv));
    }

    #[test]
    fn sealed_blocks_decode_to_the_changes_recorded() {
        let pods = resources::core("pods");
        let mut h = History::new(HistoryLimits::default());
        let now = Instant::now();
        let recorded: Vec<_> = (1..=2_000).map(|rv| event(pods, rv, 500)).collect();
        for e in &recorded {
            h.record(e.clone(), now);
        }
        let back = h.since(pods, 0).unwrap();
        assert_eq!(back.len(), recorded.len());
        for (a, b) in back.iter().zip(&recorded) {
            assert_eq!(
                (a.rv, a.kind, &a.namespace, &a.name),
                (b.rv, b.kind, &b.namespace, &b.name)
            );
            assert_eq!(a.json, b.json);
        }
        let stats = &h.stats()[0];
        assert_eq!(stats.events, 2_000);
        assert!(stats.bytes * 5 < stats.raw_bytes, "{stats:?}");
        // From the middle of a block: only the later changes.
        assert_eq!(h.since(pods, 1_500).unwrap().len(), 500);
    }

    #[test]
    fn the_window_is_75_seconds_of_changes_but_a_quiet_kind_keeps_its_last_ones() {
        let pods = resources::core("pods");
        let cms = resources::core("configmaps");
        let mut h = History::new(HistoryLimits::default());
        let t0 = Instant::now();
        for rv in 1..=50 {
            h.record(event(cms, rv, 10), t0);
        }
        // 100 s of pod changes, 100 a second.
        let mut rv = 100;
        for s in 0..100u64 {
            for _ in 0..100 {
                rv += 1;
                h.record(event(pods, rv, 600), t0 + Duration::from_secs(s));
            }
        }
        let stats = h.stats();
        let pod_stats = stats.iter().find(|s| s.resource == "pods").unwrap();
        assert!(pod_stats.covers >= Duration::from_secs(75), "{pod_stats:?}");
        assert!(pod_stats.covers <= Duration::from_secs(78), "{pod_stats:?}");
        // Changes from 10 s in are gone; from 30 s in, kept.
        assert!(h.since(pods, 100 + 10 * 100).is_err());
        assert!(h.since(pods, 100 + 30 * 100).is_ok());
        // The config maps' changes, 99 s old, are fewer than min_events: kept.
        assert_eq!(h.since(cms, 0).unwrap().len(), 50);
    }
}
