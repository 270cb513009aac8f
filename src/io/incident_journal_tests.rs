//! The journal on a real file system: round trip, torn tails, the lock, severities files.

use std::io::Write;

use jiff::Timestamp;

use super::*;
use crate::incident::{EntryIds, Incident, Status, What};

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

fn declared(ids: &mut EntryIds, id: &str) -> Entry {
    ids.entry(
        t(0),
        What::Declared {
            incident: id.into(),
            title: "db down".into(),
            severity: 1,
        },
    )
}

fn note(ids: &mut EntryIds, n: i64) -> Entry {
    ids.entry(
        t(n),
        What::Note {
            text: format!("note {n}"),
        },
    )
}

#[test]
fn append_and_read_back_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("incidents");
    let mut ids = EntryIds::new("t");
    let first = declared(&mut ids, "inc-1");
    append(&d, "inc-1", std::slice::from_ref(&first), true).unwrap();
    let notes: Vec<Entry> = (1..=3).map(|n| note(&mut ids, n)).collect();
    append(&d, "inc-1", &notes, false).unwrap();
    let status = ids.entry(
        t(9),
        What::Status {
            status: Status::Mitigating,
        },
    );
    append(&d, "inc-1", std::slice::from_ref(&status), false).unwrap();
    let j = read_incident(&d, "inc-1").unwrap();
    assert_eq!(j.warnings, Vec::<String>::new());
    assert!(!j.torn_tail);
    let mut want = vec![first.clone()];
    want.extend(notes);
    want.push(status);
    assert_eq!(j.entries, want);
    assert_eq!(
        Incident::fold(&j.entries).unwrap().status,
        Status::Mitigating
    );

    // a declaration cannot overwrite a journal; a note needs one
    let e = append(&d, "inc-1", &[first], true).unwrap_err();
    assert!(e.contains("exists already"), "{e}");
    let e = append(&d, "inc-2", &[note(&mut ids, 1)], false).unwrap_err();
    assert!(e.starts_with("no incident inc-2"), "{e}");
    let e = append(&d, "../x", &[], true).unwrap_err();
    assert!(e.contains("not an incident id"), "{e}");

    let (all, warnings) = read_all(&d);
    assert!(warnings.is_empty());
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, "inc-1");
    assert!(read_all(&dir.path().join("none")).0.is_empty());
}

#[test]
fn a_torn_last_line_is_skipped_and_reported_and_the_next_append_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let mut ids = EntryIds::new("t");
    let entries = vec![
        declared(&mut ids, "inc-1"),
        note(&mut ids, 1),
        note(&mut ids, 2),
    ];
    append(&d, "inc-1", &entries, true).unwrap();
    // a crash in the middle of the next append: half a line, no newline
    let path = journal_path(&d, "inc-1");
    let half = &note(&mut ids, 3).to_line()[..20];
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(half.as_bytes())
        .unwrap();
    let j = read(&path).unwrap();
    assert_eq!(j.entries, entries, "every earlier line is kept");
    assert!(j.torn_tail);
    assert_eq!(j.warnings.len(), 1);
    let label = path.display().to_string();
    assert_eq!(
        j.warnings[0],
        format!("{label}:4: torn last line (an append was cut short): skipped")
    );
    // the next append starts on its own line: nothing good is glued to the torn piece
    let four = note(&mut ids, 4);
    append(&d, "inc-1", std::slice::from_ref(&four), false).unwrap();
    let j = read(&path).unwrap();
    assert_eq!(j.entries.last(), Some(&four));
    assert_eq!(j.entries.len(), 4);
    assert!(
        !j.torn_tail,
        "the torn piece is now a bad line in the middle"
    );
    assert_eq!(j.warnings.len(), 1);
    assert!(
        j.warnings[0].starts_with(&format!("{label}:4: ")),
        "{:?}",
        j.warnings
    );
}

#[test]
fn garbage_never_panics_and_names_the_line() {
    let j = parse(b"\n{not json}\n\xff\xfe\n{\"at\":1}\n", "f.jsonl");
    assert!(j.entries.is_empty());
    assert_eq!(j.warnings.len(), 3);
    assert!(j.warnings[0].starts_with("f.jsonl:2: "), "{:?}", j.warnings);
    assert!(j.warnings[2].starts_with("f.jsonl:4: "), "{:?}", j.warnings);
    assert!(!j.torn_tail);
    assert_eq!(parse(b"", "f").entries.len(), 0);
}

/// Two writers at once (threads with their own file handles, as two processes would have)
/// never interleave: every line is whole and every entry is there.
#[test]
fn concurrent_appenders_do_not_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let mut ids = EntryIds::new("t");
    append(&d, "inc-1", &[declared(&mut ids, "inc-1")], true).unwrap();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let d = d.clone();
            std::thread::spawn(move || {
                let mut ids = EntryIds::new(format!("w{w}"));
                for n in 0..50 {
                    let text = "x".repeat(3000 + n);
                    let e = ids.entry(t(n as i64), What::Note { text });
                    append(&d, "inc-1", &[e], false).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let j = read_incident(&d, "inc-1").unwrap();
    assert_eq!(j.warnings, Vec::<String>::new());
    assert_eq!(j.entries.len(), 1 + 4 * 50);
}

#[test]
fn severities_from_the_config_dir_or_built_in_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (s, w) = load_severities(dir.path());
    assert!(w.is_empty());
    assert_eq!(s, Severities::builtin());
    let path = dir.path().join("severities.yaml");
    std::fs::write(&path, "severities:\n  - level: 1\n    name: P1\n    definition: down\n    respond_within: 5m\n    escalate_within: 10m\n    update_every: 15m\n").unwrap();
    let (s, w) = load_severities(dir.path());
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(s.name(1), "P1");
    std::fs::write(&path, "severities:\n  - level: x\n").unwrap();
    let (s, w) = load_severities(dir.path());
    assert_eq!(s, Severities::builtin());
    assert!(
        w[0].starts_with(&format!("{}: line 2", path.display())),
        "{w:?}"
    );
}
