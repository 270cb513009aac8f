//! The server's listener over time: started, stopped and restarted on the same port (by
//! the handle), and closed for the length of a refusal window (by a supervisor task that
//! follows [`super::Faults::refusals`]), so clients see "connection refused" as from a server
//! that is down.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Mutex};
use tokio::task::JoinHandle;

use super::{router, RefusingListener};
use crate::SimShared;

/// How long a stop waits for open connections to finish before cutting them.
const STOP_GRACE: Duration = Duration::from_secs(3);

struct Running {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Slot {
    running: Option<Running>,
    /// Stopped through the handle: a refusal ending must not start it again.
    stopped_by_user: bool,
}

pub struct ServerControl {
    shared: Arc<SimShared>,
    addr: SocketAddr,
    slot: Mutex<Slot>,
}

fn spawn(listener: TcpListener, shared: Arc<SimShared>) -> Running {
    let (shutdown, rx) = oneshot::channel::<()>();
    let app = router(shared.clone());
    let listener = RefusingListener {
        inner: listener,
        sim: shared,
    };
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Running { shutdown, task }
}

impl ServerControl {
    /// Binds `listen`, serves on it, and starts the refusal supervisor (returned so the
    /// owner can abort it).
    pub async fn start(
        shared: Arc<SimShared>,
        listen: SocketAddr,
    ) -> anyhow::Result<(Arc<Self>, JoinHandle<()>)> {
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        let running = spawn(listener, shared.clone());
        let control = Arc::new(ServerControl {
            shared: shared.clone(),
            addr,
            slot: Mutex::new(Slot {
                running: Some(running),
                stopped_by_user: false,
            }),
        });
        let supervisor = tokio::spawn(supervise(
            Arc::downgrade(&control),
            shared.faults.refusals(),
        ));
        Ok((control, supervisor))
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    async fn close(&self, slot: &mut Slot) {
        let Some(running) = slot.running.take() else {
            return;
        };
        self.shared.faults.drop_watches();
        let _ = running.shutdown.send(());
        let mut task = running.task;
        if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
            task.abort();
            let _ = task.await;
        }
    }

    async fn open(&self, slot: &mut Slot) -> anyhow::Result<()> {
        if slot.running.is_none() {
            let listener = TcpListener::bind(self.addr)
                .await
                .with_context(|| format!("listening again on {}", self.addr))?;
            slot.running = Some(spawn(listener, self.shared.clone()));
        }
        Ok(())
    }

    /// Closes the listener and every connection; the state is kept.
    pub async fn stop(&self) {
        let mut slot = self.slot.lock().await;
        slot.stopped_by_user = true;
        self.close(&mut slot).await;
    }

    /// Listens again on the same port, with the same state.
    pub async fn restart(&self) -> anyhow::Result<()> {
        let mut slot = self.slot.lock().await;
        slot.stopped_by_user = false;
        self.open(&mut slot).await
    }

    /// Cuts the server task without waiting (for `Drop`).
    pub fn abort(&self) {
        if let Ok(mut slot) = self.slot.try_lock() {
            if let Some(running) = slot.running.take() {
                running.task.abort();
            }
        }
    }
}

/// Closes the listener for each refusal window and opens it again when the window ends.
async fn supervise(
    control: Weak<ServerControl>,
    mut refusals: tokio::sync::watch::Receiver<Option<std::time::Instant>>,
) {
    while refusals.changed().await.is_ok() {
        let Some(ctrl) = control.upgrade() else {
            return;
        };
        if !ctrl.shared.faults.refusing() {
            continue;
        }
        ctrl.close(&mut *ctrl.slot.lock().await).await;
        // Wait out the window, which may be extended or ended early meanwhile.
        loop {
            let until = refusals
                .borrow_and_update()
                .unwrap_or_else(std::time::Instant::now);
            tokio::select! {
                _ = tokio::time::sleep_until(until.into()) => {
                    if !ctrl.shared.faults.refusing() {
                        break;
                    }
                }
                changed = refusals.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if !ctrl.shared.faults.refusing() {
                        break;
                    }
                }
            }
        }
        let mut slot = ctrl.slot.lock().await;
        if !slot.stopped_by_user {
            if let Err(e) = ctrl.open(&mut slot).await {
                tracing::warn!("the simulator could not listen again after a refusal: {e:#}");
            }
        }
    }
}
