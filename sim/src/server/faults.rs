//! Fault switches the server obeys: dropping every open watch, refusing connections for
//! a while. Shared through `SimShared::faults`.

use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug)]
pub struct Faults {
    drops: watch::Sender<u64>,
    /// Bumped to make every open watch stream go silent (see `stall_watches`).
    stalls: watch::Sender<u64>,
    /// End of the current refusal window; the server's lifecycle task closes the listener
    /// until then (see `server::lifecycle`).
    refuse_until: watch::Sender<Option<Instant>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            drops: watch::channel(0).0,
            stalls: watch::channel(0).0,
            refuse_until: watch::channel(None).0,
        }
    }
}

impl Faults {
    /// Ends every open watch stream now.
    pub fn drop_watches(&self) {
        self.drops.send_modify(|n| *n += 1);
    }

    /// A receiver that changes when watches must be dropped.
    pub fn watch_drops(&self) -> watch::Receiver<u64> {
        let mut rx = self.drops.subscribe();
        rx.mark_unchanged();
        rx
    }

    /// Every open watch stream goes silent: no event, no bookmark, no end, the connection
    /// held open, as a watch behind a dead NAT mapping or a hung proxy looks to a client.
    /// Watches opened afterwards work.
    pub fn stall_watches(&self) {
        self.stalls.send_modify(|n| *n += 1);
    }

    /// A receiver that changes when open watches must go silent.
    pub fn watch_stalls(&self) -> watch::Receiver<u64> {
        let mut rx = self.stalls.subscribe();
        rx.mark_unchanged();
        rx
    }

    /// Watch streams open now.
    pub fn open_watches(&self) -> usize {
        self.drops.receiver_count()
    }

    /// Refuses connections for `d`: the listener is closed (clients get "connection
    /// refused") and every open connection and stream is cut; `d` = 0 ends a refusal.
    pub fn refuse_connections_for(&self, d: Duration) {
        // A duration past the end of time means "until further notice".
        let far = Instant::now() + Duration::from_secs(100 * 365 * 86_400);
        let until = Instant::now().checked_add(d).unwrap_or(far).min(far);
        self.refuse_until.send_replace(Some(until));
    }

    pub fn refusing(&self) -> bool {
        self.refuse_until
            .borrow()
            .is_some_and(|t| Instant::now() < t)
    }

    /// The end of the refusal window, as it changes.
    pub fn refusals(&self) -> watch::Receiver<Option<Instant>> {
        self.refuse_until.subscribe()
    }
}

/// A TCP listener that closes connections at once while [`Faults::refusing`] (the moment
/// between a refusal and the listener being closed).
pub struct RefusingListener {
    pub inner: TcpListener,
    pub sim: std::sync::Arc<crate::SimShared>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_windows_open_close_and_never_overflow() {
        let faults = Faults::default();
        assert!(!faults.refusing());
        faults.refuse_connections_for(Duration::MAX);
        assert!(faults.refusing());
        faults.refuse_connections_for(Duration::ZERO);
        assert!(!faults.refusing());
    }

    #[test]
    fn dropping_watches_wakes_every_open_receiver() {
        let faults = Faults::default();
        let mut a = faults.watch_drops();
        let b = faults.watch_drops();
        assert_eq!(faults.open_watches(), 2);
        assert!(!a.has_changed().unwrap());
        faults.drop_watches();
        assert!(a.has_changed().unwrap() && b.has_changed().unwrap());
        a.mark_unchanged();
        drop(b);
        assert_eq!(faults.open_watches(), 1);
    }
}
