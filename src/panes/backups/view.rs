//! The Backups pane: one line per CronJob (verdict coloured by meaning), then the selected
//! one's detail: why, next run in local time and UTC, what runs now, the last failed run
//! with its reason and log tail, and the history of its Jobs.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::Model;
use crate::cluster::backup::{BackupHealth, Verdict};
use crate::cluster::backup_view::JobOutcome;
use crate::cluster::cnpg_view::Archiving;
use crate::draw::{fit, pane_block, set_line};
use crate::panes::{PaneId, View};
use crate::text::{countdown, duration_label, short_age};
use crate::theme::Theme;

pub fn verdict_style(v: Verdict, t: &Theme) -> Style {
    match v {
        Verdict::Fresh => t.ok,
        Verdict::Late => t.warn,
        Verdict::Failing | Verdict::Stale => t.crit,
        Verdict::Unknown => t.stale,
    }
}

fn local(at: Timestamp, tz: &Option<TimeZone>) -> String {
    let tz = tz.clone().unwrap_or(TimeZone::UTC);
    at.to_zoned(tz).strftime("%a %H:%M %Z").to_string()
}

pub fn render(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let bad = model
        .health
        .iter()
        .filter(|h| h.verdict != Verdict::Fresh)
        .count();
    let extra = (!model.health.is_empty()).then(|| match bad {
        0 => "all fresh".to_string(),
        n => format!("{n} need attention"),
    });
    let block = pane_block(PaneId::Backups.label(), v.focused, extra, t);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if !(v.cluster.cronjobs.synced && v.cluster.jobs.synced) {
        lines.push(Line::styled("reading CronJobs and Jobs…", t.muted));
    } else if model.health.is_empty() {
        lines.push(Line::styled("no CronJob in this namespace", t.muted));
    }
    let name_w = model
        .health
        .iter()
        .map(|h| h.name.len())
        .max()
        .unwrap_or(7)
        .clamp(7, 32);
    for (i, h) in model.health.iter().enumerate() {
        let selected = i == model.cursor && v.focused;
        let base = if selected { t.selected } else { t.text };
        let last = match h.age_seconds {
            Some(a) => format!("{} ago", short_age(a)),
            None => "never".into(),
        };
        let rpo = h
            .rpo_seconds
            .map(|r| format!(" / RPO {}", duration_label(r)))
            .unwrap_or_default();
        let state = if h.suspended {
            format!("{} (suspended)", h.verdict.as_str())
        } else if !h.running.is_empty() {
            format!("{} (running)", h.verdict.as_str())
        } else {
            h.verdict.as_str().to_string()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:name_w$} ", fit(&h.name, name_w)), base),
            Span::styled(format!("{state:<20}"), verdict_style(h.verdict, t)),
            Span::styled(
                fit(
                    &format!("{} · last ok {last}{rpo}", h.schedule_words),
                    w.saturating_sub(name_w + 21),
                ),
                base,
            ),
        ]));
    }
    cnpg(v, &mut lines);
    if let Some(h) = model.selected() {
        lines.push(Line::raw(""));
        detail(model, h, v, &mut lines);
    }
    for (i, line) in lines.into_iter().take(inner.height as usize).enumerate() {
        set_line(buf, inner.x, inner.y + i as u16, &line, inner.width);
    }
}

fn archiving_style(a: Archiving, t: &Theme) -> Style {
    match a {
        Archiving::Ok => t.ok,
        Archiving::Stale | Archiving::Failing => t.crit,
        Archiving::Unknown => t.stale,
    }
}

/// CloudNativePG, where it is installed: each Cluster's continuous archiving (how far back
/// a point-in-time recovery reaches, the last base backups, WAL health) and its Backups.
fn cnpg(v: &View, lines: &mut Vec<Line>) {
    let t = v.theme;
    let ago = |at: Option<Timestamp>| match at {
        Some(at) => format!("{} ago", short_age(v.now.duration_since(at).as_secs())),
        None => "never".into(),
    };
    if !v.cluster.cnpg_clusters.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "CloudNativePG (continuous archiving)",
            t.title,
        ));
    }
    for c in v.cluster.cnpg_clusters.values() {
        let a = c.archiving_at(v.now);
        let pitr = c
            .first_recoverability_point
            .map(|p| p.strftime("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "none".into());
        lines.push(Line::from(vec![
            Span::styled(format!("cluster {} ", c.name), t.text),
            Span::styled(format!("WAL {}", a.as_str()), archiving_style(a, t)),
            Span::styled(
                format!(
                    " · PITR from {pitr} · last WAL {} · base backup ok {}, failed {}",
                    ago(c.last_archived_wal_time),
                    ago(c.last_successful_backup),
                    ago(c.last_failed_backup)
                ),
                t.text,
            ),
        ]));
        if let Some((false, why)) = &c.archiving {
            lines.push(Line::from(vec![
                Span::styled("  why ", t.muted),
                Span::styled(why.clone(), t.warn),
            ]));
        }
        let mut backups: Vec<_> = v
            .cluster
            .cnpg_backups
            .values()
            .filter(|b| b.cluster == c.name)
            .collect();
        backups.sort_by(|a, b| (b.started, &b.name).cmp(&(a.started, &a.name)));
        for b in backups.into_iter().take(3) {
            let style = match b.phase.as_str() {
                "completed" => t.ok,
                "failed" => t.crit,
                _ => t.info,
            };
            let error = b
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<9} ", b.phase), style),
                Span::styled(
                    format!("{} · {}{error}", b.name, ago(b.stopped.or(b.started))),
                    t.text,
                ),
            ]));
        }
    }
}

fn detail<'a>(model: &'a Model, h: &'a BackupHealth, v: &View, lines: &mut Vec<Line<'a>>) {
    let t = v.theme;
    lines.push(Line::from(vec![
        Span::styled(format!("{} ", h.name), t.title),
        Span::styled(
            h.verdict.as_str().to_uppercase(),
            verdict_style(h.verdict, t),
        ),
        Span::styled(format!(" — {}", h.reason), t.text),
    ]));
    let schedule = match &h.time_zone {
        Some(tz) => format!("{} ({}, timeZone {tz})", h.schedule_words, h.schedule),
        None => format!("{} ({}, UTC)", h.schedule_words, h.schedule),
    };
    lines.push(Line::from(vec![
        Span::styled("schedule  ", t.muted),
        Span::styled(schedule, t.text),
    ]));
    let next = match h.next_run {
        Some(at) => format!(
            "{} · {} · in {}",
            local(at, &model.tz),
            at.strftime("%H:%M UTC"),
            countdown(at.duration_since(v.now).as_secs())
        ),
        None if h.suspended => "none: suspended".into(),
        None => "-".into(),
    };
    lines.push(Line::from(vec![
        Span::styled("next run  ", t.muted),
        Span::styled(next, t.text),
    ]));
    let last_ok = match (h.last_success, &h.last_success_job) {
        (Some(at), Some(job)) => format!(
            "{} ({} ago) · job {job}",
            at.strftime("%Y-%m-%d %H:%M UTC"),
            short_age(v.now.duration_since(at).as_secs())
        ),
        (Some(at), None) => format!(
            "{} ({} ago)",
            at.strftime("%Y-%m-%d %H:%M UTC"),
            short_age(v.now.duration_since(at).as_secs())
        ),
        _ => "never".into(),
    };
    lines.push(Line::from(vec![
        Span::styled("last ok   ", t.muted),
        Span::styled(last_ok, t.text),
    ]));
    if !h.running.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("running   ", t.muted),
            Span::styled(h.running.join(", "), t.info),
        ]));
    }
    if let Some(f) = &h.last_failure {
        let when =
            f.at.map(|at| format!(" ({} ago)", short_age(v.now.duration_since(at).as_secs())))
                .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled("last fail ", t.muted),
            Span::styled(format!("{}{when}: ", f.name), t.warn),
            Span::styled(f.reason.clone().unwrap_or_else(|| "failed".into()), t.text),
        ]));
        for l in &model.log_lines {
            lines.push(Line::from(vec![
                Span::styled("  │ ", t.muted),
                Span::styled(l.as_str(), t.muted),
            ]));
        }
    }
    let history = Model::history(v.cluster, &h.name);
    if !history.is_empty() {
        lines.push(Line::styled("history", t.muted));
        for j in history {
            let (mark, style) = match j.outcome {
                JobOutcome::Complete => ("✓ complete", t.ok),
                JobOutcome::Failed => ("✗ failed  ", t.crit),
                JobOutcome::Running => ("… running ", t.info),
            };
            let age = j
                .created
                .map(|c| format!("{} ago", short_age(v.now.duration_since(c).as_secs())))
                .unwrap_or_default();
            let took = match (j.started, j.finished) {
                (Some(s), Some(f)) => {
                    format!(" · took {}", countdown(f.duration_since(s).as_secs()))
                }
                _ => String::new(),
            };
            let manual = if j.manual { " · manual" } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("  {mark} "), style),
                Span::styled(format!("{} · {age}{took}{manual}", j.name), t.text),
            ]));
        }
    }
}
