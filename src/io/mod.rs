//! The only part of the console that touches the world: kube watchers and the kube
//! writer, log streams, the Prometheus poller, and the executor that carries out `Effect`s. It turns
//! the world into `Msg`s and never draws.

pub mod audit;
pub mod backups;
pub mod incident_cluster;
pub mod incident_journal;
pub mod kube_watch;
pub mod kube_writer;
pub mod lenient;
pub mod logs;
pub mod memory;
pub mod permissions;
pub mod prom;
pub mod prom_source;
pub mod restore;
pub mod runbook_checks;
mod runbook_exec;
pub mod runbook_files;
pub mod runbook_runner;
pub mod runbook_runs;
pub mod snapshot;
pub mod thread_clock;

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::mpsc::Sender;
use tokio::task::AbortHandle;

use crate::cluster::scope::Scope;
use crate::effect::{Effect, IncidentAppend, WriteError, WriteOutcome};
use crate::msg::{AuditMsg, IncidentMsg, Msg};
use kube_writer::KubeWriter;

/// Carries out effects. The cluster writer exists only in read-write mode: built with
/// `None`, no effect can reach the cluster, whatever `update` returned. Log streams only
/// read, so they run in both modes.
pub struct Executor {
    writer: Option<KubeWriter>,
    /// The client the log streams read with.
    client: kube::Client,
    /// The console's own namespace (`-n`): the RBAC self-check asks about it.
    home: String,
    /// The client the watches read with (`kube_watch::watch_client`: a silent watch fails).
    watch_client: kube::Client,
    /// The scope watched now, and its watchers (`Effect::Watch` replaces both).
    scope: Mutex<Scope>,
    watchers: Mutex<Vec<AbortHandle>>,
    /// The log streams running, by id.
    streams: Mutex<HashMap<u64, AbortHandle>>,
    /// The incident journal writer (`with_journal`), in both modes: it writes local files.
    journal: Option<std::sync::mpsc::Sender<IncidentAppend>>,
    /// Team mode: the queue of appends to incidents' ConfigMaps, carried out in order by
    /// the cluster writer (started with the first one).
    share: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<IncidentAppend>>,
    /// Where configuration snapshots go, and the context they are named after.
    snapshots: Option<(std::path::PathBuf, String)>,
    /// Runbook steps: where they run and the running ones' cancels (`with_runbooks`).
    runbooks: Option<runbook_exec::RunbookIo>,
    tx: Sender<Msg>,
}

impl Executor {
    pub fn new(
        writer: Option<KubeWriter>,
        client: kube::Client,
        (home, scope): (&str, Scope),
        tx: Sender<Msg>,
    ) -> Self {
        Executor {
            writer,
            home: home.to_string(),
            watch_client: client.clone(),
            client,
            scope: Mutex::new(scope),
            watchers: Mutex::new(Vec::new()),
            streams: Mutex::new(HashMap::new()),
            journal: None,
            share: std::sync::OnceLock::new(),
            snapshots: None,
            runbooks: None,
            tx,
        }
    }

    /// Watches with `client` rather than the log streams' one.
    pub fn with_watch_client(mut self, client: kube::Client) -> Self {
        self.watch_client = client;
        self
    }

    /// Runs runbook steps in `env`, checks with `checks`, saves runs under `runs_dir`.
    pub fn with_runbooks(
        mut self,
        env: runbook_runner::RunEnv,
        checks: runbook_checks::CheckCx,
        runs_dir: std::path::PathBuf,
    ) -> Self {
        self.runbooks = Some(runbook_exec::RunbookIo::new(env, checks, runs_dir));
        self
    }

    /// Runs an interactive runbook step with the terminal handed over (blocking: the
    /// caller has left the alternate screen and stopped reading keys); the message to hand
    /// to `update`.
    pub fn run_interactive(&self, run: &crate::effect::StepRun) -> Msg {
        match &self.runbooks {
            Some(io) => io.run_interactive(run),
            None => Msg::Runbook(crate::msg::RunbookMsg::Finished {
                id: run.id,
                state: crate::runbook::run::StepState::Failed,
                reason: "this console cannot run steps (no kubeconfig to give them)".into(),
                exit: None,
                dropped: 0,
            }),
        }
    }

    /// Appends incident entries under `dir` (`incidents/` in the data dir).
    pub fn with_journal(mut self, dir: std::path::PathBuf) -> Self {
        self.journal = Some(incident_journal::spawn_writer(dir, self.tx.clone()));
        self
    }

    /// Takes configuration snapshots into `dir` (the data dir's `snapshots/`).
    pub fn with_snapshots(mut self, dir: std::path::PathBuf, context: &str) -> Self {
        self.snapshots = Some((dir, context.to_string()));
        self
    }

    /// A snapshot of the namespace, Secrets redacted, then the 30-day retention.
    fn snapshot(&self) {
        let tx = self.tx.clone();
        let (client, namespace) = (self.client.clone(), self.home.clone());
        let Some((dir, context)) = self.snapshots.clone() else {
            tokio::spawn(async move {
                let _ = tx
                    .send(Msg::Snapshot(Err("no snapshots directory".into())))
                    .await;
            });
            return;
        };
        tokio::spawn(async move {
            let now = jiff::Timestamp::now();
            let out = dir.join(format!("{namespace}-{}", now.strftime("%Y%m%d-%H%M%S")));
            let secrets = match snapshot::digest_key(&dir) {
                Ok(key) => snapshot::Secrets::Redacted(key),
                Err(e) => {
                    let _ = tx.send(Msg::Snapshot(Err(format!("{e:#}")))).await;
                    return;
                }
            };
            let result = snapshot::take(&client, &context, &namespace, &secrets, &out)
                .await
                .map(|m| {
                    let total: usize = m.counts.values().sum();
                    if let Err(e) = snapshot::prune(&dir, 30, now) {
                        tracing::warn!("snapshot retention: {e:#}");
                    }
                    format!("{total} objects in {} (secrets redacted)", out.display())
                })
                .map_err(|e| format!("{e:#}"));
            match &result {
                Ok(s) => tracing::info!("snapshot: {s}"),
                Err(e) => tracing::warn!("snapshot failed: {e}"),
            }
            let _ = tx.send(Msg::Snapshot(result)).await;
        });
    }

    /// Team mode: appends to the incident's ConfigMap, one after the other; only the
    /// cluster writer can, so in read-only mode nothing is sent.
    fn share_incident(&self, append: IncidentAppend) {
        let Some(writer) = self.writer.clone() else {
            tracing::error!(
                "refused to share incident {} in read-only mode",
                append.incident
            );
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let _ = tx
                    .send(Msg::Incident(shared(
                        &append,
                        Err(WriteError::ReadOnly.to_string()),
                    )))
                    .await;
            });
            return;
        };
        let queue = self.share.get_or_init(|| {
            let (jobs, mut rx) = tokio::sync::mpsc::unbounded_channel::<IncidentAppend>();
            let tx = self.tx.clone();
            tokio::spawn(async move {
                while let Some(append) = rx.recv().await {
                    let result = writer.share_incident(&append).await.map(|_| ());
                    if let Err(e) = &result {
                        tracing::warn!("sharing incident {}: {e}", append.incident);
                    }
                    if tx
                        .send(Msg::Incident(shared(&append, result)))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            });
            jobs
        });
        let _ = queue.send(append);
    }

    fn append_incident(&self, append: IncidentAppend) {
        let refused = match &self.journal {
            Some(jobs) => jobs.send(append).err().map(|e| e.0),
            None => Some(append),
        };
        if let Some(append) = refused {
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let msg = IncidentMsg::Saved {
                    incident: append.incident,
                    entries: append.entries.into_iter().map(|e| e.id).collect(),
                    result: Err("no incident journal directory: not saved".into()),
                };
                let _ = tx.send(Msg::Incident(msg)).await;
            });
        }
    }

    fn stop_stream(&self, id: u64) {
        if let Some(handle) = self.lock_streams().remove(&id) {
            handle.abort();
        }
    }

    fn scope(&self) -> Scope {
        self.scope.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Stops the watches of the old scope and starts those of `scope`.
    fn watch(&self, scope: Scope) {
        let mut watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        for w in watchers.drain(..) {
            w.abort();
        }
        *self.scope.lock().unwrap_or_else(|e| e.into_inner()) = scope.clone();
        watchers.extend(
            kube_watch::spawn_all(self.watch_client.clone(), &scope, self.tx.clone())
                .iter()
                .map(|t| t.abort_handle()),
        );
    }

    fn lock_streams(&self) -> std::sync::MutexGuard<'_, HashMap<u64, AbortHandle>> {
        // a panic while holding the lock loses nothing worth keeping: the map is handles
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts an effect; a write's result comes back as `Msg::Done`.
    pub fn execute(&self, effect: Effect) {
        match effect {
            Effect::Log(line) => tracing::info!("{line}"),
            Effect::StreamLogs(stream) => {
                let id = stream.id;
                self.stop_stream(id);
                let task = logs::spawn(self.client.clone(), self.scope(), stream, self.tx.clone());
                self.lock_streams().insert(id, task.abort_handle());
            }
            Effect::StopLogs(id) => self.stop_stream(id),
            Effect::Watch(scope) => self.watch(scope),
            Effect::AppendIncident(append) => self.append_incident(append),
            Effect::ShareIncident(append) => self.share_incident(append),
            Effect::CheckPermissions => {
                let tx = self.tx.clone();
                let (client, namespace) = (self.client.clone(), self.home.clone());
                tokio::spawn(async move {
                    let answers = permissions::review(&client, &namespace).await;
                    let _ = tx.send(Msg::Permissions(answers)).await;
                });
            }
            Effect::Audit(scope) => {
                let tx = self.tx.clone();
                let client = self.client.clone();
                tokio::spawn(async move {
                    let result = audit::run(&client, &scope).await;
                    if let Err(e) = &result {
                        tracing::warn!("security audit of {scope}: {e}");
                    }
                    let _ = tx.send(Msg::Audit(AuditMsg { scope, result })).await;
                });
            }
            Effect::Snapshot => self.snapshot(),
            Effect::Clipboard(text) => {
                use std::io::Write;
                let mut out = std::io::stdout();
                if let Err(e) = out
                    .write_all(osc52(&text).as_bytes())
                    .and_then(|()| out.flush())
                {
                    tracing::warn!("copying to the clipboard: {e}");
                }
            }
            Effect::RunStep(run) => match &self.runbooks {
                Some(io) => io.start(run, self.tx.clone()),
                None => runbook_exec::unavailable(run.id, self.tx.clone()),
            },
            Effect::CancelStep(id) => {
                if let Some(io) = &self.runbooks {
                    io.cancel(id);
                }
            }
            Effect::SaveRun(run) => {
                if let Some(io) = &self.runbooks {
                    io.save(run);
                }
            }
            Effect::Write(write) => {
                let tx = self.tx.clone();
                let writer = self.writer.clone();
                let scope = self.scope();
                tokio::spawn(async move {
                    let result = match writer {
                        Some(writer) => writer.apply_in(&scope, &write).await,
                        None => {
                            tracing::error!("refused a cluster write in read-only mode: {write:?}");
                            Err(WriteError::ReadOnly)
                        }
                    };
                    match &result {
                        Ok(summary) => tracing::info!("write {write:?}: {summary}"),
                        Err(e) => tracing::warn!("write {write:?} failed: {e}"),
                    }
                    let _ = tx.send(Msg::Done(WriteOutcome { write, result })).await;
                });
            }
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        for w in self
            .watchers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            w.abort();
        }
    }
}

fn shared(append: &IncidentAppend, result: Result<(), String>) -> IncidentMsg {
    IncidentMsg::Shared {
        incident: append.incident.clone(),
        entries: append.entries.iter().map(|e| e.id.clone()).collect(),
        result,
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (terminals that allow
/// it: most do, tmux with `set-clipboard on`).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(super::osc52("hi\n"), "\x1b]52;c;aGkK\x07");
    }
}
