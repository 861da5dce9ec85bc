//! `check`: requirement assertions — traffic that must be allowed or denied, checked against
//! the connectivity of the inputs (see [`crate::requirements`] for the file format).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, TextFormat, load_sources, render_in};
use crate::engine::{CompiledCluster, EngineOptions};
use crate::error::{Error, ErrorPayload};
use crate::model::Completeness;
use crate::requirements::{RequirementResult, check as check_requirements, parse_requirements};
use crate::source::ParseOptions;

/// Request of [`check`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckRequest {
    /// The inputs: workloads, pods, namespaces and policies.
    pub sources: Vec<Source>,
    /// The requirements file (`kind: Requirements`).
    pub requirements: Source,
    /// Limits and strict mode for the inputs.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics (ipBlock mode).
    #[serde(default)]
    pub engine: EngineOptions,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

impl CheckRequest {
    /// A request with default options.
    #[must_use]
    pub fn new(sources: Vec<Source>, requirements: Source) -> Self {
        Self { sources, requirements, options: ParseOptions::default(), engine: EngineOptions::default(), format: None }
    }
}

/// Response of [`check`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckResponse {
    /// Whether every requirement holds (what a CI job's exit code follows).
    pub passed: bool,
    /// One result per requirement, in file order.
    pub results: Vec<RequirementResult>,
    /// Documents of the inputs that could not be read (the others were checked).
    pub errors: Vec<ErrorPayload>,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// Checks every requirement of the requirements file against the inputs.
///
/// # Errors
/// An invalid requirements file (`NF-E013`, located at the field, or the parser's codes);
/// input-level failures, or any bad document in strict mode.
pub fn check(request: &CheckRequest) -> Result<CheckResponse, Error> {
    check_with(request, render)
}

/// [`check`] with `format` answered by `render`.
pub(super) fn check_with(
    request: &CheckRequest,
    render: Render<CheckRequest, CheckResponse, TextFormat>,
) -> Result<CheckResponse, Error> {
    let requirements = parse_requirements(&request.requirements.text, &request.requirements.name)?;
    let set = load_sources(&request.sources, &request.options)?;
    let cluster = CompiledCluster::compile(&set, &request.engine);
    let results = check_requirements(&cluster, &set, &requirements);
    let mut response = CheckResponse {
        passed: results.iter().all(|r| r.passed),
        results,
        errors: set.errors.iter().map(Error::payload).collect(),
        completeness: set.completeness(),
        rendered: None,
    };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

fn render(_: TextFormat, _: &CheckRequest, r: &CheckResponse) -> Result<String, Error> {
    Ok(crate::report::findings::with_warnings(
        crate::report::requirements::text(&r.results),
        &r.completeness.warnings,
        "",
    ))
}
