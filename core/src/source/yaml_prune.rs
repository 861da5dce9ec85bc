//! What the reader keeps of an item of a `kubectl get -o yaml` list, applied to its text before
//! the YAML parser sees it: the lines of every value the rule skips (`managedFields`, `env`,
//! probes, volumes, status conditions of pods and workloads: the rule the JSON reader follows,
//! `inventory::prune`) are blanked — each character but line ends becomes a space, the key
//! stays with a null value — so the parser never builds them, and every byte offset, line and
//! column of what is kept stays exactly where it was.
//!
//! Only the block layout kubectl writes is understood: an item `- key: value` at column 0, keys
//! as plain words, sequences of mappings as `- key: ...` at the indentation of their key or
//! deeper. Anything else where the rule needs to look (a quoted or complex key, a tab, a
//! scalar continued on the next line, nested sequences) gives up: the item is parsed whole, as
//! before.

use super::json_read::{Keep, Prune};

/// The item's text with the values `rule` skips blanked; `None` when nothing is skipped or
/// the text is not in the layout understood (then parse it as it is).
pub(crate) fn prune_block_item(text: &str, rule: Prune<'_>) -> Option<String> {
    let kind = item_kind(text)?;
    let mut out: Vec<u8> = Vec::new();
    // keys whose values are being read (`Keep::Part`): (column, key)
    let mut path: Vec<(usize, &str)> = Vec::new();
    // the column of the key whose value is being blanked, or kept whole
    let (mut blanking, mut keeping): (Option<usize>, Option<usize>) = (None, None);
    let mut offset = 0usize;
    // a quoted scalar or flow collection left open by the lines so far, and the indentation of
    // the line that began a block scalar (`|`, `>`) whose content lines are not looked into
    let mut open = Open::default();
    let mut block_scalar: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let bare = line.trim_end_matches(['\n', '\r']);
        let content = bare.trim_start_matches(' ');
        let indent = bare.len() - content.len();
        if content.starts_with('\t') {
            return None;
        }
        let dash = content == "-" || content.starts_with("- ");
        // inside a value: deeper lines, and a sequence written at its key's indentation
        let inside = |column: usize| content.is_empty() || indent > column || (indent == column && dash);
        // a line of a block scalar's content, or of a quoted scalar or flow collection that
        // goes on from an earlier line: it must be inside the value being blanked or kept, or
        // where the value ends is not known here (found by fuzzing: a quoted scalar went on at
        // a lesser indentation, over a line that read as a key)
        let in_block = block_scalar.is_some_and(|i| content.is_empty() || indent > i);
        if !in_block {
            block_scalar = None;
        }
        let continued = open.is_open() || in_block;
        let region = blanking.or(keeping);
        if continued && !region.is_some_and(|column| inside(column) || content.starts_with('#')) {
            return None;
        }
        if !in_block {
            (open, block_scalar) = open.scan(content, indent);
        }
        if let Some(column) = blanking {
            if inside(column) || content.starts_with('#') {
                blank(&mut out, text, start + indent, start + bare.len());
                continue;
            }
            blanking = None;
        }
        if let Some(column) = keeping {
            if inside(column) || content.starts_with('#') {
                continue;
            }
            keeping = None;
        }
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        // the key on this line, and its column
        let (column, rest) = if dash {
            // an entry of the sequence under the last key at this indentation or less
            path.retain(|(c, _)| *c <= indent);
            let rest = content.get(2..).unwrap_or("").trim_start_matches(' ');
            if rest.is_empty() {
                continue;
            }
            (bare.len() - rest.len(), rest)
        } else {
            path.retain(|(c, _)| *c < indent);
            (indent, content)
        };
        let (key, value) = plain_key(rest)?;
        let keys: Vec<&str> = path.iter().map(|(_, k)| *k).chain(std::iter::once(key)).collect();
        match rule(kind, &keys) {
            Keep::No => {
                // the value goes, the key stays (null): a block mapping is where its first
                // key is, so removing a key could move the mapping
                blank(&mut out, text, start + column + key.len() + 1, start + bare.len());
                blanking = Some(column);
            }
            Keep::All => keeping = Some(column),
            Keep::Part if value.is_empty() => path.push((column, key)),
            // a value on the key's line where the rule looks inside: only a flow mapping or
            // sequence on one line is whole, and kept so
            Keep::Part => keeping = Some(column),
        }
    }
    if open.is_open() || out.is_empty() { None } else { String::from_utf8(out).ok() }
}

/// What a line leaves open for the next: a quoted scalar, flow collections (their depth). The
/// scan opens a quote only where a scalar may begin (the line's start, after `- `, `? `, `: `,
/// a tag or anchor, and inside flow collections after `[`, `{`, `,`), as the parser does; a
/// quote it opens where the parser would not only makes the caller give up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Open {
    depth: usize,
    quote: Option<u8>,
}

impl Open {
    fn is_open(self) -> bool {
        self.depth > 0 || self.quote.is_some()
    }

    /// The state after `content` (a line after its indentation `indent`), and the indentation
    /// of the line when it ends by beginning a block scalar.
    fn scan(mut self, content: &str, indent: usize) -> (Self, Option<usize>) {
        let bytes = content.as_bytes();
        // most lines have nothing that opens or closes
        if !self.is_open() && !bytes.iter().any(|b| matches!(b, b'"' | b'\'' | b'[' | b'{' | b'|' | b'>')) {
            return (self, None);
        }
        let (mut at_start, mut after_space, mut properties) = (true, true, false);
        let mut last_token: Option<u8> = None;
        let mut i = 0;
        while let Some(&c) = bytes.get(i) {
            let next = bytes.get(i + 1).copied();
            if let Some(quote) = self.quote {
                match c {
                    b'\\' if quote == b'"' => i += 1,
                    b'\'' if quote == b'\'' && next == Some(b'\'') => i += 1,
                    _ if c == quote => {
                        self.quote = None;
                        (at_start, last_token) = (false, Some(c));
                    }
                    _ => {}
                }
                i += 1;
                after_space = false;
                continue;
            }
            let space = c == b' ' || c == b'\t';
            let ends = |n: Option<u8>| matches!(n, None | Some(b' ' | b'\t'));
            match c {
                b'#' if after_space => break,
                _ if space => {
                    if properties {
                        (at_start, properties) = (true, false);
                    }
                }
                b'"' | b'\'' if at_start => self.quote = Some(c),
                b'[' | b'{' if at_start || self.depth > 0 => {
                    self.depth += 1;
                    at_start = true;
                }
                b']' | b'}' if self.depth > 0 => {
                    self.depth -= 1;
                    at_start = false;
                }
                b',' if self.depth > 0 => at_start = true,
                b':' if ends(next) || (self.depth > 0 && matches!(next, Some(b',' | b']' | b'}'))) => at_start = true,
                b'-' | b'?' if at_start && ends(next) => {}
                b'!' | b'&' if at_start => (at_start, properties) = (false, true),
                _ => at_start = false,
            }
            if !space {
                last_token = Some(c);
            }
            after_space = space;
            i += 1;
        }
        // `key: |`, `- >-`, `key: |2`: a block scalar's header ends the line (anything else
        // ending in `|` is scanned on as structure, which can only make the caller give up)
        let trimmed = content.split(" #").next().unwrap_or_default().trim_end();
        let header = trimmed.rsplit(' ').next().unwrap_or_default();
        let before = trimmed.get(..trimmed.len() - header.len()).unwrap_or_default();
        let block = !self.is_open()
            && matches!(last_token, Some(b'|' | b'>' | b'-' | b'+' | b'1'..=b'9'))
            && is_block_header(header)
            && (before.is_empty() || before.ends_with(": ") || before.ends_with("- "));
        // its content is deeper than the key (`- key: |`: than `key`) or the entry's `-`
        let owner = match before.strip_suffix(": ") {
            Some(key) => key.rfind("- ").map_or(0, |at| at + 2),
            None => before.len().saturating_sub(2),
        };
        (self, block.then_some(indent + owner))
    }
}

/// Replaces `text[from..to]` by spaces in `out` (a copy of `text`, made on the first call).
fn blank(out: &mut Vec<u8>, text: &str, from: usize, to: usize) {
    if out.is_empty() {
        out.extend_from_slice(text.as_bytes());
    }
    if let Some(span) = out.get_mut(from..to) {
        span.fill(b' ');
    }
}

/// The item's `kind` (a top-level `kind: Word` line), when plainly written.
fn item_kind(text: &str) -> Option<&str> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix("- kind: ").or_else(|| line.strip_prefix("  kind: "))?;
        let kind = rest.trim_end_matches('\r').trim_end();
        (!kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(kind)
    })
}

/// A block scalar's header: `|` or `>` with its indicators (`|-`, `>+`, `|2` ...).
pub(super) fn is_block_header(token: &str) -> bool {
    token.starts_with(['|', '>']) && token.bytes().skip(1).all(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'))
}

/// `key: value` (or `key:`) with a plain key of name characters: the key and the rest.
pub(super) fn plain_key(line: &str) -> Option<(&str, &str)> {
    let end = line.find(':')?;
    let key = line.get(..end)?;
    let after = line.get(end + 1..)?;
    let named = !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-'))
        && !key.starts_with(['-', '.']);
    (named && (after.is_empty() || after.starts_with(' '))).then(|| (key, after.trim()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    // the inventory's rule (what the JSON reader keeps)
    use crate::inventory::prune::keep as prune_rule;

    const POD: &str = "- apiVersion: v1
  kind: Pod
  metadata:
    labels:
      app: web
    managedFields:
    - apiVersion: v1
      fieldsV1:
        f:spec: {}
      manager: kubelet
    name: web-0
  spec:
    containers:
    - env:
      - name: A
        value: \"1\"
      image: example/web
      name: web
      ports:
      - containerPort: 80
        name: http
    volumes:
    - name: data
  status:
    conditions:
    - type: Ready
    phase: Running
    podIP: 10.0.0.1
";

    #[test]
    fn skipped_values_become_spaces_and_offsets_stay() {
        let pruned = prune_block_item(POD, &prune_rule).unwrap();
        assert_eq!(pruned.len(), POD.len());
        assert_eq!(pruned.lines().count(), POD.lines().count());
        let kept: Vec<&str> = pruned.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            kept,
            [
                "- apiVersion: v1",
                "  kind: Pod",
                "  metadata:",
                "    labels:",
                "      app: web",
                "    managedFields:",
                "    name: web-0",
                "  spec:",
                "    containers:",
                "    - env:",
                "      image:",
                "      name: web",
                "      ports:",
                "      - containerPort: 80",
                "        name: http",
                "    volumes:",
                "  status:",
                "    conditions:",
                "    phase: Running",
                "    podIP: 10.0.0.1",
            ]
        );
        // what stays is where it was
        for (before, after) in POD.bytes().zip(pruned.bytes()) {
            assert!(after == b' ' || after == before, "{}", after as char);
        }
    }

    /// Found by the `list_split` fuzz target: a workload's `spec` begins with `selector`, which
    /// is skipped; removing the key moved the mapping (a block mapping is where its first key
    /// is), so the key stays, with a null value.
    #[test]
    fn a_mapping_stays_where_its_first_key_is() {
        let text = "- apiVersion: apps/v1\n  kind: DaemonSet\n  metadata:\n    name: a\n  spec:\n    selector:\n      matchLabels:\n        app: a\n    template:\n      spec:\n        containers:\n        - name: a\n";
        let pruned = prune_block_item(text, &prune_rule).unwrap();
        let limits =
            crate::source::yaml::Limits { max_depth: 100, max_nodes: 1000, max_aliases: 10, max_alias_replay: 100 };
        let [whole] = crate::source::yaml::parse_documents(text, limits).unwrap().try_into().unwrap();
        let [kept] = crate::source::yaml::parse_documents(&pruned, limits).unwrap().try_into().unwrap();
        let spec = |root: &crate::source::Node| {
            let crate::source::Value::Seq(items) = &root.value else { panic!() };
            let node = items[0].get("spec").unwrap().clone();
            (node.line, node.column)
        };
        assert_eq!(spec(&kept), spec(&whole));
        assert_eq!(spec(&kept), (6, 5));
    }

    /// Found by the `list_split` fuzz target: a quoted scalar in a skipped value went on at a
    /// lesser indentation, over a line that read as a key (`managedFields:`), which the
    /// pruner then took for a key of `status`.
    #[test]
    fn a_scalar_or_flow_going_on_past_its_value_is_left_to_the_parser() {
        let head = "- apiVersion: v1\n  kind: Pod\n  status:\n    conditions:\n";
        for rest in [
            "    - lastTransitionTime: \"2:\n      app: x\n    managedFields:\n    - a: v6\"\n    phase: Running\n",
            "    - reason: 'it''s\n    managedFields: x'\n    phase: Running\n",
            "    - list: [a,\n    managedFields: x]\n    phase: Running\n",
            // still open at the end
            "    - message: \"never closed\n",
        ] {
            let text = format!("{head}{rest}");
            assert_eq!(prune_block_item(&text, &prune_rule), None, "{text}");
        }
        // inside the value they are blanked with it: a scalar folded onto deeper lines (as
        // go-yaml writes long strings), a block scalar whose text has an odd quote or bracket
        for rest in [
            "    - message: \"a long\n        message\"\n      reason: 'it''s\n        so'\n    phase: Running\n",
            "    - message: |\n        it's \"odd [\n      reason: x\n    phase: Running\n",
            "    - message: >-\n        {\"a\": \"b\n    phase: Running\n",
        ] {
            let text = format!("{head}{rest}");
            let pruned = prune_block_item(&text, &prune_rule).unwrap_or_else(|| panic!("{text}"));
            let kept: Vec<&str> = pruned.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(kept, ["- apiVersion: v1", "  kind: Pod", "  status:", "    conditions:", "    phase: Running"]);
        }
        // a `|` that ends a plain scalar is no block scalar: the next lines are looked into
        let text = format!("{head}    - message: a |\n      reason: \"x\n    managedFields: y\"\n");
        assert_eq!(prune_block_item(&text, &prune_rule), None, "{text}");
    }

    #[test]
    fn other_layouts_are_left_to_the_parser() {
        // a quoted key, a tab, a continued scalar, a nested sequence: where the rule looks
        let skipped = "- apiVersion: v1\n  kind: Pod\n  metadata:\n    managedFields:\n    - manager: a\n";
        assert!(prune_block_item(skipped, &prune_rule).is_some());
        for rest in [
            "  \"spec\":\n    volumes: []\n",
            "  spec:\n\t  volumes: []\n",
            "  spec:\n    just text\n",
            "  spec:\n    containers:\n    - - a\n",
        ] {
            let text = format!("{skipped}{rest}");
            assert_eq!(prune_block_item(&text, &prune_rule), None, "{text}");
        }
        assert_eq!(prune_block_item(&skipped.replace("kind: Pod", "kind: \"Pod\""), &prune_rule), None);
        // nothing to skip: no copy
        assert_eq!(prune_block_item("- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n", &prune_rule), None);
    }
}
