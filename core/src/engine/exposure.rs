//! Exposure: what each endpoint is open to beyond the endpoints in the input — the entire
//! cluster, namespaces by label selector (with or without a pod selector), a pod selector in
//! a named namespace — and on which ports.
//!
//! The model is netpol-analyzer's (its `--exposure` analysis), so the two agree line for line:
//!
//! - Every non-ipBlock peer of an allowing rule of an isolating direction is a *potential
//!   peer*: a representative of the pods its selectors admit, including pods and namespaces
//!   that do not exist yet. A peer with `namespaceSelector: {}` and no (or an empty)
//!   `podSelector`, and a rule without peers, admit the *entire cluster*. A peer without
//!   `namespaceSelector` admits pods in the policy's namespace (written as that namespace).
//!   Equal selectors (the same requirements, `In` with one value being `=`) are one potential
//!   peer.
//! - A potential peer whose selectors are only `matchLabels` and that some existing endpoint
//!   (with its namespace) matches is represented by that endpoint: it is dropped.
//! - For an isolated side, the ports towards a potential peer are the union of the ports of the
//!   side's rules whose peers *name* it: a rule selector matches a potential peer when it is
//!   empty or has the same requirements (selectors are compared, not evaluated: a pod with
//!   unknown labels is what the selector says it is, nothing more). A potential peer whose
//!   ports equal the entire cluster's is not listed again.
//! - Named ports resolve on the endpoint for ingress; for egress they stay names (the peer's
//!   ports are unknown).
//!
//! Exposure is computed per equivalence class from the compiled rule tables, so its cost
//! follows the classes and rules, not the endpoints.
//! - A side that cluster-scoped policies select is protected; its potential peers include the
//!   tier rules' namespace and pod selectors, and each one's ports are decided tier by tier as
//!   for an existing peer (`tiered_side_exposure`), so a Deny or Pass narrows the exposure and an
//!   Allow widens it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::selector::is_empty_selector;
use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compile::{CompiledCluster, RuleEntry, Side};
use super::ports::{PortSet, Ports};
use super::tier_rules::TierRuleEntry;
use super::types::{ConnectionFilter, Direction, ProtocolPort, RuleRef, TierRuleRef};
use crate::inventory::{NAMESPACE_NAME_LABEL, ResourceSet};
use crate::model::{ClusterPeer, Protocol, Tier};

/// What every endpoint is exposed to, beyond the endpoints of the input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Exposure {
    /// One entry per endpoint analysed, sorted by name.
    pub endpoints: Vec<EndpointExposure>,
}

/// The exposure of one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointExposure {
    /// Endpoint name, `ns/name[Kind]`.
    pub endpoint: String,
    /// Who could connect to it (absent when the focus direction leaves it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<SideExposure>,
    /// Whom it could connect to (absent when the focus direction leaves it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<SideExposure>,
}

/// One direction of an endpoint's exposure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SideExposure {
    /// Whether some NetworkPolicy isolates this direction, or some cluster-scoped policy with
    /// rules in it selects the endpoint. Unprotected: open to everything, in the cluster and
    /// outside it.
    pub protected: bool,
    /// Potential peers the rules admit (empty when unprotected: everything is).
    pub peers: Vec<ExposedTo>,
}

/// A potential peer and the ports towards it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExposedTo {
    /// Who.
    pub peer: PotentialPeer,
    /// Ports by number.
    pub ports: Ports,
    /// Ports by name that cannot be resolved (egress: the peer's container ports are unknown),
    /// `PROTOCOL/name`, or `name` for a cluster-scoped rule's named port (it has no protocol).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_ports: Vec<String>,
    /// Whether `ports` is every port of every protocol.
    pub all_ports: bool,
    /// The rules that admit the peer.
    pub rules: Vec<RuleRef>,
    /// The cluster-scoped rules that match the peer on this side (admin tier first), whatever
    /// their action: they decide before (admin) or after (baseline) the NetworkPolicies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tier_rules: Vec<TierRuleRef>,
}

/// Pods that may not exist yet, described by the selectors of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PotentialPeer {
    /// Any pod of any namespace.
    pub entire_cluster: bool,
    /// A single namespace by name (the rule names it, or the policy's own namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Namespaces by labels, `k=v,...` and `{Key:k,Operator:Op,Values:[...],}` requirements
    /// (absent with `namespace`, or for every namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_labels: Option<String>,
    /// Pods by labels (absent: every pod of those namespaces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_labels: Option<String>,
    /// netpol-analyzer's wording: `entire-cluster`, `ns/[all pods]`,
    /// `[namespace with {...}]/[pod with {...}]`, `[all namespaces]/[pod with {...}]`.
    pub name: String,
}

/// Ports of an exposure: numeric, plus names kept as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Potential {
    numeric: PortSet,
    named: BTreeSet<(Protocol, String)>,
}

impl Potential {
    fn is_empty(&self) -> bool {
        self.numeric.is_empty() && self.named.is_empty()
    }

    fn union_with(&mut self, other: &Self) {
        self.numeric.union_with(&other.numeric);
        self.named.extend(other.named.iter().cloned());
    }
}

/// What a side's NetworkPolicy rules give potential peers ([`CompiledCluster::np_ports_of`]).
#[derive(Default)]
struct NpPorts {
    cluster_wide: Potential,
    every: Potential,
    every_rules: Vec<RuleRef>,
    specific: BTreeMap<u32, (Potential, Vec<RuleRef>)>,
}

/// The potential peers, and which of them each rule names.
struct Potentials {
    reps: Vec<Representative>,
    named_by: Vec<Option<Vec<u32>>>,
    /// Per cluster-scoped rule (by id), the potential peers it names.
    tier_named: Vec<TierNames>,
}

/// The potential peers a cluster-scoped rule names: every one (a peer selects every pod of
/// every namespace), or these (sorted).
#[derive(Clone, Debug, Default)]
struct TierNames {
    entire: bool,
    reps: Vec<u32>,
}

impl TierNames {
    /// Whether it names the entire cluster (`None`) or representative `rep`.
    fn names(&self, rep: Option<u32>) -> bool {
        self.entire || rep.is_some_and(|r| self.reps.binary_search(&r).is_ok())
    }
}

/// A cluster-scoped rule's peers, as written.
fn tier_rule_peers<'a>(
    cluster: &CompiledCluster,
    resources: &'a ResourceSet,
    rule: &TierRuleEntry,
) -> &'a [ClusterPeer] {
    let Some(resource) = cluster.tiers.policies.get(rule.policy).and_then(|p| resources.cluster_policies.get(p.source))
    else {
        return &[];
    };
    let rules = match rule.direction {
        Direction::Ingress => &resource.policy.ingress,
        Direction::Egress => &resource.policy.egress,
    };
    rules.get(rule.index).map_or(&[], |r| r.peers.as_slice())
}

/// The address families `(IPv4, IPv6)` a potential peer may have: those of the input's pods,
/// IPv4 when no pod has an IP in the input.
pub(crate) fn potential_pod_families(resources: &ResourceSet) -> (bool, bool) {
    let ips = resources.pods.iter().flat_map(|p| &p.ips).filter_map(|ip| ip.trim().parse::<std::net::IpAddr>().ok());
    let (mut v4, mut v6) = (false, false);
    for ip in ips {
        (v4, v6) = (v4 || ip.is_ipv4(), v6 || ip.is_ipv6());
        if v4 && v6 {
            break;
        }
    }
    (v4 || !v6, v6)
}

/// Whether a cluster rule's peers match every pod, existing or not: a peer selects every pod
/// of every namespace, or its `networks` hold every address of each of `families`.
pub(crate) fn names_every_potential_pod(peers: &[ClusterPeer], families: (bool, bool)) -> bool {
    let held = peers.iter().map(ClusterPeer::every_address).fold((false, false), |a, b| (a.0 || b.0, a.1 || b.1));
    peers.iter().any(ClusterPeer::selects_every_pod) || ((held.0 || !families.0) && (held.1 || !families.1))
}

/// A `namespaces` or `pods` peer as (namespace selector, pod selector; `None`: every pod of
/// those namespaces); other peers name no pods.
fn pod_selectors(peer: &ClusterPeer) -> Option<(&LabelSelector, Option<&LabelSelector>)> {
    match peer {
        ClusterPeer::Namespaces(namespaces) => Some((namespaces, None)),
        ClusterPeer::Pods(pods) => Some((&pods.namespace_selector, Some(&pods.pod_selector))),
        _ => None,
    }
}

/// A selector's canonical requirements, `None` for an empty selector (every namespace or pod).
type Requirements = Option<Vec<String>>;

/// For each cluster-scoped rule, the potential peers it names: a selector names a potential
/// peer when it is empty or has the same requirements (compared, not evaluated, as for
/// NetworkPolicy rules).
///
/// `networks` that hold every address of each family the input's pods have (IPv4 when no pod
/// has an IP in the input) name the entire cluster too: the API matches pod traffic against
/// them, and every pod, existing or not, has an address there. Narrower `networks` name no
/// potential peer (which pods a future IP falls in is not known).
fn tier_named_by(cluster: &CompiledCluster, resources: &ResourceSet, reps: &[Representative]) -> Vec<TierNames> {
    let families = potential_pod_families(resources);
    cluster
        .tiers
        .rules
        .iter()
        .map(|rule| {
            let peers = tier_rule_peers(cluster, resources, rule);
            if names_every_potential_pod(peers, families) {
                return TierNames { entire: true, reps: Vec::new() };
            }
            let wanted: Vec<(Requirements, Requirements)> = peers
                .iter()
                .filter_map(pod_selectors)
                .map(|(ns, pods)| {
                    (
                        (!is_empty_selector(ns)).then(|| requirements(ns)),
                        pods.filter(|p| !is_empty_selector(p)).map(requirements),
                    )
                })
                .collect();
            let reps = reps
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    wanted.iter().any(|(ns, pods)| {
                        ns.as_ref().is_none_or(|n| *n == r.key.0) && pods.as_ref().is_none_or(|p| *p == r.key.1)
                    })
                })
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .collect();
            TierNames { entire: false, reps }
        })
        .collect()
}

/// A potential peer inferred from a rule.
#[derive(Clone, Debug)]
struct Representative {
    /// Canonical requirements of the namespace and pod selectors (the identity).
    key: (Vec<String>, Vec<String>),
    namespace_selector: LabelSelector,
    pod_selector: Option<LabelSelector>,
    /// The policy namespace when the first rule naming it had no namespaceSelector.
    namespace: Option<String>,
}

/// A label selector's requirements in canonical text, sorted: `k=v` for `matchLabels` and
/// for `In` with one value, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`.
fn requirements(selector: &LabelSelector) -> Vec<String> {
    let mut out: Vec<(String, String)> =
        selector.match_labels.iter().flatten().map(|(k, v)| (k.clone(), format!("{k}={v}"))).collect();
    for e in selector.match_expressions.iter().flatten() {
        let mut values = e.values.clone().unwrap_or_default();
        values.sort();
        let key = &e.key;
        let text = match (e.operator.as_str(), values.as_slice()) {
            ("In", [one]) => format!("{key}={one}"),
            ("In", _) => format!("{key} in ({})", values.join(",")),
            ("NotIn", _) => format!("{key} notin ({})", values.join(",")),
            ("Exists", _) => key.clone(),
            ("DoesNotExist", _) => format!("!{key}"),
            (op, _) => format!("{key} {op} ({})", values.join(",")),
        };
        out.push((key.clone(), text));
    }
    out.sort();
    out.into_iter().map(|(_, t)| t).collect()
}

/// A peer that admits the entire cluster: `namespaceSelector: {}` with no or an empty
/// `podSelector`.
fn admits_entire_cluster(peer: &NetworkPolicyPeer) -> bool {
    peer.namespace_selector.as_ref().is_some_and(is_empty_selector)
        && peer.pod_selector.as_ref().is_none_or(is_empty_selector)
}

/// Only `matchLabels`, at least one.
fn plain_labels(selector: &LabelSelector) -> Option<&BTreeMap<String, String>> {
    if selector.match_expressions.as_ref().is_some_and(|e| !e.is_empty()) {
        return None;
    }
    selector.match_labels.as_ref().filter(|l| !l.is_empty())
}

/// netpol-analyzer's wording of a selector: `k=v,...` then the expressions as Go prints them.
fn selector_text(selector: &LabelSelector) -> String {
    let mut parts = Vec::new();
    if let Some(labels) = selector.match_labels.as_ref().filter(|l| !l.is_empty()) {
        parts.push(labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","));
    }
    let mut expressions: Vec<String> = selector
        .match_expressions
        .iter()
        .flatten()
        .map(|e| {
            let values = e.values.clone().unwrap_or_default().join(" ");
            format!("{{Key:{},Operator:{},Values:[{values}],}}", e.key, e.operator)
        })
        .collect();
    expressions.sort();
    if !expressions.is_empty() {
        parts.push(expressions.join(","));
    }
    parts.join(",")
}

impl Representative {
    fn peer(&self) -> PotentialPeer {
        let ns_labels = self.namespace_selector.match_labels.clone().unwrap_or_default();
        let named =
            match (ns_labels.get(NAMESPACE_NAME_LABEL), ns_labels.len(), &self.namespace_selector.match_expressions) {
                (Some(name), 1, e) if e.as_ref().is_none_or(Vec::is_empty) => Some(name.clone()),
                _ => None,
            };
        let namespace_labels = if named.is_some() || is_empty_selector(&self.namespace_selector) {
            None
        } else {
            Some(selector_text(&self.namespace_selector))
        };
        let pod_labels = self.pod_selector.as_ref().filter(|s| !is_empty_selector(s)).map(selector_text);
        let ns_text = match (&named, &namespace_labels) {
            (Some(name), _) => name.clone(),
            (None, Some(labels)) => format!("[namespace with {{{labels}}}]"),
            (None, None) => "[all namespaces]".to_owned(),
        };
        let pod_text = pod_labels.as_ref().map_or_else(|| "[all pods]".to_owned(), |l| format!("[pod with {{{l}}}]"));
        PotentialPeer {
            entire_cluster: false,
            namespace: named,
            namespace_labels,
            pod_labels,
            name: format!("{ns_text}/{pod_text}"),
        }
    }
}

fn entire_cluster() -> PotentialPeer {
    PotentialPeer {
        entire_cluster: true,
        namespace: None,
        namespace_labels: None,
        pod_labels: None,
        name: "entire-cluster".to_owned(),
    }
}

/// The potential peers of the policies' rules, in policy and rule order, minus those an
/// existing endpoint represents.
fn representatives(cluster: &CompiledCluster, resources: &ResourceSet) -> Vec<Representative> {
    let mut list: Vec<Representative> = Vec::new();
    let mut seen: HashSet<(Vec<String>, Vec<String>)> = HashSet::new();
    for rule in &cluster.rules {
        let Some(resource) = resources.policies.get(rule.policy) else { continue };
        let Some(peers) = rule_peers(resources, rule).filter(|p| !p.is_empty()) else { continue };
        if peers.iter().any(admits_entire_cluster) {
            continue;
        }
        for peer in peers {
            if peer.ip_block.is_some() || (peer.namespace_selector.is_none() && peer.pod_selector.is_none()) {
                continue;
            }
            let (namespace_selector, namespace) = match &peer.namespace_selector {
                Some(selector) => (selector.clone(), None),
                None => (
                    LabelSelector {
                        match_labels: Some(BTreeMap::from([(
                            NAMESPACE_NAME_LABEL.to_owned(),
                            resource.namespace.clone(),
                        )])),
                        match_expressions: None,
                    },
                    Some(resource.namespace.clone()),
                ),
            };
            let key =
                (requirements(&namespace_selector), peer.pod_selector.as_ref().map(requirements).unwrap_or_default());
            if !seen.insert(key.clone()) {
                continue;
            }
            list.push(Representative { key, namespace_selector, pod_selector: peer.pod_selector.clone(), namespace });
        }
    }
    // the cluster-scoped rules' namespace and pod selectors, after the NetworkPolicies'
    for rule in &cluster.tiers.rules {
        let peers = tier_rule_peers(cluster, resources, rule);
        if peers.iter().any(ClusterPeer::selects_every_pod) {
            continue;
        }
        for (namespace_selector, pod_selector) in peers.iter().filter_map(pod_selectors) {
            let key = (requirements(namespace_selector), pod_selector.map(requirements).unwrap_or_default());
            if !seen.insert(key.clone()) {
                continue;
            }
            list.push(Representative {
                key,
                namespace_selector: namespace_selector.clone(),
                pod_selector: pod_selector.cloned(),
                namespace: None,
            });
        }
    }
    // an existing endpoint represents a potential peer given by labels only: the candidates
    // are the endpoints with the first of its pod labels
    let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, e) in cluster.endpoints.iter().enumerate() {
        for (k, v) in &e.public.labels {
            by_label.entry((k.as_str(), v.as_str())).or_default().push(i);
        }
    }
    let mut namespace_labels: HashMap<&str, BTreeMap<String, String>> = HashMap::new();
    list.retain(|r| {
        let (Some(pods), Some(namespaces)) =
            (r.pod_selector.as_ref().and_then(plain_labels), plain_labels(&r.namespace_selector))
        else {
            return true;
        };
        let Some((k, v)) = pods.iter().next() else { return true };
        let candidates = by_label.get(&(k.as_str(), v.as_str())).map_or(&[][..], Vec::as_slice);
        !candidates.iter().filter_map(|i| cluster.endpoints.get(*i)).any(|e| {
            let e = &e.public;
            pods.iter().all(|(k, v)| e.labels.get(k) == Some(v)) && {
                let labels = namespace_labels
                    .entry(e.namespace.as_str())
                    .or_insert_with(|| resources.namespace_labels(&e.namespace));
                namespaces.iter().all(|(k, v)| labels.get(k) == Some(v))
            }
        })
    });
    list
}

/// How a rule peer's selector constrains the potential peers it names.
enum Constraint {
    /// Empty or absent (for pods): every potential peer.
    Any,
    /// These requirements exactly.
    Key(Vec<String>),
}

/// For each rule of the cluster, the potential peers it names (`None`: every one, the rule
/// admits the entire cluster), found through indexes on the selectors' requirements.
fn named_by_rule(cluster: &CompiledCluster, resources: &ResourceSet, reps: &[Representative]) -> Vec<Option<Vec<u32>>> {
    let mut by_key: HashMap<(&[String], &[String]), Vec<u32>> = HashMap::new();
    let mut by_ns_key: HashMap<&[String], Vec<u32>> = HashMap::new();
    let mut by_pod_key: HashMap<&[String], Vec<u32>> = HashMap::new();
    let mut by_namespace: HashMap<&str, Vec<u32>> = HashMap::new();
    let mut by_namespace_pod: HashMap<(&str, &[String]), Vec<u32>> = HashMap::new();
    for (i, r) in reps.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        let (ns, pod) = (r.key.0.as_slice(), r.key.1.as_slice());
        by_key.entry((ns, pod)).or_default().push(i);
        by_ns_key.entry(ns).or_default().push(i);
        by_pod_key.entry(pod).or_default().push(i);
        if let Some(name) = &r.namespace {
            by_namespace.entry(name.as_str()).or_default().push(i);
            by_namespace_pod.entry((name.as_str(), pod)).or_default().push(i);
        }
    }
    let constraint =
        |s: &LabelSelector| if is_empty_selector(s) { Constraint::Any } else { Constraint::Key(requirements(s)) };
    cluster
        .rules
        .iter()
        .map(|rule| {
            if rule_admits_entire_cluster(resources, rule) {
                return None;
            }
            let policy_namespace = resources.policies.get(rule.policy).map_or("", |p| p.namespace.as_str());
            let mut named: Vec<u32> = Vec::new();
            for peer in rule_peers(resources, rule).into_iter().flatten() {
                if peer.ip_block.is_some() || (peer.namespace_selector.is_none() && peer.pod_selector.is_none()) {
                    continue;
                }
                let pod = peer.pod_selector.as_ref().map_or(Constraint::Any, constraint);
                let found = match (&peer.namespace_selector, &pod) {
                    (None, Constraint::Any) => by_namespace.get(policy_namespace).cloned(),
                    (None, Constraint::Key(p)) => by_namespace_pod.get(&(policy_namespace, p.as_slice())).cloned(),
                    (Some(ns), _) => match (constraint(ns), &pod) {
                        (Constraint::Any, Constraint::Any) => None,
                        (Constraint::Any, Constraint::Key(p)) => by_pod_key.get(p.as_slice()).cloned(),
                        (Constraint::Key(n), Constraint::Any) => by_ns_key.get(n.as_slice()).cloned(),
                        (Constraint::Key(n), Constraint::Key(p)) => by_key.get(&(n.as_slice(), p.as_slice())).cloned(),
                    },
                };
                named.extend(found.into_iter().flatten());
            }
            named.sort_unstable();
            named.dedup();
            Some(named)
        })
        .collect()
}

/// The peers of a rule as written.
fn rule_peers<'a>(resources: &'a ResourceSet, rule: &RuleEntry) -> Option<&'a Vec<NetworkPolicyPeer>> {
    let spec = resources.policies.get(rule.policy)?.object.spec.as_ref()?;
    match rule.direction {
        Direction::Ingress => spec.ingress.as_ref()?.get(rule.index)?.from.as_ref(),
        Direction::Egress => spec.egress.as_ref()?.get(rule.index)?.to.as_ref(),
    }
}

/// Whether a rule admits the entire cluster: no peers, or a peer with `namespaceSelector: {}`.
fn rule_admits_entire_cluster(resources: &ResourceSet, rule: &RuleEntry) -> bool {
    rule_peers(resources, rule).is_none_or(|p| p.is_empty() || p.iter().any(admits_entire_cluster))
}

impl CompiledCluster {
    /// The ports of a rule towards a potential peer: named ports resolve on `class` for
    /// ingress (unresolved ones are dropped, or kept as names with `keep_names`); for egress
    /// they stay names.
    fn potential_ports(&self, rule: &RuleEntry, class: usize, keep_names: bool) -> Potential {
        match rule.direction {
            Direction::Ingress => {
                let numeric = self.rule_ports(rule, Some(class));
                let named = if keep_names {
                    let resolved: &[super::endpoints::NamedPortEntry] =
                        self.classes.get(class).map_or(&[], |c| c.named_ports.as_slice());
                    rule.ports
                        .named
                        .iter()
                        .filter(|(p, n)| !resolved.iter().any(|e| e.protocol == *p && e.name == *n))
                        .cloned()
                        .collect()
                } else {
                    BTreeSet::new()
                };
                Potential { numeric, named }
            }
            Direction::Egress => {
                Potential { numeric: rule.ports.numeric.clone(), named: rule.ports.named.iter().cloned().collect() }
            }
        }
    }

    fn side_exposure(&self, side: &Side, class: usize, direction: Direction, potentials: &Potentials) -> SideExposure {
        let tiered = self.tiers.is_active()
            && [Tier::Admin, Tier::Baseline].into_iter().any(|t| !self.tiers.list(class, t, direction).is_empty());
        if tiered {
            self.tiered_side_exposure(side, class, direction, potentials)
        } else {
            self.np_side_exposure(side, class, potentials)
        }
    }

    /// A side's exposure when cluster-scoped policies select it: for the entire cluster and
    /// each potential peer some rule of the side names, the admin tier, then the
    /// NetworkPolicies (when they isolate the side), then the baseline tier and the default
    /// allow decide each port, as for an existing peer (`tiered_side`). A potential peer is
    /// listed when its ports differ from the entire cluster's, also when it gets none
    /// (`No Connections`: the tiers exclude it from what the entire cluster gets).
    /// Named ports resolve on the endpoint for ingress; unresolved (and egress) names of the
    /// tiered rules are not counted.
    fn tiered_side_exposure(
        &self,
        side: &Side,
        class: usize,
        direction: Direction,
        potentials: &Potentials,
    ) -> SideExposure {
        let NpPorts { every, every_rules, specific, .. } = self.np_ports_of(side, class, potentials);
        let isolated = side.isolated();
        let dst = (direction == Direction::Ingress).then_some(class);
        let decide = |rep: Option<u32>| {
            let matches = |r: usize, _: &TierRuleEntry| potentials.tier_named.get(r).is_some_and(|n| n.names(rep));
            let mut np = every.numeric.clone();
            let mut rules = if isolated { every_rules.clone() } else { Vec::new() };
            if let Some((ports, more)) = rep.and_then(|r| specific.get(&r)) {
                np.union_with(&ports.numeric);
                if isolated {
                    rules.extend(more.iter().cloned());
                }
            }
            let mut trace = Vec::new();
            let allowed =
                self.tiered_side_by(class, direction, &matches, dst, isolated.then_some(&np), Some(&mut trace));
            // egress named ports of the tiers' Allow rules: the peer's ports are unknown, so
            // they stay names (of no known protocol: a cluster-scoped named port has none)
            let mut names: BTreeSet<String> = BTreeSet::new();
            if direction == Direction::Egress {
                for tier in [Tier::Admin, Tier::Baseline] {
                    if tier == Tier::Baseline && isolated {
                        break;
                    }
                    for &r in self.tiers.list(class, tier, direction) {
                        let Some(rule) = self.tiers.rules.get(r as usize) else { continue };
                        if rule.action == crate::model::TierAction::Allow && matches(r as usize, rule) {
                            names.extend(rule.ports.named.iter().map(|(_, n)| n.clone()));
                        }
                    }
                }
            }
            // the rules that decided what is allowed, or why nothing is
            let tier_rules: Vec<TierRuleRef> = trace
                .iter()
                .filter_map(|(r, hit)| Some((self.tier_rule_ref(*r)?, hit)))
                .filter(|(rule, hit)| {
                    !hit.intersection(&allowed).is_empty()
                        || (allowed.is_empty() && rule.action == crate::model::TierAction::Deny)
                })
                .map(|(rule, _)| rule)
                .collect();
            if !allowed.is_empty() && np.intersection(&allowed).is_empty() {
                rules.clear();
            }
            ((allowed, names), rules, tier_rules)
        };
        let mut candidates: BTreeSet<u32> = specific.keys().copied().collect();
        for tier in [Tier::Admin, Tier::Baseline] {
            for &r in self.tiers.list(class, tier, direction) {
                if let Some(named) = potentials.tier_named.get(r as usize) {
                    candidates.extend(named.reps.iter().copied());
                }
            }
        }
        let (cluster_ports, cluster_rules, cluster_tier_rules) = decide(None);
        let mut peers = Vec::new();
        if !cluster_ports.0.is_empty() || !cluster_ports.1.is_empty() {
            peers.push(tiered_exposed(entire_cluster(), &cluster_ports, cluster_rules, cluster_tier_rules));
        }
        for rep in candidates {
            let Some(representative) = potentials.reps.get(rep as usize) else { continue };
            let (ports, rules, tier_rules) = decide(Some(rep));
            if ports != cluster_ports {
                peers.push(tiered_exposed(representative.peer(), &ports, rules, tier_rules));
            }
        }
        SideExposure { protected: true, peers }
    }

    /// A side's exposure through NetworkPolicies.
    /// What the NetworkPolicy rules of `side` give potential peers: the entire cluster (as
    /// written: unresolved ingress names kept), every potential peer (those names dropped), and
    /// what the rules naming a potential peer add, each with its rules.
    fn np_ports_of(&self, side: &Side, class: usize, potentials: &Potentials) -> NpPorts {
        let mut out = NpPorts::default();
        for &r in &side.rules {
            let Some(rule) = self.rules.get(r) else { continue };
            match potentials.named_by.get(r).and_then(Option::as_ref) {
                None => {
                    out.cluster_wide.union_with(&self.potential_ports(rule, class, true));
                    out.every.union_with(&self.potential_ports(rule, class, false));
                    out.every_rules.push(self.rule_ref(rule));
                }
                Some(named) if !named.is_empty() => {
                    let ports = self.potential_ports(rule, class, false);
                    for &rep in named {
                        let entry = out.specific.entry(rep).or_default();
                        entry.0.union_with(&ports);
                        entry.1.push(self.rule_ref(rule));
                    }
                }
                Some(_) => {}
            }
        }
        out
    }

    fn np_side_exposure(&self, side: &Side, class: usize, potentials: &Potentials) -> SideExposure {
        if !side.isolated() {
            return SideExposure { protected: false, peers: Vec::new() };
        }
        let NpPorts { cluster_wide, every, every_rules, specific } = self.np_ports_of(side, class, potentials);
        let mut peers = Vec::new();
        if !cluster_wide.is_empty() {
            peers.push(exposed(entire_cluster(), &cluster_wide, every_rules.clone()));
        }
        let differs = |potential: &Potential| {
            if cluster_wide.is_empty() { !potential.is_empty() } else { *potential != cluster_wide }
        };
        let mut add = |rep: u32, extra: Option<&(Potential, Vec<RuleRef>)>| {
            let Some(representative) = potentials.reps.get(rep as usize) else { return };
            let mut potential = every.clone();
            let mut rules = every_rules.clone();
            if let Some((ports, more)) = extra {
                potential.union_with(ports);
                rules.extend(more.iter().cloned());
            }
            if differs(&potential) {
                peers.push(exposed(representative.peer(), &potential, rules));
            }
        };
        if differs(&every) {
            // every potential peer differs from the entire cluster (named ports it cannot resolve)
            for rep in 0..u32::try_from(potentials.reps.len()).unwrap_or(u32::MAX) {
                add(rep, specific.get(&rep));
            }
        } else {
            for (rep, extra) in &specific {
                add(*rep, Some(extra));
            }
        }
        SideExposure { protected: true, peers }
    }

    /// What each endpoint the filter focuses on (every endpoint without focus workloads) is
    /// exposed to, in the directions it asks for. `resources` must be those the cluster was
    /// compiled from.
    #[must_use]
    pub fn exposure(&self, resources: &ResourceSet, filter: &ConnectionFilter) -> Exposure {
        let reps = representatives(self, resources);
        let potentials = Potentials {
            named_by: named_by_rule(self, resources, &reps),
            tier_named: tier_named_by(self, resources, &reps),
            reps,
        };
        let want_ingress = filter.focus_direction != Some(Direction::Egress);
        let want_egress = filter.focus_direction != Some(Direction::Ingress);
        let per_class: Vec<(Option<SideExposure>, Option<SideExposure>)> =
            crate::parallel::map_indices(self.classes.len(), |class| {
                let ingress = self
                    .ingress
                    .get(class)
                    .filter(|_| want_ingress)
                    .map(|side| self.side_exposure(side, class, Direction::Ingress, &potentials));
                let egress = self
                    .egress
                    .get(class)
                    .filter(|_| want_egress)
                    .map(|side| self.side_exposure(side, class, Direction::Egress, &potentials));
                (ingress, egress)
            });
        let focus = |side: Option<SideExposure>| match filter.focus_connection {
            Some(on) => side.map(|s| focused(s, on)),
            None => side,
        };
        let endpoints = self
            .endpoints
            .iter()
            .filter(|e| {
                filter.focus_workloads.is_empty()
                    || filter.focus_workloads.iter().any(|p| super::query::name_matches(p, &e.public))
            })
            .filter_map(|e| {
                let (ingress, egress) = per_class.get(e.class)?.clone();
                Some(EndpointExposure {
                    endpoint: e.public.name.clone(),
                    ingress: focus(ingress),
                    egress: focus(egress),
                })
            })
            .collect();
        Exposure { endpoints }
    }
}

/// A side's exposure on one protocol and port (`focusConnection`). A potential peer stays when
/// its ports include that port, with only that port; the entire cluster, when it stays, makes
/// the peers admitted on that port too redundant, but a peer it does not reach on that port (an
/// exception, a tier Deny) stays as the exception it is, with no ports. Names of ports cannot
/// be resolved for a potential peer: a peer admitted on names only does not stay.
fn focused(side: SideExposure, on: ProtocolPort) -> SideExposure {
    if !side.protected {
        return side;
    }
    let admits = |to: &ExposedTo| PortSet::from_ports(&to.ports).contains(on.protocol, on.port);
    let cluster_wide = side.peers.iter().any(|to| to.peer.entire_cluster && admits(to));
    let peers = side
        .peers
        .into_iter()
        .filter_map(|mut to| {
            let stays = admits(&to);
            if stays && (to.peer.entire_cluster || !cluster_wide) {
                to.ports = PortSet::of(on.protocol, super::ports::PortRanges::range(on.port, on.port)).to_ports();
                to.all_ports = false;
                to.named_ports.clear();
                Some(to)
            } else if !stays && cluster_wide && !to.peer.entire_cluster {
                to.ports = PortSet::default().to_ports();
                to.all_ports = false;
                to.named_ports.clear();
                Some(to)
            } else {
                None
            }
        })
        .collect();
    SideExposure { protected: true, peers }
}

fn exposed(peer: PotentialPeer, potential: &Potential, rules: Vec<RuleRef>) -> ExposedTo {
    ExposedTo {
        peer,
        ports: potential.numeric.to_ports(),
        named_ports: potential.named.iter().map(|(p, n)| format!("{p}/{n}")).collect(),
        all_ports: potential.numeric.is_all(),
        rules,
        tier_rules: Vec::new(),
    }
}

fn tiered_exposed(
    peer: PotentialPeer,
    (ports, names): &(PortSet, BTreeSet<String>),
    rules: Vec<RuleRef>,
    tier_rules: Vec<TierRuleRef>,
) -> ExposedTo {
    ExposedTo {
        peer,
        ports: ports.to_ports(),
        named_ports: names.iter().cloned().collect(),
        all_ports: ports.is_all(),
        rules,
        tier_rules,
    }
}

/// netpol-analyzer's wording of an exposure's ports: `All Connections`, or per protocol in
/// name order the ranges then the names (`TCP 8080,http`).
#[must_use]
pub fn exposure_ports_text(to: &ExposedTo) -> String {
    let numeric = PortSet::from_ports(&to.ports);
    if to.all_ports || (numeric.is_empty() && to.named_ports.is_empty()) {
        return numeric.to_string();
    }
    let mut parts = Vec::new();
    // names of no known protocol (a cluster-scoped rule's named port) first, as netpol-analyzer
    // prints them: an empty protocol, then the names
    let mut unknown: Vec<&str> = to.named_ports.iter().filter(|n| !n.contains('/')).map(String::as_str).collect();
    unknown.sort_unstable();
    if !unknown.is_empty() {
        parts.push(format!(" {}", unknown.join(",")));
    }
    for protocol in Protocol::ALL {
        let mut items: Vec<String> =
            numeric.get(protocol).ranges().iter().map(|&(a, b)| super::ports::range_text(a, b)).collect();
        let prefix = format!("{protocol}/");
        let mut names: Vec<&str> = to.named_ports.iter().filter_map(|n| n.strip_prefix(prefix.as_str())).collect();
        names.sort_unstable();
        items.extend(names.into_iter().map(str::to_owned));
        if !items.is_empty() {
            parts.push(format!("{protocol} {}", items.join(",")));
        }
    }
    parts.join(",")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn selector(json: &str) -> LabelSelector {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn equal_requirements_are_one_potential_peer() {
        let labels = selector(r#"{"matchLabels": {"app": "x", "tier": "db"}}"#);
        let written_otherwise = selector(
            r#"{"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]}], "matchLabels": {"app": "x"}}"#,
        );
        assert_eq!(requirements(&labels), requirements(&written_otherwise));
        let two_values = selector(r#"{"matchExpressions": [{"key": "app", "operator": "In", "values": ["y", "x"]}]}"#);
        assert_eq!(requirements(&two_values), ["app in (x,y)"]);
        let other = selector(r#"{"matchLabels": {"app": "x"}}"#);
        assert_ne!(requirements(&labels), requirements(&other));
    }

    #[test]
    fn selectors_are_written_as_netpol_analyzer_writes_them() {
        let s = selector(
            r#"{"matchLabels": {"foo": "managed"}, "matchExpressions": [
                {"key": "env", "operator": "Exists"},
                {"key": "app", "operator": "NotIn", "values": ["b", "a"]}]}"#,
        );
        assert_eq!(
            selector_text(&s),
            "foo=managed,{Key:app,Operator:NotIn,Values:[b a],},{Key:env,Operator:Exists,Values:[],}"
        );
    }
}
