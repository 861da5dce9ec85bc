//! A change record for documented change control: what was reviewed (SHA-256 of every input
//! of base and head, of the requirements and of the configuration), by which tool, and what
//! the review found (the whole review response: verdict, reasons, summary, findings, diff,
//! requirement results).
//!
//! Each side's `digest` is the SHA-256 of its `sha256sum`-style manifest — one line
//! `<hex>  <name>\n` per input, sorted by name — so a record can be checked against a checkout
//! with `sha256sum` alone. The record holds no time stamp: the same review gives the same bytes.

use crate::sorted::CompactSort;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::{ReviewRequest, ReviewResponse, Source};

/// One input as recorded: its name, size and content hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordedSource {
    /// The input's name (a file path).
    pub name: String,
    /// Its size in bytes (UTF-8).
    pub bytes: usize,
    /// Lowercase hex SHA-256 of its text.
    pub sha256: String,
}

/// The inputs of one side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordedSide {
    /// SHA-256 of the side's `sha256sum`-style manifest (see the module docs).
    pub digest: String,
    /// Every input, sorted by name.
    pub sources: Vec<RecordedSource>,
}

/// A change record (`kind: ChangeRecord`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeRecord {
    /// `netfence.dev/v1alpha1`.
    pub api_version: String,
    /// `ChangeRecord`.
    pub kind: String,
    /// The base's inputs (absent when the review had no base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<RecordedSide>,
    /// The head's inputs.
    pub head: RecordedSide,
    /// The requirements file, when one was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements_file: Option<RecordedSource>,
    /// SHA-256 of the configuration as canonical JSON.
    pub config_sha256: String,
    /// The review: tool, verdict, reasons, summary, findings, diff, requirement results.
    pub review: ReviewResponse,
}

/// The change record of a review.
#[must_use]
pub fn record(request: &ReviewRequest, response: &ReviewResponse) -> ChangeRecord {
    let config = serde_json::to_string(&request.config).unwrap_or_default();
    ChangeRecord {
        api_version: super::CONFIG_API_VERSION.to_owned(),
        kind: "ChangeRecord".to_owned(),
        base: request.base.as_deref().map(side),
        head: side(&request.sources),
        requirements_file: request.requirements.as_ref().map(recorded),
        config_sha256: sha256(config.as_bytes()),
        review: ReviewResponse { rendered: None, ..response.clone() },
    }
}

fn recorded(source: &Source) -> RecordedSource {
    RecordedSource { name: source.name.clone(), bytes: source.text.len(), sha256: sha256(source.text.as_bytes()) }
}

fn side(sources: &[Source]) -> RecordedSide {
    let mut sources: Vec<RecordedSource> = sources.iter().map(recorded).collect();
    sources.sort_compact_by(|a, b| a.name.cmp(&b.name));
    let manifest: String = sources.iter().map(|s| format!("{}  {}\n", s.sha256, s.name)).collect();
    RecordedSide { digest: sha256(manifest.as_bytes()), sources }
}

/// Lowercase hex SHA-256.
#[must_use]
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
