//! Unknown fields: keys the networking.k8s.io/v1 schema does not have (`namespaceSelecter`,
//! `ingres`). kubectl's default strict field validation makes the server reject them.
//!
//! The input tree is compared with the typed object serialized back to JSON: a key the typed
//! object dropped is unknown. A known key with a `null` value is not (the typed object drops
//! it); an unknown one is, like the top-level `status` of old `kubectl get` output (NetworkPolicy
//! lost it in Kubernetes 1.27): the API server's strict decoding rejects both.
//! Suggestions come from the field names the OpenAPI schema lists at that level: a static table
//! (`known_fields.rs`) that `cargo xtask codegen` generates from k8s-openapi's JSON Schema of
//! NetworkPolicy ([`known_fields_source`]), so no schema is built at run time.

use serde_json::Value as Json;

use super::known_fields::{SHAPES, Shape};
use super::{Ctx, RuleMeta};
use crate::model::Category;
use crate::model::Severity;
use crate::source::{Node, Value, escape_pointer};
use crate::suggest::closest;

/// `NF001`: a field the v1 schema does not have.
pub(crate) const UNKNOWN_FIELD: RuleMeta = RuleMeta {
    id: "NF001",
    name: "unknown-field",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "field is not part of the networking.k8s.io/v1 NetworkPolicy schema",
};

pub(crate) const UNKNOWN_FIELD_DOCS: &str = r#"
## What it flags
A key that the `networking.k8s.io/v1` NetworkPolicy schema does not have at that place: a typo
such as `ingres` or `namespaceSelecter`, a wrongly cased name (`podselector`), a field of another
kind, or a field at the wrong level. Every level is checked, `metadata` included (`lables`, and
the fields of `managedFields` entries), also when the key's value is `null`, and a top-level
`status` (a NetworkPolicy has none: strict decoding rejects it, so `kubectl get -o yaml` output
with `status: {}` must drop it before it is applied). The free keys of `labels`,
`annotations` and `matchLabels` are not reported. The help names the closest field of that place, and the fix renames the key
when no key of that name is next to it already.

## Why it matters
kubectl asks the API server for strict field validation (`--validate=strict`, the default): the
request fails with `400 Bad Request` and `strict decoding error: unknown field "spec.ingres"`.
Clients that do not ask for it (`kubectl --validate=false`, many controllers and client
libraries) get at most a warning, and the server drops the field. The stored policy is then not
the one written: a misspelt `ingress` leaves the policy without ingress rules, so the selected
pods accept no incoming traffic; a misspelt `namespaceSelector` next to a `podSelector` narrows
the peer to pods of the policy's own namespace.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - namespaceSelecter: {matchLabels: {team: edge}}
      podSelector: {matchLabels: {app: gateway}}
```

## How to fix
Write the field as the schema names it (field names are case-sensitive), or remove it:
```yaml
    - namespaceSelector: {matchLabels: {team: edge}}
      podSelector: {matchLabels: {app: gateway}}
```
"#;

/// A position in the schema: a shape of the table, or nowhere known (a scalar, or below one).
#[derive(Clone, Copy)]
struct SchemaAt(Option<&'static Shape>);

impl SchemaAt {
    fn at(index: Option<u16>) -> Self {
        Self(index.and_then(|i| SHAPES.get(usize::from(i))))
    }

    fn child(self, key: &str) -> Self {
        let Some(shape) = self.0 else { return Self(None) };
        match shape.fields.iter().find(|(name, _)| *name == key) {
            Some((_, child)) => Self::at(*child),
            None => Self::at(shape.other),
        }
    }

    fn item(self) -> Self {
        self.0.map_or(Self(None), |shape| Self::at(shape.items))
    }

    fn field_names(self) -> Vec<&'static str> {
        self.0.map(|shape| shape.fields.iter().map(|(name, _)| *name).collect()).unwrap_or_default()
    }
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let Ok(typed) = crate::model::manifest::to_value(&ctx.policy.object) else { return };
    let input = ctx.policy.source.node();
    let mut unknown = Vec::new();
    walk(input, Some(&typed), SchemaAt::at(Some(0)), String::new(), &mut unknown);
    for field in unknown {
        report(ctx, field);
    }
}

/// An input key the typed object does not have.
struct Unknown {
    parent: String,
    key: String,
    known: Vec<&'static str>,
    siblings: Vec<String>,
}

/// Compares `input` with the typed object where the typed object has the value; where it does
/// not (metadata fields netfence does not keep: `uid`, `managedFields`, ... see
/// `inventory/read.rs`), with the schema table alone.
fn walk(input: &Node, typed: Option<&Json>, schema: SchemaAt, pointer: String, out: &mut Vec<Unknown>) {
    match (&input.value, typed) {
        (Value::Map(entries), Some(Json::Object(_)) | None) => {
            let object = typed.and_then(Json::as_object);
            if typed.is_none() && schema.0.is_none_or(|shape| shape.other.is_some()) {
                // nowhere known, or a map with free keys: no key is unknown; values may be objects
                if let Some(shape) = schema.0 {
                    for (key, value) in entries {
                        let child = format!("{pointer}/{}", escape_pointer(&key.name));
                        walk(value, None, SchemaAt::at(shape.other), child, out);
                    }
                }
                return;
            }
            for (key, value) in entries {
                let known = schema.field_names();
                if matches!(value.value, Value::Null) && known.contains(&key.name.as_str()) {
                    continue;
                }
                let child = format!("{pointer}/{}", escape_pointer(&key.name));
                match object.and_then(|o| o.get(&key.name)) {
                    Some(typed_child) => walk(value, Some(typed_child), schema.child(&key.name), child, out),
                    None if known.contains(&key.name.as_str()) => {
                        walk(value, None, schema.child(&key.name), child, out);
                    }
                    None => out.push(Unknown {
                        parent: pointer.clone(),
                        key: key.name.clone(),
                        known,
                        siblings: entries.iter().map(|(k, _)| k.name.clone()).collect(),
                    }),
                }
            }
        }
        (Value::Seq(items), Some(Json::Array(typed_items))) => {
            for (i, (item, typed_item)) in items.iter().zip(typed_items).enumerate() {
                walk(item, Some(typed_item), schema.item(), format!("{pointer}/{i}"), out);
            }
        }
        (Value::Seq(items), None) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, None, schema.item(), format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn report(ctx: &mut Ctx<'_>, field: Unknown) {
    let Unknown { parent, key, known, siblings } = field;
    let suggestion = closest(&key, known.iter().copied());
    let place = if parent.is_empty() { String::new() } else { format!(" in `{}`", dotted(&parent)) };
    let help = match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None if known.is_empty() => "remove the field; the NetworkPolicy schema does not have it".to_owned(),
        None => {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!("remove the field; fields here are {}", list.join(", "))
        }
    };
    // Renaming is only safe when the right name is not used already.
    let fix = suggestion.filter(|s| !siblings.iter().any(|k| k == s)).map(str::to_owned);
    let draft = UNKNOWN_FIELD.finding(ctx.at_key(&parent, &key), format!("unknown field `{key}`{place}"), help);
    ctx.report(draft.fix(fix));
}

/// `/spec/ingress/0/from` → `spec.ingress[0].from`.
fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

/// The text of `known_fields.rs`: every position of k8s-openapi's JSON Schema of NetworkPolicy
/// that a walk from the root reaches (through `$ref`s, `properties`, `additionalProperties`
/// and `items`, as the schema was read at run time before), with the field names in schema order.
/// Positions with no fields, no map values and no items are left out (`None`).
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
#[must_use]
pub fn known_fields_source() -> String {
    use std::collections::HashMap;

    use k8s_openapi::api::networking::v1::NetworkPolicy;

    struct Found<'a> {
        node: &'a Json,
        fields: Vec<(&'a str, Option<&'a Json>)>,
        other: Option<&'a Json>,
        items: Option<&'a Json>,
        path: String,
    }
    fn resolve<'a>(root: &'a Json, node: Option<&'a Json>) -> Option<&'a Json> {
        let mut node = node?;
        for _ in 0..16 {
            match node.get("$ref").and_then(Json::as_str) {
                Some(reference) => node = root.pointer(reference.strip_prefix('#')?)?,
                None => return Some(node),
            }
        }
        None
    }
    fn describe<'a>(root: &'a Json, node: &'a Json, path: String) -> Found<'a> {
        let fields: Vec<_> = node
            .get("properties")
            .and_then(Json::as_object)
            .map(|p| p.iter().map(|(k, v)| (k.as_str(), resolve(root, Some(v)))).collect())
            .unwrap_or_default();
        let other = resolve(root, node.get("additionalProperties").filter(|a| a.is_object()));
        let items = resolve(root, node.get("items"));
        Found { node, fields, other, items, path }
    }

    let root = schemars::SchemaGenerator::default().into_root_schema_for::<NetworkPolicy>().to_value();
    let root = &root;
    /// No fields here, and none below through map values or items: the same as no position.
    fn is_empty(root: &Json, node: &Json, depth: usize) -> bool {
        let f = describe(root, node, String::new());
        let below = |child: Option<&Json>| child.is_none_or(|c| depth > 16 || is_empty(root, c, depth + 1));
        f.fields.is_empty() && below(f.other) && below(f.items)
    }
    // breadth first from the root; a shape's index is its order of discovery
    let mut found: Vec<Found<'_>> = Vec::new();
    let mut index: HashMap<*const Json, usize> = HashMap::new();
    if let Some(start) = resolve(root, Some(root)) {
        index.insert(start, 0);
        found.push(describe(root, start, String::new()));
    }
    let mut next = 0;
    while let Some(current) = found.get(next) {
        let mut children: Vec<(&Json, String)> = Vec::new();
        for (name, child) in &current.fields {
            children.extend(child.map(|c| (c, format!("{}/{name}", current.path))));
        }
        children.extend(current.other.map(|c| (c, format!("{}/*", current.path))));
        children.extend(current.items.map(|c| (c, format!("{}/[]", current.path))));
        for (child, path) in children {
            if !is_empty(root, child, 0) && !index.contains_key(&std::ptr::from_ref(child)) {
                index.insert(child, found.len());
                found.push(describe(root, child, path));
            }
        }
        next += 1;
    }
    let refer = |node: Option<&Json>| match node.and_then(|n| index.get(&std::ptr::from_ref(n))) {
        Some(i) => format!("Some({i})"),
        None => "None".to_owned(),
    };
    let mut out = String::from(
        "// generated by `cargo xtask codegen` from k8s-openapi's JSON Schema of NetworkPolicy; do not edit\n\n\
         //! The field names of the NetworkPolicy schema, for the unknown-field check (`fields.rs`).\n\n\
         /// A position in the schema: its fields (name, and the position of the value) in schema order,\n\
         /// the position of the value of any other key (a map), and of a list's items.\n\
         pub(super) struct Shape {\n    \
             pub fields: &'static [(&'static str, Option<u16>)],\n    \
             pub other: Option<u16>,\n    \
             pub items: Option<u16>,\n\
         }\n\n\
         /// The positions; 0 is the root, a NetworkPolicy.\n\
         #[rustfmt::skip]\n\
         pub(super) static SHAPES: &[Shape] = &[\n",
    );
    for (i, shape) in found.iter().enumerate() {
        let title = shape.node.get("title").and_then(Json::as_str).map(|t| format!(" ({t})")).unwrap_or_default();
        let path = if shape.path.is_empty() { "/" } else { &shape.path };
        out.push_str(&format!("    // {i}: {path}{title}\n    Shape {{\n        fields: &["));
        if !shape.fields.is_empty() {
            out.push('\n');
            for (name, child) in &shape.fields {
                out.push_str(&format!("            ({name:?}, {}),\n", refer(*child)));
            }
            out.push_str("        ");
        }
        out.push_str(&format!(
            "],\n        other: {},\n        items: {},\n    }},\n",
            refer(shape.other),
            refer(shape.items)
        ));
    }
    out.push_str("];\n");
    out
}

#[cfg(test)]
mod tests {
    /// The checked-in table is what `cargo xtask codegen` would write.
    #[test]
    fn known_fields_table_is_current() {
        assert!(
            super::known_fields_source() == include_str!("known_fields.rs"),
            "core/src/validate/known_fields.rs is stale: run `cargo xtask codegen`"
        );
    }
}
