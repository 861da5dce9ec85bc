//! `analyze`: all-pairs connectivity, and `explain`: why one connection is allowed or denied.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, TextFormat, load, render_in};
use crate::engine::{CompiledCluster, ConnectionFilter, Connectivity, EngineOptions, Explanation};
use crate::error::{Error, ErrorPayload};
use crate::inventory::ResourceSet;
use crate::model::Completeness;
use crate::model::Protocol;
use crate::source::ParseOptions;

/// The renderings of connectivity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AnalyzeFormat {
    /// netpol-analyzer's connlist text (`SRC => DST : CONNS`).
    Txt,
    /// CSV: `src,dst,protocol,ports`.
    Csv,
    /// A markdown table.
    Md,
    /// A Graphviz digraph, one cluster per namespace.
    Dot,
    /// A mermaid flowchart, one subgraph per namespace.
    Mermaid,
}

/// Request of [`analyze`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalyzeRequest {
    /// The inputs: workloads, pods, namespaces and policies.
    pub sources: Vec<Source>,
    /// Limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics (ipBlock mode).
    #[serde(default)]
    pub engine: EngineOptions,
    /// Which connections to report (self pairs, focus workloads, direction, connection).
    #[serde(default)]
    pub filter: ConnectionFilter,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AnalyzeFormat>,
}

impl AnalyzeRequest {
    /// A request for one text input with default options.
    #[must_use]
    pub fn from_text(text: impl Into<String>) -> Self {
        Self { sources: vec![Source::text(text)], ..Self::default() }
    }
}

/// Response of [`analyze`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzeResponse {
    /// The allowed connections and the in-cluster endpoints.
    #[serde(flatten)]
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

/// Computes who can reach whom, on which ports.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
pub fn analyze(request: &AnalyzeRequest) -> Result<AnalyzeResponse, Error> {
    analyze_with(request, render_connectivity)
}

/// [`analyze`] with `format` answered by `render`.
pub(super) fn analyze_with(
    request: &AnalyzeRequest,
    render: Render<AnalyzeRequest, AnalyzeResponse, AnalyzeFormat>,
) -> Result<AnalyzeResponse, Error> {
    let set = load(&request.sources, &request.options)?;
    analyze_set(request, &set, render)
}

/// [`analyze`] over resources already read, instead of `request.sources`: the command line
/// reads a large input from a stream into a [`ResourceSet`] (`ResourceSet::add_reader`) without
/// holding its text.
///
/// # Errors
/// When the requested format cannot be rendered.
pub fn analyze_resources(request: &AnalyzeRequest, set: &ResourceSet) -> Result<AnalyzeResponse, Error> {
    analyze_set(request, set, render_connectivity)
}

fn analyze_set(
    request: &AnalyzeRequest,
    set: &ResourceSet,
    render: Render<AnalyzeRequest, AnalyzeResponse, AnalyzeFormat>,
) -> Result<AnalyzeResponse, Error> {
    let cluster = CompiledCluster::compile(set, &request.engine);
    let errors = set.errors.iter().map(Error::payload).collect();
    let mut response = AnalyzeResponse {
        connectivity: cluster.connectivity(&request.filter),
        errors,
        completeness: set.completeness(),
        rendered: None,
    };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

fn render_connectivity(format: AnalyzeFormat, _: &AnalyzeRequest, r: &AnalyzeResponse) -> Result<String, Error> {
    let (c, warnings) = (&r.connectivity, &r.completeness.warnings);
    // netpol-analyzer's connlist and CSV have no place for them: the response and stderr do
    Ok(match format {
        AnalyzeFormat::Txt => crate::report::connlist_txt(c),
        AnalyzeFormat::Csv => crate::report::csv(c),
        AnalyzeFormat::Md => crate::report::findings::with_warnings(crate::report::markdown(c), warnings, "> "),
        AnalyzeFormat::Dot => crate::report::findings::with_warnings(crate::report::dot(c), warnings, "// "),
        AnalyzeFormat::Mermaid => crate::report::findings::with_warnings(crate::report::mermaid(c), warnings, "%% "),
    })
}

/// Request of [`explain`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExplainRequest {
    /// The inputs.
    pub sources: Vec<Source>,
    /// Limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics.
    #[serde(default)]
    pub engine: EngineOptions,
    /// Source endpoint: `ns/name[Kind]`, `ns/name`, `name`, or an IP address.
    pub from: String,
    /// Destination endpoint, in the same forms.
    pub to: String,
    /// Only this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Only this protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

/// Response of [`explain`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExplainResponse {
    /// Why traffic is allowed or denied, per port range.
    #[serde(flatten)]
    pub explanation: Explanation,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// Why traffic between two endpoints is allowed or denied, per port range, with the policies
/// and rules responsible.
///
/// # Errors
/// Input-level failures; an endpoint that does not exist or is ambiguous (with suggestions).
pub fn explain(request: &ExplainRequest) -> Result<ExplainResponse, Error> {
    explain_with(request, render_explanation)
}

/// [`explain`] with `format` answered by `render`.
pub(super) fn explain_with(
    request: &ExplainRequest,
    render: Render<ExplainRequest, ExplainResponse, TextFormat>,
) -> Result<ExplainResponse, Error> {
    let set = load(&request.sources, &request.options)?;
    let cluster = CompiledCluster::compile(&set, &request.engine);
    let explanation = cluster.explain(&request.from, &request.to, request.port, request.protocol)?;
    let mut response = ExplainResponse { explanation, completeness: set.completeness(), rendered: None };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

fn render_explanation(_: TextFormat, _: &ExplainRequest, r: &ExplainResponse) -> Result<String, Error> {
    Ok(crate::report::findings::with_warnings(
        crate::report::explanation_text(&r.explanation),
        &r.completeness.warnings,
        "",
    ))
}
