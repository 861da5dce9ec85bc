//! Cluster-scoped policies as the engine keeps them: the compiled policies and rules, each
//! class's rules in evaluation order, and what classes and external ranges must distinguish
//! (pod selectors, named ports, `networks` CIDRs and node addresses). The verdict is in
//! `tiers.rs`.

use super::bitset::{ClassSet, IndexRanges};
use super::ipset::IpSet;
use super::policy::PortSpec;
use super::ports::{MAX_PORT, MIN_PORT, PortRanges, PortSet, all_ports};
use super::selector::{LabelMatcher, SelectorTable};
use super::types::Direction;
use crate::inventory::ResourceSet;
use crate::model::{ClusterPeer, ClusterPort, ClusterSubject, Protocol, Tier, TierAction};
use crate::source::Location;

/// A cluster-scoped policy, with the classes its subject selects.
#[derive(Clone, Debug)]
pub(crate) struct TierPolicyEntry {
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) tier: Tier,
    pub(crate) priority: Option<i32>,
    pub(crate) location: Option<Location>,
    pub(crate) selected: ClassSet,
    /// Its index in the input's `cluster_policies`.
    pub(crate) source: usize,
}

/// One rule of a cluster-scoped policy.
#[derive(Clone, Debug)]
pub(crate) struct TierRuleEntry {
    pub(crate) policy: usize,
    pub(crate) direction: Direction,
    pub(crate) index: usize,
    pub(crate) name: Option<String>,
    pub(crate) action: TierAction,
    pub(crate) location: Option<Location>,
    /// Classes some peer matches.
    pub(crate) classes: ClassSet,
    /// External ranges some peer (`networks`, `nodes`) matches.
    pub(crate) externals: IndexRanges,
    pub(crate) ports: PortSpec,
}

/// The compiled cluster-scoped policies: empty when the input has none (then the engine runs
/// exactly as for NetworkPolicies alone).
#[derive(Clone, Debug, Default)]
pub(crate) struct Tiers {
    pub(crate) policies: Vec<TierPolicyEntry>,
    pub(crate) rules: Vec<TierRuleEntry>,
    /// Per class, the rule ids that apply, in evaluation order: admin ingress, admin egress,
    /// baseline ingress, baseline egress.
    pub(super) lists: Vec<[Vec<u32>; 4]>,
}

impl Tiers {
    /// Whether the input has cluster-scoped policies.
    pub(crate) fn is_active(&self) -> bool {
        !self.policies.is_empty()
    }

    pub(super) fn list(&self, class: usize, tier: Tier, direction: Direction) -> &[u32] {
        let slot = match (tier, direction) {
            (Tier::Admin, Direction::Ingress) => 0,
            (Tier::Admin, Direction::Egress) => 1,
            (Tier::Baseline, Direction::Ingress) => 2,
            (Tier::Baseline, Direction::Egress) => 3,
        };
        self.lists.get(class).and_then(|l| l.get(slot)).map(Vec::as_slice).unwrap_or_default()
    }
}

/// The other side of a direction: a class, or an external range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TierPeer {
    Class(usize),
    Atom(usize),
}

impl TierRuleEntry {
    pub(super) fn matches(&self, peer: TierPeer) -> bool {
        match peer {
            TierPeer::Class(c) => self.classes.contains(c),
            TierPeer::Atom(a) => self.externals.contains(a),
        }
    }
}

/// Interns the pod selectors of cluster-scoped policies and notes the named ports they use
/// (for every protocol: a named port matches whichever protocol defines the name).
pub(super) fn observe(resources: &ResourceSet, selectors: &mut SelectorTable, named: &mut Vec<(Protocol, String)>) {
    for resource in &resources.cluster_policies {
        let policy = &resource.policy;
        if let ClusterSubject::Pods(pods) = &policy.subject {
            selectors.intern(&pods.pod_selector);
        }
        for rule in policy.ingress.iter().chain(&policy.egress) {
            for peer in &rule.peers {
                if let ClusterPeer::Pods(pods) = peer {
                    selectors.intern(&pods.pod_selector);
                }
            }
            for port in rule.ports.iter().flatten() {
                if let ClusterPort::Named(name) = port {
                    for protocol in Protocol::ALL {
                        if !named.iter().any(|(p, n)| *p == protocol && n == name) {
                            named.push((protocol, name.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// The `networks` CIDRs of every cluster-scoped rule, as written.
pub(super) fn networks(resources: &ResourceSet) -> impl Iterator<Item = &str> {
    resources
        .cluster_policies
        .iter()
        .flat_map(|resource| {
            resource.policy.ingress.iter().chain(&resource.policy.egress).flat_map(|rule| {
                rule.peers.iter().flat_map(|peer| match peer {
                    ClusterPeer::Networks(cidrs) => cidrs.as_slice(),
                    _ => &[],
                })
            })
        })
        .map(String::as_str)
}

/// The address set of one node address (`None` when it is not an IP address).
pub(super) fn address_set(address: &str) -> Option<IpSet> {
    let bits = if address.contains(':') { 128 } else { 32 };
    IpSet::parse_cidr(&format!("{}/{bits}", address.trim()))
}

/// The addresses of the nodes `selector` matches.
pub(super) fn node_addresses(
    resources: &ResourceSet,
    selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
) -> IpSet {
    let matcher = LabelMatcher::new(selector);
    let mut set = IpSet::empty();
    for node in resources.nodes.iter().filter(|n| matcher.matches(&n.labels)) {
        for address in node.addresses.iter().filter_map(|a| address_set(a)) {
            set = set.union(&address);
        }
    }
    set
}

/// Every address where a `networks` CIDR or a node address starts or ends.
pub(super) fn external_bounds(resources: &ResourceSet, v4: &mut Vec<(u32, u32)>, v6: &mut Vec<(u128, u128)>) {
    let mut add = |set: &IpSet| {
        v4.extend_from_slice(set.v4.ranges());
        v6.extend_from_slice(set.v6.ranges());
    };
    for resource in &resources.cluster_policies {
        for rule in &resource.policy.egress {
            for peer in &rule.peers {
                if let ClusterPeer::Networks(cidrs) = peer {
                    for set in cidrs.iter().filter_map(|c| IpSet::parse_cidr(c)) {
                        add(&set);
                    }
                }
            }
        }
    }
    for node in &resources.nodes {
        for set in node.addresses.iter().filter_map(|a| address_set(a)) {
            add(&set);
        }
    }
}

/// A port number as the API writes it, when it is a valid port.
fn port(number: i32) -> Option<u16> {
    u16::try_from(number).ok().filter(|p| (MIN_PORT..=MAX_PORT).contains(p))
}

/// The ports of a rule: `None` matches every port; an entry with an unknown protocol or an
/// invalid number matches nothing.
pub(super) fn port_spec(ports: Option<&Vec<ClusterPort>>) -> PortSpec {
    let Some(ports) = ports else { return PortSpec { numeric: PortSet::all(), named: Vec::new() } };
    let mut spec = PortSpec::default();
    for entry in ports {
        match entry {
            ClusterPort::Number { protocol, port: number } => {
                if let (Some(protocol), Some(p)) = (Protocol::parse(protocol), port(*number)) {
                    spec.numeric.add(protocol, &PortRanges::range(p, p));
                }
            }
            ClusterPort::Range { protocol, start, end } => {
                if let (Some(protocol), Some(lo), Some(hi)) = (Protocol::parse(protocol), port(*start), port(*end))
                    && lo <= hi
                {
                    spec.numeric.add(protocol, &PortRanges::range(lo, hi));
                }
            }
            ClusterPort::Protocol(protocol) => {
                if let Some(protocol) = Protocol::parse(protocol) {
                    spec.numeric.add(protocol, &all_ports());
                }
            }
            ClusterPort::Named(name) => {
                for protocol in Protocol::ALL {
                    if !spec.named.iter().any(|(p, n)| *p == protocol && n == name) {
                        spec.named.push((protocol, name.clone()));
                    }
                }
            }
        }
    }
    spec
}
