//! `review`: the approval step for a change — findings of the proposed state (API validation
//! and review checks), and with a base the connectivity diff, the findings new in the change
//! and the change-review checks (`NF4xx`); requirement results; a verdict for CI.
//!
//! The verdict is `fail` when a counted finding reaches `thresholds.failOn` (default `error`),
//! a requirement fails or a document cannot be read (both on by default); else `warn` when one
//! reaches `thresholds.warnOn` (default `warning`); else `pass`. `exitCode` is what a CI step
//! exits with: 0 for pass and warn, 1 for fail.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FlowSource, read_flow_sources};
use super::{Source, load};
use crate::checks::change::{ChangeInput, run_change_checks};
use crate::diff::ConnectivityDiff;
use crate::engine::{CompiledCluster, ConnectionFilter, EngineOptions};
use crate::error::{Error, ErrorPayload};
use crate::flows::impact::{Impact, measure_impact};
use crate::flows::{FlowLog, IngestOptions, IngestReport};
use crate::model::Finding;
use crate::requirements::{RequirementResult, check as check_requirements, parse_requirements};
use crate::review::{self, Config, ReviewFinding, ReviewFormat, ReviewSummary, Tool, Verdict};
use crate::source::ParseOptions;

/// Request of [`review`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewRequest {
    /// The proposed state (head): workloads, namespaces and policies.
    pub sources: Vec<Source>,
    /// The state before the change. Absent: no diff, no new-finding marks, no `NF4xx` checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Vec<Source>>,
    /// A requirements file (`kind: Requirements`), checked against the head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<Source>,
    /// The configuration (`netfence.yaml`): checks, severities, thresholds.
    #[serde(default)]
    pub config: Config,
    /// Limits and strict mode, for both sides.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics (ipBlock mode), for both sides.
    #[serde(default)]
    pub engine: EngineOptions,
    /// Also render the review in this format into `rendered` (the source texts of the
    /// request give the text format its excerpts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ReviewFormat>,
    /// With `format: text`: ANSI colours.
    #[serde(default)]
    pub color: bool,
    /// Observed flow logs. With a base: the observed flows the change newly denies or newly
    /// allows (`flows` of the response); newly denied flows make the verdict at least `warn`
    /// (`fail` with `thresholds.failOnNewlyDenied`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowSource>,
}

impl ReviewRequest {
    /// A review of `head` against `base` with the default configuration.
    #[must_use]
    pub fn new(head: Vec<Source>, base: Option<Vec<Source>>) -> Self {
        Self { sources: head, base, ..Self::default() }
    }
}

/// Response of [`review`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewResponse {
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
    /// The review in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
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

/// Reviews the head (and the change from the base, when given).
///
/// # Errors
/// An invalid requirements file; input-level failures of either side, or any bad document in
/// strict mode; `NF-E030` when rendering fails.
pub fn review(request: &ReviewRequest) -> Result<ReviewResponse, Error> {
    if request.flows.is_empty() {
        return review_with_log(request, None);
    }
    let log = read_flow_sources(&request.flows, &IngestOptions::default());
    review_with_log(request, Some(&log))
}

/// [`review`] over flows read already (streamed from files by the CLI); `request.flows` is not
/// read. Without a base the flows are not used.
///
/// # Errors
/// As [`review`].
pub fn review_with_log(request: &ReviewRequest, log: Option<&FlowLog>) -> Result<ReviewResponse, Error> {
    let config = &request.config;
    let requirements = request.requirements.as_ref().map(|r| parse_requirements(&r.text, &r.name)).transpose()?;
    let head = load(&request.sources, &request.options)?;
    let head_cluster = CompiledCluster::compile(&head, &request.engine);
    let state = |set: &crate::inventory::ResourceSet, cluster: &CompiledCluster| {
        super::lint::state_findings(set, cluster, config)
    };
    let mut findings = state(&head, &head_cluster);

    let mut base_errors = Vec::new();
    let mut base_requirements: Option<Vec<RequirementResult>> = None;
    let mut compared = None;
    let mut flows = None;
    if let Some(base_sources) = &request.base {
        let base = load(base_sources, &request.options)?;
        let base_cluster = CompiledCluster::compile(&base, &request.engine);
        let diff = crate::diff::diff(&base_cluster, &head_cluster, &ConnectionFilter::default());
        let input = ChangeInput {
            base: &base,
            base_cluster: &base_cluster,
            head: &head,
            head_cluster: &head_cluster,
            diff: &diff,
        };
        findings.extend(run_change_checks(&input, &config.checks));
        let mut base_findings = state(&base, &base_cluster);
        for f in &mut base_findings {
            config.apply_severity(f);
        }
        base_errors = base.errors.iter().map(Error::payload).collect();
        base_requirements = requirements.as_ref().map(|file| check_requirements(&base_cluster, &base, file));
        flows = log.map(|log| ReviewFlows {
            impact: measure_impact(&base, &base_cluster, &head_cluster, log),
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
            let (marked, resolved) = review::mark_new(findings, &base_findings);
            (marked, resolved, Some(diff))
        }
        None => (findings.into_iter().map(|finding| ReviewFinding { finding, new: None }).collect(), Vec::new(), None),
    };
    let mut requirements: Vec<RequirementResult> =
        requirements.map(|file| check_requirements(&head_cluster, &head, &file)).unwrap_or_default();
    // the same file on both sides: results correspond by position
    if let Some(base_results) = &base_requirements {
        for (result, base) in requirements.iter_mut().zip(base_results) {
            if !result.passed {
                result.new = Some(base.passed);
            }
        }
    }
    let errors: Vec<ErrorPayload> = head.errors.iter().map(Error::payload).collect();
    let newly_denied =
        flows.as_ref().map_or(0, |f: &ReviewFlows| f.impact.newly_denied.iter().map(|g| g.flows.len()).sum());
    let (verdict, reasons) =
        review::verdict(&config.thresholds, &findings, &requirements, errors.len() + base_errors.len(), newly_denied);
    let summary =
        ReviewSummary::of(&findings, &resolved, diff.as_ref(), &requirements, errors.len() + base_errors.len());
    let mut response = ReviewResponse {
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
        rendered: None,
    };
    if let Some(format) = request.format {
        response.rendered = Some(review::render(format, request, &response, request.color)?);
    }
    Ok(response)
}
