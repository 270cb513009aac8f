//! Runbook runs on disk (`<data dir>/runbook-runs/<id>.json`): each save writes a temporary
//! file, syncs it and renames it over the last one (then syncs the directory), so a crash
//! leaves the previous save or the new one, never half of one. One writer thread saves in
//! the order asked.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::runbook::run::SavedRun;

pub fn runs_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("runbook-runs")
}

/// Writes `run` durably under `dir`.
pub fn save(dir: &Path, run: &SavedRun) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{}.json", run.id));
    let tmp = dir.join(format!(".{}.json.tmp", run.id));
    let text = serde_json::to_vec_pretty(run).map_err(std::io::Error::other)?;
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&text)?;
        f.sync_data()?;
    }
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Every saved run (newest first) and a warning per file that cannot be read.
pub fn load(dir: &Path) -> (Vec<SavedRun>, Vec<String>) {
    let mut runs = Vec::new();
    let mut warnings = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (runs, warnings);
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        match std::fs::read_to_string(&p)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<SavedRun>(&t).map_err(|e| e.to_string()))
        {
            Ok(r) => runs.push(r),
            Err(e) => warnings.push(format!("{}: {e}", p.display())),
        }
    }
    runs.sort_by_key(|r| std::cmp::Reverse(r.started));
    (runs, warnings)
}

/// A thread that saves runs in the order sent.
pub fn spawn_saver(dir: PathBuf) -> std::sync::mpsc::Sender<SavedRun> {
    let (tx, rx) = std::sync::mpsc::channel::<SavedRun>();
    std::thread::spawn(move || {
        while let Ok(run) = rx.recv() {
            if let Err(e) = save(&dir, &run) {
                tracing::warn!("saving runbook run {}: {e}", run.id);
            }
        }
    });
    tx
}
