//! Audit of policies against observed traffic: hit counts per rule over the window, rules never
//! hit, rules whose observed use is much narrower than what they allow (with a tightened rule
//! and the connections it would stop allowing), and policies that select no workload; for
//! cluster-scoped policies, the flows each rule decided or passed and the `Allow`/`Pass` rules
//! no flow reached.

use std::collections::{BTreeSet, HashMap};

use k8s_openapi::api::networking::v1::{NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::generate::{Context, GenerateOptions};
use super::resolve::{FlowResolver, PeerRef};
use super::{FlowCounts, FlowLog, FlowStats};
use crate::builder::{IngressController, Port};
use crate::engine::{
    CompiledCluster, ConnectionFilter, ConnectionRecord, Direction, IpRange, PolicyRef, PortRanges, PortSet, RuleRef,
    SideVerdict, TierRuleRef,
};
use crate::error::{Error, ErrorCode};
use crate::inventory::ResourceSet;
use crate::model::Protocol;
use crate::model::TierAction;

/// Options of [`audit_policies`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AuditOptions {
    /// A rule that was hit is reported as too broad when the distinct tuples it was used for are
    /// at most this percentage of the tuples it allows.
    pub narrow_percent: u8,
    /// Connections listed per too-broad rule (all are counted).
    pub max_connections: usize,
    /// Label keys to leave out of suggested selectors, besides the volatile ones.
    pub volatile_labels: Vec<String>,
    /// How much recompiling the audit may do to compute what each too-broad rule's tightened
    /// form stops allowing, in endpoints and policies compiled (each rule costs the cluster's
    /// endpoints plus its policies; default 250,000: every rule of a cluster of a thousand pods,
    /// about five rules of one of 150,000 — a few seconds either way). Rules beyond it are
    /// reported with `stopsAllowingComputed: false`.
    pub recompile_budget: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self { narrow_percent: 25, max_connections: 50, volatile_labels: Vec::new(), recompile_budget: 250_000 }
    }
}

/// Hits of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleHits {
    /// The rule.
    pub rule: RuleRef,
    /// The delivered flows it matched.
    pub hits: FlowCounts,
    /// Distinct `(peer, target, protocol, port)` tuples it was used for.
    pub used: u64,
    /// Tuples it allows in the cluster (`(peer, target, protocol, port)`; external: per
    /// address, saturating).
    pub allows: u64,
}

/// Hits of one rule of a cluster-scoped policy: the observed flows it decided (an `Allow`
/// the delivered ones, a `Deny` the dropped ones) or handed on (a `Pass`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterRuleHits {
    /// The rule.
    pub rule: TierRuleRef,
    /// The flows it decided or passed.
    pub hits: FlowCounts,
    /// Distinct `(source, destination, protocol, port)` tuples among them.
    pub used: u64,
}

/// A rule much broader than its observed use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BroadRule {
    /// The rule.
    pub rule: RuleRef,
    /// Tuples used.
    pub used: u64,
    /// Tuples allowed.
    pub allows: u64,
    /// The tightened rule: the peers and ports observed (YAML, replaces the rule at its location).
    pub suggestion: String,
    /// In-cluster connections the tightened rule would stop allowing (first `maxConnections`),
    /// computed by the engine with the rule replaced.
    pub stops_allowing: Vec<ConnectionRecord>,
    /// Their number of `(source, destination, protocol, port)` tuples.
    pub stops_allowing_tuples: u64,
    /// Whether `stopsAllowing` was computed: each computation compiles the cluster again, and
    /// on a large cluster with many too-broad rules the audit stops computing them after a
    /// budget (see `recompileBudget` of the options) — the rule and its suggestion are still
    /// reported.
    #[serde(default = "computed")]
    pub stops_allowing_computed: bool,
}

fn computed() -> bool {
    true
}

/// The audit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Audit {
    /// Every rule of an isolating direction, with its hits, in policy order.
    pub rules: Vec<RuleHits>,
    /// Rules never hit over the window.
    pub unused: Vec<RuleRef>,
    /// Rules hit but much broader than their use.
    pub too_broad: Vec<BroadRule>,
    /// Policies that select no workload of the inventory.
    pub selecting_nothing: Vec<PolicyRef>,
    /// Delivered flows that could not be checked (an endpoint unknown to the inventory).
    pub unchecked: usize,
    /// Every rule of the cluster-scoped policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    /// ClusterNetworkPolicy), with its hits, in evaluation order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_rules: Vec<ClusterRuleHits>,
    /// `Allow` and `Pass` rules of cluster-scoped policies that no observed flow reached (a
    /// `Deny` is not listed: that nothing tried what it denies is no reason to remove it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unused_cluster_rules: Vec<TierRuleRef>,
}

type RuleKey = (String, String, Direction, usize);

#[derive(Default)]
struct Usage {
    stats: FlowStats,
    /// `(peer, target, protocol, port)`.
    tuples: BTreeSet<(PeerRef, PeerRef, Protocol, u16)>,
}

fn addresses(range: IpRange) -> u128 {
    match range {
        IpRange::V4(a, b) => u128::from(b - a) + 1,
        IpRange::V6(a, b) => (b - a).saturating_add(1),
    }
}

fn yaml_error(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Output, format!("cannot render YAML: {e}"))
}

/// The tightened rule for `usage`, as the k8s rule and its YAML.
fn tightened(
    context: &Context<'_, '_>,
    namespace: &str,
    direction: Direction,
    usage: &Usage,
) -> Result<(Option<NetworkPolicyIngressRule>, Option<NetworkPolicyEgressRule>, String), Error> {
    let controller = IngressController::default();
    let mut peers: Vec<NetworkPolicyPeer> = Vec::new();
    let mut ports = PortSet::empty();
    for (peer, _, protocol, port) in &usage.tuples {
        if let Some(p) = context.flow_peer(peer, namespace).and_then(|p| p.to_policy_peer(&controller))
            && !peers.contains(&p)
        {
            peers.push(p);
        }
        ports.add(*protocol, &PortRanges::range(*port, *port));
    }
    let mut policy_ports = Vec::new();
    for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
        for &(lo, hi) in ports.get(protocol).ranges() {
            let p = Port::number(protocol, i64::from(lo));
            policy_ports.push(if hi > lo { p.end_port(i64::from(hi)) } else { p }.to_policy_port());
        }
    }
    Ok(match direction {
        Direction::Ingress => {
            let rule = NetworkPolicyIngressRule { from: Some(peers), ports: Some(policy_ports) };
            let yaml = crate::source::yaml_write::yaml_of(&rule).map_err(yaml_error)?;
            (Some(rule), None, yaml)
        }
        Direction::Egress => {
            let rule = NetworkPolicyEgressRule { to: Some(peers), ports: Some(policy_ports) };
            let yaml = crate::source::yaml_write::yaml_of(&rule).map_err(yaml_error)?;
            (None, Some(rule), yaml)
        }
    })
}

/// The in-cluster connections of `before` that `after` no longer allows, for the focus workloads.
fn lost(before: &CompiledCluster, after: &CompiledCluster, filter: &ConnectionFilter) -> Vec<ConnectionRecord> {
    let key = |r: &ConnectionRecord| (r.src.clone(), r.dst.clone(), r.protocol);
    let set = |r: &ConnectionRecord| PortRanges::from_ranges(r.ports.iter().map(|&[a, b]| (a, b)));
    let in_cluster = |r: &ConnectionRecord| IpRange::parse(&r.src).is_none() && IpRange::parse(&r.dst).is_none();
    let after: HashMap<_, _> =
        after.all_pairs(filter).iter().filter(|r| in_cluster(r)).map(|r| (key(r), set(r))).collect();
    let mut out = Vec::new();
    for r in before.all_pairs(filter).iter().filter(|r| in_cluster(r)) {
        let remaining = set(r).difference(&after.get(&key(r)).cloned().unwrap_or_default());
        if !remaining.is_empty() {
            out.push(ConnectionRecord {
                src: r.src.clone(),
                dst: r.dst.clone(),
                protocol: r.protocol,
                ports: remaining.ranges().iter().map(|&(a, b)| [a, b]).collect(),
            });
        }
    }
    out
}

/// The original rule of a policy while its tightened form is compiled.
enum Swap {
    Ingress(NetworkPolicyIngressRule),
    Egress(NetworkPolicyEgressRule),
}

/// Puts the original rule back at `index` of policy `policy`.
fn restore(resources: &mut ResourceSet, policy: usize, index: usize, swap: Option<Swap>) {
    let Some(spec) = resources.policies.get_mut(policy).and_then(|p| p.object.spec.as_mut()) else { return };
    match swap {
        Some(Swap::Ingress(rule)) => {
            if let Some(slot) = spec.ingress.as_mut().and_then(|l| l.get_mut(index)) {
                *slot = rule;
            }
        }
        Some(Swap::Egress(rule)) => {
            if let Some(slot) = spec.egress.as_mut().and_then(|l| l.get_mut(index)) {
                *slot = rule;
            }
        }
        None => {}
    }
}

/// Audits the policies of `resources` (compiled as `cluster`) against the flows of `log`.
///
/// # Errors
/// `NF-E030` when a suggestion cannot be rendered.
pub fn audit_policies(
    resources: &ResourceSet,
    cluster: &CompiledCluster,
    log: &FlowLog,
    options: &AuditOptions,
) -> Result<Audit, Error> {
    let resolver = FlowResolver::new(resources, cluster);
    let generate = GenerateOptions { volatile_labels: options.volatile_labels.clone(), ..GenerateOptions::default() };
    let context = Context { resolver: &resolver, options: &generate };
    let mut audit = Audit::default();
    let mut usage: HashMap<RuleKey, Usage> = HashMap::new();
    let tier_rules = cluster.tier_rule_refs();
    // cluster-scoped rules by (kind, policy, direction, index); dropped flows count for them
    let mut tier_usage: HashMap<RuleKey, Usage> = HashMap::new();
    for f in resolver.resolve_log(log) {
        let delivered = f.stats.delivered();
        if !delivered && tier_rules.is_empty() {
            continue;
        }
        if matches!(f.src, PeerRef::Unresolved(_)) || matches!(f.dst, PeerRef::Unresolved(_)) {
            audit.unchecked += usize::from(delivered);
            continue;
        }
        let Ok(why) = cluster.explain(&resolver.name(&f.src), &resolver.name(&f.dst), Some(f.port), Some(f.protocol))
        else {
            audit.unchecked += usize::from(delivered);
            continue;
        };
        let Some(range) = why.ranges.first() else { continue };
        let tuple = (f.src.clone(), f.dst.clone(), f.protocol, f.port);
        let mut tier_use = |r: &TierRuleRef| {
            let u = tier_usage.entry((r.kind.clone(), r.policy.clone(), r.direction, r.index)).or_default();
            u.stats.merge(&f.stats);
            u.tuples.insert(tuple.clone());
        };
        range.passed.iter().for_each(&mut tier_use);
        for (verdict, peer, target) in [(&range.egress, &f.dst, &f.src), (&range.ingress, &f.src, &f.dst)] {
            match verdict {
                SideVerdict::Allowed { rules } if delivered => {
                    for r in rules {
                        let u = usage.entry((r.namespace.clone(), r.policy.clone(), r.direction, r.index)).or_default();
                        u.stats.merge(&f.stats);
                        u.tuples.insert((peer.clone(), target.clone(), f.protocol, f.port));
                    }
                }
                SideVerdict::TierAllowed { rule } if delivered => tier_use(rule),
                SideVerdict::TierDenied { rule } if !delivered => tier_use(rule),
                _ => {}
            }
        }
    }
    for rule in tier_rules {
        let u = tier_usage.remove(&(rule.kind.clone(), rule.policy.clone(), rule.direction, rule.index));
        let u = u.unwrap_or_default();
        if u.tuples.is_empty() && rule.action != TierAction::Deny {
            audit.unused_cluster_rules.push(rule.clone());
        }
        audit.cluster_rules.push(ClusterRuleHits { rule, hits: u.stats.counts(), used: u.tuples.len() as u64 });
    }
    let to_u64 = |n: u128| u64::try_from(n).unwrap_or(u64::MAX);
    let empty = Usage::default();
    // one working copy for the recompiles: each too-broad rule is replaced, compiled, put back
    let mut changed: Option<ResourceSet> = None;
    let recompile_cost = cluster.endpoints().count().saturating_add(resources.policies.len());
    let mut budget = options.recompile_budget;
    let members = cluster.class_members();
    for (pi, policy) in resources.policies.iter().enumerate() {
        let (ns, name) = (policy.namespace.as_str(), policy.name.as_str());
        if cluster.policy_selects(ns, name, &members).is_empty() {
            audit.selecting_nothing.push(PolicyRef {
                namespace: ns.to_owned(),
                name: name.to_owned(),
                location: Some(policy.source.locate("")),
            });
        }
        let spec = policy.object.spec.as_ref();
        let counts = [
            (Direction::Ingress, "ingress", spec.and_then(|s| s.ingress.as_ref()).map_or(0, Vec::len)),
            (Direction::Egress, "egress", spec.and_then(|s| s.egress.as_ref()).map_or(0, Vec::len)),
        ];
        for (direction, key, count) in counts {
            for index in 0..count {
                let Some(scope) = cluster.rule_scope(ns, name, direction, index, &members) else { continue };
                let rule = RuleRef {
                    namespace: ns.to_owned(),
                    policy: name.to_owned(),
                    direction,
                    index,
                    location: Some(policy.source.locate(&format!("/spec/{key}/{index}"))),
                };
                let u = usage.get(&(ns.to_owned(), name.to_owned(), direction, index)).unwrap_or(&empty);
                let in_cluster: u128 = scope.peer_tuples;
                let external: u128 =
                    scope.externals.iter().map(|(_, r, p)| addresses(*r).saturating_mul(u128::from(p.count()))).sum();
                let allows = to_u64(in_cluster.saturating_add(external));
                let used = u.tuples.len() as u64;
                audit.rules.push(RuleHits { rule: rule.clone(), hits: u.stats.counts(), used, allows });
                if u.tuples.is_empty() {
                    audit.unused.push(rule);
                    continue;
                }
                if u128::from(used) * 100 > u128::from(options.narrow_percent) * u128::from(allows) {
                    continue;
                }
                let (ingress_rule, egress_rule, suggestion) = tightened(&context, ns, direction, u)?;
                if recompile_cost > budget {
                    audit.too_broad.push(BroadRule {
                        rule,
                        used,
                        allows,
                        suggestion,
                        stops_allowing: Vec::new(),
                        stops_allowing_tuples: 0,
                        stops_allowing_computed: false,
                    });
                    continue;
                }
                budget -= recompile_cost;
                let working = changed.get_or_insert_with(|| resources.clone());
                let spec = working.policies.get_mut(pi).and_then(|p| p.object.spec.as_mut());
                let after = match spec {
                    Some(spec) => {
                        // swap the tightened rule in, compile, swap the original back
                        let slot = match (ingress_rule, egress_rule) {
                            (Some(r), _) => spec
                                .ingress
                                .as_mut()
                                .and_then(|l| l.get_mut(index))
                                .map(|s| (s, r))
                                .map(|(s, r)| Swap::Ingress(std::mem::replace(s, r))),
                            (_, Some(r)) => spec
                                .egress
                                .as_mut()
                                .and_then(|l| l.get_mut(index))
                                .map(|s| (s, r))
                                .map(|(s, r)| Swap::Egress(std::mem::replace(s, r))),
                            _ => None,
                        };
                        let after = CompiledCluster::compile(working, cluster.options());
                        restore(working, pi, index, slot);
                        after
                    }
                    None => CompiledCluster::compile(working, cluster.options()),
                };
                let targets: Vec<String> =
                    scope.targets.iter().filter_map(|t| resolver.endpoint(*t)).map(|e| e.name.clone()).collect();
                let filter = ConnectionFilter {
                    focus_workloads: targets,
                    focus_direction: Some(direction),
                    ..ConnectionFilter::default()
                };
                let stops = lost(cluster, &after, &filter);
                let stops_allowing_tuples =
                    stops.iter().flat_map(|r| r.ports.iter()).map(|[a, b]| u64::from(*b) - u64::from(*a) + 1).sum();
                audit.too_broad.push(BroadRule {
                    rule,
                    used,
                    allows,
                    suggestion,
                    stops_allowing: stops.into_iter().take(options.max_connections).collect(),
                    stops_allowing_tuples,
                    stops_allowing_computed: true,
                });
            }
        }
    }
    Ok(audit)
}
