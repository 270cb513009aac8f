//! What a pane's `update` and `render` are given, and what they hand back besides effects:
//! the shared data to read, `now` and `read_only`, and an outbox for timeline entries, a
//! toast and a dialog request. The shell applies the outbox after the pane returns.

use jiff::Timestamp;

use crate::cluster::rows::RowKey;
use crate::cluster::scope::Scope;
use crate::cluster::{ClusterData, Touched};
use crate::effect::{ClusterWrite, Permission};
use crate::feed::{EntryKind, Timeline, TimelineEntry};
use crate::kpi::KpiBoard;
use crate::msg::Msg;
use crate::panes::PaneId;
use crate::screens::Screen;
use crate::theme::Theme;

/// What every action enum offers: names for keymap files and the palette, a line for
/// help, and whether it changes the cluster (an exhaustive match in each pane).
pub trait ActionSpec: Copy + Eq + std::fmt::Debug + 'static {
    const ALL: &'static [Self];
    /// The few shown on the bottom line while the pane has focus.
    const HINTS: &'static [Self] = &[];
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    fn is_mutating(&self) -> bool;
    /// What RBAC must allow for it: one of these, depending on what it acts on (a
    /// workload's kind). Refused before any dialog when RBAC denies them all.
    fn needs(&self) -> &'static [crate::effect::Permission] {
        &[]
    }
}

/// The actions of a pane that has none of its own (moving and zooming are the shell's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoActions {}

impl ActionSpec for NoActions {
    const ALL: &'static [NoActions] = &[];
    fn name(&self) -> &'static str {
        match *self {}
    }
    fn description(&self) -> &'static str {
        match *self {}
    }
    fn is_mutating(&self) -> bool {
        match *self {}
    }
}

/// Moving in a pane's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nav {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
}

impl Nav {
    /// Rows moved by PgUp/PgDn.
    pub const PAGE: usize = 10;

    /// The new position of a cursor at `at` in a list of `len`.
    pub fn apply(self, at: usize, len: usize) -> usize {
        let to = match self {
            Nav::Up => at.saturating_sub(1),
            Nav::Down => at + 1,
            Nav::Top => 0,
            Nav::Bottom => len.saturating_sub(1),
            Nav::PageUp => at.saturating_sub(Nav::PAGE),
            Nav::PageDown => at + Nav::PAGE,
        };
        to.min(len.saturating_sub(1))
    }
}

/// What the confirmation dialog asks about: one of the console's writes, or a runbook
/// step's shell command that writes (shown exactly as it will run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Write(ClusterWrite),
    Command(String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Write(w) => w.fmt(f),
            Change::Command(line) => f.write_str(line),
        }
    }
}

/// What only the pane concerned hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaneEvent {
    Nav(Nav),
    /// The yes to the confirmation this pane asked for.
    Confirmed(Change),
    /// The no to it.
    Cancelled(Change),
    /// Enter in the text input this pane asked for, with what was typed.
    Entered(String),
    /// Another pane sent the user here (`Cx::go`).
    Open(Goto),
}

/// Somewhere one pane sends the user to another: the shell focuses the pane it names and
/// hands it the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goto {
    /// Read these pods' logs.
    Logs(LogTarget),
}

/// What the Logs pane is asked to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    /// "deployment kubechat-web", "pod x", "-l app=postgresql".
    pub title: String,
    pub source: LogSource,
    pub container: Option<String>,
}

/// Whose logs: a rollout's pods as they come and go, named pods, or a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// The pods of a rollout row (every slot's for a blue/green pair), followed as the
    /// workload replaces them.
    Row(RowKey),
    Pods(Vec<String>),
    Selector(String),
}

/// A pane's input.
#[derive(Debug, Clone, Copy)]
pub enum Input<'m, A> {
    Action(A),
    Event(&'m PaneEvent),
    /// A message every pane hears: ticks, KPI samples, write results (never a key; watch
    /// changes arrive as `ClusterChanged`, once the shared data took them in).
    Msg(&'m Msg),
    /// The shared data took in a watch change: what it touched. A pane showing it asks
    /// for a frame (`Cx::changed`); the shell draws none for the rest.
    ClusterChanged(&'m Touched),
}

/// A dialog a pane asks the shell to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogRequest {
    /// "Scale deployment X from 3 to 5 replicas?" and what it would write.
    Confirm {
        change: Change,
        prompt: String,
        caution: Option<String>,
    },
    /// A line to type first (the scale's replicas, the undo's revision, a search).
    Input {
        title: String,
        question: String,
        initial: String,
        /// The bottom line's hint while it is open.
        hint: String,
    },
    /// A text of several lines to edit (a communication): Enter breaks the line, Ctrl-S
    /// hands the text back as `Entered`, Esc cancels.
    Editor {
        title: String,
        text: String,
        hint: String,
    },
    /// A live object to pick from a list, the likeliest first (type to filter; with no
    /// match, Enter takes what is typed). The choice comes back as `Entered`.
    Pick { title: String, choices: Vec<String> },
    /// What was typed is not valid: say why under the input.
    InputError(String),
    /// What was typed is taken: close the input.
    Close,
}

/// Collected while a pane updates; the shell applies it afterwards.
#[derive(Debug, Default)]
pub struct Outbox {
    pub notes: Vec<TimelineEntry>,
    pub toast: Option<(bool, String)>,
    pub dialog: Option<DialogRequest>,
    pub goto: Option<Goto>,
    /// Console alerts to open (Some) or close (None), by key: the KPI pane's alert list.
    pub alerts: Vec<(String, Option<crate::kpi::FiringAlert>)>,
    pub dirty: bool,
    /// The key's pane action had nothing to do now: the key's global binding applies.
    pub passed: bool,
}

/// What was under the cursor in the pane the user was in before (placeholder names:
/// `pod`, `deployment`, `rollout`).
pub type Selection = std::collections::BTreeMap<String, String>;

/// The context of a pane's update.
pub struct Cx<'a> {
    pub now: Timestamp,
    pub read_only: bool,
    /// What the RBAC self-check said is not permitted: a write that needs one of these is
    /// refused before its confirmation.
    pub denied: &'a [Permission],
    /// What the console watches (`-A`, `:ns`).
    pub scope: &'a Scope,
    /// Which panes are on screen.
    pub shown: Shown,
    pub cluster: &'a ClusterData,
    /// The object under the cursor in the pane the user came from.
    pub selection: &'a Selection,
    pub kpis: &'a KpiBoard,
    pub timeline: &'a Timeline,
    pub out: Outbox,
}

/// Which panes the screen shows: the current screen's, or the focused one alone when zoomed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub screen: Screen,
    pub zoomed: bool,
    pub focus: PaneId,
    /// The terminal's height: no pane shows more list rows than this.
    pub height: u16,
}

impl Shown {
    pub fn contains(self, pane: PaneId) -> bool {
        if self.zoomed {
            self.focus == pane
        } else {
            self.screen.shows(pane)
        }
    }
}

/// What the shell shares with the panes' updates besides the data.
#[derive(Debug, Clone, Copy)]
pub struct Console<'a> {
    pub now: Timestamp,
    pub read_only: bool,
    pub denied: &'a [Permission],
    pub scope: &'a Scope,
    pub shown: Shown,
}

impl<'a> Cx<'a> {
    pub fn new(
        console: Console<'a>,
        cluster: &'a ClusterData,
        kpis: &'a KpiBoard,
        timeline: &'a Timeline,
        selection: &'a Selection,
    ) -> Self {
        let Console {
            now,
            read_only,
            denied,
            scope,
            shown,
        } = console;
        Cx {
            now,
            read_only,
            denied,
            scope,
            shown,
            cluster,
            selection,
            kpis,
            timeline,
            out: Outbox::default(),
        }
    }

    /// Why RBAC refuses `write` ("not permitted (RBAC): … needs …"), or None.
    pub fn not_permitted(&self, write: &ClusterWrite) -> Option<String> {
        let needs = write.needs();
        self.denied
            .contains(&needs)
            .then(|| format!("not permitted (RBAC): {write} needs {needs}"))
    }

    /// A timeline entry stamped now.
    pub fn note(&mut self, kind: EntryKind, bad: bool, text: impl Into<String>) {
        self.out.notes.push(TimelineEntry {
            at: self.now,
            kind,
            bad,
            text: text.into(),
        });
        self.out.dirty = true;
    }

    pub fn toast(&mut self, bad: bool, text: impl Into<String>) {
        self.out.toast = Some((bad, text.into()));
        self.out.dirty = true;
    }

    pub fn dialog(&mut self, request: DialogRequest) {
        self.out.dialog = Some(request);
        self.out.dirty = true;
    }

    pub fn confirm(&mut self, write: ClusterWrite, prompt: String, caution: Option<String>) {
        self.dialog(DialogRequest::Confirm {
            change: Change::Write(write),
            prompt,
            caution,
        });
    }

    /// The same confirmation for a shell command that writes: `prompt` shows it as it
    /// will run.
    pub fn confirm_command(&mut self, line: String, prompt: String, caution: Option<String>) {
        self.dialog(DialogRequest::Confirm {
            change: Change::Command(line),
            prompt,
            caution,
        });
    }

    /// Send the user to another pane with a request for it.
    pub fn go(&mut self, goto: Goto) {
        self.out.goto = Some(goto);
        self.out.dirty = true;
    }

    /// Opens (or, with None, closes) a console alert in the KPI pane's alert list.
    pub fn alert(&mut self, key: impl Into<String>, alert: Option<crate::kpi::FiringAlert>) {
        self.out.alerts.push((key.into(), alert));
        self.out.dirty = true;
    }

    /// The key that brought this action means nothing to the pane now (Ctrl-C with no step
    /// running): the shell applies the key's global binding instead.
    pub fn pass(&mut self) {
        self.out.passed = true;
    }

    /// Something visible changed.
    pub fn changed(&mut self) {
        self.out.dirty = true;
    }
}

/// The context of a pane's drawing: read only.
pub struct View<'a> {
    pub now: Timestamp,
    pub theme: &'a Theme,
    pub read_only: bool,
    pub focused: bool,
    pub zoomed: bool,
    pub cluster: &'a ClusterData,
    pub kpis: &'a KpiBoard,
    pub timeline: &'a Timeline,
}
