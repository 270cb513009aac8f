//! Everything that happens is a `Msg`: keys, resizes, the clock, watch events, Prometheus
//! samples and the results of effects. One bounded channel carries them to the loop.

use crossterm::event::KeyEvent;
use jiff::Timestamp;

pub use crate::cluster::{Change, KubeMsg};
use crate::effect::WriteOutcome;
use crate::kpi::KpiMsg;

// Views are slim but not tiny; boxing every watch event to please the lint would cost an
// allocation per message for no gain (messages are moved once, through one channel).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The 1 Hz clock: the only way time reaches `update`.
    Tick(Timestamp),
    Kube(KubeMsg),
    /// Samples and errors from the Prometheus poller.
    Kpi(KpiMsg),
    /// A cluster write finished: what it was and how it went.
    Done(WriteOutcome),
}
