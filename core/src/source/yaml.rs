//! An event-driven YAML/JSON tree builder with explicit budgets.
//!
//! The tree is built iteratively from the parser's events (no recursion), so nesting depth is
//! bounded by the budget, not by the thread's stack, and aliases are expanded against a
//! replay budget so an alias bomb stops early.

use std::collections::HashMap;

use granit_parser::{ErrorKind, Event, Parser, ScalarStyle, Span, StructureStyle};

use crate::source::{Key, Node, Value};

/// Limits for one document.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_depth: usize,
    pub max_nodes: usize,
    pub max_aliases: usize,
    pub max_alias_replay: usize,
}

/// Why a document could not be read.
#[derive(Clone, Debug)]
pub(crate) struct YamlError {
    pub message: String,
    pub line: u32,
    pub column: u32,
    /// The parse option whose limit the document exceeds (`maxNodes`, ...), if that is why.
    pub limit: Option<&'static str>,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        line: u32,
        column: u32,
        anchor: usize,
    },
    /// `merge`: the pending key is the merge key `<<` (plain, untagged; a quoted `"<<"` is an
    /// ordinary key), whose values collect in `merges`.
    Map {
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
        merge: bool,
        merges: Vec<Node>,
        line: u32,
        column: u32,
        anchor: usize,
    },
}

fn at(span: &Span) -> (u32, u32) {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    // The parser's columns are 0-based.
    let column = u32::try_from(span.start.col()).unwrap_or(u32::MAX).saturating_add(1);
    (line, column)
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0usize;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}

/// Resolves a scalar per the YAML 1.2 core schema (plain scalars) or its explicit tag.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&granit_parser::Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() {
            match tag.suffix() {
                "str" => return Value::String(text.to_owned()),
                "null" => return Value::Null,
                "bool" | "int" | "float" => return plain_scalar(text),
                _ => {}
            }
        }
        if style != ScalarStyle::Plain {
            return Value::String(text.to_owned());
        }
        return plain_scalar(text);
    }
    if style == ScalarStyle::Plain { plain_scalar(text) } else { Value::String(text.to_owned()) }
}

pub(crate) fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let bytes = text.as_bytes();
    let first = bytes.first().copied().unwrap_or(b' ');
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::String(text.to_owned());
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(v) = i128::from_str_radix(hex, 16)
    {
        return Value::Int(v);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(v) = i128::from_str_radix(oct, 8)
    {
        return Value::Int(v);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(v) = text.parse::<i128>()
    {
        return Value::Int(v);
    }
    let float_like = digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|b| b.is_ascii_digit());
    if float_like && let Ok(v) = text.parse::<f64>() {
        return Value::Float(v);
    }
    Value::String(text.to_owned())
}

fn key_text(node: &Node) -> Option<String> {
    Some(match &node.value {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_key(*f),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::Seq(_) | Value::Map(_) => return None,
    })
}

/// A float mapping key as Kubernetes names it when it turns YAML into JSON (sigs.k8s.io/yaml:
/// Go's `strconv.FormatFloat(key, 'g', -1, 32)`, with `.inf`, `-.inf` and `.nan` for the
/// non-finite values): the shortest digits that give back the same 32-bit float, in exponent
/// form (`1e+06`, `1.5e-05`) when the exponent is below −4 or at least 6, else in decimal
/// form (`123456`, `0.0001`, `1`).
///
/// The digits come from `zmij` (the float writer `serde_json` brings along), not from Rust's
/// `Display`, whose formatter would be a second one in the WebAssembly module.
fn float_key(f: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // the point: Go converts the key to float32
    let single = f as f32;
    if single.is_nan() {
        return ".nan".to_owned();
    }
    if single.is_infinite() {
        return if single > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    let mut buffer = zmij::Buffer::new();
    let written = buffer.format_finite(single);
    // zmij writes `-`? digits [`.` digits] [`e` exponent]: read it as digits and the position
    // of the decimal point
    let (negative, written) = written.strip_prefix('-').map_or((false, written), |rest| (true, rest));
    let (mantissa, exponent) = written.split_once(['e', 'E']).unwrap_or((written, "0"));
    let exponent: i32 = exponent.trim_start_matches('+').parse().unwrap_or(0);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
    let mut point = i32::try_from(whole.len()).unwrap_or(i32::MAX).saturating_add(exponent);
    let leading = digits.iter().take_while(|d| **d == b'0').count();
    digits.drain(..leading);
    point = point.saturating_sub(i32::try_from(leading).unwrap_or(0));
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if digits.is_empty() {
        out.push('0');
        return out;
    }
    let count = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let digit = |i: i32| usize::try_from(i).ok().and_then(|i| digits.get(i)).map_or('0', |d| char::from(*d));
    let power = point - 1;
    if !(-4..6).contains(&power) {
        out.push(digit(0));
        if count > 1 {
            out.push('.');
            (1..count).for_each(|i| out.push(digit(i)));
        }
        out.push_str(if power < 0 { "e-" } else { "e+" });
        let magnitude = power.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    } else {
        if point > 0 {
            (0..point).for_each(|i| out.push(digit(i)));
        } else {
            out.push('0');
        }
        if count > point {
            out.push('.');
            (point..count).for_each(|i| out.push(digit(i)));
        }
    }
    out
}

/// Applies YAML merge keys (`<<: *base`): entries of the merged mappings that the mapping does
/// not set itself.
fn apply_merges(entries: Vec<(Key, Node)>, merges: Vec<Node>) -> Vec<(Key, Node)> {
    if merges.is_empty() {
        return entries;
    }
    let mut own = entries;
    let mut merged = Vec::new();
    for v in merges {
        match v.value {
            Value::Map(m) => merged.extend(m),
            Value::Seq(items) => {
                for item in items {
                    if let Value::Map(m) = item.value {
                        merged.extend(m);
                    }
                }
            }
            _ => {}
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(o, _)| o.name == k.name) {
            own.push((k, v));
        }
    }
    own
}

/// How many lines [`parse_documents`] rewrites (tabs that indent a line inside a flow
/// collection) before it gives up and reports the parser's error; each costs a new parse.
const MAX_FLOW_TAB_LINES: usize = 16;

/// Parses every document of `text`.
///
/// A line inside a flow collection (`[` … `]`, `{` … `}`) that starts with a tab is valid for
/// kubectl and the API server (go-yaml treats whitespace in flow context as separation), while
/// the parser rejects a tab left of the block's indentation even there. Such a line's leading
/// tabs are read as spaces, which changes no value (leading whitespace of a flow line only
/// separates) and no offset or column (one byte for one byte); a tab that indents block
/// content stays an error.
pub(crate) fn parse_documents(text: &str, limits: Limits) -> Result<Vec<Node>, YamlError> {
    let mut rewritten: Option<String> = None;
    let mut lines = 0;
    loop {
        let current = rewritten.as_deref().unwrap_or(text);
        let mut flow_tab = None;
        match parse_text(current, limits, &mut flow_tab) {
            Err(error) => {
                let Some(at) = flow_tab.filter(|_| lines < MAX_FLOW_TAB_LINES) else { return Err(error) };
                let mut bytes = current.as_bytes().to_vec();
                let mut i = at.min(bytes.len());
                while let Some(b) = i.checked_sub(1).and_then(|j| bytes.get_mut(j)) {
                    match *b {
                        b'\t' => *b = b' ',
                        b' ' => {}
                        _ => break,
                    }
                    i -= 1;
                }
                let Ok(next) = String::from_utf8(bytes) else { return Err(error) };
                if next == current {
                    return Err(error);
                }
                rewritten = Some(next);
                lines += 1;
            }
            Ok(docs) => return Ok(docs),
        }
    }
}

/// How many flow collections `pending` (text the scanner has read ahead, from a node boundary)
/// leaves open. A `[` or `{` opens one where a node starts (after indentation, `- `, `: `, or
/// inside a flow collection, where they are always indicators); quoted scalars and comments
/// are skipped.
fn pending_flow_depth(pending: &str) -> usize {
    let bytes = pending.as_bytes();
    let mut depth = 0usize;
    let mut node_start = true;
    let mut i = 0;
    let blank_at = |j: usize| bytes.get(j).is_none_or(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    while let Some(&c) = bytes.get(i) {
        match c {
            b'"' | b'\'' if node_start => {
                // to the closing quote (`\"` escapes in double quotes, `''` in single ones)
                i += 1;
                while let Some(&q) = bytes.get(i) {
                    if q == b'\\' && c == b'"' {
                        i += 1;
                    } else if q == c {
                        if c == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
                node_start = false;
            }
            b'#' if i == 0 || blank_at(i - 1) => {
                while bytes.get(i).is_some_and(|b| !matches!(b, b'\n' | b'\r')) {
                    i += 1;
                }
                continue;
            }
            b'\n' | b'\r' => node_start = node_start || depth == 0,
            b' ' | b'\t' => {}
            b'[' | b'{' if node_start || depth > 0 => {
                depth += 1;
                node_start = true;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                node_start = false;
            }
            b',' if depth > 0 => node_start = true,
            b':' if depth > 0 || blank_at(i + 1) => node_start = true,
            b'-' | b'?' if node_start && blank_at(i + 1) => {}
            _ => node_start = false,
        }
        i += 1;
    }
    depth
}

/// Parses `text`; `flow_tab` is set, when it fails on a tab that indents a line inside a flow
/// collection, to the byte offset of that line's first character after the tabs.
fn parse_text(text: &str, limits: Limits, flow_tab: &mut Option<usize>) -> Result<Vec<Node>, YamlError> {
    let mut options = granit_parser::Options::default();
    options.flow_nesting_limit = limits.max_depth.saturating_mul(2).saturating_add(4);
    options.block_nesting_limit = limits.max_depth.saturating_mul(2).saturating_add(4);
    options.emit_comments = false;
    let parser = Parser::new_from_str_with_options(text, options);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    let mut aliases = 0usize;
    let mut replayed = 0usize;
    let budget = |message: String, span: &Span, limit: &'static str| {
        let (line, column) = at(span);
        YamlError { message, line, column, limit: Some(limit) }
    };
    // which of the open collections are flow collections, and where the text the parser has
    // turned into events ends (the scanner reads ahead of it: a flow collection may be a key)
    let mut flows: Vec<bool> = Vec::new();
    let mut read = 0usize;
    for event in parser {
        let (event, span) = event.map_err(|e| {
            let message = e.info();
            // the parser's own limits are the nesting limits set from `maxDepth`
            let limit = message.contains("limit").then_some("maxDepth");
            if let (ErrorKind::TabInBlockIndentation, Some(at)) = (e.kind(), e.marker().byte_offset())
                && (flows.last() == Some(&true)
                    || text.get(read..at).is_some_and(|pending| pending_flow_depth(pending) > 0))
            {
                *flow_tab = Some(at);
            }
            YamlError {
                message,
                line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX),
                column: u32::try_from(e.marker().col()).unwrap_or(u32::MAX).saturating_add(1),
                limit,
            }
        })?;
        read = read.max(span.end.byte_offset().unwrap_or(read));
        match &event {
            Event::SequenceStart(style, ..) | Event::MappingStart(style, ..) => {
                flows.push(*style == StructureStyle::Flow);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                flows.pop();
            }
            _ => {}
        }
        let (line, column) = at(&span);
        let mut merge_key = false;
        let complete: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(..) => None,
            Event::DocumentEnd => {
                anchors.clear();
                None
            }
            Event::Alias(id) => {
                aliases += 1;
                if aliases > limits.max_aliases {
                    return Err(budget(format!("more than {} aliases", limits.max_aliases), &span, "maxAliases"));
                }
                let Some(target) = anchors.get(&id) else {
                    return Err(YamlError { message: "unknown alias".to_owned(), line, column, limit: None });
                };
                replayed = replayed.saturating_add(count_nodes(target));
                if replayed > limits.max_alias_replay {
                    return Err(budget(
                        format!("aliases expand to more than {} nodes (alias bomb?)", limits.max_alias_replay),
                        &span,
                        "maxAliasReplay",
                    ));
                }
                let mut node = target.clone();
                node.line = line;
                node.column = column;
                Some((node, 0))
            }
            Event::Scalar(text, style, anchor, tag) => {
                merge_key = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                Some((Node { value: resolve_scalar(&text, style, tag.as_deref()), line, column }, anchor))
            }
            Event::SequenceStart(_, anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(budget(format!("nesting deeper than {} levels", limits.max_depth), &span, "maxDepth"));
                }
                stack.push(Frame::Seq { items: Vec::new(), line, column, anchor });
                None
            }
            Event::MappingStart(_, anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(budget(format!("nesting deeper than {} levels", limits.max_depth), &span, "maxDepth"));
                }
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    merge: false,
                    merges: Vec::new(),
                    line,
                    column,
                    anchor,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { items, line, column, anchor }) => {
                    Some((Node { value: Value::Seq(items), line, column }, anchor))
                }
                _ => return Err(YamlError { message: "unbalanced sequence".to_owned(), line, column, limit: None }),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map { entries, merges, line, column, anchor, .. }) => {
                    Some((Node { value: Value::Map(apply_merges(entries, merges)), line, column }, anchor))
                }
                _ => return Err(YamlError { message: "unbalanced mapping".to_owned(), line, column, limit: None }),
            },
            _ => None,
        };
        let Some((node, anchor)) = complete else { continue };
        nodes += 1;
        if nodes > limits.max_nodes {
            return Err(budget(format!("more than {} nodes", limits.max_nodes), &span, "maxNodes"));
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, merge, merges, .. }) => match key.take() {
                None => {
                    let Some(name) = key_text(&node) else {
                        return Err(YamlError {
                            message: "complex mapping keys are not supported".to_owned(),
                            line: node.line,
                            column: node.column,
                            limit: None,
                        });
                    };
                    *merge = merge_key;
                    if !merge_key && entries.iter().any(|(k, _)| k.name == name) {
                        return Err(YamlError {
                            message: format!("duplicate key `{name}`"),
                            line: node.line,
                            column: node.column,
                            limit: None,
                        });
                    }
                    *key = Some(Key { name, line: node.line, column: node.column });
                }
                Some(_) if *merge => {
                    *merge = false;
                    merges.push(node);
                }
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(docs)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn json(text: &str) -> serde_json::Value {
        let limits = Limits { max_depth: 64, max_nodes: 10_000, max_aliases: 100, max_alias_replay: 10_000 };
        match parse_documents(text, limits) {
            Ok(docs) => docs.first().map(Node::to_json).unwrap_or_default(),
            Err(e) => panic!("{text}: {}", e.message),
        }
    }

    fn error(text: &str) -> YamlError {
        let limits = Limits { max_depth: 64, max_nodes: 10_000, max_aliases: 100, max_alias_replay: 10_000 };
        match parse_documents(text, limits) {
            Ok(docs) => panic!("{text}: parsed as {:?}", docs.first().map(Node::to_json)),
            Err(e) => e,
        }
    }

    #[test]
    fn a_tab_that_indents_a_line_inside_a_flow_collection_is_separation() {
        // as in netpol-analyzer's acs-security-demos-added-workloads (kubectl accepts it)
        let text = "spec:\n  args:\n    [\n      \"-jar\",\n\t      \"-Dlisten=8080\",\n      \"x.jar\",\n    ]\n  name: web\n";
        assert_eq!(
            json(text),
            serde_json::json!({"spec": {"args": ["-jar", "-Dlisten=8080", "x.jar"], "name": "web"}})
        );
        let map = "a:\n  b: {x: 1,\n\ty: 2}\n  c: 3\n";
        assert_eq!(json(map), serde_json::json!({"a": {"b": {"x": 1, "y": 2}, "c": 3}}));
        // locations are those of the text as written
        let limits = Limits { max_depth: 64, max_nodes: 10_000, max_aliases: 100, max_alias_replay: 10_000 };
        let docs = parse_documents(text, limits).unwrap_or_default();
        let Some(Value::Map(spec)) = docs.first().map(|d| &d.value) else { panic!("no mapping") };
        let Some((_, spec)) = spec.first() else { panic!("no spec") };
        let Value::Map(fields) = &spec.value else { panic!("spec is not a mapping") };
        let Some((_, args)) = fields.first() else { panic!("no args") };
        let Value::Seq(items) = &args.value else { panic!("args is not a sequence") };
        assert_eq!((items[1].line, items[1].column), (5, 8));
        // a quoted `[` or one inside a plain scalar opens nothing
        assert_eq!(pending_flow_depth(": \"[\"\nkey: a[0\n"), 0);
        assert_eq!(pending_flow_depth(":\n  [ \"]\", {a: [1, # ]\n"), 3);
    }

    #[test]
    fn a_tab_that_indents_block_content_is_still_an_error() {
        let e = error("a:\n\tb: 1\n");
        assert!(e.message.contains("tab"), "{}", e.message);
        assert_eq!(e.line, 2);
        // after a flow collection has closed, block indentation is block indentation again
        let e = error("a: [1,\n  2]\nb:\n\tc: 1\n");
        assert!(e.message.contains("tab"), "{}", e.message);
        assert_eq!(e.line, 4);
    }

    #[test]
    fn merge_keys_fill_in_what_the_mapping_does_not_set() {
        let text = "base: &b {app: web, tier: front}\nother: &o {zone: a}\n\
                    one: {<<: *b, tier: back}\nmany:\n  <<: [*b, *o]\n  app: api\n";
        let value = json(text);
        assert_eq!(value["one"], serde_json::json!({"tier": "back", "app": "web"}));
        assert_eq!(value["many"], serde_json::json!({"app": "api", "tier": "front", "zone": "a"}));
    }

    #[test]
    fn non_string_keys_are_named_as_kubernetes_names_them() {
        let value = json("1.5: a\n1e3: b\n7: c\ntrue: d\n~: e\n0x1f: f\n");
        let keys: Vec<&str> = value.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
        assert_eq!(keys, ["1.5", "1000", "7", "true", "null", "31"]);
    }

    #[test]
    fn float_keys_are_named_as_go_formats_a_float32_shortest() {
        // strconv.FormatFloat(key, 'g', -1, 32), as sigs.k8s.io/yaml names a float key
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (1.5, "1.5"),
            (-2.5, "-2.5"),
            (100.0, "100"),
            (123_456.0, "123456"),
            (999_999.0, "999999"),
            (1e6, "1e+06"),
            (1_234_567.0, "1.234567e+06"),
            (1e21, "1e+21"),
            (1.234_567_890_123_456_7e19, "1.2345679e+19"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.000_123, "0.000123"),
            (0.00001, "1e-05"),
            (1e-7, "1e-07"),
            (std::f64::consts::PI, "3.1415927"),
            (0.0, "0"),
            (-0.0, "-0"),
            (5e-324, "0"),
            (1.5e300, ".inf"),
            (-1.5e300, "-.inf"),
            (f64::INFINITY, ".inf"),
            (f64::NAN, ".nan"),
        ];
        for (value, name) in cases {
            assert_eq!(float_key(*value), *name, "{value:?}");
        }
        let value = json("1.0: a\n1e6: b\n0.00001: c\n3.14159265358979: d\n.inf: e\n-.inf: f\n.nan: g\n");
        let keys: Vec<&str> = value.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
        assert_eq!(keys, ["1", "1e+06", "1e-05", "3.1415927", ".inf", "-.inf", ".nan"]);
    }

    #[test]
    fn a_quoted_merge_key_is_an_ordinary_key() {
        let value = json("base: &b {app: web}\none: {\"<<\": *b}\ntwo: {'<<': x, <<: *b}\n");
        assert_eq!(value["one"], serde_json::json!({"<<": {"app": "web"}}));
        assert_eq!(value["two"], serde_json::json!({"<<": "x", "app": "web"}));
    }
}
