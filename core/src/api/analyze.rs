//! `analyze`: all-pairs connectivity, and `explain`: why one connection is allowed or denied.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, TextFormat, load_sources, render_in};
use crate::engine::{CompiledCluster, ConnectionFilter, Connectivity, EngineOptions, Explanation, GroupedConnectivity};
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

/// How [`analyze`] lays out the connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AnalyzeLayout {
    /// `connections`: the canonical list, one record per pair and protocol.
    #[default]
    List,
    /// `grouped`: endpoints the answer does not tell apart form groups, and each connection
    /// joins two groups (`connections` is then empty): millions of pairs in thousands of
    /// records. Expanded, the same list.
    Grouped,
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
    /// `list` (default) or `grouped` (see [`AnalyzeLayout`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<AnalyzeLayout>,
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
    /// The allowed connections and the in-cluster endpoints (`connections` empty with the
    /// `grouped` layout).
    #[serde(flatten)]
    pub connectivity: Connectivity,
    /// The connections grouped, with the `grouped` layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grouped: Option<GroupedConnectivity>,
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
    let set = load_sources(&request.sources, &request.options)?;
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
    if request.layout == Some(AnalyzeLayout::Grouped) {
        let grouped = cluster.grouped(&request.filter);
        let endpoints = cluster.endpoints().cloned().collect();
        let mut response = AnalyzeResponse {
            connectivity: Connectivity { connections: Vec::new(), endpoints },
            grouped: None,
            errors,
            completeness: set.completeness(),
            rendered: None,
        };
        if request.format.is_some() {
            // the renderings show the list: render it from the expanded groups
            response.connectivity.connections = grouped.expand();
            response.rendered = render_in(request.format, request, &response, render)?;
            response.connectivity.connections = Vec::new();
        }
        response.grouped = Some(grouped);
        return Ok(response);
    }
    let mut response = AnalyzeResponse {
        connectivity: cluster.connectivity(&request.filter),
        grouped: None,
        errors,
        completeness: set.completeness(),
        rendered: None,
    };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

/// The answer of [`analyze`] as an Apache Arrow IPC stream (`report::arrow`): one row per
/// allowed port range, dictionary-encoded endpoint names, in the canonical order. `format`
/// and `layout` are ignored. Not in WebAssembly.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
#[cfg(not(target_arch = "wasm32"))]
pub fn analyze_arrow(request: &AnalyzeRequest) -> Result<AnalyzeArrow, Error> {
    let set = load_sources(&request.sources, &request.options)?;
    let cluster = CompiledCluster::compile(&set, &request.engine);
    let grouped = cluster.grouped(&request.filter);
    let errors: Vec<ErrorPayload> = set.errors.iter().map(Error::payload).collect();
    let completeness = set.completeness();
    // what the JSON answer says besides the connections travels in the schema's metadata
    let metadata = vec![
        ("netfence.errors".to_owned(), json_text(&errors)),
        ("netfence.partial".to_owned(), completeness.partial.to_string()),
        ("netfence.warnings".to_owned(), json_text(&completeness.warnings)),
    ];
    Ok(AnalyzeArrow { stream: crate::report::arrow::connectivity_arrow(&grouped, metadata)?, errors, completeness })
}

/// [`analyze_arrow`] on a JSON request (the request of [`analyze`]): the stream's bytes, or
/// the error payload. Errors and warnings of the answer are in the stream's schema metadata.
///
/// # Errors
/// `NF-E011` for a request that does not decode; otherwise [`analyze_arrow`]'s errors.
#[cfg(not(target_arch = "wasm32"))]
pub fn analyze_arrow_json(request: &str) -> Result<Vec<u8>, ErrorPayload> {
    let request: AnalyzeRequest = super::decode_request(request).map_err(|e| e.payload())?;
    analyze_arrow(&request).map(|answer| answer.stream).map_err(|e| e.payload())
}

#[cfg(not(target_arch = "wasm32"))]
fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Response of [`analyze_arrow`]: the stream, and what the JSON answer says besides.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Debug, PartialEq)]
pub struct AnalyzeArrow {
    /// The Arrow IPC stream (schema `report::arrow::connectivity_schema`).
    pub stream: Vec<u8>,
    /// Documents that could not be read (the others were analyzed).
    pub errors: Vec<ErrorPayload>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    pub completeness: Completeness,
}

fn render_connectivity(format: AnalyzeFormat, request: &AnalyzeRequest, r: &AnalyzeResponse) -> Result<String, Error> {
    let (c, warnings) = (&r.connectivity, &r.completeness.warnings);
    // netpol-analyzer's connlist and CSV have no place for them: the response and stderr do
    Ok(match format {
        AnalyzeFormat::Txt => crate::report::connlist_txt_on(c, request.filter.focus_connection),
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
    let set = load_sources(&request.sources, &request.options)?;
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
