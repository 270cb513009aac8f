//! Argo AnalysisRuns, slim: each metric's condition and limit, its counts and its latest
//! measurement, so the canary detail can show measurements against `successCondition`
//! and failures against `failureLimit`.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnalysisRunView {
    pub name: String,
    /// Pending, Running, Successful, Failed, Error, Inconclusive.
    pub phase: String,
    pub metrics: Vec<MetricView>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricView {
    pub name: String,
    pub success_condition: Option<String>,
    pub failure_limit: Option<i64>,
    pub successful: i64,
    pub failed: i64,
    /// The newest measurement's value as the run recorded it ("[0.62]"), and its phase.
    pub last_value: Option<String>,
    pub last_phase: Option<String>,
}

impl AnalysisRunView {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// From an `argoproj.io/v1alpha1` AnalysisRun as JSON.
    pub fn from_json(o: &Value) -> AnalysisRunView {
        let text = |v: &Value| v.as_str().map(str::to_string);
        let results = o["status"]["metricResults"].as_array();
        let metrics = o["spec"]["metrics"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .map(|m| {
                        let name = text(&m["name"]).unwrap_or_default();
                        let result =
                            results.and_then(|rs| rs.iter().find(|r| r["name"] == m["name"]));
                        let last = result
                            .and_then(|r| r["measurements"].as_array())
                            .and_then(|ms| ms.last());
                        MetricView {
                            success_condition: text(&m["successCondition"]),
                            failure_limit: m["failureLimit"].as_i64(),
                            successful: result.and_then(|r| r["successful"].as_i64()).unwrap_or(0),
                            failed: result.and_then(|r| r["failed"].as_i64()).unwrap_or(0),
                            last_value: last.and_then(|l| text(&l["value"])),
                            last_phase: last.and_then(|l| text(&l["phase"])),
                            name,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        AnalysisRunView {
            name: text(&o["metadata"]["name"]).unwrap_or_default(),
            phase: text(&o["status"]["phase"]).unwrap_or_else(|| "Pending".into()),
            metrics,
        }
    }
}

impl MetricView {
    /// "success-rate: last [0.62] Failed · result[0] >= 0.95 · 2 failed of limit 3 · 5 ok".
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{}: last {}",
            self.name,
            match (&self.last_value, &self.last_phase) {
                (Some(v), Some(p)) => format!("{v} {p}"),
                (Some(v), None) => v.clone(),
                _ => "—".into(),
            }
        )];
        if let Some(c) = &self.success_condition {
            parts.push(c.clone());
        }
        parts.push(match self.failure_limit {
            Some(limit) => format!("{} failed of limit {limit}", self.failed),
            None => format!("{} failed", self.failed),
        });
        parts.push(format!("{} ok", self.successful));
        parts.join(" · ")
    }

    /// True when the failures reached the limit (the run fails on the next one past it).
    pub fn at_limit(&self) -> bool {
        self.failure_limit.is_some_and(|l| self.failed >= l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_conditions_limits_and_the_latest_measurement() {
        let run = AnalysisRunView::from_json(&json!({
            "metadata": {"name": "kubechat-api-gateway-7d9f-2"},
            "spec": {"metrics": [{"name": "success-rate", "successCondition": "result[0] >= 0.95", "failureLimit": 3}]},
            "status": {"phase": "Running", "metricResults": [{
                "name": "success-rate", "successful": 1, "failed": 2,
                "measurements": [{"value": "[0.97]", "phase": "Successful"}, {"value": "[0.62]", "phase": "Failed"}]
            }]}
        }));
        assert_eq!(
            run,
            AnalysisRunView {
                name: "kubechat-api-gateway-7d9f-2".into(),
                phase: "Running".into(),
                metrics: vec![MetricView {
                    name: "success-rate".into(),
                    success_condition: Some("result[0] >= 0.95".into()),
                    failure_limit: Some(3),
                    successful: 1,
                    failed: 2,
                    last_value: Some("[0.62]".into()),
                    last_phase: Some("Failed".into()),
                }],
            }
        );
        assert_eq!(
            run.metrics[0].summary(),
            "success-rate: last [0.62] Failed · result[0] >= 0.95 · 2 failed of limit 3 · 1 ok"
        );
        assert!(!run.metrics[0].at_limit());
    }

    #[test]
    fn a_run_without_status_is_pending() {
        let run = AnalysisRunView::from_json(&json!({"metadata": {"name": "r"}, "spec": {}}));
        assert_eq!(run.phase, "Pending");
        assert!(run.metrics.is_empty());
    }
}
