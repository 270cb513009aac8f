//! The generated `scale` scenario: the default KubeChat objects plus many small Deployments
//! and pod churn, for benchmarks.

use serde_json::{json, Value};

use super::{parse, Scenario};

/// How big the scale scenario is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleParams {
    pub deployments: usize,
    /// Pods in all (spread over the deployments).
    pub pods: usize,
    /// Pods deleted per simulated second (their ReplicaSets replace them).
    pub churn_per_sec: f64,
}

impl Default for ScaleParams {
    fn default() -> Self {
        ScaleParams {
            deployments: 2000,
            pods: 10_000,
            churn_per_sec: 200.0,
        }
    }
}

/// Deployments per generated namespace.
const PER_NAMESPACE: usize = 100;

pub(super) fn generate(params: ScaleParams) -> Scenario {
    // Built-in texts are checked by the tests, so a parse failure here cannot happen.
    let header = super::builtin_text("scale").unwrap_or("");
    let mut scenario = parse::parse(header, "assets/scenarios/scale.yaml", "scale")
        .unwrap_or_else(|_| Scenario::default());
    let default = super::builtin_text("default").unwrap_or("");
    if let Ok(default) = parse::parse(default, "assets/scenarios/default.yaml", "default") {
        let own = std::mem::take(&mut scenario.objects);
        scenario.objects = default.objects;
        scenario.objects.extend(own);
    }
    scenario.name = "scale".into();
    scenario.source = "assets/scenarios/scale.yaml (generated)".into();
    scenario.churn_per_sec = params.churn_per_sec.max(0.0);
    let deployments = params.deployments;
    let namespaces = deployments.div_ceil(PER_NAMESPACE);
    for n in 0..namespaces {
        scenario.objects.push(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("scale-{n:03}"), "labels": {"sim.kubechat.io/scale": "true"}},
        }));
    }
    for d in 0..deployments {
        let base = params.pods / deployments.max(1);
        let replicas = base + usize::from(d < params.pods % deployments.max(1));
        scenario.objects.push(deployment(d, replicas));
    }
    scenario
}

fn deployment(index: usize, replicas: usize) -> Value {
    let name = format!("app-{index:04}");
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": format!("scale-{:03}", index / PER_NAMESPACE),
            "labels": {"app": name, "sim.kubechat.io/scale": "true"},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": {"app": name, "sim.kubechat.io/churn": "true"}},
                "spec": {"containers": [{
                    "name": "app",
                    "image": "registry.local/scale/app:1.0.0",
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                }]},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_pods_over_deployments() {
        let s = generate(ScaleParams {
            deployments: 3,
            pods: 10,
            churn_per_sec: 1.0,
        });
        let replicas: i64 = s
            .objects
            .iter()
            .filter(|o| {
                o["metadata"]["labels"]["sim.kubechat.io/scale"] == "true"
                    && o["kind"] == "Deployment"
            })
            .map(|o| o["spec"]["replicas"].as_i64().unwrap_or(0))
            .sum();
        assert_eq!(replicas, 10);
        assert_eq!(s.churn_per_sec, 1.0);
    }
}
