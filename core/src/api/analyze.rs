//! `analyze`: all-pairs connectivity, and `explain`: why one connection is allowed or denied.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Source, load};
use crate::engine::{CompiledCluster, ConnectionFilter, Connectivity, EngineOptions, Explanation};
use crate::error::{Error, ErrorPayload};
use crate::model::Protocol;
use crate::source::ParseOptions;

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
}

/// Computes who can reach whom, on which ports.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
pub fn analyze(request: &AnalyzeRequest) -> Result<AnalyzeResponse, Error> {
    let set = load(&request.sources, &request.options)?;
    let cluster = CompiledCluster::compile(&set, &request.engine);
    Ok(AnalyzeResponse {
        connectivity: cluster.connectivity(&request.filter),
        errors: set.errors.iter().map(Error::payload).collect(),
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
}

/// Why traffic between two endpoints is allowed or denied, per port range, with the policies
/// and rules responsible.
///
/// # Errors
/// Input-level failures; an endpoint that does not exist or is ambiguous (with suggestions).
pub fn explain(request: &ExplainRequest) -> Result<Explanation, Error> {
    let set = load(&request.sources, &request.options)?;
    let cluster = CompiledCluster::compile(&set, &request.engine);
    cluster.explain(&request.from, &request.to, request.port, request.protocol)
}
