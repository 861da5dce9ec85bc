//! `validate`: what the API server would reject, as findings with locations.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, TextFormat, load_sources, render_in, source_texts};
use crate::error::{Error, ErrorPayload};
use crate::inventory::ResourceCounts;
use crate::model::{Finding, Severity};
use crate::source::ParseOptions;

/// Request of [`validate`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidateRequest {
    /// The inputs.
    pub sources: Vec<Source>,
    /// Limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

impl ValidateRequest {
    /// A request for one text input.
    #[must_use]
    pub fn from_text(text: impl Into<String>) -> Self {
        Self { sources: vec![Source::text(text)], ..Self::default() }
    }
}

/// Response of [`validate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResponse {
    /// `true` when no finding has severity `error` and every document could be read.
    pub valid: bool,
    /// Findings, in input order.
    pub findings: Vec<Finding>,
    /// Documents that could not be read.
    pub errors: Vec<ErrorPayload>,
    /// What was read.
    pub counts: ResourceCounts,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
}

/// Validates every NetworkPolicy in the sources.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
pub fn validate(request: &ValidateRequest) -> Result<ValidateResponse, Error> {
    validate_with(request, render)
}

/// [`validate`] with `format` answered by `render`.
pub(super) fn validate_with(
    request: &ValidateRequest,
    render: Render<ValidateRequest, ValidateResponse, TextFormat>,
) -> Result<ValidateResponse, Error> {
    let set = load_sources(&request.sources, &request.options)?;
    let findings = crate::validate::validate_resources(&set);
    let valid = set.errors.is_empty() && !findings.iter().any(|f| f.severity == Severity::Error);
    let errors: Vec<ErrorPayload> = set.errors.iter().map(Error::payload).collect();
    let mut response = ValidateResponse { valid, findings, errors, counts: set.counts(), rendered: None };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

fn render(_: TextFormat, request: &ValidateRequest, r: &ValidateResponse) -> Result<String, Error> {
    let sources = source_texts(&request.sources);
    Ok(crate::report::findings::validate_text(&r.findings, &r.errors, &r.counts, &sources, false))
}
