//! Reading cluster-scoped policies (v1alpha1 `AdminNetworkPolicy` and
//! `BaselineAdminNetworkPolicy`, v1alpha2 `ClusterNetworkPolicy`) into the tiered model, and
//! `Node` objects (labels and addresses) for `nodes` peers.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::Deserialize;

use super::read::Fields;
use crate::error::Error;
use crate::model::{
    ClusterPeer, ClusterPolicy, ClusterPort, ClusterRule, ClusterSubject, NamespacedPods, Tier, TierAction,
};
use crate::source::SourceDoc;

/// A cluster-scoped policy from the input.
#[derive(Clone, Debug)]
pub struct ClusterPolicyResource {
    /// The policy in the tiered model.
    pub policy: ClusterPolicy,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A `Node` from the input: what `nodes` peers of cluster-scoped policies match.
#[derive(Clone, Debug)]
pub struct NodeResource {
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// `status.addresses` of type `InternalIP` or `ExternalIP`, as written.
    pub addresses: Vec<String>,
    /// Where it came from.
    pub source: SourceDoc,
}

/// Whether `(group, version, kind)` is a cluster-scoped policy netfence evaluates.
pub(super) fn is_evaluated(group: &str, version: &str, kind: &str) -> bool {
    group == "policy.networking.k8s.io"
        && matches!(
            (version, kind),
            ("v1alpha1", "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy") | ("v1alpha2", "ClusterNetworkPolicy")
        )
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    tier: Option<String>,
    priority: Option<i32>,
    subject: Option<RawSubject>,
    ingress: Option<Vec<RawRule>>,
    egress: Option<Vec<RawRule>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSubject {
    namespaces: Option<LabelSelector>,
    pods: Option<RawPods>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPods {
    namespace_selector: Option<LabelSelector>,
    pod_selector: Option<LabelSelector>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    name: Option<String>,
    action: Option<String>,
    from: Option<Vec<RawPeer>>,
    to: Option<Vec<RawPeer>>,
    ports: Option<Vec<RawPort>>,
    protocols: Option<Vec<RawProtocol>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPeer {
    namespaces: Option<LabelSelector>,
    pods: Option<RawPods>,
    nodes: Option<LabelSelector>,
    networks: Option<Vec<String>>,
    domain_names: Option<Vec<String>>,
}

/// v1alpha1 `ports` entry.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPort {
    port_number: Option<RawPortNumber>,
    named_port: Option<String>,
    port_range: Option<RawPortRange>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPortNumber {
    protocol: Option<String>,
    port: Option<i32>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPortRange {
    protocol: Option<String>,
    start: Option<i32>,
    end: Option<i32>,
}

/// v1alpha2 `protocols` entry.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawProtocol {
    tcp: Option<RawDestination>,
    udp: Option<RawDestination>,
    sctp: Option<RawDestination>,
    destination_named_port: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawDestination {
    destination_port: Option<RawV2Port>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawV2Port {
    number: Option<i32>,
    range: Option<RawV2Range>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawV2Range {
    start: Option<i32>,
    end: Option<i32>,
}

fn pods(raw: RawPods) -> NamespacedPods {
    NamespacedPods {
        namespace_selector: raw.namespace_selector.unwrap_or_default(),
        pod_selector: raw.pod_selector.unwrap_or_default(),
    }
}

fn peer(raw: RawPeer) -> ClusterPeer {
    let set = usize::from(raw.namespaces.is_some())
        + usize::from(raw.pods.is_some())
        + usize::from(raw.nodes.is_some())
        + usize::from(raw.networks.is_some())
        + usize::from(raw.domain_names.is_some());
    if set != 1 {
        return ClusterPeer::Invalid;
    }
    if let Some(s) = raw.namespaces {
        ClusterPeer::Namespaces(s)
    } else if let Some(p) = raw.pods {
        ClusterPeer::Pods(pods(p))
    } else if let Some(s) = raw.nodes {
        ClusterPeer::Nodes(s)
    } else if let Some(n) = raw.networks {
        ClusterPeer::Networks(n)
    } else {
        ClusterPeer::DomainNames(raw.domain_names.unwrap_or_default())
    }
}

fn v1_port(raw: RawPort) -> Option<ClusterPort> {
    let tcp = || "TCP".to_owned();
    if let Some(n) = raw.port_number {
        return Some(ClusterPort::Number { protocol: n.protocol.unwrap_or_else(tcp), port: n.port.unwrap_or(0) });
    }
    if let Some(r) = raw.port_range {
        return Some(ClusterPort::Range {
            protocol: r.protocol.unwrap_or_else(tcp),
            start: r.start.unwrap_or(0),
            end: r.end.unwrap_or(0),
        });
    }
    raw.named_port.map(ClusterPort::Named)
}

fn v2_ports(raw: RawProtocol, out: &mut Vec<ClusterPort>) {
    let protocols = [("TCP", raw.tcp), ("UDP", raw.udp), ("SCTP", raw.sctp)];
    for (protocol, destination) in protocols {
        let Some(destination) = destination else { continue };
        let protocol = protocol.to_owned();
        out.push(match destination.destination_port {
            None => ClusterPort::Protocol(protocol),
            Some(RawV2Port { range: Some(r), .. }) => {
                ClusterPort::Range { protocol, start: r.start.unwrap_or(0), end: r.end.unwrap_or(0) }
            }
            Some(RawV2Port { number, .. }) => ClusterPort::Number { protocol, port: number.unwrap_or(0) },
        });
    }
    if let Some(name) = raw.destination_named_port {
        out.push(ClusterPort::Named(name));
    }
}

fn rules(raw: Option<Vec<RawRule>>, direction: &str) -> Vec<ClusterRule> {
    raw.unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let peers = if direction == "ingress" { r.from } else { r.to };
            let ports = match (r.ports, r.protocols) {
                (None, None) => None,
                (ports, protocols) => {
                    let mut out: Vec<ClusterPort> = ports.into_iter().flatten().filter_map(v1_port).collect();
                    for p in protocols.into_iter().flatten() {
                        v2_ports(p, &mut out);
                    }
                    Some(out)
                }
            };
            let action_text = r.action.unwrap_or_default();
            ClusterRule {
                name: r.name.filter(|n| !n.is_empty()),
                action: TierAction::parse(&action_text),
                action_text,
                peers: peers.into_iter().flatten().map(peer).collect(),
                ports,
                pointer: format!("/spec/{direction}/{i}"),
            }
        })
        .collect()
}

/// Reads a cluster-scoped policy of an evaluated kind and version.
pub(super) fn read_cluster_policy(
    fields: &Fields<'_>,
    api_version: &str,
    kind: &str,
    source: SourceDoc,
) -> Result<ClusterPolicyResource, Error> {
    let node = fields.root();
    let meta = fields.meta(node, "")?;
    let spec: RawSpec = fields.typed(node, "spec", "")?.unwrap_or_default();
    let tier = match kind {
        "AdminNetworkPolicy" => Some(Tier::Admin),
        "BaselineAdminNetworkPolicy" => Some(Tier::Baseline),
        _ => match spec.tier.as_deref() {
            Some("Admin") => Some(Tier::Admin),
            Some("Baseline") => Some(Tier::Baseline),
            _ => None,
        },
    };
    let subject = match spec.subject {
        Some(RawSubject { namespaces: Some(s), pods: None }) => ClusterSubject::Namespaces(s),
        Some(RawSubject { namespaces: None, pods: Some(p) }) => ClusterSubject::Pods(pods(p)),
        _ => ClusterSubject::Invalid,
    };
    let priority = if kind == "BaselineAdminNetworkPolicy" { None } else { spec.priority };
    let policy = ClusterPolicy {
        kind: kind.to_owned(),
        api_version: api_version.to_owned(),
        name: meta.name.or(meta.generate_name).unwrap_or_default(),
        tier,
        priority,
        subject,
        ingress: rules(spec.ingress, "ingress"),
        egress: rules(spec.egress, "egress"),
    };
    Ok(ClusterPolicyResource { policy, source })
}

#[derive(Deserialize)]
struct RawAddress {
    #[serde(rename = "type")]
    kind: Option<String>,
    address: Option<String>,
}

/// Reads a `Node`: its labels and its internal and external addresses.
pub(super) fn read_node(fields: &Fields<'_>, source: SourceDoc) -> Result<NodeResource, Error> {
    let node = fields.root();
    let meta = fields.meta(node, "")?;
    let mut addresses = Vec::new();
    if let Some(status) = fields.map(node, "status", "")? {
        let listed: Option<Vec<RawAddress>> = fields.typed(status, "addresses", "/status")?;
        for a in listed.into_iter().flatten() {
            if matches!(a.kind.as_deref(), Some("InternalIP" | "ExternalIP"))
                && let Some(address) = a.address
                && !addresses.contains(&address)
            {
                addresses.push(address);
            }
        }
    }
    Ok(NodeResource { name: meta.name.unwrap_or_default(), labels: meta.labels.unwrap_or_default(), addresses, source })
}
