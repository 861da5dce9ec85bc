//! `generate`: least-privilege policies for the observed forwarded flows, verified by the
//! engine, with the over-permission of each way to generalise.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FlowSource, Source, load_cluster, read_flow_sources};
use crate::engine::EngineOptions;
use crate::error::{Error, ErrorPayload};
use crate::flows::generate::{GenerateOptions, Generated, generate_policies};
use crate::flows::{FlowLog, IngestOptions, IngestReport};
use crate::model::Completeness;
use crate::source::ParseOptions;

/// The renderings of generated policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GenerateFormat {
    /// The policies as multi-document YAML, the summary as comments.
    Yaml,
    /// The summary and every rule with its provenance.
    Text,
}

/// Request of [`generate`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenerateRequest {
    /// Manifests: namespaces, workloads and pods (their policies are ignored).
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
    /// Generation options.
    #[serde(default)]
    pub generate: GenerateOptions,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<GenerateFormat>,
}

/// Response of [`generate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GenerateResponse {
    /// The policies, their verification and over-permission.
    #[serde(flatten)]
    pub generated: Generated,
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

/// Least-privilege policies for the observed flows.
///
/// # Errors
/// Manifest input-level failures; `NF-E012` when a rule cannot be expressed.
pub fn generate(request: &GenerateRequest) -> Result<GenerateResponse, Error> {
    let log = read_flow_sources(&request.flows, &request.ingest);
    generate_with_log(request, &log)
}

/// [`generate`] over flows read already (streamed from files by the CLI); `request.flows` is
/// not read.
///
/// # Errors
/// As [`generate`].
pub fn generate_with_log(request: &GenerateRequest, log: &FlowLog) -> Result<GenerateResponse, Error> {
    let (set, cluster) = load_cluster(super::load_sources(&request.sources, &request.options), &request.engine)?;
    let generated = generate_policies(&set, &cluster, log, &request.generate)?;
    let ingest = log.report().clone();
    let completeness = set.completeness();
    let warnings = &completeness.warnings;
    let rendered = request.format.map(|format| match format {
        GenerateFormat::Yaml => crate::report::findings::with_warnings(
            crate::report::flows::generate_yaml(&generated, &ingest),
            warnings,
            "# ",
        ),
        GenerateFormat::Text => crate::report::findings::with_warnings(
            crate::report::flows::generate_text(&generated, &ingest),
            warnings,
            "",
        ),
    });
    let errors = set.errors.iter().map(Error::payload).collect();
    Ok(GenerateResponse { generated, ingest, rendered, errors, completeness })
}
