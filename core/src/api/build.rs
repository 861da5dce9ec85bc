//! `build`: compile an intent into NetworkPolicies (the design step).

use k8s_openapi::api::networking::v1::NetworkPolicy;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Source;
use crate::builder::{GuardrailApiVersion, Intent, build_intent, build_intent_text_as};
use crate::error::{Error, ErrorCode};

/// Request of [`build`]: the intent as text (YAML or JSON, with locations in errors) or as an
/// object.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildRequest {
    /// The intent document as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The intent as an object (`apiVersion: netfence.dev/v1alpha1`, `kind: Intent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    /// Emit the cluster guardrails in this API version, whatever the intent's
    /// `clusterGuardrails.apiVersion` says (the command line's `--api-version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<GuardrailApiVersion>,
}

impl BuildRequest {
    /// A request for intent text.
    #[must_use]
    pub fn from_text(text: impl Into<String>) -> Self {
        Self { source: Some(Source::text(text)), ..Self::default() }
    }
}

/// Response of [`build`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BuildResponse {
    /// The policies: allowances first, then default-deny policies (the safe apply order).
    #[serde(serialize_with = "crate::model::manifest::serialize_list")]
    pub policies: Vec<NetworkPolicy>,
    /// The same policies as multi-document YAML that `kubectl apply -f` accepts (the cluster
    /// guardrails first).
    pub yaml: String,
    /// The intent's cluster guardrails: ClusterNetworkPolicies (or AdminNetworkPolicies and a
    /// BaselineAdminNetworkPolicy with `apiVersion: v1alpha1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_policies: Vec<serde_json::Value>,
}

/// Compiles the intent. Every policy is validated before it is returned.
///
/// # Errors
/// `NF-E010` for an invalid intent (with its location), `NF-E012` if the result would not be
/// valid, `NF-E011` when the request has neither or both of `source` and `intent`.
pub fn build(request: &BuildRequest) -> Result<BuildResponse, Error> {
    let output = match (&request.source, &request.intent) {
        (Some(source), None) => build_intent_text_as(&source.text, &source.name, request.api_version)?,
        (None, Some(intent)) => match (request.api_version, &intent.cluster_guardrails) {
            (Some(version), Some(guardrails)) => {
                let mut intent = intent.clone();
                intent.cluster_guardrails =
                    Some(crate::builder::IntentGuardrails { api_version: version, ..guardrails.clone() });
                build_intent(&intent)?
            }
            _ => build_intent(intent)?,
        },
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidRequest,
                "a build request needs exactly one of `source` and `intent`",
            )
            .with_help("pass the intent as text in `source`, or as an object in `intent`"));
        }
    };
    let cluster_policies = output.cluster_policies().to_vec();
    Ok(BuildResponse { yaml: output.to_yaml(), policies: output.into_policies(), cluster_policies })
}
