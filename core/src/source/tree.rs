//! The located tree: a YAML/JSON document parsed into nodes that remember where every key and
//! value stood, so findings can point at file, line, column and JSON pointer.

use std::sync::Arc;

use crate::location::Location;

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
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
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

/// A parsed resource document: its tree, the input's name, and the resource's pointer inside
/// that tree (non-empty for items of a `kind: List` read as one tree, e.g. `/items/3`).
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
    /// Pointer from `root` to this resource: `/items/3` for an item of a list read as one tree,
    /// else empty (a document, or an item of a large list read on its own, whose `root` is the
    /// item). Locations and their pointers are relative to the resource either way.
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

/// Moves the lines of a tree parsed from a part of the input by `by` (iteratively: trees may
/// be deep).
pub(crate) fn shift_lines(node: &mut Node, by: u32) {
    if by == 0 {
        return;
    }
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.line > 0 {
            n.line = n.line.saturating_add(by);
        }
        match &mut n.value {
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(entries) => {
                for (k, v) in entries {
                    if k.line > 0 {
                        k.line = k.line.saturating_add(by);
                    }
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

/// Drops a large tree's top-level sequence items on the available cores (freeing millions of
/// nodes is a second of work on one).
pub(crate) fn drop_tree(node: Node) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let threads = crate::parallel::threads();
        let Value::Map(entries) = node.value else { return };
        for (_, value) in entries {
            if let Value::Seq(mut items) = value.value
                && threads > 1
                && items.len() >= 4096
            {
                let per_thread = items.len().div_ceil(threads);
                let mut parts = Vec::new();
                while items.len() > per_thread {
                    parts.push(items.split_off(items.len() - per_thread));
                }
                parts.push(items);
                std::thread::scope(|scope| {
                    for part in parts {
                        scope.spawn(move || drop(part));
                    }
                });
            }
        }
    }
    #[cfg(target_arch = "wasm32")]
    drop(node);
}

/// Carriage returns not followed by a line feed: YAML breaks lines there too (a file from an
/// old Mac editor), so line numbers count them.
pub(crate) fn lone_carriage_returns(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let lone = bytes.iter().enumerate().filter(|&(i, b)| *b == b'\r' && bytes.get(i + 1) != Some(&b'\n')).count();
    u32::try_from(lone).unwrap_or(u32::MAX)
}
