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

use crate::report::SourceTexts;
use crate::report::findings::{BOLD, GREEN, Painter, RED, YELLOW, error, finding};
use crate::report::one_line;
use crate::review::{Review, ReviewFinding, Verdict, plural};

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
        out.push('\n');
        error(&mut out, e, sources, &p);
    }
    let mut by_file: BTreeMap<Option<&str>, Vec<&ReviewFinding>> = BTreeMap::new();
    for f in &response.findings {
        by_file.entry(f.finding.location.as_ref().map(|l| l.file.as_str())).or_default().push(f);
    }
    for (file, findings) in by_file {
        let _ = write!(out, "\n{}\n\n", p.paint(BOLD, &one_line(file.unwrap_or("(no location)"))));
        for f in findings {
            finding(&mut out, &f.finding, f.new == Some(true), sources, &p);
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
