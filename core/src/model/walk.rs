//! Shared traversals of the typed policy: selectors, rules, peers and ports, each with its
//! JSON pointer.

use k8s_openapi::api::networking::v1::{NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// A direction's rule list: `(pointer of the rule, peers key, peers, ports)`.
pub(crate) struct Rule<'a> {
    /// Pointer of the rule, e.g. `/spec/ingress/0`.
    pub(crate) pointer: String,
    /// `from` or `to`.
    pub(crate) peers_key: &'static str,
    /// The rule's peers.
    pub(crate) peers: &'a [NetworkPolicyPeer],
    /// The rule's ports.
    pub(crate) ports: &'a [NetworkPolicyPort],
}

/// Every ingress and egress rule, ingress first.
pub(crate) fn rules(spec: Option<&NetworkPolicySpec>) -> Vec<Rule<'_>> {
    let Some(spec) = spec else { return Vec::new() };
    let ingress = spec.ingress.iter().flatten().enumerate().map(|(i, r)| Rule {
        pointer: format!("/spec/ingress/{i}"),
        peers_key: "from",
        peers: r.from.as_deref().unwrap_or_default(),
        ports: r.ports.as_deref().unwrap_or_default(),
    });
    let egress = spec.egress.iter().flatten().enumerate().map(|(i, r)| Rule {
        pointer: format!("/spec/egress/{i}"),
        peers_key: "to",
        peers: r.to.as_deref().unwrap_or_default(),
        ports: r.ports.as_deref().unwrap_or_default(),
    });
    ingress.chain(egress).collect()
}

/// Every peer with its pointer, e.g. `/spec/ingress/0/from/1`.
pub(crate) fn peers(spec: Option<&NetworkPolicySpec>) -> Vec<(String, &NetworkPolicyPeer)> {
    rules(spec)
        .into_iter()
        .flat_map(|rule| {
            rule.peers
                .iter()
                .enumerate()
                .map(move |(i, peer)| (format!("{}/{}/{i}", rule.pointer, rule.peers_key), peer))
        })
        .collect()
}

/// Every port entry with its pointer, e.g. `/spec/egress/2/ports/0`.
pub(crate) fn ports(spec: Option<&NetworkPolicySpec>) -> Vec<(String, &NetworkPolicyPort)> {
    rules(spec)
        .into_iter()
        .flat_map(|rule| {
            rule.ports.iter().enumerate().map(move |(i, port)| (format!("{}/ports/{i}", rule.pointer), port))
        })
        .collect()
}

/// Every label selector with its pointer: `spec.podSelector`, then the peers' selectors.
pub(crate) fn selectors(spec: Option<&NetworkPolicySpec>) -> Vec<(String, &LabelSelector)> {
    let mut out = Vec::new();
    if let Some(selector) = spec.and_then(|s| s.pod_selector.as_ref()) {
        out.push(("/spec/podSelector".to_owned(), selector));
    }
    for (pointer, peer) in peers(spec) {
        if let Some(selector) = &peer.pod_selector {
            out.push((format!("{pointer}/podSelector"), selector));
        }
        if let Some(selector) = &peer.namespace_selector {
            out.push((format!("{pointer}/namespaceSelector"), selector));
        }
    }
    out
}
