//! Logging: tracing to a file in the state directory through tracing-appender; never to
//! the screen (the screen belongs to the console).

use std::path::{Path, PathBuf};

use anyhow::Context;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// How many log lines may wait for the writer.
const LOG_QUEUE_LINES: usize = 1024;

/// Keeps the background writer alive; dropping it flushes the log.
pub struct LogGuard {
    _worker: WorkerGuard,
    pub path: PathBuf,
}

/// Starts logging to `dir/kubechat-ops.log` at `level` ("info", "debug", or a full
/// `RUST_LOG`-style filter such as "kubechat_ops=debug,kube=info").
pub fn init(dir: &Path, level: &str) -> anyhow::Result<LogGuard> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the log directory {}", dir.display()))?;
    let filter = EnvFilter::try_new(level)
        .with_context(|| format!("--log-level {level:?} is not a valid level or filter"))?;
    let appender = tracing_appender::rolling::never(dir, "kubechat-ops.log");
    // tracing-appender's default queue holds 128,000 lines and allocates them up front
    // (4 MiB, a sixteenth of the memory budget); a console logs a few lines a minute.
    // A full queue drops lines rather than blocking the console.
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(appender);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))?;
    Ok(LogGuard {
        _worker: worker,
        path: dir.join("kubechat-ops.log"),
    })
}
