//! The terminal guard: raw mode and the alternate screen on creation, restored on drop,
//! on panic (the previous hook is chained, so its message prints after the restore) and by
//! [`restore`], which is safe to call any number of times.

mod frame_writer;

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::{
    cursor,
    event::{DisableBracketedPaste, EnableBracketedPaste},
    execute,
    terminal::{self, EnterAlternateScreen, LeaveAlternateScreen},
};
use frame_writer::FrameWriter;
use ratatui::layout::Rect;
use ratatui::{backend::CrosstermBackend, Terminal, TerminalOptions, Viewport};

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Frames go whole to a writing thread (`frame_writer`), so that each is one `write`
/// (standard output alone would write it in pieces of 1 KiB, each waking the terminal) and
/// the loop never waits for the terminal to read; and to a viewport of a known size that
/// follows the resize events, so that a frame does not ask the terminal for its size (an
/// `open` and an `ioctl` per frame).
pub type Term = Terminal<CrosstermBackend<FrameWriter>>;

/// Whether the console has the terminal (raw mode, alternate screen).
fn is_active() -> bool {
    ACTIVE.load(Ordering::SeqCst)
}

/// Owns the terminal while the console runs.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, and installs the panic hook.
    /// `log_path` is named after a panic message so the user knows where to look.
    pub fn new(log_path: Option<String>) -> io::Result<Self> {
        install_panic_hook(log_path);
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut stdout = io::stdout();
        if let Err(e) = execute!(
            stdout,
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        ) {
            restore();
            return Err(e);
        }
        let terminal = match new_terminal() {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn new_terminal() -> io::Result<Term> {
    let (width, height) = terminal::size()?;
    let backend = CrosstermBackend::new(FrameWriter::spawn()?);
    Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
        },
    )
}

/// The terminal was resized to `width`×`height`: the next frame is drawn whole at that size.
pub fn resize(term: &mut Term, width: u16, height: u16) -> io::Result<()> {
    term.resize(Rect::new(0, 0, width, height))
}

/// Leaves the alternate screen and raw mode, shows the cursor. Idempotent.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        // under the lock the frame writer holds for a whole frame (`frame_writer`)
        let _ = execute!(
            io::stdout().lock(),
            DisableBracketedPaste,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = terminal::disable_raw_mode();
    }
}

/// Takes the terminal back after a program it was handed to exits: raw mode, the alternate
/// screen, and a full redraw at the next frame.
pub fn resume(term: &mut Term) -> io::Result<()> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    term.clear()
}

fn install_panic_hook(log_path: Option<String>) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        if let Some(path) = &log_path {
            eprintln!("kubechat-ops crashed; the log is at {path}");
        }
        tracing::error!("panic: {info}");
    }));
}
