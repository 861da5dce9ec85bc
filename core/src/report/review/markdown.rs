//! The review as markdown for a pull-request comment: the verdict and its reasons, a summary
//! table, the findings table (new ones first), what the change resolves, the connectivity diff
//! and the requirement results. Tables stop at [`ROWS`] rows so the comment stays within the
//! size a code host accepts.

use crate::sorted::CompactSort;
use std::fmt::Write as _;

use crate::report::diff::markdown_text as md;
use crate::review::{Review, ReviewFinding, Verdict};

/// The most rows a table of the comment shows.
pub const ROWS: usize = 100;

/// The review as markdown.
#[must_use]
pub fn markdown(response: &Review) -> String {
    let badge = match response.verdict {
        Verdict::Pass => "✅ pass",
        Verdict::Warn => "⚠️ warn",
        Verdict::Fail => "❌ fail",
    };
    let mut out = format!("## netfence review: {badge}\n\n");
    for reason in &response.reasons {
        let _ = writeln!(out, "- {}", md(reason));
    }
    if !response.reasons.is_empty() {
        out.push('\n');
    }
    let s = &response.summary;
    let opt = |n: Option<usize>| n.map_or_else(|| "–".to_owned(), |n| n.to_string());
    let requirements = if response.requirements.is_empty() {
        "–".to_owned()
    } else {
        format!("{} of {} pass", s.requirements_passed, s.requirements_passed + s.requirements_failed)
    };
    out.push_str("| errors | warnings | infos | new | resolved | opened | closed | changed | requirements |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {requirements} |",
        s.errors,
        s.warnings,
        s.infos,
        opt(s.new_findings),
        opt(s.resolved_findings),
        opt(s.connections_added),
        opt(s.connections_removed),
        opt(s.connections_changed)
    );
    for e in response.errors.iter().chain(&response.base_errors) {
        let at = e.location.as_ref().map(|l| format!(" at {}", md(&l.to_string()))).unwrap_or_default();
        let _ = writeln!(out, "\n> **{}** {}{at}", e.code.as_str(), md(&e.message));
    }
    if !response.findings.is_empty() {
        let mut findings: Vec<&ReviewFinding> = response.findings.iter().collect();
        findings.sort_compact_by_key(|f| (f.new != Some(true), std::cmp::Reverse(f.finding.severity)));
        out.push_str(
            "\n### Findings\n\n| | severity | id | resource | location | message |\n|---|---|---|---|---|---|\n",
        );
        for f in findings.iter().take(ROWS) {
            let finding = &f.finding;
            let location = finding.location.as_ref().map(|l| md(&l.to_string())).unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {location} | {} |",
                if f.new == Some(true) { "**new**" } else { "" },
                finding.severity,
                finding.id,
                md(finding.resource.as_deref().unwrap_or("")),
                md(&finding.message)
            );
        }
        more(&mut out, findings.len());
    }
    if !response.resolved.is_empty() {
        out.push_str("\n### Resolved by the change\n\n| severity | id | resource | message |\n|---|---|---|---|\n");
        for f in response.resolved.iter().take(ROWS) {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                f.severity,
                f.id,
                md(f.resource.as_deref().unwrap_or("")),
                md(&f.message)
            );
        }
        more(&mut out, response.resolved.len());
    }
    if let Some(diff) = &response.diff {
        out.push('\n');
        out.push_str(&crate::report::diff::markdown(diff));
        exposure_changes(&mut out, &response.findings);
    }
    if let Some(flows) = &response.flows {
        observed(&mut out, flows);
    }
    if !response.requirements.is_empty() {
        out.push_str("\n### Requirements\n\n| result | requirement | location | detail |\n|---|---|---|---|\n");
        for r in response.requirements.iter().take(ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                match (r.passed, r.new) {
                    (true, _) => "✅ pass",
                    (false, Some(true)) => "❌ fail (new)",
                    (false, Some(false)) => "❌ fail (also on base)",
                    (false, None) => "❌ fail",
                },
                md(&r.name),
                md(&r.location.to_string()),
                md(&r.message)
            );
        }
        more(&mut out, response.requirements.len());
    }
    let _ = write!(out, "\n<sub>{} {}</sub>\n", response.tool.name, md(&response.tool.version));
    out
}

/// What the change newly exposes endpoints to beyond the input (the `NF405` findings), next
/// to the connectivity diff: the diff shows today's pods, this what the selectors admit.
fn exposure_changes(out: &mut String, findings: &[ReviewFinding]) {
    let widened: Vec<&ReviewFinding> = findings.iter().filter(|f| f.finding.id == "NF405").collect();
    if widened.is_empty() {
        return;
    }
    out.push_str("\n### Exposure changes\n\n| policy | what the change makes possible | rule |\n|---|---|---|\n");
    for f in widened.iter().take(ROWS) {
        let rule = f.finding.location.as_ref().map(|l| md(&l.to_string())).unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {rule} |",
            md(f.finding.resource.as_deref().unwrap_or("")),
            md(&f.finding.message)
        );
    }
    more(out, widened.len());
}

/// The impact on observed traffic: newly denied and newly allowed flows.
fn observed(out: &mut String, flows: &crate::review::ReviewFlows) {
    let i = &flows.impact;
    let _ = write!(
        out,
        "\n### Observed traffic\n\n{} records read; flows (protocol and port per endpoint pair): {} newly denied, \
         {} newly allowed, {} unchanged allowed, {} unchanged denied, {} not checked.\n",
        flows.ingest.records,
        i.newly_denied.iter().map(|g| g.flows.len()).sum::<usize>(),
        i.newly_allowed.iter().map(|g| g.flows.len()).sum::<usize>(),
        i.unchanged_allowed,
        i.unchanged_denied,
        i.unchecked
    );
    for (title, groups) in [("Newly denied (blast radius)", &i.newly_denied), ("Newly allowed", &i.newly_allowed)] {
        if groups.is_empty() {
            continue;
        }
        let _ = write!(out, "\n#### {title}\n\n| source | destination | port | connections |\n|---|---|---|---:|\n");
        let rows: Vec<String> = groups
            .iter()
            .flat_map(|g| {
                g.flows.iter().map(move |f| {
                    format!(
                        "| {} | {} | {}/{} | {} |",
                        md(&g.src),
                        md(&g.dst),
                        f.protocol,
                        f.port,
                        f.counts.connections
                    )
                })
            })
            .collect();
        for row in rows.iter().take(ROWS) {
            let _ = writeln!(out, "{row}");
        }
        more(out, rows.len());
    }
}

fn more(out: &mut String, total: usize) {
    if total > ROWS {
        let _ = writeln!(out, "\n… and {} more", total - ROWS);
    }
}
