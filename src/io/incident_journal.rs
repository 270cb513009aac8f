//! Incident journals on disk: `<data dir>/incidents/<id>.jsonl`, one JSON entry a line,
//! append-only.
//!
//! Durable: an append takes the file's exclusive lock (`File::lock`, so two consoles or a
//! console and `kubechat-ops incident note` on one machine never interleave), writes its
//! lines in one `write`, and `fsync`s (`sync_data`) before it reports success; a new
//! journal's directory is synced too, so the file itself survives a crash. Only then does
//! the console show the entry as saved, and the headless commands exit 0.
//!
//! Robust: an append cut short (a crash, a full disk) leaves a torn last line. Reading skips
//! it with a warning naming the file and line, never losing an earlier line; the next append
//! starts on a fresh line, so the torn piece never swallows a good entry.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read as _, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use crate::effect::IncidentAppend;
use crate::incident::{valid_id, Entry, Severities};
use crate::msg::{IncidentMsg, JournalSource, Msg};

/// How often the watcher looks for journals changed by another process.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// The journals' directory under the data dir.
pub fn journal_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("incidents")
}

pub fn journal_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.jsonl"))
}

/// Appends `entries` to incident `id`'s journal and syncs it to disk. With `create` the
/// journal must not exist yet (a declaration); without, it must.
pub fn append(dir: &Path, id: &str, entries: &[Entry], create: bool) -> Result<(), String> {
    if !valid_id(id) {
        return Err(format!("{id:?} is not an incident id"));
    }
    let path = journal_path(dir, id);
    let shown = path.display();
    if create {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    }
    let mut options = OpenOptions::new();
    options.read(true).append(true);
    if create {
        options.create_new(true);
    }
    let mut file = options.open(&path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => format!("no incident {id} ({shown} does not exist)"),
        ErrorKind::AlreadyExists => format!("incident {id} exists already ({shown})"),
        _ => format!("{shown}: cannot open: {e}"),
    })?;
    file.lock()
        .map_err(|e| format!("{shown}: cannot lock: {e}"))?;
    let mut buf = String::new();
    if !ends_with_newline(&mut file).map_err(|e| format!("{shown}: cannot read: {e}"))? {
        // a torn last line: start ours on a line of its own
        buf.push('\n');
    }
    for e in entries {
        buf.push_str(&e.to_line());
        buf.push('\n');
    }
    file.write_all(buf.as_bytes())
        .map_err(|e| format!("{shown}: cannot write: {e}"))?;
    file.sync_data()
        .map_err(|e| format!("{shown}: cannot sync to disk: {e}"))?;
    if create {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| format!("{}: cannot sync to disk: {e}", dir.display()))?;
    }
    Ok(())
}

/// True when the file is empty or its last byte is a newline.
fn ends_with_newline(file: &mut File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// A journal read back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Journal {
    pub entries: Vec<Entry>,
    /// One per line skipped: "FILE:LINE: what is wrong".
    pub warnings: Vec<String>,
    /// The last line was cut short (an append that did not finish).
    pub torn_tail: bool,
}

/// Parses a journal's bytes; `label` names the file in warnings.
pub fn parse(bytes: &[u8], label: &str) -> Journal {
    let mut out = Journal::default();
    let complete = bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let last = lines.len().saturating_sub(1);
    for (n, raw) in lines.iter().enumerate() {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = String::from_utf8_lossy(raw);
        match Entry::from_line(&text) {
            Ok(e) => out.entries.push(e),
            Err(_) if n == last && !complete => {
                out.torn_tail = true;
                out.warnings.push(format!(
                    "{label}:{}: torn last line (an append was cut short): skipped",
                    n + 1
                ));
            }
            Err(e) => out
                .warnings
                .push(format!("{label}:{}: {e}: skipped", n + 1)),
        }
    }
    out
}

/// Reads one journal file.
pub fn read(path: &Path) -> Result<Journal, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    Ok(parse(&bytes, &path.display().to_string()))
}

/// Reads incident `id`'s journal.
pub fn read_incident(dir: &Path, id: &str) -> Result<Journal, String> {
    if !valid_id(id) {
        return Err(format!("{id:?} is not an incident id"));
    }
    let path = journal_path(dir, id);
    if !path.exists() {
        return Err(format!(
            "no incident {id} ({} does not exist)",
            path.display()
        ));
    }
    read(&path)
}

/// Every journal in `dir` by id (a missing directory has none), and the warnings of any
/// that could not be read.
pub fn read_all(dir: &Path) -> (Vec<(String, Journal)>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (id, path) in journal_files(dir) {
        match read(&path) {
            Ok(j) => out.push((id, j)),
            Err(e) => warnings.push(e),
        }
    }
    (out, warnings)
}

fn journal_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = read
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter_map(|p| {
            let id = p.file_name()?.to_str()?.strip_suffix(".jsonl")?.to_string();
            valid_id(&id).then_some((id, p))
        })
        .collect();
    files.sort();
    files
}

/// The severity levels: `severities.yaml` in the config dir when there is one and it is
/// valid, else the embedded ones (with a warning naming the file, line and what is wrong).
pub fn load_severities(config_dir: &Path) -> (Severities, Vec<String>) {
    let path = config_dir.join("severities.yaml");
    match std::fs::read_to_string(&path) {
        Ok(text) => match Severities::parse(&text, &path.display().to_string()) {
            Ok(s) => (s, Vec::new()),
            Err(e) => (
                Severities::builtin(),
                vec![format!("{e:#}; using the built-in severities")],
            ),
        },
        Err(e) if e.kind() == ErrorKind::NotFound => (Severities::builtin(), Vec::new()),
        Err(e) => (
            Severities::builtin(),
            vec![format!(
                "{}: {e}; using the built-in severities",
                path.display()
            )],
        ),
    }
}

/// The console's journal writer: one thread that appends in the order asked (so a status
/// change never lands before the note typed first), and sends each result back as
/// `IncidentMsg::Saved` once it is on disk, or failed.
pub fn spawn_writer(dir: PathBuf, tx: Sender<Msg>) -> std::sync::mpsc::Sender<IncidentAppend> {
    let (jobs, rx) = std::sync::mpsc::channel::<IncidentAppend>();
    let spawned = std::thread::Builder::new()
        .name("incident-journal".into())
        .spawn(move || {
            for job in rx {
                let result = append(&dir, &job.incident, &job.entries, job.create);
                if let Err(e) = &result {
                    tracing::warn!("incident journal: {e}");
                }
                let msg = Msg::Incident(IncidentMsg::Saved {
                    incident: job.incident,
                    entries: job.entries.into_iter().map(|e| e.id).collect(),
                    result,
                });
                if tx.blocking_send(msg).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the incident journal writer: {e}");
    }
    jobs
}

/// Reads every journal at start (`Journal`s, then `Loaded`), then every
/// [`WATCH_INTERVAL`] re-reads the ones whose size or time changed (another console, or
/// `kubechat-ops incident note`, wrote to them).
pub fn spawn_watch(dir: PathBuf, tx: Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen: HashMap<PathBuf, (u64, Option<SystemTime>)> = HashMap::new();
        let mut first = true;
        let mut interval = tokio::time::interval(WATCH_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            let dir2 = dir.clone();
            let previous = seen.clone();
            let scan = tokio::task::spawn_blocking(move || scan(&dir2, &previous)).await;
            let Ok((changed, now_seen)) = scan else {
                continue;
            };
            seen = now_seen;
            for msg in changed {
                if tx.send(Msg::Incident(msg)).await.is_err() {
                    return;
                }
            }
            if first {
                first = false;
                let loaded = IncidentMsg::Loaded {
                    dir: dir.display().to_string(),
                };
                if tx.send(Msg::Incident(loaded)).await.is_err() {
                    return;
                }
            }
        }
    })
}

type Seen = HashMap<PathBuf, (u64, Option<SystemTime>)>;

fn scan(dir: &Path, previous: &Seen) -> (Vec<IncidentMsg>, Seen) {
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    for (id, path) in journal_files(dir) {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let stamp = (meta.len(), meta.modified().ok());
        seen.insert(path.clone(), stamp);
        if previous.get(&path) == Some(&stamp) {
            continue;
        }
        match read(&path) {
            Ok(j) => out.push(IncidentMsg::Journal {
                id,
                entries: j.entries,
                warnings: j.warnings,
                source: JournalSource::Disk,
            }),
            Err(e) => out.push(IncidentMsg::Journal {
                id,
                entries: Vec::new(),
                warnings: vec![e],
                source: JournalSource::Disk,
            }),
        }
    }
    (out, seen)
}

#[cfg(test)]
#[path = "incident_journal_tests.rs"]
mod tests;
