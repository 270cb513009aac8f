//! Frames leave the console's loop as whole buffers and are written to the terminal by a
//! thread of their own: a terminal slow to read (tmux taking a full-page scroll, a slow SSH
//! link) holds up that thread, not the loop's keys and watch events. At most one frame
//! waits behind the one being written; beyond that the loop waits too, so a terminal that
//! cannot keep up slows the drawing instead of filling memory. A frame that reaches the
//! thread after the terminal was restored is dropped: nothing lands on the user's shell.

use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Bytes kept for a frame: a full 200×60 redraw with colours is about 40 KiB.
const FRAME_BUFFER: usize = 64 * 1024;

/// Collects what ratatui writes for a frame and hands it over on `flush`.
pub struct FrameWriter {
    frame: Vec<u8>,
    frames: SyncSender<Vec<u8>>,
}

impl FrameWriter {
    /// Starts the writing thread.
    pub fn spawn() -> io::Result<FrameWriter> {
        let (frames, pending) = sync_channel(1);
        std::thread::Builder::new()
            .name("terminal-writer".into())
            .spawn(move || write_frames(pending))?;
        Ok(FrameWriter {
            frame: Vec::with_capacity(FRAME_BUFFER),
            frames,
        })
    }
}

/// Writes each frame whole, holding standard output meanwhile; `restore` takes the same
/// lock, so it never cuts into a frame, and the frames after it are dropped.
fn write_frames(pending: Receiver<Vec<u8>>) {
    for frame in pending {
        let mut out = io::stdout().lock();
        if !super::is_active() {
            continue;
        }
        if let Err(e) = out.write_all(&frame).and_then(|()| out.flush()) {
            // the terminal is gone: the loop hears it at its next flush
            tracing::error!("writing to the terminal failed: {e}");
            return;
        }
    }
}

impl Write for FrameWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.frame.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.frame.is_empty() {
            return Ok(());
        }
        let frame = std::mem::replace(&mut self.frame, Vec::with_capacity(FRAME_BUFFER));
        self.frames.send(frame).map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the terminal could not be written to (see the log)",
            )
        })
    }
}
