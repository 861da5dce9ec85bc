//! The review as text for a terminal or a CI log: the verdict and its reasons, findings grouped
//! by file with the source line and a caret under the column, what the change resolves, the
//! connectivity diff, requirement results, and a summary line.
//!
//! ```text
//! netfence review: warn
//!   - 1 finding at or above `warning` (`warnOn`)
//!
//! head/policies.yaml
//! warning[NF401] this rule newly lets addresses outside the cluster reach `shop/api[Deployment]`: ... (new)
//!   --> head/policies.yaml:9:5 (/spec/ingress/0)
//!    |
//!  9 |   - from: [{ipBlock: {cidr: 0.0.0.0/0}}]
//!    |     ^
//!    = in: NetworkPolicy shop/api-ingress
//!    = help: make sure the path is intended; otherwise narrow the ipBlock to the addresses that need it
//! ```
//!
//! Colour (ANSI) only when asked: the caller knows whether the output is a terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::SourceTexts;
use crate::model::Severity;
use crate::report::one_line;
use crate::review::{Review, ReviewFinding, Verdict, plural};

const RED: &str = "31";
const YELLOW: &str = "33";
const BLUE: &str = "34";
const GREEN: &str = "32";
const BOLD: &str = "1";
const DIM: &str = "2";

struct Painter(bool);

impl Painter {
    fn paint(&self, code: &str, text: &str) -> String {
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

/// The review as text; `color` adds ANSI colours.
#[must_use]
pub fn text(review: &Review, sources: &SourceTexts<'_>, color: bool) -> String {
    let response = review;
    let p = Painter(color);
    let verdict_colour = match response.verdict {
        Verdict::Pass => GREEN,
        Verdict::Warn => YELLOW,
        Verdict::Fail => RED,
    };
    let mut out =
        format!("netfence review: {}\n", p.paint(&format!("{BOLD};{verdict_colour}"), response.verdict.as_str()));
    for reason in &response.reasons {
        let _ = writeln!(out, "  - {}", one_line(reason));
    }
    for e in response.errors.iter().chain(&response.base_errors) {
        let _ = write!(out, "\n{}: {}\n", p.paint(RED, &format!("error[{}]", e.code.as_str())), one_line(&e.message));
        if let Some(location) = &e.location {
            let _ = writeln!(out, "  --> {location}");
            excerpt(&mut out, sources, location.file.as_str(), location.line, location.column, &p);
        }
        if let Some(help) = &e.help {
            let _ = writeln!(out, "   = help: {}", one_line(help));
        }
    }
    let mut by_file: BTreeMap<Option<&str>, Vec<&ReviewFinding>> = BTreeMap::new();
    for f in &response.findings {
        by_file.entry(f.finding.location.as_ref().map(|l| l.file.as_str())).or_default().push(f);
    }
    for (file, findings) in by_file {
        let _ = write!(out, "\n{}\n\n", p.paint(BOLD, &one_line(file.unwrap_or("(no location)"))));
        for f in findings {
            finding(&mut out, f, sources, &p);
        }
    }
    if !response.resolved.is_empty() {
        let _ = write!(out, "\n{}\n", p.paint(BOLD, "resolved by the change"));
        for f in &response.resolved {
            let what = f.resource.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {}{}",
                p.paint(GREEN, &format!("✓ {}[{}]", f.severity, f.id)),
                one_line(&f.message),
                one_line(&what)
            );
        }
    }
    if let Some(diff) = &response.diff {
        out.push('\n');
        out.push_str(&crate::report::diff::text(diff));
    }
    if let Some(flows) = &response.flows {
        let _ = write!(out, "\n{}\n", p.paint(BOLD, "observed traffic"));
        let r = &flows.ingest;
        let _ = writeln!(out, "{} records, {} flows read", r.records, r.tuples);
        out.push_str(&crate::report::flows::impact_text(&flows.impact));
    }
    if !response.requirements.is_empty() {
        let _ = write!(out, "\n{}\n", p.paint(BOLD, "requirements"));
        out.push_str(&crate::report::requirements::text(&response.requirements));
    }
    let s = &response.summary;
    let mut line = format!(
        "\n{} {}, {} {}, {} {}",
        s.errors,
        plural(s.errors, "error"),
        s.warnings,
        plural(s.warnings, "warning"),
        s.infos,
        plural(s.infos, "info")
    );
    if let (Some(new), Some(resolved)) = (s.new_findings, s.resolved_findings) {
        let _ = write!(line, " ({new} new, {resolved} resolved)");
    }
    if let (Some(a), Some(r), Some(c)) = (s.connections_added, s.connections_removed, s.connections_changed) {
        let _ = write!(line, "; connections {a} added, {r} removed, {c} changed");
    }
    if !response.requirements.is_empty() {
        let _ = write!(
            line,
            "; requirements {} of {} pass",
            s.requirements_passed,
            s.requirements_passed + s.requirements_failed
        );
    }
    if s.unreadable > 0 {
        let _ = write!(line, "; {} unreadable {}", s.unreadable, plural(s.unreadable, "document"));
    }
    let _ = writeln!(out, "{line}");
    let _ = writeln!(
        out,
        "verdict: {} (exit {})",
        p.paint(&format!("{BOLD};{verdict_colour}"), response.verdict.as_str()),
        response.exit_code
    );
    out
}

fn finding(out: &mut String, f: &ReviewFinding, sources: &SourceTexts<'_>, p: &Painter) {
    let finding = &f.finding;
    let head =
        p.paint(&format!("{BOLD};{}", p.severity(finding.severity)), &format!("{}[{}]", finding.severity, finding.id));
    let new = if f.new == Some(true) { format!(" {}", p.paint(BOLD, "(new)")) } else { String::new() };
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
fn excerpt(out: &mut String, sources: &SourceTexts<'_>, file: &str, line: u32, column: u32, p: &Painter) {
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
