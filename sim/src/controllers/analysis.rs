//! Argo Rollouts analysis: AnalysisRuns created from AnalysisTemplates (args substituted),
//! measured every `interval` from the simulated traffic, judged by `successCondition`
//! (`result[0] >= 0.95`) and `failureLimit`.

use std::time::Duration;

use serde_json::{json, Value};

use super::util::{self, name};
use super::{Ctx, Obj};
use crate::clock::rfc3339;
use crate::events::{self, EventKind, Source};
use crate::resources::{self, Resource};

const SOURCE: Source<'static> = Source::component("rollouts-controller");
const KEEP_MEASUREMENTS: usize = 10;
/// The window of the success-rate query (`rate(...[2m])`).
const RATE_WINDOW: Duration = Duration::from_secs(120);

pub fn analysis_runs() -> &'static Resource {
    resources::of("argoproj.io", "analysisruns")
}

fn templates() -> &'static Resource {
    resources::of("argoproj.io", "analysistemplates")
}

fn is_terminal(ar: &Value) -> bool {
    matches!(
        ar["status"]["phase"].as_str(),
        Some("Successful" | "Failed" | "Error" | "Inconclusive")
    )
}

fn owned_by<'a>(runs: &'a [Obj], ro: &Value) -> impl Iterator<Item = &'a Obj> {
    let uid = util::uid(ro).to_string();
    runs.iter()
        .filter(move |ar| util::controller_uid(ar) == Some(uid.as_str()))
}

/// The background AnalysisRun of a rollout's canary `hash`, created if missing.
pub fn ensure_background(ctx: &mut Ctx, ro: &Obj, hash: &str, rev: i64) -> Option<Obj> {
    let analysis = &ro["spec"]["strategy"]["canary"]["analysis"];
    let template_names: Vec<&str> = analysis["templates"]
        .as_array()?
        .iter()
        .filter_map(|t| t["templateName"].as_str())
        .collect();
    let ns = util::namespace(ro).to_string();
    let ar_name = format!("{}-{hash}-{rev}", name(ro));
    if let Some(ar) = ctx.store.get(analysis_runs(), &ns, &ar_name) {
        return Some(ar);
    }
    let mut args: Vec<Value> = analysis["args"].as_array().cloned().unwrap_or_default();
    let mut metrics = Vec::new();
    for t in &template_names {
        let template = ctx.store.get(templates(), &ns, t)?;
        metrics.extend(
            template["spec"]["metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        for a in template["spec"]["args"].as_array().into_iter().flatten() {
            if !args.iter().any(|x| x["name"] == a["name"]) {
                args.push(a.clone());
            }
        }
    }
    let metrics = substitute(&json!(metrics), &args);
    let ar = json!({
        "metadata": {
            "name": ar_name, "namespace": ns,
            "labels": {"rollout-type": "Background", "rollouts-pod-template-hash": hash},
            "annotations": {"rollout.argoproj.io/revision": rev.to_string()},
            "ownerReferences": [util::owner_ref(ro)],
        },
        "spec": {"metrics": metrics, "args": args},
        "status": {"phase": "Pending"},
    });
    ctx.store.create_internal(analysis_runs(), &ns, ar).ok()
}

/// Replaces `{{args.NAME}}` in every string with the arg's value.
fn substitute(v: &Value, args: &[Value]) -> Value {
    match v {
        Value::String(s) => {
            let mut s = s.clone();
            for a in args {
                if let (Some(n), Some(val)) = (a["name"].as_str(), a["value"].as_str()) {
                    s = s.replace(&format!("{{{{args.{n}}}}}"), val);
                    s = s.replace(&format!("{{{{ args.{n} }}}}"), val);
                }
            }
            Value::String(s)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, args)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, i)| (k.clone(), substitute(i, args)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Removes failed runs of `hash` so a retried rollout starts a fresh analysis.
pub fn discard_failed(ctx: &mut Ctx, ro: &Obj, hash: &str) {
    let runs = ctx.store.list(analysis_runs(), Some(util::namespace(ro)));
    for ar in owned_by(&runs, ro) {
        if ar["metadata"]["labels"]["rollouts-pod-template-hash"] == hash && is_terminal(ar) {
            let _ = ctx.store.delete(
                analysis_runs(),
                util::namespace(ar),
                name(ar),
                Default::default(),
            );
        }
    }
}

/// Stops the running analysis of a fully promoted rollout.
pub fn terminate_for(ctx: &mut Ctx, ro: &Obj) {
    let runs = ctx.store.list(analysis_runs(), Some(util::namespace(ro)));
    for ar in owned_by(&runs, ro) {
        if !is_terminal(ar) && ar["spec"]["terminate"] != true {
            let _ = ctx
                .store
                .modify(analysis_runs(), util::namespace(ar), name(ar), |a| {
                    a["spec"]["terminate"] = json!(true)
                });
        }
    }
}

pub fn sync_all(ctx: &mut Ctx) {
    for ar in ctx.store.list(analysis_runs(), None) {
        if !is_terminal(&ar) && !util::is_deleting(&ar) {
            sync(ctx, &ar);
        }
    }
}

/// Evaluates `result[0] >= 0.95`-style conditions against a single value.
pub fn evaluate(condition: &str, value: f64) -> Result<bool, String> {
    let cond = condition.trim();
    for op in [">=", "<=", "==", "!=", ">", "<"] {
        if let Some((lhs, rhs)) = cond.split_once(op) {
            let lhs = lhs.trim();
            if lhs != "result[0]" && lhs != "result" {
                return Err(format!(
                    "unsupported condition {condition:?}: left side must be result[0]"
                ));
            }
            let rhs: f64 = rhs.trim().parse().map_err(|_| {
                format!("unsupported condition {condition:?}: right side must be a number")
            })?;
            return Ok(match op {
                ">=" => value >= rhs,
                "<=" => value <= rhs,
                "==" => value == rhs,
                "!=" => value != rhs,
                ">" => value > rhs,
                _ => value < rhs,
            });
        }
    }
    Err(format!("unsupported condition {condition:?}"))
}

/// The `service="..."` a query selects, if it names one.
fn service_of(query: &str) -> Option<&str> {
    let start = query.find("service=\"")? + "service=\"".len();
    let len = query[start..].find('"')?;
    Some(&query[start..start + len])
}

fn sync(ctx: &mut Ctx, ar: &Obj) {
    let now = rfc3339(ctx.now);
    let ns = util::namespace(ar).to_string();
    let mut st = ar.get("status").cloned().unwrap_or_else(|| json!({}));
    if st["startedAt"].is_null() {
        st["startedAt"] = json!(now);
    }
    if ar["spec"]["terminate"] == true {
        st["phase"] = json!("Successful");
        st["message"] = json!("Run Terminated");
        let _ = ctx
            .store
            .modify(analysis_runs(), &ns, name(ar), |a| a["status"] = st);
        return;
    }
    st["phase"] = json!("Running");
    let metrics = ar["spec"]["metrics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut results = st["metricResults"].as_array().cloned().unwrap_or_default();
    let mut failed_message = None;
    let mut all_done = !metrics.is_empty();
    for metric in &metrics {
        let mname = metric["name"].as_str().unwrap_or("metric");
        let pos = results.iter().position(|r| r["name"] == mname).unwrap_or_else(|| {
            results.push(json!({"name": mname, "phase": "Running", "measurements": [], "count": 0, "successful": 0, "failed": 0, "error": 0, "consecutiveError": 0}));
            results.len() - 1
        });
        let result = &mut results[pos];
        measure_if_due(ctx, metric, result, &now);
        let failed = result["failed"].as_i64().unwrap_or(0);
        let limit = metric["failureLimit"].as_i64().unwrap_or(0);
        let count = result["count"].as_i64().unwrap_or(0);
        if failed > limit {
            result["phase"] = json!("Failed");
            let msg = format!("Metric \"{mname}\" assessed Failed due to failed ({failed}) > failureLimit ({limit})");
            result["message"] = json!(msg);
            failed_message = Some(msg);
        } else if metric["count"].as_i64().is_some_and(|c| count >= c) {
            result["phase"] = json!("Successful");
        } else {
            all_done = false;
        }
    }
    st["metricResults"] = json!(results);
    let total = |k: &str| {
        results
            .iter()
            .map(|r| r[k].as_i64().unwrap_or(0))
            .sum::<i64>()
    };
    st["runSummary"] = json!({"count": metrics.len(), "successful": results.iter().filter(|r| r["phase"] == "Successful").count(), "failed": results.iter().filter(|r| r["phase"] == "Failed").count(), "inconclusive": 0, "error": total("error")});
    let mut event = None;
    if let Some(msg) = failed_message {
        st["phase"] = json!("Failed");
        st["message"] = json!(msg);
        st["completedAt"] = json!(now);
        event = Some((
            EventKind::Warning,
            "AnalysisRunFailed",
            format!("Analysis Run '{}' Failed: {msg}", name(ar)),
        ));
    } else if all_done {
        st["phase"] = json!("Successful");
        st["completedAt"] = json!(now);
        event = Some((
            EventKind::Normal,
            "AnalysisRunSuccessful",
            format!("Analysis Run '{}' Successful", name(ar)),
        ));
    }
    if ar.get("status") != Some(&st) {
        if let Ok(ar) = ctx
            .store
            .modify(analysis_runs(), &ns, name(ar), |a| a["status"] = st)
        {
            if let Some((kind, reason, msg)) = event {
                events::record(ctx.store, &ar, kind, reason, &msg, SOURCE);
            }
        }
    }
}

fn measure_if_due(ctx: &Ctx, metric: &Value, result: &mut Value, now: &str) {
    let interval = metric["interval"]
        .as_str()
        .and_then(|i| kubechat_spec::parse_duration(i).ok())
        .unwrap_or(Duration::from_secs(30));
    let last = result["measurements"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| util::timestamp(&m["finishedAt"]));
    if last.is_some_and(|t| ctx.now < util::plus(t, interval)) {
        return;
    }
    let query = metric["provider"]["prometheus"]["query"]
        .as_str()
        .unwrap_or("");
    let Some(value) = ctx.traffic.success_ratio(service_of(query), RATE_WINDOW) else {
        return; // no traffic yet: nothing to measure
    };
    let condition = metric["successCondition"]
        .as_str()
        .unwrap_or("result[0] >= 0");
    let (phase, message) = match evaluate(condition, value) {
        Ok(true) => ("Successful", None),
        Ok(false) => ("Failed", None),
        Err(e) => ("Error", Some(e)),
    };
    let mut m = json!({"phase": phase, "value": format!("[{value:.4}]"), "startedAt": now, "finishedAt": now});
    if let Some(msg) = message {
        m["message"] = json!(msg);
    }
    let counter = match phase {
        "Successful" => "successful",
        "Failed" => "failed",
        _ => "error",
    };
    result[counter] = json!(result[counter].as_i64().unwrap_or(0) + 1);
    result["count"] = json!(result["count"].as_i64().unwrap_or(0) + 1);
    result["consecutiveError"] = json!(if phase == "Error" {
        result["consecutiveError"].as_i64().unwrap_or(0) + 1
    } else {
        0
    });
    if let Some(list) = result["measurements"].as_array_mut() {
        list.push(m);
        if list.len() > KEEP_MEASUREMENTS {
            list.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_evaluate() {
        assert_eq!(evaluate("result[0] >= 0.95", 0.97), Ok(true));
        assert_eq!(evaluate("result[0] >= 0.95", 0.90), Ok(false));
        assert_eq!(evaluate("result < 1", 0.5), Ok(true));
        assert!(evaluate("len(result) > 0", 1.0).is_err());
    }

    #[test]
    fn args_are_substituted_and_service_found() {
        let q = substitute(
            &json!("x{service=\"{{args.service-name}}\",code!~\"5.*\"}"),
            &[json!({"name": "service-name", "value": "gw"})],
        );
        assert_eq!(service_of(q.as_str().unwrap()), Some("gw"));
    }
}
