//! The audit as text (the seed's report layout: a title, sections per check, "none" where a
//! check finds nothing), JSON (an array of findings) and Markdown.

use serde::Serialize;

use super::{Check, Finding, Severity};

/// The seed's title line and its underline.
const TITLE: &str = "KubeChat Security Audit Report";
const UNDERLINE: &str = "===========================================";

/// `4 findings (3 high, 1 medium, 0 low)`.
pub fn summary(findings: &[Finding]) -> String {
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    format!(
        "{} finding{} ({} high, {} medium, {} low)",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        n(Severity::High),
        n(Severity::Medium),
        n(Severity::Low)
    )
}

fn of(findings: &[Finding], check: Check) -> impl Iterator<Item = &Finding> {
    findings.iter().filter(move |f| f.check == check)
}

/// The text report. `date` is `YYYYMMDD` (the seed's `$AUDIT_DATE`), `scope` says where.
pub fn text(findings: &[Finding], date: &str, scope: &str) -> String {
    let mut out = format!("{TITLE} - {date}\n{UNDERLINE}\n");
    for (i, check) in Check::ALL.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(check.title());
        out.push_str(":\n");
        let mut any = false;
        for f in of(findings, *check) {
            any = true;
            out.push_str(&format!(
                "{:<6}  {}: {}\n        fix: {}\n",
                f.severity.as_str(),
                f.object,
                f.message,
                f.fix
            ));
        }
        if !any {
            out.push_str("none\n");
        }
    }
    out.push_str(&format!("\n{} in {scope}\n", summary(findings)));
    out
}

/// What JSON gives of a finding.
#[derive(Serialize)]
struct JsonFinding<'a> {
    check: &'static str,
    severity: Severity,
    object: &'a super::ObjectRef,
    message: &'a str,
    fix: &'a str,
    evidence: &'a [String],
}

/// A JSON array of findings: check, severity, object {kind, namespace, name, container},
/// message, fix, evidence.
pub fn json(findings: &[Finding]) -> String {
    let rows: Vec<JsonFinding> = findings
        .iter()
        .map(|f| JsonFinding {
            check: f.check.id(),
            severity: f.severity,
            object: &f.object,
            message: &f.message,
            fix: &f.fix,
            evidence: &f.evidence,
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into())
}

/// `|` and newlines would break a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Markdown: a heading per check with a table of its findings ("none" when empty).
pub fn markdown(findings: &[Finding], date: &str, scope: &str) -> String {
    let mut out = format!("# {TITLE} - {date}\n\n{} in {scope}.\n", summary(findings));
    for check in Check::ALL {
        out.push_str(&format!("\n## {} (`{}`)\n\n", check.title(), check.id()));
        let mut rows = of(findings, *check).peekable();
        if rows.peek().is_none() {
            out.push_str("none\n");
            continue;
        }
        out.push_str("| severity | object | why it matters | fix |\n|---|---|---|---|\n");
        for f in rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                f.severity.as_str(),
                cell(&f.object.to_string()),
                cell(&f.message),
                cell(&f.fix)
            ));
        }
    }
    out
}
