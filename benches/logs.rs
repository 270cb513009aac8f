//! Logs pane benchmark (issue 10): a pod that logs 1 MB/s for a minute, fed as the log
//! reader's messages through `update` in 25 ms batches (the loop's frame interval), each
//! batch drawn at 200×60 with search highlighting on, as the console would draw it.
//! - frame time (update + draw), p50/p99 (target p99 ≤ 2 ms);
//! - RSS growth over the minute (the buffer is bounded: the growth must level off);
//! - the same with wrap on.
//!
//! Run: `cargo bench --bench logs`. Prints the figures; asserts nothing.

#[path = "common/proc.rs"]
mod proc;

use std::time::Instant;

use jiff::Timestamp;
use kubechat_ops::cluster::load::kube_msgs_from_yaml;
use kubechat_ops::effect::Effect;
use kubechat_ops::keymap::Keymap;
use kubechat_ops::msg::{LogMsg, Msg};
use kubechat_ops::shell::{update, State, StateInit};
use kubechat_ops::theme::Theme;
use ratatui::{backend::TestBackend, Terminal};

const FIXTURE: &str = include_str!("../tests/fixtures/cluster.yaml");
/// 1 MB/s in 25 ms batches.
const BYTES_PER_BATCH: usize = 25_000;
const BATCHES: usize = 60 * 40;

fn state() -> State {
    let mut s = State::new(StateInit {
        context: "bench".into(),
        scope: kubechat_ops::cluster::scope::Scope::Namespace("kubechat-system".into()),
        read_only: true,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: None,
        warnings: vec![],
    });
    update(&mut s, Msg::Tick(Timestamp::now()));
    for m in kube_msgs_from_yaml(FIXTURE, "cluster.yaml").expect("fixture") {
        update(&mut s, Msg::Kube(m));
    }
    update(&mut s, Msg::Resize(200, 60));
    s
}

/// Opens the logs of the pods a selector matches, as a user does (`4`, `s`, the selector,
/// Enter), and returns the stream's id.
fn open(s: &mut State) -> u64 {
    update(s, key('4'));
    update(s, key('s'));
    let mut effects = Vec::new();
    for c in "app=chatty".chars() {
        update(s, key(c));
    }
    effects.extend(update(s, enter()));
    effects
        .iter()
        .find_map(|e| match e {
            Effect::StreamLogs(st) => Some(st.id),
            _ => None,
        })
        .expect("a stream")
}

fn enter() -> Msg {
    Msg::Key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Enter,
    ))
}

fn run(wrap: bool) {
    let mut s = state();
    let id = open(&mut s);
    if wrap {
        update(&mut s, key('w'));
    }
    // a search, so every drawn line is scanned for matches
    update(&mut s, key('/'));
    for c in "error".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, enter());
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    let rss_start = proc::rss_kib("self");
    let mut frames = Vec::with_capacity(BATCHES);
    let mut rss_at_10s = 0;
    let mut n = 0u64;
    let started = Instant::now();
    for batch in 0..BATCHES {
        let mut lines = Vec::new();
        let mut bytes = 0;
        while bytes < BYTES_PER_BATCH {
            n += 1;
            let level = if n.is_multiple_of(97) {
                "error"
            } else {
                "info"
            };
            let line = format!(
                "level={level} msg=\"request served\" method=POST path=/api/v1/chat/{n} status=200 duration=0.07{}s user=u{} trace=4bf92f3577b34da6a3ce929d0e0e{:04x}",
                n % 10,
                n % 1000,
                n % 65536
            );
            bytes += line.len() + 1;
            lines.push(line);
        }
        let t = Instant::now();
        update(
            &mut s,
            Msg::Log(LogMsg::Lines {
                id,
                pod: "chatty".into(),
                lines,
            }),
        );
        terminal
            .draw(|f| kubechat_ops::shell::view::render(&s, &theme, f))
            .expect("draw");
        s.dirty = false;
        frames.push(t.elapsed());
        if batch == 400 {
            rss_at_10s = proc::rss_kib("self");
        }
    }
    let elapsed = started.elapsed();
    let rss_end = proc::rss_kib("self");
    frames.sort();
    let pct = |p: f64| proc::ms(frames[((frames.len() as f64 * p) as usize).min(frames.len() - 1)]);
    let logs = &s.panes.logs;
    println!(
        "{}: 60 MB in {} lines fed in {:.1} s; frame (update + draw 200×60) p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (target p99 <= 2 ms)",
        if wrap { "wrap on " } else { "wrap off" },
        n,
        elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        proc::ms(*frames.last().unwrap()),
    );
    println!(
        "          RSS {:.1} MiB at start, {:.1} MiB after 10 s, {:.1} MiB after 60 s (growth {:+.1} MiB; after the first 10 s {:+.1} MiB); buffer {} lines, {:.1} MiB, {} dropped",
        proc::mib(rss_start),
        proc::mib(rss_at_10s),
        proc::mib(rss_end),
        proc::mib(rss_end) - proc::mib(rss_start),
        proc::mib(rss_end) - proc::mib(rss_at_10s),
        logs.buffer.len(),
        logs.buffer.bytes() as f64 / 1_048_576.0,
        logs.buffer.dropped,
    );
}

fn key(c: char) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char(c),
    ))
}

fn main() {
    run(false);
    run(true);
}
