//! Simulated KubeChat API-gateway traffic and its Prometheus metrics.
//!
//! About 1200 requests/s go to the pods the `kubechat-api-gateway` Service selects (the
//! blue/green `deployment-slot`) and to the `kubechat-api-gateway` Rollout's pods, split
//! between its stable and canary pods by the canary weight. A version the scenario marks bad
//! answers its share with 5xx and slow responses. Counters are cumulative, as scraped.
//!
//! Each gateway pod also reports its CPU and memory (a version's working set when the
//! scenario gives one: near the limit for a container that runs out of memory), its
//! containers' restarts, and its postgres connection pool.

mod limits;
mod render;
mod warm;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

use super::controllers::util;
use super::resources;
use super::scenario::Scenario;
use super::store::Store;
use super::usage::{self, Usage};

pub use warm::{Backfill, Snapshots};
/// How much past a warm start makes up.
pub const WARM_SPAN: Duration = Duration::from_secs(600);

pub const JOB: &str = "kubechat-api-gateway";
pub const SERVICE: &str = "kubechat-api-gateway";
pub const NAMESPACE: &str = "kubechat-system";
const ROLLOUT: &str = "kubechat-api-gateway";
/// Upper bounds of the latency histogram's buckets (seconds); +Inf is the count.
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Codes answered: 200 and 404 for a healthy service, 500/503 for errors.
const CODES: [&str; 4] = ["200", "404", "500", "503"];
const HEALTHY_ERROR_RATIO: f64 = 0.0005;
const NOT_FOUND_RATIO: f64 = 0.004;
const HEALTHY_LATENCY: f64 = 0.07;
const HISTORY: Duration = Duration::from_secs(600);
/// The postgres connection pool of each gateway pod (`database.pool` in kubechat-config).
pub const DB_POOL_MAX: f64 = 20.0;
/// Idle connections a pool keeps open.
const DB_POOL_MIN_IDLE: f64 = 4.0;
/// Time a request holds a database connection, in seconds (connections in use = rate × this).
const DB_SECONDS_PER_REQUEST: f64 = 0.025;
/// The Service in front of the gateway's database.
pub const DB_SERVICE: &str = "postgres-primary";
const MIB: f64 = 1024.0 * 1024.0;
/// Memory of a gateway pod that serves no traffic, ready or starting.
const IDLE_MEMORY: f64 = 180.0 * MIB;
const STARTING_MEMORY: f64 = 60.0 * MIB;
const FS_SIZE: f64 = 100.0 * 1024.0 * 1024.0 * 1024.0;

/// One time series' current value. Histograms appear as their `_bucket` (with `le`),
/// `_sum` and `_count` series, as in the Prometheus text format.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

#[derive(Debug, Default, Clone)]
struct PodStats {
    ready: bool,
    ip: String,
    requests: [f64; 4],
    buckets: [f64; 11],
    sum: f64,
    count: f64,
    cpu_seconds: f64,
    /// CPU in use now, in cores.
    cpu_rate: f64,
    memory: f64,
    /// The memory the scenario's working sets give the pod, if they give any.
    declared_memory: Option<f64>,
    containers: Vec<limits::Container>,
    /// Per container: restarts and the reason it last terminated.
    restarts: Vec<(String, i64, Option<String>)>,
    /// Postgres connections in use and idle.
    db_active: f64,
    db_idle: f64,
}

#[derive(Debug, Default, Clone)]
struct Inner {
    rps: f64,
    last: Option<Timestamp>,
    pods: BTreeMap<String, PodStats>,
    /// node → available bytes on its root filesystem.
    nodes: BTreeMap<String, f64>,
    auth_failures: f64,
    rbac_denials: BTreeMap<&'static str, f64>,
    api_requests: f64,
    probe_seconds: f64,
    total: f64,
    ok: f64,
    last_log: Option<Timestamp>,
    /// (time, cumulative requests, cumulative non-5xx) about once a second.
    history: VecDeque<(Timestamp, f64, f64)>,
    /// When the traffic was first advanced.
    started: Option<Timestamp>,
    warm: warm::Warm,
}

#[derive(Debug, Default)]
pub struct Traffic {
    inner: Mutex<Inner>,
}

/// One serving pod's share of the traffic and how its version behaves.
struct Share {
    pod: String,
    fraction: f64,
    error_ratio: f64,
    latency: f64,
}

impl Traffic {
    pub fn new(scenario: &Scenario) -> Traffic {
        Traffic {
            inner: Mutex::new(Inner {
                rps: if scenario.rps > 0.0 {
                    scenario.rps
                } else {
                    1200.0
                },
                probe_seconds: 0.03,
                ..Inner::default()
            }),
        }
    }

    /// Asks for a warm start: once the gateway serves, the traffic looks as though it had
    /// been serving for `span` (see [`Traffic::take_backfill`]).
    pub fn warm_start(&self, span: Duration) {
        self.lock().warm = warm::Warm::Pending { span };
    }

    /// The made-up past of a warm start, for the recorder to store before the present.
    pub fn take_backfill(&self) -> Backfill {
        warm::take(&mut self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A snapshot of every series now (counters are cumulative, as scraped).
    pub fn series(&self) -> Vec<Series> {
        render::families(&self.lock())
            .into_iter()
            .flat_map(|f| f.series)
            .collect()
    }

    /// The Prometheus text exposition format (0.0.4) of [`Traffic::series`].
    pub fn render_text(&self) -> String {
        render::text(&render::families(&self.lock()))
    }

    /// What a gateway pod uses now (None for pods the traffic does not know), per container
    /// in spec order: its CPU and memory split evenly.
    pub fn pod_usage(&self, pod: &str) -> Option<Vec<(String, Usage)>> {
        let inner = self.lock();
        let stats = inner.pods.get(pod).filter(|s| !s.containers.is_empty())?;
        let n = stats.containers.len() as f64;
        Some(
            stats
                .containers
                .iter()
                .map(|c| {
                    let u = Usage {
                        cpu_cores: stats.cpu_rate / n,
                        memory_bytes: stats.memory / n,
                    };
                    (c.name.clone(), u)
                })
                .collect(),
        )
    }

    /// The share of non-5xx requests to `service` (None: all) over the last `window`, or
    /// None when there were no requests.
    pub fn success_ratio(&self, service: Option<&str>, window: Duration) -> Option<f64> {
        if service.is_some_and(|s| s != SERVICE) {
            return None;
        }
        let inner = self.lock();
        let (now, total, ok) = (inner.last?, inner.total, inner.ok);
        let from = now - jiff::SignedDuration::try_from(window).ok()?;
        let (_, t0, ok0) = *inner.history.iter().find(|(t, _, _)| *t >= from)?;
        let requests = total - t0;
        (requests > 0.0).then(|| (ok - ok0) / requests)
    }

    /// Moves the counters on to `now`, with the traffic the cluster's state gives.
    pub fn advance(&self, store: &mut Store, scenario: &Scenario, now: Timestamp) {
        let mut inner = self.lock();
        let dt = inner
            .last
            .map_or(0.0, |t| util::secs_since(now, t).clamp(0.0, 60.0));
        inner.last = Some(now);
        let gateway_pods: Vec<_> = store
            .pods(Some(NAMESPACE))
            .into_iter()
            .filter(|p| {
                p.label("app.kubernetes.io/component") == Some("api-gateway") && !p.deleting
            })
            .filter_map(|p| store.get(resources::core("pods"), NAMESPACE, &p.name))
            .collect();
        inner
            .pods
            .retain(|name, _| gateway_pods.iter().any(|p| util::name(p) == name));
        for p in &gateway_pods {
            let stats = inner.pods.entry(util::name(p).to_string()).or_default();
            stats.ready = super::controllers::replicaset::is_ready(p);
            stats.ip = p["status"]["podIP"].as_str().unwrap_or("").to_string();
            stats.containers = limits::containers(p);
            stats.restarts = restarts(p);
            stats.declared_memory = declared_memory(p, scenario);
        }
        let db_up =
            util::ready_backends(store, NAMESPACE, DB_SERVICE).is_some_and(|b| !b.is_empty());
        for node in store.list(resources::core("nodes"), None) {
            inner
                .nodes
                .entry(util::name(&node).to_string())
                .or_insert(FS_SIZE * 0.62);
        }
        if dt <= 0.0 {
            return;
        }
        let shares = shares(store, &gateway_pods, scenario);
        let before_warm =
            warm::due(&mut inner, now, !shares.is_empty(), dt).then(|| warm::Counters::of(&inner));
        write_access_logs(&mut inner, &shares, store, now);
        let seconds = now.as_second() as f64;
        let rps = inner.rps * (1.0 + 0.05 * (seconds / 90.0).sin());
        let mut requests_now = 0.0;
        let mut ok_now = 0.0;
        let mut weighted_latency = 0.0;
        for share in &shares {
            let n = rps * share.fraction * dt;
            let Some(stats) = inner.pods.get_mut(&share.pod) else {
                continue;
            };
            let errors = n * (HEALTHY_ERROR_RATIO + share.error_ratio).min(1.0);
            let not_found = (n - errors) * NOT_FOUND_RATIO;
            stats.requests[0] += n - errors - not_found;
            stats.requests[1] += not_found;
            stats.requests[2] += errors * 0.7;
            stats.requests[3] += errors * 0.3;
            for (bucket, le) in stats.buckets.iter_mut().zip(BUCKETS) {
                *bucket += n * (1.0 - (-le / share.latency).exp());
            }
            stats.count += n;
            stats.sum += n * share.latency;
            stats.cpu_rate = 0.02 + rps * share.fraction * 0.0006;
            stats.cpu_seconds += dt * stats.cpu_rate;
            stats.memory = stats
                .declared_memory
                .unwrap_or(IDLE_MEMORY + rps * share.fraction * 1.5 * MIB);
            let in_use = (rps * share.fraction * DB_SECONDS_PER_REQUEST).ceil();
            (stats.db_active, stats.db_idle) = if db_up {
                let active = in_use.min(DB_POOL_MAX);
                (active, DB_POOL_MIN_IDLE.min(DB_POOL_MAX - active))
            } else {
                (0.0, 0.0)
            };
            requests_now += n;
            ok_now += n - errors;
            weighted_latency += share.fraction * share.latency;
        }
        let serving: Vec<&str> = shares.iter().map(|s| s.pod.as_str()).collect();
        for (name, stats) in inner.pods.iter_mut() {
            if serving.contains(&name.as_str()) {
                continue;
            }
            // Ready without traffic (the idle slot), or not ready (starting, crash-looping).
            let (cpu, memory, idle) = if stats.ready {
                (0.01, IDLE_MEMORY, DB_POOL_MIN_IDLE)
            } else {
                (0.005, STARTING_MEMORY, 0.0)
            };
            stats.cpu_rate = cpu;
            stats.cpu_seconds += dt * cpu;
            stats.memory = stats.declared_memory.unwrap_or(memory);
            stats.db_active = 0.0;
            stats.db_idle = if db_up { idle } else { 0.0 };
        }
        for avail in inner.nodes.values_mut() {
            *avail = (*avail - dt * 64.0 * 1024.0).max(FS_SIZE * 0.05);
        }
        inner.total += requests_now;
        inner.ok += ok_now;
        inner.api_requests += requests_now;
        inner.auth_failures += dt * 0.1; // 30 per 5 min: under the 100 alert of a healthy service
        *inner.rbac_denials.entry("forbidden").or_default() += dt * 0.05;
        *inner.rbac_denials.entry("unauthenticated").or_default() += dt * 0.02;
        inner.probe_seconds = 0.025 + weighted_latency * 0.3;
        let (total, ok) = (inner.total, inner.ok);
        let push = inner
            .history
            .back()
            .is_none_or(|(t, _, _)| util::secs_since(now, *t) >= 1.0);
        if push {
            inner.history.push_back((now, total, ok));
        }
        if let Some(before) = before_warm {
            warm::make_up_the_past(&mut inner, &before, dt, now);
        }
        let cutoff = now - jiff::SignedDuration::try_from(HISTORY).unwrap_or_default();
        while inner.history.front().is_some_and(|(t, _, _)| *t < cutoff) {
            inner.history.pop_front();
        }
    }
}

/// Per container of the pod: its restarts and the reason it last terminated.
fn restarts(pod: &Value) -> Vec<(String, i64, Option<String>)> {
    pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|cs| {
            (
                cs["name"].as_str().unwrap_or("").to_string(),
                cs["restartCount"].as_i64().unwrap_or(0),
                cs["lastState"]["terminated"]["reason"]
                    .as_str()
                    .map(str::to_string),
            )
        })
        .collect()
}

/// The memory the scenario's working sets give the pod's containers (just under the limit
/// for one that runs out of memory); None when it gives none of them one.
fn declared_memory(pod: &Value, scenario: &Scenario) -> Option<f64> {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let need = scenario.memory_need(c["image"].as_str().unwrap_or(""));
            usage::memory_with_need(need, c)
        })
        .reduce(|a, b| a + b)
}

/// How often each serving pod writes a sample of its requests to its log.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// A sampled access-log line per serving pod every [`LOG_EVERY`]; a bad version logs the
/// errors it answers with, so `kubectl logs` shows why the error rate rose.
fn write_access_logs(inner: &mut Inner, shares: &[Share], store: &mut Store, now: Timestamp) {
    let due = inner
        .last_log
        .is_none_or(|t| now >= util::plus(t, LOG_EVERY));
    if !due {
        return;
    }
    inner.last_log = Some(now);
    for share in shares {
        let Some(container) = inner
            .pods
            .get(&share.pod)
            .and_then(|p| p.containers.first())
        else {
            continue;
        };
        let line = if share.error_ratio > 0.0 {
            format!(
                "level=error msg=\"request failed\" method=POST path=/api/v1/chat status=503 duration={:.3}s error=\"upstream timeout after {:.1}s: context deadline exceeded\"",
                share.latency * 2.0,
                share.latency * 2.0
            )
        } else {
            format!(
                "level=info msg=\"request served\" method=POST path=/api/v1/chat status=200 duration={:.3}s",
                share.latency
            )
        };
        store.append_log_at(now, NAMESPACE, &share.pod, &container.name, &line);
    }
}

fn ready(p: &Value) -> bool {
    super::controllers::replicaset::is_ready(p)
}

/// How the traffic splits over the ready gateway pods: the Service's pods and the Rollout's
/// pods share it by count; within the Rollout the canary weight splits stable and canary.
fn shares(store: &Store, pods: &[super::store::Obj], scenario: &Scenario) -> Vec<Share> {
    let selector = store
        .get(resources::core("services"), NAMESPACE, SERVICE)
        .map(|s| s["spec"]["selector"].clone())
        .unwrap_or(Value::Null);
    let service_pods: Vec<&Value> = pods
        .iter()
        .map(|p| &**p)
        .filter(|p| {
            ready(p)
                && p["metadata"]["labels"]
                    .get("rollouts-pod-template-hash")
                    .is_none()
        })
        .filter(|p| util::map_selector_matches(&selector, &p["metadata"]["labels"]))
        .collect();
    let rollout = store.get(resources::of("argoproj.io", "rollouts"), NAMESPACE, ROLLOUT);
    let weights = rollout
        .as_ref()
        .map(|r| r["status"]["canary"]["weights"].clone())
        .unwrap_or(Value::Null);
    let canary_hash = weights["canary"]["podTemplateHash"].as_str().unwrap_or("");
    let stable_hash = weights["stable"]["podTemplateHash"].as_str().unwrap_or("");
    let canary_weight = weights["canary"]["weight"].as_f64().unwrap_or(0.0) / 100.0;
    let rollout_pods: Vec<&Value> = pods
        .iter()
        .map(|p| &**p)
        .filter(|p| ready(p))
        .filter(|p| {
            util::owner_name(p, "ReplicaSet")
                .is_some_and(|rs| rs.starts_with(&format!("{ROLLOUT}-")))
        })
        .filter(|p| {
            p["metadata"]["labels"]
                .get("rollouts-pod-template-hash")
                .is_some()
        })
        .collect();
    let hash_of = |p: &Value| {
        p["metadata"]["labels"]["rollouts-pod-template-hash"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let canary: Vec<&Value> = rollout_pods
        .iter()
        .copied()
        .filter(|p| hash_of(p) == canary_hash && canary_hash != stable_hash)
        .collect();
    let stable: Vec<&Value> = rollout_pods
        .iter()
        .copied()
        .filter(|p| hash_of(p) == stable_hash)
        .collect();
    let total_pods = (service_pods.len() + canary.len() + stable.len()) as f64;
    if total_pods == 0.0 {
        return Vec::new();
    }
    let rollout_share = (canary.len() + stable.len()) as f64 / total_pods;
    let (canary_w, stable_w) = match (canary.is_empty(), stable.is_empty()) {
        (true, _) => (0.0, 1.0),
        (false, true) => (1.0, 0.0),
        _ => (canary_weight, 1.0 - canary_weight),
    };
    let mut out = Vec::new();
    let mut add = |group: &[&Value], fraction: f64| {
        for p in group {
            let image = p["spec"]["containers"][0]["image"].as_str().unwrap_or("");
            let bad = scenario.bad_version(image);
            out.push(Share {
                pod: util::name(p).to_string(),
                fraction: fraction / group.len() as f64,
                error_ratio: bad.as_ref().map_or(0.0, |b| b.error_ratio),
                latency: bad.map_or(HEALTHY_LATENCY, |b| b.latency_seconds.max(0.001)),
            });
        }
    };
    add(&service_pods, service_pods.len() as f64 / total_pods);
    add(&canary, rollout_share * canary_w);
    add(&stable, rollout_share * stable_w);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use crate::controllers::World;

    fn world(name: &str) -> World {
        World::new(crate::scenario::load(name).unwrap(), SimClock::manual()).unwrap()
    }

    fn values<'a>(series: &'a [Series], name: &str, label: (&str, &str)) -> Vec<&'a Series> {
        series
            .iter()
            .filter(|s| {
                s.name == name && s.labels.iter().any(|(k, v)| k == label.0 && v == label.1)
            })
            .collect()
    }

    #[test]
    fn a_healthy_gateway_reports_its_connection_pool() {
        let w = world("default");
        w.run_for(Duration::from_secs(20), Duration::from_secs(1))
            .unwrap();
        let series = w.traffic.series();
        let sum = |state| -> f64 {
            values(&series, "kubechat_db_pool_connections", ("state", state))
                .iter()
                .map(|s| s.value)
                .sum()
        };
        let pods = values(&series, "kubechat_db_pool_connections", ("state", "max")).len();
        assert_eq!(pods, 16, "every ready gateway pod reports its pool");
        assert_eq!(sum("max"), 16.0 * DB_POOL_MAX);
        assert!(sum("active") > 0.0 && sum("active") < sum("max") / 2.0);
        assert!(sum("idle") > 0.0);
        // postgres gone: the pools empty
        w.apply_action(serde_json::json!({"action": "scale", "target": "deployment/postgres-primary", "replicas": 0}))
            .unwrap();
        w.run_for(Duration::from_secs(3), Duration::from_secs(1))
            .unwrap();
        let series = w.traffic.series();
        let open: f64 = series
            .iter()
            .filter(|s| s.name == "kubechat_db_pool_connections")
            .filter(|s| s.labels.iter().any(|(k, v)| k == "state" && v != "max"))
            .map(|s| s.value)
            .sum();
        assert_eq!(open, 0.0);
    }

    #[test]
    fn oom_killed_pods_sit_at_their_limit_and_count_their_restarts() {
        let w = world("oomkill");
        w.run_for(Duration::from_secs(40), Duration::from_secs(1))
            .unwrap();
        let series = w.traffic.series();
        let blue: Vec<&Series> = series
            .iter()
            .filter(|s| {
                s.labels
                    .iter()
                    .any(|(k, v)| k == "pod" && v.contains("-blue-"))
            })
            .collect();
        let memory: Vec<f64> = blue
            .iter()
            .filter(|s| s.name == "container_memory_usage_bytes")
            .map(|s| s.value)
            .collect();
        assert_eq!(memory.len(), 3);
        let limit = 256.0 * MIB;
        assert!(
            memory.iter().all(|m| *m > 0.95 * limit && *m < limit),
            "{memory:?}"
        );
        assert!(blue
            .iter()
            .filter(|s| s.name == "kube_pod_container_status_restarts_total")
            .all(|s| s.value >= 2.0));
        let oom = blue
            .iter()
            .filter(|s| s.name == "kube_pod_container_status_last_terminated_reason")
            .filter(|s| {
                s.labels
                    .iter()
                    .any(|(k, v)| k == "reason" && v == "OOMKilled")
            })
            .count();
        assert_eq!(oom, 3);
        // the others run at the version's working set, within their 512Mi
        let green = values(
            &series,
            "container_memory_usage_bytes",
            ("container", "api-gateway"),
        )
        .into_iter()
        .filter(|s| {
            s.labels
                .iter()
                .any(|(k, v)| k == "pod" && v.contains("-green-"))
        })
        .map(|s| s.value)
        .collect::<Vec<_>>();
        assert!(
            green.iter().all(|m| (*m - 470.0 * MIB).abs() < 1.0),
            "{green:?}"
        );
    }
}
