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
    if out.is_empty() { None } else { String::from_utf8(out).ok() }
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
