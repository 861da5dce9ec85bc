//! Least-privilege NetworkPolicies from observed flows: default deny per namespace, DNS egress,
//! one policy per workload and direction allowing exactly the observed delivered flows, each
//! rule annotated with its provenance; then verified with the engine (every observed flow is
//! allowed) and measured (allowed connections never observed), for each way to generalise.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::map::external_cidr;
use super::resolve::{FlowResolver, PeerRef, ResolvedFlow};
use super::{FlowCounts, FlowLog, FlowStats};
use crate::builder::{
    BuildOutput, ClusterDns, Direction as BuildDirection, NamespaceBuilder, Peer, PolicyBuilder, Port, Selector,
    WorkloadBuilder,
};
use crate::engine::{
    CompiledCluster, ConnectionFilter, ConnectionRecord, Direction, Endpoint, EngineOptions, IpRange, PortRanges,
    PortSet,
};
use crate::error::Error;
use crate::inventory::{PolicyResource, ResourceSet};
use crate::model::Protocol;

/// Annotation with one line of provenance per rule of a generated policy.
pub const FLOWS_ANNOTATION: &str = "netfence.dev/flows";

/// Pod labels that change with every rollout or pod and so never belong in a selector.
pub const VOLATILE_LABELS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
];

/// How far generated rules go beyond what was observed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[schemars(inline)] // in a request (options) and a response (alternatives): no shared definition
pub struct Generalise {
    /// Peers are whole namespaces instead of workloads.
    pub by_namespace: bool,
    /// Observed ports of one rule closer than this many ports apart become one range
    /// (`endPort`); none: exact ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_range_gap: Option<u16>,
}

/// Options of [`generate_policies`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct GenerateOptions {
    /// Add `allow-dns` (UDP and TCP 53 to cluster DNS) in every namespace; DNS flows to it
    /// then need no rule of their own.
    pub dns: bool,
    /// Namespace of cluster DNS.
    pub dns_namespace: String,
    /// Pod labels of cluster DNS.
    pub dns_labels: BTreeMap<String, String>,
    /// Namespaces that get no policies (their pods stay unrestricted). Default: `kube-system`,
    /// whose components talk to the API server and nodes in ways flows rarely show.
    pub exclude_namespaces: Vec<String>,
    /// External IPv4 peers as this prefix (e.g. 24); none: one `/32` per address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_prefix_v4: Option<u8>,
    /// External IPv6 peers as this prefix; none: `/128`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_prefix_v6: Option<u8>,
    /// Label keys to leave out of selectors, besides [`VOLATILE_LABELS`].
    pub volatile_labels: Vec<String>,
    /// Also allow flows that were only dropped (default: only delivered flows).
    pub include_dropped: bool,
    /// How to generalise the emitted policies.
    pub generalise: Generalise,
    /// Also build and measure every other generalisation (`alternatives` in the result).
    pub compare: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            dns: true,
            dns_namespace: "kube-system".to_owned(),
            dns_labels: BTreeMap::from([("k8s-app".to_owned(), "kube-dns".to_owned())]),
            exclude_namespaces: vec!["kube-system".to_owned()],
            external_prefix_v4: None,
            external_prefix_v6: None,
            volatile_labels: Vec::new(),
            include_dropped: false,
            generalise: Generalise::default(),
            compare: true,
        }
    }
}

/// A flow by its endpoints, protocol and port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowKey {
    /// Source.
    pub src: String,
    /// Destination.
    pub dst: String,
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port.
    pub port: u16,
}

/// A flow no rule was generated for, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkippedFlow {
    /// The flow.
    #[serde(flatten)]
    pub flow: FlowKey,
    /// Why, lowercase.
    pub reason: String,
}

/// One generated rule and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratedRule {
    /// Policy namespace.
    pub namespace: String,
    /// Policy name.
    pub policy: String,
    /// Direction.
    pub direction: Direction,
    /// Index in `spec.ingress` / `spec.egress`.
    pub index: usize,
    /// The peer, e.g. `pods app=api in namespace shop` or `203.0.113.7/32`.
    pub peer: String,
    /// Ports, e.g. `TCP/8080`.
    pub ports: Vec<String>,
    /// The observed flows it allows.
    pub provenance: FlowCounts,
}

/// The engine's check of the generated policies against the observed flows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Verification {
    /// Observed flows checked (both sides known).
    pub checked: usize,
    /// Of those, allowed by the generated policies (all, unless something is wrong).
    pub allowed: usize,
    /// Observed flows the generated policies deny.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denied: Vec<FlowKey>,
}

/// Allowed connections never observed, counted as `(source, destination, protocol, port)`
/// tuples over the pairs with a side in a namespace that got policies (external: per address).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OverPermission {
    /// In-cluster tuples allowed.
    pub allowed: u64,
    /// In-cluster tuples observed (and allowed).
    pub observed: u64,
    /// In-cluster tuples allowed but never observed.
    pub unobserved: u64,
    /// External `(endpoint, address, protocol, port)` tuples allowed (saturating).
    pub external_allowed: u64,
    /// External tuples observed.
    pub external_observed: u64,
    /// External tuples allowed but never observed.
    pub external_unobserved: u64,
    /// The in-cluster connections allowed but never observed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<ConnectionRecord>,
}

/// A generalisation and what it would allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Alternative {
    /// The generalisation.
    pub generalise: Generalise,
    /// Policies it makes.
    pub policies: usize,
    /// Rules it makes.
    pub rules: usize,
    /// Whether every observed flow is allowed.
    pub verified: bool,
    /// Its over-permission (without the connection list).
    pub over_permission: OverPermission,
}

/// Generated policies, their verification and over-permission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Generated {
    /// The policies: allowances first, then default deny (the safe apply order).
    #[serde(serialize_with = "crate::model::manifest::serialize_list")]
    pub policies: Vec<NetworkPolicy>,
    /// The same as multi-document YAML.
    pub yaml: String,
    /// Namespaces that got policies.
    pub namespaces: Vec<String>,
    /// Every workload rule with its provenance.
    pub rules: Vec<GeneratedRule>,
    /// The engine's check that every observed flow is allowed.
    pub verification: Verification,
    /// Allowed connections never observed.
    pub over_permission: OverPermission,
    /// The other generalisations, measured (with `compare`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
    /// Flows no rule was generated for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedFlow>,
}

/// Who a rule allows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PeerSpec {
    Workload(usize),
    Namespace(String),
    Cidr(String),
}

#[derive(Default)]
struct RulePlan {
    ports: PortSet,
    stats: FlowStats,
}

#[derive(Default)]
struct WorkloadPlan {
    ingress: BTreeMap<PeerSpec, RulePlan>,
    egress: BTreeMap<PeerSpec, RulePlan>,
}

struct Plan {
    namespaces: BTreeSet<String>,
    workloads: BTreeMap<usize, WorkloadPlan>,
    dns: BTreeMap<String, FlowStats>,
}

/// Selectors and peers for endpoints, as generation writes them.
pub(crate) struct Context<'r, 'a> {
    pub(crate) resolver: &'r FlowResolver<'a>,
    pub(crate) options: &'r GenerateOptions,
}

impl Context<'_, '_> {
    fn endpoint(&self, i: usize) -> Option<&Endpoint> {
        self.resolver.endpoint(i)
    }

    fn is_dns(&self, e: &Endpoint, protocol: Protocol, port: u16) -> bool {
        self.options.dns
            && port == 53
            && matches!(protocol, Protocol::Udp | Protocol::Tcp)
            && e.namespace == self.options.dns_namespace
            && self.options.dns_labels.iter().all(|(k, v)| e.labels.get(k) == Some(v))
    }

    pub(crate) fn selector(&self, e: &Endpoint) -> Selector {
        let mut s = Selector::new();
        for (k, v) in &e.labels {
            if !VOLATILE_LABELS.contains(&k.as_str()) && !self.options.volatile_labels.contains(k) {
                s = s.label(k.clone(), v.clone());
            }
        }
        s
    }

    fn cidr(&self, ip: IpAddr) -> String {
        external_cidr(ip, self.options.external_prefix_v4, self.options.external_prefix_v6)
    }

    /// The builder peer for a flow peer, seen from a workload in `target_namespace`.
    pub(crate) fn flow_peer(&self, peer: &PeerRef, target_namespace: &str) -> Option<Peer> {
        self.peer(&self.peer_spec(peer, &Generalise::default())?, target_namespace)
    }

    fn peer_spec(&self, peer: &PeerRef, generalise: &Generalise) -> Option<PeerSpec> {
        match peer {
            PeerRef::Endpoint(i) if generalise.by_namespace => {
                self.endpoint(*i).map(|e| PeerSpec::Namespace(e.namespace.clone()))
            }
            PeerRef::Endpoint(i) => Some(PeerSpec::Workload(*i)),
            PeerRef::External(ip) => Some(PeerSpec::Cidr(self.cidr(*ip))),
            PeerRef::Unresolved(_) => None,
        }
    }

    fn peer(&self, spec: &PeerSpec, target_namespace: &str) -> Option<Peer> {
        Some(match spec {
            PeerSpec::Workload(i) => {
                let e = self.endpoint(*i)?;
                if e.namespace == target_namespace {
                    Peer::pods(self.selector(e))
                } else {
                    Peer::pods_in_namespace(e.namespace.clone(), self.selector(e))
                }
            }
            PeerSpec::Namespace(ns) if ns == target_namespace => Peer::pods(Selector::new()),
            PeerSpec::Namespace(ns) => Peer::namespace(ns.clone()),
            PeerSpec::Cidr(c) => Peer::cidr(c.clone()),
        })
    }

    fn plan(&self, flows: &[&ResolvedFlow], generalise: &Generalise) -> Plan {
        let covered = |e: &Endpoint| !self.options.exclude_namespaces.contains(&e.namespace);
        let mut plan = Plan { namespaces: BTreeSet::new(), workloads: BTreeMap::new(), dns: BTreeMap::new() };
        for f in flows {
            for p in [&f.src, &f.dst] {
                if let PeerRef::Endpoint(i) = p
                    && let Some(e) = self.endpoint(*i).filter(|e| covered(e))
                {
                    plan.namespaces.insert(e.namespace.clone());
                }
            }
        }
        for f in flows {
            let add = |map: &mut BTreeMap<PeerSpec, RulePlan>, spec: PeerSpec| {
                let rule = map.entry(spec).or_default();
                rule.ports.add(f.protocol, &PortRanges::range(f.port, f.port));
                rule.stats.merge(&f.stats);
            };
            if let PeerRef::Endpoint(s) = f.src
                && let Some(src) = self.endpoint(s).filter(|e| covered(e))
            {
                let dns = match f.dst {
                    PeerRef::Endpoint(d) => self.endpoint(d).is_some_and(|e| self.is_dns(e, f.protocol, f.port)),
                    _ => false,
                };
                if dns {
                    plan.dns.entry(src.namespace.clone()).or_default().merge(&f.stats);
                } else if let Some(spec) = self.peer_spec(&f.dst, generalise) {
                    add(&mut plan.workloads.entry(s).or_default().egress, spec);
                }
            }
            if let PeerRef::Endpoint(d) = f.dst
                && self.endpoint(d).is_some_and(&covered)
                && let Some(spec) = self.peer_spec(&f.src, generalise)
            {
                add(&mut plan.workloads.entry(d).or_default().ingress, spec);
            }
        }
        plan
    }

    fn ports(&self, set: &PortSet, generalise: &Generalise) -> Vec<Port> {
        let mut out = Vec::new();
        for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
            let mut ranges: Vec<(u16, u16)> = Vec::new();
            for &(lo, hi) in set.get(protocol).ranges() {
                match (ranges.last_mut(), generalise.port_range_gap) {
                    (Some(last), Some(gap)) if u32::from(lo) <= u32::from(last.1) + u32::from(gap) + 1 => last.1 = hi,
                    _ => ranges.push((lo, hi)),
                }
            }
            let p = protocol;
            for (lo, hi) in ranges {
                let port = Port::number(p, i64::from(lo));
                out.push(if hi > lo { port.end_port(i64::from(hi)) } else { port });
            }
        }
        out
    }

    /// Builds the plan's policies, annotated with provenance.
    /// The policies of a plan, with their provenance annotations (not yet rendered: the
    /// chosen ones are rendered and checked with [`BuildOutput`]).
    fn build(&self, plan: &Plan, generalise: &Generalise) -> Result<(Vec<NetworkPolicy>, Vec<GeneratedRule>), Error> {
        let mut dns_selector = Selector::new();
        for (k, v) in &self.options.dns_labels {
            dns_selector = dns_selector.label(k.clone(), v.clone());
        }
        let mut builder =
            PolicyBuilder::new().dns(ClusterDns::in_namespace(self.options.dns_namespace.clone()).pods(dns_selector));
        let mut rules: Vec<GeneratedRule> = Vec::new();
        let mut provenance: HashMap<(String, String), Vec<String>> = HashMap::new();
        let mut names: HashMap<(String, String), usize> = HashMap::new();
        for (&i, _) in plan.workloads.iter() {
            if let Some(e) = self.endpoint(i) {
                *names.entry((e.namespace.clone(), policy_base(&e.workload))).or_insert(0) += 1;
            }
        }
        for ns in &plan.namespaces {
            let mut nb = NamespaceBuilder::new(ns.clone()).default_deny(BuildDirection::Both);
            if self.options.dns {
                nb = nb.allow_dns();
                let stats = plan.dns.get(ns).cloned().unwrap_or_default();
                provenance.entry((ns.clone(), "allow-dns".to_owned())).or_default().push(line("egress", 0, &stats));
            }
            for (&i, w) in plan.workloads.iter() {
                let Some(e) = self.endpoint(i).filter(|e| &e.namespace == ns) else { continue };
                let base = policy_base(&e.workload);
                let name = if names.get(&(ns.clone(), base.clone())).copied().unwrap_or(0) > 1 {
                    format!("{base}-{}", e.kind.to_ascii_lowercase())
                } else {
                    base
                };
                let mut wb = WorkloadBuilder::new(name.clone()).pods(self.selector(e));
                for (direction, map) in [(Direction::Ingress, &w.ingress), (Direction::Egress, &w.egress)] {
                    let policy =
                        format!("{name}-{}", if direction == Direction::Ingress { "ingress" } else { "egress" });
                    for (index, (spec, rule)) in map.iter().enumerate() {
                        let Some(peer) = self.peer(spec, ns) else { continue };
                        let ports = self.ports(&rule.ports, generalise);
                        let key = if direction == Direction::Ingress { "ingress" } else { "egress" };
                        provenance.entry((ns.clone(), policy.clone())).or_default().push(line(key, index, &rule.stats));
                        rules.push(GeneratedRule {
                            namespace: ns.clone(),
                            policy: policy.clone(),
                            direction,
                            index,
                            peer: peer.to_string(),
                            ports: ports.iter().map(ToString::to_string).collect(),
                            provenance: rule.stats.counts(),
                        });
                        wb = match direction {
                            Direction::Ingress => wb.allow_from(peer, ports),
                            Direction::Egress => wb.allow_to(peer, ports),
                        };
                    }
                }
                nb = nb.workload(wb);
            }
            builder = builder.namespace(nb);
        }
        let mut policies = builder.compile_policies()?;
        for p in &mut policies {
            let key = (p.metadata.namespace.clone().unwrap_or_default(), p.metadata.name.clone().unwrap_or_default());
            if let Some(lines) = provenance.get(&key) {
                p.metadata
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert(FLOWS_ANNOTATION.to_owned(), lines.join("\n"));
            }
        }
        Ok((policies, rules))
    }
}

/// A policy base name from a workload name: a DNS label the builder accepts.
pub(crate) fn policy_base(workload: &str) -> String {
    let mut name: String = workload
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .take(50)
        .collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() { "workload".to_owned() } else { name }
}

fn line(direction: &str, index: usize, stats: &FlowStats) -> String {
    if stats.connections == 0 {
        return format!("{direction}[{index}]: no flows observed");
    }
    let time = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), super::time::format_rfc3339);
    format!(
        "{direction}[{index}]: {} connections, first seen {}, last seen {}",
        stats.connections,
        time(stats.first_seen),
        time(stats.last_seen)
    )
}

/// One generalisation's plan, policies, rules, verification and over-permission.
type Run = (Plan, Vec<NetworkPolicy>, Vec<GeneratedRule>, Verification, OverPermission);

/// Compiles the inventory with `policies` instead of its own. The typed policies are added
/// as they are (no YAML round trip: the builder's YAML is their serialisation).
pub(crate) fn with_policies(
    resources: &ResourceSet,
    policies: &[NetworkPolicy],
    engine: &EngineOptions,
) -> CompiledCluster {
    let mut set = resources.clone();
    set.errors.clear();
    let file: std::sync::Arc<str> = std::sync::Arc::from("<generated>");
    let root = std::sync::Arc::new(crate::source::Node::synthetic(crate::source::Value::Null));
    set.policies = policies
        .iter()
        .enumerate()
        .map(|(document, policy)| {
            let meta = &policy.metadata;
            let (namespace, name) = crate::inventory::namespace_and_name(
                meta.namespace.as_deref(),
                meta.name.as_deref(),
                meta.generate_name.as_deref(),
            );
            PolicyResource {
                object: policy.clone(),
                namespace,
                name,
                namespace_given: meta.namespace.is_some(),
                api_version: "networking.k8s.io/v1".to_owned(),
                source: crate::source::SourceDoc {
                    file: file.clone(),
                    root: root.clone(),
                    base: String::new(),
                    document,
                },
            }
        })
        .collect();
    CompiledCluster::compile(&set, engine)
}

pub(crate) fn flow_key(resolver: &FlowResolver<'_>, f: &ResolvedFlow) -> FlowKey {
    FlowKey { src: resolver.name(&f.src), dst: resolver.name(&f.dst), protocol: f.protocol, port: f.port }
}

fn verify(resolver: &FlowResolver<'_>, cluster: &CompiledCluster, flows: &[&ResolvedFlow]) -> Verification {
    let mut allowed = super::resolve::Allowed::new(resolver, cluster);
    let mut v = Verification::default();
    for f in flows {
        if let Some(ok) = allowed.allows(&f.src, &f.dst, f.protocol, f.port) {
            v.checked += 1;
            if ok {
                v.allowed += 1;
            } else {
                v.denied.push(flow_key(resolver, f));
            }
        }
    }
    v
}

/// Measures the allowed connections of `cluster` against the observed flows, over the pairs
/// with a side in `namespaces`.
fn over_permission(
    resolver: &FlowResolver<'_>,
    cluster: &CompiledCluster,
    flows: &[&ResolvedFlow],
    namespaces: &BTreeSet<String>,
) -> OverPermission {
    let mut observed: HashMap<(String, String), PortSet> = HashMap::new();
    let mut observed_external: HashMap<String, Vec<(IpAddr, bool, Protocol, u16)>> = HashMap::new();
    for f in flows {
        match (&f.src, &f.dst) {
            (PeerRef::Endpoint(_), PeerRef::Endpoint(_)) => {
                observed
                    .entry((resolver.name(&f.src), resolver.name(&f.dst)))
                    .or_default()
                    .add(f.protocol, &PortRanges::range(f.port, f.port));
            }
            (PeerRef::Endpoint(_), PeerRef::External(ip)) => {
                observed_external.entry(resolver.name(&f.src)).or_default().push((*ip, true, f.protocol, f.port));
            }
            (PeerRef::External(ip), PeerRef::Endpoint(_)) => {
                observed_external.entry(resolver.name(&f.dst)).or_default().push((*ip, false, f.protocol, f.port));
            }
            _ => {}
        }
    }
    let namespace_of =
        |name: &str| resolver.index_of(name).and_then(|i| resolver.endpoint(i)).map(|e| e.namespace.clone());
    let in_scope = |name: &str| namespace_of(name).is_some_and(|ns| namespaces.contains(&ns));
    let mut out = OverPermission::default();
    let mut unobserved: BTreeMap<(String, String), PortSet> = BTreeMap::new();
    for record in cluster.all_pairs(&ConnectionFilter::default()) {
        let set = PortSet::of(record.protocol, PortRanges::from_ranges(record.ports.iter().map(|&[a, b]| (a, b))));
        let (src_known, dst_known) =
            (resolver.index_of(&record.src).is_some(), resolver.index_of(&record.dst).is_some());
        match (src_known, dst_known) {
            (true, true) => {
                if !in_scope(&record.src) && !in_scope(&record.dst) {
                    continue;
                }
                let seen = observed.get(&(record.src.to_string(), record.dst.to_string())).cloned().unwrap_or_default();
                let allowed = set.count();
                let missing = set.difference(&seen);
                let unseen = missing.count();
                out.allowed += allowed;
                out.observed += allowed - unseen;
                out.unobserved += unseen;
                if unseen > 0 {
                    unobserved
                        .entry((record.src.to_string(), record.dst.to_string()))
                        .or_default()
                        .union_with(&missing);
                }
            }
            (true, false) | (false, true) => {
                let (endpoint, range, outbound) =
                    if src_known { (&record.src, &record.dst, true) } else { (&record.dst, &record.src, false) };
                if !in_scope(endpoint) {
                    continue;
                }
                let Some(range) = IpRange::parse(range) else { continue };
                let addresses: u128 = match range {
                    IpRange::V4(a, b) => u128::from(b - a) + 1,
                    IpRange::V6(a, b) => (b - a).saturating_add(1),
                };
                let allowed = u128::from(set.count()).saturating_mul(addresses);
                let seen = observed_external
                    .get(&**endpoint)
                    .into_iter()
                    .flatten()
                    .filter(|(ip, out_dir, p, port)| {
                        *out_dir == outbound && *p == record.protocol && range.contains(*ip) && set.contains(*p, *port)
                    })
                    .count() as u128;
                let to_u64 = |n: u128| u64::try_from(n).unwrap_or(u64::MAX);
                out.external_allowed = out.external_allowed.saturating_add(to_u64(allowed));
                out.external_observed = out.external_observed.saturating_add(to_u64(seen));
                out.external_unobserved = out.external_unobserved.saturating_add(to_u64(allowed.saturating_sub(seen)));
            }
            (false, false) => {}
        }
    }
    for ((src, dst), set) in unobserved {
        for protocol in Protocol::ALL {
            let ranges = set.get(protocol);
            if !ranges.is_empty() {
                out.connections.push(ConnectionRecord {
                    src: src.as_str().into(),
                    dst: dst.as_str().into(),
                    protocol,
                    ports: ranges.ranges().iter().map(|&(a, b)| [a, b]).collect(),
                });
            }
        }
    }
    out
}

/// Generates least-privilege policies for the flows of `log` over the inventory `resources`
/// (compiled as `cluster`; its own policies are ignored), verifies them and measures their
/// over-permission.
///
/// # Errors
/// `NF-E012` when the builder cannot express a rule (an invalid label in the inventory).
pub fn generate_policies(
    resources: &ResourceSet,
    cluster: &CompiledCluster,
    log: &FlowLog,
    options: &GenerateOptions,
) -> Result<Generated, Error> {
    let resolver = FlowResolver::new(resources, cluster);
    let context = Context { resolver: &resolver, options };
    let all = resolver.resolve_log(log);
    let mut skipped = Vec::new();
    let mut flows: Vec<&ResolvedFlow> = Vec::new();
    for f in &all {
        let reason = if !(f.stats.delivered() || options.include_dropped) {
            Some("never delivered (only dropped or errored)")
        } else if matches!(f.src, PeerRef::Unresolved(_)) || matches!(f.dst, PeerRef::Unresolved(_)) {
            Some("an endpoint is not in the inventory")
        } else if !matches!(f.src, PeerRef::Endpoint(_)) && !matches!(f.dst, PeerRef::Endpoint(_)) {
            Some("neither endpoint is in the cluster")
        } else {
            None
        };
        match reason {
            Some(r) => skipped.push(SkippedFlow { flow: flow_key(&resolver, f), reason: r.to_owned() }),
            None => flows.push(f),
        }
    }
    let engine = cluster.options().clone();
    let run = |generalise: &Generalise| -> Result<Run, Error> {
        let plan = context.plan(&flows, generalise);
        let (policies, rules) = context.build(&plan, generalise)?;
        let generated = with_policies(resources, &policies, &engine);
        let verification = verify(&resolver, &generated, &flows);
        let over = over_permission(&resolver, &generated, &flows, &plan.namespaces);
        Ok((plan, policies, rules, verification, over))
    };
    // The alternatives (other generalisations, only measured) run on a second thread while this
    // one builds, renders and reads back the chosen policies; the alternative equal to the
    // chosen generalisation is not run twice.
    let choices: Vec<Generalise> = if options.compare {
        let gap = options.generalise.port_range_gap.unwrap_or(1024);
        vec![
            Generalise { by_namespace: false, port_range_gap: None },
            Generalise { by_namespace: true, port_range_gap: None },
            Generalise { by_namespace: false, port_range_gap: Some(gap) },
            Generalise { by_namespace: true, port_range_gap: Some(gap) },
        ]
    } else {
        Vec::new()
    };
    let others: Vec<&Generalise> = choices.iter().filter(|g| **g != options.generalise).collect();
    let measure = || -> Result<Vec<Alternative>, Error> {
        let mut out = Vec::with_capacity(others.len());
        for g in &others {
            let (_, policies, rules, verification, over) = run(g)?;
            out.push(Alternative::of(g, policies.len(), rules.len(), &verification, over));
        }
        Ok(out)
    };
    let chosen = || -> Result<_, Error> {
        let (plan, policies, rules, verification, over) = run(&options.generalise)?;
        Ok((plan, BuildOutput::new(policies)?, rules, verification, over))
    };
    #[cfg(not(target_arch = "wasm32"))]
    let (chosen, measured) = std::thread::scope(|scope| {
        let worker = scope.spawn(measure);
        let chosen = chosen();
        let measured = worker.join().unwrap_or_else(|_| {
            Err(Error::new(crate::ErrorCode::Output, "measuring the alternative generalisations failed")
                .with_help("this is a bug in netfence; please report it with the flow log"))
        });
        (chosen, measured)
    });
    #[cfg(target_arch = "wasm32")]
    let (chosen, measured) = (chosen(), measure());
    let (plan, output, rules, verification, over) = chosen?;
    let mut measured = measured?.into_iter();
    let alternatives: Vec<Alternative> = choices
        .iter()
        .filter_map(|g| {
            if *g == options.generalise {
                Some(Alternative::of(g, output.policies().len(), rules.len(), &verification, over.clone()))
            } else {
                measured.next()
            }
        })
        .collect();
    Ok(Generated {
        yaml: output.to_yaml(),
        policies: output.into_policies(),
        namespaces: plan.namespaces.into_iter().collect(),
        rules,
        verification,
        over_permission: over,
        alternatives,
        skipped,
    })
}

impl Alternative {
    fn of(
        generalise: &Generalise,
        policies: usize,
        rules: usize,
        verification: &Verification,
        mut over_permission: OverPermission,
    ) -> Self {
        over_permission.connections.clear();
        Self {
            generalise: generalise.clone(),
            policies,
            rules,
            verified: verification.denied.is_empty(),
            over_permission,
        }
    }
}
