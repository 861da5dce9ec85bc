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

use crate::review::{CONFIG_API_VERSION, Config, Review};

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
    pub review: Review,
}

/// The change record of a review of `head` (inputs as `(name, text)`) against `base`, with
/// the requirements file and configuration it used.
#[must_use]
pub fn record(
    head: &[(String, String)],
    base: Option<&[(String, String)]>,
    requirements: Option<&(String, String)>,
    config: &Config,
    review: &Review,
) -> ChangeRecord {
    let config = serde_json::to_string(config).unwrap_or_default();
    ChangeRecord {
        api_version: CONFIG_API_VERSION.to_owned(),
        kind: "ChangeRecord".to_owned(),
        base: base.map(side),
        head: side(head),
        requirements_file: requirements.map(recorded),
        config_sha256: sha256(config.as_bytes()),
        review: review.clone(),
    }
}

fn recorded((name, text): &(String, String)) -> RecordedSource {
    RecordedSource { name: name.clone(), bytes: text.len(), sha256: sha256(text.as_bytes()) }
}

fn side(sources: &[(String, String)]) -> RecordedSide {
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
