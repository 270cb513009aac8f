//! The pane's keys and the questions they ask through the shell's text input: the title
//! and severity of a declaration (the definitions shown, a severity suggested from live
//! facts with its reason), a new severity, a note, a role, the impact start.

use jiff::{SignedDuration, Timestamp, ToSpan};

use super::{sync, Action, Model, Save, Tracked};
use crate::effect::{Effect, IncidentAppend};
use crate::feed::EntryKind;
use crate::incident::suggest::suggest;
use crate::incident::template::Template;
use crate::incident::{checklist, incident_id, Incident, What};
use crate::kpi::{AlertState, FiringAlert};
use crate::panes::cx::DialogRequest;
use crate::panes::Cx;

/// The firing alert an incident is declared from: its title, labels and start go in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromAlert {
    pub name: String,
    pub severity: Option<String>,
    pub summary: Option<String>,
    pub since: Option<Timestamp>,
}

impl FromAlert {
    /// The alert Prometheus has firing that started last, if any.
    fn firing(alerts: &[FiringAlert]) -> Option<FromAlert> {
        alerts
            .iter()
            .filter(|a| a.state == AlertState::Firing)
            .max_by_key(|a| a.active_at)
            .map(|a| FromAlert {
                name: a.name.clone(),
                severity: a.severity.clone(),
                summary: a.summary.clone(),
                since: a.active_at,
            })
    }

    fn title(&self) -> String {
        match &self.summary {
            Some(s) => format!("{}: {s}", self.name),
            None => self.name.clone(),
        }
    }

    /// What the declaration records of the alert: when it started (the impact start, if
    /// before now) and its labels.
    fn entries(&self, now: Timestamp) -> Vec<(Timestamp, What)> {
        let mut out = Vec::new();
        if let Some(since) = self.since.filter(|s| *s < now) {
            out.push((now, What::ImpactStart { since }));
        }
        let severity = self
            .severity
            .as_deref()
            .map(|s| format!(", severity={s}"))
            .unwrap_or_default();
        let since = self
            .since
            .map(|t| format!(", firing since {}", t.strftime("%H:%M:%S UTC")))
            .unwrap_or_default();
        let text = format!(
            "declared from alert {} (alertname={}{severity}){since}",
            self.name, self.name
        );
        out.push((now, What::Note { text }));
        out
    }
}

/// What the text input is open for (and for which incident).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asking {
    Title {
        alert: Option<FromAlert>,
    },
    Severity {
        title: String,
        alert: Option<FromAlert>,
    },
    NewSeverity {
        id: String,
    },
    Note {
        id: String,
    },
    Role {
        id: String,
    },
    ImpactStart {
        id: String,
    },
    Pin {
        id: String,
    },
    /// The communication open in the editor.
    Communicate {
        id: String,
        template: Template,
    },
}

/// How far back the timeline is copied into a new incident.
pub const CONTEXT: SignedDuration = SignedDuration::from_mins(15);

const HINT: &str = "type  Enter ok  Esc cancel";

fn ask(
    model: &mut Model,
    cx: &mut Cx,
    asking: Asking,
    title: &str,
    question: String,
    initial: String,
) {
    model.asking = Some(asking);
    cx.dialog(DialogRequest::Input {
        title: format!(" {title} "),
        question,
        initial,
        hint: HINT.into(),
    });
}

pub fn on_action(model: &mut Model, cx: &mut Cx, action: Action) -> Vec<Effect> {
    if action == Action::Declare {
        // with an alert firing, the declaration starts from it: its title, labels, start
        let alert = FromAlert::firing(&cx.kpis.alerts);
        let (q, initial) = match &alert {
            Some(a) => (
                format!(
                    "What is happening? (from the firing alert {}: its start and labels go in; \
                     edit the title freely, the severity comes next)",
                    a.name
                ),
                a.title(),
            ),
            None => (
                "What is happening? (a title; the severity comes next)".to_string(),
                String::new(),
            ),
        };
        let asking = Asking::Title { alert };
        ask(model, cx, asking, "Declare an incident", q, initial);
        return Vec::new();
    }
    if action == Action::Filter {
        model.filter = model.filter.next();
        cx.toast(false, format!("showing {} entries", model.filter.label()));
        return Vec::new();
    }
    let Some(t) = model.selected() else {
        cx.toast(false, "no incident: D declares one");
        return Vec::new();
    };
    let i = &t.incident;
    let id = i.id.clone();
    let (asking, title, question, initial) = match action {
        Action::Declare | Action::Filter => return Vec::new(),
        Action::NextStatus => return next_status(model, cx, &id),
        Action::Check => return check_next(model, cx, &id),
        Action::Pin => (
            Asking::Pin { id: id.clone() },
            "Pin a line",
            format!("A line to keep at the top of {id} (a finding, a link, a decision):"),
            String::new(),
        ),
        Action::Communicate => return super::comms::open(model, cx),
        Action::Severity => (
            Asking::NewSeverity { id: id.clone() },
            "Change the severity",
            severity_question(model, cx, &format!("New severity for {id}")),
            i.severity.to_string(),
        ),
        Action::Note => (
            Asking::Note { id: id.clone() },
            "Add a note",
            format!("Note for {id} (\"todo: …\" becomes a follow-up):"),
            String::new(),
        ),
        Action::Role => (
            Asking::Role { id },
            "Assign a role",
            "ROLE NAME, e.g. commander alice (commander, tech-lead, comms, on-call):".into(),
            String::new(),
        ),
        Action::ImpactStart => (
            Asking::ImpactStart { id },
            "Impact start",
            "When did users start to feel it? HH:MM (UTC), or how long ago (20m):".into(),
            i.impact_start.strftime("%H:%M").to_string(),
        ),
    };
    ask(model, cx, asking, title, question, initial);
    Vec::new()
}

fn next_status(model: &mut Model, cx: &mut Cx, id: &str) -> Vec<Effect> {
    let Some(next) = model.get(id).and_then(|t| t.incident.status.next()) else {
        cx.toast(false, format!("{id} is already RESOLVED"));
        return Vec::new();
    };
    cx.note(
        EntryKind::Milestone,
        false,
        format!("incident {id}: {}", next.label()),
    );
    let what = What::Status { status: next };
    model.record(id, vec![(cx.now, what)]).into_iter().collect()
}

/// The levels with their definitions, examples and clocks, and the suggestion.
fn severity_question(model: &Model, cx: &Cx, first: &str) -> String {
    let s = &model.severities;
    let mut lines = vec![format!("{first} ({}):", s.choices())];
    for d in s.all() {
        lines.push(format!(
            "{}  {}  {} · respond {} · escalate {}",
            d.level,
            d.name,
            d.definition,
            crate::text::duration_label(d.respond_within.as_secs()),
            crate::text::duration_label(d.escalate_within.as_secs()),
        ));
        if !d.examples.is_empty() {
            lines.push(format!("   e.g. {}", d.examples.join("; ")));
        }
    }
    let hint = suggest(cx.kpis, cx.cluster);
    let level = s.get(hint.severity).map_or(hint.severity, |d| d.level);
    lines.push(format!(
        "Suggested: {} ({}). You decide.",
        s.name(level),
        hint.why
    ));
    lines.join("\n")
}

pub fn entered(model: &mut Model, cx: &mut Cx, text: &str) -> Vec<Effect> {
    let text = text.trim();
    let Some(asking) = model.asking.take() else {
        return Vec::new();
    };
    let now = cx.now;
    let outcome = match &asking {
        Asking::Title { alert } => title_entered(model, cx, text, alert.clone()),
        Asking::Severity { title, alert } => {
            level(model, text).map(|sev| declare(model, cx, title.clone(), sev, alert.as_ref()))
        }
        Asking::NewSeverity { id } => level(model, text).map(|severity| {
            let name = model.severities.name(severity);
            let text = format!("incident {id}: severity {name}");
            cx.note(EntryKind::Incident, severity <= 2, text);
            record(model, id, now, What::Severity { severity })
        }),
        Asking::Pin { id } if text.is_empty() => Err("a line (Esc to cancel)".into()),
        Asking::Pin { id } => {
            let what = What::Pin {
                text: text.to_string(),
            };
            Ok(record(model, id, now, what))
        }
        Asking::Note { id } if text.is_empty() => Err("a note (Esc to cancel)".into()),
        Asking::Note { id } => {
            let what = What::Note {
                text: text.to_string(),
            };
            Ok(record(model, id, now, what))
        }
        Asking::Role { id } => match parse_role(text) {
            Some((role, who)) => {
                cx.note(
                    EntryKind::Incident,
                    false,
                    format!("incident {id}: {role} {who}"),
                );
                Ok(record(model, id, now, What::Role { role, who }))
            }
            None => Err("ROLE NAME, e.g. commander alice".into()),
        },
        Asking::Communicate { .. } if text.is_empty() => Err("the text is empty".into()),
        Asking::Communicate { id, template } => {
            Ok(super::comms::sent(model, cx, id, *template, text))
        }
        Asking::ImpactStart { id } => {
            parse_when(text, now).map(|since| record(model, id, now, What::ImpactStart { since }))
        }
    };
    match outcome {
        Ok(effects) => {
            if model.asking.is_none() {
                cx.dialog(DialogRequest::Close);
            }
            effects
        }
        Err(why) => {
            model.asking = Some(asking);
            cx.dialog(DialogRequest::InputError(why));
            Vec::new()
        }
    }
}

/// Ticks the next step of the initial response that applies to the incident's severity.
fn check_next(model: &mut Model, cx: &mut Cx, id: &str) -> Vec<Effect> {
    let Some(i) = model.get(id).map(|t| &t.incident) else {
        return Vec::new();
    };
    let Some(step) = checklist::next_step(&model.checklist, i.severity, &i.checked) else {
        cx.toast(false, format!("{id}: the initial response is done"));
        return Vec::new();
    };
    record(model, id, cx.now, What::Checked { step })
}

fn record(model: &mut Model, id: &str, at: Timestamp, what: What) -> Vec<Effect> {
    model.record(id, vec![(at, what)]).into_iter().collect()
}

/// The title is taken: the severity comes next, with the levels and a suggestion.
fn title_entered(
    model: &mut Model,
    cx: &mut Cx,
    text: &str,
    alert: Option<FromAlert>,
) -> Result<Vec<Effect>, String> {
    if text.is_empty() {
        return Err("a title, e.g. chat messages fail to send".into());
    }
    let title = text.to_string();
    let q = severity_question(model, cx, &format!("Severity of \"{title}\""));
    let hint = suggest(cx.kpis, cx.cluster);
    let level = model
        .severities
        .get(hint.severity)
        .map_or(hint.severity, |d| d.level);
    let asking = Asking::Severity { title, alert };
    ask(
        model,
        cx,
        asking,
        "Declare an incident",
        q,
        level.to_string(),
    );
    Ok(Vec::new())
}

fn level(model: &Model, text: &str) -> Result<u8, String> {
    let digits = text
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .trim();
    match digits.parse::<u8>() {
        Ok(l) if model.severities.exists(l) => Ok(l),
        _ => Err(format!("a severity: {}", model.severities.choices())),
    }
}

/// "commander alice", "commander=alice", "tech-lead: bob".
pub fn parse_role(text: &str) -> Option<(String, String)> {
    let (role, who) = text.split_once(['=', ':', ' '])?;
    let (role, who) = (role.trim().to_ascii_lowercase(), who.trim().to_string());
    (!role.is_empty() && !who.is_empty()).then_some((role, who))
}

/// "14:05" (UTC, the last such time not after now), "14:05:30", "20m" (ago), or RFC 3339.
pub fn parse_when(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    if text.contains(':') {
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let time: jiff::civil::Time = text
            .parse()
            .map_err(|_| format!("{text:?}: expected HH:MM, e.g. 14:05"))?;
        let at = today
            .to_datetime(time)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|e| e.to_string())?
            .timestamp();
        return Ok(if at > now { at - 24.hours() } else { at });
    }
    let ago = kubechat_spec::parse_duration(text)
        .map_err(|_| format!("{text:?}: expected HH:MM (UTC) or a duration ago, e.g. 20m"))?;
    let ago = SignedDuration::try_from(ago).map_err(|e| e.to_string())?;
    now.checked_sub(ago).map_err(|e| e.to_string())
}

/// A new incident: its declaration and the last [`CONTEXT`] of the timeline, in one append
/// that creates the journal.
fn declare(
    model: &mut Model,
    cx: &mut Cx,
    title: String,
    severity: u8,
    alert: Option<&FromAlert>,
) -> Vec<Effect> {
    let mut id = incident_id(cx.now);
    let mut n = 2;
    while model.get(&id).is_some() {
        id = format!("{}-{n}", incident_id(cx.now));
        n += 1;
    }
    let declared = model.ids.entry(
        cx.now,
        What::Declared {
            incident: id.clone(),
            title: title.clone(),
            severity,
        },
    );
    let Some(incident) = Incident::declared(&declared) else {
        return Vec::new();
    };
    let mut tracked = Tracked::new(incident);
    tracked.saves.insert(declared.id.clone(), Save::Saving);
    model.incidents.push(tracked);
    model.sort(Some(&id));
    let since = cx.now.checked_sub(CONTEXT).unwrap_or(cx.now);
    let mut context = sync::items(
        cx.timeline
            .newest_first()
            .filter(|e| e.at >= since)
            .collect::<Vec<_>>()
            .into_iter()
            .rev(),
    );
    context.extend(alert.map(|a| a.entries(cx.now)).unwrap_or_default());
    let mut entries = vec![declared];
    if let Some(Effect::AppendIncident(a)) = model.record(&id, context) {
        entries.extend(a.entries);
    }
    let name = model.severities.name(severity);
    cx.note(
        EntryKind::Milestone,
        true,
        format!("incident {id} declared: {name} {title}"),
    );
    cx.toast(false, format!("{id} declared ({name})"));
    vec![Effect::AppendIncident(IncidentAppend {
        incident: id,
        entries,
        create: true,
    })]
}
