//! `impact`: what a change (base → head) does to the observed flows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FlowSource, Source, TextFormat, load_cluster, read_flow_sources};
use crate::engine::EngineOptions;
use crate::error::{Error, ErrorPayload};
use crate::flows::impact::{Impact, measure_impact};
use crate::flows::{FlowLog, IngestOptions, IngestReport};
use crate::model::Completeness;
use crate::source::ParseOptions;

/// Request of [`impact`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImpactRequest {
    /// The manifests before the change.
    pub base: Vec<Source>,
    /// The manifests after the change.
    pub head: Vec<Source>,
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
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

/// Response of [`impact`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImpactResponse {
    /// The changed flows.
    #[serde(flatten)]
    pub impact: Impact,
    /// What ingestion read.
    pub ingest: IngestReport,
    /// Manifest documents that could not be read (base and head).
    pub errors: Vec<ErrorPayload>,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// The observed flows a change would newly deny or newly allow.
///
/// # Errors
/// Manifest input-level failures, or any bad document in strict mode.
pub fn impact(request: &ImpactRequest) -> Result<ImpactResponse, Error> {
    let log = read_flow_sources(&request.flows, &request.ingest);
    impact_with_log(request, &log)
}

/// [`impact`] over flows read already (streamed from files by the CLI); `request.flows` is
/// not read.
///
/// # Errors
/// As [`impact`].
pub fn impact_with_log(request: &ImpactRequest, log: &FlowLog) -> Result<ImpactResponse, Error> {
    let (base_set, base) = load_cluster(super::load(&request.base, &request.options), &request.engine)?;
    let (head_set, head) = load_cluster(super::load(&request.head, &request.options), &request.engine)?;
    let impact = measure_impact(&base_set, &base, &head, log);
    let errors = base_set.errors.iter().chain(&head_set.errors).map(Error::payload).collect();
    let completeness = Completeness::merged([base_set.completeness(), head_set.completeness()]);
    let rendered = request.format.map(|TextFormat::Text| {
        crate::report::findings::with_warnings(crate::report::flows::impact_text(&impact), &completeness.warnings, "")
    });
    Ok(ImpactResponse { impact, ingest: log.report().clone(), errors, completeness, rendered })
}
