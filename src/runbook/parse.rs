//! The YAML format: the console's own (`id`, `title`, `alerts`, `sections` of steps) and the
//! seed's blocks as they are (`alert_name` with `investigation_steps`/`mitigation_steps` of
//! `step`/`action`/`command`; `pre_deployment_checks` with `success_criteria`;
//! `staging_validation` with `check`/`timeout`; `initial_response` with `responsible`;
//! `investigation_process` with `tools`/`approach`/`options`/`metrics`). An error names the
//! file, the line and the field.

use std::time::Duration;

use serde::Deserialize;
use serde_yaml_ng::Value;

use super::model::{
    Check, Cmp, Expect, InputDef, InputKind, NativeAction, Runbook, Section, Step, What,
};
use super::mutates::{command_interactive, command_mutates};
use super::placeholder;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    id: Option<String>,
    title: Option<String>,
    #[serde(default)]
    alerts: Vec<String>,
    alert_name: Option<String>,
    severity: Option<String>,
    url: Option<String>,
    runbook_url: Option<String>,
    #[serde(default)]
    inputs: Vec<RawInput>,
    #[serde(default)]
    sections: Vec<RawSection>,
    investigation_steps: Option<Vec<ParsedStep>>,
    mitigation_steps: Option<Vec<ParsedStep>>,
    pre_deployment_checks: Option<Vec<ParsedStep>>,
    staging_validation: Option<Vec<ParsedStep>>,
    initial_response: Option<Vec<ParsedStep>>,
    investigation_process: Option<Vec<ParsedStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    name: String,
    steps: Vec<ParsedStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    title: Option<String>,
    /// The seed's step number (order is the list's).
    #[allow(dead_code)]
    step: Option<u32>,
    /// The seed's `action` is the step's title; with a `title`, a native action.
    action: Option<String>,
    /// The seed's checklists name their steps `name`.
    name: Option<String>,
    command: Option<String>,
    check: Option<Value>,
    expect: Option<RawExpect>,
    timeout: Option<Value>,
    mutates: Option<bool>,
    interactive: Option<bool>,
    note: Option<String>,
    responsible: Option<String>,
    success_criteria: Option<String>,
    tools: Option<Vec<String>>,
    approach: Option<String>,
    options: Option<Vec<String>>,
    metrics: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    exit: Option<i32>,
    output: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    pods_ready: Option<String>,
    promql: Option<String>,
    http: Option<String>,
    below: Option<f64>,
    above: Option<f64>,
    service: Option<String>,
    namespace: Option<String>,
    status: Option<u16>,
    body: Option<String>,
}

/// A step checked as it is read, so an error carries the step's line.
#[derive(Deserialize)]
#[serde(try_from = "RawStep")]
struct ParsedStep(Step);

/// `10 minutes`, `2m`, `90` (seconds).
pub fn duration(v: &Value) -> Result<Duration, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err("timeout: expected a duration such as 30s, 2m or \"10 minutes\"".into()),
    };
    let mut words = String::new();
    for w in text.split_whitespace() {
        let unit = match w.to_ascii_lowercase().as_str() {
            "second" | "seconds" | "sec" | "secs" => "s".to_string(),
            "minute" | "minutes" | "min" | "mins" => "m".to_string(),
            "hour" | "hours" => "h".to_string(),
            "day" | "days" => "d".to_string(),
            other => other.to_string(),
        };
        words.push_str(&unit);
    }
    kubechat_spec::parse_duration(&words).map_err(|e| format!("timeout: {e}"))
}

fn check_of(v: Value) -> Result<Check, String> {
    let raw: RawCheck = serde_yaml_ng::from_value(v).map_err(|e| format!("check: {e}"))?;
    let kinds = [
        raw.pods_ready.is_some(),
        raw.promql.is_some(),
        raw.http.is_some(),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    if kinds != 1 {
        return Err("check: give exactly one of pods_ready, promql, http".into());
    }
    if let Some(selector) = raw.pods_ready {
        return Ok(Check::PodsReady {
            selector,
            namespace: raw.namespace,
        });
    }
    if let Some(query) = raw.promql {
        let (cmp, threshold) = match (raw.below, raw.above) {
            (Some(t), None) => (Cmp::Below, t),
            (None, Some(t)) => (Cmp::Above, t),
            _ => return Err("check: a promql check needs one of below, above".into()),
        };
        return Ok(Check::Promql {
            query,
            cmp,
            threshold,
        });
    }
    let target = raw.http.unwrap_or_default();
    if raw.service.is_none() && !target.starts_with("http://") && !target.starts_with("https://") {
        return Err(format!(
            "check: http {target:?} needs a full URL, or a path with `service: NAME:PORT`"
        ));
    }
    if let Some(body) = &raw.body {
        regex::Regex::new(body).map_err(|e| format!("check: body: {e}"))?;
    }
    Ok(Check::Http {
        service: raw.service,
        namespace: raw.namespace,
        target,
        status: raw.status.unwrap_or(200),
        body: raw.body,
    })
}

impl TryFrom<RawStep> for ParsedStep {
    type Error = String;

    fn try_from(raw: RawStep) -> Result<ParsedStep, String> {
        let titled = raw.title.is_some() || raw.name.is_some();
        let title = raw
            .title
            .or(raw.name)
            .or_else(|| raw.action.clone())
            .ok_or("a step needs a title (or the seed's `action` or `name`)")?;
        let native = if titled { raw.action } else { None };
        let mut criteria: Vec<String> = raw.success_criteria.into_iter().collect();
        let mut what = Vec::new();
        if let Some(c) = raw.command {
            what.push(What::Command(c));
        }
        if let Some(a) = native {
            // checked with every placeholder standing for "1"
            let stand_in = placeholder::names(&a)
                .into_iter()
                .map(|n| (n, "1".to_string()))
                .collect();
            let filled = placeholder::fill(&a, &stand_in, placeholder::Quoting::Plain)
                .unwrap_or_else(|_| a.clone());
            NativeAction::to_write(&filled, jiff::Timestamp::UNIX_EPOCH)
                .map_err(|e| format!("action: {e}"))?;
            what.push(What::Action(NativeAction { template: a }));
        }
        match raw.check {
            // the seed's checks are sentences: something to verify by hand
            Some(Value::String(s)) => criteria.insert(0, s),
            Some(v) => what.push(What::Check(check_of(v)?)),
            None => {}
        }
        if what.len() > 1 {
            return Err("a step has one of command, action, check".into());
        }
        for (label, list) in [
            ("tools", raw.tools),
            ("options", raw.options),
            ("metrics", raw.metrics),
        ] {
            if let Some(list) = list {
                criteria.push(format!("{label}: {}", list.join(", ")));
            }
        }
        if let Some(a) = raw.approach {
            criteria.push(format!("approach: {a}"));
        }
        let what = what.pop().unwrap_or(What::Manual);
        let (mutates, interactive) = match &what {
            What::Command(c) => (
                raw.mutates.unwrap_or_else(|| command_mutates(c)),
                raw.interactive.unwrap_or_else(|| command_interactive(c)),
            ),
            What::Action(_) => (true, false),
            What::Check(_) | What::Manual => (raw.mutates.unwrap_or(false), false),
        };
        if matches!(what, What::Action(_)) && raw.mutates == Some(false) {
            return Err("mutates: a native action always writes".into());
        }
        let expect = match raw.expect {
            Some(e) => {
                if let Some(re) = &e.output {
                    regex::Regex::new(re).map_err(|err| format!("expect.output: {err}"))?;
                }
                Expect {
                    exit: e.exit,
                    output: e.output,
                }
            }
            None => Expect::default(),
        };
        let timeout = raw.timeout.as_ref().map(duration).transpose()?;
        Ok(ParsedStep(Step {
            title,
            what,
            expect,
            timeout,
            mutates,
            interactive,
            note: raw.note,
            responsible: raw.responsible,
            criteria: (!criteria.is_empty()).then(|| criteria.join("; ")),
        }))
    }
}

/// `serde_yaml_ng`'s message without its own " at line L column C" (we say the line first).
fn message(e: &serde_yaml_ng::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A runbook id from a file name (`pod-crash-looping.yaml` → `pod-crash-looping`) or an
/// alert name (`KubeChatPodCrashLooping` → `kubechat-pod-crash-looping`).
pub fn id_from(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
            prev_lower = false;
        }
    }
    let out = out.trim_matches('-').replace("kube-chat", "kubechat");
    out
}

/// Parses one runbook file. `file` names it in errors; `default_id` is the id when the file
/// gives none (its stem).
pub fn parse(text: &str, file: &str, default_id: &str) -> Result<Runbook, String> {
    let de = serde_yaml_ng::Deserializer::from_str(text);
    let raw: RawFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let at = match inner.location() {
            Some(l) => format!("{file}: line {}", l.line()),
            None => file.to_string(),
        };
        let msg = message(inner);
        // serde_yaml_ng names the path itself when the error is inside a mapping
        let named = msg.split_once(": ").is_some_and(|(head, _)| {
            !head.contains(' ') && (head.contains('.') || head.contains('['))
        });
        if path.is_empty() || path == "." || named {
            format!("{at}: {msg}")
        } else {
            format!("{at}: {path}: {msg}")
        }
    })?;
    let err = |m: String| format!("{file}: {m}");
    let mut sections: Vec<Section> = raw
        .sections
        .into_iter()
        .map(|s| Section {
            name: s.name,
            steps: s.steps.into_iter().map(|p| p.0).collect(),
        })
        .collect();
    for (name, steps) in [
        ("investigate", raw.investigation_steps),
        ("mitigate", raw.mitigation_steps),
        ("pre-deployment checks", raw.pre_deployment_checks),
        ("staging validation", raw.staging_validation),
        ("initial response", raw.initial_response),
        ("investigation process", raw.investigation_process),
    ] {
        if let Some(steps) = steps {
            sections.push(Section {
                name: name.to_string(),
                steps: steps.into_iter().map(|p| p.0).collect(),
            });
        }
    }
    if sections.iter().all(|s| s.steps.is_empty()) {
        return Err(err(
            "no steps: give `sections`, or the seed's investigation_steps, mitigation_steps, \
             pre_deployment_checks, staging_validation, initial_response or investigation_process"
                .into(),
        ));
    }
    let mut alerts = raw.alerts;
    if let Some(a) = &raw.alert_name {
        if !alerts.contains(a) {
            alerts.insert(0, a.clone());
        }
    }
    let id = raw
        .id
        .clone()
        .or_else(|| raw.alert_name.as_deref().map(id_from))
        .unwrap_or_else(|| default_id.to_string());
    if id.is_empty() || id.contains(char::is_whitespace) {
        return Err(err(format!("id: {id:?} is not a usable id (no spaces)")));
    }
    let mut inputs = Vec::new();
    for i in raw.inputs {
        let kind = match i.kind.as_deref() {
            None | Some("text") => InputKind::Text,
            Some("timestamp") => InputKind::Timestamp,
            Some(k) => {
                return Err(err(format!(
                    "inputs: {}: unknown kind {k:?} (known: text, timestamp)",
                    i.name
                )))
            }
        };
        inputs.push(InputDef {
            name: i.name.to_ascii_lowercase().replace('-', "_"),
            description: i.description,
            kind,
        });
    }
    Ok(Runbook {
        title: raw.title.or(raw.alert_name).unwrap_or_else(|| id.clone()),
        id,
        alerts,
        severity: raw.severity,
        url: raw.url.or(raw.runbook_url),
        inputs,
        sections,
        source: file.to_string(),
    })
}

/// Checks an input's value: a timestamp is `YYYY-MM-DD HH:MM:SS` (or RFC 3339).
pub fn validate_input(def: &InputDef, value: &str) -> Result<(), String> {
    match def.kind {
        InputKind::Text => Ok(()),
        InputKind::Timestamp => {
            let ok = value.parse::<jiff::Timestamp>().is_ok()
                || jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", value).is_ok();
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "{}: {value:?} is not a time (expected YYYY-MM-DD HH:MM:SS, e.g. 2024-01-01 12:00:00)",
                    def.name
                ))
            }
        }
    }
}
