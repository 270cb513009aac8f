//! The slim view of an Argo Rollout, read from JSON (the console has no Argo types).
//! Every field is optional in the input; missing or malformed fields become defaults.

use jiff::Timestamp;
use serde_json::Value;

use super::views::ConditionView;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanaryStep {
    SetWeight(i32),
    /// A pause with its duration in seconds (`None`: until promoted).
    Pause(Option<i64>),
    /// Analysis with the template names.
    Analysis(Vec<String>),
    /// Any other step kind, by its key (setCanaryScale, experiment, …).
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutStrategy {
    Canary {
        steps: Vec<CanaryStep>,
    },
    BlueGreen {
        active_service: String,
        preview_service: Option<String>,
        auto_promotion: bool,
    },
}

impl Default for RolloutStrategy {
    fn default() -> Self {
        RolloutStrategy::Canary { steps: Vec::new() }
    }
}

/// The analysis run of the current step (status.canary.currentStepAnalysisRunStatus), else
/// the background one (currentBackgroundAnalysisRunStatus).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnalysisView {
    pub name: String,
    pub status: String,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RolloutView {
    pub name: String,
    pub created: Option<Timestamp>,
    pub generation: i64,
    pub observed_generation: Option<i64>,
    pub strategy: RolloutStrategy,
    pub desired: i32,
    pub replicas: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    /// spec.paused (a manual pause).
    pub paused: bool,
    pub abort: bool,
    /// status.phase as Argo reports it (Healthy, Progressing, Paused, Degraded).
    pub phase: Option<String>,
    pub message: Option<String>,
    pub current_step: Option<usize>,
    /// When the current pause began (first pause condition).
    pub pause_started: Option<Timestamp>,
    pub pause_reasons: Vec<String>,
    pub stable_hash: Option<String>,
    pub current_hash: Option<String>,
    /// The canary's actual traffic weight, when traffic routing reports it.
    pub canary_weight: Option<i32>,
    pub image: String,
    pub conditions: Vec<ConditionView>,
    pub analysis: Option<AnalysisView>,
}

impl RolloutView {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn from_json(v: &Value) -> RolloutView {
        let spec = &v["spec"];
        let status = &v["status"];
        let meta = &v["metadata"];
        let pause_conditions = status["pauseConditions"].as_array();
        RolloutView {
            name: str_of(&meta["name"]).unwrap_or_default(),
            created: time_of(&meta["creationTimestamp"]),
            generation: int_of(&meta["generation"]).unwrap_or(0),
            observed_generation: int_of(&status["observedGeneration"]),
            strategy: strategy_of(&spec["strategy"]),
            desired: int_of(&spec["replicas"]).unwrap_or(1) as i32,
            replicas: int_of(&status["replicas"]).unwrap_or(0) as i32,
            updated: int_of(&status["updatedReplicas"]).unwrap_or(0) as i32,
            ready: int_of(&status["readyReplicas"]).unwrap_or(0) as i32,
            available: int_of(&status["availableReplicas"]).unwrap_or(0) as i32,
            paused: spec["paused"].as_bool().unwrap_or(false),
            abort: status["abort"].as_bool().unwrap_or(false),
            phase: str_of(&status["phase"]),
            message: str_of(&status["message"]).filter(|m| !m.is_empty()),
            current_step: int_of(&status["currentStepIndex"]).map(|i| i.max(0) as usize),
            pause_started: pause_conditions
                .and_then(|pcs| pcs.iter().find_map(|pc| time_of(&pc["startTime"]))),
            pause_reasons: pause_conditions
                .map(|pcs| pcs.iter().filter_map(|pc| str_of(&pc["reason"])).collect())
                .unwrap_or_default(),
            stable_hash: str_of(&status["stableRS"]),
            current_hash: str_of(&status["currentPodHash"]),
            canary_weight: int_of(&status["canary"]["weights"]["canary"]["weight"])
                .map(|w| w as i32),
            image: spec["template"]["spec"]["containers"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .filter_map(|c| c["image"].as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default(),
            conditions: status["conditions"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| ConditionView {
                            type_: str_of(&c["type"]).unwrap_or_default(),
                            status: str_of(&c["status"]).unwrap_or_default(),
                            reason: str_of(&c["reason"]),
                            message: str_of(&c["message"]),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            analysis: {
                // the step's analysis run, else the background one
                let step = &status["canary"]["currentStepAnalysisRunStatus"];
                let a = if step["name"].is_string() {
                    step
                } else {
                    &status["canary"]["currentBackgroundAnalysisRunStatus"]
                };
                str_of(&a["name"]).map(|name| AnalysisView {
                    name,
                    status: str_of(&a["status"]).unwrap_or_default(),
                    message: str_of(&a["message"]).filter(|m| !m.is_empty()),
                })
            },
        }
    }
}

fn str_of(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// Integers may arrive as numbers or strings (Argo's observedGeneration is a string).
fn int_of(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.parse().ok())
}

fn time_of(v: &Value) -> Option<Timestamp> {
    v.as_str()?.parse().ok()
}

fn strategy_of(v: &Value) -> RolloutStrategy {
    let bg = &v["blueGreen"];
    if bg.is_object() {
        return RolloutStrategy::BlueGreen {
            active_service: str_of(&bg["activeService"]).unwrap_or_default(),
            preview_service: str_of(&bg["previewService"]),
            auto_promotion: bg["autoPromotionEnabled"].as_bool().unwrap_or(true),
        };
    }
    let steps = v["canary"]["steps"]
        .as_array()
        .map(|s| s.iter().map(step_of).collect())
        .unwrap_or_default();
    RolloutStrategy::Canary { steps }
}

fn step_of(step: &Value) -> CanaryStep {
    if let Some(w) = int_of(&step["setWeight"]) {
        return CanaryStep::SetWeight(w as i32);
    }
    if step.get("pause").is_some() {
        return CanaryStep::Pause(duration_secs(&step["pause"]["duration"]));
    }
    if step.get("analysis").is_some() {
        let names = step["analysis"]["templates"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .filter_map(|t| str_of(&t["templateName"]))
                    .collect()
            })
            .unwrap_or_default();
        return CanaryStep::Analysis(names);
    }
    let key = step
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_else(|| "?".into());
    CanaryStep::Other(key)
}

/// "30s", "2m", "1h", a bare number of seconds, or a number.
pub fn duration_secs(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().ok()?;
    match unit {
        "" | "s" => Some(n),
        "m" => Some(n * 60),
        "h" => Some(n * 3600),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn malformed_input_gives_defaults_not_panics() {
        let r = RolloutView::from_json(&json!({"spec": 3, "status": {"replicas": "x"}}));
        assert_eq!(
            r,
            RolloutView {
                desired: 1,
                ..RolloutView::default()
            }
        );
        assert_eq!(RolloutView::from_json(&json!(null)).name, "");
    }

    #[test]
    fn durations() {
        assert_eq!(duration_secs(&json!("2m")), Some(120));
        assert_eq!(duration_secs(&json!("45s")), Some(45));
        assert_eq!(duration_secs(&json!(10)), Some(10));
        assert_eq!(duration_secs(&json!("1h")), Some(3600));
        assert_eq!(duration_secs(&json!("soon")), None);
        assert_eq!(duration_secs(&Value::Null), None);
    }
}
