//! Scenarios: the initial objects of a simulated cluster, the faults it starts with (images
//! that crash, versions that serve errors, backups that fail) and a timeline of actions.
//!
//! A scenario file is YAML: a header mapping, optionally followed by more YAML documents,
//! each one more Kubernetes object. A malformed file is one error naming the file, the line
//! and the problem.
//!
//! ```yaml
//! name: my-incident
//! base: default                 # start from a built-in scenario's objects (optional);
//!                               # objects below with the same kind/namespace/name replace them
//! rps: 1200                     # healthy requests/s to the API gateway
//! bad_images: [api-gateway:9.9.9]          # images (suffixes) that crash-loop
//! bad_versions:                            # images that serve errors once they get traffic
//!   - {image: api-gateway:2.5.0, error_ratio: 0.5, latency_seconds: 1.5}
//! memory_needs:                            # working sets: a container whose memory limit
//!   - {image: api-gateway:2.4.1, working_set: 470Mi}   # is below it is OOMKilled
//! failing_cronjobs: [postgres-backup]      # their jobs fail
//! permissions:                             # what `kubectl auth can-i` denies (default: all allowed)
//!   deny: [{verb: delete, resource: deployments}]
//! timeline:                                # played on the sim clock
//!   - {at: 30s, action: set-image, target: rollout/kubechat-api-gateway, image: x:2}
//!   - {at: 2m, action: switch-service, slot: green}
//!   # also: scale, fail-backup, fix-backup, run-job, delete-pod, crash, bad-version,
//!   # memory-need, promote, abort (see [`Action`])
//! objects:                                 # any kinds the simulated API server serves
//!   - {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: kubechat-system}}
//! ---
//! apiVersion: v1                           # further documents are objects too
//! kind: Secret
//! metadata: {name: s, namespace: kubechat-system}
//! ```
//!
//! Strings such as `now-72h` anywhere in an object become timestamps relative to the start.

mod parse;
mod permissions;
mod scale;

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::resources;
use super::store::Store;

pub use permissions::{Permissions, Request as AccessRequest};
pub use scale::ScaleParams;

/// The scenarios built into the binary.
pub const BUILTIN_NAMES: &[&str] = &[
    "default",
    "bad-canary",
    "bad-green",
    "crashloop",
    "oomkill",
    "stale-backup",
    "scale",
];

fn builtin_text(name: &str) -> Option<&'static str> {
    Some(match name {
        "default" => include_str!("../../assets/scenarios/default.yaml"),
        "bad-canary" => include_str!("../../assets/scenarios/bad-canary.yaml"),
        "bad-green" => include_str!("../../assets/scenarios/bad-green.yaml"),
        "crashloop" => include_str!("../../assets/scenarios/crashloop.yaml"),
        "oomkill" => include_str!("../../assets/scenarios/oomkill.yaml"),
        "stale-backup" => include_str!("../../assets/scenarios/stale-backup.yaml"),
        "scale" => include_str!("../../assets/scenarios/scale.yaml"),
        _ => return None,
    })
}

/// A version of a service that misbehaves once it gets traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BadVersion {
    /// The image (or a suffix of it, e.g. `api-gateway:2.5.0`).
    pub image: String,
    /// Share of its requests answered with 5xx (0..1).
    #[serde(default = "default_error_ratio")]
    pub error_ratio: f64,
    /// Mean response time of its requests, in seconds.
    #[serde(default = "default_latency")]
    pub latency_seconds: f64,
}

/// How much memory a version's containers use once warmed up. A container whose memory
/// limit is below it is OOMKilled (exit code 137) and crash-loops until the limit is raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryNeed {
    /// The image (or a suffix of it, e.g. `api-gateway:2.4.1`).
    pub image: String,
    /// The working set, a quantity such as `470Mi`.
    pub working_set: String,
}

impl MemoryNeed {
    /// The working set in bytes (None if it is not a quantity).
    pub fn bytes(&self) -> Option<f64> {
        crate::quantity::parse(&Value::String(self.working_set.clone())).filter(|b| *b > 0.0)
    }
}

fn default_error_ratio() -> f64 {
    0.5
}

fn default_latency() -> f64 {
    1.5
}

/// One timeline entry: an action played `at` simulated time after the start.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedAction {
    pub at: Duration,
    pub action: Action,
}

/// What a timeline entry (or `controllers::apply_action`) does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    /// Sets the image of a Deployment's or Rollout's container (`target: rollout/NAME`).
    SetImage {
        target: String,
        image: String,
        #[serde(default)]
        container: Option<String>,
        #[serde(default = "default_ns")]
        namespace: String,
    },
    /// Sets `spec.replicas` of a Deployment or Rollout.
    Scale {
        target: String,
        replicas: i64,
        #[serde(default = "default_ns")]
        namespace: String,
    },
    /// From now on, jobs of this CronJob fail.
    FailBackup {
        #[serde(default = "default_backup")]
        cronjob: String,
    },
    /// From now on, jobs of this CronJob succeed again.
    FixBackup {
        #[serde(default = "default_backup")]
        cronjob: String,
    },
    /// Creates a Job from a CronJob now, as `kubectl create job --from=cronjob/NAME` does.
    RunJob {
        #[serde(default = "default_backup")]
        cronjob: String,
        #[serde(default = "default_ns")]
        namespace: String,
    },
    /// Deletes a pod (by name, or the first pod matching a label selector `k=v,k2=v2`).
    DeletePod {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        #[serde(default = "default_ns")]
        namespace: String,
    },
    /// Makes a pod's containers exit once (by name or the first pod matching `selector`).
    Crash {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        #[serde(default = "default_ns")]
        namespace: String,
        #[serde(default)]
        reason: Option<String>,
    },
    /// Points a Service's `deployment-slot` selector at `slot` (blue/green switch).
    SwitchService {
        #[serde(default = "default_service")]
        service: String,
        slot: String,
        #[serde(default = "default_ns")]
        namespace: String,
    },
    /// Marks a version as serving errors and slow responses from now on.
    BadVersion(BadVersion),
    /// Gives a version a working set from now on (containers limited below it are OOMKilled).
    MemoryNeed(MemoryNeed),
    /// Promotes a paused Rollout (`full: true` skips the remaining steps).
    Promote {
        rollout: String,
        #[serde(default)]
        full: bool,
        #[serde(default = "default_ns")]
        namespace: String,
    },
    /// Aborts a Rollout's update.
    Abort {
        rollout: String,
        #[serde(default = "default_ns")]
        namespace: String,
    },
}

pub(crate) fn default_ns() -> String {
    "kubechat-system".into()
}

fn default_backup() -> String {
    "postgres-backup".into()
}

fn default_service() -> String {
    "kubechat-api-gateway".into()
}

/// What changes while a scenario plays (faults switched on by the timeline, the timeline
/// cursor, pod logs). Shared by the controllers and the HTTP server.
#[derive(Debug, Default)]
pub struct Live {
    /// How many timeline actions have been played.
    pub played: usize,
    pub bad_images: Vec<String>,
    pub bad_versions: Vec<BadVersion>,
    pub memory_needs: Vec<MemoryNeed>,
    pub failing_cronjobs: BTreeSet<String>,
    /// Pods whose containers should exit once: (namespace, pod) → reason.
    pub crash_requests: Vec<(String, String, String)>,
    /// Fractional pod deletions owed by the churn (scale scenario).
    pub churn_debt: f64,
    pub last_churn: Option<Timestamp>,
    pub last_housekeeping: Option<Timestamp>,
}

#[derive(Debug, Default)]
pub struct Scenario {
    pub name: String,
    /// Where it came from: `assets/scenarios/NAME.yaml` or the path given.
    pub source: String,
    /// The initial objects, in file order.
    pub objects: Vec<Value>,
    pub timeline: Vec<TimedAction>,
    /// Total requests per second to the API gateway when healthy.
    pub rps: f64,
    /// Pods deleted per simulated second (the scale scenario's churn).
    pub churn_per_sec: f64,
    /// What the user may not do (SelfSubjectAccessReview answers from it).
    pub permissions: Permissions,
    live: Mutex<Live>,
}

impl Scenario {
    /// The mutable part; hold it briefly (never across an await).
    pub fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn new(name: String, source: String, header: parse::Header) -> Scenario {
        Scenario {
            name,
            source,
            objects: header.objects,
            timeline: header.timeline,
            rps: header.rps,
            churn_per_sec: header.churn_per_sec,
            permissions: header.permissions,
            live: Mutex::new(Live {
                bad_images: header.bad_images,
                bad_versions: header.bad_versions,
                memory_needs: header.memory_needs,
                failing_cronjobs: header.failing_cronjobs.into_iter().collect(),
                ..Live::default()
            }),
        }
    }

    /// The generated scale scenario: the default KubeChat objects plus `params.deployments`
    /// Deployments with `params.pods` pods in all, and pod churn.
    pub fn scale(params: ScaleParams) -> Scenario {
        scale::generate(params)
    }

    /// Whether an image is one the scenario (or a later fault) makes crash.
    pub fn is_bad_image(&self, image: &str) -> bool {
        self.live()
            .bad_images
            .iter()
            .any(|bad| !bad.is_empty() && image.ends_with(bad.as_str()))
    }

    /// The working set of an image in bytes, if the scenario gives it one.
    pub fn memory_need(&self, image: &str) -> Option<f64> {
        memory_need(&self.live().memory_needs, image)
    }

    /// The misbehaviour of a version, if the scenario marks it bad.
    pub fn bad_version(&self, image: &str) -> Option<BadVersion> {
        self.live()
            .bad_versions
            .iter()
            .find(|b| !b.image.is_empty() && image.ends_with(b.image.as_str()))
            .cloned()
    }
}

/// The working set `needs` give an image (the first entry whose image it ends with).
pub fn memory_need(needs: &[MemoryNeed], image: &str) -> Option<f64> {
    needs
        .iter()
        .find(|n| !n.image.is_empty() && image.ends_with(n.image.as_str()))
        .and_then(MemoryNeed::bytes)
}

/// Loads a built-in scenario by name, or a scenario file by path.
pub fn load(name_or_path: &str) -> anyhow::Result<Scenario> {
    if name_or_path == "scale" {
        return Ok(Scenario::scale(ScaleParams::default()));
    }
    if let Some(text) = builtin_text(name_or_path) {
        let source = format!("assets/scenarios/{name_or_path}.yaml");
        return parse::parse(text, &source, name_or_path);
    }
    let text = std::fs::read_to_string(name_or_path).with_context(|| {
        format!(
            "scenario {name_or_path:?}: not a built-in scenario ({}) and not a readable file",
            BUILTIN_NAMES.join(", ")
        )
    })?;
    let stem = std::path::Path::new(name_or_path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name_or_path)
        .to_string();
    parse::parse(&text, name_or_path, &stem)
}

/// Parses scenario text; `source` names it in errors.
pub fn parse_str(text: &str, source: &str) -> anyhow::Result<Scenario> {
    parse::parse(text, source, source)
}

/// Creates the scenario's objects in the store: namespaces first (existing cluster-scoped
/// objects are kept), then the rest in file order, defaulted as the API server defaults
/// what clients create. Timestamps written `now-72h` become that time.
pub fn seed(scenario: &Scenario, store: &mut Store) -> anyhow::Result<()> {
    let now = store.now();
    let (namespaces, others): (Vec<&Value>, Vec<&Value>) = scenario
        .objects
        .iter()
        .partition(|o| o["kind"] == "Namespace" && o["apiVersion"] == "v1");
    for obj in namespaces.into_iter().chain(others) {
        let api_version = obj["apiVersion"].as_str().unwrap_or("");
        let kind = obj["kind"].as_str().unwrap_or("");
        let name = obj["metadata"]["name"].as_str().unwrap_or("");
        let res = resources::by_kind(api_version, kind)
            .with_context(|| format!("{}: object {kind} {name}: unknown kind", scenario.source))?;
        let ns = match obj["metadata"]["namespace"].as_str() {
            Some(ns) if res.namespaced => ns.to_string(),
            _ if res.namespaced => default_ns(),
            _ => String::new(),
        };
        // Cluster-scoped objects (namespaces, nodes, cluster roles) may already exist.
        if !res.namespaced && store.get(res, &ns, name).is_some() {
            continue;
        }
        let mut obj = obj.clone();
        resolve_relative_times(&mut obj, now);
        // As though a client had created it: the API server defaults every write.
        super::server::defaults::apply(res, &mut obj);
        store.create_internal(res, &ns, obj).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot create {kind} {ns}/{name}: {}",
                scenario.source,
                e.message
            )
        })?;
    }
    Ok(())
}

/// Replaces strings such as `now-72h` or `now+5m` by RFC 3339 timestamps relative to `now`.
pub(crate) fn resolve_relative_times(v: &mut Value, now: Timestamp) {
    match v {
        Value::String(s) => {
            let Some(rest) = s.strip_prefix("now") else {
                return;
            };
            let (sign, dur) = match rest.split_at_checked(1) {
                Some(("-", d)) => (-1, d),
                Some(("+", d)) => (1, d),
                _ if rest.is_empty() => (1, "0s"),
                _ => return,
            };
            if let Ok(d) = kubechat_spec::parse_duration(dur) {
                let d = jiff::SignedDuration::try_from(d).unwrap_or_default();
                let ts = if sign < 0 { now - d } else { now + d };
                *s = super::clock::rfc3339(ts);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| resolve_relative_times(i, now)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|i| resolve_relative_times(i, now)),
        _ => {}
    }
}
