//! Text renderings for the terminal.

use std::fmt::Write;

use netfence::api::{ParseResponse, ValidateResponse};
use netfence::model::Finding;
use netfence::{Error, ErrorPayload};

/// An error as `error[NF-E002]: message` with location and help.
pub fn error_text(e: &Error) -> String {
    payload_text(&e.payload())
}

fn payload_text(e: &ErrorPayload) -> String {
    let mut out = format!("error[{}]: {}", e.code, e.message);
    if let Some(loc) = &e.location {
        let _ = write!(out, "\n  --> {loc}");
    }
    if let Some(help) = &e.help {
        let _ = write!(out, "\n  help: {help}");
    }
    out
}

fn finding_text(f: &Finding, out: &mut String) {
    let _ = write!(out, "{}[{}]: {}", f.severity, f.id, f.message);
    if let Some(loc) = &f.location {
        let _ = write!(out, "\n  --> {loc}");
        if !loc.pointer.is_empty() {
            let _ = write!(out, " ({})", loc.pointer);
        }
    }
    if let Some(r) = &f.resource {
        let _ = write!(out, "\n  in: {r}");
    }
    if let Some(help) = &f.help {
        let _ = write!(out, "\n  help: {help}");
    }
    if let Some(fix) = &f.fix {
        let _ = write!(out, "\n  fix: {}", fix.trim_end());
    }
    out.push('\n');
}

/// `netfence parse` as text.
pub fn parse_text(r: &ParseResponse) -> String {
    let mut out = String::new();
    for res in &r.resources {
        let ns = if res.namespace.is_empty() { String::new() } else { format!("{}/", res.namespace) };
        let _ = writeln!(out, "{:<22} {ns}{}  ({})", res.kind, res.name, res.location);
    }
    for (kind, count) in &r.counts.skipped {
        let _ = writeln!(out, "skipped {count} × {kind}");
    }
    for e in &r.errors {
        let _ = writeln!(out, "{}", payload_text(e));
    }
    let c = &r.counts;
    let _ = writeln!(
        out,
        "{} namespaces, {} workloads, {} pods, {} services, {} network policies; {} unreadable documents",
        c.namespaces,
        c.workloads,
        c.pods,
        c.services,
        c.policies,
        r.errors.len()
    );
    out
}

/// `netfence validate` as text.
pub fn validate_text(r: &ValidateResponse) -> String {
    let mut out = String::new();
    for e in &r.errors {
        let _ = writeln!(out, "{}", payload_text(e));
    }
    for f in &r.findings {
        finding_text(f, &mut out);
    }
    let errors = r.findings.iter().filter(|f| f.severity == netfence::model::Severity::Error).count();
    let _ = writeln!(
        out,
        "{} network policies checked: {} findings ({errors} errors), {} unreadable documents",
        r.counts.policies,
        r.findings.len(),
        r.errors.len()
    );
    out
}
