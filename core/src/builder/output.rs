//! Rendering (YAML, JSON) and the self-check of what the builder emits.

use crate::sorted::CompactSort;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};
use crate::inventory::ResourceSet;
use crate::model::Severity;
use crate::source::ParseOptions;
use crate::validate::validate_policy;

/// The policies a build produced, with their YAML and JSON renderings.
#[derive(Clone, Debug, PartialEq)]
pub struct BuildOutput {
    policies: Vec<NetworkPolicy>,
    /// Cluster guardrails (cluster-scoped policies), first in the output.
    cluster_policies: Vec<Value>,
    yaml: String,
    json: String,
}

/// Field order in rendered output: how people write NetworkPolicies, not alphabetical.
const FIELD_ORDER: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "labels",
    "annotations",
    "spec",
    "tier",
    "priority",
    "subject",
    "action",
    "ipBlock",
    "namespaceSelector",
    "podSelector",
    "policyTypes",
    "ingress",
    "egress",
    "from",
    "to",
    "ports",
    "cidr",
    "except",
    "protocol",
    "port",
    "endPort",
    "matchLabels",
    "matchExpressions",
    "key",
    "operator",
    "values",
];

/// Maps whose keys are data (label keys), not fields: never reordered.
const DATA_MAPS: &[&str] = &["labels", "annotations", "matchLabels"];

fn ordered(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_compact_by_key(|(k, _)| FIELD_ORDER.iter().position(|f| f == k).unwrap_or(usize::MAX));
            let mut out = Map::with_capacity(entries.len());
            for (k, v) in entries {
                let v = if DATA_MAPS.contains(&k.as_str()) { v } else { ordered(v) };
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(ordered).collect()),
        other => other,
    }
}

fn output_error(message: String) -> Error {
    Error::new(ErrorCode::Output, message)
        .with_help("this is a bug in netfence; please report it with the builder input")
}

/// Renders policies as multi-document YAML separated by `---`.
pub(crate) fn render_yaml(documents: &[Value]) -> Result<String, Error> {
    Ok(crate::source::yaml_write::to_yaml_documents(documents))
}

impl BuildOutput {
    /// Renders and checks `policies`.
    pub(crate) fn new(policies: Vec<NetworkPolicy>) -> Result<Self, Error> {
        let mut documents = Vec::with_capacity(policies.len());
        for p in &policies {
            let value =
                crate::model::manifest::to_value(p).map_err(|e| output_error(format!("cannot render JSON: {e}")))?;
            documents.push(ordered(value));
        }
        let yaml = render_yaml(&documents)?;
        let list = Value::Object(Map::from_iter([
            ("apiVersion".to_owned(), Value::String("v1".to_owned())),
            ("kind".to_owned(), Value::String("List".to_owned())),
            ("items".to_owned(), Value::Array(documents)),
        ]));
        let mut json = serde_json::to_string(&list)
            .map(|s| crate::source::json::pretty_json(&s))
            .map_err(|e| output_error(format!("cannot render JSON: {e}")))?;
        json.push('\n');
        let output = Self { policies, cluster_policies: Vec::new(), yaml, json };
        output.verify()?;
        Ok(output)
    }

    /// The output with cluster guardrails (cluster-scoped policies) in front of the policies,
    /// read back and validated like them.
    pub(crate) fn with_guardrails(self, guardrails: Vec<Value>) -> Result<Self, Error> {
        if guardrails.is_empty() {
            return Ok(self);
        }
        let mut documents: Vec<Value> = guardrails.iter().cloned().map(ordered).collect();
        for p in &self.policies {
            let value =
                crate::model::manifest::to_value(p).map_err(|e| output_error(format!("cannot render JSON: {e}")))?;
            documents.push(ordered(value));
        }
        let yaml = render_yaml(&documents)?;
        let list = Value::Object(Map::from_iter([
            ("apiVersion".to_owned(), Value::String("v1".to_owned())),
            ("kind".to_owned(), Value::String("List".to_owned())),
            ("items".to_owned(), Value::Array(documents)),
        ]));
        let mut json = serde_json::to_string(&list)
            .map(|s| crate::source::json::pretty_json(&s))
            .map_err(|e| output_error(format!("cannot render JSON: {e}")))?;
        json.push('\n');
        let mut set = ResourceSet::default();
        let options = ParseOptions {
            strict: true,
            max_input_bytes: usize::MAX,
            max_documents: usize::MAX,
            ..ParseOptions::default()
        };
        set.add_text(&yaml, "<built>", &options).map_err(|e| {
            Error::new(ErrorCode::InvalidBuild, format!("the built guardrails do not read back: {}", e.message))
                .with_help("this is a bug in netfence; please report it with the builder input")
        })?;
        if set.cluster_policies.len() != guardrails.len() {
            return Err(Error::new(ErrorCode::InvalidBuild, "the built guardrails read back differently".to_owned())
                .with_help("this is a bug in netfence; please report it with the builder input"));
        }
        let invalid: Vec<String> = crate::validate::validate_resources(&set)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{}: {}", f.id, f.message))
            .collect();
        if let Some(first) = invalid.first() {
            return Err(Error::new(ErrorCode::InvalidBuild, format!("a built guardrail is not valid: {first}"))
                .with_help("check the guardrails' labels and selectors"));
        }
        Ok(Self { policies: self.policies, cluster_policies: guardrails, yaml, json })
    }

    /// The cluster guardrails (cluster-scoped policies), in output order.
    #[must_use]
    pub fn cluster_policies(&self) -> &[Value] {
        &self.cluster_policies
    }

    /// Reads the YAML back, checks it holds the same objects, and validates each.
    fn verify(&self) -> Result<(), Error> {
        let mut set = ResourceSet::default();
        // netfence's own output: no input-size or document limit (a cluster's generated policies
        // are many more than the 10,000 documents an input may hold by default)
        let options = ParseOptions {
            strict: true,
            max_input_bytes: usize::MAX,
            max_documents: usize::MAX,
            ..ParseOptions::default()
        };
        set.add_text(&self.yaml, "<built>", &options).map_err(|e| {
            Error::new(ErrorCode::InvalidBuild, format!("the built policies do not read back: {}", e.message))
                .with_help("this is a bug in netfence; please report it with the builder input")
        })?;
        let same = set.errors.is_empty()
            && set.policies.len() == self.policies.len()
            && set.policies.iter().zip(&self.policies).all(|(read, built)| read.object == *built);
        if !same {
            return Err(Error::new(ErrorCode::InvalidBuild, "the built policies read back differently".to_owned())
                .with_help("this is a bug in netfence; please report it with the builder input"));
        }
        for policy in &set.policies {
            let findings = validate_policy(policy);
            if let Some(f) = findings.iter().find(|f| f.severity == Severity::Error) {
                return Err(Error::new(
                    ErrorCode::InvalidBuild,
                    format!(
                        "policy `{}/{}` would be rejected: {} ({})",
                        policy.namespace, policy.name, f.message, f.id
                    ),
                )
                .with_help(
                    f.help.clone().unwrap_or_else(|| "change the builder input so the policy is valid".to_owned()),
                ));
            }
        }
        Ok(())
    }

    /// The policies, in output order.
    #[must_use]
    pub fn policies(&self) -> &[NetworkPolicy] {
        &self.policies
    }

    /// The policies, in output order.
    #[must_use]
    pub fn into_policies(self) -> Vec<NetworkPolicy> {
        self.policies
    }

    /// Multi-document YAML (`---` between documents), for `kubectl apply -f`.
    #[must_use]
    pub fn to_yaml(&self) -> String {
        self.yaml.clone()
    }

    /// A JSON `v1` `List` of the policies (pretty-printed), for `kubectl apply -f`.
    #[must_use]
    pub fn to_json(&self) -> String {
        self.json.clone()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

    use super::BuildOutput;

    /// More policies than an input may hold documents by default still read back: the check
    /// reads netfence's own output without the input limits.
    #[test]
    fn more_policies_than_the_default_document_limit_read_back() {
        let n = crate::source::ParseOptions::default().max_documents + 1;
        let policies: Vec<NetworkPolicy> = (0..n)
            .map(|i| NetworkPolicy {
                metadata: ObjectMeta {
                    name: Some(format!("deny-{i}")),
                    namespace: Some("ns".to_owned()),
                    ..ObjectMeta::default()
                },
                spec: Some(NetworkPolicySpec {
                    pod_selector: Some(LabelSelector::default()),
                    policy_types: Some(vec!["Ingress".to_owned()]),
                    ..NetworkPolicySpec::default()
                }),
            })
            .collect();
        let output = BuildOutput::new(policies).unwrap();
        assert_eq!(output.policies.len(), n);
    }
}
