//! Text renderings for the terminal.

use std::fmt::Write;

use netfence::api::{LintResponse, ParseResponse, ValidateResponse};
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
        let _ = write!(out, "\n  help: {}", cli_help(help));
    }
    out
}

/// The parse options that the command line sets with a flag.
const LIMIT_FLAGS: &[(&str, &str)] =
    &[("maxInputBytes", "--max-input-bytes"), ("maxDocuments", "--max-documents"), ("maxNodes", "--max-nodes")];

/// A help text as it applies on the command line: "raise `maxNodes` in the parse options"
/// names the flag instead, and a limit without a flag says so.
fn cli_help(help: &str) -> String {
    const OPTIONS: &str = " in the parse options";
    let Some(end) = help.find(OPTIONS) else { return help.to_owned() };
    let before = help.get(..end).unwrap_or(help);
    let after = help.get(end + OPTIONS.len()..).unwrap_or_default();
    let option = before.rsplit('`').nth(1).unwrap_or_default();
    match LIMIT_FLAGS.iter().find(|(name, _)| *name == option) {
        Some((_, flag)) => {
            let before = before.strip_suffix(&format!("`{option}`")).unwrap_or(before);
            format!("{before}the limit with `{flag}`{after}")
        }
        None => format!("{before} (an API option; the command line keeps the default){after}"),
    }
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

/// The unreadable documents, then the findings.
fn findings_text(errors: &[ErrorPayload], findings: &[Finding]) -> String {
    let mut out = String::new();
    for e in errors {
        let _ = writeln!(out, "{}", payload_text(e));
    }
    for f in findings {
        finding_text(f, &mut out);
    }
    out
}

/// `netfence validate` as text.
pub fn validate_text(r: &ValidateResponse) -> String {
    let mut out = findings_text(&r.errors, &r.findings);
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

/// `netfence lint` as text.
pub fn lint_text(r: &LintResponse) -> String {
    use netfence::model::Severity;
    let mut out = findings_text(&r.errors, &r.findings);
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let c = &r.counts;
    let _ = writeln!(
        out,
        "{} network policies, {} workloads, {} pods checked: {} findings ({} errors, {} warnings, {} info), {} unreadable documents",
        c.policies,
        c.workloads,
        c.pods,
        r.findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        r.errors.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::cli_help;

    #[test]
    fn help_names_the_flag_that_raises_a_limit() {
        assert_eq!(
            cli_help("split the input, or raise `maxInputBytes` in the parse options"),
            "split the input, or raise the limit with `--max-input-bytes`"
        );
        assert_eq!(
            cli_help("simplify the document, or raise `maxNodes` in the parse options"),
            "simplify the document, or raise the limit with `--max-nodes`"
        );
        assert_eq!(
            cli_help("simplify the document, or raise `maxDepth` in the parse options"),
            "simplify the document, or raise `maxDepth` (an API option; the command line keeps the default)"
        );
        assert_eq!(cli_help("fix the YAML/JSON syntax"), "fix the YAML/JSON syntax");
    }
}
