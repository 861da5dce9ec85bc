//! `diff`: what a change does to connectivity — connections added, removed and changed, and
//! endpoints added and removed, between a base and a head input.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, load, render_in};
use crate::diff::ConnectivityDiff;
use crate::engine::{CompiledCluster, ConnectionFilter, EngineOptions};
use crate::error::{Error, ErrorPayload};
use crate::model::Completeness;
use crate::source::ParseOptions;

/// The renderings of a connectivity diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DiffFormat {
    /// Text: opened, closed and changed connections.
    Text,
    /// A markdown table.
    Md,
    /// netpol-analyzer's diff format (`diff-type: added, source: …`).
    Txt,
}

/// Request of [`diff`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiffRequest {
    /// The inputs before the change (e.g. what runs in the cluster).
    pub base: Vec<Source>,
    /// The inputs after the change (e.g. a pull request's manifests).
    pub head: Vec<Source>,
    /// Limits and strict mode, for both sides.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics (ipBlock mode), for both sides.
    #[serde(default)]
    pub engine: EngineOptions,
    /// Which connections to compare (self pairs, focus workloads, direction, connection).
    #[serde(default)]
    pub filter: ConnectionFilter,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<DiffFormat>,
}

impl DiffRequest {
    /// A request for one base text and one head text with default options.
    #[must_use]
    pub fn from_texts(base: impl Into<String>, head: impl Into<String>) -> Self {
        Self { base: vec![Source::text(base)], head: vec![Source::text(head)], ..Self::default() }
    }
}

/// Response of [`diff`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiffResponse {
    /// The semantic difference from base to head.
    pub diff: ConnectivityDiff,
    /// Documents of the base that could not be read (the others were compared).
    pub base_errors: Vec<ErrorPayload>,
    /// Documents of the head that could not be read (the others were compared).
    pub head_errors: Vec<ErrorPayload>,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// Compiles base and head and compares their connectivity.
///
/// # Errors
/// Input-level failures of either side, or any bad document in strict mode.
pub fn diff(request: &DiffRequest) -> Result<DiffResponse, Error> {
    diff_with(request, render)
}

/// [`diff`] with `format` answered by `render`.
pub(super) fn diff_with(
    request: &DiffRequest,
    render: Render<DiffRequest, DiffResponse, DiffFormat>,
) -> Result<DiffResponse, Error> {
    let base = load(&request.base, &request.options)?;
    let head = load(&request.head, &request.options)?;
    let diff = crate::diff::diff(
        &CompiledCluster::compile(&base, &request.engine),
        &CompiledCluster::compile(&head, &request.engine),
        &request.filter,
    );
    let mut response = DiffResponse {
        diff,
        rendered: None,
        completeness: Completeness::merged([base.completeness(), head.completeness()]),
        base_errors: base.errors.iter().map(Error::payload).collect(),
        head_errors: head.errors.iter().map(Error::payload).collect(),
    };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

fn render(format: DiffFormat, _: &DiffRequest, r: &DiffResponse) -> Result<String, Error> {
    let warnings = &r.completeness.warnings;
    Ok(match format {
        DiffFormat::Text => crate::report::findings::with_warnings(crate::report::diff::text(&r.diff), warnings, ""),
        DiffFormat::Md => {
            crate::report::findings::with_warnings(crate::report::diff::markdown(&r.diff), warnings, "> ")
        }
        // netpol-analyzer's diff format has no place for them: the response and stderr do
        DiffFormat::Txt => crate::report::diff::netpol_analyzer(&r.diff),
    })
}
