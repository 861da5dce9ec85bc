//! Errors for input that cannot be processed. Findings (things wrong *in* valid input) are data,
//! see [`crate::model::Finding`]; errors are reserved for input netfence cannot read at all.
//!
//! Every error has a stable code (`NF-E…`), a lowercase message with user input in backticks,
//! help text, and a location where there is one. [`ErrorPayload`] is the one serializable form
//! the CLI and every binding expose.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::location::Location;

/// Stable error codes. Codes are permanent: a retired code is never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ErrorCode {
    /// The input is larger than the configured limit.
    #[serde(rename = "NF-E001")]
    InputTooLarge,
    /// The input is not well-formed YAML or JSON.
    #[serde(rename = "NF-E002")]
    Syntax,
    /// A parser budget was exceeded (aliases, nesting depth, node count, documents).
    #[serde(rename = "NF-E003")]
    BudgetExceeded,
    /// The input is not text (invalid UTF-8 or binary data).
    #[serde(rename = "NF-E004")]
    NotText,
    /// A known kind whose fields have the wrong shape (e.g. a list where a map belongs).
    #[serde(rename = "NF-E005")]
    ResourceShape,
    /// A document lacks `apiVersion` or `kind`, or is not a mapping.
    #[serde(rename = "NF-E006")]
    NotAResource,
    /// An intent document is invalid.
    #[serde(rename = "NF-E010")]
    InvalidIntent,
    /// A JSON request to the API could not be decoded.
    #[serde(rename = "NF-E011")]
    InvalidRequest,
    /// The builder was asked for something it cannot express as a NetworkPolicy.
    #[serde(rename = "NF-E012")]
    InvalidBuild,
    /// A requirements document is invalid.
    #[serde(rename = "NF-E013")]
    InvalidRequirements,
    /// Reading an input failed (CLI only).
    #[serde(rename = "NF-E020")]
    Io,
    /// Output could not be produced.
    #[serde(rename = "NF-E030")]
    Output,
}

impl ErrorCode {
    /// The code as text, e.g. `NF-E002`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InputTooLarge => "NF-E001",
            Self::Syntax => "NF-E002",
            Self::BudgetExceeded => "NF-E003",
            Self::NotText => "NF-E004",
            Self::ResourceShape => "NF-E005",
            Self::NotAResource => "NF-E006",
            Self::InvalidIntent => "NF-E010",
            Self::InvalidRequest => "NF-E011",
            Self::InvalidBuild => "NF-E012",
            Self::InvalidRequirements => "NF-E013",
            Self::Io => "NF-E020",
            Self::Output => "NF-E030",
        }
    }

    /// One line on what the code means, for the error reference.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Self::InputTooLarge => "the input is larger than the configured limit (`maxInputBytes`)",
            Self::Syntax => "a document is not well-formed YAML or JSON (other documents still load unless strict)",
            Self::BudgetExceeded => "a parser budget was exceeded: aliases, nesting depth, node count or documents",
            Self::NotText => "the input is not UTF-8 text (binary data, NUL bytes)",
            Self::ResourceShape => "a known kind has a field of the wrong type",
            Self::NotAResource => "a document is not a Kubernetes object (no `apiVersion`/`kind`, or not a mapping)",
            Self::InvalidIntent => "an intent document is invalid",
            Self::InvalidRequest => "a JSON request to the API could not be decoded, or names an unknown operation",
            Self::InvalidBuild => "the builder was asked for something that is not a valid NetworkPolicy",
            Self::InvalidRequirements => "a requirements document is invalid",
            Self::Io => "reading or writing a file failed (CLI)",
            Self::Output => "output could not be produced",
        }
    }

    /// Every code, for documentation and tests.
    pub const ALL: &'static [ErrorCode] = &[
        Self::InputTooLarge,
        Self::Syntax,
        Self::BudgetExceeded,
        Self::NotText,
        Self::ResourceShape,
        Self::NotAResource,
        Self::InvalidIntent,
        Self::InvalidRequest,
        Self::InvalidBuild,
        Self::InvalidRequirements,
        Self::Io,
        Self::Output,
    ];
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error netfence could not recover from, with code, help and location.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// Stable code.
    pub code: ErrorCode,
    /// Lowercase message, user input in backticks, no final period.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Where in the input, when known.
    pub location: Option<Location>,
}

impl Error {
    /// A new error with code and message.
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), help: None, location: None }
    }

    /// Adds help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a location.
    #[must_use]
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// The serializable form every binding exposes.
    #[must_use]
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code,
            message: self.message.clone(),
            help: self.help.clone(),
            location: self.location.clone(),
        }
    }
}

impl From<ErrorPayload> for Error {
    fn from(p: ErrorPayload) -> Self {
        Self { code: p.code, message: p.message, help: p.help, location: p.location }
    }
}

/// The one serializable error shape: what the CLI prints with `--format json` and what the
/// bindings attach to their exceptions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ErrorPayload {
    /// Stable code, e.g. `NF-E002`.
    pub code: ErrorCode,
    /// Lowercase message, user input in backticks.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Where in the input, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Result with netfence's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
