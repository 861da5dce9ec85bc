//! `parse`: read manifests and list what they hold.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, TextFormat, load_sources, render_in};
use crate::error::{Error, ErrorPayload};
use crate::inventory::{ResourceCounts, ResourceSummary};
use crate::model::Completeness;
use crate::source::ParseOptions;

/// Request of [`parse`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParseRequest {
    /// The inputs.
    pub sources: Vec<Source>,
    /// Limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

/// Response of [`parse`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParseResponse {
    /// Counts per modelled kind, and skipped kinds.
    pub counts: ResourceCounts,
    /// Every modelled resource, in input order per kind.
    pub resources: Vec<ResourceSummary>,
    /// Documents that could not be read (the others were).
    pub errors: Vec<ErrorPayload>,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether what was read is partial, and what may carry policy but is not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// Reads the sources and lists the resources found.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
pub fn parse(request: &ParseRequest) -> Result<ParseResponse, Error> {
    parse_with(request, render)
}

/// [`parse`] with `format` answered by `render`.
pub(super) fn parse_with(
    request: &ParseRequest,
    render: Render<ParseRequest, ParseResponse, TextFormat>,
) -> Result<ParseResponse, Error> {
    let set = load_sources(&request.sources, &request.options)?;
    let errors: Vec<ErrorPayload> = set.errors.iter().map(Error::payload).collect();
    let mut response = ParseResponse {
        counts: set.counts(),
        resources: set.summaries(),
        errors,
        completeness: set.completeness(),
        rendered: None,
    };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

fn render(_: TextFormat, _: &ParseRequest, r: &ParseResponse) -> Result<String, Error> {
    let text = crate::report::resources::parse_text(&r.resources, &r.counts, &r.errors);
    Ok(crate::report::findings::with_warnings(text, &r.completeness.warnings, ""))
}
