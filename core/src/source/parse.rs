//! Text → located document trees, with budgets against hostile input.
//!
//! Multi-document YAML is split at document markers first, so a document that fails to parse
//! is reported with its location while the others still load (unless the caller asks for
//! strict mode). JSON is parsed by the same YAML 1.2 parser, so it gets locations too.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};
use crate::source::tree::lone_carriage_returns;
use crate::source::yaml::{Limits, YamlError, parse_documents};
use crate::source::{Location, Node, Value, shift_lines};

/// Limits and modes for parsing. Defaults are generous for real manifests and stop hostile
/// input (alias bombs, deep nesting, huge inputs) quickly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ParseOptions {
    /// Largest input accepted, in bytes. Default 32 MiB.
    pub max_input_bytes: usize,
    /// Most YAML documents in one input. Default 10,000.
    pub max_documents: usize,
    /// Deepest nesting of mappings and sequences. Default 64, at most 1,000 (deeper trees would
    /// exhaust the stack of a thread or of the WebAssembly module).
    pub max_depth: usize,
    /// Most nodes (scalars, mappings, sequences) in one document. Default 5,000,000.
    pub max_nodes: usize,
    /// Most alias uses (`*name`) in one document. Default 10,000.
    pub max_aliases: usize,
    /// Most events replayed by aliases in one document (alias-bomb guard). Default 100,000. In
    /// an input of more than ten documents, each gets an equal share of ten times this (at
    /// least 1,000), so that many documents cannot multiply the work.
    pub max_alias_replay: usize,
    /// Fail on the first document that does not parse instead of loading the others.
    pub strict: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            max_input_bytes: 32 * 1024 * 1024,
            max_documents: 10_000,
            max_depth: 64,
            max_nodes: 5_000_000,
            max_aliases: 10_000,
            max_alias_replay: 100_000,
            strict: false,
        }
    }
}

/// One YAML document of an input.
#[derive(Clone, Debug)]
pub struct Document {
    /// 0-based index of the document in its input.
    pub index: usize,
    /// The tree (line numbers relative to the whole input).
    pub root: Node,
}

/// The documents of one input, and the errors of those that failed.
#[derive(Clone, Debug, Default)]
pub struct ParsedText {
    /// Documents that parsed (empty documents are dropped).
    pub documents: Vec<Document>,
    /// One error per document that failed.
    pub errors: Vec<Error>,
}

/// Checks that bytes are text: valid UTF-8 and without NUL bytes.
///
/// # Errors
/// `NF-E004` when the bytes are not text.
pub fn text_from_bytes<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(bytes, e.valid_up_to());
        Error::new(ErrorCode::NotText, format!("`{file}` is not UTF-8 text"))
            .with_help("manifests must be UTF-8 encoded YAML or JSON")
            .at(Location { file: file.to_owned(), line, column, pointer: String::new() })
    })?;
    check_text(text, file)?;
    Ok(text)
}

fn check_text(text: &str, file: &str) -> Result<(), Error> {
    if let Some(at) = text.find('\0') {
        let (line, column) = line_col(text.as_bytes(), at);
        return Err(Error::new(ErrorCode::NotText, format!("`{file}` contains a NUL byte: it looks like binary data"))
            .with_help("pass YAML or JSON manifests")
            .at(Location { file: file.to_owned(), line, column, pointer: String::new() }));
    }
    Ok(())
}

fn line_col(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))
}

/// A document's text and the 0-based line where it starts in the whole input.
struct Chunk<'a> {
    text: &'a str,
    first_line: u32,
}

/// Splits at `---` and after `...` markers at column 0.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0u32;
    let mut offset = 0usize;
    let mut line_no = 0u32;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        let is_start = bare.starts_with("---") && bare.get(3..4).is_none_or(|c| c == " " || c == "\t");
        let is_end = bare.starts_with("...") && bare.get(3..).is_some_and(|rest| rest.trim().is_empty());
        if is_start && offset > start {
            chunks.push(Chunk { text: text.get(start..offset).unwrap_or(""), first_line: start_line });
            start = offset;
            start_line = line_no;
        }
        offset += line.len();
        line_no = line_no.saturating_add(1).saturating_add(lone_carriage_returns(line));
        if is_end {
            chunks.push(Chunk { text: text.get(start..offset).unwrap_or(""), first_line: start_line });
            start = offset;
            start_line = line_no;
        }
    }
    if offset > start {
        chunks.push(Chunk { text: text.get(start..).unwrap_or(""), first_line: start_line });
    }
    chunks
}

fn is_blank(chunk: &str) -> bool {
    chunk.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..." || t.starts_with('%')
    })
}

/// Parses YAML or JSON text (one or many documents) into located trees.
///
/// # Errors
/// Fails as a whole only for input-level problems (too large, not text, too many documents),
/// or, in strict mode, on the first document that does not parse.
pub fn parse_text(text: &str, file: &str, options: &ParseOptions) -> Result<ParsedText, Error> {
    let parsed = parse_text_with(text, file, options, &|document| document, None)?;
    Ok(ParsedText { documents: parsed.documents, errors: parsed.errors })
}

/// What [`parse_text_with`] gives: each document as `each` made it, and the errors of those
/// that failed.
pub(crate) struct ParsedWith<T> {
    pub(crate) documents: Vec<T>,
    pub(crate) errors: Vec<Error>,
}

/// How a caller reads the items of a large list document one by one (see [`parse_text_with`]).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))] // lists are read item by item natively
pub(crate) struct ListItems<'f, T> {
    /// Shown the rest of the document (its `items` empty): whether to read its items one by one.
    pub(crate) wants: &'f (dyn Fn(&Node) -> bool + Sync),
    /// Reads item `i` of the list in document `index`, given the rest of the document.
    pub(crate) each: &'f (dyn Fn(usize, &Node, usize, Node) -> T + Sync),
}

/// [`parse_text`], with `each` applied to every document as soon as it is parsed, on the
/// thread that parsed it (see [`parse_chunks`]): the inventory decodes and slims a document
/// there, so its full tree is freed by the thread that built it, right away.
///
/// With `list_items`, a large list document (`kubectl get -o yaml|json` of a cluster) that
/// `wants` accepts is read item by item instead, natively (`list`): each item goes
/// to `list_items.each` on the thread that parsed it, and the documents' results hold one
/// result per item. The whole list's tree then never exists at once.
pub(crate) fn parse_text_with<T: Send>(
    text: &str,
    file: &str,
    options: &ParseOptions,
    each: &(dyn Fn(Document) -> T + Sync),
    list_items: Option<&ListItems<'_, T>>,
) -> Result<ParsedWith<T>, Error> {
    let whole = |code, message: String, help: &str| {
        Error::new(code, message).with_help(help).at(Location {
            file: file.to_owned(),
            line: 1,
            column: 1,
            pointer: String::new(),
        })
    };
    if options.max_depth > MAX_DEPTH {
        return Err(Error::new(
            ErrorCode::InvalidRequest,
            format!("`maxDepth` is {}, more than netfence supports ({MAX_DEPTH})", options.max_depth),
        )
        .with_help(format!("use a `maxDepth` of at most {MAX_DEPTH}")));
    }
    if text.len() > options.max_input_bytes {
        return Err(whole(
            ErrorCode::InputTooLarge,
            format!("`{file}` is {} bytes, more than the limit of {} bytes", text.len(), options.max_input_bytes),
            "split the input, or raise `maxInputBytes` in the parse options",
        ));
    }
    check_text(text, file)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let chunks = split_documents(text);
    if chunks.len() > options.max_documents {
        return Err(whole(
            ErrorCode::BudgetExceeded,
            format!("`{file}` has {} documents, more than the limit of {}", chunks.len(), options.max_documents),
            "split the input, or raise `maxDocuments` in the parse options",
        ));
    }
    let limits = Limits {
        max_depth: options.max_depth,
        max_nodes: options.max_nodes,
        max_aliases: options.max_aliases,
        max_alias_replay: alias_replay_per_document(options.max_alias_replay, chunks.len()),
    };
    let mut parsed = ParsedWith { documents: Vec::new(), errors: Vec::new() };
    for (index, (chunk, result)) in chunks.iter().zip(parse_chunks(&chunks, limits, each, list_items)).enumerate() {
        match result {
            None => {}
            Some(Ok(documents)) => parsed.documents.extend(documents),
            Some(Err(e)) => {
                let error = convert_error(&e, file, chunk.first_line, index, options.strict);
                if options.strict {
                    return Err(error);
                }
                parsed.errors.push(error);
            }
        }
    }
    Ok(parsed)
}

/// The largest `maxDepth` accepted: the trees are walked recursively, and a thread's stack (or
/// the WebAssembly module's, 1 MiB) holds a few hundred bytes per level.
pub const MAX_DEPTH: usize = 1000;

/// The alias replay budget of each document: `maxAliasReplay`, or, in an input of more than
/// ten documents, an equal share of ten times it (at least 1,000 each). Otherwise 10,000
/// documents each just under the budget multiplied the work: a 4.75 MB input of alias bombs
/// took 150 s natively (debug build) and 230 s in WebAssembly.
fn alias_replay_per_document(max: usize, documents: usize) -> usize {
    let share = max.saturating_mul(10) / documents.max(1);
    max.min(share.max(1000))
}

/// Below this much text, threads cost more than they save.
const PARALLEL_BYTES: usize = 4 << 20;

/// One chunk's documents as `each` made them (line numbers of the whole text; empty
/// documents left out), or its error; `None` for a blank chunk.
type ChunkResult<T> = Option<Result<Vec<T>, YamlError>>;

fn parse_chunk<T: Send>(
    (index, chunk): (usize, &Chunk<'_>),
    limits: Limits,
    each: &(dyn Fn(Document) -> T + Sync),
    list_items: Option<&ListItems<'_, T>>,
) -> ChunkResult<T> {
    if is_blank(chunk.text) {
        return None;
    }
    // one large list document (`kubectl get -o yaml|json`): its items on the available cores
    #[cfg(not(target_arch = "wasm32"))]
    if chunk.text.len() >= PARALLEL_BYTES && crate::parallel::threads() > 1 {
        if let Some(items) = list_items
            && let Some(results) = crate::source::list::parse_list_items(
                chunk.text,
                chunk.first_line,
                limits,
                items.wants,
                &|root, i, item| (items.each)(index, root, i, item),
            )
        {
            return Some(Ok(results));
        }
        if let Some(root) = crate::source::list::parse_list(chunk.text, chunk.first_line, limits) {
            return Some(Ok(vec![each(Document { index, root })]));
        }
    }
    #[cfg(target_arch = "wasm32")]
    let _ = list_items;
    Some(parse_documents(chunk.text, limits).map(|roots| {
        roots
            .into_iter()
            .filter(|root| !matches!(root.value, Value::Null))
            .map(|mut root| {
                shift_lines(&mut root, chunk.first_line);
                each(Document { index, root })
            })
            .collect()
    }))
}

/// Parses the chunks, in order. Natively, a large input's chunks are parsed on the available
/// cores, each thread taking a contiguous run (the documents are independent; the results are
/// the same as one after the other, in the same order). The WebAssembly build has one thread.
fn parse_chunks<T: Send>(
    chunks: &[Chunk<'_>],
    limits: Limits,
    each: &(dyn Fn(Document) -> T + Sync),
    list_items: Option<&ListItems<'_, T>>,
) -> Vec<ChunkResult<T>> {
    let bytes: usize = chunks.iter().map(|c| c.text.len()).sum();
    let min_parallel = if bytes >= PARALLEL_BYTES { 1 } else { usize::MAX };
    crate::parallel::map_ordered(chunks, min_parallel, &|index, chunk| {
        parse_chunk((index, chunk), limits, each, list_items)
    })
}

fn convert_error(e: &YamlError, file: &str, first_line: u32, index: usize, strict: bool) -> Error {
    let (code, help) = if let Some(limit) = e.limit {
        (ErrorCode::BudgetExceeded, format!("simplify the document, or raise `{limit}` in the parse options"))
    } else {
        let help = if strict {
            "fix the YAML/JSON syntax at this location (strict mode stops at the first bad document)"
        } else {
            "fix the YAML/JSON syntax at this location; other documents were still loaded"
        };
        (ErrorCode::Syntax, help.to_owned())
    };
    let line = if e.line > 0 { e.line.saturating_add(first_line) } else { first_line.saturating_add(1) };
    let message = first_lowercase(e.message.trim());
    Error::new(code, format!("document {} of `{file}` cannot be read: {message}", index + 1))
        .with_help(help)
        .at(Location { file: file.to_owned(), line, column: e.column.max(1), pointer: String::new() })
}

fn first_lowercase(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
