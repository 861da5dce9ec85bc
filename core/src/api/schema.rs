//! `schema`: JSON Schemas of the intent format and of every request and response.
//!
//! Native builds make them with schemars. WebAssembly builds leave schemars' code out (it was a
//! tenth of the module) and read them from `schemas.json`, written by `cargo xtask codegen`
//! ([`schema_bundle`]): the same values, with each `$defs` type stored once.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};

/// Request of [`schema`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchemaRequest {
    /// Which schema: `intent`, `requirements`, `config`, `change-record`, `error`, or `<operation>-request` / `<operation>-response`.
    pub name: String,
}

#[cfg(not(target_arch = "wasm32"))]
fn schema_of<T: JsonSchema>() -> serde_json::Value {
    schemars::schema_for!(T).to_value()
}

/// Every schema netfence publishes, by name (not in WebAssembly builds, which read
/// [`schema`]'s answers from `schemas.json`).
#[cfg(not(target_arch = "wasm32"))]
#[must_use]
pub fn schemas() -> Vec<(&'static str, serde_json::Value)> {
    use super::*;
    vec![
        ("intent", schema_of::<crate::builder::Intent>()),
        ("error", schema_of::<crate::ErrorPayload>()),
        ("parse-request", schema_of::<ParseRequest>()),
        ("parse-response", schema_of::<ParseResponse>()),
        ("validate-request", schema_of::<ValidateRequest>()),
        ("validate-response", schema_of::<ValidateResponse>()),
        ("lint-request", schema_of::<LintRequest>()),
        ("lint-response", schema_of::<LintResponse>()),
        ("build-request", schema_of::<BuildRequest>()),
        ("build-response", schema_of::<BuildResponse>()),
        ("analyze-request", schema_of::<AnalyzeRequest>()),
        ("analyze-response", schema_of::<AnalyzeResponse>()),
        ("explain-request", schema_of::<ExplainRequest>()),
        ("explain-response", schema_of::<super::ExplainResponse>()),
        ("exposure-request", schema_of::<ExposureRequest>()),
        ("exposure-response", schema_of::<ExposureResponse>()),
        ("diff-request", schema_of::<DiffRequest>()),
        ("diff-response", schema_of::<DiffResponse>()),
        ("check-request", schema_of::<CheckRequest>()),
        ("check-response", schema_of::<CheckResponse>()),
        ("flow-map-request", schema_of::<FlowMapRequest>()),
        ("flow-map-response", schema_of::<FlowMapResponse>()),
        ("generate-request", schema_of::<GenerateRequest>()),
        ("generate-response", schema_of::<GenerateResponse>()),
        ("impact-request", schema_of::<ImpactRequest>()),
        ("impact-response", schema_of::<ImpactResponse>()),
        ("drops-request", schema_of::<DropsRequest>()),
        ("drops-response", schema_of::<DropsResponse>()),
        ("audit-request", schema_of::<AuditRequest>()),
        ("audit-response", schema_of::<AuditResponse>()),
        ("requirements", schema_of::<crate::requirements::Requirements>()),
        ("config", schema_of::<crate::review::Config>()),
        ("review-request", schema_of::<ReviewRequest>()),
        ("review-response", schema_of::<ReviewResponse>()),
        ("change-record", schema_of::<crate::report::review::ChangeRecord>()),
        ("plan-request", schema_of::<PlanRequest>()),
        ("plan-response", schema_of::<PlanResponse>()),
        ("schema-request", schema_of::<SchemaRequest>()),
    ]
}

/// The schema named in the request.
///
/// # Errors
/// `NF-E011` for an unknown name, listing the known ones.
pub fn schema(request: &SchemaRequest) -> Result<serde_json::Value, Error> {
    #[cfg(not(target_arch = "wasm32"))]
    let all = schemas();
    #[cfg(target_arch = "wasm32")]
    let all = bundled()?;
    let names: Vec<String> = all.iter().map(|(n, _)| n.to_string()).collect();
    all.into_iter().find(|(n, _)| *n == request.name).map(|(_, s)| s).ok_or_else(|| {
        Error::new(ErrorCode::InvalidRequest, format!("unknown schema `{}`", request.name))
            .with_help(format!("schemas are: {}", names.join(", ")))
    })
}

/// Separates a `$defs` name from the number that tells apart different types of that name.
const DEF_VARIANT: char = '~';

/// The text of `schemas.json`: `{"defs": {...}, "schemas": {...}}`, every schema of
/// [`schemas`] in order, its `$defs` (in place and order) replaced by the list of their keys in
/// `defs`; a type is stored once under its name, or under `Name~2`, `Name~3`, ... when another
/// schema's type of that name differs. One entry a line.
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
#[must_use]
pub fn schema_bundle() -> String {
    use serde_json::Value;

    let mut defs: Vec<(String, Value)> = Vec::new();
    let mut tops: Vec<(&str, Value)> = Vec::new();
    for (name, mut schema) in schemas() {
        if let Some(Value::Object(own)) = schema.get_mut("$defs") {
            let mut keys = Vec::new();
            for (def, body) in std::mem::take(own) {
                let mut key = def.clone();
                let mut n = 1;
                loop {
                    match defs.iter().find(|(k, _)| *k == key) {
                        None => {
                            defs.push((key.clone(), body));
                            break;
                        }
                        Some((_, b)) if *b == body => break,
                        Some(_) => {
                            n += 1;
                            key = format!("{def}{DEF_VARIANT}{n}");
                        }
                    }
                }
                keys.push(Value::String(key));
            }
            if let Some(slot) = schema.get_mut("$defs") {
                *slot = Value::Array(keys);
            }
        }
        tops.push((name, schema));
    }
    let entry = |key: &str, value: &Value| format!("{}:{value}", Value::String(key.to_owned()));
    let list = |entries: Vec<String>| entries.join(",\n");
    format!(
        "{{\"defs\":{{\n{}\n}},\n\"schemas\":{{\n{}\n}}}}\n",
        list(defs.iter().map(|(k, v)| entry(k, v)).collect()),
        list(tops.iter().map(|(k, v)| entry(k, v)).collect()),
    )
}

/// The schemas of `schemas.json`, put back together, read with netfence's own parser (no JSON
/// deserializer is linked in for this alone).
#[cfg(any(test, target_arch = "wasm32"))]
fn bundled() -> Result<Vec<(String, serde_json::Value)>, Error> {
    use serde_json::{Map, Value};

    let options = crate::source::ParseOptions { max_depth: 128, strict: true, ..Default::default() };
    let broken = |why: String| Error::new(ErrorCode::Output, format!("the bundled schemas are broken: {why}"));
    let parsed = crate::source::parse_text(include_str!("schemas.json"), "schemas.json", &options)?;
    let root = parsed.documents.into_iter().next().ok_or_else(|| broken("empty".to_owned()))?.root;
    let bundle = root.to_json();
    let (Some(Value::Object(defs)), Some(Value::Object(tops))) = (bundle.get("defs"), bundle.get("schemas")) else {
        return Err(broken("no `defs` or `schemas`".to_owned()));
    };
    let mut out = Vec::with_capacity(tops.len());
    for (name, top) in tops {
        let mut schema = top.clone();
        if let Some(slot) = schema.get_mut("$defs") {
            let keys = slot.as_array().map(Vec::as_slice).unwrap_or_default();
            let mut own = Map::new();
            for key in keys.iter().filter_map(Value::as_str) {
                let def = defs.get(key).ok_or_else(|| broken(format!("no type `{key}`")))?;
                let name = key.split_once(DEF_VARIANT).map_or(key, |(name, _)| name);
                own.insert(name.to_owned(), def.clone());
            }
            *slot = Value::Object(own);
        }
        out.push((name.clone(), schema));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    /// `schemas.json` is what `cargo xtask codegen` writes, and puts back every schema exactly.
    #[test]
    fn bundled_schemas_are_current_and_whole() {
        assert!(
            super::schema_bundle() == include_str!("schemas.json"),
            "core/src/api/schemas.json is stale: run `cargo xtask codegen`"
        );
        let bundled = super::bundled().unwrap();
        let made = super::schemas();
        assert_eq!(bundled.len(), made.len());
        for ((name, schema), (made_name, made_schema)) in bundled.iter().zip(&made) {
            assert_eq!(name, made_name);
            // the same value, key order included
            assert_eq!(serde_json::to_string(schema).unwrap(), serde_json::to_string(made_schema).unwrap(), "{name}");
        }
    }
}
