//! A run's state, pure: each step's state, reason, output tail and times, and the bounded
//! output buffer a step streams into (the last lines kept, what fell out counted).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// The most lines of output kept per step.
pub const MAX_LINES: usize = 10_000;
/// A longer line is cut there (with a note).
pub const MAX_LINE_BYTES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Running,
    Passed,
    Failed,
    Skipped,
    /// A manual step ticked off.
    Done,
    /// Not run: a mutating step in read-only mode, or without `--yes`.
    Refused,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Running => "running",
            StepState::Passed => "passed",
            StepState::Failed => "failed",
            StepState::Skipped => "skipped",
            StepState::Done => "done",
            StepState::Refused => "refused",
        }
    }

    pub fn finished(self) -> bool {
        !matches!(self, StepState::Pending | StepState::Running)
    }
}

/// What became of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub section: String,
    pub title: String,
    /// The command, action or check as it runs (placeholders filled in).
    pub resolved: String,
    pub state: StepState,
    /// Why it passed or failed, in a sentence.
    pub reason: String,
    pub exit: Option<i32>,
    pub started: Option<jiff::Timestamp>,
    pub finished: Option<jiff::Timestamp>,
    /// The last lines of its output.
    pub output: Vec<String>,
    /// Lines that fell out of the tail.
    pub dropped: u64,
    #[serde(default)]
    pub note: String,
}

impl StepRecord {
    pub fn pending(section: &str, title: &str, resolved: &str) -> StepRecord {
        StepRecord {
            section: section.to_string(),
            title: title.to_string(),
            resolved: resolved.to_string(),
            state: StepState::Pending,
            reason: String::new(),
            exit: None,
            started: None,
            finished: None,
            output: Vec::new(),
            dropped: 0,
            note: String::new(),
        }
    }

    pub fn seconds(&self) -> f64 {
        match (self.started, self.finished) {
            (Some(a), Some(b)) => b.duration_since(a).as_secs_f64().max(0.0),
            _ => 0.0,
        }
    }
}

/// A step's output: the last [`MAX_LINES`] lines, made printable, and how many fell out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutputTail {
    pub lines: VecDeque<String>,
    pub dropped: u64,
    cap: usize,
}

impl OutputTail {
    pub fn new(cap: usize) -> OutputTail {
        OutputTail {
            lines: VecDeque::new(),
            dropped: 0,
            cap: cap.max(1),
        }
    }

    pub fn push(&mut self, line: String) {
        if self.lines.len() == self.cap {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
    }

    /// The tail with a first line saying what was dropped, when anything was.
    pub fn to_vec(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.lines.len() + 1);
        if self.dropped > 0 {
            out.push(format!("… {} earlier lines dropped", self.dropped));
        }
        out.extend(self.lines.iter().cloned());
        out
    }
}

/// One line of a command's output as text to show: invalid UTF-8 and control characters
/// (tabs aside) become `�`, and a line over [`MAX_LINE_BYTES`] is cut.
pub fn printable(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let cut = bytes.len() > MAX_LINE_BYTES;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_LINE_BYTES)]);
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if cut {
        out.push_str(&format!(" … ({} bytes cut)", bytes.len() - MAX_LINE_BYTES));
    }
    out
}
