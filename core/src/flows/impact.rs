//! Impact of a change on real traffic: the observed flows that the head manifests would newly
//! deny (the blast radius) or newly allow compared to the base, grouped by workload pair.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::resolve::{Allowed, FlowResolver, PeerRef};
use super::{FlowCounts, FlowLog, FlowStats};
use crate::engine::{CompiledCluster, Direction, SideVerdict};
use crate::inventory::ResourceSet;
use crate::model::Protocol;

/// The side that denies a flow and the policies isolating it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeniedSide {
    /// `egress` (of the source) or `ingress` (of the destination).
    pub direction: Direction,
    /// The endpoint on that side.
    pub endpoint: String,
    /// The policies isolating it, `namespace/name`, none of which allows the flow; or the
    /// cluster-scoped policy whose rule denies it, `Kind name`.
    pub policies: Vec<String>,
    /// The rule of a cluster-scoped policy (AdminNetworkPolicy, ..., ClusterNetworkPolicy) that
    /// denies the flow, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<crate::engine::TierRuleRef>,
}

/// One port of a workload pair whose verdict changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImpactFlow {
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port.
    pub port: u16,
    /// What was observed.
    pub counts: FlowCounts,
    /// For a newly denied flow: the sides of the head that deny it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denied_by: Vec<DeniedSide>,
}

/// The changed flows between two endpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImpactGroup {
    /// Source.
    pub src: String,
    /// Destination.
    pub dst: String,
    /// Observed connections affected.
    pub connections: u64,
    /// The ports.
    pub flows: Vec<ImpactFlow>,
}

/// What a change does to the observed flows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Impact {
    /// Observed flows allowed by the base and denied by the head: the blast radius.
    pub newly_denied: Vec<ImpactGroup>,
    /// Observed flows denied by the base and allowed by the head.
    pub newly_allowed: Vec<ImpactGroup>,
    /// Flows (tuples) allowed by both.
    pub unchanged_allowed: usize,
    /// Flows denied by both.
    pub unchanged_denied: usize,
    /// Flows that could not be checked (an endpoint unknown to the inventory or absent in one
    /// of the two versions).
    pub unchecked: usize,
}

/// Names of the policies isolating the denying sides of `src → dst` on one port.
pub(crate) fn denying_sides(
    cluster: &CompiledCluster,
    src: &str,
    dst: &str,
    protocol: Protocol,
    port: u16,
) -> Vec<DeniedSide> {
    let Ok(why) = cluster.explain(src, dst, Some(port), Some(protocol)) else { return Vec::new() };
    let Some(range) = why.ranges.first() else { return Vec::new() };
    let names =
        |i: &crate::engine::Isolation| i.policies.iter().map(|p| format!("{}/{}", p.namespace, p.name)).collect();
    let mut out = Vec::new();
    let sides = [
        (Direction::Egress, &range.egress, &why.src, &why.egress),
        (Direction::Ingress, &range.ingress, &why.dst, &why.ingress),
    ];
    for (direction, verdict, endpoint, isolation) in sides {
        let endpoint = endpoint.clone();
        match verdict {
            SideVerdict::Denied => out.push(DeniedSide { direction, endpoint, policies: names(isolation), rule: None }),
            SideVerdict::TierDenied { rule } => out.push(DeniedSide {
                direction,
                endpoint,
                policies: vec![format!("{} {}", rule.kind, rule.policy)],
                rule: Some(rule.clone()),
            }),
            _ => {}
        }
    }
    out
}

type Groups = BTreeMap<(String, String), Vec<(Protocol, u16, FlowStats, Vec<DeniedSide>)>>;

fn groups(map: Groups) -> Vec<ImpactGroup> {
    map.into_iter()
        .map(|((src, dst), flows)| ImpactGroup {
            src,
            dst,
            connections: flows.iter().map(|f| f.2.connections).sum(),
            flows: flows
                .into_iter()
                .map(|(protocol, port, stats, denied_by)| ImpactFlow {
                    protocol,
                    port,
                    counts: stats.counts(),
                    denied_by,
                })
                .collect(),
        })
        .collect()
}

/// Compares what `base` and `head` (compiled from the same or a changed inventory) allow of the
/// observed flows of `log`. Flows are mapped to endpoints through the base inventory.
#[must_use]
pub fn measure_impact(base_set: &ResourceSet, base: &CompiledCluster, head: &CompiledCluster, log: &FlowLog) -> Impact {
    let resolver = FlowResolver::new(base_set, base);
    let mut before = Allowed::new(&resolver, base);
    let mut after = Allowed::new(&resolver, head);
    let mut impact = Impact::default();
    let (mut denied, mut allowed): (Groups, Groups) = (BTreeMap::new(), BTreeMap::new());
    for f in resolver.resolve_log(log) {
        let (b, h) =
            (before.allows(&f.src, &f.dst, f.protocol, f.port), after.allows(&f.src, &f.dst, f.protocol, f.port));
        let key = || (resolver.name(&f.src), resolver.name(&f.dst));
        match (b, h) {
            (Some(true), Some(false)) => {
                let (src, dst) = key();
                let sides = match (&f.src, &f.dst) {
                    (PeerRef::Unresolved(_), _) | (_, PeerRef::Unresolved(_)) => Vec::new(),
                    _ => denying_sides(head, &src, &dst, f.protocol, f.port),
                };
                denied.entry((src, dst)).or_default().push((f.protocol, f.port, f.stats, sides));
            }
            (Some(false), Some(true)) => {
                allowed.entry(key()).or_default().push((f.protocol, f.port, f.stats, Vec::new()));
            }
            (Some(true), Some(true)) => impact.unchanged_allowed += 1,
            (Some(false), Some(false)) => impact.unchanged_denied += 1,
            _ => impact.unchecked += 1,
        }
    }
    impact.newly_denied = groups(denied);
    impact.newly_allowed = groups(allowed);
    impact
}
