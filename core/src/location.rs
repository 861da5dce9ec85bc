//! Where something is in the input: file, line, column and JSON pointer.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where something is in the input. Lines and columns are 1-based; `0` means unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Location {
    /// The input's name: a file path, or `<input>` for a string.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// RFC 6901 JSON pointer into the resource document, e.g. `/spec/ingress/0/ports/1/port`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pointer: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}
