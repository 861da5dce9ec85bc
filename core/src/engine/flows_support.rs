//! Queries the flow operations (`crate::flows`) ask of a compiled cluster: which endpoints a
//! policy selects, and everything one rule allows (for the audit of rules against traffic).

use super::compile::{CompiledCluster, Side};
use super::ipset::IpRange;
use super::ports::PortSet;
use super::types::Direction;
use crate::util::CompactSort;

/// What one rule allows, on the side it belongs to: per endpoint it applies to (`target`) and
/// peer (an endpoint, or an external range), the ports. Indices are into
/// [`CompiledCluster::endpoints`].
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleScope {
    /// Endpoints the rule's policy selects (for the rule's direction).
    pub(crate) targets: Vec<usize>,
    /// `(target, peer endpoint, ports)`.
    pub(crate) peers: Vec<(usize, usize, PortSet)>,
    /// `(target, external range, ports)`.
    pub(crate) externals: Vec<(usize, IpRange, PortSet)>,
}

impl CompiledCluster {
    fn policy_indices<'s>(&'s self, namespace: &'s str, name: &'s str) -> impl Iterator<Item = usize> + 's {
        self.policies
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.namespace == namespace && p.name == name)
            .map(|(i, _)| i)
    }

    fn selecting(&self, sides: &[Side], policies: &[usize]) -> Vec<usize> {
        self.endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| sides.get(e.class).is_some_and(|s| s.policies.iter().any(|p| policies.contains(p))))
            .map(|(i, _)| i)
            .collect()
    }

    /// Endpoints that policy `namespace/name` selects, in either direction it isolates.
    pub(crate) fn policy_selects(&self, namespace: &str, name: &str) -> Vec<usize> {
        let ids: Vec<usize> = self.policy_indices(namespace, name).collect();
        let mut out = self.selecting(&self.ingress, &ids);
        out.extend(self.selecting(&self.egress, &ids));
        out.sort_compact();
        out.dedup();
        out
    }

    /// What rule `index` of `direction` of policy `namespace/name` allows; `None` when the
    /// policy has no such rule in a direction it isolates.
    pub(crate) fn rule_scope(
        &self,
        namespace: &str,
        name: &str,
        direction: Direction,
        index: usize,
    ) -> Option<RuleScope> {
        let ids: Vec<usize> = self.policy_indices(namespace, name).collect();
        let rule =
            self.rules.iter().find(|r| ids.contains(&r.policy) && r.direction == direction && r.index == index)?;
        let sides = match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        };
        let mut scope = RuleScope { targets: self.selecting(sides, &ids), ..RuleScope::default() };
        for &t in &scope.targets {
            let Some(target) = self.endpoints.get(t) else { continue };
            for (p, peer) in self.endpoints.iter().enumerate() {
                if p == t || !rule.classes.contains(peer.class) {
                    continue;
                }
                // named ports resolve on the destination: the target for ingress, the peer for egress
                let destination = if direction == Direction::Ingress { target.class } else { peer.class };
                let ports = self.rule_ports(rule, Some(destination));
                if !ports.is_empty() {
                    scope.peers.push((t, p, ports));
                }
            }
            let ports = if direction == Direction::Ingress {
                self.rule_ports(rule, Some(target.class))
            } else {
                rule.ports.numeric.clone()
            };
            if ports.is_empty() {
                continue;
            }
            for a in rule.externals.iter() {
                if let Some(range) = self.externals.get(a) {
                    match scope.externals.last_mut() {
                        Some((lt, last, lp)) if *lt == t && last.touches(*range) && *lp == ports => {
                            *last = last.extend_to(*range);
                        }
                        _ => scope.externals.push((t, *range, ports.clone())),
                    }
                }
            }
        }
        Some(scope)
    }
}
