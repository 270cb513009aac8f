//! The only part of the console that touches the world: kube watchers and the kube
//! writer, the Prometheus poller, and the executor that carries out `Effect`s. It turns
//! the world into `Msg`s and never draws.

pub mod kube_watch;
pub mod kube_writer;
pub mod prom;
pub mod prom_source;

use tokio::sync::mpsc::Sender;

use crate::effect::Effect;
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

    /// Starts an effect; its result comes back as `Msg::Done`.
    pub fn execute(&self, effect: Effect) {
        match &effect {
            Effect::Log(line) => tracing::info!("{line}"),
            Effect::Write(write) => {
                let tx = self.tx.clone();
                match &self.writer {
                    Some(writer) => {
                        let writer = writer.clone();
                        let write = write.clone();
                        tokio::spawn(async move {
                            let result = writer.apply(&write).await;
                            match &result {
                                Ok(summary) => tracing::info!("write {write:?}: {summary}"),
                                Err(e) => tracing::warn!("write {write:?} failed: {e}"),
                            }
                            let _ = tx.send(Msg::Done(effect, result)).await;
                        });
                    }
                    None => {
                        tracing::error!("refused a cluster write in read-only mode: {write:?}");
                        tokio::spawn(async move {
                            let refusal = "read-only mode: no cluster writer exists, nothing was sent".to_string();
                            let _ = tx.send(Msg::Done(effect, Err(refusal))).await;
                        });
                    }
                }
            }
        }
    }
}
