//! Text → located document trees, with budgets against hostile input.
//!
//! Multi-document YAML is split at document markers first, so a document that fails to parse
//! is reported with its location while the others still load (unless the caller asks for
//! strict mode). JSON is parsed by the same YAML 1.2 parser, so it gets locations too.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};
use crate::source::json_read::{Prune, looks_like_json, read_object, split_list, to_yaml_error};
use crate::source::tree::lone_carriage_returns;
use crate::source::yaml::{Limits, YamlError, parse_documents};
use crate::source::{Location, Node, Value, shift_lines};

/// Limits and modes for parsing. Defaults are generous for real manifests and stop hostile
/// input (alias bombs, deep nesting, huge inputs) quickly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ParseOptions {
    /// Largest input accepted, in bytes. Default 32 MiB, suited to a browser tab; the command
    /// line sets no such limit (per-object budgets protect it, and it reads any real cluster
    /// dump).
    pub max_input_bytes: usize,
    /// Most YAML documents in one input. Default 10,000.
    pub max_documents: usize,
    /// Deepest nesting of mappings and sequences. Default 64, at most 1,000 (deeper trees would
    /// exhaust the stack of a thread or of the WebAssembly module).
    pub max_depth: usize,
    /// Most nodes (scalars, mappings, sequences) in one object: a document, or one item of a
    /// list document (`kubectl get -o json|yaml`), whose items count each on their own. JSON
    /// counts the nodes kept (`managedFields` and the like are skipped). Default 5,000,000.
    pub max_nodes: usize,
    /// Longest string in JSON input, in bytes (Kubernetes stores objects of at most 1.5 MiB).
    /// Default 4 MiB.
    pub max_string_bytes: usize,
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
            max_string_bytes: 4 << 20,
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

/// [`text_from_bytes`] taking the bytes: the text is the same buffer (a 1.6 GB cluster dump is
/// not copied).
///
/// # Errors
/// `NF-E004` when the bytes are not text.
pub fn text_from_vec(bytes: Vec<u8>, file: &str) -> Result<String, Error> {
    match String::from_utf8(bytes) {
        Ok(text) => {
            check_text(&text, file)?;
            Ok(text)
        }
        Err(e) => text_from_bytes(e.as_bytes(), file).map(str::to_owned),
    }
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
        // `---` then white space or the line's end (`---ڄ: x` is a key: its next character
        // is not one byte, which a one-byte slice took for the line's end; found by fuzzing)
        let is_start =
            bare.strip_prefix("---").is_some_and(|rest| rest.chars().next().is_none_or(|c| c == ' ' || c == '\t'));
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
    let parsed = parse_text_with(text, file, options, &|document| document, None, None)?;
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
///
/// With `json`, JSON text is read by the JSON reader (`json_read`), keeping what the rule keeps
/// (a large list's items on the available cores); text that turns out not to be JSON is
/// parsed as YAML, as without it.
pub(crate) fn parse_text_with<T: Send>(
    text: &str,
    file: &str,
    options: &ParseOptions,
    each: &(dyn Fn(Document) -> T + Sync),
    list_items: Option<&ListItems<'_, T>>,
    json: Option<Prune<'_>>,
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
    if let Some(rule) = json
        && looks_like_json(text)
        && let Some(parsed) = parse_json(text, file, options, rule, each, list_items)?
    {
        return Ok(parsed);
    }
    let chunks = split_documents(text);
    if chunks.len() > options.max_documents {
        return Err(whole(
            ErrorCode::BudgetExceeded,
            format!("`{file}` has {} documents, more than the limit of {}", chunks.len(), options.max_documents),
            "split the input, or raise `maxDocuments` in the parse options",
        ));
    }
    let mut limits = limits(options);
    limits.max_alias_replay = alias_replay_per_document(options.max_alias_replay, chunks.len());
    let mut parsed = ParsedWith { documents: Vec::new(), errors: Vec::new() };
    for (index, (chunk, result)) in chunks.iter().zip(parse_chunks(&chunks, limits, each, list_items, json)).enumerate()
    {
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

pub(super) fn limits(options: &ParseOptions) -> Limits {
    Limits {
        max_depth: options.max_depth,
        max_nodes: options.max_nodes,
        max_aliases: options.max_aliases,
        max_alias_replay: options.max_alias_replay,
    }
}

/// JSON text read by the JSON reader: a list document (that `list_items` wants) item by item
/// on the available cores, anything else as one document. `None` when the text is not JSON
/// after all (a syntax error: the YAML parser then reads it, and reports the error if it is
/// one there too).
fn parse_json<T: Send>(
    text: &str,
    file: &str,
    options: &ParseOptions,
    rule: Prune<'_>,
    each: &(dyn Fn(Document) -> T + Sync),
    list_items: Option<&ListItems<'_, T>>,
) -> Result<Option<ParsedWith<T>>, Error> {
    let limits = limits(options);
    let max_string = options.max_string_bytes;
    let mut parsed = ParsedWith { documents: Vec::new(), errors: Vec::new() };
    if let Some(items) = list_items
        && let Some(list) = split_list(text, limits, max_string)
        && (items.wants)(&list.root)
    {
        let kind = list.root.get("kind").and_then(Node::as_str).and_then(|k| k.strip_suffix("List")).unwrap_or("");
        let results = crate::parallel::map_ordered(&list.items, 1, &|i, (item, line, column)| {
            read_object(item, *line, *column, limits, max_string, kind, rule)
                .map(|node| (items.each)(0, &list.root, i, node))
                .map_err(|e| (i, to_yaml_error(e, item, *line, *column)))
        });
        for result in results {
            match result {
                Ok(document) => parsed.documents.push(document),
                Err((_, e)) if e.limit.is_none() => return Ok(None),
                Err((i, e)) => {
                    let error = item_error(&e, file, i, options.strict);
                    if options.strict {
                        return Err(error);
                    }
                    parsed.errors.push(error);
                }
            }
        }
        return Ok(Some(parsed));
    }
    match read_object(text, 1, 1, limits, max_string, "", rule) {
        Ok(root) => parsed.documents.push(each(Document { index: 0, root })),
        Err(e) if e.limit.is_none() => return Ok(None),
        Err(e) => {
            let error = convert_error(&to_yaml_error(e, text, 1, 1), file, 0, 0, options.strict);
            if options.strict {
                return Err(error);
            }
            parsed.errors.push(error);
        }
    }
    Ok(Some(parsed))
}

/// A JSON list document read from `reader` item by item (`json_read::stream_list`): each item
/// made a `T` by `each` (given the document as known before its items, the item's index and
/// tree) and handed to `sink` in order, or its error. `Ok(Err(bytes))` when the input is not
/// such a list: all of it, to be read whole (into one buffer of `expected` bytes, the input's
/// size when it is known, 0 when not).
///
/// # Errors
/// The reader fails, the input is not UTF-8 text, larger than `maxInputBytes`, or (strict mode)
/// an item cannot be read.
pub(crate) fn stream_json<T: Send>(
    reader: &mut dyn std::io::Read,
    expected: usize,
    file: &str,
    options: &ParseOptions,
    rule: Prune<'_>,
    each: &(dyn Fn(&Node, usize, Node) -> T + Sync),
    sink: &mut dyn FnMut(Result<T, Error>),
) -> Result<Result<Node, Vec<u8>>, Error> {
    use crate::source::json_read::{StreamError, Streamed, stream_list};
    let mut failed: Option<Error> = None;
    let mut take = |results: crate::source::json_read::ItemResults<T>| {
        for result in results {
            match result {
                Ok(t) => sink(Ok(t)),
                Err((i, e)) => {
                    let error = item_error(&e, file, i, options.strict);
                    if options.strict {
                        failed = Some(error);
                        return false;
                    }
                    sink(Err(error));
                }
            }
        }
        true
    };
    // a size beyond the input limit is not believed (the limit refuses such an input anyway)
    let expected = expected.min(options.max_input_bytes);
    let sizes = (crate::source::json_read::BLOCK, crate::source::json_read::BATCH, expected);
    let streamed = stream_list(reader, sizes, limits(options), options.max_string_bytes, rule, each, &mut take);
    if let Some(error) = failed {
        return Err(error);
    }
    let at_start = || Location { file: file.to_owned(), line: 1, column: 1, pointer: String::new() };
    match streamed {
        Ok(Streamed::List { root, bytes }) => {
            if bytes > options.max_input_bytes {
                return Err(Error::new(
                    ErrorCode::InputTooLarge,
                    format!("`{file}` is {bytes} bytes, more than the limit of {} bytes", options.max_input_bytes),
                )
                .with_help("split the input, or raise `maxInputBytes` in the parse options")
                .at(at_start()));
            }
            Ok(Ok(root))
        }
        Ok(Streamed::NotAList(bytes)) => Ok(Err(bytes)),
        Ok(Streamed::Stopped) => Ok(Ok(Node::synthetic(Value::Null))),
        Err(StreamError::Io(e)) => Err(Error::new(ErrorCode::Io, format!("cannot read `{file}`: {e}"))),
        Err(StreamError::Text { offset }) => {
            Err(Error::new(ErrorCode::NotText, format!("`{file}` is not UTF-8 text (at byte {offset})"))
                .with_help("manifests must be UTF-8 encoded YAML or JSON")
                .at(at_start()))
        }
        Err(StreamError::Json(e)) => {
            let error = convert_error(&e, file, 0, 0, options.strict);
            Err(error)
        }
    }
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
    prune: Option<Prune<'_>>,
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
                prune,
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
    let _ = (list_items, prune);
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
    prune: Option<Prune<'_>>,
) -> Vec<ChunkResult<T>> {
    let bytes: usize = chunks.iter().map(|c| c.text.len()).sum();
    let min_parallel = if bytes >= PARALLEL_BYTES { 1 } else { usize::MAX };
    crate::parallel::map_ordered(chunks, min_parallel, &|index, chunk| {
        parse_chunk((index, chunk), limits, each, list_items, prune)
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

/// The error of item `index` (0-based) of a JSON list document that could not be read.
fn item_error(e: &YamlError, file: &str, index: usize, strict: bool) -> Error {
    let mut error = convert_error(e, file, 0, 0, strict);
    error.message = format!(
        "document 1 of `{file}`, item {} of `items`, cannot be read: {}",
        index + 1,
        first_lowercase(e.message.trim())
    );
    error
}

fn first_lowercase(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
