//! `audit`: rule hit counts over a window of observed flows, unused and too-broad rules, and
//! policies that select nothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FlowSource, Source, TextFormat, load_cluster, read_flow_sources};
use crate::engine::EngineOptions;
use crate::error::{Error, ErrorPayload};
use crate::flows::audit::{Audit, AuditOptions, audit_policies};
use crate::flows::{FlowLog, IngestOptions, IngestReport};
use crate::model::Completeness;
use crate::source::ParseOptions;

/// Request of [`audit`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditRequest {
    /// The manifests as deployed: workloads, pods and policies.
    pub sources: Vec<Source>,
    /// The flow logs of the window audited.
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
    /// Audit options.
    #[serde(default)]
    pub audit: AuditOptions,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

/// Response of [`audit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditResponse {
    /// The audit.
    #[serde(flatten)]
    pub audit: Audit,
    /// What ingestion read (its `firstSeen`/`lastSeen` is the window).
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

/// Rule hits, unused and too-broad rules, and policies selecting nothing.
///
/// # Errors
/// Manifest input-level failures, or any bad document in strict mode.
pub fn audit(request: &AuditRequest) -> Result<AuditResponse, Error> {
    let log = read_flow_sources(&request.flows, &request.ingest);
    audit_with_log(request, &log)
}

/// [`audit`] over flows read already (streamed from files by the CLI); `request.flows` is
/// not read.
///
/// # Errors
/// As [`audit`].
pub fn audit_with_log(request: &AuditRequest, log: &FlowLog) -> Result<AuditResponse, Error> {
    let (set, cluster) = load_cluster(super::load_sources(&request.sources, &request.options), &request.engine)?;
    let audit = audit_policies(&set, &cluster, log, &request.audit)?;
    let ingest = log.report().clone();
    let completeness = set.completeness();
    let rendered = request.format.map(|TextFormat::Text| {
        crate::report::findings::with_warnings(
            crate::report::flows::audit_text(&audit, &ingest),
            &completeness.warnings,
            "",
        )
    });
    let errors = set.errors.iter().map(Error::payload).collect();
    Ok(AuditResponse { audit, ingest, errors, completeness, rendered })
}
