//! What a simulated container uses: memory against its limit (the scenario's working sets
//! decide who is OOMKilled) and an estimate of CPU and memory for containers the traffic
//! does not model. The kubelet asks whether a container runs out of memory; the traffic and
//! the metrics API (`kubectl top`) ask how much it uses.

use serde_json::Value;

use crate::quantity;

/// CPU cores and memory bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub cpu_cores: f64,
    pub memory_bytes: f64,
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, other: Usage) -> Usage {
        Usage {
            cpu_cores: self.cpu_cores + other.cpu_cores,
            memory_bytes: self.memory_bytes + other.memory_bytes,
        }
    }
}

/// Where a container that runs out of memory is seen just before the kernel kills it
/// (and stays, as metrics go, while it waits to restart): this share of its limit.
pub const OOM_FILL: f64 = 0.98;
/// CPU a container that is filling its memory burns (cores).
const OOM_CPU: f64 = 0.35;
/// Memory of a container that requests and limits none.
const DEFAULT_MEMORY: f64 = 48.0 * 1048576.0;
/// CPU of a container that requests none (cores).
const DEFAULT_CPU: f64 = 0.01;

/// `resources.limits.memory` of a container spec, in bytes.
pub fn memory_limit(container: &Value) -> Option<f64> {
    quantity::parse(&container["resources"]["limits"]["memory"])
}

/// Whether a container with working set `need` is OOMKilled: its limit is below the need.
pub fn runs_out_of_memory(need: Option<f64>, container: &Value) -> bool {
    matches!((need, memory_limit(container)), (Some(need), Some(limit)) if need > limit)
}

/// The memory a working set makes a container use: the need, or just under its limit when
/// it runs out of memory. None without a need.
pub fn memory_with_need(need: Option<f64>, container: &Value) -> Option<f64> {
    let need = need?;
    Some(match memory_limit(container) {
        Some(limit) if need > limit => limit * OOM_FILL,
        _ => need,
    })
}

/// A number in 0..1 that stays the same for the same text (so pods differ, but not from
/// one request to the next).
fn spread(text: &str) -> f64 {
    let h = text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    f64::from(h % 1000) / 1000.0
}

/// What a container the traffic does not model uses: its working set if the scenario gives
/// it one, else 55-85 % of its memory request (or half its limit) and 10-40 % of its CPU
/// request, steady per pod and container.
pub fn estimate(pod: &str, container: &Value, need: Option<f64>) -> Usage {
    let name = container["name"].as_str().unwrap_or("");
    let x = spread(&format!("{pod}/{name}"));
    let requests = &container["resources"]["requests"];
    let limits = &container["resources"]["limits"];
    let memory_base = quantity::parse(&requests["memory"])
        .or_else(|| quantity::parse(&limits["memory"]).map(|l| l * 0.5))
        .unwrap_or(DEFAULT_MEMORY);
    let cpu_base = quantity::parse(&requests["cpu"])
        .or_else(|| quantity::parse(&limits["cpu"]).map(|l| l * 0.5))
        .unwrap_or(DEFAULT_CPU);
    let oom = runs_out_of_memory(need, container);
    Usage {
        cpu_cores: if oom {
            OOM_CPU
        } else {
            cpu_base * (0.1 + 0.3 * x)
        },
        memory_bytes: memory_with_need(need, container).unwrap_or(memory_base * (0.55 + 0.3 * x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MI: f64 = 1048576.0;

    fn limited(memory: &str) -> Value {
        json!({"name": "api-gateway", "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}, "limits": {"memory": memory}}})
    }

    #[test]
    fn a_working_set_above_the_limit_runs_out_of_memory_near_the_limit() {
        let need = Some(470.0 * MI);
        assert!(runs_out_of_memory(need, &limited("256Mi")));
        assert!(!runs_out_of_memory(need, &limited("1Gi")));
        assert!(!runs_out_of_memory(None, &limited("256Mi")));
        assert!(!runs_out_of_memory(need, &json!({"name": "unlimited"})));
        assert_eq!(
            memory_with_need(need, &limited("256Mi")),
            Some(256.0 * MI * OOM_FILL)
        );
        assert_eq!(memory_with_need(need, &limited("1Gi")), Some(470.0 * MI));
        let oom = estimate("p", &limited("256Mi"), need);
        assert!(oom.memory_bytes > 250.0 * MI && oom.memory_bytes < 256.0 * MI);
    }

    #[test]
    fn estimates_follow_requests_and_stay_put() {
        let c = limited("512Mi");
        let a = estimate("pod-a", &c, None);
        assert_eq!(a, estimate("pod-a", &c, None));
        assert!(a.memory_bytes >= 0.55 * 128.0 * MI && a.memory_bytes <= 0.85 * 128.0 * MI);
        assert!(a.cpu_cores >= 0.025 && a.cpu_cores <= 0.1);
        let bare = estimate("pod-b", &json!({"name": "x"}), None);
        assert!(bare.memory_bytes > 0.0 && bare.cpu_cores > 0.0);
    }
}
