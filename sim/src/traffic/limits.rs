//! A gateway container's resource limits, as cAdvisor exports them
//! (`container_spec_cpu_quota`, `container_spec_memory_limit_bytes`).

use serde_json::Value;

/// The CFS period cAdvisor reports with a quota: the quota is cores × this.
pub const CPU_PERIOD_MICROS: f64 = 100_000.0;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Container {
    pub name: String,
    /// `resources.limits.cpu` in cores; None without a limit (cAdvisor then has no quota).
    pub cpu_cores: Option<f64>,
    /// `resources.limits.memory` in bytes; None without a limit.
    pub memory_bytes: Option<f64>,
}

/// The containers of a pod spec with their limits (unparseable limits count as none).
pub fn containers(pod: &Value) -> Vec<Container> {
    pod["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| {
                    let limits = &c["resources"]["limits"];
                    Some(Container {
                        name: c["name"].as_str()?.to_string(),
                        cpu_cores: quantity(&limits["cpu"]),
                        memory_bytes: quantity(&limits["memory"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A Kubernetes quantity ("500m", "1", "512Mi", "2G", 1.5) as a number.
pub fn quantity(v: &Value) -> Option<f64> {
    if let Some(n) = v.as_f64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, f)| s.strip_suffix(suffix).map(|n| (n, *f)))
        .unwrap_or((s, 1.0));
    let n: f64 = number.parse().ok()?;
    n.is_finite().then_some(n * factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_in_kubernetes_notation() {
        assert_eq!(quantity(&json!("250m")), Some(0.25));
        assert_eq!(quantity(&json!("1")), Some(1.0));
        assert_eq!(quantity(&json!(2)), Some(2.0));
        assert_eq!(quantity(&json!("512Mi")), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(quantity(&json!("2G")), Some(2e9));
        assert_eq!(quantity(&json!("lots")), None);
        assert_eq!(quantity(&json!(null)), None);
    }

    #[test]
    fn containers_carry_their_limits() {
        let pod = json!({"spec": {"containers": [
            {"name": "api", "resources": {"limits": {"cpu": "1", "memory": "512Mi"}}},
            {"name": "sidecar"}
        ]}});
        let cs = containers(&pod);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].cpu_cores, Some(1.0));
        assert_eq!(cs[0].memory_bytes, Some(536870912.0));
        assert_eq!(cs[1].cpu_cores, None);
    }
}
