//! Keeping the journals current: merging what is on disk, copying the shared timeline into
//! the open incidents, recording the clocks that run out.

use std::hash::{Hash, Hasher};

use jiff::Timestamp;

use super::asks::CONTEXT;
use super::{Model, Tracked};
use crate::effect::Effect;
use crate::feed::{EntryKind, TimelineEntry};
use crate::incident::clocks::newly_overdue;
use crate::incident::{Entry, Incident, What};
use crate::msg::JournalSource;
use crate::panes::Cx;

/// Identifies a timeline item by when and what (the same alert seen again after a restart
/// is the same item).
pub fn item_key(at: Timestamp, text: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    at.as_nanosecond().hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

/// Whether a timeline entry belongs in an incident's journal: everything but the
/// incidents' own entries and the console's connection news.
fn copied(e: &TimelineEntry) -> bool {
    !matches!(
        e.kind,
        EntryKind::Incident | EntryKind::Milestone | EntryKind::Source
    )
}

/// Timeline entries as journal items.
pub fn items<'a>(entries: impl Iterator<Item = &'a TimelineEntry>) -> Vec<(Timestamp, What)> {
    entries
        .filter(|e| copied(e))
        .map(|e| {
            let what = What::Timeline {
                source: e.kind.label().to_string(),
                bad: e.bad,
                text: e.text.clone(),
            };
            (e.at, what)
        })
        .collect()
}

/// Copies what the timeline took since the last copy into every open incident (once the
/// journals are read: an incident open before the console started gets it too).
pub fn mirror(model: &mut Model, cx: &mut Cx) -> Vec<Effect> {
    if !model.loaded || cx.timeline.pushed() == model.mirrored_upto {
        return Vec::new();
    }
    let new: Vec<&TimelineEntry> = cx.timeline.pushed_after(model.mirrored_upto).collect();
    model.mirrored_upto = cx.timeline.pushed();
    let open: Vec<(String, Timestamp)> = model
        .open()
        .map(|t| (t.incident.id.clone(), t.incident.declared_at))
        .collect();
    let mut effects = Vec::new();
    for (id, declared) in open {
        let since = declared.checked_sub(CONTEXT).unwrap_or(declared);
        let Some(t) = model.get(&id) else { continue };
        let fresh: Vec<(Timestamp, What)> = items(new.iter().copied())
            .into_iter()
            .filter(|(at, what)| {
                let What::Timeline { text, .. } = what else {
                    return false;
                };
                *at >= since && !t.mirrored.contains(&item_key(*at, text))
            })
            .collect();
        if !fresh.is_empty() {
            effects.extend(model.record(&id, fresh));
        }
    }
    if !effects.is_empty() {
        cx.changed();
    }
    effects
}

/// Every tick: copy the timeline, and record each clock that ran out (on the timeline and
/// in the journal, once per clock and due time).
pub fn on_tick(model: &mut Model, cx: &mut Cx) -> Vec<Effect> {
    let mut effects = mirror(model, cx);
    if model.open().next().is_none() {
        return effects;
    }
    // the countdowns move every second
    cx.changed();
    let overdue: Vec<(String, Vec<(Timestamp, What)>)> = model
        .open()
        .map(|t| {
            let whats = newly_overdue(&t.incident, &model.severities, cx.now)
                .into_iter()
                .map(|c| {
                    let what = What::Overdue {
                        clock: c.kind,
                        due: c.due,
                    };
                    (cx.now, what)
                })
                .collect();
            (t.incident.id.clone(), whats)
        })
        .filter(|(_, w): &(String, Vec<_>)| !w.is_empty())
        .collect();
    for (id, whats) in overdue {
        for (_, what) in &whats {
            if let What::Overdue { clock, .. } = what {
                let text = format!("incident {id}: {} OVERDUE", clock.label());
                cx.toast(true, text.clone());
                cx.note(EntryKind::Incident, true, text);
            }
        }
        effects.extend(model.record(&id, whats));
    }
    effects
}

/// A journal as another process (or this one) left it on disk: entries this pane does not
/// hold yet are taken in (disk order first, then this console's entries not yet on disk).
pub fn merge(model: &mut Model, cx: &mut Cx, id: &str, entries: &[Entry], source: JournalSource) {
    let on_disk = source == JournalSource::Disk;
    match model.get_mut(id) {
        None => match Incident::fold(entries) {
            Some(incident) => {
                let mut t = Tracked::new(incident);
                t.local = on_disk;
                model.incidents.push(t);
                model.sort(None);
            }
            None if !entries.is_empty() => {
                let text = format!("incident journal {id}: no declaration first: not shown");
                if model.warned.insert(text.clone()) {
                    cx.note(EntryKind::Source, true, text);
                }
            }
            None => {}
        },
        Some(t) => {
            t.local |= on_disk;
            if entries.iter().all(|e| t.known.contains(&e.id)) {
                return;
            }
            // what this console holds, and what it did not: in time order (stable, so the
            // journal's own order stands between entries of the same time)
            let mut all = t.incident.entries.clone();
            all.extend(entries.iter().filter(|e| !t.known.contains(&e.id)).cloned());
            all.sort_by_key(|e| e.at);
            if let Some(incident) = Incident::fold(&all) {
                t.incident = incident;
                t.reindex();
            }
            model.sort(None);
        }
    }
}
