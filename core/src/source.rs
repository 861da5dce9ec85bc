//! Source text and locations: a YAML/JSON document parsed into a tree that remembers where
//! every key and value stood, so findings can point at file, line, column and JSON pointer.

use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where something is in the input. Lines and columns are 1-based; `0` means unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Location {
    /// The input's name: a file path, or `<input>` for a string.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// RFC 6901 JSON pointer into the resource document, e.g. `/spec/ingress/0/ports/1/port`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pointer: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A parsed YAML/JSON value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line of the value (0 when unknown).
    pub line: u32,
    /// 1-based column of the value (0 when unknown).
    pub column: u32,
}

/// A mapping key with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// 1-based line of the key.
    pub line: u32,
    /// 1-based column of the key.
    pub column: u32,
}

/// The value of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in input order.
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// A node without a position (for values netfence makes itself).
    #[must_use]
    pub fn synthetic(value: Value) -> Self {
        Self { value, line: 0, column: 0 }
    }

    /// The value under `key` when this node is a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key entry (for its position) under `key` when this node is a mapping.
    #[must_use]
    pub fn key(&self, key: &str) -> Option<&Key> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(k, _)| k),
            _ => None,
        }
    }

    /// The string value, when this is a string scalar.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Follows an RFC 6901 JSON pointer; returns the deepest node reached and whether the
    /// whole pointer resolved. Findings about a missing field point at its parent.
    #[must_use]
    pub fn resolve(&self, pointer: &str) -> (&Node, bool) {
        let mut node = self;
        if pointer.is_empty() {
            return (node, true);
        }
        for raw in pointer.split('/').skip(1) {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                Value::Map(entries) => entries.iter().find(|(k, _)| k.name == segment).map(|(_, v)| v),
                Value::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// Converts to JSON for typed deserialization (k8s-openapi types).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => {
                if let Ok(v) = i64::try_from(*i) {
                    serde_json::Value::from(v)
                } else if let Ok(v) = u64::try_from(*i) {
                    serde_json::Value::from(v)
                } else {
                    serde_json::Number::from_f64(*i as f64).map_or(serde_json::Value::Null, serde_json::Value::Number)
                }
            }
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.name.clone(), v.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}

/// A parsed resource document: its tree, the input's name, and the document's pointer prefix
/// inside the input (non-empty for items of a `kind: List`, e.g. `/items/3`).
#[derive(Clone, Debug)]
pub struct SourceDoc {
    /// The input's name (file path or `<input>`).
    pub file: Arc<str>,
    /// The document tree. For pods and workloads (and the other resources of the same
    /// document) it is slimmed once decoded, keeping `apiVersion`, `kind`, `metadata`'s `name`,
    /// `generateName`, `namespace` and `labels`, and of the pod spec (the pod template's, with
    /// its `metadata`) `hostNetwork` and each container's `name` and `ports`; the typed object
    /// keeps everything. Other kinds keep their whole tree.
    pub root: Arc<Node>,
    /// Pointer from the document's root to this resource (`/items/3` in a list, else empty).
    pub base: String,
    /// Index of the YAML document within the input (0-based).
    pub document: usize,
}

impl SourceDoc {
    /// The resource's own node.
    #[must_use]
    pub fn node(&self) -> &Node {
        self.root.resolve(&self.base).0
    }

    /// The location of `pointer` (relative to the resource). A pointer that does not resolve
    /// fully points at the deepest existing parent, but keeps the full pointer text.
    #[must_use]
    pub fn locate(&self, pointer: &str) -> Location {
        let full = format!("{}{}", self.base, pointer);
        let (node, _) = self.root.resolve(&full);
        Location { file: self.file.to_string(), line: node.line, column: node.column, pointer: pointer.to_owned() }
    }

    /// The location of the key `key` inside the mapping at `pointer`, falling back to the
    /// value's location.
    #[must_use]
    pub fn locate_key(&self, pointer: &str, key: &str) -> Location {
        let full = format!("{}{}", self.base, pointer);
        let (node, complete) = self.root.resolve(&full);
        let child_pointer = format!("{pointer}/{}", escape_pointer(key));
        match node.key(key) {
            Some(k) if complete => {
                Location { file: self.file.to_string(), line: k.line, column: k.column, pointer: child_pointer }
            }
            _ => self.locate(&child_pointer),
        }
    }
}

/// Escapes one JSON pointer segment.
#[must_use]
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Reads a located tree as a typed value (k8s-openapi objects) without an intermediate JSON
/// value: the same values, errors and messages as `serde_json::from_value(node.to_json())`,
/// with `apiVersion` and `kind` of the top mapping replaced (or added) as given.
pub(crate) mod de {
    use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor};
    use serde::forward_to_deserialize_any;

    use super::{Node, Value};

    type Error = serde_json::Error;

    /// A node, with `apiVersion` and `kind` overridden when it is the top mapping.
    #[derive(Clone, Copy)]
    pub(crate) struct NodeDe<'a> {
        node: &'a Node,
        overrides: Option<(&'a str, &'a str)>,
    }

    impl<'a> NodeDe<'a> {
        /// The top of a resource: `apiVersion` and `kind` read as given.
        pub(crate) fn resource(node: &'a Node, api_version: &'a str, kind: &'a str) -> Self {
            Self { node, overrides: Some((api_version, kind)) }
        }

        fn child(node: &'a Node) -> Self {
            Self { node, overrides: None }
        }
    }

    /// JSON has no integers beyond 64 bits: larger ones become floats, as in `to_json`.
    fn visit_int<'de, V: Visitor<'de>>(i: i128, visitor: V) -> Result<V::Value, Error> {
        if let Ok(v) = i64::try_from(i) {
            visitor.visit_i64(v)
        } else if let Ok(v) = u64::try_from(i) {
            visitor.visit_u64(v)
        } else {
            visit_float(i as f64, visitor)
        }
    }

    /// Non-finite floats are `null` in JSON.
    fn visit_float<'de, V: Visitor<'de>>(f: f64, visitor: V) -> Result<V::Value, Error> {
        if f.is_finite() { visitor.visit_f64(f) } else { visitor.visit_unit() }
    }

    impl<'de> de::Deserializer<'de> for NodeDe<'de> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match &self.node.value {
                Value::Null => visitor.visit_unit(),
                Value::Bool(b) => visitor.visit_bool(*b),
                Value::Int(i) => visit_int(*i, visitor),
                Value::Float(f) => visit_float(*f, visitor),
                Value::String(s) => visitor.visit_borrowed_str(s),
                Value::Seq(items) => {
                    let mut access = Seq { items: items.iter() };
                    let value = visitor.visit_seq(&mut access)?;
                    if access.items.len() == 0 {
                        Ok(value)
                    } else {
                        Err(de::Error::invalid_length(items.len(), &"fewer elements in array"))
                    }
                }
                Value::Map(entries) => {
                    let mut access = Map::new(entries, self.overrides);
                    let len = access.len();
                    let value = visitor.visit_map(&mut access)?;
                    if access.at >= access.keys.len() {
                        Ok(value)
                    } else {
                        Err(de::Error::invalid_length(len, &"fewer elements in map"))
                    }
                }
            }
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match &self.node.value {
                Value::Null => visitor.visit_none(),
                Value::Float(f) if !f.is_finite() => visitor.visit_none(),
                _ => visitor.visit_some(self),
            }
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            match &self.node.value {
                Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
                Value::Null => Err(de::Error::invalid_type(Unexpected::Unit, &"string or map")),
                Value::Bool(b) => Err(de::Error::invalid_type(Unexpected::Bool(*b), &"string or map")),
                Value::Seq(_) => Err(de::Error::invalid_type(Unexpected::Seq, &"string or map")),
                Value::Map(_) => Err(de::Error::custom("netfence reads no enum as a map")),
                Value::Int(_) | Value::Float(_) => Err(de::Error::invalid_type(Unexpected::Other("number"), &"string or map")),
            }
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_newtype_struct(self)
        }

        fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_unit()
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        }
    }

    struct Seq<'a> {
        items: std::slice::Iter<'a, Node>,
    }

    impl<'de> SeqAccess<'de> for Seq<'de> {
        type Error = Error;

        fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
            self.items.next().map(|n| seed.deserialize(NodeDe::child(n))).transpose()
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.items.len())
        }
    }

    /// A mapping as JSON sees it: one entry per key, at its first position, with its last value;
    /// overridden `apiVersion` and `kind` in place, or added at the end.
    struct Map<'a> {
        keys: Vec<(&'a str, Entry<'a>)>,
        at: usize,
    }

    #[derive(Clone, Copy)]
    enum Entry<'a> {
        Node(&'a Node),
        Text(&'a str),
    }

    impl<'a> Map<'a> {
        fn new(entries: &'a [(super::Key, Node)], overrides: Option<(&'a str, &'a str)>) -> Self {
            let mut keys: Vec<(&'a str, Entry<'a>)> = Vec::with_capacity(entries.len() + 2);
            // positions of keys, for large mappings (duplicates are rare; no quadratic scan)
            let mut index: Option<std::collections::HashMap<&'a str, usize>> =
                (entries.len() > 16).then(std::collections::HashMap::new);
            let mut set = |key: &'a str, value: Entry<'a>| {
                let at = match &index {
                    Some(index) => index.get(key).copied(),
                    None => keys.iter().position(|(k, _)| *k == key),
                };
                match at.and_then(|at| keys.get_mut(at)) {
                    Some(slot) => slot.1 = value,
                    None => {
                        if let Some(index) = &mut index {
                            index.insert(key, keys.len());
                        }
                        keys.push((key, value));
                    }
                }
            };
            for (k, v) in entries {
                set(k.name.as_str(), Entry::Node(v));
            }
            if let Some((api_version, kind)) = overrides {
                set("apiVersion", Entry::Text(api_version));
                set("kind", Entry::Text(kind));
            }
            Self { keys, at: 0 }
        }

        fn len(&self) -> usize {
            self.keys.len()
        }
    }

    impl<'de> MapAccess<'de> for Map<'de> {
        type Error = Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
            match self.keys.get(self.at) {
                Some((key, _)) => seed.deserialize(de::value::BorrowedStrDeserializer::new(key)).map(Some),
                None => Ok(None),
            }
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            let entry = self.keys.get(self.at).map(|(_, v)| *v);
            self.at += 1;
            match entry {
                Some(Entry::Node(node)) => seed.deserialize(NodeDe::child(node)),
                Some(Entry::Text(text)) => seed.deserialize(de::value::BorrowedStrDeserializer::new(text)),
                None => Err(de::Error::custom("value is missing")),
            }
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.keys.len().saturating_sub(self.at))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Pod;
    use k8s_openapi::api::networking::v1::NetworkPolicy;
    use serde::de::DeserializeOwned;

    use super::de::NodeDe;
    use crate::parse::{ParseOptions, parse_text};

    /// Decoding straight from the tree gives what decoding its JSON gives, errors and paths too.
    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(yaml: &str, api_version: &str, kind: &str) {
        let parsed = parse_text(yaml, "t.yaml", &ParseOptions::default()).unwrap();
        let Some(doc) = parsed.documents.first() else {
            // not YAML this parser accepts (e.g. a duplicate key): nothing to decode
            assert!(!parsed.errors.is_empty(), "{yaml}");
            return;
        };
        let node = &doc.root;
        let mut json = node.to_json();
        let obj = json.as_object_mut().unwrap();
        obj.insert("apiVersion".to_owned(), serde_json::Value::String(api_version.to_owned()));
        obj.insert("kind".to_owned(), serde_json::Value::String(kind.to_owned()));
        let via_json = serde_path_to_error::deserialize::<_, T>(json);
        let direct = serde_path_to_error::deserialize::<_, T>(NodeDe::resource(node, api_version, kind));
        match (via_json, direct) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => {
                assert_eq!(a.path().to_string(), b.path().to_string());
                assert_eq!(a.into_inner().to_string(), b.into_inner().to_string());
            }
            (a, b) => panic!("{yaml}: {a:?} vs {b:?}"),
        }
    }

    #[test]
    fn tree_decoding_equals_json_decoding() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: a, n: '1'}, annotations: {x: ''}}\n\
                   spec:\n  hostNetwork: true\n  containers: [{name: c, ports: [{containerPort: 80, name: http}]}]\n\
                   status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}\n";
        same::<Pod>(pod, "v1", "Pod");
        same::<Pod>("kind: Pod\nmetadata: {name: a}\nspec: [1]\n", "v1", "Pod");
        same::<Pod>("metadata: {name: a}\nspec: {containers: [{name: c, ports: [{containerPort: x}]}]}\n", "v1", "Pod");
        same::<Pod>("metadata: {name: 7}\n", "v1", "Pod");
        same::<Pod>("metadata: {name: ~, labels: ~}\nspec: ~\n", "v1", "Pod");
        same::<Pod>("metadata: {name: a, name: b}\n", "v1", "Pod");
        same::<Pod>("spec: {containers: [{name: c, ports: [{containerPort: 99999999999999999999}]}]}\n", "v1", "Pod");
        same::<Pod>("spec: {containers: [{name: c, ports: [{containerPort: .nan}]}]}\n", "v1", "Pod");
        same::<Pod>("spec: {hostNetwork: yes}\n", "v1", "Pod");
        same::<Pod>("apiVersion: v2\nkind: Other\nstatus: {phase: 3}\n", "v1", "Pod");
        let many: String = (0..40).map(|i| format!("k{i}: v{i}\n    ")).collect();
        same::<Pod>(&format!("metadata:\n  labels:\n    {many}\n"), "v1", "Pod");
        let policy = "apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\n\
                      spec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: http}, {port: 80, endPort: 90}]}]\n";
        same::<NetworkPolicy>(policy, "networking.k8s.io/v1", "NetworkPolicy");
        same::<NetworkPolicy>("spec: {podSelector: {}, ingress: [{ports: [{port: [1]}]}]}\n", "networking.k8s.io/v1", "NetworkPolicy");
        same::<NetworkPolicy>("spec: {podSelector: {}, policyTypes: Ingress}\n", "networking.k8s.io/v1", "NetworkPolicy");
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n\
                          spec: {replicas: 2, selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}, spec: {containers: []}}}\n";
        same::<Deployment>(deployment, "apps/v1", "Deployment");
        same::<Deployment>("spec: {replicas: '2'}\n", "apps/v1", "Deployment");
    }
}
