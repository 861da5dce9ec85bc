//! Cluster guardrails of the intent format (`clusterGuardrails`): cluster-scoped policies for
//! cluster admins, written as v1alpha2 `ClusterNetworkPolicy` (default) or v1alpha1
//! `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy`.
//!
//! - `allowDns`: admin policies accepting egress of every pod to the cluster DNS (the intent's
//!   `dns`) on UDP and TCP 53, and that traffic at the DNS pods, first (priorities 10 and 11);
//! - `allowFrom`: an admin policy accepting ingress of every pod from these pods (monitoring,
//!   an ingress controller), priority 20;
//! - `tenantLabel` and `tenants`: per tenant, an admin policy (priority 30 + index) that passes
//!   traffic from the tenant's own namespaces to its NetworkPolicies and denies it from other
//!   tenants' namespaces;
//! - `baselineDefaultDeny`: a baseline policy denying ingress from every namespace where no
//!   NetworkPolicy decides.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::selector::Selector;
use crate::error::{Error, ErrorCode};
use crate::model::PeerSelector;

/// The API version guardrails are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum GuardrailApiVersion {
    /// `policy.networking.k8s.io/v1alpha2` `ClusterNetworkPolicy` (tier `Admin` or `Baseline`).
    #[default]
    #[serde(rename = "v1alpha2")]
    V1alpha2,
    /// `policy.networking.k8s.io/v1alpha1` `AdminNetworkPolicy` and
    /// `BaselineAdminNetworkPolicy` (OpenShift, Antrea, kube-network-policies).
    #[serde(rename = "v1alpha1")]
    V1alpha1,
}

/// Cluster guardrails: cluster-scoped policies above and below the namespaces' policies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentGuardrails {
    /// `v1alpha2` (default): ClusterNetworkPolicies; `v1alpha1`: AdminNetworkPolicies and a
    /// BaselineAdminNetworkPolicy.
    #[serde(default)]
    pub api_version: GuardrailApiVersion,
    /// Every pod may always reach the cluster DNS (the intent's `dns`) on UDP and TCP 53.
    #[serde(default)]
    pub allow_dns: bool,
    /// Every pod may always be reached from these pods (e.g. monitoring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_from: Option<PeerSelector>,
    /// The namespace label that names a namespace's tenant, with `tenants`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_label: Option<String>,
    /// The tenants (values of `tenantLabel`): each is isolated from the others' namespaces, and
    /// traffic within it is left to its NetworkPolicies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<String>,
    /// Where no NetworkPolicy decides, deny ingress from every namespace (a baseline default
    /// deny).
    #[serde(default)]
    pub baseline_default_deny: bool,
}

/// A rule of a guardrail: action as v1alpha2 writes it, peers, and ports `(protocol, port)`.
struct Rule {
    name: String,
    action: &'static str,
    peers: Vec<Value>,
    ports: Vec<(&'static str, u16)>,
}

fn pods_peer(namespaces: &LabelSelector, pods: &LabelSelector) -> Value {
    json!({"pods": {"namespaceSelector": namespaces, "podSelector": pods}})
}

fn namespaces_peer(namespaces: &LabelSelector) -> Value {
    json!({"namespaces": namespaces})
}

fn rules(rules: &[Rule], v1: bool, peers_key: &str) -> Vec<Value> {
    rules
        .iter()
        .map(|r| {
            let action = match (v1, r.action) {
                (true, "Accept") => "Allow",
                (_, other) => other,
            };
            let mut rule = serde_json::Map::new();
            rule.insert("name".to_owned(), json!(r.name));
            rule.insert("action".to_owned(), json!(action));
            rule.insert(peers_key.to_owned(), json!(r.peers));
            if !r.ports.is_empty() {
                if v1 {
                    let ports: Vec<Value> =
                        r.ports.iter().map(|(p, n)| json!({"portNumber": {"protocol": p, "port": n}})).collect();
                    rule.insert("ports".to_owned(), json!(ports));
                } else {
                    let ports: Vec<Value> = r
                        .ports
                        .iter()
                        .map(|(p, n)| json!({p.to_ascii_lowercase(): {"destinationPort": {"number": n}}}))
                        .collect();
                    rule.insert("protocols".to_owned(), json!(ports));
                }
            }
            Value::Object(rule)
        })
        .collect()
}

/// One guardrail as a manifest.
fn policy(
    version: GuardrailApiVersion,
    name: &str,
    baseline: bool,
    priority: i32,
    subject: Value,
    ingress: &[Rule],
    egress: &[Rule],
) -> Value {
    let v1 = version == GuardrailApiVersion::V1alpha1;
    let (api_version, kind, name) = match (v1, baseline) {
        (true, true) => ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy", "default"),
        (true, false) => ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", name),
        (false, _) => ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy", name),
    };
    let mut spec = serde_json::Map::new();
    if !v1 {
        spec.insert("tier".to_owned(), json!(if baseline { "Baseline" } else { "Admin" }));
    }
    if !(v1 && baseline) {
        spec.insert("priority".to_owned(), json!(priority));
    }
    spec.insert("subject".to_owned(), subject);
    if !ingress.is_empty() {
        spec.insert("ingress".to_owned(), json!(rules(ingress, v1, "from")));
    }
    if !egress.is_empty() {
        spec.insert("egress".to_owned(), json!(rules(egress, v1, "to")));
    }
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "labels": {super::MANAGED_BY_LABEL: super::MANAGED_BY}},
        "spec": spec,
    })
}

fn check_label_key(key: &str) -> Result<(), Error> {
    if crate::validate::syntax::qualified_name_problem(key).is_some() || key.is_empty() {
        return Err(Error::new(ErrorCode::InvalidIntent, format!("`{key}` is not a valid label key"))
            .with_help("use a label key such as `tenant` or `example.com/tenant`"));
    }
    Ok(())
}

/// The guardrails of an intent as manifests, given the cluster DNS (`namespaces`, `pods`) and
/// the `allowFrom` pods already converted.
pub(crate) fn guardrails(
    g: &IntentGuardrails,
    dns: (&Selector, &Selector),
    allow_from: Option<(Selector, Selector)>,
) -> Result<Vec<Value>, Error> {
    let every = json!({"namespaces": {}});
    let mut out = Vec::new();
    let version = g.api_version;
    if g.allow_dns {
        let peer = pods_peer(&dns.0.to_label_selector(), &dns.1.to_label_selector());
        let rule = Rule {
            name: "allow-dns".to_owned(),
            action: "Accept",
            peers: vec![peer],
            ports: vec![("UDP", 53), ("TCP", 53)],
        };
        out.push(policy(version, "guardrail-allow-dns", false, 10, every.clone(), &[], &[rule]));
        // and the DNS pods accept it, whatever the baseline says
        let subject =
            json!({"pods": {"namespaceSelector": dns.0.to_label_selector(), "podSelector": dns.1.to_label_selector()}});
        let rule = Rule {
            name: "dns-from-every-pod".to_owned(),
            action: "Accept",
            peers: vec![every.clone()],
            ports: vec![("UDP", 53), ("TCP", 53)],
        };
        out.push(policy(version, "guardrail-dns-ingress", false, 11, subject, &[rule], &[]));
    }
    if let Some((namespaces, pods)) = allow_from {
        let peer = pods_peer(&namespaces.to_label_selector(), &pods.to_label_selector());
        let rule = Rule { name: "allow-platform".to_owned(), action: "Accept", peers: vec![peer], ports: Vec::new() };
        out.push(policy(version, "guardrail-allow-platform", false, 20, every.clone(), &[rule], &[]));
    }
    match (&g.tenant_label, g.tenants.is_empty()) {
        (Some(key), false) => {
            check_label_key(key)?;
            for (i, tenant) in g.tenants.iter().enumerate() {
                let own = Selector::with_label(key.clone(), tenant.clone()).to_label_selector();
                let others = Selector::new().exists(key.clone()).not_in(key.clone(), [tenant.clone()]);
                let ingress = [
                    Rule {
                        name: format!("{tenant}-decides-within"),
                        action: "Pass",
                        peers: vec![namespaces_peer(&own)],
                        ports: Vec::new(),
                    },
                    Rule {
                        name: "deny-other-tenants".to_owned(),
                        action: "Deny",
                        peers: vec![namespaces_peer(&others.to_label_selector())],
                        ports: Vec::new(),
                    },
                ];
                let priority = 30 + i32::try_from(i).unwrap_or(900).min(900);
                let subject = json!({"namespaces": own});
                out.push(policy(
                    version,
                    &format!("guardrail-tenant-{tenant}"),
                    false,
                    priority,
                    subject,
                    &ingress,
                    &[],
                ));
            }
        }
        (None, true) => {}
        _ => {
            return Err(Error::new(ErrorCode::InvalidIntent, "`tenantLabel` and `tenants` go together".to_owned())
                .with_help("name the namespace label that tells tenants apart and list the tenants' values"));
        }
    }
    if g.baseline_default_deny {
        let rule = Rule {
            name: "deny-in-cluster-by-default".to_owned(),
            action: "Deny",
            peers: vec![every.clone()],
            ports: Vec::new(),
        };
        out.push(policy(version, "guardrail-baseline-deny", true, 1000, every, &[rule], &[]));
    }
    Ok(out)
}
