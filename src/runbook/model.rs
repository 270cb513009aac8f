//! What a runbook is once parsed: sections of steps, each a shell command, a native action
//! (one of the console's confirmed writes), a check, or a manual instruction to tick off.

use std::time::Duration;

use jiff::Timestamp;

use crate::cluster::backup::manual_job_name;
use crate::effect::{ClusterWrite, WorkloadKind};

#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    /// Unique among the loaded runbooks; a user file with the same id replaces a default.
    pub id: String,
    pub title: String,
    /// The alerts it answers (e.g. `KubeChatPodCrashLooping`).
    pub alerts: Vec<String>,
    pub severity: Option<String>,
    pub url: Option<String>,
    /// Values asked of the user, with how they are validated.
    pub inputs: Vec<InputDef>,
    pub sections: Vec<Section>,
    /// Where it came from: `built-in` or the file's path.
    pub source: String,
}

impl Runbook {
    /// The step `n` (1-based across the runbook, as `--step N` counts) and its section.
    pub fn steps(&self) -> impl Iterator<Item = (&Section, &Step)> {
        self.sections
            .iter()
            .flat_map(|s| s.steps.iter().map(move |st| (s, st)))
    }

    pub fn step_count(&self) -> usize {
        self.sections.iter().map(|s| s.steps.len()).sum()
    }

    /// Every placeholder name its steps use (lower case), in order of first use.
    pub fn placeholders(&self) -> Vec<String> {
        let mut names = Vec::new();
        for (_, step) in self.steps() {
            for name in step.placeholders() {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }
}

/// A value the runbook asks for (e.g. the recovery's target time).
#[derive(Debug, Clone, PartialEq)]
pub struct InputDef {
    /// Lower case, as placeholders are looked up.
    pub name: String,
    pub description: String,
    pub kind: InputKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Any text.
    Text,
    /// `YYYY-MM-DD HH:MM:SS` (the seed's point-in-time recovery format), in the past.
    Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub title: String,
    pub what: What,
    pub expect: Expect,
    pub timeout: Option<Duration>,
    /// Given, or inferred from the kubectl verb (`mutates::command_mutates`).
    pub mutates: bool,
    /// Needs the terminal (e.g. `kubectl debug -it`).
    pub interactive: bool,
    pub note: Option<String>,
    /// Who does it (the seed's `responsible`).
    pub responsible: Option<String>,
    /// When it has passed (the seed's `success_criteria`), shown with the step.
    pub criteria: Option<String>,
}

impl Step {
    /// The placeholder names (lower case) in its command, action or check.
    pub fn placeholders(&self) -> Vec<String> {
        let texts: Vec<&str> = match &self.what {
            What::Command(c) => vec![c],
            What::Action(a) => vec![a.template.as_str()],
            What::Check(c) => c.texts(),
            What::Manual => vec![],
        };
        let mut names = Vec::new();
        for t in texts {
            for n in super::placeholder::names(t) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        names
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// A shell command line, run with `sh -c`.
    Command(String),
    /// One of the console's own writes.
    Action(NativeAction),
    Check(Check),
    /// An instruction ticked off by hand.
    Manual,
}

/// A native action as written (`scale deployment/{{ live_deployment }} 10`): checked at load
/// with placeholders standing in, resolved into a [`ClusterWrite`] when run.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeAction {
    pub template: String,
}

/// The native actions and how they are written.
pub const NATIVE_ACTIONS: &[(&str, &str)] = &[
    ("scale", "scale deployment/NAME|rollout/NAME REPLICAS"),
    ("restart", "restart deployment/NAME|rollout/NAME"),
    ("undo", "undo DEPLOYMENT [REVISION]"),
    ("pause", "pause DEPLOYMENT"),
    ("resume", "resume DEPLOYMENT"),
    ("switch", "switch SERVICE SLOT"),
    ("promote", "promote ROLLOUT [--full]"),
    ("abort", "abort ROLLOUT"),
    ("retry", "retry ROLLOUT"),
    ("delete", "delete DEPLOYMENT"),
    ("run-cronjob", "run-cronjob CRONJOB [JOB]"),
    ("suspend-cronjob", "suspend-cronjob CRONJOB"),
    ("resume-cronjob", "resume-cronjob CRONJOB"),
];

impl NativeAction {
    /// The write this action stands for, its placeholders already filled in, at `now`
    /// (a CronJob's run is a Job named `CRONJOB-manual-SECONDS`, as the Backups pane names
    /// it, unless the action names it).
    pub fn to_write(resolved: &str, now: Timestamp) -> Result<ClusterWrite, String> {
        let words: Vec<&str> = resolved.split_whitespace().collect();
        let usage = |verb: &str| {
            let form = NATIVE_ACTIONS
                .iter()
                .find(|(v, _)| *v == verb)
                .map(|(_, f)| *f)
                .unwrap_or("");
            format!("{resolved:?}: expected `{form}`")
        };
        let workload = |w: &str| -> Result<(WorkloadKind, String), String> {
            match w.split_once('/') {
                Some(("deployment" | "deploy" | "deployments", n)) if !n.is_empty() => {
                    Ok((WorkloadKind::Deployment, n.to_string()))
                }
                Some(("rollout" | "rollouts", n)) if !n.is_empty() => {
                    Ok((WorkloadKind::Rollout, n.to_string()))
                }
                None if !w.is_empty() => Ok((WorkloadKind::Deployment, w.to_string())),
                _ => Err(format!("{w:?}: expected deployment/NAME or rollout/NAME")),
            }
        };
        let Some(verb) = words.first().copied() else {
            return Err("an empty action".into());
        };
        let w = match (verb, &words[1..]) {
            ("scale", [target, n]) => {
                let (kind, name) = workload(target)?;
                let replicas = n
                    .trim_start_matches("--replicas=")
                    .parse::<i32>()
                    .ok()
                    .filter(|r| *r >= 0)
                    .ok_or_else(|| format!("{n:?}: the replicas must be a number ≥ 0"))?;
                ClusterWrite::Scale {
                    kind,
                    name,
                    replicas,
                }
            }
            ("restart", [target]) => {
                let (kind, name) = workload(target)?;
                ClusterWrite::Restart { kind, name }
            }
            ("undo", [name]) => ClusterWrite::Undo {
                name: workload(name)?.1,
                to_revision: None,
            },
            ("undo", [name, rev]) => ClusterWrite::Undo {
                name: workload(name)?.1,
                to_revision: Some(
                    rev.parse()
                        .map_err(|_| format!("{rev:?}: a revision is a number"))?,
                ),
            },
            ("pause" | "resume", [name]) => ClusterWrite::SetPaused {
                name: workload(name)?.1,
                paused: verb == "pause",
            },
            ("switch", [service, slot]) => ClusterWrite::SwitchSlot {
                service: service.trim_start_matches("service/").to_string(),
                slot: slot.to_string(),
            },
            ("promote", [name]) => ClusterWrite::Promote {
                name: name.trim_start_matches("rollout/").to_string(),
                full: false,
            },
            ("promote", [name, "--full"]) => ClusterWrite::Promote {
                name: name.trim_start_matches("rollout/").to_string(),
                full: true,
            },
            ("abort", [name]) => ClusterWrite::Abort {
                name: name.trim_start_matches("rollout/").to_string(),
            },
            ("retry", [name]) => ClusterWrite::Retry {
                name: name.trim_start_matches("rollout/").to_string(),
            },
            ("delete", [name]) => ClusterWrite::DeleteDeployment {
                name: workload(name)?.1,
            },
            ("run-cronjob", [cronjob, job @ ..]) if job.len() <= 1 => {
                let cronjob = cronjob.trim_start_matches("cronjob/").to_string();
                let job = match job.first() {
                    Some(j) => j.trim_start_matches("job/").to_string(),
                    None => manual_job_name(&cronjob, now),
                };
                ClusterWrite::RunCronJob { cronjob, job }
            }
            ("suspend-cronjob" | "resume-cronjob", [name]) => ClusterWrite::SuspendCronJob {
                name: name.trim_start_matches("cronjob/").to_string(),
                suspend: verb == "suspend-cronjob",
            },
            (v, _) if NATIVE_ACTIONS.iter().any(|(n, _)| *n == v) => return Err(usage(v)),
            (v, _) => {
                let known: Vec<&str> = NATIVE_ACTIONS.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "unknown native action {v:?} (known: {})",
                    known.join(", ")
                ));
            }
        };
        Ok(w)
    }
}

/// Pass or fail: the exit status and the output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expect {
    /// The exit status wanted (0 when absent).
    pub exit: Option<i32>,
    /// A regular expression the output must match somewhere.
    pub output: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Below,
    Above,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Every pod matching the label selector is running and ready (and there is one).
    PodsReady {
        selector: String,
        namespace: Option<String>,
    },
    /// A PromQL expression's value (every series) against a threshold.
    Promql {
        query: String,
        cmp: Cmp,
        threshold: f64,
    },
    /// An HTTP GET: a URL, or a path behind a Service through the API server's proxy.
    Http {
        /// `NAME:PORT` of a Service in the namespace (the API server's service proxy).
        service: Option<String>,
        namespace: Option<String>,
        /// A full URL, or the path behind the service.
        target: String,
        status: u16,
        /// A regular expression the body must match.
        body: Option<String>,
    },
}

impl Check {
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Check::PodsReady { selector, .. } => vec![selector],
            Check::Promql { query, .. } => vec![query],
            Check::Http {
                service, target, ..
            } => {
                let mut v = vec![target.as_str()];
                v.extend(service.as_deref());
                v
            }
        }
    }

    /// One line saying what is checked.
    pub fn describe(&self) -> String {
        match self {
            Check::PodsReady {
                selector,
                namespace,
            } => match namespace {
                Some(ns) => format!("every pod {selector} in {ns} running and ready"),
                None => format!("every pod {selector} running and ready"),
            },
            Check::Promql {
                query,
                cmp,
                threshold,
            } => {
                let c = match cmp {
                    Cmp::Below => "<",
                    Cmp::Above => ">",
                };
                format!("{query} {c} {threshold}")
            }
            Check::Http {
                service,
                target,
                status,
                ..
            } => match service {
                Some(s) => format!("GET service {s} {target} → {status}"),
                None => format!("GET {target} → {status}"),
            },
        }
    }
}
