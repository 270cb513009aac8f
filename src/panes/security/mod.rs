//! The Security pane (issue 13): the security audit's findings grouped by check with
//! counts, the selected finding drilled down to the object's fields that show it, why it
//! matters and the fix; beside them, the seed's security alerts from the KPIs (auth
//! failures, RBAC denials, unusual API usage). The pods' and RBAC's full specs are not in
//! the shared cluster data (the watchers keep slim views), so the pane asks for an audit
//! (`Effect::Audit`, carried out by `io::audit` with kube-rs lists) of the console's scope
//! (`-A`, `:ns`) when it is first on screen, again when the scope changes or on `r`, and
//! every [`RERUN_SECS`] while it is on screen — never at start for every namespace — and
//! gets the findings back as `Msg::Audit`.

mod action;
#[cfg(test)]
mod tests;
mod view;

use std::collections::BTreeSet;

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Cx, Input, PaneEvent, PaneId, View};
use crate::audit::{report, AuditReport, Check, Finding};
use crate::cluster::scope::Scope;
use crate::effect::Effect;
use crate::feed::EntryKind;
use crate::msg::Msg;
pub use action::Action;

/// The audit runs again this often (seconds), while the pane is on screen.
pub const RERUN_SECS: i64 = 300;
/// Up to this many findings, every check that found something opens at the first audit.
const OPEN_ALL_UP_TO: usize = 40;

/// One audit's outcome, as it came back.
#[derive(Debug, Clone, PartialEq)]
pub struct Audited {
    pub scope: Scope,
    pub at: Timestamp,
    pub result: Result<AuditReport, String>,
}

/// A line of the list: a check (its group) or one of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Check(Check),
    /// An index into the report's findings.
    Finding(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// What the last audit asked for covers: the console's scope when it was asked.
    pub scope: Scope,
    pub last: Option<Audited>,
    /// An audit is running (asked, not yet back).
    pub running: bool,
    /// When the last audit was asked for.
    pub started: Option<Timestamp>,
    /// The checks whose findings are listed.
    pub open: BTreeSet<Check>,
    pub cursor: usize,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            scope: Scope::All,
            last: None,
            running: false,
            started: None,
            open: BTreeSet::new(),
            cursor: 0,
        }
    }
}

impl Model {
    pub fn scope(&self) -> Scope {
        self.scope.clone()
    }

    /// The last audit's findings (none before the first, or when it failed).
    pub fn findings(&self) -> &[Finding] {
        match &self.last {
            Some(Audited {
                result: Ok(report), ..
            }) => &report.findings,
            _ => &[],
        }
    }

    /// The list as shown: every check, each open one followed by its findings.
    pub fn rows(&self) -> Vec<Row> {
        let findings = self.findings();
        let mut rows = Vec::with_capacity(Check::ALL.len());
        for check in Check::ALL {
            rows.push(Row::Check(*check));
            if self.open.contains(check) {
                rows.extend(
                    findings
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| f.check == *check)
                        .map(|(i, _)| Row::Finding(i)),
                );
            }
        }
        rows
    }

    /// The row under the cursor.
    pub fn selected(&self) -> Option<Row> {
        self.rows().get(self.cursor).copied()
    }

    /// How many findings each check has.
    pub fn count(&self, check: Check) -> usize {
        self.findings().iter().filter(|f| f.check == check).count()
    }

    /// Asks for an audit of the console's scope; a new scope forgets the old one's findings
    /// (and its audit still running, whose answer is then dropped).
    fn start(&mut self, cx: &mut Cx) -> Vec<Effect> {
        let moved = self.started.is_some() && self.scope != *cx.scope;
        if self.running && !moved {
            return Vec::new();
        }
        if moved {
            self.last = None;
            self.open.clear();
            self.cursor = 0;
        }
        self.scope = cx.scope.clone();
        self.running = true;
        self.started = Some(cx.now);
        cx.changed();
        vec![Effect::Audit(self.scope())]
    }

    /// Whether to audit now: only while on screen; the first time, when the console's
    /// scope changed, or every [`RERUN_SECS`].
    fn due(&self, cx: &Cx, now: Timestamp) -> bool {
        if !cx.shown.contains(PaneId::Security) {
            return false;
        }
        match self.started {
            None => true,
            Some(_) if self.scope != *cx.scope => true,
            Some(at) => !self.running && now.as_second() - at.as_second() >= RERUN_SECS,
        }
    }

    fn took(&mut self, cx: &mut Cx, scope: &Scope, result: &Result<AuditReport, String>) {
        if *scope != self.scope() {
            // the scope changed while it ran: the new scope's audit is on its way
            return;
        }
        let before = self.last.as_ref().map(|a| summary_of(&a.result));
        let first = self.last.is_none();
        self.running = false;
        self.last = Some(Audited {
            scope: scope.clone(),
            at: cx.now,
            result: result.clone(),
        });
        let now = summary_of(result);
        if before.as_deref() != Some(now.as_str()) {
            let bad = match result {
                Ok(r) => !r.findings.is_empty(),
                Err(_) => true,
            };
            cx.note(
                EntryKind::Warning,
                bad,
                format!("security audit of {scope}: {now}"),
            );
        }
        if first {
            if let Ok(r) = result {
                if r.findings.len() <= OPEN_ALL_UP_TO {
                    self.open = r.findings.iter().map(|f| f.check).collect();
                }
            }
        }
        self.cursor = self.cursor.min(self.rows().len().saturating_sub(1));
        cx.changed();
    }

    fn open_or_close(&mut self, cx: &mut Cx) {
        match self.selected() {
            Some(Row::Check(check)) => {
                // fold it if open, else open it
                let _ = self.open.remove(&check) || self.open.insert(check);
            }
            // on a finding: close its check, the cursor back on it
            Some(Row::Finding(i)) => {
                let check = self.findings()[i].check;
                self.open.remove(&check);
                self.cursor = self
                    .rows()
                    .iter()
                    .position(|r| *r == Row::Check(check))
                    .unwrap_or(0);
            }
            None => {}
        }
        cx.changed();
    }
}

fn summary_of(result: &Result<AuditReport, String>) -> String {
    match result {
        Ok(r) => report::summary(&r.findings),
        Err(e) => format!("could not audit: {e}"),
    }
}

pub fn update(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    match input {
        Input::Action(Action::Rerun) => {
            let effects = model.start(cx);
            if effects.is_empty() {
                cx.toast(false, "the security audit is running");
            }
            effects
        }
        Input::Action(Action::Open) => {
            model.open_or_close(cx);
            Vec::new()
        }
        Input::Event(PaneEvent::Nav(nav)) => {
            model.cursor = nav.apply(model.cursor, model.rows().len());
            cx.changed();
            Vec::new()
        }
        Input::Msg(Msg::Tick(now)) if model.due(cx, *now) => model.start(cx),
        Input::Msg(Msg::Audit(m)) => {
            model.took(cx, &m.scope, &m.result);
            Vec::new()
        }
        Input::Event(_) | Input::Msg(_) | Input::ClusterChanged(_) => Vec::new(),
    }
}

pub fn render(model: &Model, view: &View, area: Rect, buf: &mut Buffer) {
    view::render(model, view, area, buf);
}
