//! JSON text helpers: where strings are, and re-indenting compact JSON.

/// Tracks whether the bytes of JSON text are inside a string.
#[derive(Default)]
pub(crate) struct JsonStrings {
    inside: bool,
    escaped: bool,
}

impl JsonStrings {
    /// Feeds the next byte; true when it belongs to a string (its quotes included).
    pub(crate) fn feed(&mut self, b: u8) -> bool {
        if self.inside {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.inside = false;
            }
            true
        } else {
            self.inside = b == b'"';
            self.inside
        }
    }

    /// Whether the last byte fed left a string open.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // used by `parse_list`, native only
    pub(crate) fn inside(&self) -> bool {
        self.inside
    }
}

/// Compact JSON (as `serde_json::to_string` writes it) re-indented as
/// `serde_json::to_string_pretty` writes it: two spaces, `": "`, empty containers as `[]` and
/// `{}`. One non-generic function instead of a pretty-printing instance of every serialized
/// type.
pub(crate) fn pretty_json(compact: &str) -> String {
    let bytes = compact.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    let mut depth = 0usize;
    let mut strings = JsonStrings::default();
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if strings.feed(b) {
            out.push(b);
            continue;
        }
        match b {
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                out.push(b);
                if bytes.get(i) == Some(&close) {
                    out.push(close);
                    i += 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
    }
    // only ASCII was inserted, between whole UTF-8 sequences
    String::from_utf8(out).unwrap_or_else(|_| compact.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_equals_serde_json_pretty() {
        let values = [
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!({"a": [], "b": {}, "c": [1, 2, {"d": null}], "e": "x, y: {z} [w]"}),
            serde_json::json!({"quote \" and \\ backslash": "é ü 中文 \u{1F600}", "n": -1.5e-7, "t": true}),
            serde_json::json!([[[]], [{}], [{"k": [1]}], "\\", "\"", "\n\t"]),
            serde_json::json!("just a string"),
            serde_json::json!(42),
        ];
        for v in values {
            let compact = serde_json::to_string(&v).unwrap();
            assert_eq!(pretty_json(&compact), serde_json::to_string_pretty(&v).unwrap(), "{compact}");
        }
    }
}
