//! A reader built for JSON: one pass over the bytes, building located trees of only what the
//! caller keeps, and skipping (validated, never allocated) everything else.
//!
//! JSON input (a file, stdin, `kubectl get -o json` of a whole cluster) goes through here
//! instead of the YAML parser. The caller says, per object kind and key path, what to keep
//! ([`Keep`]); a pod's `managedFields`, `env`, probes, volumes and status conditions are then
//! scanned for validity but produce no node. Every kept node has the line and column a YAML
//! parse of the same text gives it (a test compares them): the reader keeps byte offsets and
//! turns them into line and column only for the nodes it keeps, counting line breaks forward
//! from the last one.
//!
//! A large list document (`{"kind": "List", "items": [...]}`) is cut into its items by a fast
//! scan, and the items are read on the available cores. Budgets are per object: nesting depth,
//! kept nodes and string length of each item; the list's own size is not limited.
//!
//! serde_json was measured for this (docs/decisions.md, "A JSON reader built for JSON"): it
//! does not expose positions while deserializing, and getting them from borrowed `RawValue`s
//! rescans every kept subtree once per level.

use std::collections::HashSet;

use crate::source::yaml::{Limits, YamlError, plain_scalar};
use crate::source::{Key, Node, Value};

/// What to keep of a value, asked for each key path below an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Skip the value (validated, not built).
    No,
    /// Keep a mapping's entries the rule keeps (for other values: keep them whole).
    Part,
    /// Keep the value whole.
    All,
}

/// The rule: given the object's `kind` (empty when it has none) and the key path from the
/// object's root (sequence indices left out), what to keep of the value there.
pub(crate) type Prune<'f> = &'f (dyn Fn(&str, &[&str]) -> Keep + Sync);

/// Keeps everything.
pub(crate) fn keep_all(_: &str, _: &[&str]) -> Keep {
    Keep::All
}

/// Whether `text` is JSON rather than YAML by its first character: an object or an array.
pub(crate) fn looks_like_json(text: &str) -> bool {
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    trimmed.starts_with('{') || trimmed.starts_with('[')
}

/// Line and column of byte offsets, counted forward from the last offset asked for (so a
/// one-line compact JSON of gigabytes costs one pass, not one per node).
struct Lines<'a> {
    bytes: &'a [u8],
    /// 1-based line and column of byte 0.
    first_line: u32,
    first_column: u32,
    /// The last offset counted to, and its line and column.
    pos: usize,
    line: u32,
    column: u32,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8], first_line: u32, first_column: u32) -> Self {
        Self { bytes, first_line, first_column, pos: 0, line: first_line, column: first_column }
    }

    fn at(&mut self, offset: usize) -> (u32, u32) {
        if offset < self.pos {
            (self.pos, self.line, self.column) = (0, self.first_line, self.first_column);
        }
        let span = self.bytes.get(self.pos..offset).unwrap_or_default();
        let chars =
            |bytes: &[u8]| u32::try_from(bytes.iter().filter(|b| (**b & 0xc0) != 0x80).count()).unwrap_or(u32::MAX);
        let breaks = count_newlines(span);
        match (breaks > 0).then(|| span.iter().rposition(|b| *b == b'\n')).flatten() {
            Some(last) => {
                self.line = self.line.saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
                self.column = chars(span.get(last + 1..).unwrap_or_default()).saturating_add(1);
            }
            None => self.column = self.column.saturating_add(chars(span)),
        }
        self.pos = offset;
        (self.line, self.column)
    }
}

/// Past the run of spaces at `pos` (indentation: eight at a time).
fn skip_spaces(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos..pos + 8) == Some(b"        ".as_slice()) {
        pos += 8;
    }
    while bytes.get(pos) == Some(&b' ') {
        pos += 1;
    }
    pos
}

/// The line breaks in `bytes`, eight bytes at a time.
fn count_newlines(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut words = bytes.chunks_exact(8);
    let mut count = 0usize;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        // bytes equal to `\n` become zero; a zero byte is one whose high bit stays clear here
        let x = u64::from_le_bytes(w) ^ (ONES * u64::from(b'\n'));
        let t = ((x & LOW7).wrapping_add(LOW7)) | x;
        count += (!t & !LOW7).count_ones() as usize;
    }
    count + words.remainder().iter().filter(|b| **b == b'\n').count()
}

/// The deepest nesting the JSON reader descends into. It recurses (a few hundred bytes of
/// stack a level in a debug build), and a thread's stack may be small (WebAssembly's 1 MiB, a
/// test thread's 2 MiB): deeper text, which no Kubernetes object is and only a `maxDepth`
/// raised past its default of 64 admits, goes to the iterative YAML parser instead.
const RECURSION_LIMIT: usize = 128;

/// One object's reader: position, budgets, and the line/column counter.
struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    limits: Limits,
    max_string: usize,
    nodes: usize,
    lines: Lines<'a>,
}

/// Why a JSON text could not be read: a message and the byte offset where.
#[derive(Debug)]
pub(crate) struct JsonError {
    pub(crate) message: String,
    pub(crate) offset: usize,
    pub(crate) limit: Option<&'static str>,
}

type Read<T> = Result<T, JsonError>;

impl<'a> Reader<'a> {
    fn new(text: &'a str, limits: Limits, max_string: usize, first_line: u32, first_column: u32) -> Self {
        let bytes = text.as_bytes();
        Self { text, bytes, pos: 0, limits, max_string, nodes: 0, lines: Lines::new(bytes, first_line, first_column) }
    }

    fn error<T>(&self, message: impl Into<String>) -> Read<T> {
        Err(JsonError { message: message.into(), offset: self.pos, limit: None })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        loop {
            match self.peek() {
                Some(b' ') => self.pos = skip_spaces(self.bytes, self.pos),
                Some(b'\t' | b'\n' | b'\r') => self.pos += 1,
                _ => return,
            }
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Read<()> {
        self.ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.unexpected(what)
        }
    }

    fn unexpected<T>(&self, what: &str) -> Read<T> {
        match self.peek() {
            None => self.error(format!("unexpected end of input, expected {what}")),
            Some(b) => {
                let found = self.text.get(self.pos..).and_then(|s| s.chars().next()).unwrap_or(char::from(b));
                self.error(format!("unexpected `{found}`, expected {what}"))
            }
        }
    }

    fn count_node(&mut self, n: usize) -> Read<()> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(JsonError {
                message: format!("more than {} nodes", self.limits.max_nodes),
                offset: self.pos,
                limit: Some("maxNodes"),
            });
        }
        Ok(())
    }

    fn deeper(&self, depth: usize) -> Read<()> {
        if depth > self.limits.max_depth {
            return Err(JsonError {
                message: format!("nested deeper than {} levels", self.limits.max_depth),
                offset: self.pos,
                limit: Some("maxDepth"),
            });
        }
        if depth > RECURSION_LIMIT {
            // not a budget error: the text goes to the YAML parser, which nests iteratively
            // (read whole), or the streamed item is an error that says so
            return Err(JsonError {
                message: format!(
                    "nested deeper than the JSON reader reads ({RECURSION_LIMIT} levels; `maxDepth` allows more): read the input whole, not streamed"
                ),
                offset: self.pos,
                limit: None,
            });
        }
        Ok(())
    }

    /// Scans the string at `pos` (its opening quote): its content's byte range and whether it
    /// has escapes. Checks escapes and control characters, and the string budget.
    fn scan_string(&mut self) -> Read<(usize, usize, bool)> {
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            let Some(&b) = self.bytes.get(i) else {
                self.pos = i;
                return self.error("unexpected end of input inside a string");
            };
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    let next = self.bytes.get(i + 1).copied();
                    match next {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u') => {
                            let hex = self.bytes.get(i + 2..i + 6).unwrap_or_default();
                            if hex.len() != 4 || !hex.iter().all(u8::is_ascii_hexdigit) {
                                self.pos = i;
                                return self.error("invalid `\\u` escape in a string");
                            }
                            i += 6;
                        }
                        _ => {
                            self.pos = i;
                            return self.error("invalid escape in a string");
                        }
                    }
                }
                0..=0x1f => {
                    self.pos = i;
                    return self.error("control character in a string (escape it)");
                }
                _ => i += 1,
            }
        }
        if i - start > self.max_string {
            self.pos = start.saturating_sub(1);
            return Err(JsonError {
                message: format!("a string longer than {} bytes", self.max_string),
                offset: self.pos,
                limit: Some("maxStringBytes"),
            });
        }
        self.pos = i + 1;
        Ok((start, i, escaped))
    }

    /// The text of a scanned string, unescaped.
    fn string_text(&self, start: usize, end: usize, escaped: bool) -> Read<String> {
        let raw = self.text.get(start..end).unwrap_or_default();
        if !escaped {
            return Ok(raw.to_owned());
        }
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('u') => {
                    let unit = hex4(&mut chars);
                    let c = if (0xd800..0xdc00).contains(&unit) {
                        // a high surrogate: a low one must follow as `\uXXXX`
                        let rest = chars.as_str();
                        if rest.starts_with("\\u") {
                            let mut ahead = rest.get(2..).unwrap_or_default().chars();
                            let low = hex4(&mut ahead);
                            if (0xdc00..0xe000).contains(&low) {
                                chars = ahead;
                                char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))
                            } else {
                                None
                            }
                        } else {
                            None
                        }
                    } else {
                        char::from_u32(unit)
                    };
                    match c {
                        Some(c) => out.push(c),
                        None => {
                            return Err(JsonError {
                                message: "a `\\u` escape that is a lone surrogate".to_owned(),
                                offset: start,
                                limit: None,
                            });
                        }
                    }
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        Ok(out)
    }

    fn scan_number(&mut self) -> Read<&'a str> {
        let start = self.pos;
        let digits = |r: &mut Self| {
            let from = r.pos;
            while r.peek().is_some_and(|b| b.is_ascii_digit()) {
                r.pos += 1;
            }
            r.pos > from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.unexpected("a value"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return self.unexpected("a digit");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !digits(self) {
                return self.unexpected("a digit");
            }
        }
        Ok(self.text.get(start..self.pos).unwrap_or_default())
    }

    fn literal(&mut self, word: &str) -> Read<()> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            self.unexpected("a value")
        }
    }

    /// Reads the value at `pos` (after whitespace). `keep` says what to keep of it (`No`: skip
    /// it, returning `None`); `kind` and `path` are the rule's inputs for the entries below.
    fn value(
        &mut self,
        depth: usize,
        keep: Keep,
        rule: Prune<'_>,
        kind: &str,
        path: &mut Vec<String>,
    ) -> Read<Option<Node>> {
        self.ws();
        let at = self.pos;
        let node = |r: &mut Self, value: Value| {
            let (line, column) = r.lines.at(at);
            Node { value, line, column }
        };
        let Some(b) = self.peek() else { return self.unexpected("a value") };
        let value = match b {
            b'{' => return self.map(depth + 1, keep, rule, kind, path),
            b'[' => return self.seq(depth + 1, keep, rule, kind, path),
            b'"' => {
                let (start, end, escaped) = self.scan_string()?;
                if keep == Keep::No {
                    return Ok(None);
                }
                Value::String(self.string_text(start, end, escaped)?)
            }
            b't' => {
                self.literal("true")?;
                Value::Bool(true)
            }
            b'f' => {
                self.literal("false")?;
                Value::Bool(false)
            }
            b'n' => {
                self.literal("null")?;
                Value::Null
            }
            _ => {
                let number = self.scan_number()?;
                if keep == Keep::No {
                    return Ok(None);
                }
                plain_scalar(number)
            }
        };
        if keep == Keep::No {
            return Ok(None);
        }
        self.count_node(1)?;
        Ok(Some(node(self, value)))
    }

    fn map(
        &mut self,
        depth: usize,
        keep: Keep,
        rule: Prune<'_>,
        kind: &str,
        path: &mut Vec<String>,
    ) -> Read<Option<Node>> {
        let position = self.open(depth, keep)?;
        // an object's root: its `kind` decides what is kept below it
        let own_kind;
        let kind = if path.is_empty() && keep == Keep::Part && kind.is_empty() {
            own_kind = self.lookahead_kind();
            own_kind.as_deref().unwrap_or("")
        } else {
            kind
        };
        let mut entries = Vec::new();
        let mut seen = None;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return self.unexpected("a string key");
                }
                let key_at = self.pos;
                let (start, end, escaped) = self.scan_string()?;
                self.expect(b':', "`:`")?;
                let child = match keep {
                    Keep::No => Keep::No,
                    Keep::All => Keep::All,
                    Keep::Part => {
                        let name = self.string_text(start, end, escaped)?;
                        path.push(name);
                        let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                        let child = rule(kind, &segments);
                        path.pop();
                        child
                    }
                };
                if child == Keep::No {
                    self.value(depth, Keep::No, rule, kind, path)?;
                } else {
                    let name = self.string_text(start, end, escaped)?;
                    let (line, column) = self.lines.at(key_at);
                    path.push(name.clone());
                    let value = self.value(depth, child, rule, kind, path)?;
                    path.pop();
                    self.count_node(1)?;
                    if let Some(value) = value {
                        if duplicate(&entries, &mut seen, &name) {
                            self.pos = key_at;
                            return self.error(format!("duplicate key `{name}`"));
                        }
                        entries.push((Key { name, line, column }, value));
                    }
                }
                if self.closed(b'}')? {
                    break;
                }
            }
        }
        self.built(keep, Value::Map(entries), position)
    }

    fn seq(
        &mut self,
        depth: usize,
        keep: Keep,
        rule: Prune<'_>,
        kind: &str,
        path: &mut Vec<String>,
    ) -> Read<Option<Node>> {
        let position = self.open(depth, keep)?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                if let Some(item) = self.value(depth, keep, rule, kind, path)? {
                    items.push(item);
                }
                if self.closed(b']')? {
                    break;
                }
            }
        }
        self.built(keep, Value::Seq(items), position)
    }

    /// Past the `{` or `[` of a mapping or sequence at `depth`: its position when kept.
    fn open(&mut self, depth: usize, keep: Keep) -> Read<(u32, u32)> {
        self.deeper(depth)?;
        let position = if keep == Keep::No { (0, 0) } else { self.lines.at(self.pos) };
        self.pos += 1;
        Ok(position)
    }

    /// After an entry or element: past a `,` (false) or the closing `close` (true).
    fn closed(&mut self, close: u8) -> Read<bool> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => self.unexpected(if close == b'}' { "`,` or `}`" } else { "`,` or `]`" }),
        }
    }

    /// A finished mapping or sequence: counted and positioned when kept.
    fn built(&mut self, keep: Keep, value: Value, (line, column): (u32, u32)) -> Read<Option<Node>> {
        if keep == Keep::No {
            return Ok(None);
        }
        self.count_node(1)?;
        Ok(Some(Node { value, line, column }))
    }

    /// The `kind` string of the object whose `{` was just passed, looked up ahead (entries
    /// skipped); the position is restored. `None` when it has none or anything is off (the
    /// real read then reports it).
    fn lookahead_kind(&mut self) -> Option<String> {
        let saved = (self.pos, self.nodes);
        let found = (|| -> Read<Option<String>> {
            self.ws();
            if self.peek() == Some(b'}') {
                return Ok(None);
            }
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Ok(None);
                }
                let (start, end, escaped) = self.scan_string()?;
                self.expect(b':', "`:`")?;
                self.ws();
                if self.text.get(start..end) == Some("kind") && !escaped && self.peek() == Some(b'"') {
                    let (s, e, esc) = self.scan_string()?;
                    return self.string_text(s, e, esc).map(Some);
                }
                self.value(1, Keep::No, &keep_all, "", &mut Vec::new())?;
                self.ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    _ => return Ok(None),
                }
            }
        })();
        (self.pos, self.nodes) = saved;
        found.ok().flatten()
    }

    /// After a whole document: only whitespace may follow.
    fn end(&mut self) -> Read<()> {
        self.ws();
        match self.peek() {
            None => Ok(()),
            Some(_) => self.unexpected("the end of the document"),
        }
    }
}

/// Whether a mapping's entries already have `name` (as the YAML reader, a duplicate is an
/// error): a scan of a small mapping, a set for a large one.
fn duplicate(entries: &[(Key, Node)], seen: &mut Option<HashSet<String>>, name: &str) -> bool {
    if let Some(set) = seen {
        return !set.insert(name.to_owned());
    }
    if entries.iter().any(|(k, _)| k.name == name) {
        return true;
    }
    if entries.len() >= 16 {
        let mut set: HashSet<String> = entries.iter().map(|(k, _)| k.name.clone()).collect();
        set.insert(name.to_owned());
        *seen = Some(set);
    }
    false
}

fn hex4(chars: &mut std::str::Chars<'_>) -> u32 {
    let mut unit = 0u32;
    for _ in 0..4 {
        unit = unit * 16 + chars.next().and_then(|c| c.to_digit(16)).unwrap_or(0);
    }
    unit
}

/// Reads one JSON object (or any value) whose text starts at `first_line`/`first_column` of
/// the input, keeping what `rule` keeps; the whole text must be that one value.
pub(crate) fn read_object(
    text: &str,
    first_line: u32,
    first_column: u32,
    limits: Limits,
    max_string: usize,
    kind: &str,
    rule: Prune<'_>,
) -> Result<Node, JsonError> {
    let mut reader = Reader::new(text, limits, max_string, first_line, first_column);
    let node = reader.value(0, Keep::Part, rule, kind, &mut Vec::new())?;
    reader.end()?;
    match node {
        Some(node) => Ok(node),
        None => reader.error("no value"),
    }
}

/// A JSON error as the YAML reader reports one: line and column in the input.
pub(crate) fn to_yaml_error(e: JsonError, text: &str, first_line: u32, first_column: u32) -> YamlError {
    let mut lines = Lines::new(text.as_bytes(), first_line, first_column);
    let (line, column) = lines.at(e.offset.min(text.len()));
    YamlError { message: e.message, line, column, limit: e.limit }
}

/// A top-level list document cut into its items.
pub(crate) struct JsonList<'a> {
    /// The document without its items (`"items": []`), with positions.
    pub(crate) root: Node,
    /// Each item's text with its 1-based line and column in the input.
    pub(crate) items: Vec<(&'a str, u32, u32)>,
}

/// Cuts a JSON document `{..., "items": [ {...}, ... ], ...}` into the rest (read whole) and
/// its items' texts, by a scan that tracks strings and brackets (each item is then read, and
/// checked, on its own). `None` when the document is not such an object or the scan finds it
/// malformed (the caller reads it whole and reports the error there).
pub(crate) fn split_list(text: &str, limits: Limits, max_string: usize) -> Option<JsonList<'_>> {
    let bytes = text.as_bytes();
    let mut reader = Reader::new(text, limits, max_string, 1, 1);
    reader.ws();
    if reader.peek() != Some(b'{') {
        return None;
    }
    let root_at = reader.pos;
    reader.pos += 1;
    let mut entries = Vec::new();
    let mut items = None;
    let mut items_key = None;
    reader.ws();
    if reader.peek() == Some(b'}') {
        return None;
    }
    loop {
        reader.ws();
        if reader.peek() != Some(b'"') {
            return None;
        }
        let key_at = reader.pos;
        let (start, end, escaped) = reader.scan_string().ok()?;
        let name = reader.string_text(start, end, escaped).ok()?;
        reader.expect(b':', "`:`").ok()?;
        reader.ws();
        if name == "items" && reader.peek() == Some(b'[') && items.is_none() {
            let open = reader.pos;
            let (list, close) = split_items(bytes, open)?;
            items = Some(list);
            items_key = Some((key_at, open));
            reader.pos = close + 1;
        } else {
            let value = reader.value(1, Keep::All, &keep_all, "", &mut Vec::new()).ok()??;
            let (line, column) = reader.lines.at(key_at);
            entries.push((Key { name, line, column }, value));
        }
        reader.ws();
        match reader.peek() {
            Some(b',') => reader.pos += 1,
            Some(b'}') => {
                reader.pos += 1;
                break;
            }
            _ => return None,
        }
    }
    reader.end().ok()?;
    let (items, (key_at, open)) = (items?, items_key?);
    // the item slot and the root, positioned as a whole read positions them
    let (key_line, key_column) = reader.lines.at(key_at);
    let (line, column) = reader.lines.at(open);
    let slot = Node { value: Value::Seq(Vec::new()), line, column };
    let key = Key { name: "items".to_owned(), line: key_line, column: key_column };
    let index = entries.iter().position(|(k, _): &(Key, Node)| (k.line, k.column) > (key_line, key_column));
    entries.insert(index.unwrap_or(entries.len()), (key, slot));
    let (line, column) = reader.lines.at(root_at);
    let root = Node { value: Value::Map(entries), line, column };
    let items = items
        .into_iter()
        .map(|(s, e, line, column)| Some((text.get(s..e)?, line, column)))
        .collect::<Option<Vec<_>>>()?;
    Some(JsonList { root, items })
}

/// An item's text in a buffer: start, end, and the 1-based line and column of its start.
type ItemSpan = (usize, usize, u32, u32);

/// A batch's results, or the input offset of text that is not UTF-8.
type BatchResults<T> = Result<ItemResults<T>, usize>;

/// A batch's parse, handed to the pool (run at once in WebAssembly).
type Job<'a> = Box<dyn FnOnce() + Send + 'a>;

/// `f`, its jobs' lifetime fixed to one region (what a closure's own signature cannot say), so
/// that a scope can run them.
fn with_jobs<'a, R, F: FnMut(&mut dyn FnMut(Job<'a>)) -> R>(f: F) -> F {
    f
}

/// Each item of a batch as `each` made it, or its index and why it could not be read.
pub(crate) type ItemResults<T> = Vec<Result<T, (usize, YamlError)>>;

/// The elements of the array whose `[` is at `open` (byte ranges, and each one's 1-based line
/// and column), and the offset of its `]`: a scan of strings and brackets only, counting lines
/// on the way (JSON strings hold no raw line breaks).
fn split_items(bytes: &[u8], open: usize) -> Option<(Vec<ItemSpan>, usize)> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<(usize, u32, u32)> = None;
    let mut lines = Lines::new(bytes, 1, 1);
    let mut i = open + 1;
    let mut begin = |at: usize, start: &mut Option<(usize, u32, u32)>| {
        if start.is_none() {
            let (line, column) = lines.at(at);
            *start = Some((at, line, column));
        }
    };
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                begin(i, &mut start);
                // to the closing quote
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'"' => break,
                        b'\\' => i += 2,
                        _ => i += 1,
                    }
                }
            }
            b'{' | b'[' => {
                begin(i, &mut start);
                depth += 1;
            }
            b'}' | b']' => {
                if depth == 0 {
                    if b == b'}' {
                        return None;
                    }
                    if let Some((s, line, column)) = start.take() {
                        items.push((s, trim_end(bytes, s, i), line, column));
                    }
                    return Some((items, i));
                }
                depth -= 1;
            }
            b',' if depth == 0 => {
                let (s, line, column) = start.take()?;
                items.push((s, trim_end(bytes, s, i), line, column));
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => begin(i, &mut start),
        }
        i += 1;
    }
    None
}

fn trim_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && bytes.get(end - 1).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
        end -= 1;
    }
    end
}

/// How a streamed input ended: a list whose items were all handed over (the rest of the
/// document, its items empty, as `root`), or not such a list (`bytes`: everything read, to be
/// read whole).
pub(crate) enum Streamed {
    List {
        root: Node,
        bytes: usize,
    },
    NotAList(Vec<u8>),
    /// The sink asked to stop (strict mode and an error).
    Stopped,
}

/// Why a stream stopped: the reader failed, or the text is not UTF-8 / not JSON where it must be.
pub(crate) enum StreamError {
    Io(std::io::Error),
    Text { offset: usize },
    Json(YamlError),
}

/// Bytes read at a time, and the most item text read before its items are parsed and freed.
/// A batch is small so that the first batch's scan and the last batch's parse, which nothing
/// overlaps, are short: 48 MB batches were three for a 120 MB list of slim pods, and 8 MB ones
/// took its read from 2.3 to 1.7–2.2 s (docs/performance.md, "The slim compact List").
pub(crate) const BLOCK: usize = 8 << 20;
pub(crate) const BATCH: usize = 8 << 20;
/// The most text before `"items": [`: more is not a list to stream.
const MAX_HEADER: usize = 16 << 20;

/// Reads a JSON list document (`{..., "items": [...], ...}`, what `kubectl get -o json`
/// prints) from `reader` item by item, keeping at most a batch of its text in memory: each
/// batch's items are read on the available cores, `each` makes them into `T`s (given the item
/// index and tree) and `sink` takes them, in order, with the errors of items that could not be
/// read (index, error). The kind the document names before its items (`PodList`) is the
/// items' kind for the rule. Anything that is not such a list comes back whole
/// ([`Streamed::NotAList`]).
pub(crate) fn stream_list<T: Send>(
    reader: &mut dyn std::io::Read,
    (block, batch, expected): (usize, usize, usize),
    limits: Limits,
    max_string: usize,
    rule: Prune<'_>,
    each: &(dyn Fn(&Node, usize, Node) -> T + Sync),
    sink: &mut dyn FnMut(ItemResults<T>) -> bool,
) -> Result<Streamed, StreamError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut eof = false;
    let mut fill = |buf: &mut Vec<u8>, eof: &mut bool| -> Result<(), StreamError> {
        let before = buf.len();
        buf.resize(before + block, 0);
        let mut filled = before;
        while filled < buf.len() {
            match reader.read(buf.get_mut(filled..).unwrap_or_default()) {
                Ok(0) => {
                    *eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(StreamError::Io(e)),
            }
        }
        buf.truncate(filled);
        Ok(())
    };
    // the header: everything up to `"items": [`
    let found = loop {
        fill(&mut buf, &mut eof)?;
        match header(&buf, limits, max_string) {
            Header::Found(found) => break found,
            Header::More if !eof && buf.len() < MAX_HEADER => {}
            Header::More | Header::No => {
                // read whole: into one buffer of the input's size when it is known, not one
                // doubled as it grows (the old buffer and the spare capacity were half as much
                // memory again as the text, for a 0.8 GB `-o yaml` dump)
                let _ = buf.try_reserve_exact(expected.saturating_sub(buf.len()).saturating_add(block));
                while !eof {
                    fill(&mut buf, &mut eof)?;
                }
                return Ok(Streamed::NotAList(buf));
            }
        }
    };
    let HeaderFound { mut entries, kind: header_kind, open, key_at, root_at } = found;
    // the document as far as known (its items empty), for `each`
    let mut head = entries.clone();
    head.push((
        Key { name: "items".to_owned(), line: key_at.0, column: key_at.1 },
        Node { value: Value::Seq(Vec::new()), line: 0, column: 0 },
    ));
    let head = Node { value: Value::Map(head), line: root_at.0, column: root_at.1 };
    let item_kind = header_kind.as_deref().and_then(|k| k.strip_suffix("List")).unwrap_or("").to_owned();
    // the items: a resumable scan of strings and brackets, counting lines and columns
    // from past the `[`
    let items_at = Lines::new(&buf, 1, 1).at(open);
    let mut scan = Scan::new(open + 1, items_at.0, items_at.1.saturating_add(1));
    let mut base = 0usize; // offset in the input of buf[0]
    let mut index = 0usize;
    let mut pending: Vec<ItemSpan> = Vec::new();
    // A batch's items are parsed on the pool while this thread reads and scans the next batch
    // (natively; in WebAssembly, one after the other): at most one batch is in flight, and its
    // results reach `sink` before the next batch's, so the order is the input's.
    let parse = |text: &[u8], spans: &[ItemSpan], first: usize, base: usize| -> BatchResults<T> {
        let texts = spans
            .iter()
            .map(|(s, e, line, column)| {
                let bytes = text.get(*s..*e).unwrap_or_default();
                std::str::from_utf8(bytes).map(|t| (t, *line, *column)).map_err(|u| base + s + u.valid_up_to())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(crate::parallel::map_ordered(&texts, 1, &|i, (text, line, column)| {
            read_object(text, *line, *column, limits, max_string, &item_kind, rule)
                .map(|node| each(&head, first + i, node))
                .map_err(|e| (first + i, to_yaml_error(e, text, *line, *column)))
        }))
    };
    let parse = &parse;
    let mut body = with_jobs(|spawn| -> Result<Option<usize>, StreamError> {
        let mut in_flight: Option<std::sync::mpsc::Receiver<(BatchResults<T>, Vec<u8>)>> = None;
        // a batch's text buffer, back from its parse: the next one's, so that the pages are
        // not given back and faulted in again for every batch
        let mut spare: Vec<u8> = Vec::new();
        // hands the batch in flight (if any) to `sink`; false when the stream must stop
        let deliver = |in_flight: &mut Option<std::sync::mpsc::Receiver<(BatchResults<T>, Vec<u8>)>>,
                       spare: &mut Vec<u8>,
                       sink: &mut dyn FnMut(ItemResults<T>) -> bool|
         -> Result<bool, StreamError> {
            let Some(rx) = in_flight.take() else { return Ok(true) };
            match rx.recv() {
                Ok((results, text)) => {
                    *spare = text;
                    match results {
                        Ok(results) => Ok(sink(results)),
                        Err(offset) => Err(StreamError::Text { offset }),
                    }
                }
                Err(_) => Err(StreamError::Io(std::io::Error::other("a batch of items was not parsed"))),
            }
        };
        loop {
            let found = scan.run(&buf, &mut pending).map_err(|at| {
                StreamError::Json(YamlError {
                    message: "unexpected `}` in the list's items".to_owned(),
                    line: at.0,
                    column: at.1,
                    limit: None,
                })
            })?;
            let batch_bytes = pending.last().map_or(0, |(_, end, _, _)| *end);
            if found.is_some() || eof {
                // the last batch: parsed here, after the one in flight
                if !deliver(&mut in_flight, &mut spare, sink)? {
                    return Ok(None);
                }
                let items = std::mem::take(&mut pending);
                let results = parse(&buf, &items, index, base).map_err(|offset| StreamError::Text { offset })?;
                index += items.len();
                if !sink(results) {
                    return Ok(None);
                }
            } else if batch_bytes >= batch {
                // cut the buffer after the complete items: their text goes with the batch, the
                // unfinished item's stays
                let items = std::mem::take(&mut pending);
                let keep_from = scan.start.map_or(scan.pos, |(s, _, _)| s);
                scan.forget(&buf, keep_from);
                let mut rest = std::mem::take(&mut spare);
                rest.clear();
                rest.extend_from_slice(buf.get(keep_from..).unwrap_or_default());
                let text = std::mem::replace(&mut buf, rest);
                let (first, at) = (index, base);
                index += items.len();
                base += keep_from;
                let (tx, rx) = std::sync::mpsc::channel();
                spawn(Box::new(move || {
                    // the receiver is gone only when the stream stopped: nothing to tell
                    let _ = tx.send((parse(&text, &items, first, at), text));
                }));
                // the previous batch's results, while this one is parsed
                if !deliver(&mut in_flight, &mut spare, sink)? {
                    return Ok(None);
                }
                in_flight = Some(rx);
            }
            if let Some(close) = found {
                return Ok(Some(close));
            }
            if eof {
                return Err(StreamError::Json(YamlError {
                    message: "unexpected end of input inside the list's items".to_owned(),
                    line: scan.line,
                    column: scan.column_at(&buf, buf.len()),
                    limit: None,
                }));
            }
            fill(&mut buf, &mut eof)?;
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let close = rayon::in_place_scope(|scope| body(&mut |job| scope.spawn(move |_| job())))?;
    #[cfg(target_arch = "wasm32")]
    let close = body(&mut |job| job())?;
    let Some(close) = close else { return Ok(Streamed::Stopped) };
    // the rest of the document, after `]`
    while !eof {
        fill(&mut buf, &mut eof)?;
    }
    let rest = buf.get(close..).unwrap_or_default();
    let rest = std::str::from_utf8(rest).map_err(|u| StreamError::Text { offset: base + close + u.valid_up_to() })?;
    let (line, column) = (scan.line, scan.column_at(&buf, close));
    let mut reader = Reader::new(rest, limits, max_string, line, column);
    reader.pos = 1;
    let trailer = reader.rest_of_object().map_err(|e| StreamError::Json(to_yaml_error(e, rest, line, column)))?;
    entries.push((
        Key { name: "items".to_owned(), line: key_at.0, column: key_at.1 },
        Node { value: Value::Seq(Vec::new()), line: items_at.0, column: items_at.1 },
    ));
    entries.extend(trailer);
    let root = Node { value: Value::Map(entries), line: root_at.0, column: root_at.1 };
    Ok(Streamed::List { root, bytes: base + buf.len() })
}

/// The start of a list document, up to the `[` of its items.
struct HeaderFound {
    /// The top-level object's entries before `items`.
    entries: Vec<(Key, Node)>,
    /// Its kind, if given before `items`.
    kind: Option<String>,
    /// The offset of the `[`.
    open: usize,
    /// Line and column of the `items` key and of the object.
    key_at: (u32, u32),
    root_at: (u32, u32),
}

enum Header {
    Found(HeaderFound),
    /// The text ends before `"items": [`.
    More,
    /// Not a JSON object with `items` (or not UTF-8 there).
    No,
}

fn header(buf: &[u8], limits: Limits, max_string: usize) -> Header {
    // the longest UTF-8 prefix (a block may end inside a character)
    let text = match std::str::from_utf8(buf) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(buf.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or("")
        }
        Err(_) => return Header::No,
    };
    let mut reader = Reader::new(text, limits, max_string, 1, 1);
    reader.ws();
    let root_at = reader.lines.at(reader.pos);
    match reader.peek() {
        Some(b'{') => reader.pos += 1,
        Some(_) => return Header::No,
        None => return Header::More,
    }
    let mut entries = Vec::new();
    let mut kind = None;
    loop {
        reader.ws();
        match reader.peek() {
            Some(b'"') => {}
            None => return Header::More,
            Some(_) => return Header::No,
        }
        let key_at = reader.pos;
        let Ok((start, end, escaped)) = reader.scan_string() else { return Header::More };
        let Ok(name) = reader.string_text(start, end, escaped) else { return Header::No };
        reader.ws();
        match reader.peek() {
            Some(b':') => reader.pos += 1,
            None => return Header::More,
            Some(_) => return Header::No,
        }
        reader.ws();
        if name == "items" {
            let key_at = reader.lines.at(key_at);
            return match reader.peek() {
                Some(b'[') => Header::Found(HeaderFound { entries, kind, open: reader.pos, key_at, root_at }),
                None => Header::More,
                Some(_) => Header::No,
            };
        }
        let (line, column) = reader.lines.at(key_at);
        let value = match reader.value(1, Keep::All, &keep_all, "", &mut Vec::new()) {
            Ok(Some(value)) => value,
            Err(e) if e.offset >= text.len() => return Header::More,
            _ => return Header::No,
        };
        if name == "kind" {
            kind = value.as_str().map(str::to_owned);
        }
        entries.push((Key { name, line, column }, value));
        reader.ws();
        match reader.peek() {
            Some(b',') => reader.pos += 1,
            None => return Header::More,
            Some(_) => return Header::No,
        }
    }
}

/// The state of [`stream_list`]'s scan of the items: strings are skipped to their next quote
/// or backslash, and columns are counted only where an item starts.
struct Scan {
    depth: usize,
    in_string: bool,
    /// A backslash in a string was the buffer's last byte.
    escaped: bool,
    /// The current item's start (offset in the buffer), line and column.
    start: Option<(usize, u32, u32)>,
    pos: usize,
    /// The line of `pos`, and where it starts in the buffer.
    line: u32,
    line_start: usize,
    /// A known column on the current line (its offset and column), unless a line starts after it.
    col_pos: usize,
    col: u32,
}

impl Scan {
    /// Scanning from `pos`, which is on `line` at `column`.
    fn new(pos: usize, line: u32, column: u32) -> Self {
        Self {
            depth: 0,
            in_string: false,
            escaped: false,
            start: None,
            pos,
            line,
            line_start: pos,
            col_pos: pos,
            col: column,
        }
    }

    /// The column of `at`, on the current line at or after the known column.
    fn column_at(&mut self, buf: &[u8], at: usize) -> u32 {
        let chars = |from: usize| {
            let bytes = buf.get(from..at).unwrap_or_default();
            u32::try_from(bytes.iter().filter(|b| (**b & 0xc0) != 0x80).count()).unwrap_or(u32::MAX)
        };
        let column = if self.line_start > self.col_pos {
            chars(self.line_start).saturating_add(1)
        } else {
            self.col.saturating_add(chars(self.col_pos))
        };
        (self.col_pos, self.col) = (at, column);
        column
    }

    fn newline(&mut self, after: usize) {
        self.line = self.line.saturating_add(1);
        self.line_start = after;
    }

    /// Drops the first `n` bytes of the buffer (they are done with): offsets move back.
    fn forget(&mut self, buf: &[u8], n: usize) {
        if self.line_start <= n {
            // the current line started before the cut: keep the column at the cut
            self.column_at(buf, n);
            self.line_start = n;
        }
        self.line_start -= n;
        self.col_pos = self.col_pos.saturating_sub(n);
        self.pos -= n;
        if let Some((s, _, _)) = &mut self.start {
            *s -= n;
        }
    }

    /// Scans `buf` from `pos`, pushing each complete item (start, end, line, column); the
    /// offset of the list's `]` when reached. `Err`: a `}` closing the list (line, column).
    fn run(&mut self, buf: &[u8], items: &mut Vec<ItemSpan>) -> Result<Option<usize>, (u32, u32)> {
        loop {
            if self.in_string {
                if self.escaped {
                    match buf.get(self.pos) {
                        None => return Ok(None),
                        Some(b) => {
                            self.escaped = false;
                            self.pos += 1;
                            if *b == b'\n' {
                                self.newline(self.pos);
                            }
                        }
                    }
                }
                let rest = buf.get(self.pos..).unwrap_or_default();
                match rest.iter().position(|c| matches!(c, b'"' | b'\\' | b'\n')) {
                    None => {
                        self.pos = buf.len();
                        return Ok(None);
                    }
                    Some(k) => {
                        let at = self.pos + k;
                        self.pos = at + 1;
                        match rest.get(k) {
                            Some(b'"') => self.in_string = false,
                            Some(b'\\') => self.escaped = true,
                            _ => self.newline(self.pos),
                        }
                    }
                }
                continue;
            }
            let Some(&b) = buf.get(self.pos) else { return Ok(None) };
            let at = self.pos;
            self.pos += 1;
            match b {
                b'\n' => {
                    self.newline(self.pos);
                    self.pos = skip_spaces(buf, self.pos);
                }
                b' ' => self.pos = skip_spaces(buf, self.pos),
                b'\t' | b'\r' => {}
                b',' if self.depth == 0 => {
                    if let Some((s, l, c)) = self.start.take() {
                        items.push((s, trim_end(buf, s, at), l, c));
                    }
                }
                b'}' | b']' if self.depth == 0 => {
                    let position = (self.line, self.column_at(buf, at));
                    if b == b'}' {
                        return Err(position);
                    }
                    if let Some((s, l, c)) = self.start.take() {
                        items.push((s, trim_end(buf, s, at), l, c));
                    }
                    return Ok(Some(at));
                }
                _ => {
                    if self.start.is_none() {
                        let column = self.column_at(buf, at);
                        self.start = Some((at, self.line, column));
                    }
                    match b {
                        b'"' => self.in_string = true,
                        b'{' | b'[' => self.depth += 1,
                        b'}' | b']' => self.depth -= 1,
                        _ => {}
                    }
                }
            }
        }
    }
}

impl Reader<'_> {
    /// The entries of an object after its `items` array (the reader just past the `]`), to
    /// its `}` and the end of the text.
    fn rest_of_object(&mut self) -> Read<Vec<(Key, Node)>> {
        let mut entries = Vec::new();
        loop {
            self.ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => self.pos += 1,
                _ => return self.unexpected("`,` or `}`"),
            }
            self.ws();
            if self.peek() != Some(b'"') {
                return self.unexpected("a string key");
            }
            let key_at = self.pos;
            let (start, end, escaped) = self.scan_string()?;
            let name = self.string_text(start, end, escaped)?;
            let (line, column) = self.lines.at(key_at);
            self.expect(b':', "`:`")?;
            if let Some(value) = self.value(1, Keep::All, &keep_all, "", &mut Vec::new())? {
                entries.push((Key { name, line, column }, value));
            }
        }
        self.end()?;
        Ok(entries)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::source::yaml::parse_documents;

    const LIMITS: Limits = Limits { max_depth: 64, max_nodes: 1_000_000, max_aliases: 100, max_alias_replay: 10_000 };

    fn yaml(text: &str) -> Node {
        let mut roots = parse_documents(text, LIMITS).unwrap();
        assert_eq!(roots.len(), 1);
        roots.pop().unwrap()
    }

    fn json(text: &str) -> Result<Node, JsonError> {
        read_object(text, 1, 1, LIMITS, 1 << 20, "", &keep_all)
    }

    const TEXTS: &[&str] = &[
        r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"app": "x"}}}"#,
        "{\n    \"a\": [1, -2, 3.5, 1e3, -0.5, true, false, null, {}, []],\n    \"b\": {\"c\": \"é ü 中文 \\u00e9 \\ud83d\\ude00 \\n\\t\\\"\\\\ \\/\"}\n}\n",
        "  {\"k\":{\"deep\":[[[[{\"x\":\"y\"}]]]]},\"é\":\"v\",\"n\":12345678901234567890}  ",
        "[\n  {\"a\": 1},\n\t{\"b\": \"\\u0041\"}\n]",
        "{\"x\": \"a\", \"é\u{1F600}\": {\n  \"y\":    [ \"z\" ,\"w\" ] } }",
    ];

    #[test]
    fn trees_and_positions_equal_a_yaml_parse() {
        for text in TEXTS {
            assert_eq!(json(text).unwrap(), yaml(text), "{text}");
        }
    }

    #[test]
    fn values_equal_serde_json() {
        for text in TEXTS {
            let expected: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(json(text).unwrap().to_json(), expected, "{text}");
        }
    }

    #[test]
    fn malformed_json_is_an_error_with_its_offset() {
        let bad: &[(&str, usize)] = &[
            (r#"{"a": }"#, 6),
            (r#"{"a": 1,}"#, 8),
            (r#"{"a" 1}"#, 5),
            (r#"{"a": [1 2]}"#, 9),
            (r#"{"a": "x"#, 8),
            ("{\"a\": \"\u{1}\"}", 7),
            (r#"{"a": "\x"}"#, 7),
            (r#"{"a": "\u12"}"#, 7),
            (r#"{"a": 01}"#, 7),
            (r#"{"a": 1.}"#, 8),
            (r#"{"a": tru}"#, 6),
            (r#"{"a": 1} x"#, 9),
            (r#"{a: 1}"#, 1),
            (r#"{"dup": 1, "dup": 2}"#, 11),
            ("", 0),
        ];
        for (text, offset) in bad {
            let e = json(text).unwrap_err();
            if !text.contains("dup") {
                // serde_json takes the last of duplicate keys; the YAML reader refuses them
                assert!(serde_json::from_str::<serde_json::Value>(text).is_err(), "{text}");
            }
            assert_eq!(e.offset, *offset, "{text}: {}", e.message);
            assert_eq!(e.limit, None);
        }
    }

    #[test]
    fn skipped_values_are_checked_but_not_built() {
        let rule = |_: &str, path: &[&str]| match path {
            ["keep", ..] => Keep::All,
            _ => Keep::No,
        };
        let text = r#"{"skip": {"a": [1, {"b": "c"}]}, "keep": {"x": 1}}"#;
        let node = read_object(text, 1, 1, LIMITS, 100, "", &rule).unwrap();
        assert_eq!(node.to_json(), serde_json::json!({"keep": {"x": 1}}));
        assert_eq!(node.get("keep").unwrap().column, 42);
        let bad = r#"{"skip": {"a": [1, {"b" "c"}]}, "keep": {"x": 1}}"#;
        assert_eq!(read_object(bad, 1, 1, LIMITS, 100, "", &rule).unwrap_err().offset, 24);
    }

    #[test]
    fn the_kind_is_looked_up_ahead() {
        let rule = |kind: &str, path: &[&str]| match (kind, path) {
            ("Pod", ["spec", ..]) => Keep::No,
            _ => Keep::All,
        };
        let text = r#"{"spec": {"a": 1}, "metadata": {}, "kind": "Pod"}"#;
        let node = read_object(text, 1, 1, LIMITS, 100, "", &rule).unwrap();
        assert_eq!(node.to_json(), serde_json::json!({"metadata": {}, "kind": "Pod"}));
    }

    /// Each budget: input just under it reads, just over it is refused with the option named.
    #[test]
    fn budgets_just_under_and_just_over() {
        let nested = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let at = |max_depth| Limits { max_depth, ..LIMITS };
        assert!(read_object(&nested(10), 1, 1, at(10), 100, "", &keep_all).is_ok());
        let e = read_object(&nested(11), 1, 1, at(10), 100, "", &keep_all).unwrap_err();
        assert_eq!(e.limit, Some("maxDepth"));
        // nesting counts in skipped values too
        let skip = |_: &str, _: &[&str]| Keep::No;
        let deep = format!("{{\"a\": {}}}", nested(10));
        assert_eq!(read_object(&deep, 1, 1, at(10), 100, "", &skip).unwrap_err().limit, Some("maxDepth"));
        // nodes: the map, its key and value: 3
        let nodes = |max_nodes| Limits { max_nodes, ..LIMITS };
        assert!(read_object(r#"{"a": 1}"#, 1, 1, nodes(3), 100, "", &keep_all).is_ok());
        assert_eq!(read_object(r#"{"a": 1}"#, 1, 1, nodes(2), 100, "", &keep_all).unwrap_err().limit, Some("maxNodes"));
        // strings, skipped ones included
        assert!(read_object(r#"{"a": "12345"}"#, 1, 1, LIMITS, 5, "", &skip).is_ok());
        let e = read_object(r#"{"a": "123456"}"#, 1, 1, LIMITS, 5, "", &skip).unwrap_err();
        assert_eq!((e.limit, e.offset), (Some("maxStringBytes"), 6));
    }

    /// A reader that gives at most `n` bytes a call.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn streamed_lists_equal_split_ones() {
        for pretty in [false, true] {
            let items: Vec<serde_json::Value> = (0..40)
                .map(|i| serde_json::json!({"kind": "Pod", "metadata": {"name": format!("p{i} é"), "deep": {"a": {"b": {"c": {"d": [1, {"e": "é"}]}}}}}, "s": "a, ] } \" [\\"}))
                .collect();
            let doc = serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"x": [1]}});
            let text =
                if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { serde_json::to_string(&doc).unwrap() };
            let list = split_list(&text, LIMITS, 100).unwrap();
            let expected: Vec<Node> = list
                .items
                .iter()
                .map(|(item, line, column)| read_object(item, *line, *column, LIMITS, 100, "", &keep_all).unwrap())
                .collect();
            for (block, batch) in [(7, 50), (1, 1), (3, 1000), (BLOCK, BATCH)] {
                let mut got = Vec::new();
                let mut sink = |results: ItemResults<Node>| {
                    got.extend(results.into_iter().map(Result::unwrap));
                    true
                };
                let each = |_: &Node, _: usize, node: Node| node;
                let streamed = stream_list(
                    &mut Trickle(text.as_bytes(), 5),
                    (block, batch, text.len()),
                    LIMITS,
                    100,
                    &keep_all,
                    &each,
                    &mut sink,
                );
                let Ok(Streamed::List { root, bytes }) = streamed else { panic!("not streamed") };
                assert_eq!(got, expected, "pretty {pretty} block {block} batch {batch}");
                assert_eq!(root, list.root);
                assert_eq!(bytes, text.len());
            }
        }
        // not lists: given back whole
        for text in ["[1, 2]", "{\"a\": 1}", "kind: List\nitems: []\n"] {
            let mut sink = |_: ItemResults<Node>| true;
            let streamed =
                stream_list(&mut text.as_bytes(), (4, 4, 0), LIMITS, 100, &keep_all, &|_, _, n| n, &mut sink);
            let Ok(Streamed::NotAList(bytes)) = streamed else { panic!("{text}") };
            assert_eq!(bytes, text.as_bytes());
        }
    }

    /// The items of a kubectl dump (four-space indentation, and compact) are the YAML
    /// parser's, positions included.
    #[test]
    fn kubectl_dump_items_equal_the_yaml_parse() {
        use crate::synth::SynthConfig;
        use crate::synth::kubectl::{DumpFormat, kubectl_dump};
        let config = SynthConfig { pods: 40, policies: 10, namespaces: 3, ..SynthConfig::default() };
        for format in [DumpFormat::Json, DumpFormat::JsonCompact] {
            let mut dump = Vec::new();
            kubectl_dump(&config, format, &mut dump).unwrap();
            let text = String::from_utf8(dump).unwrap();
            let whole = yaml(&text);
            let Value::Seq(expected) = &whole.get("items").unwrap().value else { panic!("items") };
            let list = split_list(&text, LIMITS, 1 << 20).unwrap();
            assert_eq!(list.items.len(), expected.len());
            for ((item, line, column), expected) in list.items.iter().zip(expected) {
                let node = read_object(item, *line, *column, LIMITS, 1 << 20, "", &keep_all).unwrap();
                assert_eq!(&node, expected, "{format:?}");
            }
        }
    }

    #[test]
    fn newlines_are_counted() {
        let text = "a\nbb\n\n".repeat(37) + "\n\u{e9}\n";
        for start in 0..8 {
            let part = &text.as_bytes()[start..];
            assert_eq!(count_newlines(part), part.iter().filter(|b| **b == b'\n').count());
        }
    }

    #[test]
    fn lists_split_into_items_with_their_positions() {
        for pretty in [false, true] {
            let items: Vec<serde_json::Value> = (0..5)
                .map(|i| serde_json::json!({"kind": "Pod", "metadata": {"name": format!("p{i}"), "deep": {"a": {"b": {"c": {"d": [1, {"e": "f"}]}}}}}, "s": "a, ] } \" ["}))
                .collect();
            let doc = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}});
            let text =
                if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { serde_json::to_string(&doc).unwrap() };
            let list = split_list(&text, LIMITS, 100).unwrap();
            let whole = yaml(&text);
            let Value::Seq(expected) = &whole.get("items").unwrap().value else { unreachable!() };
            assert_eq!(list.items.len(), 5);
            for ((item, line, column), expected) in list.items.iter().zip(expected) {
                let node = read_object(item, *line, *column, LIMITS, 100, "", &keep_all).unwrap();
                assert_eq!(&node, expected);
            }
            let mut skeleton = whole.clone();
            if let Value::Map(entries) = &mut skeleton.value {
                for (k, v) in entries.iter_mut() {
                    if k.name == "items" {
                        v.value = Value::Seq(Vec::new());
                    }
                }
            }
            assert_eq!(list.root, skeleton);
        }
        assert!(split_list(r#"{"kind": "List", "items": [{"a": 1}, }]}"#, LIMITS, 100).is_none());
        assert!(split_list(r#"[1, 2]"#, LIMITS, 100).is_none());
    }
}
