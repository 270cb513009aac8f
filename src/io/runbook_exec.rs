//! The executor's part for runbook steps: each step a task (command or check) whose lines
//! go back in batches without ever blocking the step (what the console cannot take yet
//! waits in a bounded buffer, past it lines are counted as dropped), its cancel kept by id.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc::Sender, oneshot};

use super::runbook_checks::{run_check, CheckCx};
use super::runbook_runner::{run_command, RunEnv};
use crate::effect::{StepRun, StepWork};
use crate::msg::{Msg, RunbookMsg};
use crate::runbook::run::{SavedRun, StepState, MAX_LINES};

/// Lines go to the console at most this often (one message per batch).
const BATCH: Duration = Duration::from_millis(25);

pub struct RunbookIo {
    env: Arc<RunEnv>,
    checks: CheckCx,
    cancels: Arc<Mutex<HashMap<u64, oneshot::Sender<()>>>>,
    saver: std::sync::mpsc::Sender<SavedRun>,
}

/// Lines waiting for room in the console's channel.
struct Batcher {
    id: u64,
    tx: Sender<Msg>,
    /// At most [`MAX_LINES`]: past it the oldest goes (O(1), the step never waits).
    pending: VecDeque<String>,
    last: std::time::Instant,
    dropped: u64,
}

impl Batcher {
    fn push(&mut self, line: &str) {
        if self.pending.len() >= MAX_LINES {
            self.pending.pop_front();
            self.dropped += 1;
        }
        self.pending.push_back(line.to_string());
        if self.last.elapsed() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let lines: Vec<String> = std::mem::take(&mut self.pending).into();
        match self
            .tx
            .try_send(Msg::Runbook(RunbookMsg::Lines { id: self.id, lines }))
        {
            Ok(()) => self.last = std::time::Instant::now(),
            Err(tokio::sync::mpsc::error::TrySendError::Full(Msg::Runbook(
                RunbookMsg::Lines { lines, .. },
            ))) => self.pending = lines.into(),
            Err(_) => {}
        }
    }
}

impl RunbookIo {
    pub fn new(env: RunEnv, checks: CheckCx, runs_dir: PathBuf) -> RunbookIo {
        RunbookIo {
            env: Arc::new(env),
            checks,
            cancels: Arc::new(Mutex::new(HashMap::new())),
            saver: super::runbook_runs::spawn_saver(runs_dir),
        }
    }

    pub fn start(&self, run: StepRun, tx: Sender<Msg>) {
        let (cancel_tx, cancel) = oneshot::channel();
        lock(&self.cancels).insert(run.id, cancel_tx);
        let env = self.env.clone();
        let checks = self.checks.clone();
        let cancels = self.cancels.clone();
        tokio::spawn(async move {
            let batch = Arc::new(Mutex::new(Batcher {
                id: run.id,
                tx: tx.clone(),
                pending: VecDeque::new(),
                last: std::time::Instant::now(),
                dropped: 0,
            }));
            // lines that came at the end of a burst go out within a frame, not with the
            // next burst
            let ticker = {
                let batch = batch.clone();
                tokio::spawn(async move {
                    let mut every = tokio::time::interval(BATCH);
                    loop {
                        every.tick().await;
                        let mut b = lock(&batch);
                        if b.last.elapsed() >= BATCH {
                            b.flush();
                        }
                    }
                })
            };
            let push = |l: &str| lock(&batch).push(l);
            let (state, reason, exit) = match &run.work {
                StepWork::Command {
                    line,
                    expect,
                    timeout,
                } => {
                    let r = run_command(line, &env, expect, *timeout, cancel, push).await;
                    (r.state, r.reason, r.exit)
                }
                StepWork::Check { check, timeout } => {
                    let (s, r) = run_check(check, &checks, *timeout, cancel, push).await;
                    (s, r, None)
                }
            };
            ticker.abort();
            lock(&cancels).remove(&run.id);
            let (lines, dropped) = {
                let mut b = lock(&batch);
                (Vec::from(std::mem::take(&mut b.pending)), b.dropped)
            };
            if !lines.is_empty() {
                let _ = tx
                    .send(Msg::Runbook(RunbookMsg::Lines { id: run.id, lines }))
                    .await;
            }
            let _ = tx
                .send(Msg::Runbook(RunbookMsg::Finished {
                    id: run.id,
                    state,
                    reason,
                    exit,
                    dropped,
                }))
                .await;
        });
    }

    /// Runs an interactive step in the terminal (the caller stepped the console aside);
    /// the message to hand to `update`.
    pub fn run_interactive(&self, run: &StepRun) -> Msg {
        let (state, reason, exit) = match &run.work {
            StepWork::Command { line, expect, .. } => {
                super::runbook_runner::run_interactive(line, &self.env, expect)
            }
            StepWork::Check { .. } => (
                StepState::Failed,
                "a check does not need the terminal".to_string(),
                None,
            ),
        };
        Msg::Runbook(RunbookMsg::Finished {
            id: run.id,
            state,
            reason,
            exit,
            dropped: 0,
        })
    }

    pub fn cancel(&self, id: u64) {
        if let Some(c) = lock(&self.cancels).remove(&id) {
            let _ = c.send(());
        }
    }

    pub fn save(&self, run: SavedRun) {
        let _ = self.saver.send(run);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A step asked of a console that cannot run steps.
pub fn unavailable(id: u64, tx: Sender<Msg>) {
    tokio::spawn(async move {
        let _ = tx
            .send(Msg::Runbook(RunbookMsg::Finished {
                id,
                state: StepState::Failed,
                reason: "this console cannot run steps (no kubeconfig to give them)".into(),
                exit: None,
                dropped: 0,
            }))
            .await;
    });
}
