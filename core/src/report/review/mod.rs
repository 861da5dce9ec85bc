//! Renderings of a [`Review`](crate::review::Review): text for a terminal or a CI log (with
//! source excerpts), markdown for a pull-request comment, SARIF 2.1.0 for code scanning, and a
//! change record for change control.

mod markdown;
mod record;
mod sarif;
mod text;

use std::collections::BTreeMap;

pub use markdown::{ROWS, markdown};
pub use record::{ChangeRecord, RecordedSide, RecordedSource, record, sha256};
pub use sarif::{SARIF_SCHEMA, sarif};
pub use text::text;

/// The texts of the inputs by name: what source excerpts (text) and fixes (SARIF) are cut from.
#[derive(Clone, Debug, Default)]
pub struct SourceTexts<'a>(BTreeMap<&'a str, &'a str>);

impl<'a> SourceTexts<'a> {
    /// The texts of `(name, text)` pairs; a name given twice keeps its last text.
    pub fn new(named: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(crate::sorted::btree_map(named))
    }

    /// The text of the input named `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0.get(name).copied()
    }
}
