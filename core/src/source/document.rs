//! netfence's own document formats (`apiVersion: netfence.dev/v1alpha1` and a `kind`: the
//! intent, requirements): one document per file, the header checked before anything else, and
//! serde's errors located in the source.

use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorCode};
use crate::source::{Location, Node, Value, escape_pointer};
use crate::source::{ParseOptions, parse_text};

/// The `apiVersion` of every netfence document format.
pub(crate) const API_VERSION: &str = "netfence.dev/v1alpha1";

/// A document format: its `kind`, its error code and how its messages name it.
pub(crate) struct DocumentFormat {
    /// The `kind`, e.g. `Intent`.
    pub kind: &'static str,
    /// The code of every error about the document.
    pub code: ErrorCode,
    /// The format in messages: "`f.yaml` holds no {noun}", "unsupported {noun} `kind` `X`".
    pub noun: &'static str,
    /// The document as a subject: "{subject} is not a mapping", "{subject} has no `kind`".
    pub subject: &'static str,
    /// The end of "`f.yaml` holds 2 documents, {one_document}", e.g. `an intent is one`.
    pub one_document: &'static str,
    /// The help for a file of several documents.
    pub one_document_help: &'static str,
    /// The help for a document that is not a mapping, up to "with `apiVersion: …` and
    /// `kind: …`", e.g. `an intent is a mapping`.
    pub mapping_help: &'static str,
}

impl DocumentFormat {
    /// An error with the format's code.
    pub(crate) fn error(&self, message: impl Into<String>, help: impl Into<String>, location: Location) -> Error {
        Error::new(self.code, message).with_help(help).at(location)
    }
}

/// A value that does not deserialize, as serde reports it.
pub(crate) struct ShapeError {
    /// serde's path as a JSON pointer (for an unknown field, usually the field itself).
    pub pointer: String,
    /// serde's message, e.g. ``unknown field `x`, expected one of `a`, `b` ``.
    pub message: String,
    /// The unknown field or variant serde names, if that is the error.
    pub unknown: Option<Unknown>,
    /// The key of an unknown field, else the value at the pointer.
    pub location: Location,
}

/// An unknown field or variant.
pub(crate) struct Unknown {
    /// Its name.
    pub name: String,
    /// The pointer of the value that holds it.
    pub parent: String,
}

/// Parses one netfence document of `format` from `text`: exactly one document, a mapping, with
/// `apiVersion: netfence.dev/v1alpha1` and the format's `kind`, then deserialized as `T`;
/// `shape_error` turns a value that does not deserialize into the format's error. Returns the
/// value and the tree that locates its fields.
///
/// # Errors
/// `format.code` for the header and (through `shape_error`) the shape; the parser's codes
/// (`NF-E002` syntax, `NF-E003` budgets, ...) for text that is not YAML.
pub(crate) fn parse_netfence_document<T: DeserializeOwned>(
    text: &str,
    file: &str,
    format: &DocumentFormat,
    shape_error: impl FnOnce(ShapeError) -> Error,
) -> Result<(T, Node), Error> {
    let options = ParseOptions { strict: true, ..ParseOptions::default() };
    let mut parsed = parse_text(text, file, &options)?;
    let whole = Location { file: file.to_owned(), line: 1, column: 1, pointer: String::new() };
    if let Some(second) = parsed.documents.get(1) {
        let at = Location { line: second.root.line, column: second.root.column, ..whole };
        return Err(format.error(
            format!("`{file}` holds {} documents, {}", parsed.documents.len(), format.one_document),
            format.one_document_help,
            at,
        ));
    }
    let header = format!("with `apiVersion: {API_VERSION}` and `kind: {}`", format.kind);
    let Some(doc) = parsed.documents.pop() else {
        return Err(format.error(
            format!("`{file}` holds no {}", format.noun),
            format!("start the document {header}"),
            whole,
        ));
    };
    let root = doc.root;
    if !matches!(root.value, Value::Map(_)) {
        return Err(format.error(
            format!("{} is not a mapping", format.subject),
            format!("{} {header}", format.mapping_help),
            locate(file, &root, ""),
        ));
    }
    for (field, wanted) in [("apiVersion", API_VERSION), ("kind", format.kind)] {
        match root.get(field) {
            None => {
                return Err(format.error(
                    format!("{} has no `{field}`", format.subject),
                    format!("add `{field}: {wanted}`"),
                    locate(file, &root, ""),
                ));
            }
            Some(node) if node.as_str() != Some(wanted) => {
                let got = node.as_str().map_or_else(|| node.to_json().to_string(), str::to_owned);
                return Err(format.error(
                    format!("unsupported {} `{field}` `{got}`", format.noun),
                    format!("use `{field}: {wanted}`"),
                    locate(file, &root, &format!("/{field}")),
                ));
            }
            Some(_) => {}
        }
    }
    let value =
        crate::source::de::from_node::<T>(&root).map_err(|e| shape_error(locate_shape_error(&e, file, &root)))?;
    Ok((value, root))
}

/// Where `pointer` is in the file (the nearest node that exists).
pub(crate) fn locate(file: &str, root: &Node, pointer: &str) -> Location {
    let (node, _) = root.resolve(pointer);
    Location { file: file.to_owned(), line: node.line, column: node.column, pointer: pointer.to_owned() }
}

/// ` at `/pointer`` for a message, nothing for the whole document.
pub(crate) fn at_pointer(pointer: &str) -> String {
    if pointer.is_empty() { String::new() } else { format!(" at `{pointer}`") }
}

fn locate_shape_error(e: &crate::source::de::Error, file: &str, root: &Node) -> ShapeError {
    let pointer = e.pointer();
    let message = e.message().to_owned();
    let name = ["unknown field `", "unknown variant `"].iter().find_map(|prefix| {
        message.strip_prefix(prefix).and_then(|rest| rest.split_once('`')).map(|(name, _)| name.to_owned())
    });
    let Some(name) = name else {
        let location = locate(file, root, &pointer);
        return ShapeError { pointer, message, unknown: None, location };
    };
    // An unknown field's path ends at its key; an unknown variant's at the enum.
    let parent = match pointer.strip_suffix(&format!("/{}", escape_pointer(&name))) {
        Some(parent) if root.resolve(&pointer).1 => parent.to_owned(),
        _ => pointer.clone(),
    };
    let (node, complete) = root.resolve(&parent);
    let location = match node.key(&name).filter(|_| complete) {
        Some(k) => Location {
            file: file.to_owned(),
            line: k.line,
            column: k.column,
            pointer: format!("{parent}/{}", escape_pointer(&name)),
        },
        None => locate(file, root, &parent),
    };
    ShapeError { pointer, message, unknown: Some(Unknown { name, parent }), location }
}
