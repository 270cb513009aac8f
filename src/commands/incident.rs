//! The headless `kubechat-ops incident …`: declare, list, show, note, status, export. The
//! same journals as the console (`<data dir>/incidents/<id>.jsonl`, `io::incident_journal`):
//! a console open on this machine sees what these write within seconds, and the other way
//! round. A command that writes exits 0 only once its entry is on disk (synced).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use jiff::Timestamp;

use crate::config::Paths;
use crate::incident::clocks::clocks;
use crate::incident::{
    export, incident_id, list_order, EntryIds, Incident, Severities, Status, What,
};
use crate::io::incident_journal::{self as journal, journal_dir, load_severities};

/// Exit code: done (a write is on disk).
pub const EXIT_OK: u8 = 0;
/// Exit code: the journal could not be written or read.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: no such incident, or an argument that is not valid.
pub const EXIT_USAGE: u8 = 2;

const INCIDENT_HELP: &str = "\
Incidents live in the data directory ($XDG_DATA_HOME/kubechat-ops/incidents, one
append-only journal ID.jsonl each), shared with the console (key 5).

Exit codes:
  0  done; for a command that writes, the entry is on disk (synced)
  1  the journal could not be written or read
  2  no such incident, or an argument that is not valid";

#[derive(Debug, Args)]
#[command(after_help = INCIDENT_HELP)]
pub struct IncidentArgs {
    #[command(subcommand)]
    pub command: IncidentCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A postmortem draft.
    Md,
    /// The incident and every entry of its journal.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Declare an incident; prints its id once it is on disk.
    Declare {
        /// Severity level: 1 (complete outage), 2 (significant degradation), 3 (minor).
        #[arg(long, value_name = "N")]
        sev: u8,
        /// What is happening, in a line.
        #[arg(long, value_name = "TEXT")]
        title: String,
    },
    /// One line per incident, open first: id, severity, status, title.
    List,
    /// An incident's header, clocks and journal.
    Show { id: String },
    /// Add a note to an incident ("todo: …" becomes a follow-up in the export).
    Note { id: String, text: String },
    /// Set an incident's status: investigating, mitigating, monitoring, resolved.
    Status { id: String, status: String },
    /// The postmortem draft (md) or the journal (json), on stdout.
    Export {
        id: String,
        #[arg(long, value_enum, default_value = "md")]
        format: ExportFormat,
    },
}

struct Ctx {
    dir: PathBuf,
    severities: Severities,
    ids: EntryIds,
}

/// Runs `incident …`; returns the exit code.
pub fn run(args: IncidentArgs, paths: &Paths) -> u8 {
    let (severities, warnings) = load_severities(&paths.config_dir);
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let now = Timestamp::now();
    let origin = format!("cli-{}-{}", std::process::id(), now.as_second());
    let mut cx = Ctx {
        dir: journal_dir(&paths.data_dir),
        severities,
        ids: EntryIds::new(origin),
    };
    let result = match args.command {
        IncidentCommand::Declare { sev, title } => declare(&mut cx, sev, &title, now),
        IncidentCommand::List => list(&cx),
        IncidentCommand::Show { id } => show(&cx, &id, now),
        IncidentCommand::Note { id, text } => note(&mut cx, &id, &text, now),
        IncidentCommand::Status { id, status } => set_status(&mut cx, &id, &status, now),
        IncidentCommand::Export { id, format } => export_cmd(&cx, &id, format),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err((code, message)) => {
            eprintln!("kubechat-ops incident: {message}");
            code
        }
    }
}

type Outcome = Result<(), (u8, String)>;

fn usage(message: impl Into<String>) -> (u8, String) {
    (EXIT_USAGE, message.into())
}

fn failed(message: impl Into<String>) -> (u8, String) {
    (EXIT_FAILED, message.into())
}

/// The incident `id` as its journal folds (its warnings on stderr).
fn load(cx: &Ctx, id: &str) -> Result<Incident, (u8, String)> {
    let j = journal::read_incident(&cx.dir, id).map_err(|e| {
        if e.starts_with("no incident") || e.contains("not an incident id") {
            usage(e)
        } else {
            failed(e)
        }
    })?;
    for w in &j.warnings {
        eprintln!("warning: {w}");
    }
    Incident::fold(&j.entries)
        .ok_or_else(|| failed(format!("{id}: the journal has no declaration first")))
}

fn declare(cx: &mut Ctx, sev: u8, title: &str, now: Timestamp) -> Outcome {
    if !cx.severities.exists(sev) {
        return Err(usage(format!(
            "--sev {sev}: expected {}",
            cx.severities.choices()
        )));
    }
    let title = title.trim();
    if title.is_empty() {
        return Err(usage("--title is empty"));
    }
    let base = incident_id(now);
    let mut id = base.clone();
    for n in 2.. {
        if !journal::journal_path(&cx.dir, &id).exists() {
            break;
        }
        id = format!("{base}-{n}");
    }
    let entry = cx.ids.entry(
        now,
        What::Declared {
            incident: id.clone(),
            title: title.to_string(),
            severity: sev,
        },
    );
    journal::append(&cx.dir, &id, &[entry], true).map_err(failed)?;
    println!("{id}");
    Ok(())
}

fn list(cx: &Ctx) -> Outcome {
    let (journals, warnings) = journal::read_all(&cx.dir);
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let mut incidents: Vec<Incident> = Vec::new();
    for (id, j) in journals {
        for w in &j.warnings {
            eprintln!("warning: {w}");
        }
        match Incident::fold(&j.entries) {
            Some(i) => incidents.push(i),
            None => eprintln!("warning: {id}: the journal has no declaration first"),
        }
    }
    incidents.sort_by(list_order);
    for i in incidents {
        println!(
            "{}  {:<5} {:<13} {}",
            i.id,
            cx.severities.name(i.severity),
            i.status.label(),
            i.title
        );
    }
    Ok(())
}

fn show(cx: &Ctx, id: &str, now: Timestamp) -> Outcome {
    let i = load(cx, id)?;
    let name = |l: u8| cx.severities.name(l);
    println!(
        "{}  {}  {}  {}",
        i.id,
        name(i.severity),
        i.status.label(),
        i.title
    );
    println!(
        "declared      {}",
        i.declared_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    );
    println!(
        "impact start  {}",
        i.impact_start.strftime("%Y-%m-%d %H:%M:%S UTC")
    );
    for (role, who) in &i.roles {
        println!("{role:<13} {who}");
    }
    let clocks: Vec<String> = clocks(&i, &cx.severities, now)
        .iter()
        .map(|c| c.text())
        .collect();
    println!("clocks        {}", clocks.join(" · "));
    println!();
    let mut entries: Vec<_> = i.entries.iter().collect();
    entries.sort_by_key(|e| e.at);
    for e in entries {
        println!(
            "{}  {}",
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.describe(name)
        );
    }
    Ok(())
}

fn note(cx: &mut Ctx, id: &str, text: &str, now: Timestamp) -> Outcome {
    let text = text.trim();
    if text.is_empty() {
        return Err(usage("the note is empty"));
    }
    load(cx, id)?;
    let entry = cx.ids.entry(
        now,
        What::Note {
            text: text.to_string(),
        },
    );
    let entry_id = entry.id.clone();
    journal::append(&cx.dir, id, &[entry], false).map_err(failed)?;
    println!("{id}: note saved ({entry_id})");
    Ok(())
}

fn set_status(cx: &mut Ctx, id: &str, text: &str, now: Timestamp) -> Outcome {
    let Some(status) = Status::parse(text) else {
        return Err(usage(format!(
            "{text:?}: expected investigating, mitigating, monitoring or resolved"
        )));
    };
    let i = load(cx, id)?;
    if i.status == status {
        println!("{id}: already {}", status.label());
        return Ok(());
    }
    let entry = cx.ids.entry(now, What::Status { status });
    journal::append(&cx.dir, id, &[entry], false).map_err(failed)?;
    println!("{id}: {}", status.label());
    Ok(())
}

fn export_cmd(cx: &Ctx, id: &str, format: ExportFormat) -> Outcome {
    let i = load(cx, id)?;
    match format {
        ExportFormat::Md => print!("{}", export::markdown(&i, &cx.severities)),
        ExportFormat::Json => {
            let json = export::json(&i, &cx.severities);
            let text = serde_json::to_string_pretty(&json).map_err(|e| failed(e.to_string()))?;
            println!("{text}");
        }
    }
    Ok(())
}
