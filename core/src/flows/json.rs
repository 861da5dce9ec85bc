//! A small JSON reader for flow-log lines: it walks one line's object and hands the fields
//! netfence reads to the caller, borrowing strings from the line where they hold no escapes,
//! and checks the syntax of everything it skips (an invalid line is an error, as with any
//! JSON parser).
//!
//! Why not serde: the flow-log shapes are fixed and shallow, and a derived `Deserialize` per
//! shape, instantiated with `serde_json`'s reader, was a tenth of the flow code in the
//! WebAssembly module (docs/api.md, "WASM size"); reading them directly is also faster.

use std::borrow::Cow;

/// Nesting deeper than this is an error (as `serde_json`'s recursion limit).
const MAX_DEPTH: usize = 128;

/// The message for a line that stops inside a value.
const ENDS_EARLY: &str = "the line ends early (truncated?)";

/// A JSON number as read: an unsigned or negative integer, or a float (also an integer too
/// large for 64 bits, as `serde_json` reads it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Unsigned(u64),
    Negative(i64),
    Float(f64),
}

/// A reader over one line of JSON text.
pub(crate) struct Json<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Json<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, pos: 0, depth: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// `message at column N` (1-based, counted in bytes), for the current position.
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> String {
        format!("{message} at column {}", self.pos + 1)
    }

    /// `expected` here, or that the line ends early when it does.
    fn unexpected(&mut self, expected: &str) -> String {
        if self.peek().is_none() { self.error(ENDS_EARLY) } else { self.error(expected) }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> Result<(), String> {
        match self.peek() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error(format!("expected `{}`", char::from(byte)))),
            None => Err(self.error(ENDS_EARLY)),
        }
    }

    /// Only whitespace may follow the value.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }

    /// What the next value is, for messages: `a string`, `an object`, ...
    pub(crate) fn found(&mut self) -> &'static str {
        match self.peek() {
            Some(b'"') => "a string",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            Some(b'-' | b'0'..=b'9') => "a number",
            Some(_) => "an invalid value",
            None => "the end of the line",
        }
    }

    /// `field: expected X, found Y at column N`.
    pub(crate) fn mismatch(&mut self, field: &str, expected: &str) -> String {
        let found = self.found();
        self.error(format!("`{field}`: expected {expected}, found {found}"))
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(self.error("nesting too deep")) } else { Ok(()) }
    }

    /// Reads an object, calling `each` with every key; `each` must read or skip the value.
    pub(crate) fn object(&mut self, mut each: impl FnMut(&mut Self, &str) -> Result<(), String>) -> Result<(), String> {
        self.eat(b'{')?;
        self.enter()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("expected a key (a string)"));
            }
            let key = self.string()?;
            self.eat(b':')?;
            each(self, &key)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("expected `,` or `}`")),
            }
        }
    }

    /// Reads the object `field` holds, calling `each` with the index in `names` and the name of
    /// every field it names (once each: a repeated field is an error, as in serde's derived
    /// readers); other fields are checked and skipped.
    pub(crate) fn fields(
        &mut self,
        field: &str,
        names: &[&str],
        mut each: impl FnMut(&mut Self, usize, &str) -> Result<(), String>,
    ) -> Result<(), String> {
        if self.peek() != Some(b'{') {
            return Err(self.mismatch(field, "an object"));
        }
        let mut seen = 0u64;
        self.object(|json, key| {
            let Some(index) = names.iter().position(|name| *name == key) else { return json.skip() };
            let bit = 1u64.checked_shl(u32::try_from(index).unwrap_or(u32::MAX)).unwrap_or(0);
            if seen & bit != 0 {
                return Err(json.error(format!("duplicate field `{key}`")));
            }
            seen |= bit;
            each(json, index, key)
        })
    }

    /// Reads an array, calling `each` for every element; `each` must read or skip it.
    pub(crate) fn array(&mut self, mut each: impl FnMut(&mut Self) -> Result<(), String>) -> Result<(), String> {
        self.eat(b'[')?;
        self.enter()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            each(self)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("expected `,` or `]`")),
            }
        }
    }

    /// Reads `null` if it comes next.
    pub(crate) fn null(&mut self) -> Result<bool, String> {
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            return Ok(true);
        }
        Ok(false)
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        if self.bytes().get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// Reads `true` or `false`.
    pub(crate) fn boolean(&mut self, field: &str) -> Result<bool, String> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            _ => Err(self.mismatch(field, "a boolean")),
        }
    }

    /// Reads a string (the next byte must be `"`), borrowed unless it holds escapes.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.eat(b'"')?;
        let start = self.pos;
        let bytes = self.bytes();
        self.pos = plain_run(bytes, self.pos);
        match bytes.get(self.pos) {
            Some(b'"') => {
                let s = self.text.get(start..self.pos).unwrap_or_default();
                self.pos += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.error("control character in a string")),
            None => return Err(self.error(ENDS_EARLY)),
        }
        let mut out = String::from(self.text.get(start..self.pos).unwrap_or_default());
        loop {
            let run = self.pos;
            self.pos = plain_run(bytes, self.pos);
            out.push_str(self.text.get(run..self.pos).unwrap_or_default());
            match bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error(ENDS_EARLY)),
            }
        }
    }

    /// One escape after its `\`.
    fn escape(&mut self, out: &mut String) -> Result<(), String> {
        let Some(&b) = self.bytes().get(self.pos) else { return Err(self.error(ENDS_EARLY)) };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                let code = if (0xd800..0xdc00).contains(&high) {
                    if self.bytes().get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return Err(self.error("lone surrogate in a \\u escape"));
                    }
                    self.pos += 2;
                    let low = self.hex4()?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return Err(self.error("lone surrogate in a \\u escape"));
                    }
                    0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
                } else {
                    high
                };
                char::from_u32(code).ok_or_else(|| self.error("lone surrogate in a \\u escape"))?
            }
            _ => return Err(self.error("invalid escape")),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or_else(|| self.error("invalid \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error("invalid \\u escape"));
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    /// Reads a number (the next byte must start one).
    pub(crate) fn number(&mut self) -> Result<Number, String> {
        let (start, integer) = self.scan_number()?;
        let text = self.text.get(start..self.pos).unwrap_or_default();
        if integer {
            if text.starts_with('-') {
                if let Ok(v) = text.parse::<i64>() {
                    return Ok(Number::Negative(v));
                }
            } else if let Ok(v) = text.parse::<u64>() {
                return Ok(Number::Unsigned(v));
            }
        }
        text.parse::<f64>().map(Number::Float).map_err(|_| self.error("invalid number"))
    }

    /// Checks a number's syntax and moves past it: where it starts, and whether it is an
    /// integer (no fraction, no exponent).
    fn scan_number(&mut self) -> Result<(usize, bool), String> {
        self.skip_whitespace();
        let start = self.pos;
        let bytes = self.bytes();
        let digits = |pos: &mut usize| {
            let from = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos - from
        };
        let mut pos = self.pos;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        let first = pos;
        let whole = digits(&mut pos);
        if whole == 0 || (whole > 1 && bytes.get(first) == Some(&b'0')) {
            self.pos = pos;
            return Err(self.error("invalid number"));
        }
        let mut integer = true;
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            integer = false;
            if digits(&mut pos) == 0 {
                self.pos = pos;
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            integer = false;
            if let Some(b'+' | b'-') = bytes.get(pos) {
                pos += 1;
            }
            if digits(&mut pos) == 0 {
                self.pos = pos;
                return Err(self.error("invalid number"));
            }
        }
        self.pos = pos;
        Ok((start, integer))
    }

    /// Skips any value, checking its syntax.
    pub(crate) fn skip(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(b'{') => self.object(|json, _| json.skip()),
            Some(b'[') => self.array(Json::skip),
            Some(b'"') => self.string().map(drop),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.scan_number().map(drop),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error(ENDS_EARLY)),
        }
    }

    /// An optional string field: `null` is none.
    pub(crate) fn opt_str(&mut self, field: &str) -> Result<Option<Cow<'a, str>>, String> {
        match self.peek() {
            Some(b'"') => self.string().map(Some),
            Some(b'n') => self.literal("null").map(|()| None),
            _ => Err(self.mismatch(field, "a string")),
        }
    }

    /// An optional boolean field: `null` is none.
    pub(crate) fn opt_bool(&mut self, field: &str) -> Result<Option<bool>, String> {
        if self.null()? { Ok(None) } else { self.boolean(field).map(Some) }
    }

    /// A port number, 0–65535.
    pub(crate) fn port(&mut self, field: &str) -> Result<u16, String> {
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Err(self.mismatch(field, "a port number"));
        }
        let at = self.pos;
        match self.number()? {
            Number::Unsigned(v) => u16::try_from(v).map_err(|_| {
                self.pos = at;
                self.error(format!("`{field}`: port {v} is out of range (0-65535)"))
            }),
            _ => {
                self.pos = at;
                Err(self.error(format!("`{field}`: expected a port number (0-65535)")))
            }
        }
    }

    /// An optional port number: `null` is none.
    pub(crate) fn opt_port(&mut self, field: &str) -> Result<Option<u16>, String> {
        if self.null()? { Ok(None) } else { self.port(field).map(Some) }
    }
}

/// Where the run of string bytes that need no attention (not `"`, `\\` or a control
/// character) starting at `pos` ends: eight bytes at a time, then byte by byte.
fn plain_run(bytes: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(word) = bytes.get(pos..pos + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // a byte of zero in `quote` or `backslash`, or a byte below 0x20 in `w`
        let hit = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        if hit & HIGH != 0 {
            break;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        pos += 1;
    }
    pos
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn skips(text: &str) -> Result<(), String> {
        let mut json = Json::new(text);
        json.skip()?;
        json.finish()
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut json = Json::new(r#""plain""#);
        assert!(matches!(json.string().unwrap(), Cow::Borrowed("plain")));
        let mut json = Json::new(r#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#);
        assert_eq!(json.string().unwrap(), "a\"b\\c/d\né😀");
        for bad in [r#""\ud83d""#, r#""\x""#, "\"a\u{1}\"", r#""\u12""#] {
            assert!(Json::new(bad).string().is_err(), "{bad}");
        }
        for bad in [r#""abc"#, r#""ab\"#, r#"{"a": "#, "[1,", r#"{"a""#] {
            let e = skips(bad).unwrap_err();
            assert!(e.starts_with("the line ends early"), "{bad}: {e}");
        }
    }

    #[test]
    fn numbers_as_json_has_them() {
        let read = |t: &str| Json::new(t).number();
        assert_eq!(read("0"), Ok(Number::Unsigned(0)));
        assert_eq!(read("-12"), Ok(Number::Negative(-12)));
        assert_eq!(read("1.5e3"), Ok(Number::Float(1500.0)));
        assert_eq!(read("18446744073709551616"), Ok(Number::Float(18_446_744_073_709_551_616.0)));
        for bad in ["01", "-", "1.", "1e", ".5", "+1"] {
            let mut json = Json::new(bad);
            assert!(json.number().is_err() || json.finish().is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_say_where() {
        let e = skips(r#"{"a": [1, 2,, 3]}"#).unwrap_err();
        assert_eq!(e, "expected a value at column 13");
        let mut json = Json::new(r#"{"port": "80"}"#);
        let e = json.object(|json, key| json.port(key).map(drop)).unwrap_err();
        assert_eq!(e, "`port`: expected a port number, found a string at column 10");
        assert!(skips(&"[".repeat(200)).unwrap_err().starts_with("nesting too deep"));
    }

    /// JSON-ish text: valid documents and near misses.
    fn texts() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("fals".to_owned()),
            "-?[0-9]{1,3}(\\.[0-9]{0,2})?([eE][+-]?[0-9]{0,2})?",
            "\"([a-z]|\\\\[nt\"\\\\/u]|\\\\u00[0-9a-f]{2}|é){0,5}\"",
        ];
        atom.prop_recursive(4, 30, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(("\"[a-z]{0,3}\"", inner.clone()), 0..4).prop_map(|v| {
                    let members: Vec<String> = v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!("{{{}}}", members.join(", "))
                }),
                (inner, "[ ,:\\]}]{0,2}").prop_map(|(v, junk)| format!("{v}{junk}")),
            ]
        })
    }

    proptest! {
        /// The reader accepts exactly what `serde_json` accepts, and reads strings the same.
        #[test]
        fn accepts_what_serde_json_accepts(text in texts()) {
            let ours = skips(&text);
            let theirs = serde_json::from_str::<serde::de::IgnoredAny>(&text);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{} ours {:?} theirs {:?}", text, ours, theirs);
            if let Ok(serde_json::Value::String(s)) = serde_json::from_str::<serde_json::Value>(&text) {
                prop_assert_eq!(Json::new(&text).string().unwrap(), s);
            }
        }
    }
}
