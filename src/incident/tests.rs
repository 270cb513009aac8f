//! The fold, the clocks with fake ticks, the templates and the postmortem draft.

use jiff::{SignedDuration, Timestamp};

use super::clocks::{clocks, most_urgent, newly_overdue, ClockState, Urgency};
use super::template::{fill, Facts, Template};
use super::*;

fn t(hms: &str) -> Timestamp {
    format!("2026-11-28T{hms}Z").parse().unwrap()
}

fn journal() -> Vec<Entry> {
    let mut ids = EntryIds::new("test");
    let mut e = |at: &str, what| ids.entry(t(at), what);
    vec![
        e(
            "15:10:00",
            What::Declared {
                incident: "inc-20261128-151000".into(),
                title: "Chat messages fail to send".into(),
                severity: 2,
            },
        ),
        e(
            "15:10:05",
            What::Timeline {
                source: "kpi".into(),
                bad: true,
                text: "Error rate (5xx) in alert: 62.0 %".into(),
            },
        ),
        e(
            "15:12:00",
            What::Role {
                role: "commander".into(),
                who: "alice".into(),
            },
        ),
        e(
            "15:13:00",
            What::ImpactStart {
                since: t("15:04:00"),
            },
        ),
        e(
            "15:15:00",
            What::Timeline {
                source: "action".into(),
                bad: false,
                text: "undo deployment kubechat-chat-service".into(),
            },
        ),
        e(
            "15:15:02",
            What::Timeline {
                source: "result".into(),
                bad: false,
                text: "undo deployment kubechat-chat-service: done — revision 3".into(),
            },
        ),
        e(
            "15:16:00",
            What::Status {
                status: Status::Mitigating,
            },
        ),
        e(
            "15:20:00",
            What::UpdateSent {
                template: "declaration".into(),
                text: "…".into(),
            },
        ),
        e(
            "15:30:00",
            What::Status {
                status: Status::Monitoring,
            },
        ),
        e(
            "15:31:00",
            What::Note {
                text: "todo: alert on the chat service's 5xx, not only the gateway's".into(),
            },
        ),
        e(
            "15:45:00",
            What::Status {
                status: Status::Resolved,
            },
        ),
    ]
}

#[test]
fn an_incident_is_the_fold_of_its_journal() {
    let entries = journal();
    let i = Incident::fold(&entries).unwrap();
    assert_eq!(i.id, "inc-20261128-151000");
    assert_eq!(i.severity, 2);
    assert_eq!(i.status, Status::Resolved);
    assert_eq!(i.impact_start, t("15:04:00"));
    assert_eq!(i.roles["commander"], "alice");
    assert_eq!(
        i.responded_at,
        Some(t("15:12:00")),
        "the timeline is not a response"
    );
    assert_eq!(i.mitigated_at, Some(t("15:30:00")));
    assert_eq!(i.resolved_at, Some(t("15:45:00")));
    assert_eq!(i.last_update, Some(t("15:20:00")));
    assert_eq!(i.entries.len(), entries.len());
    // folding a prefix then applying the rest is the same as folding all
    let mut part = Incident::fold(&entries[..4]).unwrap();
    for e in &entries[4..] {
        part.apply(e.clone());
    }
    assert_eq!(part, i);
    // a journal must start with its declaration
    assert_eq!(Incident::fold(&entries[1..]), None);
    assert_eq!(Incident::fold(&[]), None);
}

#[test]
fn entries_round_trip_as_json_lines() {
    for e in journal() {
        let line = e.to_line();
        assert!(!line.contains('\n'));
        assert_eq!(Entry::from_line(&line).unwrap(), e);
    }
    let line = journal()[0].to_line();
    assert!(
        line.starts_with(r#"{"at":"2026-11-28T15:10:00Z","id":"test-1","kind":"declared""#),
        "{line}"
    );
    assert!(Entry::from_line(r#"{"at":"2026-11-28T15:10:00Z","id":"x","kind":"nope"}"#).is_err());
}

#[test]
fn clocks_count_down_turn_amber_then_red_and_an_update_resets_the_cadence() {
    let sev = Severities::builtin();
    let declared = &journal()[..1];
    let i = Incident::fold(declared).unwrap(); // SEV2: respond 30m, escalate 1h, update 1h
    let at = |hms: &str| clocks(&i, &sev, t(hms));
    let [response, escalation, update] = at("15:10:01");
    assert_eq!(response.due, t("15:40:00"));
    assert_eq!(escalation.due, t("16:10:00"));
    assert_eq!(update.due, t("16:10:00"));
    assert_eq!(
        response.state,
        ClockState::Running {
            left: SignedDuration::from_secs(30 * 60 - 1)
        }
    );
    assert_eq!(response.text(), "response in 29m59s");
    // amber in the last quarter (7m30s of 30m)
    assert_eq!(at("15:32:29")[0].urgency(), Urgency::Calm);
    assert_eq!(at("15:32:30")[0].urgency(), Urgency::Amber);
    // red once due
    let [response, ..] = at("15:40:00");
    assert_eq!(response.urgency(), Urgency::Red);
    assert_eq!(response.text(), "response OVERDUE 0s");
    assert_eq!(
        most_urgent(&at("15:41:00")).unwrap().kind,
        ClockKind::Response
    );
    let over = newly_overdue(&i, &sev, t("15:41:00"));
    assert_eq!(over.len(), 1);
    // once recorded, it is not new any more
    let mut recorded = i.clone();
    recorded.apply(Entry {
        at: t("15:41:00"),
        id: "x-1".into(),
        what: What::Overdue {
            clock: ClockKind::Response,
            due: t("15:40:00"),
        },
    });
    assert!(newly_overdue(&recorded, &sev, t("15:42:00")).is_empty());

    // a note answers the response clock; an update restarts the update cadence
    let mut ids = EntryIds::new("t");
    let mut i2 = i.clone();
    i2.apply(ids.entry(
        t("15:20:00"),
        What::Note {
            text: "looking".into(),
        },
    ));
    i2.apply(ids.entry(
        t("16:05:00"),
        What::UpdateSent {
            template: "status update".into(),
            text: "…".into(),
        },
    ));
    let [response, _, update] = clocks(&i2, &sev, t("16:06:00"));
    assert_eq!(response.state, ClockState::Met(t("15:20:00")));
    assert_eq!(update.due, t("17:05:00"));
    assert_eq!(update.urgency(), Urgency::Calm);
    // resolved: every clock still running stops
    let resolved = Incident::fold(&journal()).unwrap();
    let all = clocks(&resolved, &sev, t("23:00:00"));
    assert_eq!(all[2].state, ClockState::Stopped);
    assert!(most_urgent(&all).is_none());
}

#[test]
fn templates_fill_from_the_facts() {
    let sev = Severities::builtin();
    let mut i = Incident::fold(&journal()[..7]).unwrap();
    let facts = Facts::gather(
        &i,
        &sev,
        vec!["kubechat-chat-service".into()],
        vec!["Error rate (5xx) 62.0 % (alert)".into()],
        t("15:17:00"),
    );
    assert_eq!(Template::next_for(&i), Template::Declaration);
    insta::assert_snapshot!("declaration", fill(Template::Declaration.text(), &facts));
    i.apply(journal()[7].clone());
    assert_eq!(Template::next_for(&i), Template::StatusUpdate);
    let facts = Facts::gather(&i, &sev, vec![], vec![], t("15:50:00"));
    insta::assert_snapshot!("status_update", fill(Template::StatusUpdate.text(), &facts));
    // unknown placeholders stay for the person to fill
    assert_eq!(
        fill("a {{ mine }} {{ severity }}", &facts),
        "a {{ mine }} 2"
    );
    assert_eq!(fill("open {{ severity", &facts), "open {{ severity");
}

#[test]
fn the_postmortem_draft_is_a_function_of_the_journal() {
    let sev = Severities::builtin();
    let i = Incident::fold(&journal()).unwrap();
    let md = export::markdown(&i, &sev);
    insta::assert_snapshot!("postmortem", md);
    let json = export::json(&i, &sev);
    assert_eq!(json["status"], "RESOLVED");
    assert_eq!(json["entries"].as_array().unwrap().len(), 11);
}

#[test]
fn ids_are_safe_file_names() {
    assert_eq!(incident_id(t("15:10:00")), "inc-20261128-151000");
    assert!(valid_id("inc-20261128-151000"));
    for bad in ["", "../x", "a/b", ".hidden", "a b"] {
        assert!(!valid_id(bad), "{bad}");
    }
}

#[test]
fn pins_head_the_postmortem_and_the_checklist_folds() {
    let sev = Severities::builtin();
    let mut entries = journal();
    let mut ids = EntryIds::new("t");
    entries.push(ids.entry(
        t("15:20:00"),
        What::Pin {
            text: "root cause: a config schema bump".into(),
        },
    ));
    entries.push(ids.entry(t("15:21:00"), What::Checked { step: 1 }));
    entries.push(ids.entry(t("15:22:00"), What::Checked { step: 1 }));
    let i = Incident::fold(&entries).unwrap();
    assert_eq!(i.checked, vec![1]);
    let md = export::markdown(&i, &sev);
    let summary = md.find("## Summary").unwrap();
    let pinned = md
        .find("**Pinned (15:20):** root cause: a config schema bump")
        .unwrap();
    let impact = md.find("## Impact").unwrap();
    assert!(summary < pinned && pinned < impact, "{md}");
}
