//! What `parse` read, as text: one line per resource with where it starts, the kinds skipped,
//! the documents that could not be read, and the counts.

use std::fmt::Write as _;

use super::findings::error_text;
use crate::error::ErrorPayload;
use crate::inventory::{ResourceCounts, ResourceSummary};

/// `parse` as text.
#[must_use]
pub fn parse_text(resources: &[ResourceSummary], counts: &ResourceCounts, errors: &[ErrorPayload]) -> String {
    let mut out = String::new();
    for res in resources {
        let ns = if res.namespace.is_empty() { String::new() } else { format!("{}/", res.namespace) };
        let _ = writeln!(out, "{:<22} {ns}{}  ({})", res.kind, res.name, res.location);
    }
    for (kind, count) in &counts.skipped {
        let _ = writeln!(out, "skipped {count} × {kind}");
    }
    for e in errors {
        out.push_str(&error_text(e));
    }
    let _ = writeln!(
        out,
        "{} namespaces, {} workloads, {} pods, {} services, {} network policies; {} unreadable documents",
        counts.namespaces,
        counts.workloads,
        counts.pods,
        counts.services,
        counts.policies,
        errors.len()
    );
    out
}
