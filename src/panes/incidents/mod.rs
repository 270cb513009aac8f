//! The Incidents pane: the incidents (open first), the selected one's header, clocks and
//! timeline; declare (`D`, from anywhere too), next status, severity, notes, roles, the
//! impact start, and the communications.
//!
//! Every change is an entry appended to the incident's journal through `io`
//! (`Effect::AppendIncident`); it shows as "saving…" until `IncidentMsg::Saved` says it is
//! on disk. The journals are read at start and re-read when another process writes them
//! (`IncidentMsg::Journal`). While an incident is open, what lands on the shared timeline
//! is copied into its journal (`sync.rs`), and a clock that runs out is recorded there and on
//! the timeline.

mod action;
mod asks;
mod comms;
#[cfg(test)]
mod comms_tests;
mod sync;
mod team;
#[cfg(test)]
mod team_tests;
#[cfg(test)]
mod tests;
mod view;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Cx, Input, PaneEvent, View};
use crate::effect::{Effect, IncidentAppend};
use crate::feed::EntryKind;
use crate::incident::clocks::{clocks, most_urgent, Urgency};
use crate::incident::{checklist, list_order, EntryIds, Incident, Severities, What};
use crate::msg::{IncidentMsg, Msg};
pub use action::Action;
pub use asks::Asking;

/// Whether an entry is on disk yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Save {
    Saving,
    Failed(String),
}

/// One incident as the pane holds it: its fold, and the entries not yet known to be saved.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    pub incident: Incident,
    /// Entry id → its save, for the entries not yet synced (absent: saved).
    pub saves: BTreeMap<String, Save>,
    /// The ids of every entry held (to merge what another process wrote).
    known: HashSet<String>,
    /// Hashes of the timeline items held (not to copy one twice, e.g. after a restart).
    mirrored: HashSet<u64>,
    /// This machine has its journal (false for an incident only seen in the cluster: the
    /// first entry written here creates the journal with everything known).
    pub local: bool,
}

impl Tracked {
    fn new(incident: Incident) -> Tracked {
        let mut t = Tracked {
            incident,
            saves: BTreeMap::new(),
            known: HashSet::new(),
            mirrored: HashSet::new(),
            local: true,
        };
        t.reindex();
        t
    }

    fn reindex(&mut self) {
        self.known = self.incident.entries.iter().map(|e| e.id.clone()).collect();
        self.mirrored = self
            .incident
            .entries
            .iter()
            .filter_map(|e| match &e.what {
                What::Timeline { text, .. } => Some(sync::item_key(e.at, text)),
                _ => None,
            })
            .collect();
    }

    /// The entry's save state: None when saved.
    pub fn save(&self, entry_id: &str) -> Option<&Save> {
        self.saves.get(entry_id)
    }
}

/// Which of an incident's entries the view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    /// What people wrote: status, severity, notes, roles, updates, the checklist.
    People,
    /// What the timeline recorded while it was open.
    Timeline,
    /// Alerts, KPI breaches and the actions taken with their results.
    AlertsAndActions,
}

impl Filter {
    pub fn next(self) -> Filter {
        match self {
            Filter::All => Filter::People,
            Filter::People => Filter::Timeline,
            Filter::Timeline => Filter::AlertsAndActions,
            Filter::AlertsAndActions => Filter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::People => "people's",
            Filter::Timeline => "timeline",
            Filter::AlertsAndActions => "alerts and actions",
        }
    }

    pub fn shows(self, what: &What) -> bool {
        match self {
            Filter::All => true,
            Filter::People => what.by_people(),
            Filter::Timeline => matches!(what, What::Timeline { .. }),
            Filter::AlertsAndActions => matches!(what, What::Timeline { source, .. }
                if matches!(source.as_str(), "kpi" | "action" | "result" | "refused" | "warn")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub severities: Severities,
    /// The initial response every incident gets as a checklist.
    pub checklist: Vec<checklist::Step>,
    /// Which entries the view shows.
    pub filter: Filter,
    /// Makes the ids of the entries this console writes.
    pub ids: EntryIds,
    /// Open first, newest first.
    pub incidents: Vec<Tracked>,
    pub cursor: usize,
    /// The journals were read (until then nothing is copied from the timeline).
    pub loaded: bool,
    /// Team mode: what people write is shared in the cluster too (read-write consoles).
    pub team: bool,
    /// Where the journals live, once read.
    pub dir: Option<String>,
    /// The timeline's number up to which it was copied into open incidents.
    mirrored_upto: u64,
    asking: Option<Asking>,
    /// Journal warnings already said.
    warned: BTreeSet<String>,
}

impl Default for Model {
    fn default() -> Self {
        Model::new("console", Severities::builtin())
    }
}

impl Model {
    /// `origin` names this process in entry ids; it must differ from every other writer's.
    pub fn new(origin: &str, severities: Severities) -> Model {
        Model {
            severities,
            checklist: checklist::builtin(),
            filter: Filter::default(),
            ids: EntryIds::new(origin),
            incidents: Vec::new(),
            cursor: 0,
            loaded: false,
            team: false,
            dir: None,
            mirrored_upto: 0,
            asking: None,
            warned: BTreeSet::new(),
        }
    }

    pub fn selected(&self) -> Option<&Tracked> {
        self.incidents.get(self.cursor)
    }

    pub fn get(&self, id: &str) -> Option<&Tracked> {
        self.incidents.iter().find(|t| t.incident.id == id)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Tracked> {
        self.incidents.iter_mut().find(|t| t.incident.id == id)
    }

    /// Re-sorts the list, keeping the cursor on the incident it was on (or `select`).
    fn sort(&mut self, select: Option<&str>) {
        let keep = select
            .map(str::to_string)
            .or_else(|| self.selected().map(|t| t.incident.id.clone()));
        self.incidents
            .sort_by(|a, b| list_order(&a.incident, &b.incident));
        if let Some(id) = keep {
            if let Some(i) = self.incidents.iter().position(|t| t.incident.id == id) {
                self.cursor = i;
            }
        }
        self.cursor = self.cursor.min(self.incidents.len().saturating_sub(1));
    }

    /// Appends `whats` to incident `id` now: applied at once, shown as saving until the
    /// journal says it is on disk.
    fn record(&mut self, id: &str, whats: Vec<(jiff::Timestamp, What)>) -> Option<Effect> {
        let entries: Vec<_> = whats
            .into_iter()
            .map(|(at, what)| self.ids.entry(at, what))
            .collect();
        let tracked = self.get_mut(id)?;
        for e in &entries {
            tracked.saves.insert(e.id.clone(), Save::Saving);
            tracked.known.insert(e.id.clone());
            if let What::Timeline { text, .. } = &e.what {
                tracked.mirrored.insert(sync::item_key(e.at, text));
            }
            tracked.incident.apply(e.clone());
        }
        // an incident only seen in the cluster gets its journal here, with all it holds
        let create = !tracked.local;
        tracked.local = true;
        let entries = if create {
            tracked.incident.entries.clone()
        } else {
            entries
        };
        self.sort(None);
        Some(Effect::AppendIncident(IncidentAppend {
            incident: id.to_string(),
            entries,
            create,
        }))
    }

    /// The open incidents.
    pub fn open(&self) -> impl Iterator<Item = &Tracked> {
        self.incidents.iter().filter(|t| t.incident.is_open())
    }
}

pub fn update(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    let effects = route(model, cx, input);
    team::share(model, cx, effects)
}

fn route(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    match input {
        Input::Action(action) => {
            cx.changed();
            asks::on_action(model, cx, action)
        }
        Input::Event(PaneEvent::Nav(nav)) => {
            model.cursor = nav.apply(model.cursor, model.incidents.len());
            cx.changed();
            Vec::new()
        }
        Input::Event(PaneEvent::Entered(text)) => {
            cx.changed();
            asks::entered(model, cx, text)
        }
        Input::Event(_) | Input::ClusterChanged(_) => Vec::new(),
        Input::Msg(Msg::Incident(m)) => {
            cx.changed();
            on_journal(model, cx, m)
        }
        Input::Msg(Msg::Tick(_)) => sync::on_tick(model, cx),
        Input::Msg(_) => sync::mirror(model, cx),
    }
}

fn on_journal(model: &mut Model, cx: &mut Cx, m: &IncidentMsg) -> Vec<Effect> {
    match m {
        IncidentMsg::Journal {
            id,
            entries,
            warnings,
            source,
        } => {
            for w in warnings {
                if model.warned.insert(w.clone()) {
                    cx.note(EntryKind::Source, true, format!("incident journal {w}"));
                }
            }
            sync::merge(model, cx, id, entries, *source);
            Vec::new()
        }
        IncidentMsg::Shared {
            incident, result, ..
        } => {
            team::shared(cx, incident, result);
            Vec::new()
        }
        IncidentMsg::Loaded { dir } => {
            model.loaded = true;
            model.dir = Some(dir.clone());
            sync::on_tick(model, cx)
        }
        IncidentMsg::Saved {
            incident,
            entries,
            result,
        } => {
            let Some(t) = model.get_mut(incident) else {
                return Vec::new();
            };
            match result {
                Ok(()) => {
                    for id in entries {
                        t.saves.remove(id);
                    }
                }
                Err(e) => {
                    for id in entries {
                        t.saves.insert(id.clone(), Save::Failed(e.clone()));
                    }
                    let text = format!("incident {incident}: NOT saved: {e}");
                    cx.toast(true, text.clone());
                    cx.note(EntryKind::Incident, true, text);
                }
            }
            Vec::new()
        }
    }
}

/// What the status bar shows on every screen: the open incidents' most urgent clock.
pub fn badge(model: &Model, now: jiff::Timestamp) -> Option<(String, Urgency)> {
    let open: Vec<&Tracked> = model.open().collect();
    let mut best: Option<(crate::incident::clocks::Clock, &Incident)> = None;
    for t in &open {
        if let Some(c) = most_urgent(&clocks(&t.incident, &model.severities, now)) {
            let better = best.is_none_or(|(b, _)| {
                (c.urgency(), std::cmp::Reverse(c.due)) > (b.urgency(), std::cmp::Reverse(b.due))
            });
            if better {
                best = Some((c, &t.incident));
            }
        }
    }
    let first = open.first()?;
    let (text, urgency) = match best {
        Some((clock, i)) => (
            format!("{} {}", model.severities.name(i.severity), clock.text()),
            clock.urgency(),
        ),
        None => (
            format!(
                "{} {}",
                model.severities.name(first.incident.severity),
                first.incident.status.label()
            ),
            Urgency::Calm,
        ),
    };
    let more = match open.len() {
        1 => String::new(),
        n => format!("{n} incidents · "),
    };
    Some((format!("{more}{text}"), urgency))
}

pub fn render(model: &Model, view: &View, area: Rect, buf: &mut Buffer) {
    view::render(model, view, area, buf);
}
