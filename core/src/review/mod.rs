//! Review of a change: the verdict and its thresholds (`netfence.yaml`), which findings a
//! change introduces, and the review's renderings — text for a terminal, JSON, SARIF 2.1.0 for
//! code scanning, markdown for a pull-request comment, and a change record for change control.
//!
//! [`crate::api::review`] runs the review; the renderers here are pure functions of its
//! request and response.
//!
//! ```
//! use netfence::api::{ReviewRequest, Source, review};
//! use netfence::review::Verdict;
//!
//! let base = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
//!             metadata: {name: deny, namespace: shop}\n\
//!             spec: {podSelector: {}, policyTypes: [Ingress]}\n";
//! let head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
//!             metadata: {name: deny, namespace: shop}\n\
//!             spec: {podSelector: {}, policyTypes: [Ingress], ingress: [{}]}\n";
//! let request = ReviewRequest::new(vec![Source::named("head.yaml", head)], Some(vec![Source::named("base.yaml", base)]));
//! let response = review(&request).unwrap();
//! assert_eq!(response.verdict, Verdict::Warn);
//! assert!(response.findings.iter().any(|f| f.finding.id == "NF403" && f.new == Some(true)));
//! ```

mod codequality;
mod config;
mod markdown;
mod record;
mod sarif;
mod text;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use codequality::code_quality;
pub use config::{
    CONFIG_API_VERSION, CONFIG_KIND, Config, ConfigApiVersion, ConfigKind, Level, Scope, Thresholds, config_schema,
    parse_config,
};
pub use markdown::markdown;
pub use record::{ChangeRecord, RecordedSide, RecordedSource, record, sha256};
pub use sarif::sarif;
pub use text::text;

use crate::api::{ReviewRequest, ReviewResponse};
use crate::diff::{ChangeKind, ConnectivityDiff};
use crate::error::{Error, ErrorCode};
use crate::model::{Finding, Severity};
use crate::requirements::RequirementResult;

/// The outcome of a review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing reaches a threshold.
    Pass,
    /// Findings reach `warnOn` but nothing fails.
    Warn,
    /// Findings reach `failOn`, a requirement fails or a document cannot be read.
    Fail,
}

impl Verdict {
    /// `pass`, `warn` or `fail`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }

    /// The CI exit code: 0 for pass and warn, 1 for fail.
    #[must_use]
    pub fn exit_code(self) -> u8 {
        u8::from(self == Self::Fail)
    }
}

/// A finding of the head, and whether the change introduces it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// With a base: whether the base lacks this finding (same id, resource and pointer; lines
    /// may move). Absent without a base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<bool>,
}

/// The counts of a review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewSummary {
    /// Findings of severity `error`.
    pub errors: usize,
    /// Findings of severity `warning`.
    pub warnings: usize,
    /// Findings of severity `info`.
    pub infos: usize,
    /// With a base: findings the change introduces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_findings: Option<usize>,
    /// With a base: findings of the base the change resolves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_findings: Option<usize>,
    /// With a base: connections added (opened), removed (closed) and changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_added: Option<usize>,
    /// With a base: connections removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_removed: Option<usize>,
    /// With a base: connections changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_changed: Option<usize>,
    /// Requirements that hold.
    pub requirements_passed: usize,
    /// Requirements that fail.
    pub requirements_failed: usize,
    /// Documents (of either side) that could not be read.
    pub unreadable: usize,
}

impl ReviewSummary {
    pub(crate) fn of(
        findings: &[ReviewFinding],
        resolved: &[Finding],
        diff: Option<&ConnectivityDiff>,
        requirements: &[RequirementResult],
        unreadable: usize,
    ) -> Self {
        let count = |s: Severity| findings.iter().filter(|f| f.finding.severity == s).count();
        Self {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            new_findings: diff.map(|_| findings.iter().filter(|f| f.new == Some(true)).count()),
            resolved_findings: diff.map(|_| resolved.len()),
            connections_added: diff.map(|d| d.count(ChangeKind::Added)),
            connections_removed: diff.map(|d| d.count(ChangeKind::Removed)),
            connections_changed: diff.map(|d| d.count(ChangeKind::Changed)),
            requirements_passed: requirements.iter().filter(|r| r.passed).count(),
            requirements_failed: requirements.iter().filter(|r| !r.passed).count(),
            unreadable,
        }
    }
}

/// The tool that made a review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// `netfence`.
    pub name: String,
    /// The netfence library version.
    pub version: String,
}

impl Tool {
    /// This build of netfence.
    #[must_use]
    pub fn current() -> Self {
        Self { name: "netfence".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() }
    }
}

/// The formats a review renders to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewFormat {
    /// Text for a terminal or a CI log, grouped by file, with source excerpts.
    Text,
    /// The response as JSON.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// Markdown for a pull-request comment.
    Markdown,
    /// A change record (JSON) for change control: content hashes, tool, verdict, findings, diff.
    Record,
    /// A GitLab code quality report (`artifacts:reports:codequality`).
    Codequality,
}

/// Renders a review in `format`.
///
/// # Errors
/// `NF-E030` when JSON cannot be encoded.
pub fn render(
    format: ReviewFormat,
    request: &ReviewRequest,
    response: &ReviewResponse,
    color: bool,
) -> Result<String, Error> {
    match format {
        ReviewFormat::Text => Ok(text(request, response, color)),
        ReviewFormat::Json => {
            let mut plain = response.clone();
            plain.rendered = None;
            to_json(&plain)
        }
        ReviewFormat::Sarif => to_json(&sarif(request, response)),
        ReviewFormat::Markdown => Ok(markdown(response)),
        ReviewFormat::Record => to_json(&record(request, response)),
        ReviewFormat::Codequality => to_json(&code_quality(request, response)),
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
        .map(|s| crate::util::pretty_json(&s) + "\n")
        .map_err(|e| Error::new(ErrorCode::Output, format!("cannot encode the review: {e}")))
}

/// What identifies a finding across base and head: id, resource and pointer (lines move);
/// the message stands in for a finding without a resource or pointer.
fn identity(f: &Finding) -> (String, Option<String>, String) {
    let pointer = f.location.as_ref().map(|l| l.pointer.clone()).unwrap_or_default();
    let (resource, pointer) = match (&f.resource, pointer.is_empty()) {
        (Some(r), false) => (Some(r.clone()), pointer),
        (r, _) => (r.clone(), format!("{pointer}\u{0}{}", f.message)),
    };
    (f.id.clone(), resource, pointer)
}

/// Marks the head findings the base lacks as new (a finding occurring more often in the head
/// than in the base counts the excess as new), and returns the base findings the head lacks.
#[must_use]
pub fn mark_new(head: Vec<Finding>, base: &[Finding]) -> (Vec<ReviewFinding>, Vec<Finding>) {
    let mut remaining: BTreeMap<(String, Option<String>, String), Vec<&Finding>> = BTreeMap::new();
    for f in base {
        remaining.entry(identity(f)).or_default().push(f);
    }
    let marked = head
        .into_iter()
        .map(|finding| {
            let known = remaining.get_mut(&identity(&finding)).and_then(Vec::pop).is_some();
            ReviewFinding { finding, new: Some(!known) }
        })
        .collect();
    let resolved = remaining.into_values().flatten().cloned().collect();
    (marked, resolved)
}

/// The verdict and the reasons for it.
#[must_use]
pub fn verdict(
    thresholds: &Thresholds,
    findings: &[ReviewFinding],
    requirements: &[RequirementResult],
    unreadable: usize,
    newly_denied: usize,
) -> (Verdict, Vec<String>) {
    let counted: Vec<&Finding> = findings
        .iter()
        .filter(|f| thresholds.scope == Scope::All || f.new != Some(false))
        .map(|f| &f.finding)
        .collect();
    let scope = if thresholds.scope == Scope::New && findings.iter().any(|f| f.new.is_some()) { "new " } else { "" };
    let mut fail = Vec::new();
    let failing = counted.iter().filter(|f| thresholds.fail_on.reached_by(f.severity)).count();
    if failing > 0 {
        fail.push(format!(
            "{failing} {scope}{} at or above `{}` (`failOn`)",
            plural(failing, "finding"),
            thresholds.fail_on.as_str()
        ));
    }
    let mut already_failing = Vec::new();
    if thresholds.fail_on_requirements {
        for r in requirements.iter().filter(|r| !r.passed) {
            if thresholds.scope == Scope::New && r.new == Some(false) {
                already_failing.push(format!("requirement `{}` fails on the base too: {}", r.name, r.message));
            } else {
                fail.push(format!("requirement `{}` fails: {}", r.name, r.message));
            }
        }
    }
    if thresholds.fail_on_unreadable && unreadable > 0 {
        fail.push(format!("{unreadable} {} could not be read", plural(unreadable, "document")));
    }
    let denied_reason = (newly_denied > 0).then(|| {
        let option = if thresholds.fail_on_newly_denied { " (`failOnNewlyDenied`)" } else { "" };
        format!("{newly_denied} observed {} newly denied by the change{option}", plural(newly_denied, "flow"))
    });
    if thresholds.fail_on_newly_denied
        && let Some(reason) = &denied_reason
    {
        fail.push(reason.clone());
    }
    if !fail.is_empty() {
        return (Verdict::Fail, fail);
    }
    let warning = counted.iter().filter(|f| thresholds.warn_on.reached_by(f.severity)).count();
    let mut warn: Vec<String> = Vec::new();
    if warning > 0 {
        warn.push(format!(
            "{warning} {scope}{} at or above `{}` (`warnOn`)",
            plural(warning, "finding"),
            thresholds.warn_on.as_str()
        ));
    }
    warn.extend(already_failing);
    warn.extend(denied_reason);
    if warn.is_empty() { (Verdict::Pass, Vec::new()) } else { (Verdict::Warn, warn) }
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 { word.to_owned() } else { format!("{word}s") }
}

/// Every rule a finding may come from: `(id, name, default severity, summary, documentation
/// page under docs/, full docs markdown)`, validation rules first, in id order.
pub(crate) fn rules() -> Vec<RuleInfo> {
    let mut out: Vec<RuleInfo> = crate::validate::RULES
        .iter()
        .map(|r| RuleInfo {
            id: r.id,
            name: r.name,
            severity: r.severity,
            summary: r.summary,
            page: "docs/validation-rules.md".to_owned(),
            docs: None,
            category: "validation",
        })
        .collect();
    let checks = crate::checks::CHECKS.iter().map(|c| (&c.meta, c.docs));
    let change = crate::checks::change::CHANGE_CHECKS.iter().map(|c| (&c.meta, c.docs));
    for (meta, docs) in checks.chain(change) {
        out.push(RuleInfo {
            id: meta.id,
            name: meta.name,
            severity: meta.severity,
            summary: meta.summary,
            page: format!("docs/checks/{}.md", meta.id),
            docs: Some(docs),
            category: meta.category.as_str(),
        });
    }
    out
}

/// A rule's metadata, whatever registry it comes from.
pub(crate) struct RuleInfo {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) severity: Severity,
    pub(crate) summary: &'static str,
    pub(crate) page: String,
    pub(crate) docs: Option<&'static str>,
    pub(crate) category: &'static str,
}
