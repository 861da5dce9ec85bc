//! Renderings of a [`Review`](crate::review::Review): text for a terminal or a CI log (with
//! source excerpts), markdown for a pull-request comment, SARIF 2.1.0 for code scanning, and a
//! change record for change control.

mod codequality;
mod markdown;
mod record;
mod sarif;
mod text;

pub use codequality::code_quality;
pub use markdown::{ROWS, markdown};
pub use record::{ChangeRecord, RecordedSide, RecordedSource, record, sha256};
pub use sarif::{SARIF_SCHEMA, sarif};
pub use text::text;

pub use super::SourceTexts;
