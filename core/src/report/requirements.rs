//! Requirement results as text for a terminal or a CI log.
//!
//! ```text
//! PASS frontend reaches the api on http (requirements.yaml:5:5)
//!      1 pair checked, all allow TCP http
//! FAIL nothing outside reaches postgres (requirements.yaml:22:5)
//!      `0.0.0.0-255.255.255.255` can reach `data/postgres[StatefulSet]` on TCP 5432 (1 of 1 pairs fail)
//!      help: see the explanation for the rules that allow it; isolate the destination or narrow them
//!      0.0.0.0-255.255.255.255 => data/postgres[StatefulSet]
//!      ...
//!
//! 1 of 2 requirements pass
//! ```

use std::fmt::Write as _;

use crate::report::explanation_text;
use crate::requirements::RequirementResult;

/// One block per requirement (verdict, name, location, what was found, and for a failure the
/// help and the explanation of the counterexample), then a summary line.
#[must_use]
pub fn text(results: &[RequirementResult]) -> String {
    let mut out = String::new();
    for result in results {
        let verdict = if result.passed { "PASS" } else { "FAIL" };
        let since = match result.new {
            Some(true) => " [new: holds on the base]",
            Some(false) => " [fails on the base too]",
            None => "",
        };
        let _ = writeln!(out, "{verdict} {} ({}){since}", one_line(&result.name), result.location);
        let _ = writeln!(out, "     {}", one_line(&result.message));
        if result.passed {
            continue;
        }
        if let Some(help) = &result.help {
            let _ = writeln!(out, "     help: {}", one_line(help));
        }
        if let Some(explanation) = result.counterexample.as_ref().and_then(|c| c.explanation.as_ref()) {
            for line in explanation_text(explanation).lines() {
                let _ = writeln!(out, "     {line}");
            }
        }
    }
    let passed = results.iter().filter(|r| r.passed).count();
    let noun = if results.len() == 1 { "requirement" } else { "requirements" };
    let _ = writeln!(out, "\n{passed} of {} {noun} pass", results.len());
    out
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}
