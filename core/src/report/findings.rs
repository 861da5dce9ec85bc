//! Findings and errors as text, the one way netfence prints them (validate, lint, review):
//! `severity[ID] message`, the location with the source line and a caret under the column when
//! the input's text is known, then the resource, help, fix and related places.
//!
//! ```text
//! error[NF018] port `70000` is out of range
//!   --> shop.yaml:9:15 (/spec/ingress/0/ports/0/port)
//!    |
//!  9 |     - ports: [{port: 70000}]
//!    |               ^
//!    = in: NetworkPolicy shop/web
//!    = help: use a port number from 1 to 65535, or a named port
//! ```

use std::fmt::Write as _;

use super::{SourceTexts, one_line};
use crate::error::ErrorPayload;
use crate::inventory::ResourceCounts;
use crate::model::{Finding, Severity, Warning};

pub(crate) const RED: &str = "31";
pub(crate) const YELLOW: &str = "33";
const BLUE: &str = "34";
pub(crate) const GREEN: &str = "32";
pub(crate) const BOLD: &str = "1";
const DIM: &str = "2";

/// ANSI colours, or none.
pub(crate) struct Painter(pub(crate) bool);

impl Painter {
    pub(crate) fn paint(&self, code: &str, text: &str) -> String {
        if self.0 { format!("\u{1b}[{code}m{text}\u{1b}[0m") } else { text.to_owned() }
    }

    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Error => RED,
            Severity::Warning => YELLOW,
            Severity::Info => BLUE,
        }
    }
}

/// A document that could not be read: `error[NF-E…]: message`, where, and help.
pub(crate) fn error(out: &mut String, e: &ErrorPayload, sources: &SourceTexts<'_>, p: &Painter) {
    let _ = writeln!(out, "{}: {}", p.paint(RED, &format!("error[{}]", e.code.as_str())), one_line(&e.message));
    if let Some(location) = &e.location {
        let _ = writeln!(out, "  --> {location}");
        excerpt(out, sources, location.file.as_str(), location.line, location.column, p);
    }
    if let Some(help) = &e.help {
        let _ = writeln!(out, "   = help: {}", one_line(help));
    }
}

/// An error on its own (what the command line prints before exiting), without source text.
#[must_use]
pub fn error_text(e: &ErrorPayload) -> String {
    let mut out = String::new();
    error(&mut out, e, &SourceTexts::default(), &Painter(false));
    out
}

/// One finding: `severity[ID] message` (with ` (new)` when `new`), its location with the source
/// line and a caret (when the text is known), then the resource, help, fix and related places.
pub(crate) fn finding(out: &mut String, finding: &Finding, new: bool, sources: &SourceTexts<'_>, p: &Painter) {
    let head =
        p.paint(&format!("{BOLD};{}", p.severity(finding.severity)), &format!("{}[{}]", finding.severity, finding.id));
    let new = if new { format!(" {}", p.paint(BOLD, "(new)")) } else { String::new() };
    let _ = writeln!(out, "{head} {}{new}", one_line(&finding.message));
    if let Some(l) = &finding.location {
        let pointer = if l.pointer.is_empty() { String::new() } else { format!(" ({})", l.pointer) };
        let _ = writeln!(out, "  --> {}{}", one_line(&l.to_string()), one_line(&pointer));
        excerpt(out, sources, &l.file, l.line, l.column, p);
    }
    if let Some(r) = &finding.resource {
        let _ = writeln!(out, "   = in: {}", one_line(r));
    }
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "   = help: {}", one_line(help));
    }
    if let Some(fix) = &finding.fix {
        let mut lines = fix.trim_end().lines();
        let _ = writeln!(out, "   = fix: {}", lines.next().unwrap_or_default());
        for line in lines {
            let _ = writeln!(out, "          {line}");
        }
    }
    for related in &finding.related {
        let _ = writeln!(out, "   = see: {}", one_line(&related.to_string()));
    }
    out.push('\n');
}

/// The source line `line` of `file` with a caret under `column`, when the text is known.
pub(crate) fn excerpt(out: &mut String, sources: &SourceTexts<'_>, file: &str, line: u32, column: u32, p: &Painter) {
    let Some(text) = sources.get(file).and_then(|t| t.lines().nth((line as usize).checked_sub(1)?)) else { return };
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    let bar = p.paint(DIM, "|");
    let text = text.replace('\t', " ");
    let prefix = " ".repeat(text.chars().take((column as usize).saturating_sub(1)).count());
    let _ = writeln!(out, " {gutter} {bar}");
    let _ = writeln!(out, " {} {bar} {}", p.paint(DIM, &number), one_line(text.trim_end()));
    let _ = writeln!(out, " {gutter} {bar} {prefix}{}", p.paint(BOLD, "^"));
}

/// The documents that could not be read, then the findings, each followed by an empty line.
fn findings_and_errors(
    findings: &[Finding],
    errors: &[ErrorPayload],
    sources: &SourceTexts<'_>,
    color: bool,
) -> String {
    let p = Painter(color);
    let mut out = String::new();
    for e in errors {
        error(&mut out, e, sources, &p);
        out.push('\n');
    }
    for f in findings {
        finding(&mut out, f, false, sources, &p);
    }
    out
}

/// `validate` as text: the unreadable documents, the findings, and a summary line.
#[must_use]
pub fn validate_text(
    findings: &[Finding],
    errors: &[ErrorPayload],
    counts: &ResourceCounts,
    sources: &SourceTexts<'_>,
    color: bool,
) -> String {
    let mut out = findings_and_errors(findings, errors, sources, color);
    let failing = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let _ = writeln!(
        out,
        "{} network policies{} checked: {} findings ({failing} errors), {} unreadable documents",
        counts.policies,
        cluster_scoped(counts),
        findings.len(),
        errors.len()
    );
    out
}

/// ` and N cluster-scoped policies` when the input has some.
fn cluster_scoped(counts: &ResourceCounts) -> String {
    match counts.cluster_policies {
        0 => String::new(),
        n => format!(" and {n} cluster-scoped policies"),
    }
}

/// `lint` as text: the unreadable documents, the findings, and a summary line.
#[must_use]
pub fn lint_text(
    findings: &[Finding],
    errors: &[ErrorPayload],
    counts: &ResourceCounts,
    sources: &SourceTexts<'_>,
    color: bool,
) -> String {
    let mut out = findings_and_errors(findings, errors, sources, color);
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "{} network policies{}, {} workloads, {} pods checked: {} findings ({} errors, {} warnings, {} info), {} unreadable documents",
        counts.policies,
        cluster_scoped(counts),
        counts.workloads,
        counts.pods,
        findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        errors.len()
    );
    out
}

/// The warnings of an answer, each as `warning[NF-W…]: message` with where and help, then an
/// empty line: what the top of a text answer shows when it may be incomplete.
#[must_use]
pub fn warnings_text(warnings: &[Warning]) -> String {
    let mut out = String::new();
    for w in warnings {
        let _ = writeln!(out, "warning[{}]: {}", w.code.as_str(), one_line(&w.message));
        if let Some(location) = &w.location {
            let _ = writeln!(out, "  --> {location}");
        }
        if let Some(help) = &w.help {
            let _ = writeln!(out, "   = help: {}", one_line(help));
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// `text` with the warnings above it, in the comment syntax of the format (`# `, `// `, `%% `;
/// `> ` quotes them in markdown; empty: plain text).
#[must_use]
pub fn with_warnings(text: String, warnings: &[Warning], comment: &str) -> String {
    if warnings.is_empty() {
        return text;
    }
    let block = warnings_text(warnings);
    let mut out = String::with_capacity(block.len() + text.len() + 64);
    for line in block.lines() {
        if comment.is_empty() || line.is_empty() && comment != "> " {
            out.push_str(line);
        } else {
            out.push_str(comment);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(&text);
    out
}
