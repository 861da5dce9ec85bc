//! The input layer: bytes → documents with exact locations, under limits.
//!
//! Text is split into documents and parsed into located trees ([`Node`]): every key and value
//! remembers its line and column, and a JSON pointer resolves to a [`Location`]. The parser
//! enforces every budget of [`ParseOptions`] (input size, documents, nesting depth, nodes,
//! aliases). This layer knows nothing of Kubernetes resources; `inventory` reads them from the
//! trees made here. It depends only on the crate's foundation (`error`, `location`, `parallel`,
//! `sorted`).

pub(crate) mod de;
pub(crate) mod document;
#[cfg(not(target_arch = "wasm32"))]
pub mod files;
#[cfg(all(feature = "fuzzing", not(target_arch = "wasm32")))]
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod json;
pub(crate) mod json_read;
#[cfg(not(target_arch = "wasm32"))]
mod list;
mod parse;
mod tree;
mod yaml;
// prunes items of the list splitter, which the WebAssembly build (one thread) does not use
#[cfg(not(target_arch = "wasm32"))]
mod yaml_prune;
pub(crate) mod yaml_write;

pub use crate::location::Location;
pub(crate) use json_read::Keep;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use parse::ListItems;
pub use parse::{Document, MAX_DEPTH, ParseOptions, ParsedText, parse_text, text_from_bytes, text_from_vec};
pub(crate) use parse::{parse_text_with, stream_json};
pub use tree::{Key, Node, SourceDoc, Value, escape_pointer};
pub(crate) use tree::{drop_tree, shift_lines};
pub use yaml_write::to_yaml;
