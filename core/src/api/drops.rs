//! `drops`: why each dropped flow was denied, and the smallest allowance that would admit it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FlowSource, Source, TextFormat, load_cluster, read_flow_sources};
use crate::engine::EngineOptions;
use crate::error::{Error, ErrorPayload};
use crate::flows::drops::{DroppedFlow, DropsOptions, explain_drops};
use crate::flows::{FlowLog, IngestOptions, IngestReport};
use crate::model::Completeness;
use crate::source::ParseOptions;

/// Request of [`drops`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DropsRequest {
    /// The manifests as deployed: workloads, pods and policies.
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
    /// Drops options.
    #[serde(default)]
    pub drops: DropsOptions,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

/// Response of [`drops`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DropsResponse {
    /// Dropped flows, sorted by source, destination, protocol and port.
    pub drops: Vec<DroppedFlow>,
    /// What ingestion read.
    pub ingest: IngestReport,
    /// Manifest documents that could not be read.
    pub errors: Vec<ErrorPayload>,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// Why each dropped flow was dropped and what would admit it.
///
/// # Errors
/// Manifest input-level failures; `NF-E012` when an allowance cannot be expressed.
pub fn drops(request: &DropsRequest) -> Result<DropsResponse, Error> {
    let log = read_flow_sources(&request.flows, &request.ingest);
    drops_with_log(request, &log)
}

/// [`drops`] over flows read already (streamed from files by the CLI); `request.flows` is
/// not read.
///
/// # Errors
/// As [`drops`].
pub fn drops_with_log(request: &DropsRequest, log: &FlowLog) -> Result<DropsResponse, Error> {
    let (set, cluster) = load_cluster(super::load_sources(&request.sources, &request.options), &request.engine)?;
    let drops = explain_drops(&set, &cluster, log, &request.drops)?;
    let completeness = set.completeness();
    let rendered = request.format.map(|TextFormat::Text| {
        crate::report::findings::with_warnings(crate::report::flows::drops_text(&drops), &completeness.warnings, "")
    });
    let errors = set.errors.iter().map(Error::payload).collect();
    Ok(DropsResponse { drops, ingest: log.report().clone(), errors, completeness, rendered })
}
