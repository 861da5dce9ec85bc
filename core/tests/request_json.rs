//! The JSON request reader accepts every valid JSON text: each character a JSON encoder may
//! write — raw, escaped as `serde_json` and `JSON.stringify` escape, or every character escaped
//! as `\uXXXX` (with surrogate pairs above U+FFFF, as Python's `json.dumps` writes by default) —
//! reads back as the same string. A source's name comes back in the resources' locations, so
//! it is the probe.

use serde_json::Value;

const MANIFEST: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";

/// How an encoder writes a string.
#[derive(Clone, Copy, Debug)]
enum Encoding {
    /// `serde_json`: `"`, `\` and U+0000–U+001F escaped, everything else raw.
    SerdeJson,
    /// `JSON.stringify`: the same set escaped, with the short forms (`\n`, `\t`, ...) and
    /// lower-case hex, everything else raw (including DEL, the C1 controls, U+FFFE, U+FFFF,
    /// U+2028 and U+2029).
    Stringify,
    /// Everything outside printable ASCII as `\uXXXX`, upper-case hex, surrogate pairs above
    /// U+FFFF (Python's `json.dumps(ensure_ascii=True)`).
    AsciiOnly,
}

fn encode(text: &str, encoding: Encoding) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match (encoding, c) {
            (_, '"') => out.push_str("\\\""),
            (_, '\\') => out.push_str("\\\\"),
            (Encoding::Stringify, '\n') => out.push_str("\\n"),
            (Encoding::Stringify, '\t') => out.push_str("\\t"),
            (Encoding::Stringify, '\r') => out.push_str("\\r"),
            (Encoding::Stringify, '\u{8}') => out.push_str("\\b"),
            (Encoding::Stringify, '\u{c}') => out.push_str("\\f"),
            (Encoding::SerdeJson | Encoding::Stringify, c) if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            (Encoding::SerdeJson | Encoding::Stringify, c) => out.push(c),
            (Encoding::AsciiOnly, c) if (' '..='~').contains(&c) => out.push(c),
            (Encoding::AsciiOnly, c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// The name `parse` reports for a source called `name`, written with `encoding`.
fn name_read_back(name: &str, encoding: Encoding) -> Result<String, String> {
    let request = format!(
        "{{\"sources\": [{{\"name\": {}, \"text\": {}}}]}}",
        encode(name, encoding),
        encode(MANIFEST, encoding)
    );
    let response = netfence::api::call_json("parse", &request).map_err(|e| format!("{e:?}"))?;
    let value: Value = serde_json::from_str(&response).map_err(|e| e.to_string())?;
    value
        .pointer("/resources/0/location/file")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no location in {response}"))
}

/// Every scalar value of the Basic Multilingual Plane except NUL (a source name cannot hold
/// it: it is not a character of a file name), in chunks of 128, and a few from the other
/// planes.
fn chunks() -> Vec<String> {
    let mut chars: Vec<char> = (1u32..=0xFFFF).filter_map(char::from_u32).collect();
    chars.extend(['\u{10000}', '\u{1F600}', '\u{E0001}', '\u{10FFFF}']);
    chars.chunks(128).map(|chunk| chunk.iter().collect()).collect()
}

#[test]
fn every_character_reads_back_in_every_encoding() {
    let mut failures = Vec::new();
    for encoding in [Encoding::SerdeJson, Encoding::Stringify, Encoding::AsciiOnly] {
        for chunk in chunks() {
            match name_read_back(&chunk, encoding) {
                Ok(read) if read == chunk => {}
                outcome => {
                    // narrow the chunk down to the characters that fail alone
                    let bad: Vec<String> = chunk
                        .chars()
                        .filter(|c| name_read_back(&c.to_string(), encoding).ok() != Some(c.to_string()))
                        .map(|c| format!("U+{:04X}", u32::from(c)))
                        .collect();
                    failures.push(format!("{encoding:?}: {bad:?} ({outcome:?})"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "characters that do not read back:\n{}", failures.join("\n"));
}

#[test]
fn serde_json_and_the_hand_encoders_agree() {
    // the encoders above are valid JSON: serde_json reads each back as the same string
    for encoding in [Encoding::SerdeJson, Encoding::Stringify, Encoding::AsciiOnly] {
        for chunk in chunks() {
            let read: String = serde_json::from_str(&encode(&chunk, encoding)).unwrap_or_default();
            assert_eq!(read, chunk, "{encoding:?}");
        }
    }
}
