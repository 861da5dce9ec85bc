//! Cluster-scoped, tiered policies (`policy.networking.k8s.io`): v1alpha1
//! `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy`, v1alpha2 `ClusterNetworkPolicy`
//! (tier `Admin` or `Baseline`), read into one model: a tier, a priority, and per direction
//! rules in order, each with an action, peers and ports (see `DESIGN.md`, "Cluster-scoped
//! policies").

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The tier of a cluster-scoped policy: admin policies are evaluated before NetworkPolicies,
/// baseline policies after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Tier {
    /// `AdminNetworkPolicy`, or a `ClusterNetworkPolicy` with `tier: Admin`.
    Admin,
    /// `BaselineAdminNetworkPolicy`, or a `ClusterNetworkPolicy` with `tier: Baseline`.
    Baseline,
}

impl Tier {
    /// `admin` or `baseline`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Baseline => "baseline",
        }
    }
}

/// What a rule of a cluster-scoped policy does with the traffic it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TierAction {
    /// `Allow` (v1alpha1) or `Accept` (v1alpha2): allowed, later tiers are skipped.
    Allow,
    /// `Deny`: denied, later tiers are skipped.
    Deny,
    /// `Pass`: the admin tier stops here, NetworkPolicies (then the baseline tier) decide.
    Pass,
}

impl TierAction {
    /// Reads an action as written (`Allow`, `Accept`, `Deny`, `Pass`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Allow" | "Accept" => Some(Self::Allow),
            "Deny" => Some(Self::Deny),
            "Pass" => Some(Self::Pass),
            _ => None,
        }
    }

    /// `allow`, `deny` or `pass`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Pass => "pass",
        }
    }
}

/// Pods by namespace and pod labels (`pods: {namespaceSelector, podSelector}`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NamespacedPods {
    /// Namespaces whose labels match (`{}`: every namespace).
    pub namespace_selector: LabelSelector,
    /// Pods in them whose labels match (`{}`: every pod).
    pub pod_selector: LabelSelector,
}

/// The pods a cluster-scoped policy applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum ClusterSubject {
    /// Every pod of the namespaces matching the selector.
    Namespaces(LabelSelector),
    /// The pods matching.
    Pods(NamespacedPods),
    /// Neither (or both) set: the API server rejects it; nothing is selected.
    Invalid,
}

/// One peer of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum ClusterPeer {
    /// Every pod of the namespaces matching the selector.
    Namespaces(LabelSelector),
    /// The pods matching.
    Pods(NamespacedPods),
    /// The nodes matching (egress only): the addresses of the matching `Node` objects of the
    /// input.
    Nodes(LabelSelector),
    /// CIDRs (egress only), as written.
    Networks(Vec<String>),
    /// Domain names (egress only), as written: not resolvable offline.
    DomainNames(Vec<String>),
    /// No peer field set (or several): the API server rejects it; matches nothing.
    Invalid,
}

/// One port entry of a rule, as written (the protocol as text; the engine skips an entry
/// whose protocol it does not know).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterPort {
    /// One port of a protocol.
    Number {
        /// `TCP`, `UDP` or `SCTP`.
        protocol: String,
        /// The port.
        port: i32,
    },
    /// A range `start`–`end` of a protocol.
    Range {
        /// `TCP`, `UDP` or `SCTP`.
        protocol: String,
        /// First port.
        start: i32,
        /// Last port.
        end: i32,
    },
    /// Every port of a protocol (v1alpha2 `{tcp: {}}`).
    Protocol(String),
    /// A named container port of the destination, for any protocol that defines the name.
    Named(String),
}

/// One rule of a cluster-scoped policy.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterRule {
    /// `name`, when given.
    pub name: Option<String>,
    /// The action (`None` when it is not one the API knows: the rule matches nothing).
    pub action: Option<TierAction>,
    /// `action` as written.
    pub action_text: String,
    /// `from` (ingress) or `to` (egress).
    pub peers: Vec<ClusterPeer>,
    /// `ports` (v1alpha1) or `protocols` (v1alpha2); `None`: every port.
    pub ports: Option<Vec<ClusterPort>>,
    /// JSON pointer of the rule, e.g. `/spec/egress/2`.
    pub pointer: String,
}

/// A cluster-scoped policy of either API version, in the tiered model.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterPolicy {
    /// `AdminNetworkPolicy`, `BaselineAdminNetworkPolicy` or `ClusterNetworkPolicy`.
    pub kind: String,
    /// `apiVersion` as written.
    pub api_version: String,
    /// `metadata.name`.
    pub name: String,
    /// The tier (`None`: a `ClusterNetworkPolicy` whose `tier` is not `Admin` or `Baseline`;
    /// the API server rejects it and it is not evaluated).
    pub tier: Option<Tier>,
    /// `spec.priority` (a `BaselineAdminNetworkPolicy` has none).
    pub priority: Option<i32>,
    /// `spec.subject`.
    pub subject: ClusterSubject,
    /// `spec.ingress`, in order.
    pub ingress: Vec<ClusterRule>,
    /// `spec.egress`, in order.
    pub egress: Vec<ClusterRule>,
}

impl ClusterPeer {
    /// Whether the peer selects every pod of every namespace: `namespaces: {}`, or `pods` with
    /// both selectors empty.
    #[must_use]
    pub fn selects_every_pod(&self) -> bool {
        let empty = |s: &LabelSelector| {
            s.match_labels.as_ref().is_none_or(std::collections::BTreeMap::is_empty)
                && s.match_expressions.as_ref().is_none_or(Vec::is_empty)
        };
        match self {
            Self::Namespaces(namespaces) => empty(namespaces),
            Self::Pods(pods) => empty(&pods.namespace_selector) && empty(&pods.pod_selector),
            Self::Nodes(_) | Self::Networks(_) | Self::DomainNames(_) | Self::Invalid => false,
        }
    }

    /// Whether `networks` hold every IPv4 address (`0.0.0.0/0`) and every IPv6 address
    /// (`::/0`): `(v4, v6)`. Other peers hold neither.
    #[must_use]
    pub fn every_address(&self) -> (bool, bool) {
        let Self::Networks(cidrs) = self else { return (false, false) };
        let whole = |v6: bool| {
            cidrs.iter().any(|c| {
                c.trim().split_once('/').is_some_and(|(addr, len)| {
                    len == "0" && addr.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_ipv6() == v6)
                })
            })
        };
        (whole(false), whole(true))
    }
}

impl ClusterPolicy {
    /// `Kind name`, e.g. `AdminNetworkPolicy deny-sensitive`.
    #[must_use]
    pub fn resource(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }

    /// Whether a rule of it names domain names (which netfence cannot resolve offline).
    #[must_use]
    pub fn uses_domain_names(&self) -> bool {
        self.egress.iter().any(|r| r.peers.iter().any(|p| matches!(p, ClusterPeer::DomainNames(_))))
    }
}
