//! Runbooks benchmark (issue 11): a step that prints 1 MB/s for 10 s while the console
//! draws. The step is real (`sh -c` through the executor's runbook runner, its lines batched
//! back as messages); the console's side is `update` and a draw at 200×60 at most every
//! 25 ms (the loop's frame interval), as `app::run` does.
//! - frame time (the updates of what arrived since the last draw + the draw), p50/p99
//!   (target p99 ≤ 2 ms), as wall time and as the thread's CPU time (wall time on a loaded
//!   machine includes the time other processes held the core);
//! - RSS growth over the run (target ≤ 16 MiB);
//! - the first output line on screen after the command's own start (it prints its start
//!   time first; target ≤ 50 ms).
//!
//! Run: `cargo bench --bench runbooks`. Prints the figures; asserts nothing.

#[path = "common/proc.rs"]
mod proc;

use std::time::{Duration, Instant};

use jiff::Timestamp;
use kubechat_ops::cluster::load::kube_msgs_from_yaml;
use kubechat_ops::effect::Effect;
use kubechat_ops::io::runbook_checks::CheckCx;
use kubechat_ops::io::runbook_runner::RunEnv;
use kubechat_ops::io::thread_clock::{Spent, Stopwatch};
use kubechat_ops::io::Executor;
use kubechat_ops::keymap::Keymap;
use kubechat_ops::msg::{Msg, RunbookMsg};
use kubechat_ops::panes::runbooks::Model;
use kubechat_ops::runbook::parse;
use kubechat_ops::shell::{update, State, StateInit};
use kubechat_ops::theme::Theme;
use ratatui::{backend::TestBackend, Terminal};

const FIXTURE: &str = include_str!("../tests/fixtures/cluster.yaml");
const FRAME: Duration = Duration::from_millis(25);
/// 100 KB every 100 ms for 10 s, its start time (seconds since the epoch) first.
const LOUD: &str = r#"id: loud
title: Loud
sections:
  - name: run
    steps:
      - title: one megabyte a second
        command: "date +%s.%N; for i in $(seq 1 100); do yes 'level=info msg=\"request served\" method=POST path=/api/v1/chat status=200 duration=0.070s' | head -c 100000; sleep 0.1; done"
"#;

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
    update(&mut s, Msg::Tick(Timestamp::now()));
    for m in kube_msgs_from_yaml(FIXTURE, "cluster.yaml").expect("fixture") {
        update(&mut s, Msg::Kube(m));
    }
    update(&mut s, Msg::Resize(200, 60));
    s
}

fn key(c: crossterm::event::KeyCode) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::from(c))
}

// as the console runs: its loop on the main thread, one worker for the rest (`main.rs`)
#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = kube::config::Kubeconfig::from_yaml(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: bench\n  context:\n    cluster: c\n    user: u\ncurrent-context: bench\n",
    )
    .expect("kubeconfig");
    let env = RunEnv::prepare(&kubeconfig, "bench", "kubechat-system", dir.path()).expect("env");
    let config = kube::Config::new("http://127.0.0.1:1".parse().expect("url"));
    let client = kube::Client::try_from(config).expect("client");
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(kubechat_ops::app::CHANNEL_CAPACITY);
    let executor = Executor::new(
        None,
        client.clone(),
        (
            "kubechat-system",
            kubechat_ops::cluster::scope::Scope::Namespace("kubechat-system".into()),
        ),
        tx,
    )
    .with_runbooks(
        env,
        CheckCx {
            client,
            namespace: "kubechat-system".into(),
            prom: None,
        },
        dir.path().join("runs"),
    );

    let mut s = state();
    let rb = parse(LOUD, "loud.yaml", "loud").expect("runbook");
    s.panes.runbooks = Model::new(vec![rb], Vec::new(), "kubechat-system");
    update(&mut s, key(crossterm::event::KeyCode::Char('6')));
    update(&mut s, key(crossterm::event::KeyCode::Enter));
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    terminal
        .draw(|f| kubechat_ops::shell::view::render(&s, &theme, f))
        .expect("draw");
    let rss_start = proc::rss_kib("self");
    let started = Instant::now();
    for e in update(&mut s, key(crossterm::event::KeyCode::Enter)) {
        executor.execute(e);
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut spent: Vec<Spent> = Vec::new();
    // the work since the last draw
    let mut work = Spent::default();
    let mut last_draw = Instant::now();
    let mut first_line: Option<f64> = None;
    let mut lines_seen = 0usize;
    let mut rss_peak = rss_start;
    loop {
        let msg = match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(m)) => m,
            _ => break,
        };
        let is_finished = |m: &Msg| matches!(m, Msg::Runbook(RunbookMsg::Finished { .. }));
        let mut finished = is_finished(&msg);
        if let (None, Msg::Runbook(RunbookMsg::Lines { lines, .. })) = (&first_line, &msg) {
            first_line = lines.first().and_then(|l| l.trim().parse::<f64>().ok());
        }
        if let Msg::Runbook(RunbookMsg::Lines { lines, .. }) = &msg {
            lines_seen += lines.len();
        }
        let updating = Stopwatch::start();
        let mut effects = update(&mut s, msg);
        while let Ok(m) = rx.try_recv() {
            if let Msg::Runbook(RunbookMsg::Lines { lines, .. }) = &m {
                lines_seen += lines.len();
            }
            // the end may come in the same drain as the last lines (missing it here left
            // the loop waiting out its 30 s receive timeout: the "42 s" step)
            finished |= is_finished(&m);
            effects.extend(update(&mut s, m));
        }
        work += updating.spent();
        for e in effects {
            if !matches!(e, Effect::SaveRun(_)) {
                executor.execute(e);
            }
        }
        if last_draw.elapsed() >= FRAME || finished || spent.is_empty() {
            let drawing = Stopwatch::start();
            terminal
                .draw(|f| kubechat_ops::shell::view::render(&s, &theme, f))
                .expect("draw");
            s.dirty = false;
            last_draw = Instant::now();
            work += drawing.spent();
            spent.push(std::mem::take(&mut work));
            if spent.len() == 1 {
                if let Some(cmd_start) = first_line {
                    let now = Timestamp::now().as_nanosecond() as f64 / 1e9;
                    println!(
                        "first output line on screen {:.1} ms after the command's own start (target <= 50 ms); {:.1} ms after Enter",
                        (now - cmd_start) * 1000.0,
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                }
            }
            rss_peak = rss_peak.max(proc::rss_kib("self"));
        }
        if finished {
            break;
        }
    }
    let elapsed = started.elapsed();
    let rss_end = proc::rss_kib("self");
    let sorted = |pick: fn(&Spent) -> Duration| {
        let mut v: Vec<Duration> = spent.iter().map(pick).collect();
        v.sort();
        v
    };
    let (frames, cpu_frames, wait_frames) =
        (sorted(|s| s.wall), sorted(|s| s.cpu), sorted(|s| s.waited));
    let at = |v: &[Duration], p: f64| proc::ms(v[((v.len() as f64 * p) as usize).min(v.len() - 1)]);
    let pct = |p: f64| at(&frames, p);
    let open = s.panes.runbooks.open.as_ref().expect("open");
    let tail = &open.tails[0];
    println!(
        "10 MB in {lines_seen} lines over {:.1} s; {} frames (update + draw 200×60) p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (target p99 <= 2 ms)",
        elapsed.as_secs_f64(),
        frames.len(),
        pct(0.50),
        pct(0.99),
        proc::ms(*frames.last().expect("frames")),
    );
    println!(
        "frame CPU time (this thread): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; load average at the start {}",
        at(&cpu_frames, 0.50),
        at(&cpu_frames, 0.99),
        proc::ms(*cpu_frames.last().expect("frames")),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    );
    println!(
        "the same frames' wait for a core: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        at(&wait_frames, 0.50),
        at(&wait_frames, 0.99),
        proc::ms(*wait_frames.last().expect("frames")),
    );
    println!(
        "RSS {:.1} MiB at start, peak {:.1} MiB, {:.1} MiB at the end (growth {:+.1} MiB, target <= 16 MiB); kept {} lines, {} dropped; step {}: {}",
        proc::mib(rss_start),
        proc::mib(rss_peak),
        proc::mib(rss_end),
        proc::mib(rss_peak) - proc::mib(rss_start),
        tail.lines.len(),
        tail.dropped,
        open.run.steps[0].state.as_str(),
        open.run.steps[0].reason,
    );
}
