//! Writing YAML: JSON values as block-style YAML, the way people write Kubernetes manifests.
//!
//! Mappings are `key: value` lines indented by two spaces; a sequence under a key is not
//! indented (`policyTypes:` then `- Ingress`, as `kubectl` writes it); empty collections are
//! `{}` and `[]`. A string is written plain where a YAML 1.1 or 1.2 reader reads it back as the
//! same string (so `yes`, `on`, `null`, `1.5`, `0x1f`, `2001-12-14` and `a: b` are quoted), as a
//! literal block (`|`, `|-`) when it has several lines, and double-quoted otherwise.
//! Every output netfence writes is read back by netfence's own parser in the tests
//! (`BuildOutput::verify` does it for every build), so a quoting mistake cannot pass silently.
//!
//! Why not a YAML library: netfence writes only JSON values, and this writer is a few hundred
//! lines where the serializer it replaced was a tenth of the WebAssembly module's size budget
//! (docs/api.md, "WASM size").

use serde_json::Value;

/// `value` as a YAML document, ending with a line break.
#[must_use]
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    document(&mut out, value);
    out
}

/// Several documents, separated by `---` lines.
pub(crate) fn to_yaml_documents(values: &[Value]) -> String {
    let mut out = String::new();
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        document(&mut out, value);
    }
    out
}

fn document(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => mapping(out, map, 0, false),
        Value::Array(items) if !items.is_empty() => sequence(out, items, 0, false),
        scalar => {
            // a block scalar's lines indented: at column 0 a `---` or `...` line would end the
            // document (found by fuzzing, fuzz/regressions/yaml_write/)
            inline(out, scalar, 2);
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A non-empty mapping, each entry on its own line at `indent`; with `after_dash`, the first
/// entry follows a sequence item's `- ` on the same line.
fn mapping(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize, after_dash: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !after_dash {
            pad(out, indent);
        }
        let mut written = String::new();
        string(&mut written, key, indent, true);
        // an implicit key is at most 1024 characters: a longer one is written explicitly,
        // `? key` and then `: value` on the next line, its collections indented further
        let explicit = written.len() > 1000;
        if explicit {
            out.push_str("? ");
            out.push_str(&written);
            out.push('\n');
            pad(out, indent);
        } else {
            out.push_str(&written);
        }
        out.push(':');
        let nested = if explicit { indent + 2 } else { indent };
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                mapping(out, inner, indent + 2, false);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(out, items, nested, false);
            }
            scalar => {
                out.push(' ');
                inline(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// A non-empty sequence, one `- ` item per line at `indent` (`after_dash` as for [`mapping`]).
fn sequence(out: &mut String, items: &[Value], indent: usize, after_dash: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !after_dash {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => mapping(out, map, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => sequence(out, inner, indent + 2, true),
            scalar => {
                inline(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// A scalar or an empty collection on the current line; `indent` is where a block scalar's
/// lines go.
fn inline(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => string(out, s, indent, false),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// A string: plain, as a literal block (values only), or double-quoted.
fn string(out: &mut String, s: &str, indent: usize, key: bool) {
    if plain_ok(s) {
        out.push_str(s);
    } else if !key && block_ok(s) {
        literal_block(out, s, indent);
    } else {
        double_quoted(out, s);
    }
}

/// Words a YAML 1.1 reader (the one in many tools) takes as booleans or null.
const SPECIAL_WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "<<", "=",
];

/// Whether `s` can be written without quotes and reads back as the same string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if SPECIAL_WORDS.contains(&s) || number_like(s) {
        return false;
    }
    // leading or trailing white space of any kind (`\u{3000}` alone read back as null: found
    // by fuzzing)
    if first.is_whitespace() || s.chars().next_back().is_some_and(char::is_whitespace) || s.ends_with(':') {
        return false;
    }
    // indicators that start something else than a plain scalar
    if "!\"#%&'*,:@[]{}|>`".contains(first) {
        return false;
    }
    // `-` and `?` start a plain scalar only when a non-space follows
    if (first == '-' || first == '?') && s.chars().nth(1).is_none_or(|c| c == ' ') {
        return false;
    }
    if s.contains(": ") || s.contains(" #") {
        return false;
    }
    // `---` or `...` alone or before a space: a document marker where it starts a line (found
    // by fuzzing: the string `---` as the whole document read back as an empty document)
    if ["---", "..."].iter().any(|m| s.strip_prefix(m).is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))) {
        return false;
    }
    s.chars().all(printable)
}

/// Characters written as they are (no escape needed, no line break).
fn printable(c: char) -> bool {
    match c {
        ' '..='~' => true,
        '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'.. => {
            // line and paragraph separators, the byte order mark
            !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
        }
        _ => false,
    }
}

/// Whether some YAML 1.1/1.2 reader could take `s` as a number, a date or a time: the string
/// starts with a digit, or with a sign or dot and a digit or dot, and holds only characters of
/// numbers (`0x1f`, `1_000`, `1e3`, `1:30`, `1.2.3`), it starts like a date (`2001-12-14...`),
/// or it is `.inf` / `.nan`.
fn number_like(s: &str) -> bool {
    // a YAML 1.1 timestamp may go on with `T`, spaces and a zone: `2001-12-14 21:59:43.10 -5`
    let bytes = s.as_bytes();
    if bytes.len() >= 8 && bytes.iter().take(4).all(u8::is_ascii_digit) && bytes.get(4) == Some(&b'-') {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if unsigned == ".inf" || unsigned == ".nan" {
        return true;
    }
    let mut chars = lower.chars();
    let starts = match chars.next() {
        Some('0'..='9') => true,
        Some('+' | '-' | '.') => chars.next().is_some_and(|c| c.is_ascii_digit() || c == '.'),
        _ => false,
    };
    starts && lower.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, 'x' | 'o' | 'b' | '.' | '_' | ':' | '+' | '-'))
}

/// Whether a multi-line string can be a literal block: it has a line break, no other control
/// characters, its first non-empty line does not start with a space (the block's indentation
/// is taken from that line; a space would need an indentation indicator), no line ends with
/// a space, and it ends with at most one line break.
fn block_ok(s: &str) -> bool {
    s.contains('\n')
        && s.split('\n').find(|line| !line.is_empty()).is_some_and(|line| !line.starts_with(' '))
        && !s.ends_with("\n\n")
        && s != "\n"
        && s.chars().all(|c| c == '\n' || printable(c))
        && s.split('\n').all(|line| !line.ends_with(' '))
}

fn literal_block(out: &mut String, s: &str, indent: usize) {
    let body = s.strip_suffix('\n');
    out.push_str(if body.is_some() { "|" } else { "|-" });
    for line in body.unwrap_or(s).split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c if u32::from(c) <= 0xff => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if u32::from(c) <= 0xffff => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
}

/// `s` as a YAML scalar that reads back as the same string: plain when that is unambiguous,
/// else double-quoted.
pub(crate) fn yaml_string(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain { s.to_owned() } else { serde_json::to_string(s).unwrap_or_else(|_| format!("'{s}'")) }
}

/// One value as YAML (through its JSON value: the YAML writer knows only `serde_json::Value`).
pub(crate) fn yaml_of<T: serde::Serialize>(value: &T) -> Result<String, String> {
    let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
    Ok(to_yaml(&value))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// What netfence's own reader makes of `text`, as JSON.
    fn read_back(text: &str) -> Vec<Value> {
        let parsed = crate::source::parse_text(text, "out.yaml", &crate::source::ParseOptions::default());
        match parsed {
            Ok(parsed) if parsed.errors.is_empty() => parsed.documents.iter().map(|d| d.root.to_json()).collect(),
            other => panic!("cannot read back:\n{text}\n{other:?}"),
        }
    }

    #[test]
    fn manifests_look_as_people_write_them() {
        let value = json!({
            "kind": "NetworkPolicy",
            "metadata": {"name": "api", "labels": {"app.kubernetes.io/name": "api"}},
            "spec": {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                             "ports": [{"protocol": "TCP", "port": 8080}, {"port": "http"}]}],
                "egress": []
            }
        });
        let expected = "\
kind: NetworkPolicy
metadata:
  name: api
  labels:
    app.kubernetes.io/name: api
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  ingress:
  - from:
    - ipBlock:
        cidr: 10.0.0.0/8
        except:
        - 10.1.0.0/16
    ports:
    - protocol: TCP
      port: 8080
    - port: http
  egress: []
";
        assert_eq!(to_yaml(&value), expected);
    }

    #[test]
    fn ambiguous_strings_are_quoted_and_multi_line_ones_are_blocks() {
        let value = json!({
            "words": ["yes", "off", "null", "~", "", "1.5", "0x1f", "2001-12-14", "1:30", ".inf", "1.2.3", "- a", "-",
                      "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5"],
            "plain": ["-a", "a,b", "fd00::1", "N/A", "Yes please", "é"],
            "odd": ["a: b", "a #b", " lead", "trail ", "#x", "tab\tx", "q\"x", "\u{1}"],
            "text": "line one\nline two\n",
            "nested": [["a", "b"], {}, [], {"k": "multi\nline"}],
        });
        let text = to_yaml(&value);
        for quoted in [
            "\"yes\"",
            "\"off\"",
            "\"null\"",
            "\"~\"",
            "\"\"",
            "\"1.5\"",
            "\"0x1f\"",
            "\"2001-12-14\"",
            "\"1:30\"",
            "\"2001-12-14t21:59:43.10-05:00\"",
            "\"2001-12-14 21:59:43.10 -5\"",
        ] {
            assert!(text.contains(&format!("- {quoted}\n")), "{quoted} not quoted in\n{text}");
        }
        for plain in ["-a", "a,b", "fd00::1", "N/A", "Yes please", "é"] {
            assert!(text.contains(&format!("- {plain}\n")), "{plain} not plain in\n{text}");
        }
        assert!(text.contains("text: |\n  line one\n  line two\n"), "{text}");
        assert!(text.contains("- k: |-\n    multi\n    line\n"), "{text}");
        assert!(text.contains("- - a\n  - b\n- {}\n- []\n"), "{text}");
        assert_eq!(read_back(&text), vec![value]);
    }

    #[test]
    fn documents_are_separated_and_scalars_stand_alone() {
        assert_eq!(to_yaml_documents(&[json!({"a": 1}), json!({"b": [1]})]), "a: 1\n---\nb:\n- 1\n");
        assert_eq!(to_yaml(&json!("top")), "top\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
        // a multi-line string alone: its `---` and `...` lines are content, not markers
        for text in ["a\n---\nb", "- n: x\n---\nkind: y({", "a\n...\nb\n", "#c\n---"] {
            let yaml = to_yaml(&json!(text));
            assert_eq!(read_back(&yaml), vec![json!(text)], "{yaml}");
        }
        // a document marker as the whole string (found by fuzzing), or starting it
        for text in ["---", "...", "--- a", "... b", "----", "---a", "\u{3000}", "a\u{3000}", "\u{a0}b"] {
            for value in [json!(text), json!([text]), json!({ text: text })] {
                let yaml = to_yaml(&value);
                assert_eq!(read_back(&yaml), vec![value.clone()], "{yaml}");
            }
        }
    }

    fn values() -> impl Strategy<Value = Value> {
        let text = prop_oneof![
            "[ -~]{0,12}",
            "[a-z0-9 :#\\-.\n]{0,12}",
            "(---|\\.\\.\\.)[ a-z]{0,3}",
            "\\PC{0,6}",
            prop::sample::select(SPECIAL_WORDS).prop_map(str::to_owned),
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((text.clone(), inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn every_value_reads_back_the_same(value in values()) {
            // netfence's reader drops a document that is only `null`; nested, every value counts
            // alone too (not `null`: a document of only `null` is dropped)
            let alone = (!value.is_null()).then(|| value.clone());
            for wrapped in alone.into_iter().chain([json!({"v": value}), json!([value]), json!([[value], {"k": [value]}])]) {
                let text = to_yaml(&wrapped);
                prop_assert_eq!(read_back(&text), vec![wrapped], "{}", text);
            }
        }
    }
}
