//! Wire types shared by every operation: findings and severities.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::source::Location;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Severity {
    /// Worth knowing; never fails a review by default.
    Info,
    /// Likely a mistake or a risk.
    Warning,
    /// The API server would reject it, or it is certainly wrong.
    Error,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// Something wrong or notable in valid input: an API-validation failure (`NF0xx`) or a review
/// check (`NF1xx`–`NF4xx`). Findings are data, not errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Finding {
    /// Stable id, e.g. `NF012`.
    pub id: String,
    /// Short kebab-case name of the rule, e.g. `invalid-protocol`.
    pub name: String,
    /// Severity.
    pub severity: Severity,
    /// Lowercase message, user input in backticks.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The resource concerned, as `Kind namespace/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Where the problem is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Other places that explain the finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Location>,
    /// A suggested replacement for the value at `location` (YAML), where one is safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    /// A finding of the rule or check `id`/`name` at `location`, with no resource, related
    /// places or fix yet.
    pub(crate) fn new(
        id: &str,
        name: &str,
        severity: Severity,
        location: Location,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            severity,
            message: message.into(),
            help: Some(help.into()),
            resource: None,
            location: Some(location),
            related: Vec::new(),
            fix: None,
        }
    }
}
