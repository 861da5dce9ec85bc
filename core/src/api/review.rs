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
use crate::engine::{CompiledCluster, EngineOptions};
use crate::error::{Error, ErrorCode};
use crate::flows::{FlowLog, IngestOptions};
use crate::report::findings::with_warnings;
use crate::report::review::{SourceTexts, code_quality, markdown, record, sarif, text};
use crate::requirements::parse_requirements;
use crate::review::{Config, Review, ReviewInput, State};
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

/// Response of [`review`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewResponse {
    /// The review.
    #[serde(flatten)]
    pub review: Review,
    /// The review in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
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
    let requirements = request.requirements.as_ref().map(|r| parse_requirements(&r.text, &r.name)).transpose()?;
    let head = super::load_sources(&request.sources, &request.options)?;
    let head_cluster = CompiledCluster::compile(&head, &request.engine);
    let base = request.base.as_ref().map(|sources| load(sources, &request.options)).transpose()?;
    let base_cluster = base.as_ref().map(|set| CompiledCluster::compile(set, &request.engine));
    let input = ReviewInput {
        head: State { resources: &head, cluster: &head_cluster },
        base: base.as_ref().zip(base_cluster.as_ref()).map(|(resources, cluster)| State { resources, cluster }),
        requirements: requirements.as_ref(),
        config: &request.config,
        flows: log,
    };
    let review = crate::review::review(&input);
    let rendered = request.format.map(|format| render(format, request, &review, request.color)).transpose()?;
    Ok(ReviewResponse { review, rendered })
}

/// The texts of a review request's inputs by name, for source excerpts and content hashes.
fn source_texts(request: &ReviewRequest) -> SourceTexts<'_> {
    let all = request.sources.iter().chain(request.base.iter().flatten()).chain(request.requirements.as_ref());
    SourceTexts::new(all.map(|s: &Source| (s.name.as_str(), s.text.as_str())))
}

/// Renders a review in `format`.
///
/// # Errors
/// `NF-E030` when JSON cannot be encoded.
pub fn render(format: ReviewFormat, request: &ReviewRequest, review: &Review, color: bool) -> Result<String, Error> {
    let texts = source_texts(request);
    match format {
        ReviewFormat::Text => Ok(with_warnings(text(review, &texts, color), &review.completeness.warnings, "")),
        ReviewFormat::Json => to_json(review),
        ReviewFormat::Sarif => to_json(&sarif(review, &texts)),
        ReviewFormat::Markdown => Ok(with_warnings(markdown(review), &review.completeness.warnings, "> ")),
        ReviewFormat::Codequality => {
            // an issue without a location points at the first file of the head
            let fallback = request.sources.first().map_or("", |s| s.name.as_str());
            to_json(&code_quality(review, fallback))
        }
        ReviewFormat::Record => {
            let named = |sources: &[Source]| -> Vec<(String, String)> {
                sources.iter().map(|s| (s.name.clone(), s.text.clone())).collect()
            };
            let head = named(&request.sources);
            let base = request.base.as_deref().map(named);
            let requirements = request.requirements.as_ref().map(|s| (s.name.clone(), s.text.clone()));
            to_json(&record(&head, base.as_deref(), requirements.as_ref(), &request.config, review))
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
        .map(|s| crate::source::json::pretty_json(&s) + "\n")
        .map_err(|e| Error::new(ErrorCode::Output, format!("cannot encode the review: {e}")))
}
