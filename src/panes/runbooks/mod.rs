//! The Runbooks pane: every runbook (the firing alerts' first), the runs saved on disk to
//! resume, and an open run: its sections and steps with their state and the command as it
//! will run, the output of a step as it streams (capped, searchable), notes, skip and done.
//! Steps run as `Effect::RunStep` (the guard refuses one that writes in read-only mode) and
//! native actions as the console's confirmed writes.

mod action;
#[cfg(test)]
mod tests;
mod update;
mod view;

use std::collections::BTreeMap;

use crate::cluster::ClusterData;
use crate::kpi::KpiBoard;
use crate::panes::Change;
use crate::runbook::placeholder::{fill, Kind, Quoting};
use crate::runbook::run::{run_id, OutputTail, SavedRun, StepRecord, StepState, MAX_LINES};
use crate::runbook::{Runbook, Step, What};
pub use action::Action;
pub use update::update;
pub use view::render;

/// Output lines kept in a saved run per step.
pub const SAVED_LINES: usize = 200;

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A runbook (index into `runbooks`), with the firing alert that calls for it.
    Runbook {
        index: usize,
        firing: Option<String>,
    },
    /// A saved run (index into `saved`).
    Saved(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Asking {
    Filter,
    Search,
    /// A placeholder's value, then run step `step`.
    Value {
        name: String,
        step: usize,
    },
    Note(usize),
}

/// A run open in the pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Open {
    pub runbook: Runbook,
    pub run: SavedRun,
    /// Each step's output, as it streams.
    pub tails: Vec<OutputTail>,
    /// The step under the cursor (flat index).
    pub cursor: usize,
    /// The step running: (execution id, step).
    pub running: Option<(u64, usize)>,
    /// Steps to run after the running one (a section's read-only steps).
    pub queue: Vec<usize>,
    /// The step that writes waiting for its confirmation (a native action: or its
    /// result): (what is confirmed, step).
    pub awaiting: Option<(Change, usize)>,
    pub viewer: bool,
    /// Lines scrolled up from the newest in the viewer.
    pub scroll: usize,
    pub search: Option<String>,
}

impl Open {
    pub fn new(runbook: Runbook, run: SavedRun) -> Open {
        let tails = run
            .steps
            .iter()
            .map(|s| {
                let mut t = OutputTail::new(MAX_LINES);
                for l in &s.output {
                    t.push(l.clone());
                }
                t.dropped = s.dropped;
                t
            })
            .collect();
        let cursor = run.next_step().unwrap_or(0);
        Open {
            runbook,
            run,
            tails,
            cursor,
            running: None,
            queue: Vec::new(),
            awaiting: None,
            viewer: false,
            scroll: 0,
            search: None,
        }
    }

    /// The steps in order with their section's name.
    pub fn steps(&self) -> Vec<(&str, &Step)> {
        self.runbook
            .sections
            .iter()
            .flat_map(|s| s.steps.iter().map(move |st| (s.name.as_str(), st)))
            .collect()
    }

    pub fn step(&self, i: usize) -> Option<&Step> {
        self.steps().get(i).map(|(_, s)| *s)
    }

    /// What the run looks like saved: each step's last lines only.
    pub fn to_save(&self) -> SavedRun {
        let mut run = self.run.clone();
        for (rec, tail) in run.steps.iter_mut().zip(&self.tails) {
            let lines = tail.lines.len();
            rec.output = tail
                .lines
                .iter()
                .skip(lines.saturating_sub(SAVED_LINES))
                .cloned()
                .collect();
            rec.dropped = tail.dropped + lines.saturating_sub(SAVED_LINES) as u64;
        }
        run
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub runbooks: Vec<Runbook>,
    /// Runs read from the data dir at start (newest first).
    pub saved: Vec<SavedRun>,
    /// The console's namespace (the `namespace` placeholder).
    pub namespace: String,
    pub cursor: usize,
    pub filter: String,
    pub open: Option<Open>,
    next_exec: u64,
    asking: Option<Asking>,
}

impl Model {
    pub fn new(runbooks: Vec<Runbook>, saved: Vec<SavedRun>, namespace: &str) -> Model {
        Model {
            runbooks,
            saved,
            namespace: namespace.to_string(),
            ..Model::default()
        }
    }

    /// The list: unfinished saved runs, runbooks a firing alert calls for, the other
    /// runbooks, finished runs; filtered by the search.
    pub fn entries(&self, kpis: &KpiBoard) -> Vec<Entry> {
        let firing = firing_alerts(kpis);
        let matches = |rb: &Runbook| {
            let q = self.filter.to_lowercase();
            q.is_empty()
                || rb.id.to_lowercase().contains(&q)
                || rb.title.to_lowercase().contains(&q)
                || rb.alerts.iter().any(|a| a.to_lowercase().contains(&q))
        };
        let mut top = Vec::new();
        let mut rest = Vec::new();
        for (index, rb) in self.runbooks.iter().enumerate() {
            if !matches(rb) {
                continue;
            }
            match firing.iter().find(|(name, _, _)| rb.alerts.contains(name)) {
                Some((name, label, _)) => top.push(Entry::Runbook {
                    index,
                    firing: Some(format!("{name} {label}")),
                }),
                None => rest.push(Entry::Runbook {
                    index,
                    firing: None,
                }),
            }
        }
        let q = self.filter.to_lowercase();
        let saved = |done: bool| {
            self.saved
                .iter()
                .enumerate()
                .filter(move |(_, r)| r.finished() == done)
                .filter(|(_, r)| q.is_empty() || r.id.to_lowercase().contains(&q))
                .map(|(i, _)| Entry::Saved(i))
        };
        // runs to resume first: a cursor on one stays there when an alert starts firing
        let mut out: Vec<Entry> = saved(false).collect();
        out.extend(top);
        out.extend(rest);
        out.extend(saved(true));
        out
    }

    fn next_exec_id(&mut self) -> u64 {
        self.next_exec += 1;
        self.next_exec
    }
}

/// The alerts firing now (Prometheus' alerts and KPIs in alert that name a runbook), with
/// a label to show (severity, the labels naming objects, the summary; or the KPI's value)
/// and the alert's labels.
pub fn firing_alerts(kpis: &KpiBoard) -> Vec<(String, String, BTreeMap<String, String>)> {
    let mut out: Vec<(String, String, BTreeMap<String, String>)> = kpis
        .alerts
        .iter()
        .map(|a| {
            let mut parts: Vec<String> =
                a.severity.iter().map(|s| format!("severity={s}")).collect();
            parts.extend(
                ["pod", "deployment", "rollout"]
                    .iter()
                    .filter_map(|k| a.labels.get(*k).map(|v| format!("{k}={v}"))),
            );
            parts.extend(a.summary.clone());
            (a.name.clone(), parts.join(" · "), a.labels.clone())
        })
        .collect();
    for e in kpis.entries() {
        if e.state == crate::kpi::KpiState::Alert {
            if let Some(name) = &e.def.runbook {
                if !out.iter().any(|(n, _, _)| n == name) {
                    let label = format!("{} = {}", e.def.id, e.value_text());
                    out.push((name.clone(), label, BTreeMap::new()));
                }
            }
        }
    }
    out
}

/// The labels of the firing alert that calls for `rb` (none firing: none).
pub fn alert_labels(kpis: &KpiBoard, rb: &Runbook) -> BTreeMap<String, String> {
    firing_alerts(kpis)
        .into_iter()
        .find(|(name, _, _)| rb.alerts.contains(name))
        .map(|(_, _, labels)| labels)
        .unwrap_or_default()
}

/// The values the console knows by itself: the namespace, and the live/idle blue/green slot
/// from the gateway Service's selector.
pub fn known_values(namespace: &str, cluster: &ClusterData) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    if !namespace.is_empty() {
        v.insert("namespace".to_string(), namespace.to_string());
    }
    let service = "kubechat-api-gateway";
    let live = cluster.services.get(service).and_then(|s| {
        s.selector
            .iter()
            .find(|(k, _)| k == "deployment-slot")
            .map(|(_, v)| v.clone())
    });
    if let Some(live) = live {
        let idle = if live == "blue" { "green" } else { "blue" };
        v.insert("live_slot".into(), live.clone());
        v.insert("live_deployment".into(), format!("{service}-{live}"));
        v.insert("idle_slot".into(), idle.into());
        v.insert("idle_deployment".into(), format!("{service}-{idle}"));
    }
    v
}

/// The live objects a placeholder of `kind` can name, the likeliest first: pods
/// crash-looping (or restarting) first, most restarts first; deployments and rollouts by
/// name.
pub fn candidates(kind: Kind, cluster: &ClusterData) -> Vec<String> {
    match kind {
        Kind::Pod => {
            let mut pods: Vec<_> = cluster.pods.values().collect();
            pods.sort_by_key(|p| {
                let crashing = p
                    .reason
                    .as_deref()
                    .is_some_and(|r| r == "CrashLoopBackOff" || r == "OOMKilled");
                (!crashing, -p.restarts, p.name.clone())
            });
            pods.into_iter().map(|p| p.name.clone()).collect()
        }
        Kind::Deployment => cluster
            .deployments
            .values()
            .map(|d| d.name.clone())
            .collect(),
        Kind::Rollout => cluster.rollouts.values().map(|r| r.name.clone()).collect(),
    }
}

/// A new run of `rb`.
pub fn new_run(rb: &Runbook, now: jiff::Timestamp) -> SavedRun {
    let steps = rb
        .sections
        .iter()
        .flat_map(|s| {
            s.steps
                .iter()
                .map(move |st| StepRecord::pending(&s.name, &st.title, ""))
        })
        .collect();
    SavedRun {
        id: run_id(&rb.id, now),
        runbook: rb.id.clone(),
        title: rb.title.clone(),
        values: BTreeMap::new(),
        started: now,
        steps,
    }
}

/// A step's text as it will run with `values` (placeholders still missing shown as written).
pub fn shown(step: &Step, values: &BTreeMap<String, String>) -> String {
    let f = |t: &str, q| fill(t, values, q).unwrap_or_else(|_| t.to_string());
    match &step.what {
        What::Command(c) => f(c, Quoting::Shell),
        What::Action(a) => format!("action: {}", f(&a.template, Quoting::Plain)),
        What::Check(c) => format!("check: {}", f(&c.describe(), Quoting::Plain)),
        What::Manual => step
            .criteria
            .clone()
            .map(|c| format!("manual: {c}"))
            .unwrap_or_else(|| "manual: tick it off (d) when done".into()),
    }
}

/// A saved run restored: a step that was running when the console stopped runs again.
pub fn restored(mut run: SavedRun) -> SavedRun {
    for s in &mut run.steps {
        if s.state == StepState::Running {
            s.state = StepState::Pending;
            s.reason = "interrupted: the console stopped while it ran".into();
        }
    }
    run
}
