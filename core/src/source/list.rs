//! One large list document (what `kubectl get -o yaml` or `-o json` writes: a mapping whose
//! `items` hold every object) parsed on several cores. The items are cut apart at their
//! boundaries, each is parsed on its own, and they are put back into the tree of the rest of the
//! document. The result is the tree a whole parse gives (positions included; a test compares
//! them); whenever that is not certain — anchors or aliases, a `%` directive, items that do not
//! parse alone, limits the whole document would break — the caller parses the document whole.

use crate::source::json::JsonStrings;
use crate::source::json_read::Prune;
use crate::source::shift_lines;
use crate::source::yaml::{Limits, parse_documents};
use crate::source::{Node, Value};

/// A list document cut into its items.
struct Split<'a> {
    /// The document with the items' text blanked (lines kept), so its tree has their positions
    /// everywhere else and `items: null` (YAML) or `items: []` (JSON).
    skeleton: String,
    /// Each item's text (whole lines: columns are unchanged) and its 0-based first line.
    items: Vec<(&'a str, u32)>,
    /// YAML block sequence entries (`- ...` at column 0), or JSON array elements.
    block: bool,
}

/// A list document cut into its items, with the tree of the rest of it.
struct Prepared<'a> {
    split: Split<'a>,
    /// The skeleton's tree: the document without its items (`items: null` or `[]`).
    root: Node,
}

/// Cuts `text` into its items and parses the rest; `None` when the document is not such a list
/// or anything is uncertain.
fn prepare(text: &str, first_line: u32, limits: Limits) -> Option<Prepared<'_>> {
    // lines are cut at line feeds here; a lone carriage return breaks a YAML line too
    if may_have_anchors(text)
        || text.lines().any(|l| l.starts_with('%'))
        || super::tree::lone_carriage_returns(text) > 0
    {
        return None;
    }
    let split = split_yaml(text).or_else(|| split_json(text))?;
    // kubectl's form, `- apiVersion: ...`: an entry's content starts on the line of its `-`
    let content_on_dash_line = |(item, _): &(&str, u32)| {
        item.strip_prefix("- ")
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| !c.is_ascii_whitespace() && c != '#')
    };
    if split.items.len() < 2 || (split.block && !split.items.iter().all(content_on_dash_line)) {
        return None;
    }
    // a tag or an anchor on the first entry (`- !t ...`, `- &a ...`): the parser places the
    // sequence at it, the entry after it (found by fuzzing; the anchor had a name of `&`s, which
    // `may_have_anchors` lets through); leave that to the whole parse
    if split.block
        && split.items.first().is_some_and(|(item, _)| item.trim_start_matches(['-', ' ']).starts_with(['!', '&']))
    {
        return None;
    }
    // an item whose last line opens a block scalar (`key: |-` and nothing after it): the
    // empty scalar is placed at whatever follows the item, which its own parse does not see
    // (found by fuzzing)
    if split.block && split.items.iter().any(|(item, _)| ends_with_block_header(item)) {
        return None;
    }
    let mut roots = parse_documents(&split.skeleton, limits).ok()?;
    let mut root = match (roots.len(), roots.pop()) {
        (1, Some(root)) => root,
        _ => return None,
    };
    shift_lines(&mut root, first_line);
    let Value::Map(entries) = &root.value else { return None };
    let mut found = entries.iter().filter(|(k, _)| k.name == "items");
    let (Some((_, slot)), None) = (found.next(), found.next()) else { return None };
    match (&slot.value, split.block) {
        (Value::Null, true) => {}
        (Value::Seq(empty), false) if empty.is_empty() => {}
        _ => return None,
    }
    Some(Prepared { split, root })
}

/// Whether the last line of `item` with anything but spaces or a comment on it ends with a
/// block scalar's header (`|`, `>-`, `|2+` ...).
fn ends_with_block_header(item: &str) -> bool {
    let content = |line: &&str| !line.trim_start().is_empty() && !line.trim_start().starts_with('#');
    let last = item.lines().map(str::trim_end).rfind(content).unwrap_or_default();
    let header = last.rsplit([' ', '\t']).next().unwrap_or_default();
    super::yaml_prune::is_block_header(header)
}

/// Whether the document stays within the node and depth budgets: the node budget is per object
/// (`nodes`: the largest item's count; and the skeleton's, its items empty), the depth the
/// whole document's.
fn within(root: &Node, nodes: usize, depth: usize, limits: Limits) -> bool {
    let mut skeleton = root.clone();
    set_items(&mut skeleton, Vec::new());
    let (skeleton_nodes, skeleton_depth) = measure(&skeleton);
    nodes.max(skeleton_nodes) <= limits.max_nodes && depth.max(skeleton_depth) < limits.max_depth
}

/// Each item parsed on the available cores and made into a `T` by `each` (given its index)
/// on the thread that parsed it, in order; `None` when an item does not parse alone or the
/// whole document would break the budgets.
fn parse_items<T: Send>(
    Prepared { split, root }: &Prepared<'_>,
    first_line: u32,
    limits: Limits,
    prune: Option<Prune<'_>>,
    each: &(dyn Fn(usize, Node) -> T + Sync),
) -> Option<Vec<T>> {
    let block = split.block;
    let parsed = crate::parallel::map_ordered(&split.items, 1, &|i, item| {
        parse_item(*item, first_line, limits, block, prune).map(|(node, nodes, depth)| (each(i, node), nodes, depth))
    });
    let mut out = Vec::with_capacity(split.items.len());
    let (mut nodes, mut depth) = (0usize, 0usize);
    for parsed_item in parsed {
        let (result, item_nodes, item_depth) = parsed_item?;
        // the node budget is per object: each item's own, and the rest of the document's
        nodes = nodes.max(item_nodes);
        depth = depth.max(item_depth + 2);
        out.push(result);
    }
    within(root, nodes, depth, limits).then_some(out)
}

/// The document's tree, parsed item by item on the available cores; `None` when the document
/// is not such a list or anything is uncertain (then parse it whole).
pub(crate) fn parse_list(text: &str, first_line: u32, limits: Limits) -> Option<Node> {
    let prepared = prepare(text, first_line, limits)?;
    let items = parse_items(&prepared, first_line, limits, None, &|_, node| node)?;
    let (block, mut root) = (prepared.split.block, prepared.root);
    if let Value::Map(entries) = &mut root.value
        && let Some((_, slot)) = entries.iter_mut().find(|(k, _)| k.name == "items")
        && block
    {
        // a block sequence is placed where its first entry is (after the `- `; `prepare`
        // declines a tag or an anchor there)
        let first = items.first()?;
        (slot.line, slot.column) = (first.line, first.column);
    }
    set_items(&mut root, items);
    Some(root)
}

/// The list's items, each handed to `each` (with the tree of the rest of the document and the
/// item's index) on the thread that parsed it, as soon as it is parsed: the items' trees never
/// all exist at once. `None` when the document is not such a list, anything is uncertain, or
/// `wants` (shown the rest of the document) declines; then parse it whole. The budgets count
/// the whole document, as a whole parse would.
///
/// With `prune`, what it skips of an item of a block list (kubectl's `-o yaml`) is blanked
/// before the item is parsed (`yaml_prune`), as the JSON reader skips it.
pub(crate) fn parse_list_items<T: Send>(
    text: &str,
    first_line: u32,
    limits: Limits,
    prune: Option<Prune<'_>>,
    wants: &(dyn Fn(&Node) -> bool + Sync),
    each: &(dyn Fn(&Node, usize, Node) -> T + Sync),
) -> Option<Vec<T>> {
    let prepared = prepare(text, first_line, limits)?;
    if !wants(&prepared.root) {
        return None;
    }
    parse_items(&prepared, first_line, limits, prune, &|i, node| each(&prepared.root, i, node))
}

/// Puts the parsed items into the (only) `items` of the root mapping.
fn set_items(root: &mut Node, items: Vec<Node>) {
    if let Value::Map(entries) = &mut root.value
        && let Some((_, slot)) = entries.iter_mut().find(|(k, _)| k.name == "items")
    {
        slot.value = Value::Seq(items);
    }
}

/// Whether `text` may hold an anchor (`&a`) or an alias (`*a`): such a character at the start
/// of a token followed by a name character. Quoted text can make this say yes wrongly, which
/// only costs the parallel parse (a cron schedule `*/5 * * * *` or a shell `a && b` does not).
fn may_have_anchors(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        matches!(b, b'&' | b'*')
            && i.checked_sub(1)
                .and_then(|p| bytes.get(p))
                .is_none_or(|p| matches!(p, b' ' | b'\t' | b'\n' | b'[' | b'{' | b',' | b':' | b'-'))
            && bytes.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric() || matches!(n, b'_' | b'-' | b'.'))
    })
}

/// One item, with lines of the whole input (`base`: the document's first line), its node count
/// and its depth.
fn parse_item(
    (text, first_line): (&str, u32),
    base: u32,
    limits: Limits,
    block: bool,
    prune: Option<Prune<'_>>,
) -> Option<(Node, usize, usize)> {
    // a block entry parses as a sequence of it: one node more than the item
    let limits = Limits { max_nodes: limits.max_nodes.saturating_add(usize::from(block)), ..limits };
    let pruned = prune.filter(|_| block).and_then(|rule| super::yaml_prune::prune_block_item(text, rule));
    let mut roots = parse_documents(pruned.as_deref().unwrap_or(text), limits).ok()?;
    let root = match (roots.len(), roots.pop()) {
        (1, Some(root)) => root,
        _ => return None,
    };
    let mut node = if block {
        // `- {...}` parses as a sequence of that one item
        match root.value {
            Value::Seq(mut items) if items.len() == 1 => items.pop()?,
            _ => return None,
        }
    } else {
        root
    };
    shift_lines(&mut node, first_line.saturating_add(base));
    let (nodes, depth) = measure(&node);
    Some((node, nodes, depth))
}

/// Nodes (keys included, as the tree builder counts them against `max_nodes`) and nesting
/// depth (scalars included, so it errs on the safe side of `max_depth`) of a tree.
fn measure(root: &Node) -> (usize, usize) {
    let (mut nodes, mut depth) = (0usize, 0usize);
    let mut stack = vec![(root, 1usize)];
    while let Some((n, d)) = stack.pop() {
        nodes += 1;
        depth = depth.max(d);
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Map(entries) => {
                nodes += entries.len();
                stack.extend(entries.iter().map(|(_, v)| (v, d + 1)));
            }
            _ => {}
        }
    }
    (nodes, depth)
}

/// Whole lines with their byte offsets.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0usize, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

/// `items:` at column 0 followed by entries `- ...` at column 0, each continued by indented or
/// blank lines, up to the next line at column 0.
fn split_yaml(text: &str) -> Option<Split<'_>> {
    let mut skeleton = String::with_capacity(text.len() / 8);
    let mut items: Vec<(usize, usize, u32)> = Vec::new(); // start, end, first line
    let mut state = 0u8; // 0 before `items:`, 1 in the items, 2 after
    // after the items, until the next key at column 0: an indented line there may continue the
    // items' value for the parser (found by fuzzing: ` !1@;` after a comment that ended the
    // items read as a tag of `items:` in the skeleton, an error in the whole document)
    let mut after_items_without_key = false;
    for (n, (start, line)) in lines(text).enumerate() {
        let n = u32::try_from(n).ok()?;
        let bare = line.trim_end_matches(['\n', '\r']);
        if state == 2 && after_items_without_key {
            let content = bare.trim_start();
            if !content.is_empty() && !content.starts_with('#') {
                if bare.starts_with([' ', '\t']) {
                    return None;
                }
                after_items_without_key = false;
            }
        }
        if state == 1 {
            // an item's line indented by one space: less than the entry's content, so the
            // item alone and the whole document may read it differently
            if bare.starts_with(' ')
                && !bare.starts_with("  ")
                && !bare.trim().is_empty()
                && !bare.trim_start().starts_with('#')
            {
                return None;
            }
            if bare == "-" || bare.starts_with("- ") {
                items.push((start, start + line.len(), n));
                skeleton.push('\n');
                continue;
            }
            if bare.trim().is_empty() || bare.starts_with(' ') {
                let current = items.last_mut()?;
                current.1 = start + line.len();
                skeleton.push('\n');
                continue;
            }
            // the items end at the next key of the list (`kind: List`) or a comment; a line
            // at column 0 that is neither may continue the last item for the parser (found by
            // fuzzing: a plain scalar continued there), so the whole parse decides
            if !(bare.starts_with('#') || super::yaml_prune::plain_key(bare).is_some()) {
                return None;
            }
            state = 2;
            after_items_without_key = bare.starts_with('#');
        }
        if state == 0 && bare.trim_end() == "items:" {
            state = 1;
        }
        skeleton.push_str(line);
    }
    if state == 0 {
        return None;
    }
    let items = items.into_iter().map(|(s, e, n)| Some((text.get(s..e)?, n))).collect::<Option<Vec<_>>>()?;
    Some(Split { skeleton, items, block: true })
}

/// `"items": [` in the top-level object of a JSON document, whose elements are objects, each
/// starting on a line of its own (so its text is whole lines).
fn split_json(text: &str) -> Option<Split<'_>> {
    let bytes = text.as_bytes();
    let open = find_items_array(bytes)?;
    // the elements: (start of the line of `{`, end after `}`)
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut strings = JsonStrings::default();
    let mut depth = 0usize;
    let mut element_start = 0usize;
    // between elements: whether a `,` was seen since the last one (none before the first)
    let mut comma = false;
    let mut close = None;
    let mut i = open + 1;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if depth > 0 && strings.feed(b) {
            continue;
        }
        if depth == 0 {
            // between elements only whitespace, one `,` each, `{` and the closing `]`
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b',' if !comma && !items.is_empty() => comma = true,
                b'{' if comma || items.is_empty() => {
                    let at = i - 1;
                    let line_start = bytes.get(..at)?.iter().rposition(|c| *c == b'\n').map_or(0, |p| p + 1);
                    if !bytes.get(line_start..at)?.iter().all(|c| *c == b' ' || *c == b'\t') {
                        return None;
                    }
                    element_start = line_start;
                    depth = 1;
                    comma = false;
                }
                b']' if !comma => {
                    close = Some(i - 1);
                    break;
                }
                _ => return None,
            }
            continue;
        }
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    items.push((element_start, i));
                }
            }
            _ => {}
        }
    }
    let close = close?;
    // blank everything between `[` and `]`, keeping line breaks, and the columns of the line
    // of `]` (a key may follow it on that line: `], next: ...`; found by fuzzing)
    let region = text.get(open + 1..close)?;
    let last_line = region.rfind('\n').map_or(region, |at| region.get(at + 1..).unwrap_or_default());
    let mut skeleton = String::with_capacity(text.len() - region.len() + region.len() / 64);
    skeleton.push_str(text.get(..=open)?);
    skeleton.extend(region.chars().filter(|c| *c == '\n'));
    skeleton.extend(last_line.chars().map(|_| ' '));
    skeleton.push_str(text.get(close..)?);
    // each element's first line, counting line breaks once from the previous element on
    let mut out = Vec::with_capacity(items.len());
    let (mut counted_to, mut line) = (0usize, 0usize);
    for (start, end) in items {
        line += bytes.get(counted_to..start)?.iter().filter(|c| **c == b'\n').count();
        counted_to = start;
        out.push((text.get(start..end)?, u32::try_from(line).ok()?));
    }
    Some(Split { skeleton, items: out, block: false })
}

/// The offset of the `[` of `"items": [` at depth 1 of the top-level object.
fn find_items_array(bytes: &[u8]) -> Option<usize> {
    let mut strings = JsonStrings::default();
    let mut depth = 0usize;
    let mut string_start = 0usize;
    let mut last_key: Option<(usize, usize)> = None;
    for (i, &b) in bytes.iter().enumerate() {
        let was_inside = strings.inside();
        if strings.feed(b) {
            if !was_inside {
                string_start = i;
            } else if !strings.inside() {
                last_key = (depth == 1).then_some((string_start, i + 1));
            }
            continue;
        }
        match b {
            b'{' | b'[' => {
                if depth == 1
                    && b == b'['
                    && let Some((s, e)) = last_key
                    && bytes.get(s..e) == Some(b"\"items\"".as_slice())
                    && bytes.get(e..i)?.iter().all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b':'))
                {
                    return Some(i);
                }
                if depth == 0 && b != b'{' {
                    return None;
                }
                depth += 1;
            }
            b'}' | b']' => depth = depth.checked_sub(1)?,
            b',' => last_key = None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_depth: 64, max_nodes: 1_000_000, max_aliases: 100, max_alias_replay: 10_000 };

    fn whole(text: &str) -> Node {
        let mut roots = parse_documents(text, LIMITS).unwrap();
        assert_eq!(roots.len(), 1);
        roots.pop().unwrap()
    }

    fn yaml_item(i: usize) -> String {
        format!(
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    labels: {{app: a{i}, \"quoted - items:\": x}}\n\
             \n  spec:\n    containers:\n    - name: c\n      args:\n      - \"- not an item\"\n      - |\n        line one\n\n        line three\n\
             \x20     ports: [{{containerPort: {i}}}]\n  # a comment inside the item\n  status: {{podIP: 10.0.0.{i}}}\n"
        )
    }

    fn yaml_list(n: usize) -> String {
        let items: String = (0..n).map(yaml_item).collect();
        format!("---\napiVersion: v1\nitems:\n{items}kind: List\nmetadata:\n  resourceVersion: \"\"\n")
    }

    fn json_list(n: usize) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "        {{\n            \"apiVersion\": \"v1\",\n            \"kind\": \"Pod\",\n            \"metadata\": {{\"name\": \"p{i}\", \"annotations\": {{\"x\": \"a ] b }} c \\\" [ {{\"}}}},\n            \"spec\": {{\"containers\": [{{\"name\": \"c\", \"args\": [\"*/5 * * * *\", \"a && b\"]}}]}}\n        }}"
                )
            })
            .collect();
        format!(
            "{{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n{}\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {{\"resourceVersion\": \"\"}}\n}}\n",
            items.join(",\n")
        )
    }

    #[test]
    fn split_yaml_list_equals_the_whole_parse() {
        for n in [2, 3, 17] {
            let text = yaml_list(n);
            assert_eq!(parse_list(&text, 0, LIMITS).unwrap(), whole(&text), "{n} items");
            let mut shifted = whole(&text);
            shift_lines(&mut shifted, 5);
            assert_eq!(parse_list(&text, 5, LIMITS).unwrap(), shifted, "{n} items, a later document");
            let crlf = text.replace('\n', "\r\n");
            assert_eq!(parse_list(&crlf, 0, LIMITS).unwrap(), whole(&crlf), "{n} items, CRLF");
        }
    }

    #[test]
    fn split_json_list_equals_the_whole_parse() {
        for n in [2, 5, 23] {
            let text = json_list(n);
            assert_eq!(parse_list(&text, 0, LIMITS).unwrap(), whole(&text), "{n} items");
        }
        // something after `]` on its line keeps its column (found by fuzzing: a key `+ "kind"`
        // in YAML's flow style, continued on the next line, was placed two columns left)
        let text = json_list(3);
        let close = text.rfind(']').unwrap();
        let text = format!("{}],+{}", &text[..close], &text[close + 2..]);
        assert!(text.contains("    ],+\n"), "{text}");
        assert_eq!(parse_list(&text, 0, LIMITS).unwrap(), whole(&text));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Lists of items with arbitrary strings (quotes, `- `, `: `, `#`, brackets, line
        /// breaks, non-ASCII), written as YAML by serde-saphyr and as pretty JSON: the split
        /// parse is either declined or equal to the whole parse.
        #[test]
        fn split_parse_equals_whole_parse(
            strings in proptest::collection::vec("[a-z0-9 :#'\"\\-\\[\\]{},&*|>\n\té]{0,24}", 2..40),
        ) {
            let items: Vec<serde_json::Value> = strings
                .chunks(2)
                .enumerate()
                .map(|(i, pair)| serde_json::json!({
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": format!("c{i}"), "labels": {"k": pair[0]}},
                    "data": {"a": pair.get(1).cloned().unwrap_or_default(), "list": [pair[0], {"x": i}]},
                }))
                .collect();
            let list = serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {}});
            let yaml = serde_saphyr::to_string(&list).unwrap();
            let json = serde_json::to_string_pretty(&list).unwrap();
            for text in [yaml, json] {
                if let Some(split) = parse_list(&text, 0, LIMITS) {
                    proptest::prop_assert_eq!(split, whole(&text), "{}", text);
                }
            }
        }
    }

    /// The layouts the property test writes are ones the split takes (so it tests the split).
    #[test]
    fn serde_saphyr_yaml_and_pretty_json_lists_are_split() {
        let items: Vec<serde_json::Value> = (0..3)
            .map(|i| serde_json::json!({"kind": "ConfigMap", "data": {"a": "x: y # z", "l": [i, "é"]}}))
            .collect();
        let list = serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List"});
        for text in [serde_saphyr::to_string(&list).unwrap(), serde_json::to_string_pretty(&list).unwrap()] {
            assert_eq!(parse_list(&text, 0, LIMITS).as_ref(), Some(&whole(&text)), "{text}");
        }
    }

    #[test]
    fn anything_uncertain_is_left_to_the_whole_parse() {
        let yaml = yaml_list(4);
        let json = json_list(4);
        let cases = [
            // anchors and aliases
            yaml.replacen("name: p1", "name: &n p1", 1),
            // one item, or none
            yaml_list(1),
            "apiVersion: v1\nitems: []\nkind: List\n".to_owned(),
            // an item that does not parse alone (or at all)
            yaml.replacen("  kind: Pod\n", "  kind: [Pod\n", 1),
            // a directive
            format!("%YAML 1.2\n{yaml}"),
            // a line broken by a lone carriage return (found by fuzzing: the items' lines were
            // one short after it)
            yaml.replacen("  spec:\n    containers:", "  spec:\r    containers:", 1),
            // JSON: everything on one line, a non-object element, a missing or extra comma
            json.replace('\n', ""),
            json.replacen("        {\n", "        7,\n        {\n", 1),
            json.replacen("},\n        {", "}\n        {", 1),
            json.replacen("        }\n    ]", "        },\n    ]", 1),
            // a line at column 0 after the items that is not a key: it may continue the last
            // item's scalar (found by fuzzing)
            "apiVersion: v1\nitems:\n- !t:\n- as:\n- ap2\ni     \"c:\n- - a\n".to_owned(),
            // a tag on the first entry: the parser places the sequence at the tag
            "apiVersion: v1\nitems:\n- !t:\n- a: 1\n- b\n".to_owned(),
            "apiVersion: v1\nitems:\n- &&&&a:\n  - x\n- b\n".to_owned(),
            format!("{yaml}not a key\n"),
            // an item ending in an empty block scalar: it is placed at what follows the item
            "apiVersion: v1\nitems:\n- a: 1\n- b: 2\n  c: |-\nrsion: \"\"\n".to_owned(),
            "apiVersion: v1\nitems:\n- a: >\n   \n- b: 2\nkind: List\n".to_owned(),
            // a line of an item indented by one space
            "apiVersion: v1\nitems:\n- a: 1\n- b:\n# c\n !t x\n".to_owned(),
            include_str!("../../../fuzz/regressions/list_split/item-line-indented-by-one-space").to_owned(),
            // an entry whose content starts on the next line
            yaml.replacen(
                "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p2",
                "-\n  apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p2",
                1,
            ),
        ];
        for (i, text) in cases.iter().enumerate() {
            assert!(parse_list(text, 0, LIMITS).is_none(), "case {i}:\n{text}");
        }
        // the node budget is per item (the largest), counted as the tree builder counts
        let tree = whole(&yaml);
        let Value::Seq(items) = &tree.get("items").unwrap().value else { panic!("items") };
        let count = items.iter().map(|item| measure(item).0).max().unwrap();
        let exact = Limits { max_nodes: count, ..LIMITS };
        assert!(parse_list(&yaml, 0, exact).is_some());
        let under = Limits { max_nodes: count - 1, ..LIMITS };
        assert!(parse_list(&yaml, 0, under).is_none());
        let shallow = Limits { max_depth: 5, ..LIMITS };
        assert!(parse_list(&json, 0, shallow).is_none());
        // a cron schedule and a shell `&&` are not anchors
        assert!(parse_list(&json, 0, LIMITS).is_some());
    }
}
