//! `netfence.yaml`: the review configuration (`apiVersion: netfence.dev/v1alpha1`,
//! `kind: Config`) — check settings, severities and the verdict's thresholds.
//!
//! ```yaml
//! apiVersion: netfence.dev/v1alpha1
//! kind: Config
//! checks:
//!   disable: [NF305]
//!   podCidrs: [10.244.0.0/16]
//! severities:
//!   NF404: warning
//!   unknown-field: warning
//! thresholds:
//!   failOn: error
//!   warnOn: warning
//!   scope: new
//! ```

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::checks::CheckConfig;
use crate::error::{Error, ErrorCode};
use crate::model::{Finding, Severity};
use crate::source::{Location, Node, Value};
use crate::source::{ParseOptions, parse_text};

/// The configuration format's `apiVersion`.
pub const CONFIG_API_VERSION: &str = "netfence.dev/v1alpha1";
/// The configuration format's `kind`.
pub const CONFIG_KIND: &str = "Config";

/// The configuration format's version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ConfigApiVersion {
    /// `netfence.dev/v1alpha1`
    #[default]
    #[serde(rename = "netfence.dev/v1alpha1")]
    V1alpha1,
}

/// The configuration format's kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ConfigKind {
    /// `Config`
    #[default]
    Config,
}

/// `netfence.yaml`. Every field is optional; the defaults fail a review on any error-severity
/// finding, failed requirement or unreadable document, and warn on warnings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Config {
    /// `netfence.dev/v1alpha1`.
    pub api_version: ConfigApiVersion,
    /// `Config`.
    pub kind: ConfigKind,
    /// How the review checks run (disabled checks, their severities, cluster facts).
    pub checks: CheckConfig,
    /// Severity per finding id or name, for every kind of finding: API validation (`NF0xx`),
    /// checks and change-review checks. Applied after `checks.severity`.
    pub severities: BTreeMap<String, Severity>,
    /// When the verdict is `fail` or `warn`.
    pub thresholds: Thresholds,
}

/// The lowest severity that triggers a verdict, or `never`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Findings of severity `info` or higher.
    Info,
    /// Findings of severity `warning` or `error`.
    Warning,
    /// Findings of severity `error`.
    Error,
    /// No finding triggers it.
    Never,
}

impl Level {
    /// Whether a finding of `severity` reaches this level.
    #[must_use]
    pub fn reached_by(self, severity: Severity) -> bool {
        match self {
            Self::Info => true,
            Self::Warning => severity >= Severity::Warning,
            Self::Error => severity >= Severity::Error,
            Self::Never => false,
        }
    }

    /// `info`, `warning`, `error` or `never`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Never => "never",
        }
    }
}

/// Which findings count toward the verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Every finding of the head.
    #[default]
    All,
    /// With a base, only findings new in the change (without a base: every finding).
    New,
}

/// When a review fails or warns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Thresholds {
    /// Findings at or above this severity fail the review (default `error`).
    pub fail_on: Level,
    /// Findings at or above this severity make the verdict `warn` (default `warning`).
    pub warn_on: Level,
    /// Which findings count: `all` (default) or `new` (only those the change introduces; a
    /// requirement that fails on the base too then only warns).
    pub scope: Scope,
    /// A failed requirement fails the review (default true).
    pub fail_on_requirements: bool,
    /// A document that cannot be read fails the review (default true).
    pub fail_on_unreadable: bool,
    /// Observed flows the change newly denies fail the review (default false: they make it
    /// `warn`). Used when the review is given flow logs and a base.
    pub fail_on_newly_denied: bool,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            fail_on: Level::Error,
            warn_on: Level::Warning,
            scope: Scope::All,
            fail_on_requirements: true,
            fail_on_unreadable: true,
            fail_on_newly_denied: false,
        }
    }
}

impl Config {
    /// Applies `severities` (by id, case-insensitive, by name, or by a renamed code) to `finding`.
    pub fn apply_severity(&self, finding: &mut Finding) {
        if let Some((_, severity)) =
            self.severities.iter().find(|(k, _)| crate::model::code_names(k, &finding.id, &finding.name))
        {
            finding.severity = *severity;
        }
    }
}

/// The JSON Schema of `netfence.yaml`.
#[must_use]
pub fn config_schema() -> serde_json::Value {
    schemars::schema_for!(Config).to_value()
}

fn invalid(message: String, help: impl Into<String>, location: Location) -> Error {
    Error::new(ErrorCode::InvalidRequest, message).with_help(help).at(location)
}

fn locate(file: &str, root: &Node, pointer: &str) -> Location {
    let (node, _) = root.resolve(pointer);
    Location { file: file.to_owned(), line: node.line, column: node.column, pointer: pointer.to_owned() }
}

/// Parses `netfence.yaml` (YAML or JSON, one document).
///
/// # Errors
/// `NF-E011` for a wrong `apiVersion` or `kind`, unknown fields and values of the wrong type,
/// located at the field; the parser's codes for text that is not YAML.
pub fn parse_config(text: &str, file: &str) -> Result<Config, Error> {
    let options = ParseOptions { strict: true, ..ParseOptions::default() };
    let mut parsed = parse_text(text, file, &options)?;
    let whole = Location { file: file.to_owned(), line: 1, column: 1, pointer: String::new() };
    let start = format!("start the document with `apiVersion: {CONFIG_API_VERSION}` and `kind: {CONFIG_KIND}`");
    if parsed.documents.len() > 1 {
        return Err(invalid(
            format!("`{file}` holds {} documents, a configuration is one", parsed.documents.len()),
            start,
            whole,
        ));
    }
    let Some(doc) = parsed.documents.pop() else {
        return Err(invalid(format!("`{file}` holds no configuration"), start, whole));
    };
    let root = doc.root;
    if !matches!(root.value, Value::Map(_)) {
        return Err(invalid("the configuration is not a mapping".to_owned(), start, locate(file, &root, "")));
    }
    for (field, wanted) in [("apiVersion", CONFIG_API_VERSION), ("kind", CONFIG_KIND)] {
        match root.get(field).map(|n| (n, n.as_str())) {
            None => {
                return Err(invalid(
                    format!("the configuration has no `{field}`"),
                    format!("add `{field}: {wanted}`"),
                    locate(file, &root, ""),
                ));
            }
            Some((node, got)) if got != Some(wanted) => {
                let got = got.map_or_else(|| node.to_json().to_string(), str::to_owned);
                return Err(invalid(
                    format!("unsupported configuration `{field}` `{got}`"),
                    format!("use `{field}: {wanted}`"),
                    locate(file, &root, &format!("/{field}")),
                ));
            }
            Some(_) => {}
        }
    }
    crate::source::de::from_node::<Config>(&root).map_err(|e| {
        let pointer = e.pointer();
        let place = if pointer.is_empty() { String::new() } else { format!(" at `{pointer}`") };
        invalid(
            format!("invalid configuration{place}: {}", e.message()),
            "check the field against the configuration schema (`netfence schema config`)",
            locate(file, &root, &pointer),
        )
    })
}
