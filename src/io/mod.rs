//! The only part of the console that touches the world: kube watchers and the kube
//! writer, the Prometheus poller, and the executor that carries out `Effect`s. It turns
//! the world into `Msg`s and never draws.

pub mod kube_watch;
pub mod kube_writer;
pub mod prom;
pub mod prom_source;

use tokio::sync::mpsc::Sender;

use crate::effect::{Effect, WriteError, WriteOutcome};
use crate::msg::Msg;
use kube_writer::KubeWriter;

/// Carries out effects. The cluster writer exists only in read-write mode: built with
/// `None`, no effect can reach the cluster, whatever `update` returned.
pub struct Executor {
    writer: Option<KubeWriter>,
    tx: Sender<Msg>,
}

impl Executor {
    pub fn new(writer: Option<KubeWriter>, tx: Sender<Msg>) -> Self {
        Executor { writer, tx }
    }

    /// Starts an effect; a write's result comes back as `Msg::Done`.
    pub fn execute(&self, effect: Effect) {
        match effect {
            Effect::Log(line) => tracing::info!("{line}"),
            Effect::Write(write) => {
                let tx = self.tx.clone();
                let writer = self.writer.clone();
                tokio::spawn(async move {
                    let result = match writer {
                        Some(writer) => writer.apply(&write).await,
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
