//! `exposure`: what each endpoint is open to beyond the endpoints of the input — the entire
//! cluster, namespaces and pods by label that may not exist yet — with the connectivity it is
//! computed on.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, load_sources, render_in};
use crate::engine::{CompiledCluster, ConnectionFilter, Connectivity, EngineOptions, Exposure};
use crate::error::{Error, ErrorPayload};
use crate::model::Completeness;
use crate::source::ParseOptions;

/// The renderings of an exposure analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExposureFormat {
    /// netpol-analyzer's `--exposure` text: the connlist, then `Exposure Analysis Result:`.
    Txt,
    /// Markdown: the exposure of each endpoint as a table.
    Md,
}

/// Request of [`exposure`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExposureRequest {
    /// The inputs: workloads, pods, namespaces, policies, Services and routes.
    pub sources: Vec<Source>,
    /// Limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics (ipBlock mode).
    #[serde(default)]
    pub engine: EngineOptions,
    /// Which endpoints and directions (`focusWorkloads`, `focusDirection`), and which
    /// connections of the connectivity list.
    #[serde(default)]
    pub filter: ConnectionFilter,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ExposureFormat>,
}

/// Response of [`exposure`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExposureResponse {
    /// The exposure of each endpoint the filter focuses on.
    #[serde(flatten)]
    pub exposure: Exposure,
    /// The allowed connections among the endpoints of the input (and from outside).
    pub connectivity: Connectivity,
    /// Documents that could not be read (the others were analyzed).
    pub errors: Vec<ErrorPayload>,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// Computes who could reach each endpoint, and whom it could reach, including pods and
/// namespaces that do not exist yet.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
pub fn exposure(request: &ExposureRequest) -> Result<ExposureResponse, Error> {
    exposure_with(request, render_exposure)
}

/// [`exposure`] with `format` answered by `render`.
pub(super) fn exposure_with(
    request: &ExposureRequest,
    render: Render<ExposureRequest, ExposureResponse, ExposureFormat>,
) -> Result<ExposureResponse, Error> {
    let set = load_sources(&request.sources, &request.options)?;
    let cluster = CompiledCluster::compile(&set, &request.engine);
    let mut response = ExposureResponse {
        exposure: cluster.exposure(&set, &request.filter),
        connectivity: cluster.connectivity(&request.filter),
        errors: set.errors.iter().map(Error::payload).collect(),
        completeness: set.completeness(),
        rendered: None,
    };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

fn render_exposure(format: ExposureFormat, request: &ExposureRequest, r: &ExposureResponse) -> Result<String, Error> {
    Ok(match format {
        ExposureFormat::Txt => {
            crate::report::exposure_txt_on(&r.connectivity, &r.exposure, request.filter.focus_connection)
        }
        ExposureFormat::Md => crate::report::findings::with_warnings(
            crate::report::exposure_markdown(&r.exposure),
            &r.completeness.warnings,
            "> ",
        ),
    })
}
