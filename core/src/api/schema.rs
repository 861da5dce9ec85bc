//! `schema`: JSON Schemas of the intent format and of every request and response.

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

fn schema_of<T: JsonSchema>() -> serde_json::Value {
    schemars::schema_for!(T).to_value()
}

/// Every schema netfence publishes, by name.
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
        ("build-request", schema_of::<BuildRequest>()),
        ("build-response", schema_of::<BuildResponse>()),
        ("analyze-request", schema_of::<AnalyzeRequest>()),
        ("analyze-response", schema_of::<AnalyzeResponse>()),
        ("explain-request", schema_of::<ExplainRequest>()),
        ("explain-response", schema_of::<crate::engine::Explanation>()),
        ("diff-request", schema_of::<DiffRequest>()),
        ("diff-response", schema_of::<DiffResponse>()),
        ("check-request", schema_of::<CheckRequest>()),
        ("check-response", schema_of::<CheckResponse>()),
        ("flow-map-request", schema_of::<TrafficMapRequest>()),
        ("flow-map-response", schema_of::<TrafficMapResponse>()),
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
        ("change-record", schema_of::<crate::review::ChangeRecord>()),
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
    let all = schemas();
    let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
    all.into_iter().find(|(n, _)| *n == request.name).map(|(_, s)| s).ok_or_else(|| {
        Error::new(ErrorCode::InvalidRequest, format!("unknown schema `{}`", request.name))
            .with_help(format!("schemas are: {}", names.join(", ")))
    })
}
