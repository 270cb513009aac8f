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

    /// Appends a batch of lines; of a batch longer than the tail only the last lines are
    /// copied (the rest would fall out at once: counted as dropped). The lines added.
    pub fn push_all(&mut self, lines: &[String]) -> usize {
        let skip = lines.len().saturating_sub(self.cap);
        self.dropped += skip as u64;
        for l in &lines[skip..] {
            self.push(l.clone());
        }
        lines.len() - skip
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
    let kept = &bytes[..bytes.len().min(MAX_LINE_BYTES)];
    let text = String::from_utf8_lossy(kept);
    // most output is printable ASCII: nothing to replace, one copy (a character at a time
    // was most of the reader's CPU at 1 MB/s)
    if kept
        .iter()
        .all(|&b| (b' '..=b'~').contains(&b) || b == b'\t')
        && !cut
    {
        return text.into_owned();
    }
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

/// Splits a byte stream into printable lines without holding more than one line's worth
/// ([`MAX_LINE_BYTES`]) of a line that never ends (binary output).
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
    /// Bytes of the current over-long line thrown away so far.
    cut: usize,
}

impl LineSplitter {
    /// The complete lines in `bytes` (with what came before).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for chunk in bytes.split_inclusive(|b| *b == b'\n') {
            let (body, ends) = match chunk.strip_suffix(b"\n") {
                Some(b) => (b, true),
                None => (chunk, false),
            };
            let room = (MAX_LINE_BYTES + 1).saturating_sub(self.pending.len());
            let take = body.len().min(room);
            self.pending.extend_from_slice(&body[..take]);
            self.cut += body.len() - take;
            if ends {
                out.push(self.take_line());
            }
        }
        out
    }

    /// The last line when the stream ended without a newline.
    pub fn finish(&mut self) -> Option<String> {
        (!self.pending.is_empty() || self.cut > 0).then(|| self.take_line())
    }

    fn take_line(&mut self) -> String {
        let mut line = printable(&self.pending);
        if self.cut > 0 && self.pending.len() <= MAX_LINE_BYTES {
            line.push_str(&format!(" … ({} bytes cut)", self.cut));
        } else if self.cut > 0 {
            // printable() already said how much of the kept part it cut
            line.push_str(&format!(" (+{} bytes)", self.cut));
        }
        self.pending.clear();
        self.cut = 0;
        line
    }
}

/// Whether a finished command passed: its exit status (0 unless `expect.exit` says) and,
/// when asked, an output line matching `expect.output`.
pub fn judge_command(
    expect: &super::Expect,
    exit: Option<i32>,
    output_matched: bool,
    path: &str,
) -> (StepState, String) {
    let want = expect.exit.unwrap_or(0);
    match exit {
        Some(127) => (
            StepState::Failed,
            format!("exit 127: command not found, looked in PATH={path}"),
        ),
        Some(code) if code != want => (
            StepState::Failed,
            format!("exit status {code}, expected {want}"),
        ),
        None => (StepState::Failed, "killed by a signal".to_string()),
        Some(code) => match &expect.output {
            Some(re) if !output_matched => (
                StepState::Failed,
                format!("exit status {code}, but no output line matches /{re}/"),
            ),
            Some(re) => (
                StepState::Passed,
                format!("exit status {code}, output matches /{re}/"),
            ),
            None => (StepState::Passed, format!("exit status {code}")),
        },
    }
}

/// A run as saved to the data dir (`runbook-runs/<id>.json`, written then renamed): the
/// runbook, the placeholder values, each step's record. A restarted console offers to
/// resume it at its first unfinished step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    /// `<runbook>-<start, compact>`.
    pub id: String,
    pub runbook: String,
    pub title: String,
    pub values: std::collections::BTreeMap<String, String>,
    pub started: jiff::Timestamp,
    pub steps: Vec<StepRecord>,
}

impl SavedRun {
    /// The first step neither finished nor skipped (None: the run is over).
    pub fn next_step(&self) -> Option<usize> {
        self.steps.iter().position(|s| !s.state.finished())
    }

    pub fn finished(&self) -> bool {
        self.next_step().is_none()
    }
}

/// A run id: the runbook's id and its start (UTC, to the second).
pub fn run_id(runbook: &str, started: jiff::Timestamp) -> String {
    format!("{runbook}-{}", started.strftime("%Y%m%dT%H%M%SZ"))
}
