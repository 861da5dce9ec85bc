//! A serde `Deserializer` over the located tree ([`Node`]): typed values (Kubernetes objects,
//! intents, requirements, API requests) are read straight from the tree, with no intermediate
//! JSON value, and an error names the path of the offending value (a JSON pointer, or the dotted
//! form `sources[0].name`) and its line and column.
//!
//! Values read as `serde_json::from_value(node.to_json())` reads them, with the same messages:
//! integers beyond 64 bits are floats, non-finite floats are `null`, a repeated key keeps its
//! first position and its last value. One difference: a struct is read from a mapping only, not
//! also from a sequence of its fields (`invalid type: sequence, expected struct ...`), as the
//! published JSON Schemas say. An error is located at the innermost value it passes
//! through: a value of the wrong type at itself, an unknown field at its key (the key is the last
//! step of the path), a missing field at the mapping.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use crate::source::{Key, Node, Value, escape_pointer};

/// One step of an error's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A value that does not deserialize: serde's message, where it is, and its position.
pub(crate) struct Error(Box<ErrorInner>);

struct ErrorInner {
    message: String,
    /// `None` until the error passes through the deserializer of the value it is about.
    path: Option<Vec<Segment>>,
    line: u32,
    column: u32,
}

impl Error {
    /// serde's message, e.g. ``unknown field `x`, expected `a` or `b` ``.
    pub(crate) fn message(&self) -> &str {
        &self.0.message
    }

    /// The path of the offending value (for an unknown field, the field itself).
    pub(crate) fn path(&self) -> &[Segment] {
        self.0.path.as_deref().unwrap_or_default()
    }

    /// The path as an RFC 6901 JSON pointer: `/spec/ingress/0/ports`; empty for the root.
    pub(crate) fn pointer(&self) -> String {
        let mut out = String::new();
        for segment in self.path() {
            out.push('/');
            match segment {
                Segment::Key(key) => out.push_str(&escape_pointer(key)),
                Segment::Index(index) => out.push_str(&index.to_string()),
            }
        }
        out
    }

    /// The path in dotted form: `sources[0].name`; empty for the root.
    pub(crate) fn dotted(&self) -> String {
        let mut out = String::new();
        for segment in self.path() {
            match segment {
                Segment::Key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Segment::Index(index) => out.push_str(&format!("[{index}]")),
            }
        }
        out
    }

    /// 1-based line of the offending value or key (0 when unknown).
    pub(crate) fn line(&self) -> u32 {
        self.0.line
    }

    /// 1-based column of the offending value or key (0 when unknown).
    pub(crate) fn column(&self) -> u32 {
        self.0.column
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(Box::new(ErrorInner { message: message.to_string(), path: None, line: 0, column: 0 }))
    }

    /// Worded as serde_json words it (`null`, not `unit value`; floats as in JSON).
    #[cold]
    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format_args!("invalid type: {}, expected {expected}", unexpected_text(unexpected)))
    }

    /// Worded as serde_json words it.
    #[cold]
    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format_args!("invalid value: {}, expected {expected}", unexpected_text(unexpected)))
    }
}

/// What serde's `Unexpected` says, worded as serde_json words it (`null`, not `unit value`;
/// floats as JSON writes them). Not through serde's own `Display` of `Unexpected`: its float
/// arm would bring Rust's float formatter into the WebAssembly module beside the one
/// `serde_json` writes floats with (`zmij`).
fn unexpected_text(unexpected: Unexpected<'_>) -> String {
    match unexpected {
        Unexpected::Bool(b) => format!("boolean `{b}`"),
        Unexpected::Unsigned(i) => format!("integer `{i}`"),
        Unexpected::Signed(i) => format!("integer `{i}`"),
        Unexpected::Float(f) => format!("floating point `{}`", zmij::Buffer::new().format(f)),
        Unexpected::Char(c) => format!("character `{c}`"),
        Unexpected::Str(s) => format!("string {s:?}"),
        Unexpected::Bytes(_) => "byte array".to_owned(),
        Unexpected::Unit => "null".to_owned(),
        Unexpected::Option => "Option value".to_owned(),
        Unexpected::NewtypeStruct => "newtype struct".to_owned(),
        Unexpected::Seq => "sequence".to_owned(),
        Unexpected::Map => "map".to_owned(),
        Unexpected::Enum => "enum".to_owned(),
        Unexpected::UnitVariant => "unit variant".to_owned(),
        Unexpected::NewtypeVariant => "newtype variant".to_owned(),
        Unexpected::TupleVariant => "tuple variant".to_owned(),
        Unexpected::StructVariant => "struct variant".to_owned(),
        Unexpected::Other(other) => other.to_owned(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at `{}` ({}:{})", self.0.message, self.pointer(), self.0.line, self.0.column)
    }
}

impl std::error::Error for Error {}

/// Reads `node` as a `T`.
pub(crate) fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, Error> {
    T::deserialize(NodeDe { node, path: Path::Root }).map_err(|e| located(e, &Path::Root, node.line, node.column))
}

/// The path to the value being read, as a chain of borrowed steps up to the root: nothing is
/// allocated unless an error needs it.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn segments(&self) -> Vec<Segment> {
        let mut out = Vec::new();
        let mut at = self;
        loop {
            match at {
                Path::Root => break,
                Path::Key(parent, key) => {
                    out.push(Segment::Key((*key).to_owned()));
                    at = parent;
                }
                Path::Index(parent, index) => {
                    out.push(Segment::Index(*index));
                    at = parent;
                }
            }
        }
        out.reverse();
        out
    }
}

/// Gives an error that has no place yet this one.
fn located(mut error: Error, path: &Path<'_>, line: u32, column: u32) -> Error {
    if error.0.path.is_none() {
        error.0.path = Some(path.segments());
        error.0.line = line;
        error.0.column = column;
    }
    error
}

/// A node at a path.
///
/// As `serde_json::Value` does, each `deserialize_*` method calls only the visitor method that
/// fits the node and words any other node as serde's `invalid type` error itself, so a visitor
/// type does not bring in code for node kinds it cannot take.
struct NodeDe<'de, 'p> {
    node: &'de Node,
    path: Path<'p>,
}

impl<'de> NodeDe<'de, '_> {
    fn place(&self, error: Error) -> Error {
        located(error, &self.path, self.node.line, self.node.column)
    }

    /// `invalid type: <this node>, expected <what the visitor expects>`, placed here.
    fn mismatch(&self, expected: &dyn de::Expected) -> Error {
        self.place(de::Error::invalid_type(unexpected(&self.node.value), expected))
    }

    fn seq<V: Visitor<'de>>(&self, items: &'de [Node], visitor: V) -> Result<V::Value, Error> {
        let mut access = SeqDe { items: items.iter(), index: 0, parent: &self.path };
        let value = visitor.visit_seq(&mut access).map_err(|e| self.place(e))?;
        if access.items.len() == 0 {
            Ok(value)
        } else {
            Err(self.place(de::Error::invalid_length(items.len(), &"fewer elements in array")))
        }
    }

    fn map<V: Visitor<'de>>(&self, entries: &'de [(Key, Node)], visitor: V) -> Result<V::Value, Error> {
        let mut access = MapDe { entries: map_entries(entries), at: 0, parent: &self.path };
        let value = visitor.visit_map(&mut access).map_err(|e| self.place(e))?;
        if access.at >= access.entries.len() {
            Ok(value)
        } else {
            Err(self.place(de::Error::invalid_length(access.entries.len(), &"fewer elements in map")))
        }
    }
}

/// JSON has no integers beyond 64 bits: larger ones are floats, as in `Node::to_json`.
fn visit_int<'de, V: Visitor<'de>>(i: i128, visitor: V) -> Result<V::Value, Error> {
    if let Ok(v) = u64::try_from(i) {
        visitor.visit_u64(v)
    } else if let Ok(v) = i64::try_from(i) {
        visitor.visit_i64(v)
    } else {
        visitor.visit_f64(i as f64)
    }
}

/// What serde's messages call the value (`invalid type: sequence, expected ...`); a non-finite
/// float is `null` in JSON.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Int(i) => match (u64::try_from(*i), i64::try_from(*i)) {
            (Ok(u), _) => Unexpected::Unsigned(u),
            (_, Ok(s)) => Unexpected::Signed(s),
            _ => Unexpected::Float(*i as f64),
        },
        Value::Float(f) if f.is_finite() => Unexpected::Float(*f),
        Value::Float(_) => Unexpected::Unit,
        Value::String(s) => Unexpected::Str(s),
        Value::Seq(_) => Unexpected::Seq,
        Value::Map(_) => Unexpected::Map,
    }
}

/// The value as serde_json's messages name it: `null`, `string "x"`, `sequence`, `map`.
pub(crate) fn describe(value: &Value) -> String {
    if is_null(value) { "null".to_owned() } else { unexpected_text(unexpected(value)) }
}

/// `null` in JSON: a null, or a non-finite float.
fn is_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Float(f) => !f.is_finite(),
        _ => false,
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.number(visitor)
            }
        )*
    };
}

impl<'de> NodeDe<'de, '_> {
    fn number<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Int(i) => visit_int(*i, visitor),
            Value::Float(f) if f.is_finite() => visitor.visit_f64(*f),
            _ => return Err(self.mismatch(&visitor)),
        };
        result.map_err(|e| self.place(e))
    }

    fn string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::String(s) => visitor.visit_borrowed_str(s).map_err(|e| self.place(e)),
            _ => Err(self.mismatch(&visitor)),
        }
    }

    fn unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if is_null(&self.node.value) {
            visitor.visit_unit().map_err(|e| self.place(e))
        } else {
            Err(self.mismatch(&visitor))
        }
    }

    fn sequence<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Seq(items) => self.seq(items, visitor),
            _ => Err(self.mismatch(&visitor)),
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'de, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Seq(items) => return self.seq(items, visitor),
            Value::Map(entries) => return self.map(entries, visitor),
            Value::Float(f) if !f.is_finite() => visitor.visit_unit(),
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visit_int(*i, visitor),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::String(s) => visitor.visit_borrowed_str(s),
        };
        result.map_err(|e| self.place(e))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Bool(b) => visitor.visit_bool(*b).map_err(|e| self.place(e)),
            _ => Err(self.mismatch(&visitor)),
        }
    }

    numbers! { deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128 deserialize_u8
    deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.unit(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.sequence(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.sequence(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.sequence(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Map(entries) => self.map(entries, visitor),
            _ => Err(self.mismatch(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // serde_json also reads a struct from a sequence of its fields in order; the schemas do
        // not allow that, and reading only mappings keeps sequence code out of every struct
        match &self.node.value {
            Value::Map(entries) => self.map(entries, visitor),
            _ => Err(self.mismatch(&visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if is_null(&self.node.value) { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::String(s) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
            Value::Map(entries) => match entries.as_slice() {
                [(key, node)] => visitor.visit_enum(EnumDe { key, node, parent: &self.path }),
                _ => Err(de::Error::invalid_value(Unexpected::Map, &"map with a single key")),
            },
            other => Err(de::Error::invalid_type(unexpected(other), &"string or map")),
        };
        result.map_err(|e| self.place(e))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! { bytes byte_buf }
}

struct SeqDe<'de, 'a> {
    items: std::slice::Iter<'de, Node>,
    index: usize,
    parent: &'a Path<'a>,
}

impl<'de> SeqAccess<'de> for SeqDe<'de, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let Some(node) = self.items.next() else { return Ok(None) };
        let path = Path::Index(self.parent, self.index);
        self.index += 1;
        // located here too: a `Deserialize` impl may fail after the value's deserializer returned
        seed.deserialize(NodeDe { node, path }).map(Some).map_err(|e| located(e, &path, node.line, node.column))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// A mapping entry: its key's name and position, and its value.
#[derive(Clone, Copy)]
struct Entry<'de> {
    name: &'de str,
    line: u32,
    column: u32,
    node: &'de Node,
}

/// A mapping as JSON sees it: one entry per key, at its first position, with its last value.
fn map_entries<'de>(entries: &'de [(Key, Node)]) -> Vec<Entry<'de>> {
    let mut out: Vec<Entry<'de>> = Vec::with_capacity(entries.len());
    // positions of keys, for large mappings (repeated keys are rare; no quadratic scan)
    let mut index: Option<std::collections::HashMap<&'de str, usize>> =
        (entries.len() > 16).then(std::collections::HashMap::new);
    let mut set = |entry: Entry<'de>| {
        let at = match &index {
            Some(index) => index.get(entry.name).copied(),
            None => out.iter().position(|e| e.name == entry.name),
        };
        match at.and_then(|at| out.get_mut(at)) {
            Some(slot) => *slot = entry,
            None => {
                if let Some(index) = &mut index {
                    index.insert(entry.name, out.len());
                }
                out.push(entry);
            }
        }
    };
    for (key, node) in entries {
        set(Entry { name: &key.name, line: key.line, column: key.column, node });
    }
    out
}

struct MapDe<'de, 'a> {
    entries: Vec<Entry<'de>>,
    at: usize,
    parent: &'a Path<'a>,
}

impl<'de> MapAccess<'de> for MapDe<'de, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some(entry) = self.entries.get(self.at).copied() else { return Ok(None) };
        seed.deserialize(BorrowedStrDeserializer::new(entry.name))
            .map(Some)
            .map_err(|e| located(e, &Path::Key(self.parent, entry.name), entry.line, entry.column))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some(entry) = self.entries.get(self.at).copied() else {
            return Err(de::Error::custom("value is missing"));
        };
        self.at += 1;
        let path = Path::Key(self.parent, entry.name);
        seed.deserialize(NodeDe { node: entry.node, path })
            .map_err(|e| located(e, &path, entry.node.line, entry.node.column))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len().saturating_sub(self.at))
    }
}

/// An enum written as a mapping of one key: the variant and its content.
struct EnumDe<'de, 'a> {
    key: &'de Key,
    node: &'de Node,
    parent: &'a Path<'a>,
}

impl<'de: 'a, 'a> EnumAccess<'de> for EnumDe<'de, 'a> {
    type Error = Error;
    type Variant = NodeDe<'de, 'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), Error> {
        let name: &'de str = &self.key.name;
        // an unknown variant is placed at the enum (as serde_path_to_error does), at the key's position
        let variant = seed
            .deserialize(BorrowedStrDeserializer::new(name))
            .map_err(|e| located(e, self.parent, self.key.line, self.key.column))?;
        Ok((variant, NodeDe { node: self.node, path: Path::Key(self.parent, name) }))
    }
}

impl<'de> VariantAccess<'de> for NodeDe<'de, '_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        serde::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        let (path, line, column) = (self.path, self.node.line, self.node.column);
        seed.deserialize(self).map_err(|e| located(e, &path, line, column))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Seq(items) if items.is_empty() => visitor.visit_unit().map_err(|e| self.place(e)),
            Value::Seq(_) => de::Deserializer::deserialize_any(self, visitor),
            other => Err(self.place(de::Error::invalid_type(unexpected(other), &"tuple variant"))),
        }
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Map(_) => de::Deserializer::deserialize_any(self, visitor),
            other => Err(self.place(de::Error::invalid_type(unexpected(other), &"struct variant"))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Pod;
    use k8s_openapi::api::networking::v1::NetworkPolicy;
    use serde::Deserialize;
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::source::{ParseOptions, parse_text};

    fn tree(yaml: &str) -> Option<Node> {
        let parsed = parse_text(yaml, "t.yaml", &ParseOptions::default()).unwrap();
        match parsed.documents.into_iter().next() {
            Some(doc) => Some(doc.root),
            None => {
                // not YAML this parser accepts (e.g. a repeated key): nothing to decode
                assert!(!parsed.errors.is_empty(), "{yaml}");
                None
            }
        }
    }

    /// Decoding straight from the tree gives what decoding its JSON gives: values, messages and
    /// paths (as serde_path_to_error reports them).
    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(yaml: &str, overrides: Option<(&str, &str)>) {
        let Some(mut node) = tree(yaml) else { return };
        if let (Value::Map(entries), Some((api_version, kind))) = (&mut node.value, overrides) {
            // as the inventory reads a resource: `apiVersion` and `kind` as the reader resolved them
            entries.retain(|(k, _)| k.name != "apiVersion" && k.name != "kind");
            for (key, value) in [("apiVersion", api_version), ("kind", kind)] {
                let key = Key { name: key.to_owned(), line: node.line, column: node.column };
                entries
                    .push((key, Node { value: Value::String(value.to_owned()), line: node.line, column: node.column }));
            }
        }
        let mut json = node.to_json();
        if let (Some(obj), Some((api_version, kind))) = (json.as_object_mut(), overrides) {
            obj.insert("apiVersion".to_owned(), serde_json::Value::String(api_version.to_owned()));
            obj.insert("kind".to_owned(), serde_json::Value::String(kind.to_owned()));
        }
        let via_json = serde_path_to_error::deserialize::<_, T>(json);
        let direct = from_node::<T>(&node);
        match (via_json, direct) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => {
                let path = a.path().to_string();
                assert_eq!(if path == "." { String::new() } else { path }, b.dotted(), "{yaml}");
                assert_eq!(a.into_inner().to_string(), b.message(), "{yaml}");
            }
            (a, b) => panic!("{yaml}: {a:?} vs {b:?}"),
        }
    }

    #[test]
    fn tree_decoding_equals_json_decoding() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: a, n: '1'}, annotations: {x: ''}}\n\
                   spec:\n  hostNetwork: true\n  containers: [{name: c, ports: [{containerPort: 80, name: http}]}]\n\
                   status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}\n";
        let v1_pod = Some(("v1", "Pod"));
        same::<Pod>(pod, v1_pod);
        same::<Pod>("kind: Pod\nmetadata: {name: a}\nspec: [1]\n", v1_pod);
        same::<Pod>("metadata: {name: a}\nspec: {containers: [{name: c, ports: [{containerPort: x}]}]}\n", v1_pod);
        same::<Pod>("metadata: {name: 7}\n", v1_pod);
        // floats in messages, written as serde_json writes them
        for float in ["1.5", "1.0", "-0.0", "1e21", "1e-7", "123456789.125", "3.141592653589793"] {
            same::<Pod>(&format!("metadata: {{name: {float}}}\n"), v1_pod);
            same::<Pod>(&format!("spec: {{hostNetwork: {float}}}\n"), v1_pod);
        }
        same::<Pod>("metadata: {name: ~, labels: ~}\nspec: ~\n", v1_pod);
        same::<Pod>("metadata: {name: a, name: b}\n", v1_pod);
        same::<Pod>("spec: {containers: [{name: c, ports: [{containerPort: 99999999999999999999}]}]}\n", v1_pod);
        same::<Pod>("spec: {containers: [{name: c, ports: [{containerPort: -5}]}]}\n", v1_pod);
        same::<Pod>("spec: {containers: [{name: c, ports: [{containerPort: .nan}]}]}\n", v1_pod);
        same::<Pod>("spec: {hostNetwork: yes}\n", v1_pod);
        same::<Pod>("apiVersion: v2\nkind: Other\nstatus: {phase: 3}\n", v1_pod);
        same::<Pod>("metadata: {creationTimestamp: yesterday}\n", v1_pod);
        same::<Pod>("- a\n", v1_pod);
        let many: String = (0..40).map(|i| format!("k{i}: v{i}\n    ")).collect();
        same::<Pod>(&format!("metadata:\n  labels:\n    {many}\n"), v1_pod);
        let np = Some(("networking.k8s.io/v1", "NetworkPolicy"));
        let policy = "apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\n\
                      spec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: http}, {port: 80, endPort: 90}]}]\n";
        same::<NetworkPolicy>(policy, np);
        same::<NetworkPolicy>("spec: {podSelector: {}, ingress: [{ports: [{port: [1]}]}]}\n", np);
        same::<NetworkPolicy>("spec: {podSelector: {}, ingress: [{ports: 80}]}\n", np);
        same::<NetworkPolicy>("spec: {podSelector: {}, policyTypes: Ingress}\n", np);
        let apps = Some(("apps/v1", "Deployment"));
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n\
                          spec: {replicas: 2, selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}, spec: {containers: []}}}\n";
        same::<Deployment>(deployment, apps);
        same::<Deployment>("spec: {replicas: '2'}\n", apps);
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Request {
        sources: Vec<Source>,
        #[serde(default)]
        mode: Option<Mode>,
        #[serde(default)]
        shape: Option<Shape>,
        #[serde(default)]
        labels: BTreeMap<String, String>,
        #[serde(default)]
        pair: Option<(u8, bool)>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Source {
        name: String,
        #[serde(default)]
        text: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Mode {
        Strict,
        Lenient,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Shape {
        Unit,
        Size(u32),
        Pair(u8, u8),
        Named { width: u16 },
    }

    #[test]
    fn request_shapes_equal_json_decoding() {
        for yaml in [
            "{sources: [{name: a, text: x}], mode: strict, labels: {a: b}, pair: [1, true]}",
            "{sources: []}",
            "{}",
            "{sources: [{name: a, txt: x}]}",
            "{sources: [{name: 1}]}",
            "{sources: [{}]}",
            "{sources: x}",
            "{sources: [], mode: loose}",
            "{sources: [], mode: [strict]}",
            "{sources: [], mode: {strict: ~}}",
            "{sources: [], shape: unit}",
            "{sources: [], shape: {unit: ~}}",
            "{sources: [], shape: {size: 3}}",
            "{sources: [], shape: {size: x}}",
            "{sources: [], shape: {pair: [1, 2]}}",
            "{sources: [], shape: {pair: [1, 2, 3]}}",
            "{sources: [], shape: {named: {width: 2}}}",
            "{sources: [], shape: {named: {width: -2}}}",
            "{sources: [], shape: {named: {width: 2}, size: 1}}",
            "{sources: [], shape: 3}",
            "{sources: [], shape: {bogus: 1}}",
            "{sources: [], shape: {pair: 3}}",
            "{sources: [], shape: {pair: []}}",
            "{sources: [], shape: {named: 3}}",
            "{sources: [], shape: {unit: 3}}",
            "{sources: [], pair: [1]}",
            "{sources: [], pair: [1, true, 3]}",
            "{sources: [], labels: {a: 1}}",
            "{sources: [], extra: 1}",
            "3",
        ] {
            same::<Request>(yaml, None);
        }
        // serde_json would read the fields in order; a struct is a mapping here
        let e = from_node::<Request>(&tree("[[], strict]").unwrap()).unwrap_err();
        assert_eq!((e.message(), e.pointer().as_str()), ("invalid type: sequence, expected struct Request", ""));
    }

    #[test]
    fn errors_name_pointer_and_position() {
        let node = tree("sources:\n  - name: a\n  - name: b\n    txt: x\n").unwrap();
        let e = from_node::<Request>(&node).unwrap_err();
        assert_eq!(e.pointer(), "/sources/1/txt");
        assert_eq!(e.dotted(), "sources[1].txt");
        assert_eq!((e.line(), e.column()), (4, 5));
        assert!(e.message().starts_with("unknown field `txt`"), "{}", e.message());

        let node = tree("sources:\n  - {name: a}\n  - name: [b]\n").unwrap();
        let e = from_node::<Request>(&node).unwrap_err();
        assert_eq!((e.pointer().as_str(), e.line(), e.column()), ("/sources/1/name", 3, 11));

        let node = tree("mode: strict\n").unwrap();
        let e = from_node::<Request>(&node).unwrap_err();
        assert_eq!((e.pointer().as_str(), e.message(), e.line(), e.column()), ("", "missing field `sources`", 1, 1));

        let node = tree("a/b~c: {x: 1}\n").unwrap();
        let e = from_node::<BTreeMap<String, BTreeMap<String, bool>>>(&node).unwrap_err();
        assert_eq!((e.pointer().as_str(), e.line(), e.column()), ("/a~1b~0c/x", 1, 12));
    }
}
