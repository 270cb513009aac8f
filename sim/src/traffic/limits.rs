//! A gateway container's resource limits, as cAdvisor exports them
//! (`container_spec_cpu_quota`, `container_spec_memory_limit_bytes`).

use serde_json::Value;

use crate::quantity;

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
                        cpu_cores: quantity::parse(&limits["cpu"]),
                        memory_bytes: quantity::parse(&limits["memory"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
