//! Unknown fields: keys the networking.k8s.io/v1 schema does not have (`namespaceSelecter`,
//! `ingres`). kubectl's default strict field validation makes the server reject them.
//!
//! The input tree is compared with the typed object serialized back to JSON: a key the typed
//! object dropped is unknown. Keys with a `null` value and the top-level `status` are ignored.
//! Suggestions come from the field names the OpenAPI schema lists at that level.

use std::sync::OnceLock;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde_json::Value as Json;

use super::suggest::closest;
use super::{Ctx, RuleMeta};
use crate::model::Severity;
use crate::source::{Node, Value, escape_pointer};

/// `NF001`: a field the v1 schema does not have.
pub(crate) const UNKNOWN_FIELD: RuleMeta = RuleMeta {
    id: "NF001",
    name: "unknown-field",
    severity: Severity::Error,
    summary: "field is not part of the networking.k8s.io/v1 NetworkPolicy schema",
};

/// Top-level keys that are never flagged (read-only server fields in `kubectl get` output).
const IGNORED_TOP_LEVEL: [&str; 1] = ["status"];

/// The JSON schema of NetworkPolicy, generated once.
fn schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = schemars::SchemaGenerator::default().into_root_schema_for::<NetworkPolicy>();
        schema.as_value().clone()
    })
}

/// A position in the schema, following `$ref`s into the root's definitions.
#[derive(Clone, Copy)]
struct SchemaAt<'a> {
    root: &'a Json,
    node: Option<&'a Json>,
}

impl<'a> SchemaAt<'a> {
    fn resolved(self) -> Option<&'a Json> {
        let mut node = self.node?;
        for _ in 0..16 {
            match node.get("$ref").and_then(Json::as_str) {
                Some(reference) => node = self.root.pointer(reference.strip_prefix('#')?)?,
                None => return Some(node),
            }
        }
        None
    }

    fn child(self, key: &str) -> Self {
        let node = self.resolved();
        let child = node
            .and_then(|n| n.get("properties"))
            .and_then(|p| p.get(key))
            .or_else(|| node.and_then(|n| n.get("additionalProperties")).filter(|a| a.is_object()));
        Self { root: self.root, node: child }
    }

    fn item(self) -> Self {
        Self { root: self.root, node: self.resolved().and_then(|n| n.get("items")) }
    }

    fn field_names(self) -> Vec<&'a str> {
        self.resolved()
            .and_then(|n| n.get("properties"))
            .and_then(Json::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let Ok(typed) = serde_json::to_value(&ctx.policy.object) else { return };
    let root = schema();
    let input = ctx.policy.source.node();
    let mut unknown = Vec::new();
    walk(input, &typed, SchemaAt { root, node: Some(root) }, String::new(), &mut unknown);
    for field in unknown {
        report(ctx, field);
    }
}

/// An input key the typed object does not have.
struct Unknown<'a> {
    parent: String,
    key: String,
    known: Vec<&'a str>,
    siblings: Vec<String>,
}

fn walk<'a>(input: &Node, typed: &Json, schema: SchemaAt<'a>, pointer: String, out: &mut Vec<Unknown<'a>>) {
    match (&input.value, typed) {
        (Value::Map(entries), Json::Object(object)) => {
            for (key, value) in entries {
                if matches!(value.value, Value::Null)
                    || (pointer.is_empty() && IGNORED_TOP_LEVEL.contains(&key.name.as_str()))
                {
                    continue;
                }
                let child = format!("{pointer}/{}", escape_pointer(&key.name));
                match object.get(&key.name) {
                    Some(typed_child) => walk(value, typed_child, schema.child(&key.name), child, out),
                    None => out.push(Unknown {
                        parent: pointer.clone(),
                        key: key.name.clone(),
                        known: schema.field_names(),
                        siblings: entries.iter().map(|(k, _)| k.name.clone()).collect(),
                    }),
                }
            }
        }
        (Value::Seq(items), Json::Array(typed_items)) => {
            for (i, (item, typed_item)) in items.iter().zip(typed_items).enumerate() {
                walk(item, typed_item, schema.item(), format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn report(ctx: &mut Ctx<'_>, field: Unknown<'_>) {
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
    ctx.report(draft.maybe_fix(fix));
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
