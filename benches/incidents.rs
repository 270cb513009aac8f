//! Incidents benchmark (issue 12), on this machine's disk (a directory under the current
//! one, so the same file system as the data dir would be):
//! - append + fsync: one entry per append, as the console and `incident note` write, p50/p99;
//! - open a 10,000-entry incident: read the journal and fold it (the headless path), and the
//!   console's path (the journal message through `update`, the pane's indexes), target ≤ 200 ms;
//! - its memory (RSS growth while one such incident is held) and a frame of the pane.
//!
//! Run: `cargo bench --bench incidents`. Prints the figures; asserts nothing.

#[path = "common/proc.rs"]
mod proc;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use kubechat_ops::incident::{EntryIds, Incident, Status, What};
use kubechat_ops::io::incident_journal::{append, journal_path, read};
use kubechat_ops::keymap::Keymap;
use kubechat_ops::msg::{IncidentMsg, Msg};
use kubechat_ops::panes::PaneId;
use kubechat_ops::screens::Screen;
use kubechat_ops::shell::{update, State, StateInit};
use kubechat_ops::theme::Theme;
use ratatui::{backend::TestBackend, Terminal};

/// Counts the bytes live on the heap, to measure what one incident holds exactly (RSS
/// hides it behind memory the allocator keeps).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const APPENDS: usize = 500;
const ENTRIES: usize = 10_000;

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    proc::ms(sorted[i])
}

/// A realistic journal: the declaration, then mostly timeline items, some notes and
/// status changes, a second apart.
fn journal(id: &str, n: usize) -> Vec<kubechat_ops::incident::Entry> {
    let start: Timestamp = "2026-11-28T15:10:00Z".parse().unwrap();
    let mut ids = EntryIds::new("bench-1");
    let mut out = vec![ids.entry(
        start,
        What::Declared {
            incident: id.into(),
            title: "chat messages fail to send".into(),
            severity: 2,
        },
    )];
    for i in 1..n {
        let at = start + SignedDuration::from_secs(i as i64);
        let what = match i % 10 {
            0 => What::Note {
                text: format!("note {i}: restarted kubechat-chat-service, watching the 5xx"),
            },
            5 if i == 5 => What::Status {
                status: Status::Mitigating,
            },
            _ => What::Timeline {
                source: "warn".into(),
                bad: true,
                text: format!(
                    "BackOff pod/kubechat-chat-service-6b7c8d9e0-x{i:05}: Back-off restarting failed container"
                ),
            },
        };
        out.push(ids.entry(at, what));
    }
    out
}

fn bench_appends(dir: &std::path::Path) {
    let mut ids = EntryIds::new("bench-2");
    let first = journal("inc-append", 1);
    append(dir, "inc-append", &first, true).expect("declare");
    let mut times = Vec::with_capacity(APPENDS);
    for i in 0..APPENDS {
        let e = ids.entry(
            Timestamp::now(),
            What::Note {
                text: format!("note {i}"),
            },
        );
        let t = Instant::now();
        append(dir, "inc-append", &[e], false).expect("append");
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "append + fsync, {APPENDS} appends of one entry: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(&times, 0.5),
        pct(&times, 0.99),
        proc::ms(*times.last().unwrap())
    );
}

fn state() -> State {
    let mut s = State::new(StateInit {
        context: "bench".into(),
        scope: kubechat_ops::cluster::scope::Scope::Namespace("kubechat-system".into()),
        read_only: false,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: None,
        warnings: vec![],
    });
    update(&mut s, Msg::Tick("2026-11-28T18:00:00Z".parse().unwrap()));
    update(&mut s, Msg::Resize(160, 48));
    s
}

fn bench_open(dir: &std::path::Path) {
    let id = "inc-big";
    let entries = journal(id, ENTRIES);
    append(dir, id, &entries, true).expect("write the journal");
    let path = journal_path(dir, id);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut headless = Vec::new();
    let mut console = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let j = read(&path).expect("read");
        let incident = Incident::fold(&j.entries).expect("fold");
        headless.push(t.elapsed());
        assert_eq!(incident.entries.len(), ENTRIES);

        let mut s = state();
        let t = Instant::now();
        let j = read(&path).expect("read");
        update(
            &mut s,
            Msg::Incident(IncidentMsg::Journal {
                id: id.into(),
                entries: j.entries,
                warnings: j.warnings,
                source: kubechat_ops::msg::JournalSource::Disk,
            }),
        );
        console.push(t.elapsed());
    }
    headless.sort();
    console.sort();
    println!(
        "open a {ENTRIES}-entry incident ({:.1} MiB journal): read + fold p50 {:.1} ms (max {:.1}); \
         read + into the console's pane p50 {:.1} ms (max {:.1}); target ≤ 200 ms",
        bytes as f64 / 1048576.0,
        pct(&headless, 0.5),
        proc::ms(*headless.last().unwrap()),
        pct(&console, 0.5),
        proc::ms(*console.last().unwrap()),
    );

    // memory: what holding one such incident in the console costs
    let mut s = state();
    let before = LIVE.load(Ordering::Relaxed);
    let j = read(&path).expect("read");
    update(
        &mut s,
        Msg::Incident(IncidentMsg::Journal {
            id: id.into(),
            entries: j.entries,
            warnings: j.warnings,
            source: kubechat_ops::msg::JournalSource::Disk,
        }),
    );
    let after = LIVE.load(Ordering::Relaxed);
    println!(
        "memory: {:.1} MiB on the heap holding the {ENTRIES}-entry incident in the console \
         (RSS {:.0} MiB for the whole bench)",
        after.saturating_sub(before) as f64 / 1048576.0,
        proc::mib(proc::rss_kib("self"))
    );

    // a frame of the Incidents screen with it selected
    s.screen = Screen::Solo(PaneId::Incidents);
    s.focus = PaneId::Incidents;
    let theme = Theme::default();
    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let mut frames = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        term.draw(|f| kubechat_ops::shell::view::render(&s, &theme, f))
            .expect("draw");
        frames.push(t.elapsed());
    }
    frames.sort();
    println!(
        "a frame of the Incidents screen (160×48) with it: p50 {:.2} ms, p99 {:.2} ms",
        pct(&frames, 0.5),
        pct(&frames, 0.99)
    );
}

fn main() {
    let dir = tempfile::Builder::new()
        .prefix("incidents-bench")
        .tempdir_in(".")
        .expect("a directory here");
    println!("journals in {} (this disk)", dir.path().display());
    bench_appends(dir.path());
    bench_open(dir.path());
}
