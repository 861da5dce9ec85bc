//! `flow_map` (`flowMap` in JavaScript): who talks to whom per the flow logs, mapped to the
//! inventory's workloads, and whether the policies allow it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FlowSource, Source, load_cluster, read_flow_sources};
use crate::engine::EngineOptions;
use crate::error::{Error, ErrorPayload};
use crate::flows::map::{FlowMap, MapOptions, build_map};
use crate::flows::resolve::FlowResolver;
use crate::flows::{FlowLog, IngestOptions};
use crate::model::Completeness;
use crate::source::ParseOptions;

/// The renderings of a flow map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FlowMapFormat {
    /// An aligned table.
    Text,
    /// A Graphviz digraph.
    Dot,
    /// A mermaid flowchart.
    Mermaid,
}

/// Request of [`flow_map`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowMapRequest {
    /// Manifests: namespaces, workloads, pods (for pod IPs) and policies.
    pub sources: Vec<Source>,
    /// The flow logs.
    pub flows: Vec<FlowSource>,
    /// Parse limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics.
    #[serde(default)]
    pub engine: EngineOptions,
    /// Ingestion limits.
    #[serde(default)]
    pub ingest: IngestOptions,
    /// Map options.
    #[serde(default)]
    pub map: MapOptions,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<FlowMapFormat>,
}

/// Response of [`flow_map`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowMapResponse {
    /// The map.
    #[serde(flatten)]
    pub map: FlowMap,
    /// Manifest documents that could not be read.
    pub errors: Vec<ErrorPayload>,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// Who talks to whom, per the flow logs, mapped to the inventory's workloads.
///
/// # Errors
/// Manifest input-level failures, or any bad document in strict mode.
pub fn flow_map(request: &FlowMapRequest) -> Result<FlowMapResponse, Error> {
    let log = read_flow_sources(&request.flows, &request.ingest);
    flow_map_with_log(request, &log)
}

/// [`flow_map`] over flows read already (streamed from files by the CLI); `request.flows` is
/// not read.
///
/// # Errors
/// As [`flow_map`].
pub fn flow_map_with_log(request: &FlowMapRequest, log: &FlowLog) -> Result<FlowMapResponse, Error> {
    let (set, cluster) = load_cluster(super::load_sources(&request.sources, &request.options), &request.engine)?;
    let resolver = FlowResolver::new(&set, &cluster);
    let map = build_map(&resolver, log, &request.map);
    let completeness = set.completeness();
    let warnings = &completeness.warnings;
    let rendered = request.format.map(|format| match format {
        FlowMapFormat::Text => {
            crate::report::findings::with_warnings(crate::report::flows::flow_map_text(&map), warnings, "")
        }
        FlowMapFormat::Dot => {
            crate::report::findings::with_warnings(crate::report::flows::flow_map_dot(&map), warnings, "// ")
        }
        FlowMapFormat::Mermaid => {
            crate::report::findings::with_warnings(crate::report::flows::flow_map_mermaid(&map), warnings, "%% ")
        }
    });
    let errors = set.errors.iter().map(Error::payload).collect();
    Ok(FlowMapResponse { map, errors, completeness, rendered })
}
