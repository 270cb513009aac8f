//! Team mode through `shell::update`: what people write is shared (a cluster write) from a
//! read-write console only; the read-only console keeps its local journal and asks for no
//! cluster write at all; incidents the team shares are listed and merged.

use crossterm::event::KeyCode;
use jiff::SignedDuration;

use super::tests::{console, declare, saved, type_text};
use crate::effect::{Effect, IncidentAppend};
use crate::incident::{Entry, EntryIds, Status, What};
use crate::msg::{IncidentMsg, JournalSource, Msg};
use crate::shell::guard::guard;
use crate::shell::test_support::{code, key, ts};
use crate::shell::{update, State};

fn shares(effects: &[Effect]) -> Vec<&IncidentAppend> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ShareIncident(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn team(read_only: bool) -> State {
    let mut s = console(read_only);
    s.panes.incidents.team = true;
    s
}

#[test]
fn a_read_write_console_shares_what_people_write_and_not_the_timeline() {
    let mut s = team(false);
    let a = declare(&mut s, "chat down", "1");
    saved(&mut s, &a, Ok(()));
    update(&mut s, key('5'));
    update(&mut s, key('n'));
    type_text(&mut s, "looking at the gateway");
    let effects = update(&mut s, code(KeyCode::Enter));
    let shared = shares(&effects);
    assert_eq!(shared.len(), 1, "{effects:?}");
    let kinds: Vec<_> = shared[0].entries.iter().map(|e| &e.what).collect();
    assert!(matches!(kinds[0], What::Declared { .. }));
    assert!(matches!(kinds.last().unwrap(), What::Note { .. }));
    assert!(kinds.iter().all(|w| w.by_people()));
    // the timeline copied in stays local
    s.note(
        crate::feed::EntryKind::Action,
        false,
        "restart deployment x",
    );
    let effects = update(&mut s, Msg::Tick(ts("2026-11-28T15:10:05Z")));
    assert!(shares(&effects).is_empty(), "{effects:?}");
    assert!(!effects.is_empty(), "copied into the local journal");
    // a failed share says so; the entry stays saved here
    update(
        &mut s,
        Msg::Incident(IncidentMsg::Shared {
            incident: a.incident.clone(),
            entries: vec![],
            result: Err("configmaps is forbidden".into()),
        }),
    );
    assert!(s
        .toast
        .as_ref()
        .unwrap()
        .text
        .contains("not shared with the team"));
}

#[test]
fn a_read_only_console_keeps_incidents_locally_and_never_asks_to_write_the_cluster() {
    let mut s = team(true);
    let a = declare(&mut s, "chat down", "2");
    saved(&mut s, &a, Ok(()));
    update(&mut s, key('5'));
    let effects = update(&mut s, key('s'));
    assert!(shares(&effects).is_empty());
    assert_eq!(effects.len(), 1, "the local journal only: {effects:?}");
    assert!(s.toast.as_ref().is_none_or(|t| !t.text.contains("refused")));
    // had a share been asked for, the guard would have refused it
    let share = Effect::ShareIncident(a.clone());
    let (allowed, refused) = guard(true, vec![share.clone(), Effect::AppendIncident(a)]);
    assert_eq!(refused, vec![share]);
    assert_eq!(allowed.len(), 1);
}

fn entry(ids: &mut EntryIds, mins: i64, what: What) -> Entry {
    ids.entry(
        ts("2026-11-28T15:00:00Z") + SignedDuration::from_mins(mins),
        what,
    )
}

#[test]
fn incidents_the_team_shares_are_listed_merged_in_time_order_and_journaled_here_on_first_write() {
    let mut s = team(false);
    let mut theirs = EntryIds::new("console-b");
    let declared = entry(
        &mut theirs,
        0,
        What::Declared {
            incident: "inc-b".into(),
            title: "from b".into(),
            severity: 2,
        },
    );
    let status = entry(
        &mut theirs,
        5,
        What::Status {
            status: Status::Monitoring,
        },
    );
    let from_cluster = |entries: Vec<Entry>| {
        Msg::Incident(IncidentMsg::Journal {
            id: "inc-b".into(),
            entries,
            warnings: vec![],
            source: JournalSource::Cluster,
        })
    };
    update(&mut s, from_cluster(vec![declared.clone()]));
    let t = s.panes.incidents.get("inc-b").unwrap();
    assert!(!t.local, "only in the cluster so far");
    // the first entry written here creates the local journal with everything known
    update(&mut s, key('5'));
    update(&mut s, key('n'));
    type_text(&mut s, "b's incident, seen from a");
    let effects = update(&mut s, code(KeyCode::Enter));
    let local: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::AppendIncident(a) => Some(a),
            _ => None,
        })
        .collect();
    assert!(local[0].create);
    assert_eq!(local[0].entries.len(), 2);
    assert_eq!(local[0].entries[0], declared);
    // b's later status (before our note in time) merges in time order
    update(&mut s, from_cluster(vec![declared, status]));
    let i = &s.panes.incidents.get("inc-b").unwrap().incident;
    assert_eq!(i.status, Status::Monitoring);
    assert_eq!(i.entries.len(), 3);
    assert!(
        matches!(i.entries[1].what, What::Status { .. }),
        "{:?}",
        i.entries
    );
}

#[test]
fn rbac_that_denies_the_configmaps_keeps_incidents_local_and_says_so() {
    let mut s = team(false);
    s.denied = vec![crate::effect::CREATE_CONFIGMAPS];
    let a = declare(&mut s, "chat down", "1");
    saved(&mut s, &a, Ok(()));
    update(&mut s, key('5'));
    update(&mut s, key('n'));
    type_text(&mut s, "looking at the gateway");
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(shares(&effects).is_empty(), "{effects:?}");
    assert!(!effects.is_empty(), "still saved in the local journal");
    let toast = &s.toast.as_ref().unwrap().text;
    assert!(
        toast.contains("not shared with the team: not permitted (RBAC): needs create configmaps"),
        "{toast}"
    );
}
