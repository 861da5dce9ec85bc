//! Public wire types of the engine (serde, camelCase, JSON Schema).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ipset::IpFamily;
use super::ports::Ports;
use crate::model::{Protocol, Tier, TierAction};
use crate::source::Location;

/// How `ipBlock` peers are matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum IpBlockMode {
    /// ipBlocks match only addresses outside the cluster, never pods (the API reference's
    /// guidance; what netpol-analyzer and network-config-analyzer do).
    #[default]
    ExternalOnly,
    /// ipBlocks also match pods whose IPs (`status.podIPs`) fall in them, as some CNIs
    /// (e.g. Calico) do. Workloads without pod IPs in the input never match.
    PodIps,
}

/// Options for compiling a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct EngineOptions {
    /// How ipBlock peers are matched.
    pub ip_block_mode: IpBlockMode,
}

/// A traffic direction, seen from a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Traffic into the workload.
    Ingress,
    /// Traffic out of the workload.
    Egress,
}

impl Direction {
    /// `Ingress` or `Egress`, as in `policyTypes`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingress => "Ingress",
            Self::Egress => "Egress",
        }
    }
}

/// A named container port of an endpoint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamedPort {
    /// The port's name.
    pub name: String,
    /// Its protocol.
    pub protocol: Protocol,
    /// Its number.
    pub port: u16,
}

/// An in-cluster endpoint: a workload (`ns/name[Deployment]`) or a pod (`ns/name[Pod]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoint {
    /// `ns/name[Kind]`.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Workload (or pod) name.
    pub workload: String,
    /// `Deployment`, `StatefulSet`, ..., or `Pod`.
    pub kind: String,
    /// Pod labels (of the pod template, or of the representative pod).
    pub labels: BTreeMap<String, String>,
    /// Named container ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_ports: Vec<NamedPort>,
    /// Pod IPs known from the input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<String>,
    /// How many input pods fold into this endpoint.
    pub pods: usize,
    /// Where it is defined (the pod template of a workload, or the pod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A range of external addresses that no ipBlock boundary cuts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalRange {
    /// `first-last`, e.g. `0.0.0.0-9.255.255.255`.
    pub name: String,
    /// IP family.
    pub family: IpFamily,
    /// First address.
    pub first: String,
    /// Last address.
    pub last: String,
}

/// Who can reach whom: the allowed connections (the canonical list) and the in-cluster
/// endpoints they are among. What `analyze` answers and the connectivity renderers draw.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Connectivity {
    /// Allowed connections, sorted by src, dst, protocol (the canonical list).
    pub connections: Vec<ConnectionRecord>,
    /// In-cluster endpoints (workloads and bare pods).
    pub endpoints: Vec<Endpoint>,
}

/// One line of the canonical connectivity list: `src` may reach `dst` on `ports` of
/// `protocol`. Exactly the format of netpol-analyzer's canonical expected outputs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionRecord {
    /// Source endpoint: `ns/name[Kind]` or an external range `A.B.C.D-E.F.G.H`.
    pub src: EndpointName,
    /// Destination endpoint.
    pub dst: EndpointName,
    /// Protocol.
    pub protocol: Protocol,
    /// Inclusive port ranges `[from, to]`, sorted and disjoint.
    pub ports: Vec<[u16; 2]>,
}

/// An endpoint's name in a record: a string, shared — an all-pairs answer names each endpoint
/// in thousands of records, and copying the text into each was most of its memory and time.
/// Reads as a `&str` (`as_str`, `Deref`), compares with strings, serializes as one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EndpointName(std::sync::Arc<str>);

impl EndpointName {
    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for EndpointName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for EndpointName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for EndpointName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for EndpointName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for EndpointName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for EndpointName {
    fn from(name: &str) -> Self {
        Self(std::sync::Arc::from(name))
    }
}

impl From<String> for EndpointName {
    fn from(name: String) -> Self {
        Self(std::sync::Arc::from(name))
    }
}

impl From<&String> for EndpointName {
    fn from(name: &String) -> Self {
        Self(std::sync::Arc::from(name.as_str()))
    }
}

impl PartialEq<str> for EndpointName {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for EndpointName {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for EndpointName {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl Serialize for EndpointName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EndpointName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

impl JsonSchema for EndpointName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
    fn inline_schema() -> bool {
        true
    }
}

/// Sorts records into the canonical order: source, destination, protocol (by name).
pub(crate) fn sort_canonical(records: &mut [ConnectionRecord]) {
    use crate::sorted::CompactSort;
    records.sort_compact_by(|x, y| {
        (x.src.as_str(), x.dst.as_str(), x.protocol.as_str()).cmp(&(y.src.as_str(), &*y.dst, y.protocol.as_str()))
    });
}

/// One protocol and port (`focusConn`: only this connection is reported).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProtocolPort {
    /// Protocol.
    pub protocol: Protocol,
    /// Port.
    pub port: u16,
}

/// Which connections to report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ConnectionFilter {
    /// Report self connections (an endpoint to itself) too.
    pub include_self: bool,
    /// Only connections where one side is one of these workloads (`name`, `ns/name` or
    /// `ns/name[Kind]`). Empty: every in-cluster endpoint.
    pub focus_workloads: Vec<String>,
    /// With `focusWorkloads`: only connections whose other side is one of these.
    pub focus_workload_peers: Vec<String>,
    /// Only connections into (`ingress`) or out of (`egress`) the focus workloads.
    pub focus_direction: Option<Direction>,
    /// Only this protocol and port.
    pub focus_connection: Option<ProtocolPort>,
}

/// The connectivity from one endpoint to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Connection {
    /// Source endpoint name.
    pub src: String,
    /// Destination endpoint name.
    pub dst: String,
    /// Allowed ports per protocol (empty: nothing is allowed).
    pub allowed: Ports,
}

/// A NetworkPolicy, by namespace and name, with its location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyRef {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Where it is defined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// One rule of a NetworkPolicy: `spec.ingress[index]` or `spec.egress[index]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleRef {
    /// Policy namespace.
    pub namespace: String,
    /// Policy name.
    pub policy: String,
    /// `ingress` or `egress`.
    pub direction: Direction,
    /// Index of the rule in `spec.ingress` / `spec.egress`.
    pub index: usize,
    /// Where the rule is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// One rule of a cluster-scoped policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
/// ClusterNetworkPolicy): `spec.ingress[index]` or `spec.egress[index]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierRuleRef {
    /// `admin` or `baseline`.
    pub tier: Tier,
    /// The policy's kind.
    pub kind: String,
    /// The policy's name.
    pub policy: String,
    /// The policy's priority (a BaselineAdminNetworkPolicy has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// `ingress` or `egress`.
    pub direction: Direction,
    /// Index of the rule in `spec.ingress` / `spec.egress`.
    pub index: usize,
    /// The rule's `name`, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the rule does.
    pub action: TierAction,
    /// Where the rule is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Whether one side (the source's egress or the destination's ingress) is isolated, and by
/// which policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Isolation {
    /// False for an external endpoint: policies do not apply to it.
    pub applies: bool,
    /// Whether some policy isolates this side.
    pub isolated: bool,
    /// The policies that select the endpoint with this direction in their policyTypes.
    pub policies: Vec<PolicyRef>,
    /// The cluster-scoped policies whose subject selects the endpoint and that have rules in
    /// this direction, in evaluation order (admin tier first). Their rules decide before
    /// (admin) or after (baseline) the NetworkPolicies, whether or not the side is isolated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tier_policies: Vec<TierPolicyRef>,
}

/// A cluster-scoped policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
/// ClusterNetworkPolicy) by tier, kind and name, with its location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierPolicyRef {
    /// `admin` or `baseline`.
    pub tier: Tier,
    /// The policy's kind.
    pub kind: String,
    /// The policy's name.
    pub policy: String,
    /// The policy's priority (a BaselineAdminNetworkPolicy has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Where it is defined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The verdict of one side for a port range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", tag = "verdict", deny_unknown_fields)]
pub enum SideVerdict {
    /// The side is external: no policy applies.
    NotApplicable,
    /// No policy isolates the side: everything is allowed.
    NotIsolated,
    /// Allowed by these rules.
    #[serde(rename_all = "camelCase")]
    Allowed {
        /// The rules whose peers and ports match.
        rules: Vec<RuleRef>,
    },
    /// Isolated and no rule of the isolating policies allows it.
    Denied,
    /// Allowed by a rule of a cluster-scoped policy (admin `Allow`, or baseline `Allow` when
    /// no NetworkPolicy isolates the side).
    #[serde(rename_all = "camelCase")]
    TierAllowed {
        /// The rule that decided.
        rule: TierRuleRef,
    },
    /// Denied by a rule of a cluster-scoped policy (admin `Deny`, or baseline `Deny` when no
    /// NetworkPolicy isolates the side).
    #[serde(rename_all = "camelCase")]
    TierDenied {
        /// The rule that decided.
        rule: TierRuleRef,
    },
}

impl SideVerdict {
    /// Whether this side lets the traffic through.
    #[must_use]
    pub fn allows(&self) -> bool {
        !matches!(self, Self::Denied | Self::TierDenied { .. })
    }
}

/// A port range with one verdict and its provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExplainedRange {
    /// Protocol.
    pub protocol: Protocol,
    /// Inclusive port range `[from, to]`.
    pub ports: [u16; 2],
    /// Whether traffic is allowed (both sides allow it).
    pub allowed: bool,
    /// The source's egress side.
    pub egress: SideVerdict,
    /// The destination's ingress side.
    pub ingress: SideVerdict,
    /// Admin `Pass` rules that handed this range over to NetworkPolicies and the baseline tier
    /// (egress first): where evaluation continued.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed: Vec<TierRuleRef>,
}

/// Why traffic from `src` to `dst` is allowed or denied, per port range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Explanation {
    /// Source endpoint name.
    pub src: String,
    /// Destination endpoint name.
    pub dst: String,
    /// Egress isolation of the source.
    pub egress: Isolation,
    /// Ingress isolation of the destination.
    pub ingress: Isolation,
    /// Port ranges (all of each protocol, or the one asked for) with their verdicts; adjacent
    /// ranges with the same verdict and provenance are merged.
    pub ranges: Vec<ExplainedRange>,
}
