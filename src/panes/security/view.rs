//! The Security pane: a status line, the checks with their counts (open ones list their
//! findings), the selected finding's drill-down, and the security KPIs and alerts beside.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{Audited, Model, Row};
use crate::audit::{report, Check, Finding, Severity};
use crate::draw::{fit, pane_block, set_line};
use crate::kpi::defs::Group;
use crate::kpi::{AlertState, KpiState};
use crate::panes::{PaneId, View};
use crate::text::short_age;
use crate::theme::Theme;

/// The alerts column, when there is room for it beside the list.
const ALERTS_W: u16 = 44;
/// The drill-down's height.
const DETAIL_H: u16 = 11;

pub fn render(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let block = pane_block(
        PaneId::Security.label(),
        v.focused,
        Some(scope_label(model)),
        t,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let [status, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    set_line(
        buf,
        status.x,
        status.y,
        &status_line(model, v),
        status.width,
    );
    let (left, alerts) = if body.width >= 100 {
        let [l, r] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(ALERTS_W)]).areas(body);
        (l, r)
    } else {
        let [l, r] = Layout::vertical([Constraint::Min(0), Constraint::Length(7)]).areas(body);
        (l, r)
    };
    // the list as long as it is (the drill-down right under it), or what leaves the
    // drill-down its room
    let rows = model.rows().len() as u16;
    let list_h = if left.height >= Check::ALL.len() as u16 + DETAIL_H {
        rows.min(left.height - DETAIL_H)
    } else {
        left.height
    };
    let [list, detail] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(left);
    let detail_h = detail.height;
    render_list(model, v, list, buf);
    if detail_h > 0 {
        render_detail(model, t, detail, buf);
    }
    render_alerts(v, alerts, buf);
}

fn scope_label(model: &Model) -> String {
    model.scope().to_string()
}

fn status_line(model: &Model, v: &View) -> Line<'static> {
    let t = v.theme;
    let running = if model.running { " · auditing…" } else { "" };
    match &model.last {
        None => Line::styled(format!("auditing {}…", model.scope()), t.muted),
        Some(Audited { at, result, .. }) => {
            let age = short_age(v.now.as_second() - at.as_second());
            match result {
                Ok(r) => {
                    let style = if r.findings.iter().any(|f| f.severity == Severity::High) {
                        t.crit
                    } else if r.findings.is_empty() {
                        t.ok
                    } else {
                        t.warn
                    };
                    Line::from(vec![
                        Span::styled(report::summary(&r.findings), style),
                        Span::styled(
                            format!(" · {} pods · audited {age} ago{running}", r.pods),
                            t.muted,
                        ),
                    ])
                }
                Err(e) => Line::from(vec![
                    Span::styled(format!("could not audit: {e}"), t.crit),
                    Span::styled(format!(" · {age} ago{running}"), t.muted),
                ]),
            }
        }
    }
}

fn severity_style(s: Severity, t: &Theme) -> Style {
    match s {
        Severity::High => t.crit,
        Severity::Medium => t.warn,
        Severity::Low => t.info,
    }
}

fn render_list(model: &Model, v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    if area.height == 0 {
        return;
    }
    let rows = model.rows();
    let h = area.height as usize;
    let first = model.cursor.saturating_sub(h.saturating_sub(1));
    let findings = model.findings();
    // a gap before the alerts column
    let w = (area.width as usize).saturating_sub(2);
    for (i, row) in rows.iter().enumerate().skip(first).take(h) {
        let y = area.y + (i - first) as u16;
        let line = match row {
            Row::Check(check) => check_line(model, *check, findings, w, t),
            Row::Finding(idx) => finding_line(&findings[*idx], w, t),
        };
        let line = if v.focused && i == model.cursor {
            line.patch_style(t.selected)
        } else {
            line
        };
        set_line(buf, area.x, y, &line, area.width);
    }
}

fn check_line(
    model: &Model,
    check: Check,
    findings: &[Finding],
    w: usize,
    t: &Theme,
) -> Line<'static> {
    let n = model.count(check);
    let worst = findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| f.severity)
        .max();
    let mark = match (n, model.open.contains(&check)) {
        (0, _) => "  ",
        (_, true) => "▾ ",
        (_, false) => "▸ ",
    };
    let (count, style) = match worst {
        Some(s) => (n.to_string(), severity_style(s, t)),
        None if model.last.is_none() => ("…".to_string(), t.muted),
        None => ("none".to_string(), t.ok),
    };
    let sev = worst.map(|s| s.as_str()).unwrap_or("");
    let title_w = w.saturating_sub(2 + 7 + 6);
    Line::from(vec![
        Span::styled(mark, t.muted),
        Span::styled(format!("{sev:<7}"), style),
        Span::styled(
            format!("{:<title_w$}", fit(check.title(), title_w)),
            if n > 0 { t.text } else { t.muted },
        ),
        Span::styled(format!("{count:>6}"), style),
    ])
}

fn finding_line(f: &Finding, w: usize, t: &Theme) -> Line<'static> {
    let text_w = w.saturating_sub(4 + 7);
    Line::from(vec![
        Span::raw("    "),
        Span::styled(
            format!("{:<7}", f.severity.as_str()),
            severity_style(f.severity, t),
        ),
        Span::styled(fit(&f.object.to_string(), text_w), t.text),
    ])
}

fn render_detail(model: &Model, t: &Theme, area: Rect, buf: &mut Buffer) {
    let rule = "─".repeat(area.width as usize);
    let mut lines = vec![Line::styled(rule, t.border)];
    match model.selected() {
        Some(Row::Finding(i)) => {
            let f = &model.findings()[i];
            lines.push(Line::from(vec![
                Span::styled(f.object.to_string(), t.title),
                Span::styled(
                    format!("  {} · {}", f.severity.as_str(), f.check.id()),
                    severity_style(f.severity, t),
                ),
            ]));
            for e in &f.evidence {
                lines.push(Line::styled(format!("  {e}"), t.info));
            }
            lines.push(Line::from(vec![
                Span::styled("why  ", t.muted),
                Span::styled(f.message.clone(), t.text),
            ]));
            lines.push(Line::from(vec![
                Span::styled("fix  ", t.muted),
                Span::styled(f.fix.clone(), t.ok),
            ]));
        }
        Some(Row::Check(check)) => {
            let n = model.count(check);
            let what = match n {
                0 if model.last.is_none() => "waiting for the audit".to_string(),
                0 => "none: nothing found".to_string(),
                n if model.open.contains(&check) => {
                    format!("{n} found: move down to one to see its fields and the fix")
                }
                n => format!("{n} found: Enter lists them"),
            };
            lines.push(Line::styled(
                format!("{} ({})", check.title(), check.id()),
                t.title,
            ));
            lines.push(Line::styled(what, t.muted));
        }
        None => {}
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

fn render_alerts(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    if area.height == 0 || area.width < 10 {
        return;
    }
    let x = area.x + 1;
    let w = area.width.saturating_sub(1);
    let mut lines = vec![Line::styled("Security alerts (KPIs)", t.title)];
    let security: Vec<_> = v
        .kpis
        .entries()
        .iter()
        .filter(|e| e.def.group == Group::Security)
        .collect();
    if security.is_empty() {
        lines.push(Line::styled("no security KPI configured", t.muted));
    }
    let title_w = (w as usize).saturating_sub(2 + 11 + 6);
    for e in &security {
        let style = match e.state {
            KpiState::Alert => t.crit,
            KpiState::Warn => t.warn,
            KpiState::Ok => t.ok,
            KpiState::Stale | KpiState::Error => t.stale,
        };
        lines.push(Line::from(vec![
            Span::styled("● ", style),
            Span::styled(format!("{:<title_w$}", fit(&e.def.title, title_w)), t.text),
            Span::styled(format!("{:>11}", e.value_text()), style),
            Span::styled(format!(" {:<5}", e.state.as_str()), style),
        ]));
    }
    let runbooks: Vec<&str> = security
        .iter()
        .filter_map(|e| e.def.runbook.as_deref())
        .collect();
    let firing: Vec<_> = v
        .kpis
        .alerts
        .iter()
        .filter(|a| runbooks.contains(&a.name.as_str()))
        .collect();
    lines.push(Line::raw(""));
    if firing.is_empty() {
        lines.push(Line::styled("no security alert firing", t.muted));
    }
    for a in firing {
        let style = if a.state == AlertState::Firing {
            t.crit
        } else {
            t.warn
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", a.state.as_str()), style),
            Span::styled(a.name.clone(), t.text),
        ]));
    }
    for (i, line) in lines.iter().take(area.height as usize).enumerate() {
        set_line(buf, x, area.y + i as u16, line, w);
    }
}
