//! Fault switches the server obeys: dropping every open watch, refusing connections for
//! a while. Shared through `SimShared::faults`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};

#[derive(Debug)]
pub struct Faults {
    drops: tokio::sync::watch::Sender<u64>,
    refuse_until: Mutex<Option<Instant>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            drops: tokio::sync::watch::channel(0).0,
            refuse_until: Mutex::new(None),
        }
    }
}

impl Faults {
    /// Ends every open watch stream now.
    pub fn drop_watches(&self) {
        self.drops.send_modify(|n| *n += 1);
    }

    /// A receiver that changes when watches must be dropped.
    pub fn watch_drops(&self) -> tokio::sync::watch::Receiver<u64> {
        let mut rx = self.drops.subscribe();
        rx.mark_unchanged();
        rx
    }

    /// Watch streams open now.
    pub fn open_watches(&self) -> usize {
        self.drops.receiver_count()
    }

    /// Closes every new connection at once for `d`.
    pub fn refuse_connections_for(&self, d: Duration) {
        if let Ok(mut until) = self.refuse_until.lock() {
            *until = Some(Instant::now() + d);
        }
    }

    pub fn refusing(&self) -> bool {
        self.refuse_until
            .lock()
            .map(|u| u.is_some_and(|t| Instant::now() < t))
            .unwrap_or(false)
    }
}

/// A TCP listener that closes connections at once while [`Faults::refusing`].
pub struct RefusingListener {
    pub inner: TcpListener,
    pub sim: std::sync::Arc<crate::sim::SimShared>,
}

impl axum::serve::Listener for RefusingListener {
    type Io = TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, _)) if self.sim.faults.refusing() => drop(stream),
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (stream, addr);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}
