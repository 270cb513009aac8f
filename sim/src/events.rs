//! Kubernetes Events as the real control plane records them: core/v1 Events with reason,
//! message, type, involvedObject, count, first/lastTimestamp and source.component.
//! Repeats of the same event (same object, type, reason and message) are aggregated into
//! one object whose `count` rises, as the client-go event recorder does.
//!
//! Events are stamped with wall-clock time ([`crate::clock::SimClock::wall_now`]), not the
//! simulated clock, and expire on it: clients age them against their own clock
//! (`kubectl events`, `kubectl describe`, the console), so at `--speed 10` simulated
//! timestamps would be minutes in their future (`<invalid>`).

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{json, Value};

use super::clock::rfc3339;
use super::resources;
use super::store::Store;

/// How long events are kept (the API server's default `--event-ttl`).
pub const EVENT_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Normal,
    Warning,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Normal => "Normal",
            EventKind::Warning => "Warning",
        }
    }
}

/// Who reports the event: `source.component` and, for the kubelet, `source.host`.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub component: &'a str,
    pub host: Option<&'a str>,
}

impl<'a> Source<'a> {
    pub const fn component(component: &'a str) -> Self {
        Source {
            component,
            host: None,
        }
    }
}

/// Records `reason`/`message` about `involved` (any stored object). Never fails the caller:
/// an event that cannot be written is dropped, as a real recorder drops it.
pub fn record(
    store: &mut Store,
    involved: &Value,
    kind: EventKind,
    reason: &str,
    message: &str,
    source: Source<'_>,
) {
    let obj_name = involved["metadata"]["name"].as_str().unwrap_or("");
    let obj_ns = involved["metadata"]["namespace"].as_str().unwrap_or("");
    let uid = involved["metadata"]["uid"].as_str().unwrap_or("");
    let event_ns = if obj_ns.is_empty() { "default" } else { obj_ns };
    let key = fnv64(&[uid, kind.as_str(), reason, message, source.component]);
    let name = format!("{obj_name}.{key:016x}");
    let now = rfc3339(store.wall_now());
    let events = resources::core("events");
    if store.get_stored(events, event_ns, &name).is_some() {
        let _ = store.modify(events, event_ns, &name, |e| {
            let count = e["count"].as_i64().unwrap_or(1) + 1;
            e["count"] = json!(count);
            e["lastTimestamp"] = json!(now);
        });
        return;
    }
    let mut involved_ref = json!({
        "apiVersion": involved["apiVersion"],
        "kind": involved["kind"],
        "name": obj_name,
        "uid": uid,
        "resourceVersion": involved["metadata"]["resourceVersion"],
    });
    if !obj_ns.is_empty() {
        involved_ref["namespace"] = json!(obj_ns);
    }
    let mut source_json = json!({"component": source.component});
    if let Some(host) = source.host {
        source_json["host"] = json!(host);
    }
    let event = json!({
        "metadata": {"name": name, "namespace": event_ns},
        "involvedObject": involved_ref,
        "reason": reason,
        "message": message,
        "type": kind.as_str(),
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "eventTime": null,
        "source": source_json,
        "reportingComponent": source.component,
        "reportingInstance": source.host.unwrap_or(""),
    });
    let _ = store.create_internal(events, event_ns, event);
    // A burst (10,000 pods starting at once) must not wait for the next housekeeping.
    if store.count(events) > MAX_EVENTS + COLLECT_SLACK {
        let now = store.wall_now();
        collect(store, now, MAX_EVENTS);
    }
}

/// Events beyond [`MAX_EVENTS`] tolerated before [`record`] collects at once.
const COLLECT_SLACK: usize = 1_000;

/// At most this many events are kept (the oldest go first), so pod churn at scale cannot
/// grow the store without bound within the TTL.
pub const MAX_EVENTS: usize = 10_000;

/// Deletes events whose lastTimestamp is older than [`EVENT_TTL`] at `now` (wall-clock
/// time, [`Store::wall_now`]), then the oldest beyond [`MAX_EVENTS`].
pub fn collect_expired(store: &mut Store, now: Timestamp) {
    collect(store, now, MAX_EVENTS);
}

fn collect(store: &mut Store, now: Timestamp, max: usize) {
    let events = resources::core("events");
    let ttl = jiff::SignedDuration::try_from(EVENT_TTL).unwrap_or_default();
    let cutoff = now - ttl;
    let mut kept: Vec<(String, String, String)> = Vec::new();
    for ((ns, name), e) in store.list_keyed(events, None) {
        let last = e.last_timestamp().to_string();
        if last.parse::<Timestamp>().is_ok_and(|t| t < cutoff) {
            let _ = store.delete(events, &ns, &name, Default::default());
        } else {
            kept.push((last, ns, name));
        }
    }
    if kept.len() > max {
        // RFC 3339 timestamps written in one format sort as text.
        kept.sort();
        let extra = kept.len() - max;
        for (_, ns, name) in kept.into_iter().take(extra) {
            let _ = store.delete(events, &ns, &name, Default::default());
        }
    }
}

fn fnv64(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;

    #[test]
    fn repeated_events_are_counted_on_one_object() {
        let clock = SimClock::manual();
        let mut store = Store::new(clock.clone(), crate::store::HistoryLimits::events(100));
        let ns = resources::core("namespaces");
        store
            .create(ns, "", json!({"metadata": {"name": "x"}}))
            .unwrap();
        let pod = store
            .create(
                resources::core("pods"),
                "x",
                json!({"metadata": {"name": "p"}, "spec": {}}),
            )
            .unwrap();
        let src = Source {
            component: "kubelet",
            host: Some("node-1"),
        };
        record(&mut store, &pod, EventKind::Warning, "BackOff", "m", src);
        clock.advance(Duration::from_secs(10));
        record(&mut store, &pod, EventKind::Warning, "BackOff", "m", src);
        let events = store.list(resources::core("events"), Some("x"));
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e["count"], 2);
        assert_eq!(e["involvedObject"]["kind"], "Pod");
        assert_eq!(e["source"]["component"], "kubelet");
        assert_ne!(e["firstTimestamp"], e["lastTimestamp"]);
        for reason in ["A", "B", "C"] {
            clock.advance(Duration::from_secs(1));
            record(&mut store, &pod, EventKind::Normal, reason, "m", src);
        }
        collect(&mut store, clock.now(), 2);
        let left: Vec<String> = store
            .list(resources::core("events"), Some("x"))
            .iter()
            .map(|e| e["reason"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(left.len(), 2);
        assert!(left.contains(&"C".to_string()) && left.contains(&"B".to_string()));
        clock.advance(EVENT_TTL + Duration::from_secs(1));
        collect_expired(&mut store, clock.now());
        assert!(store.list(resources::core("events"), Some("x")).is_empty());
    }

    #[test]
    fn a_burst_of_events_is_collected_without_waiting_for_housekeeping() {
        let clock = SimClock::manual();
        let mut store = Store::new(clock.clone(), crate::store::HistoryLimits::events(100));
        store
            .create(
                resources::core("namespaces"),
                "",
                json!({"metadata": {"name": "x"}}),
            )
            .unwrap();
        let pod = store
            .create(
                resources::core("pods"),
                "x",
                json!({"metadata": {"name": "p"}, "spec": {}}),
            )
            .unwrap();
        let src = Source::component("kubelet");
        for i in 0..MAX_EVENTS + COLLECT_SLACK + 10 {
            let reason = format!("R{i}");
            record(&mut store, &pod, EventKind::Normal, &reason, "m", src);
        }
        let events = store.count(resources::core("events"));
        assert!(events <= MAX_EVENTS + COLLECT_SLACK, "{events} events kept");
    }
}
