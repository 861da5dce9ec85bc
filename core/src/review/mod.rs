//! Review of a change: the findings of a state (API validation and the review checks), the
//! verdict and its thresholds (`netfence.yaml`), which findings a change introduces, the
//! connectivity diff, requirement results and the impact on observed flows.
//!
//! [`review`] reviews a compiled head (and base); [`crate::api::review`] is its request form,
//! and the renderers (`crate::report::review`) are pure functions of the [`Review`].
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
//! assert_eq!(response.review.verdict, Verdict::Warn);
//! assert!(response.review.findings.iter().any(|f| f.finding.id == "NF403" && f.new == Some(true)));
//! ```

mod config;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use config::{
    CONFIG_API_VERSION, CONFIG_KIND, Config, ConfigApiVersion, ConfigKind, Level, Scope, Thresholds, config_schema,
    parse_config,
};

use crate::checks::change::{ChangeInput, run_change_checks};
use crate::diff::{ChangeKind, ConnectivityDiff};
use crate::engine::{CompiledCluster, ConnectionFilter};
use crate::error::{Error, ErrorPayload};
use crate::flows::impact::{Impact, measure_impact};
use crate::flows::{FlowLog, IngestReport};
use crate::inventory::ResourceSet;
use crate::model::{Completeness, Finding, Severity};
use crate::requirements::{RequirementResult, RequirementsFile, check as check_requirements};

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

/// A review: the verdict, its reasons, counts, the head's findings (marked new or not with a
/// base), what the change resolves, the connectivity diff, requirement results and the impact
/// on observed flows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    /// `pass`, `warn` or `fail`.
    pub verdict: Verdict,
    /// What a CI step exits with: 0 for pass and warn, 1 for fail.
    pub exit_code: u8,
    /// Why the verdict is not `pass`, one line each.
    pub reasons: Vec<String>,
    /// Counts.
    pub summary: ReviewSummary,
    /// Findings of the head (validation, checks, change-review checks), by file and line; with
    /// a base each says whether the change introduces it.
    pub findings: Vec<ReviewFinding>,
    /// With a base: findings of the base the change resolves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved: Vec<Finding>,
    /// With a base: what the change opens and closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<ConnectivityDiff>,
    /// With a requirements file: one result per requirement, on the head.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<RequirementResult>,
    /// Documents of the head that could not be read.
    pub errors: Vec<ErrorPayload>,
    /// Documents of the base that could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub base_errors: Vec<ErrorPayload>,
    /// The tool that made the review.
    pub tool: Tool,
    /// With flows and a base: the impact of the change on the observed traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flows: Option<ReviewFlows>,
    /// Whether the review is partial, and what may change it that was not evaluated (of
    /// either side).
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// The impact of a change on observed traffic, in a review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewFlows {
    /// The observed flows the change newly denies (blast radius) or newly allows.
    pub impact: Impact,
    /// What ingestion read.
    pub ingest: IngestReport,
}

/// One side of a review: the resources read and their compiled form.
#[derive(Clone, Copy)]
pub struct State<'a> {
    /// The resources (with the documents that could not be read).
    pub resources: &'a ResourceSet,
    /// The compiled cluster.
    pub cluster: &'a CompiledCluster,
}

/// What a review looks at.
#[derive(Clone, Copy)]
pub struct ReviewInput<'a> {
    /// The proposed state.
    pub head: State<'a>,
    /// The state before the change; without it there is no diff, no new-finding marks and no
    /// `NF4xx` checks.
    pub base: Option<State<'a>>,
    /// Requirements, checked on the head (and on the base, to tell new failures from old).
    pub requirements: Option<&'a RequirementsFile>,
    /// Checks, severities and thresholds.
    pub config: &'a Config,
    /// Observed flows; with a base, what the change does to them.
    pub flows: Option<&'a FlowLog>,
}

/// The findings of one state with the configuration's severities, by file and line: API
/// validation (`NF0xx`) and the enabled review checks. What `lint` reports, and what a review
/// reports for each side.
#[must_use]
pub fn lint(resources: &ResourceSet, cluster: &CompiledCluster, config: &Config) -> Vec<Finding> {
    let mut findings = state_findings(resources, cluster, config);
    for f in &mut findings {
        config.apply_severity(f);
    }
    crate::checks::sort_findings(&mut findings);
    findings
}

/// [`lint`] before the per-finding severities and the sort.
fn state_findings(resources: &ResourceSet, cluster: &CompiledCluster, config: &Config) -> Vec<Finding> {
    let mut findings = crate::validate::validate_resources(resources);
    findings.extend(crate::checks::run_checks(resources, cluster, &config.checks));
    findings
}

/// Reviews the head, and with a base the change.
#[must_use]
pub fn review(input: &ReviewInput<'_>) -> Review {
    let config = input.config;
    let head = input.head;
    let mut findings = state_findings(head.resources, head.cluster, config);
    let mut base_errors = Vec::new();
    let mut base_requirements: Option<Vec<RequirementResult>> = None;
    let mut compared = None;
    let mut flows = None;
    if let Some(base) = input.base {
        let diff = crate::diff::diff(base.cluster, head.cluster, &ConnectionFilter::default());
        let change = ChangeInput {
            base: base.resources,
            base_cluster: base.cluster,
            head: head.resources,
            head_cluster: head.cluster,
            diff: &diff,
        };
        findings.extend(run_change_checks(&change, &config.checks));
        let mut base_findings = state_findings(base.resources, base.cluster, config);
        for f in &mut base_findings {
            config.apply_severity(f);
        }
        base_errors = base.resources.errors.iter().map(Error::payload).collect();
        base_requirements = input.requirements.map(|file| check_requirements(base.cluster, base.resources, file));
        flows = input.flows.map(|log| ReviewFlows {
            impact: measure_impact(base.resources, base.cluster, head.cluster, log),
            ingest: log.report().clone(),
        });
        compared = Some((diff, base_findings));
    }
    for f in &mut findings {
        config.apply_severity(f);
    }
    crate::checks::sort_findings(&mut findings);
    let (findings, resolved, diff) = match compared {
        Some((diff, base_findings)) => {
            let (marked, resolved) = mark_new(findings, &base_findings);
            (marked, resolved, Some(diff))
        }
        None => (findings.into_iter().map(|finding| ReviewFinding { finding, new: None }).collect(), Vec::new(), None),
    };
    let mut requirements: Vec<RequirementResult> =
        input.requirements.map(|file| check_requirements(head.cluster, head.resources, file)).unwrap_or_default();
    // the same file on both sides: results correspond by position
    if let Some(base_results) = &base_requirements {
        for (result, base) in requirements.iter_mut().zip(base_results) {
            if !result.passed {
                result.new = Some(base.passed);
            }
        }
    }
    let errors: Vec<ErrorPayload> = head.resources.errors.iter().map(Error::payload).collect();
    let newly_denied =
        flows.as_ref().map_or(0, |f: &ReviewFlows| f.impact.newly_denied.iter().map(|g| g.flows.len()).sum());
    let unreadable = errors.len() + base_errors.len();
    let (verdict, reasons) = verdict(&config.thresholds, &findings, &requirements, unreadable, newly_denied);
    let summary = ReviewSummary::of(&findings, &resolved, diff.as_ref(), &requirements, unreadable);
    Review {
        verdict,
        exit_code: verdict.exit_code(),
        reasons,
        summary,
        findings,
        resolved,
        diff,
        requirements,
        errors,
        base_errors,
        tool: Tool::current(),
        flows,
        completeness: Completeness::merged(
            std::iter::once(head.resources.completeness()).chain(input.base.map(|b| b.resources.completeness())),
        ),
    }
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
