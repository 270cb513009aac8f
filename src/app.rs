//! The loop (DESIGN.md §3): every source sends `Msg`s into one bounded channel; the loop
//! receives, runs the pure `update`, hands effects to the executor, and draws only when
//! the state changed. At idle nothing but the 1 Hz tick wakes it.

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::{FutureExt, StreamExt};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::effect::Effect;
use crate::io::thread_clock::Stopwatch;
use crate::io::Executor;
use crate::msg::Msg;
use crate::shell::{update, State};
use crate::terminal::Term;
use crate::theme::Theme;

/// Messages waiting in the channel beyond this are back-pressure on the sources.
pub const CHANNEL_CAPACITY: usize = 4096;
/// The shortest time between two frames (25 frames/s at most): a change is on screen
/// within this and one frame's drawing, inside the 100 ms we aim for; under churn (a
/// thousand pod changes a second) drawing is most of what the console does, so fewer
/// frames is less CPU.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(40);
/// How many queued messages one turn of the loop folds in before drawing.
const DRAIN_CAP: usize = CHANNEL_CAPACITY;
/// Keys (and resizes) waiting to be taken.
const KEY_CAPACITY: usize = 64;

/// Starts a task that sends `Msg`s into the loop's channel (e.g. the Prometheus poller).
pub type Producer = Box<dyn FnOnce(mpsc::Sender<Msg>) -> JoinHandle<()> + Send>;

/// The world the loop listens to, built by `main`.
pub struct Sources {
    pub kube: kube::Client,
    /// The same cluster, for watches: a watch silent too long fails and is restarted.
    pub kube_watch: kube::Client,
    /// The console's own namespace: where shared incidents live, whatever the scope.
    pub namespace: String,
    /// What the console watches at start (`-n`, `-A`); `:ns` changes it.
    pub scope: crate::cluster::scope::Scope,
    /// `None` in read-only mode: then no object able to write to the cluster exists.
    pub writer: Option<crate::io::kube_writer::KubeWriter>,
    /// Extra producers (the Prometheus poller), started with the loop's sender.
    pub extra: Vec<Producer>,
    /// Where incident journals are written (`<data dir>/incidents`).
    pub incidents: Option<std::path::PathBuf>,
    /// Team mode: watch the incidents shared in the cluster.
    pub team_incidents: bool,
    /// Where configuration snapshots go (`<data dir>/snapshots`), and the context name.
    pub snapshots: Option<(std::path::PathBuf, String)>,
    /// Where runbook steps run, what checks read with, where runs are saved.
    pub runbooks: Option<RunbookSources>,
}

/// What the executor needs to run runbook steps.
pub struct RunbookSources {
    pub env: crate::io::runbook_runner::RunEnv,
    pub checks: crate::io::runbook_checks::CheckCx,
    pub runs_dir: std::path::PathBuf,
}

/// Runs the console until the user quits or a signal asks it to stop.
/// `started` is when the process started, for the first-frame log line the benchmark reads.
pub async fn run(
    term: &mut Term,
    mut state: State,
    theme: &Theme,
    sources: Sources,
    started: Instant,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL_CAPACITY);
    // keys have their own channel: they are taken at once, while the rest waits for the
    // frame (below)
    let (input_tx, mut keys) = mpsc::channel::<Msg>(KEY_CAPACITY);
    let mut input = spawn_input(input_tx.clone());
    let mut tasks = vec![spawn_clock(tx.clone())];
    for start in sources.extra {
        tasks.push(start(tx.clone()));
    }
    let mut executor = Executor::new(
        sources.writer,
        sources.kube.clone(),
        (&sources.namespace, sources.scope.clone()),
        tx.clone(),
    )
    .with_watch_client(sources.kube_watch);
    if let Some((dir, context)) = sources.snapshots {
        executor = executor.with_snapshots(dir, &context);
    }
    if let Some(r) = sources.runbooks {
        executor = executor.with_runbooks(r.env, r.checks, r.runs_dir);
    }
    executor.execute(Effect::Watch(sources.scope));
    let executor = incidents(
        executor,
        &sources.kube,
        &sources.namespace,
        sources.incidents,
        sources.team_incidents,
        &tx,
        &mut tasks,
    );
    // `input_tx` is kept to restart the input task after a step that needed the terminal
    drop(tx);

    // the panes judge what is on screen by the terminal's size, known from here on
    let area = term.size()?;
    // (a resize asks for nothing)
    let _ = update(&mut state, Msg::Resize(area.width, area.height));
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut first_frame = true;
    // a frame: rendering into the buffer, then writing what changed to the terminal
    let mut frames = FrameTimes::default();
    let mut renders = FrameTimes::default();
    // the same frames in the loop thread's CPU time: what drawing cost the console
    let mut frame_cpu = FrameTimes::default();
    // and the time they waited for a core (wall = CPU + this wait + anything blocked on)
    let mut frame_wait = FrameTimes::default();
    let mut last_draw: Option<Instant> = None;
    let mut last_batch: Option<Instant> = None;
    let result = loop {
        // Draw when something changed, at most once per FRAME_INTERVAL: a burst of watch
        // events costs one frame, not one each.
        let next_frame = last_draw.map_or(Instant::now(), |t| t + FRAME_INTERVAL);
        if state.dirty && Instant::now() >= next_frame {
            let drawing = Stopwatch::start();
            let mut rendered = Duration::ZERO;
            term.draw(|frame| {
                crate::shell::view::render(&state, theme, frame);
                rendered = drawing.started().elapsed();
            })?;
            let spent = drawing.spent();
            frames.record(spent.wall);
            renders.record(rendered);
            frame_cpu.record(spent.cpu);
            frame_wait.record(spent.waited);
            // one line a frame with `--log-level info,frames=trace` (the at-scale bench
            // reads the frames of its scrolling from it)
            tracing::trace!(
                target: "frames",
                "frame: wall {} us · rendering {} us · CPU {} us · waited for a core {} us",
                spent.wall.as_micros(),
                rendered.as_micros(),
                spent.cpu.as_micros(),
                spent.waited.as_micros()
            );
            state.dirty = false;
            last_draw = Some(Instant::now());
            if first_frame {
                first_frame = false;
                tracing::info!(
                    "first frame drawn {} ms after start",
                    started.elapsed().as_millis()
                );
            }
        }
        // Watch events are taken in batches, at most one per FRAME_INTERVAL, and wait for a
        // pending frame: at a thousand pod changes a second the console wakes for each
        // batch, not for each change, whether the changes show or not. Keys and signals
        // are taken at once.
        let now = Instant::now();
        let batch_due = last_batch.map_or(now, |t| t + FRAME_INTERVAL);
        let take_batch = !state.dirty && now >= batch_due;
        let wake_at = if state.dirty {
            Some(next_frame)
        } else {
            (!take_batch).then_some(batch_due)
        };
        let (first, mut batched) = tokio::select! {
            msg = rx.recv(), if take_batch => match msg {
                Some(msg) => (Some(msg), true),
                None => break Ok(()),
            },
            key = keys.recv() => (key, false),
            _ = tokio::time::sleep_until(wake_at.unwrap_or(now).into()), if wake_at.is_some() => (None, false),
            _ = sigterm.recv() => break Ok(()),
            _ = sigint.recv() => break Ok(()),
            _ = sighup.recv() => break Ok(()),
            _ = &mut input => break Err(anyhow::anyhow!("the terminal stopped answering (see the log)")),
        };
        if let Some(Msg::Resize(width, height)) = first {
            crate::terminal::resize(term, width, height)?;
        }
        let mut effects = first.map(|msg| update(&mut state, msg)).unwrap_or_default();
        for _ in 0..DRAIN_CAP {
            match rx.try_recv() {
                Ok(msg) => {
                    batched = true;
                    effects.extend(update(&mut state, msg));
                }
                Err(_) => break,
            }
        }
        if batched {
            last_batch = Some(Instant::now());
        }
        let mut queue: std::collections::VecDeque<_> = effects.into();
        while let Some(effect) = queue.pop_front() {
            match effect {
                crate::effect::Effect::RunStep(run) if run.interactive => {
                    // the step gets the terminal: stop reading keys, leave the screen,
                    // run it, take the terminal back; a Ctrl-C meant for the step is not
                    // the console's
                    input.abort();
                    let _ = (&mut input).await;
                    crate::terminal::restore();
                    println!("kubechat-ops: running a step that needs the terminal; the console comes back when it exits\r");
                    let done = tokio::task::block_in_place(|| executor.run_interactive(&run));
                    while sigint.recv().now_or_never().is_some() {}
                    crate::terminal::resume(term)?;
                    input = spawn_input(input_tx.clone());
                    queue.extend(update(&mut state, done));
                    state.dirty = true;
                }
                effect => executor.execute(effect),
            }
        }
        if state.should_quit {
            break Ok(());
        }
    };
    input.abort();
    for task in tasks {
        task.abort();
    }
    tracing::info!(
        "frames drawn: {} · rendering alone {} · CPU time {} · waited for a core {}",
        frames.summary(),
        renders.percentiles(),
        frame_cpu.percentiles(),
        frame_wait.percentiles()
    );
    result
}

/// How long the frames took to draw (the last [`FrameTimes::KEPT`]), for the log line the
/// at-scale benchmark reads when the console quits.
#[derive(Default)]
struct FrameTimes {
    micros: Vec<u32>,
    next: usize,
    count: u64,
}

impl FrameTimes {
    const KEPT: usize = 4096;

    fn record(&mut self, d: Duration) {
        let us = u32::try_from(d.as_micros()).unwrap_or(u32::MAX);
        if self.micros.len() < Self::KEPT {
            self.micros.push(us);
        } else {
            self.micros[self.next] = us;
        }
        self.next = (self.next + 1) % Self::KEPT;
        self.count += 1;
    }

    fn summary(&self) -> String {
        format!("{} · {}", self.count, self.percentiles())
    }

    fn percentiles(&self) -> String {
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        let at = |p: f64| {
            let i = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
            sorted.get(i).map_or(0.0, |us| *us as f64 / 1000.0)
        };
        format!(
            "p50 {:.2} ms / p99 {:.2} ms / max {:.2} ms",
            at(0.5),
            at(0.99),
            at(1.0)
        )
    }
}

/// The incident journals' watcher and writer (and, in team mode, the shared incidents'
/// watch).
fn incidents(
    mut executor: Executor,
    kube: &kube::Client,
    namespace: &str,
    dir: Option<std::path::PathBuf>,
    team: bool,
    tx: &mpsc::Sender<Msg>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Executor {
    if team {
        tasks.push(crate::io::incident_cluster::spawn_watch(
            kube.clone(),
            namespace,
            tx.clone(),
        ));
    }
    if let Some(dir) = dir {
        tasks.push(crate::io::incident_journal::spawn_watch(
            dir.clone(),
            tx.clone(),
        ));
        executor = executor.with_journal(dir);
    }
    executor
}

/// Keys and resizes from the terminal. A terminal I/O error ends the program.
fn spawn_input(tx: mpsc::Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            let msg = match event {
                Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => Msg::Key(key),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!("terminal input failed: {e}");
                    break;
                }
            };
            if tx.send(msg).await.is_err() {
                break;
            }
        }
    })
}

/// The 1 Hz clock: the only way time reaches `update`.
fn spawn_clock(tx: mpsc::Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx.send(Msg::Tick(jiff::Timestamp::now())).await.is_err() {
                break;
            }
        }
    })
}
