//! One time-ordered, bounded feed of what happened: cluster warnings, rollouts starting and
//! finishing, console actions and their results, source disconnects, KPI transitions.

use std::collections::VecDeque;

use jiff::Timestamp;

/// How many entries the feed keeps.
pub const TIMELINE_CAPACITY: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Warning,
    Rollout,
    Action,
    Result,
    Refused,
    Source,
    Kpi,
    /// An incident declared, changed, or a clock of it overdue (`panes::incidents`).
    Incident,
    /// An incident's milestone: declared, or a status change (mitigating, monitoring,
    /// resolved). Marked on the KPI sparklines and the zoomed chart.
    Milestone,
}

impl EntryKind {
    pub fn label(&self) -> &'static str {
        match self {
            EntryKind::Warning => "warn",
            EntryKind::Rollout => "rollout",
            EntryKind::Action => "action",
            EntryKind::Result => "result",
            EntryKind::Refused => "refused",
            EntryKind::Source => "source",
            EntryKind::Kpi => "kpi",
            EntryKind::Incident | EntryKind::Milestone => "incident",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub kind: EntryKind,
    /// True for bad news (a warning, a failure, a disconnect, an alert).
    pub bad: bool,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// Oldest first, each with the number it was pushed under (1, 2, …).
    entries: VecDeque<(u64, TimelineEntry)>,
    /// How many entries were ever pushed: the last one's number.
    pushed: u64,
}

impl Timeline {
    /// Inserts in time order (entries may arrive late, e.g. an event's own timestamp) and
    /// drops the oldest past the capacity.
    pub fn push(&mut self, entry: TimelineEntry) {
        let pos = self
            .entries
            .iter()
            .rposition(|(_, e)| e.at <= entry.at)
            .map(|p| p + 1)
            .unwrap_or(0);
        if pos == 0 && self.entries.len() >= TIMELINE_CAPACITY {
            return;
        }
        self.pushed += 1;
        self.entries.insert(pos, (self.pushed, entry));
        while self.entries.len() > TIMELINE_CAPACITY {
            self.entries.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// When something changed the service: rollouts moving and actions taken (the marks
    /// on the KPI sparklines).
    pub fn marks(&self) -> Vec<jiff::Timestamp> {
        self.times(|k| {
            matches!(
                k,
                EntryKind::Rollout | EntryKind::Action | EntryKind::Milestone
            )
        })
    }

    /// When incidents were declared or changed status (the zoomed KPI chart's lines).
    pub fn milestones(&self) -> Vec<jiff::Timestamp> {
        self.times(|k| k == EntryKind::Milestone)
    }

    fn times(&self, kind: impl Fn(EntryKind) -> bool) -> Vec<jiff::Timestamp> {
        self.entries
            .iter()
            .filter(|(_, e)| kind(e.kind))
            .map(|(_, e)| e.at)
            .collect()
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &TimelineEntry> {
        self.entries.iter().rev().map(|(_, e)| e)
    }

    pub fn last(&self) -> Option<&TimelineEntry> {
        self.entries.back().map(|(_, e)| e)
    }

    /// The number of the last entry pushed (0 before any): what a reader that copies the
    /// feed (an open incident's journal) remembers, to take only what came after.
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// The entries pushed after number `seq` and still held, oldest first (by time; an
    /// entry that arrived late with an earlier time is among them).
    pub fn pushed_after(&self, seq: u64) -> impl Iterator<Item = &TimelineEntry> {
        self.entries
            .iter()
            .filter(move |(n, _)| *n > seq)
            .map(|(_, e)| e)
    }

    /// Rewrites the newest entry of `kind` whose text starts with `prefix` (a repeated
    /// event counted on its first entry instead of a new one each time); false if none.
    pub fn rewrite_newest(&mut self, kind: EntryKind, prefix: &str, text: String) -> bool {
        match self
            .entries
            .iter_mut()
            .rev()
            .find(|(_, e)| e.kind == kind && e.text.starts_with(prefix))
        {
            Some((_, e)) => {
                e.text = text;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(secs: i64, text: &str) -> TimelineEntry {
        TimelineEntry {
            at: Timestamp::from_second(secs).unwrap(),
            kind: EntryKind::Action,
            bad: false,
            text: text.into(),
        }
    }

    #[test]
    fn keeps_time_order_and_bound() {
        let mut t = Timeline::default();
        t.push(entry(10, "b"));
        t.push(entry(5, "a"));
        t.push(entry(20, "c"));
        let texts: Vec<_> = t.newest_first().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, vec!["c", "b", "a"]);
        for i in 0..(TIMELINE_CAPACITY as i64 + 10) {
            t.push(entry(100 + i, "x"));
        }
        assert_eq!(t.len(), TIMELINE_CAPACITY);
        // the three early ones were dropped first
        assert!(t.newest_first().all(|e| e.text == "x"));
        // an entry older than everything in a full feed is not kept
        t.push(entry(1, "too old"));
        assert!(t.newest_first().all(|e| e.text != "too old"));
    }

    #[test]
    fn pushed_after_finds_late_entries_too() {
        let mut t = Timeline::default();
        t.push(entry(10, "a"));
        let seen = t.pushed();
        t.push(entry(20, "b"));
        t.push(entry(5, "late"));
        let after: Vec<_> = t.pushed_after(seen).map(|e| e.text.as_str()).collect();
        assert_eq!(after, vec!["late", "b"]);
        assert_eq!(t.pushed(), 3);
        assert_eq!(t.pushed_after(3).count(), 0);
    }
}
