//! Dropped flows after a rollout: for each, which policy isolation denies it (per the engine,
//! on the current manifests) and the smallest allowance that would admit it, as YAML.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::generate::{Context, GenerateOptions, policy_base};
use super::impact::{DeniedSide, denying_sides};
use super::resolve::{FlowResolver, PeerRef};
use super::{FlowCounts, FlowLog};
use crate::builder::{NamespaceBuilder, PolicyBuilder, Port, WorkloadBuilder};
use crate::engine::{CompiledCluster, Direction};
use crate::error::Error;
use crate::inventory::ResourceSet;
use crate::model::Protocol;

/// Why a flow was dropped, per the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum DropCause {
    /// The policies deny it: see `deniedBy` and `allowance`.
    Policy,
    /// The policies allow it: dropped for another reason (see `dropReasons`), or the manifests
    /// are not what runs.
    NotPolicy,
    /// An endpoint is not in the inventory, so the policies cannot be consulted.
    Unresolved,
}

/// One dropped flow, explained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DroppedFlow {
    /// Source.
    pub src: String,
    /// Destination.
    pub dst: String,
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port.
    pub port: u16,
    /// What was observed (with the drop reasons the records give).
    pub counts: FlowCounts,
    /// The engine's verdict.
    pub cause: DropCause,
    /// The sides that deny it and the policies isolating them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denied_by: Vec<DeniedSide>,
    /// The smallest allowance admitting exactly this flow: one policy per denying side, YAML.
    /// None when an admin-tier rule (AdminNetworkPolicy, ClusterNetworkPolicy `tier: Admin`)
    /// denies it: NetworkPolicies are evaluated after it and cannot admit the flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance: Option<String>,
}

/// Options of [`explain_drops`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct DropsOptions {
    /// Label keys to leave out of selectors, besides the volatile ones.
    pub volatile_labels: Vec<String>,
    /// Also explain flows in policy audit mode (`AUDIT`: they would be dropped).
    pub include_audit: bool,
}

fn short(peer: &PeerRef, resolver: &FlowResolver<'_>) -> String {
    match peer {
        PeerRef::Endpoint(i) => resolver.endpoint(*i).map_or_else(String::new, |e| policy_base(&e.workload)),
        PeerRef::External(ip) => policy_base(&ip.to_string()),
        PeerRef::Unresolved(d) => policy_base(d),
    }
}

/// The allowance policies for one dropped flow, one per denying side.
fn allowance(
    context: &Context<'_, '_>,
    src: &PeerRef,
    dst: &PeerRef,
    protocol: Protocol,
    port: u16,
    sides: &[DeniedSide],
) -> Result<Option<String>, Error> {
    // an admin-tier rule is evaluated before NetworkPolicies: no NetworkPolicy can admit the flow
    if sides.iter().any(|s| s.rule.as_ref().is_some_and(|r| r.tier == crate::model::Tier::Admin)) {
        return Ok(None);
    }
    let resolver = context.resolver;
    let port_entry = Port::number(protocol, i64::from(port));
    let mut builder = PolicyBuilder::new();
    let mut any = false;
    for side in sides {
        let (target, other) = match side.direction {
            Direction::Egress => (src, dst),
            Direction::Ingress => (dst, src),
        };
        let PeerRef::Endpoint(t) = target else { continue };
        let Some(e) = resolver.endpoint(*t) else { continue };
        let Some(peer) = context.flow_peer(other, &e.namespace) else { continue };
        let (word, base) = match side.direction {
            Direction::Egress => ("to", policy_base(&e.workload)),
            Direction::Ingress => ("from", policy_base(&e.workload)),
        };
        let name = policy_base(&format!("{base}-{word}-{}-{port}", short(other, resolver)));
        let workload = WorkloadBuilder::new(name).pods(context.selector(e));
        let workload = match side.direction {
            Direction::Egress => workload.allow_to(peer, port_entry.clone()),
            Direction::Ingress => workload.allow_from(peer, port_entry.clone()),
        };
        builder = builder.namespace(NamespaceBuilder::new(e.namespace.clone()).workload(workload));
        any = true;
    }
    if !any {
        return Ok(None);
    }
    Ok(Some(builder.build()?.to_yaml()))
}

/// Explains every dropped flow of `log` against the manifests compiled as `cluster`.
///
/// # Errors
/// `NF-E012` when an allowance cannot be expressed (an invalid label in the inventory).
pub fn explain_drops(
    resources: &ResourceSet,
    cluster: &CompiledCluster,
    log: &FlowLog,
    options: &DropsOptions,
) -> Result<Vec<DroppedFlow>, Error> {
    let resolver = FlowResolver::new(resources, cluster);
    let generate = GenerateOptions { volatile_labels: options.volatile_labels.clone(), ..GenerateOptions::default() };
    let context = Context { resolver: &resolver, options: &generate };
    let mut out = Vec::new();
    for f in resolver.resolve_log(log) {
        if f.stats.dropped == 0 && !(options.include_audit && f.stats.audit > 0) {
            continue;
        }
        let (src, dst) = (resolver.name(&f.src), resolver.name(&f.dst));
        let unresolved = matches!(f.src, PeerRef::Unresolved(_)) || matches!(f.dst, PeerRef::Unresolved(_));
        let sides = if unresolved { Vec::new() } else { denying_sides(cluster, &src, &dst, f.protocol, f.port) };
        let cause = match (unresolved, sides.is_empty()) {
            (true, _) => DropCause::Unresolved,
            (false, true) => DropCause::NotPolicy,
            (false, false) => DropCause::Policy,
        };
        let allowance = allowance(&context, &f.src, &f.dst, f.protocol, f.port, &sides)?;
        out.push(DroppedFlow {
            src,
            dst,
            protocol: f.protocol,
            port: f.port,
            counts: f.stats.counts(),
            cause,
            denied_by: sides,
            allowance,
        });
    }
    Ok(out)
}
